//! The command line's shape: the arguments, subcommands and the range checks on every
//! number, so a bad value is a clear error from clap and never a panic further in.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use super::ranges;

/// Browse and inspect a RocksDB database from the terminal. Read-only unless --write.
#[derive(Debug, Parser)]
#[command(
    name = "spear-inspect",
    version,
    disable_version_flag = true,
    args_conflicts_with_subcommands = true,
    after_help = "Exit status: 0 done; 1 the answer is no (a key is absent); 2 a usage or input error; 3 refused (read-only, locked, --write missing); 4 a storage error (corruption, I/O); 128+N ended by signal N. An error never leaves anything half-done."
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
    #[command(subcommand)]
    #[allow(missing_docs)] // documented by each subcommand
    pub command: Option<Command>,
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
}

/// How keys are grouped into prefixes.
#[derive(Debug, Args, Clone)]
pub struct GroupingArgs {
    /// Only keys below this prefix, grouped one level further.
    #[arg(long, value_name = "P")]
    pub prefix: Option<String>,
    /// What ends a prefix. Without it or --prefix-len, each level groups by ':' when
    /// most keys have it, else by the shortest leading byte length that splits them.
    #[arg(long, value_name = "D", value_parser = ranges::delimiter)]
    pub delimiter: Option<String>,
    /// Group by the next N bytes instead (binary keys), 1 to 1024.
    #[arg(long, value_name = "N", conflicts_with = "delimiter", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub prefix_len: Option<u64>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a demo database (if DIR does not exist) and open it in the TUI.
    Demo {
        /// Where to create it.
        #[arg(default_value = "spear-demo-db")]
        dir: PathBuf,
        /// Only create it.
        #[arg(long)]
        no_tui: bool,
    },
    /// Print pairs in key order.
    Scan {
        /// The database directory.
        db: PathBuf,
        /// Column family.
        #[arg(long, default_value = "default")]
        cf: String,
        /// Only keys starting with P.
        #[arg(long, value_name = "P")]
        prefix: Option<String>,
        /// First key (inclusive).
        #[arg(long, value_name = "K")]
        from: Option<String>,
        /// Last key (exclusive).
        #[arg(long, value_name = "K")]
        to: Option<String>,
        /// At most N pairs.
        #[arg(long, value_name = "N")]
        limit: Option<u64>,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Print one value; exit 1 when the key is absent.
    Get {
        /// The database directory.
        db: PathBuf,
        /// The key.
        key: String,
        /// Column family.
        #[arg(long, default_value = "default")]
        cf: String,
    },
    /// Print the number of keys.
    Count {
        /// The database directory.
        db: PathBuf,
        /// Column family.
        #[arg(long, default_value = "default")]
        cf: String,
        /// Only keys starting with P.
        #[arg(long, value_name = "P")]
        prefix: Option<String>,
        /// RocksDB's instant estimate instead of an exact count.
        #[arg(long)]
        estimate: bool,
    },
    /// Print every node record as JSON lines (undecodable ones with their error).
    Nodes {
        /// The database directory.
        db: PathBuf,
        /// Column family.
        #[arg(long, default_value = "default")]
        cf: String,
        /// One JSON object per line (the default; accepted for symmetry).
        #[arg(long)]
        json: bool,
    },
    /// Print every resource record as JSON lines (undecodable ones with their error).
    Resources {
        /// The database directory.
        db: PathBuf,
        /// Column family.
        #[arg(long, default_value = "default")]
        cf: String,
        /// One JSON object per line (the default; accepted for symmetry).
        #[arg(long)]
        json: bool,
    },
    /// Compact a column family, or the keys in [--from, --to). Needs --write.
    Compact {
        /// The database directory.
        db: PathBuf,
        /// Column family.
        #[arg(long, default_value = "default")]
        cf: String,
        /// First key (inclusive).
        #[arg(long, value_name = "K")]
        from: Option<String>,
        /// Last key (exclusive).
        #[arg(long, value_name = "K")]
        to: Option<String>,
        /// Allow changing the database.
        #[arg(long)]
        write: bool,
    },
    /// Flush the memtables of a column family to SST files. Needs --write.
    Flush {
        /// The database directory.
        db: PathBuf,
        /// Column family.
        #[arg(long, default_value = "default")]
        cf: String,
        /// Allow changing the database.
        #[arg(long)]
        write: bool,
    },
    /// Store one value. Needs --write.
    Put {
        /// The database directory.
        db: PathBuf,
        /// The key.
        key: String,
        /// The value (text; see --value-hex).
        value: String,
        /// Column family.
        #[arg(long, default_value = "default")]
        cf: String,
        /// VALUE is hex.
        #[arg(long)]
        value_hex: bool,
        /// Allow changing the database.
        #[arg(long)]
        write: bool,
    },
    /// Delete one key. Needs --write.
    Delete {
        /// The database directory.
        db: PathBuf,
        /// The key.
        key: String,
        /// Column family.
        #[arg(long, default_value = "default")]
        cf: String,
        /// Allow changing the database.
        #[arg(long)]
        write: bool,
    },
    /// Delete every key with a prefix, or in [--from, --to). Needs --write.
    DeleteRange {
        /// The database directory.
        db: PathBuf,
        /// Column family.
        #[arg(long, default_value = "default")]
        cf: String,
        /// Keys starting with P.
        #[arg(long, value_name = "P", conflicts_with_all = ["from", "to"], required_unless_present_all = ["from", "to"])]
        prefix: Option<String>,
        /// First key (inclusive).
        #[arg(long, value_name = "K", requires = "to")]
        from: Option<String>,
        /// Last key (exclusive).
        #[arg(long, value_name = "K", requires = "from")]
        to: Option<String>,
        /// Allow changing the database.
        #[arg(long)]
        write: bool,
    },
    /// Copy the database, consistently, to a new directory (also while another process
    /// holds it and keeps writing).
    Checkpoint {
        /// The database directory.
        db: PathBuf,
        /// Where the copy goes (must not exist).
        dest: PathBuf,
    },
    /// Write pairs as JSON Lines to stdout (every column family unless --cf).
    Export {
        /// The database directory.
        db: PathBuf,
        /// Only this column family.
        #[arg(long)]
        cf: Option<String>,
        /// Only keys starting with P.
        #[arg(long, value_name = "P")]
        prefix: Option<String>,
        /// Write to FILE instead of stdout: created 0600 when the database is not
        /// world-readable (never following a symlink).
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Read JSON Lines from stdin into a new or existing database. Needs --write.
    Import {
        /// The database directory (created if missing).
        db: PathBuf,
        /// Pairs per atomic batch (1 to 1,000,000).
        #[arg(long, default_value_t = 10_000, value_parser = ranges::batch_size)]
        batch_size: usize,
        /// A new database in this build's newest formats, which RocksDB 7.x cannot read
        /// (by default a new database is one RocksDB 7.x reads).
        #[arg(long)]
        newest_format: bool,
        /// Allow changing the database.
        #[arg(long)]
        write: bool,
    },
    /// Copy every pair between backends: memory:, rocksdb:PATH, sled:PATH. Only a
    /// RocksDB source's default column family with UTF-8 keys can be carried: anything
    /// more is refused before writing. --to must be empty; it is read back and compared
    /// (count and hash) at the end.
    Migrate {
        /// Where from.
        #[arg(long, value_name = "SPEC")]
        from: String,
        /// Where to.
        #[arg(long, value_name = "SPEC")]
        to: String,
        /// Pairs per atomic batch (1 to 1,000,000).
        #[arg(long, default_value_t = 10_000, value_parser = ranges::batch_size)]
        batch_size: usize,
    },
    /// Upstream Spear-Next's event streams as JSON lines: every stream with its counter,
    /// stored events and range (and where they disagree), or with --stream the newest
    /// events of one stream, decoded.
    Events {
        /// The database directory.
        db: PathBuf,
        /// Column family.
        #[arg(long, default_value = "default")]
        cf: String,
        /// One stream's events, newest first (by number).
        #[arg(long, value_name = "STREAM")]
        stream: Option<String>,
        /// --stream names a per-node task event stream (`task_events:{node}:{id}`).
        #[arg(long)]
        task_events: bool,
        /// Also count the other records upstream keeps (instance:, execution:, idx:...).
        #[arg(long, conflicts_with = "stream")]
        namespaces: bool,
        /// With --stream: its missing numbers as ranges and what the live WAL files know
        /// of each (one JSON object) instead of its events.
        #[arg(long, requires = "stream")]
        gaps: bool,
        /// At most N events (1 to 10,000).
        #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=10_000))]
        limit: u64,
        /// One JSON object per line (the default; accepted for symmetry).
        #[arg(long)]
        json: bool,
    },
    /// Compare two databases (or a database and its checkpoint) key by key: added (+),
    /// removed (-) and changed (~) keys per column family. Exit 1 when they differ, like
    /// `diff`.
    Diff {
        /// The first database (A).
        a: PathBuf,
        /// The second database (B).
        b: PathBuf,
        /// Only this column family (default: every one either has).
        #[arg(long, value_name = "NAME")]
        cf: Option<String>,
        /// Only keys starting with P.
        #[arg(long, value_name = "P")]
        prefix: Option<String>,
        /// One JSON object per line.
        #[arg(long, conflicts_with = "tui")]
        json: bool,
        /// Browse the differences in the terminal UI (the Diff screen, on A).
        #[arg(long, conflicts_with_all = ["json", "cf", "prefix"])]
        tui: bool,
    },
    /// What fills the database directory: every file by kind (live SST per column family
    /// and level, obsolete SST, blob, WAL, LOG, OPTIONS, MANIFEST), adding up to its size.
    Usage {
        /// The database directory.
        db: PathBuf,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// The key space by prefix: keys and bytes per prefix (`node:`, `events:`...), estimated
    /// at once from RocksDB's approximate sizes, or with --exact counted, with the largest
    /// values and a value-size histogram per prefix. --prefix drills into one.
    Keyspace {
        /// The database directory.
        db: PathBuf,
        /// Column family.
        #[arg(long, default_value = "default")]
        cf: String,
        #[command(flatten)]
        #[allow(missing_docs)] // documented by its own arguments
        grouping: GroupingArgs,
        /// Read every key: exact counts, bytes, largest values, value-size histograms.
        #[arg(long)]
        exact: bool,
        /// How many of the largest values to list (with --exact; 0 to 1,000).
        #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=1000))]
        top: u64,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Tombstones (deletions) per level, SST file and memtable; with --scan, the key
    /// ranges where reads skip the most of them, and the `compact` that removes them.
    Tombstones {
        /// The database directory.
        db: PathBuf,
        /// Column family.
        #[arg(long, default_value = "default")]
        cf: String,
        /// Walk every key with RocksDB's perf counters to measure what reads skip.
        #[arg(long)]
        scan: bool,
        #[command(flatten)]
        #[allow(missing_docs)] // documented by its own arguments
        grouping: GroupingArgs,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// What RocksDB itself wrote in its info LOG files (LOG, LOG.old.*): flushes,
    /// compactions, table files, write stalls and their cause, errors, in time order; or
    /// with --timeline, stall periods, write amplification and compaction throughput over
    /// time.
    Log {
        /// The database directory.
        db: PathBuf,
        /// Only entries since then: 2026-11-26T07:00, 2026/11/26-07:00:00, or 15m, 2h, 3d ago.
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// Only this column family (repeatable).
        #[arg(long, value_name = "NAME")]
        cf: Vec<String>,
        /// Only these kinds, comma-separated: stall, flush_finished, compaction_finished,
        /// table_file_creation, background_error, error, warn, db_open...
        #[arg(long, value_name = "KINDS", value_delimiter = ',')]
        kind: Vec<String>,
        /// Every line, routine ones and option dumps too.
        #[arg(long)]
        all: bool,
        /// Only the newest N entries (1 to 1,000,000).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        limit: Option<u64>,
        /// The timeline: stall periods, flush and compaction volume per period, errors.
        #[arg(long)]
        timeline: bool,
        /// One JSON object per line (the timeline as one document).
        #[arg(long)]
        json: bool,
    },
    /// What the service just wrote: the newest write batches in the WAL files, newest
    /// first (sequence, column family id, PUT/DELETE/MERGE/..., key, value), read from the
    /// files' tails; or the WAL files, or every batch as `ldb dump_wal` prints it, or new
    /// batches as they are written (--follow).
    Wal {
        /// The database directory.
        db: PathBuf,
        /// List the WAL files: sizes, sequence ranges, torn tails.
        #[arg(long, conflicts_with_all = ["ldb", "follow"])]
        files: bool,
        /// Every batch, oldest first, exactly as `ldb dump_wal` prints it.
        #[arg(long, conflicts_with = "follow")]
        ldb: bool,
        /// With --ldb: values too (`ldb dump_wal --print_value`).
        #[arg(long, requires = "ldb")]
        print_value: bool,
        /// With --ldb: the column header line first (`ldb dump_wal --header`).
        #[arg(long, requires = "ldb")]
        header: bool,
        /// Print new batches as they are written, until interrupted.
        #[arg(long)]
        follow: bool,
        /// The newest N batches (1 to 1,000,000).
        #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        limit: u64,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// One key's history: its versions in the WAL files (written, maybe not yet flushed),
    /// what a read returns now, and the SST files whose range covers it. Exit 1 when
    /// it is nowhere.
    History {
        /// The database directory.
        db: PathBuf,
        /// The key.
        key: String,
        /// Column family.
        #[arg(long, default_value = "default")]
        cf: String,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// The options in effect (the newest OPTIONS file): the settings that differ from
    /// RocksDB's defaults, or with --all every one; with --compare, what differs from the
    /// previous OPTIONS file or from another database's.
    Options {
        /// The database directory.
        db: PathBuf,
        /// Every setting, not only the changed ones.
        #[arg(long)]
        all: bool,
        /// Compare with the previous OPTIONS file (`previous`) or another database.
        #[arg(long, value_name = "previous|DB")]
        compare: Option<String>,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script: `spear-inspect completions bash > ...`.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `spear-inspect man | man -l -`.
    Man,
    /// Print database statistics.
    Stats {
        /// The database directory.
        db: PathBuf,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
}
