//! The command line's shape: the top-level options, the subcommands and each one's
//! arguments. What several subcommands share (the database and column family, the key
//! range, `--write`, the grouping of keys) is a group in `groups`, flattened in; every
//! number is range-checked by `ranges`, so a bad value is a clear error from clap and
//! never a panic further in.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use super::groups::{
    DbArgs, GroupingArgs, PrefixArgs, RangeArgs, SpanArgs, StrictRangeArgs, WriteArgs,
};
use super::ranges;

/// Browse and inspect a RocksDB database from the terminal. Read-only unless --write.
#[derive(Debug, Parser)]
#[command(
    name = "spear-inspect",
    version,
    disable_version_flag = true,
    args_conflicts_with_subcommands = true,
    after_help = "Exit status: 0 done; 1 the answer is no (a key is absent); 2 a usage or input error; 3 refused (read-only, locked, --write missing); 4 a storage error (corruption, I/O); 5 and 6 writes slowed and stopped (`stall`); 7 damage found (`verify`); 8 the value does not decode under its rule (`get --decode`); 128+N ended by signal N. An error never leaves anything half-done."
)]
pub struct Cli {
    /// Print the version, the RocksDB version linked in and the compression codecs it has.
    #[arg(short = 'V', long)]
    pub version: bool,
    /// The database directory to open in the TUI.
    pub db: Option<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub tui: TuiArgs,
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub global: GlobalArgs,
    #[command(subcommand)]
    #[allow(missing_docs)] // documented by each subcommand
    pub command: Option<Command>,
}

/// The options every subcommand takes too (clap's `global`). They reach the code that
/// needs them as values.
#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// Key arguments (KEY, --prefix, --from, --to) are hex.
    #[arg(long, global = true)]
    pub key_hex: bool,
    /// With --write: write even to a database whose RocksDB version might not read what
    /// this build writes (refused otherwise, naming both versions).
    #[arg(long, global = true)]
    pub allow_format_upgrade: bool,
    /// Where logs go (never to the terminal).
    #[arg(long, global = true, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Heavy walks (counts, key-space breakdowns, tombstone scans, exports) use at most N
    /// threads (default: every core this process may run on).
    #[arg(long, global = true, value_name = "N", value_parser = ranges::threads())]
    pub threads: Option<u16>,
    /// Heavy walks read at most this many MB (keys and values) per second, for a host
    /// whose service needs its disk even against idle-priority reads.
    #[arg(long, global = true, value_name = "MB/s", value_parser = ranges::io_limit)]
    pub io_limit: Option<u64>,
    /// Run heavy walks at normal priority (by default they run at the idle I/O class and
    /// nice 10, so the service comes first).
    #[arg(long, global = true)]
    pub normal_priority: bool,
}

impl GlobalArgs {
    /// How heavy walks share the machine with the service.
    pub fn yielding(&self) -> crate::inspector::source::yielding::Yielding {
        crate::inspector::source::yielding::Yielding {
            lower_priority: !self.normal_priority,
            io_limit: self.io_limit,
            threads: self.threads.map(usize::from),
        }
    }
}

/// Options of the interactive UI.
#[derive(Debug, Args, Clone)]
pub struct TuiArgs {
    /// Start in this column family.
    #[arg(long, value_name = "NAME")]
    pub cf: Option<String>,
    /// Open read-write (the database must not be locked by another process).
    #[arg(long)]
    pub write: bool,
    /// Seconds between refreshes (catching up with a running primary), 0.1 to 86400.
    #[arg(long, value_name = "SECS", default_value = "2", value_parser = ranges::refresh_interval)]
    pub refresh: std::time::Duration,
    /// Compare with this database on the Diff screen (9), and start there.
    #[arg(long, value_name = "DB")]
    pub compare: Option<PathBuf>,
    /// Flag heartbeats and resource reports older than this many seconds (1 to 10 years).
    #[arg(long, value_name = "SECS", default_value_t = 90, value_parser = ranges::stale_after())]
    pub stale_after: u64,
    /// The decoder config: key layouts and value formats (default: DB.decoders.toml
    /// beside the database, else $XDG_CONFIG_HOME/spear-inspect/decoders.toml, else the
    /// built-in Spear-Next rules).
    #[arg(long, value_name = "FILE")]
    pub decoders: Option<PathBuf>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a demo database (if DIR does not exist) and open it in the TUI.
    Demo(DemoArgs),
    /// Print pairs in key order.
    Scan(ScanArgs),
    /// Print one value; exit 1 when the key is absent.
    Get(GetArgs),
    /// Print the number of keys.
    Count(CountArgs),
    /// Print every node record as JSON lines (undecodable ones with their error).
    Nodes(RecordsArgs),
    /// Print every resource record as JSON lines (undecodable ones with their error).
    Resources(RecordsArgs),
    /// Compact a column family, or the keys in [--from, --to). Needs --write.
    Compact(CompactArgs),
    /// Flush the memtables of a column family to SST files. Needs --write.
    Flush(FlushArgs),
    /// Store one value. Needs --write.
    Put(PutArgs),
    /// Delete one key. Needs --write.
    Delete(DeleteArgs),
    /// Delete every key with a prefix, or in [--from, --to). Needs --write.
    DeleteRange(DeleteRangeArgs),
    /// Copy the database, consistently, to a new directory (also while another process
    /// holds it and keeps writing).
    Checkpoint(CheckpointArgs),
    /// Write pairs as JSON Lines to stdout (every column family unless --cf).
    Export(ExportArgs),
    /// Read JSON Lines from stdin into a new or existing database. Needs --write.
    Import(ImportArgs),
    /// Copy every pair between backends: memory:, rocksdb:PATH, sled:PATH,
    /// etcd://HOST:PORT[,...][/NAMESPACE]. Only a
    /// RocksDB source's default column family with UTF-8 keys can be carried: anything
    /// more is refused before writing. --to must be empty; it is read back and compared
    /// (count and hash) at the end.
    Migrate(MigrateArgs),
    /// Upstream Spear-Next's event streams as JSON lines: every stream with its counter,
    /// stored events and range (and where they disagree), or with --stream the newest
    /// events of one stream, decoded.
    Events(EventsArgs),
    /// Compare two databases (or a database and its checkpoint) key by key: added (+),
    /// removed (-) and changed (~) keys per column family. Exit 1 when they differ, like
    /// `diff`.
    Diff(DiffArgs),
    /// What fills the database directory: every file by kind (live SST per column family
    /// and level, obsolete SST, blob, WAL, LOG, OPTIONS, MANIFEST), adding up to its size.
    Usage(ReportArgs),
    /// When will writes stop: RocksDB's write-stall conditions per column family (level-0
    /// files, pending compaction bytes, memtables) against the database's own limits, the
    /// trend of level-0 files from the LOG, and the stalls the LOG recorded. Exit 0 when
    /// writes flow, 5 when they are slowed, 6 when they are stopped.
    Stall(ReportArgs),
    /// Explain a read: a point read of KEY, or a seek and up to --limit keys under --prefix or from
    /// --from, run with RocksDB's perf counters (cold, then warm): table files in its
    /// path per level, bloom filter checks, blocks read and from the cache, tombstones and
    /// older versions stepped over, with a verdict and the `compact` that fixes it.
    Explain(ExplainArgs),
    /// Who is writing, and what: every batch of the WAL files (live and archived) tallied
    /// per column family and key prefix (puts, deletes, merges, range deletions, bytes,
    /// operations per second over the WALs' span) and the hottest keys. Reads only the
    /// WAL files: safe beside a live writer.
    Writes(WritesArgs),
    /// Is the database damaged, and what is lost: every block of every live SST and blob
    /// file read with its checksum (on every core, at the idle I/O class), the MANIFEST
    /// and the WAL files; each damage named with its file, level and offset, the keys a
    /// read cannot return, and whether a backup or a replica is needed. Opens no
    /// database. Exit 0 when nothing is damaged, 7 when something is.
    Verify(ReportArgs),
    /// The key space by prefix: keys and bytes per prefix (`node:`, `events:`...), estimated
    /// at once from RocksDB's approximate sizes, or with --exact counted, with the largest
    /// values and a value-size histogram per prefix. --prefix drills into one.
    Keyspace(KeyspaceArgs),
    /// Tombstones (deletions) per level, SST file and memtable; with --scan, the key
    /// ranges where reads skip the most of them, and the `compact` that removes them.
    Tombstones(TombstonesArgs),
    /// The LSM by prefix: for each key prefix its bytes and files per level, tombstones,
    /// older versions, the table files a read of one of its keys may check, and the bytes
    /// a compaction of its range would reclaim, the most reclaimable first, with the
    /// `compact` command. Reads every live table file entry by entry (read-only, the
    /// files held open so a live service's compaction cannot take them away). Exit 7
    /// when a table file could not be read to its end (damaged: see `verify`).
    Lsm(LsmArgs),
    /// The decoders you configure (a TOML file of rules per column family and key prefix:
    /// key layouts and value formats): `decoders check DB` says how many keys each rule
    /// matches and decodes.
    Decoders(DecodersArgs),
    /// What RocksDB itself wrote in its info LOG files (LOG, LOG.old.*): flushes,
    /// compactions, table files, write stalls and their cause, errors, in time order; or
    /// with --timeline, stall periods, write amplification and compaction throughput over
    /// time.
    Log(LogArgs),
    /// What the service just wrote: the newest write batches in the WAL files, newest
    /// first (sequence, column family id, PUT/DELETE/MERGE/..., key, value), read from the
    /// files' tails; or the WAL files, or every batch as `ldb dump_wal` prints it, or new
    /// batches as they are written (--follow).
    Wal(WalArgs),
    /// One key's history: its versions in the WAL files (written, maybe not yet flushed),
    /// what a read returns now, and the SST files whose range covers it. Exit 1 when
    /// it is nowhere.
    History(HistoryArgs),
    /// The options in effect (the newest OPTIONS file): the settings that differ from
    /// RocksDB's defaults, or with --all every one; with --compare, what differs from the
    /// previous OPTIONS file or from another database's.
    Options(OptionsArgs),
    /// Print a shell completion script: `spear-inspect completions bash > ...`.
    Completions(CompletionsArgs),
    /// Print the manual page (roff): `spear-inspect man | man -l -`.
    Man,
    /// Print database statistics.
    Stats(ReportArgs),
}

/// `demo`.
#[derive(Debug, Args, Clone)]
pub struct DemoArgs {
    /// Where to create it.
    #[arg(default_value = "spear-demo-db")]
    pub dir: PathBuf,
    /// Only create it.
    #[arg(long)]
    pub no_tui: bool,
}

/// `scan`.
#[derive(Debug, Args, Clone)]
pub struct ScanArgs {
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub db: DbArgs,
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub range: RangeArgs,
    /// At most N pairs.
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
    /// With --json: each pair also as its decoder rule reads it (a "decoded" field
    /// beside the exact bytes; `import` leaves it out).
    #[arg(long, requires = "json")]
    pub decode: bool,
    /// Only pairs whose decoded field passes this test: `status == Unhealthy`,
    /// `cpu > 80`, `spec.zone != eu`, `key.block >= 1000` (ops == != > >= < <= ~).
    #[arg(long = "where", value_name = "TEST")]
    pub where_field: Option<String>,
    /// The decoder config for --decode and --where (default: DB.decoders.toml beside the
    /// database, else $XDG_CONFIG_HOME/spear-inspect/decoders.toml, else the built-in
    /// Spear-Next rules).
    #[arg(long, value_name = "FILE")]
    pub decoders: Option<std::path::PathBuf>,
}

/// `get`.
#[derive(Debug, Args, Clone)]
pub struct GetArgs {
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub db: DbArgs,
    /// The key.
    pub key: String,
    /// Print the pair as its decoder rule reads it (JSON: the rule, the key in its
    /// layout, the decoded value) instead of the value's bytes.
    #[arg(long)]
    pub decode: bool,
    /// The decoder config for --decode (default: DB.decoders.toml beside the database,
    /// else $XDG_CONFIG_HOME/spear-inspect/decoders.toml, else the built-in rules).
    #[arg(long, value_name = "FILE", requires = "decode")]
    pub decoders: Option<PathBuf>,
}

/// `count`.
#[derive(Debug, Args, Clone)]
pub struct CountArgs {
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub db: DbArgs,
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub prefix: PrefixArgs,
    /// RocksDB's instant estimate instead of an exact count.
    #[arg(long)]
    pub estimate: bool,
    /// Also say on stderr where the time went: the open, then the walk (its threads).
    #[arg(long)]
    pub timings: bool,
}

/// `nodes` and `resources`.
#[derive(Debug, Args, Clone)]
pub struct RecordsArgs {
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub db: DbArgs,
    /// One JSON object per line (the default; accepted for symmetry).
    #[arg(long)]
    pub json: bool,
}

/// `compact`.
#[derive(Debug, Args, Clone)]
pub struct CompactArgs {
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub db: DbArgs,
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub span: SpanArgs,
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub write: WriteArgs,
}

/// `flush`.
#[derive(Debug, Args, Clone)]
pub struct FlushArgs {
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub db: DbArgs,
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub write: WriteArgs,
}

/// `put`.
#[derive(Debug, Args, Clone)]
pub struct PutArgs {
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub db: DbArgs,
    /// The key.
    pub key: String,
    /// The value (text; see --value-hex).
    pub value: String,
    /// VALUE is hex.
    #[arg(long)]
    pub value_hex: bool,
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub write: WriteArgs,
}

/// `delete`.
#[derive(Debug, Args, Clone)]
pub struct DeleteArgs {
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub db: DbArgs,
    /// The key.
    pub key: String,
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub write: WriteArgs,
}

/// `delete-range`.
#[derive(Debug, Args, Clone)]
pub struct DeleteRangeArgs {
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub db: DbArgs,
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub range: StrictRangeArgs,
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub write: WriteArgs,
}

/// `checkpoint`.
#[derive(Debug, Args, Clone)]
pub struct CheckpointArgs {
    /// The database directory.
    pub db: PathBuf,
    /// Where the copy goes (must not exist).
    pub dest: PathBuf,
}

/// `export`.
#[derive(Debug, Args, Clone)]
pub struct ExportArgs {
    /// The database directory.
    pub db: PathBuf,
    /// Only this column family.
    #[arg(long)]
    pub cf: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub prefix: PrefixArgs,
    /// Write to FILE instead of stdout: created 0600 when the database is not
    /// world-readable (never following a symlink).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Each pair also as its decoder rule reads it (a "decoded" field beside the exact
    /// bytes; `import` leaves it out, so the bytes still restore exactly).
    #[arg(long)]
    pub decode: bool,
    /// The decoder config for --decode (default: DB.decoders.toml beside the database,
    /// else $XDG_CONFIG_HOME/spear-inspect/decoders.toml, else the built-in rules).
    #[arg(long, value_name = "FILE", requires = "decode")]
    pub decoders: Option<PathBuf>,
}

/// `import`.
#[derive(Debug, Args, Clone)]
pub struct ImportArgs {
    /// The database directory (created if missing).
    pub db: PathBuf,
    /// Pairs per atomic batch (1 to 1,000,000).
    #[arg(long, default_value_t = 10_000, value_parser = ranges::batch_size)]
    pub batch_size: usize,
    /// A new database in this build's newest formats, which RocksDB 7.x cannot read
    /// (by default a new database is one RocksDB 7.x reads).
    #[arg(long)]
    pub newest_format: bool,
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub write: WriteArgs,
}

/// `migrate`.
#[derive(Debug, Args, Clone)]
pub struct MigrateArgs {
    /// Where from.
    #[arg(long, value_name = "SPEC")]
    pub from: String,
    /// Where to.
    #[arg(long, value_name = "SPEC")]
    pub to: String,
    /// Pairs per atomic batch (1 to 1,000,000).
    #[arg(long, default_value_t = 10_000, value_parser = ranges::batch_size)]
    pub batch_size: usize,
    /// Continue an interrupted migration into a --to that holds its first pairs: copy
    /// what follows its last key, then compare both sides whole.
    #[arg(long)]
    pub resume: bool,
}

/// `events`.
#[derive(Debug, Args, Clone)]
pub struct EventsArgs {
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub db: DbArgs,
    /// One stream's events, newest first (by number).
    #[arg(long, value_name = "STREAM")]
    pub stream: Option<String>,
    /// --stream names a per-node task event stream (`task_events:{node}:{id}`).
    #[arg(long)]
    pub task_events: bool,
    /// Also count the other records upstream keeps (instance:, execution:, idx:...).
    #[arg(long, conflicts_with = "stream")]
    pub namespaces: bool,
    /// With --stream: its missing numbers as ranges and what the live WAL files know
    /// of each (one JSON object) instead of its events.
    #[arg(long, requires = "stream")]
    pub gaps: bool,
    /// At most N events (1 to 10,000).
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub limit: u64,
    /// One JSON object per line (the default; accepted for symmetry).
    #[arg(long)]
    pub json: bool,
}

/// `diff`.
#[derive(Debug, Args, Clone)]
pub struct DiffArgs {
    /// The first database (A).
    pub a: PathBuf,
    /// The second database (B).
    pub b: PathBuf,
    /// Only this column family (default: every one either has).
    #[arg(long, value_name = "NAME")]
    pub cf: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub prefix: PrefixArgs,
    /// One JSON object per line.
    #[arg(long, conflicts_with = "tui")]
    pub json: bool,
    /// Browse the differences in the terminal UI (the Diff screen, on A).
    #[arg(long, conflicts_with_all = ["json", "cf", "prefix"])]
    pub tui: bool,
}

/// `explain`.
#[derive(Debug, Args, Clone)]
pub struct ExplainArgs {
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub db: DbArgs,
    /// The key of a point read (or --prefix / --from for a seek).
    #[arg(conflicts_with_all = ["prefix", "from", "to"], required_unless_present_any = ["prefix", "from"])]
    pub key: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub range: RangeArgs,
    /// Keys a seek reads at most (the Keys screen fetches 256 at a time; its `S` reads the rows it shows).
    #[arg(long, value_name = "N", default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub limit: u64,
    /// As JSON.
    #[arg(long)]
    pub json: bool,
}

/// `writes`.
#[derive(Debug, Args, Clone)]
pub struct WritesArgs {
    /// The database directory.
    pub db: PathBuf,
    /// What ends a prefix (default ':'; keys without it are counted as "(no delimiter)").
    #[arg(long, value_name = "D", value_parser = ranges::delimiter)]
    pub delimiter: Option<String>,
    /// Group by the first N bytes instead (binary keys), 1 to 1024.
    #[arg(long, value_name = "N", conflicts_with = "delimiter", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub prefix_len: Option<u64>,
    /// Prefixes and hottest keys listed.
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub top: u64,
    /// As JSON.
    #[arg(long)]
    pub json: bool,
}

/// `usage` and `stats`: a report on one database.
#[derive(Debug, Args, Clone)]
pub struct ReportArgs {
    /// The database directory.
    pub db: PathBuf,
    /// As JSON.
    #[arg(long)]
    pub json: bool,
}

/// `keyspace`.
#[derive(Debug, Args, Clone)]
pub struct KeyspaceArgs {
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub db: DbArgs,
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub grouping: GroupingArgs,
    /// Read every key: exact counts, bytes, largest values, value-size histograms.
    #[arg(long)]
    pub exact: bool,
    /// How many of the largest values to list (with --exact; 0 to 1,000).
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=1000))]
    pub top: u64,
    /// As JSON.
    #[arg(long)]
    pub json: bool,
}

/// `tombstones`.
#[derive(Debug, Args, Clone)]
pub struct TombstonesArgs {
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub db: DbArgs,
    /// Walk every key with RocksDB's perf counters to measure what reads skip.
    #[arg(long)]
    pub scan: bool,
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub grouping: GroupingArgs,
    /// As JSON.
    #[arg(long)]
    pub json: bool,
}

/// `lsm`.
#[derive(Debug, Args, Clone)]
pub struct LsmArgs {
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub db: DbArgs,
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub grouping: GroupingArgs,
    /// List every prefix (the text lists the 20 most reclaimable).
    #[arg(long)]
    pub all: bool,
    /// As JSON (every prefix).
    #[arg(long)]
    pub json: bool,
}

/// `decoders`.
#[derive(Debug, Args, Clone)]
pub struct DecodersArgs {
    #[command(subcommand)]
    #[allow(missing_docs)] // documented by its variants
    pub command: DecodersCommand,
}

/// What `decoders` does.
#[derive(Debug, clap::Subcommand, Clone)]
pub enum DecodersCommand {
    /// For each rule: the keys it is the first rule of, and how many of them its key
    /// layout and value format decode, with the first failure; on the first 10,000 keys
    /// of each rule, or with --all on every key.
    Check(DecodersCheckArgs),
}

/// `decoders check`.
#[derive(Debug, Args, Clone)]
pub struct DecodersCheckArgs {
    /// The database directory.
    pub db: PathBuf,
    /// The decoder config (default: DB.decoders.toml beside the database, else
    /// $XDG_CONFIG_HOME/spear-inspect/decoders.toml).
    #[arg(long, value_name = "FILE")]
    pub decoders: Option<PathBuf>,
    /// Every key, not the first 10,000 of each rule.
    #[arg(long)]
    pub all: bool,
    /// As JSON.
    #[arg(long)]
    pub json: bool,
}

/// `log`.
#[derive(Debug, Args, Clone)]
pub struct LogArgs {
    /// The database directory.
    pub db: PathBuf,
    /// Only entries since then: 2026-11-26T07:00, 2026/11/26-07:00:00, or 15m, 2h, 3d ago.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only this column family (repeatable).
    #[arg(long, value_name = "NAME")]
    pub cf: Vec<String>,
    /// Only these kinds, comma-separated: stall, flush_finished, compaction_finished,
    /// table_file_creation, background_error, error, warn, db_open...
    #[arg(long, value_name = "KINDS", value_delimiter = ',')]
    pub kind: Vec<String>,
    /// Every line, routine ones and option dumps too.
    #[arg(long)]
    pub all: bool,
    /// Only the newest N entries (1 to 1,000,000).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub limit: Option<u64>,
    /// The timeline: stall periods, flush and compaction volume per period, errors.
    #[arg(long)]
    pub timeline: bool,
    /// One JSON object per line (the timeline as one document).
    #[arg(long)]
    pub json: bool,
}

/// `wal`.
#[derive(Debug, Args, Clone)]
pub struct WalArgs {
    /// The database directory.
    pub db: PathBuf,
    /// List the WAL files: sizes, sequence ranges, torn tails.
    #[arg(long, conflicts_with_all = ["ldb", "follow"])]
    pub files: bool,
    /// Every batch, oldest first, exactly as `ldb dump_wal` prints it.
    #[arg(long, conflicts_with = "follow")]
    pub ldb: bool,
    /// With --ldb: values too (`ldb dump_wal --print_value`).
    #[arg(long, requires = "ldb")]
    pub print_value: bool,
    /// With --ldb: the column header line first (`ldb dump_wal --header`).
    #[arg(long, requires = "ldb")]
    pub header: bool,
    /// Print new batches as they are written, until interrupted.
    #[arg(long)]
    pub follow: bool,
    /// The newest N batches (1 to 1,000,000).
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub limit: u64,
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
}

/// `history`.
#[derive(Debug, Args, Clone)]
pub struct HistoryArgs {
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub db: DbArgs,
    /// The key.
    pub key: String,
    /// As JSON.
    #[arg(long)]
    pub json: bool,
    /// Each version also as its decoder rule reads it (DB.decoders.toml beside the
    /// database, the config directory's, or the built-in Spear-Next rules; or --decoders).
    #[arg(long)]
    pub decode: bool,
    /// The decoder config for --decode.
    #[arg(long, value_name = "FILE", requires = "decode")]
    pub decoders: Option<PathBuf>,
}

/// `options`.
#[derive(Debug, Args, Clone)]
pub struct OptionsArgs {
    /// The database directory.
    pub db: PathBuf,
    /// Every setting, not only the changed ones.
    #[arg(long)]
    pub all: bool,
    /// Compare with the previous OPTIONS file (`previous`) or another database.
    #[arg(long, value_name = "previous|DB")]
    pub compare: Option<String>,
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
}

/// `completions`.
#[derive(Debug, Args, Clone)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell.
    pub shell: clap_complete::Shell,
}
