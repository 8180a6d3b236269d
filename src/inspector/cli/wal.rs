//! The write-ahead-log subcommands' output: `wal` (the files, the newest batches, `ldb
//! dump_wal`'s lines, following a live database) and `history` (one key's versions in
//! the WALs and where it stands now).

use std::collections::BTreeMap;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::Duration;

use humansize::{BINARY, format_size};
use serde_json::json;

use super::Outcome;
use super::args::{GlobalArgs, HistoryArgs, WalArgs};
use super::db::{READ_ONLY, blocking, open_cf};
use super::error::CliError;
use super::groups::{DbArgs, key_arg};
use super::output::ignore_broken_pipe;
use crate::inspector::analysis::history::key_history;
use crate::inspector::analysis::recent::{
    TornTail, cf_names, checked_wal_files, live_wal_files, newest_batches,
};
use crate::inspector::decode::{escape_key, hex};
use crate::inspector::formats::wal::{
    WalBatch, WalFileInfo, WalOp, WalReader, WalTail, ldb_header, ldb_line, read_newest_with_number,
};
use crate::inspector::text::history::history_text;
use crate::inspector::text::wal::{cf_label, op_text, wal_op_name};

/// What `wal` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalView {
    /// The WAL files.
    Files,
    /// The newest batches, newest first.
    Newest,
    /// Every batch in `ldb dump_wal`'s format, oldest first.
    Ldb {
        /// Values too (`--print_value`).
        print_value: bool,
        /// The column header line first (`--header`).
        header: bool,
    },
    /// New batches as they are written.
    Follow,
}

/// The live WAL files of `db` (not the archive), oldest first; a clear error when the
/// directory is not there.
fn live_wals(db: &Path) -> Result<Vec<WalFileInfo>, CliError> {
    super::db::rocksdb_dir(db, "the WAL")?;
    Ok(live_wal_files(db)?)
}

/// [`newest_batches`], saying on stderr which files end torn.
fn newest(files: &[WalFileInfo], limit: usize) -> Result<Vec<WalBatch>, CliError> {
    let (batches, torn) = newest_batches(files, limit)?;
    for TornTail {
        file: path,
        offset,
        reason,
    } in torn
    {
        eprintln!(
            "spear-inspect: {path} ends in a torn record at byte {offset} ({reason}): a writer may be appending, or it crashed mid-write"
        );
    }
    Ok(batches)
}

/// `wal`.
pub(super) async fn wal(args: WalArgs) -> Result<Outcome, CliError> {
    let view = match (args.files, args.ldb, args.follow) {
        (true, _, _) => WalView::Files,
        (_, true, _) => WalView::Ldb {
            print_value: args.print_value,
            header: args.header,
        },
        (_, _, true) => WalView::Follow,
        _ => WalView::Newest,
    };
    print_wal(&args.db, view, args.limit as usize, args.json).await?;
    Ok(Outcome::Success)
}

/// What `wal` prints, as `view` says.
async fn print_wal(db: &Path, view: WalView, limit: usize, json: bool) -> Result<(), CliError> {
    let db = db.to_path_buf();
    match view {
        WalView::Follow => return follow(&db, json).await,
        WalView::Files => {
            super::db::rocksdb_dir(&db, "the WAL")?;
            let files = checked_wal_files(&db)?;
            let mut out = BufWriter::new(io::stdout().lock());
            let write = |out: &mut BufWriter<_>| -> io::Result<()> {
                if files.is_empty() {
                    writeln!(
                        out,
                        "no WAL files in {} (everything is flushed)",
                        db.display()
                    )?;
                }
                for f in &files {
                    if json {
                        serde_json::to_writer(&mut *out, &file_json(f))?;
                        writeln!(out)?;
                    } else {
                        writeln!(out, "{}", file_text(f))?;
                    }
                }
                out.flush()
            };
            return ignore_broken_pipe(write(&mut out));
        }
        WalView::Ldb {
            print_value,
            header,
        } => {
            let files = live_wals(&db)?;
            let mut out = BufWriter::new(io::stdout().lock());
            let mut write = || -> Result<(), CliError> {
                if header {
                    writeln!(out, "{}", ldb_header(print_value))?;
                }
                for f in &files {
                    let mut reader = WalReader::open_with_number(&f.path, f.number)?;
                    for batch in reader.by_ref() {
                        writeln!(out, "{}", ldb_line(&batch?, print_value))?;
                    }
                    for c in reader.corruptions() {
                        eprintln!(
                            "spear-inspect: {} is corrupt at byte {} ({}): {} skipped, reading on after it as ldb does",
                            f.path.display(),
                            c.offset,
                            c.reason,
                            format_size(c.skipped_bytes, BINARY)
                        );
                    }
                    if let Some(WalTail::Torn { offset, reason }) = reader.tail() {
                        eprintln!(
                            "spear-inspect: {} ends in a torn record at byte {offset} ({reason}): the batches before it are shown",
                            f.path.display()
                        );
                    }
                }
                out.flush()?;
                Ok(())
            };
            return match write() {
                Err(CliError::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                other => other,
            };
        }
        WalView::Newest => {}
    }
    let files = live_wals(&db)?;
    let batches = blocking("WAL", move || newest(&files, limit)).await?;
    let names = cf_names(&db);
    let mut out = BufWriter::new(io::stdout().lock());
    let mut write = || -> io::Result<()> {
        if batches.is_empty() && !json {
            writeln!(out, "no write batches in the WAL files of {}", db.display())?;
        }
        for batch in &batches {
            print_batch(&mut out, batch, &names, json)?;
        }
        out.flush()
    };
    ignore_broken_pipe(write())
}

/// Prints one batch: a JSON object per line, or a header line and one line per op.
fn print_batch(
    out: &mut impl Write,
    batch: &WalBatch,
    names: &BTreeMap<u32, String>,
    json: bool,
) -> io::Result<()> {
    if json {
        serde_json::to_writer(&mut *out, &batch_json(batch, names))?;
        return writeln!(out);
    }
    writeln!(
        out,
        "seq {} · {} op{} · {} · WAL {:06}.log @{}",
        batch.sequence,
        batch.ops.len(),
        if batch.ops.len() == 1 { "" } else { "s" },
        format_size(batch.byte_size as u64, BINARY),
        batch.wal_number,
        batch.offset
    )?;
    for op in &batch.ops {
        writeln!(out, "  {}", op_text(op, names))?;
    }
    Ok(())
}

fn batch_json(batch: &WalBatch, names: &BTreeMap<u32, String>) -> serde_json::Value {
    json!({
        "wal": batch.wal_number,
        "offset": batch.offset,
        "sequence": batch.sequence,
        "count": batch.count,
        "bytes": batch.byte_size,
        "ops": batch.ops.iter().map(|op| op_json(op, names)).collect::<Vec<_>>(),
    })
}

fn op_json(op: &WalOp, names: &BTreeMap<u32, String>) -> serde_json::Value {
    json!({
        "cf": cf_label(op.cf, names),
        "cf_id": op.cf,
        "op": wal_op_name(op.kind),
        "key": escape_key(&op.key),
        "key_hex": hex(&op.key),
        "value_len": op.value.len(),
        "value_hex": hex(&op.value),
    })
}

fn file_json(f: &WalFileInfo) -> serde_json::Value {
    json!({
        "file": f.path.file_name().map(|n| n.to_string_lossy().into_owned()),
        "number": f.number,
        "bytes": f.size,
        "first_sequence": f.first_sequence,
        "last_sequence": f.last_sequence,
        "torn_at": match &f.tail { Some(WalTail::Torn { offset, .. }) => Some(*offset), _ => None },
        "corruptions": f.corruptions,
        "error": f.error,
    })
}

/// One WAL file as a line.
pub fn file_text(f: &WalFileInfo) -> String {
    let name = f
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let range = match (f.first_sequence, f.last_sequence) {
        (Some(a), Some(_)) => format!(
            "sequences {a}..={}",
            f.last_op_sequence.or(f.last_sequence).unwrap_or(a)
        ),
        _ => "no write batches".to_string(),
    };
    let tail = match (&f.tail, &f.error) {
        (_, Some(e)) => format!("  unreadable: {e}"),
        (Some(WalTail::Torn { offset, reason }), _) => {
            format!("  torn at byte {offset} ({reason})")
        }
        _ => String::new(),
    };
    let damage: String = f
        .corruptions
        .iter()
        .map(|c| {
            format!(
                "  CORRUPT at byte {} ({}), {} skipped",
                c.offset,
                c.reason,
                format_size(c.skipped_bytes, BINARY)
            )
        })
        .collect();
    format!(
        "{name:<14} {:>12}  {range}{tail}{damage}",
        format_size(f.size, BINARY)
    )
}

/// `wal --follow`: prints batches newer than the newest at start, as they are written,
/// until interrupted. Reads only the tails of the WAL files, and holds each file open
/// while it is listed, so a WAL that RocksDB deletes after a flush is still read to its
/// end. A gap in the sequence numbers (a WAL gone before it could be opened) is said.
async fn follow(db: &Path, json: bool) -> Result<(), CliError> {
    let files = live_wals(db)?;
    let start = files
        .iter()
        .filter_map(|f| f.last_op_sequence.or(f.last_sequence))
        .max();
    let names = cf_names(db);
    eprintln!(
        "spear-inspect: following the writes to {}{} (Ctrl-C stops)",
        db.display(),
        start
            .map(|s| format!(" after sequence {s}"))
            .unwrap_or_default()
    );
    let mut next = start.map_or(0, |s| s + 1);
    let mut held = Held::default();
    let mut unnumbered = std::collections::HashSet::new();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let db = db.to_path_buf();
        let after = next.saturating_sub(1);
        let (fresh, still_held) = blocking("WAL", move || batches_after(&db, after, held)).await?;
        held = still_held;
        let mut out = io::stdout().lock();
        for batch in &fresh {
            // A batch of log data only takes no sequence number: the next one shares its
            // number, so it is told apart by where it sits, and shown once.
            if batch.count == 0 && !unnumbered.insert((batch.wal_number, batch.offset)) {
                continue;
            }
            if next > 0 && batch.sequence > next {
                eprintln!(
                    "spear-inspect: sequences {next}..{} were not seen: their WAL was flushed and deleted before it could be read (they are in SST files now)",
                    batch.sequence - 1
                );
            }
            if batch.count > 0 {
                unnumbered.clear();
            }
            next = next.max(batch.sequence + u64::from(batch.count));
            if let Err(e) = print_batch(&mut out, batch, &names, json).and_then(|_| out.flush()) {
                return ignore_broken_pipe(Err(e));
            }
        }
    }
}

/// WAL files held open by number, so one deleted after a flush can still be read through
/// `/proc/self/fd`.
#[derive(Default)]
pub struct Held(std::collections::BTreeMap<u64, std::fs::File>);

/// Batches with a sequence above `after`, oldest first, read from the tails of the WAL
/// files listed now and of those `held` open from before (doubling how far back it reads
/// until it reaches `after`). Returns the files to hold for next time.
pub fn batches_after(db: &Path, after: u64, held: Held) -> Result<(Vec<WalBatch>, Held), CliError> {
    use std::os::fd::AsRawFd;
    let files = live_wals(db)?;
    let mut held = held.0;
    for f in &files {
        if let std::collections::btree_map::Entry::Vacant(slot) = held.entry(f.number)
            && let Ok(file) = std::fs::File::open(&f.path)
        {
            slot.insert(file);
        }
    }
    let mut batches = Vec::new();
    for (number, file) in &held {
        let path = std::path::PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
        let mut want = 64;
        loop {
            let (found, _) = read_newest_with_number(&path, want, *number).map_err(|source| {
                CliError::ReadWal {
                    number: *number,
                    source,
                }
            })?;
            let reached = found.len() < want || found.last().is_some_and(|b| b.sequence <= after);
            if reached {
                batches.extend(found.into_iter().filter(|b| b.sequence > after));
                break;
            }
            want = want.saturating_mul(4);
        }
    }
    // A file no longer listed has now been read to its end: let it go.
    held.retain(|number, _| files.iter().any(|f| f.number == *number));
    batches.sort_by_key(|b| b.sequence);
    Ok((batches, Held(held)))
}

/// `history`: every version of `key` in the WAL files (newest first) and what a read
/// returns now; exit 1 when it is nowhere.
pub(super) async fn history(args: HistoryArgs, global: &GlobalArgs) -> Result<Outcome, CliError> {
    if !global.key_hex && args.key.contains("\\x") {
        eprintln!(
            "spear-inspect: KEY is taken as the text {:?}; for a key shown escaped (\\x00...), give its bytes in hex with --key-hex",
            args.key
        );
    }
    let key = key_arg(&args.key, global.key_hex, "KEY")?;
    let HistoryArgs {
        db: DbArgs { db, cf },
        json,
        decode,
        decoders,
        ..
    } = args;
    let db = db.as_path();
    let rules = match decode {
        true => Some(super::read::decoder_config(db, decoders.as_deref())?),
        false => None,
    };
    if !crate::inspector::source::is_etcd_url(db) {
        crate::storage::rocksdb::check_existing_db(db)?;
    }
    let source = open_cf(db, &cf, READ_ONLY).await?;
    super::read::rules_fit(rules.as_ref(), source.column_families())?;
    let h = blocking("history", move || key_history(&source, &cf, &key)).await?;
    for (path, offset) in &h.torn {
        eprintln!("spear-inspect: {path} ends in a torn record at byte {offset}");
    }
    let mut out = io::stdout().lock();
    if json {
        let mut doc = json!({
            "key": escape_key(&h.key),
            "cf": h.cf,
            "wal_versions": h.versions.iter().map(|v| {
                let mut j = op_json(&v.op, &h.cf_names);
                j["sequence"] = json!(v.sequence);
                j["wal"] = json!(v.wal);
                // With --decode, beside the exact bytes, as `scan --decode` writes it.
                if v.op.kind == crate::inspector::formats::wal::WalOpKind::Put
                    && let Some(decoded) =
                        rules.as_ref().and_then(|r| r.decode(&h.cf, &h.key, &v.op.value))
                {
                    j["decoded"] = decoded;
                }
                j
            }).collect::<Vec<_>>(),
            "live": h.now.as_ref().map(|(head, len)| {
                let mut live = json!({"value_len": len});
                // The value as read now is its first 64 KiB: decoded when that is all.
                if let Some(decoded) = rules
                    .as_ref()
                    .filter(|_| head.len() == *len)
                    .and_then(|r| r.decode(&h.cf, &h.key, head))
                {
                    live["decoded"] = decoded;
                }
                live
            }),
            "sst_files_covering": h.sst_files.iter().map(|(n, l)| json!({"file": n, "level": l})).collect::<Vec<_>>(),
        });
        // On etcd: the key's changes from etcd's revisions (values as text where they
        // are UTF-8, else hex), in place of the WAL's versions.
        if let Some(r) = &h.revisions {
            doc["etcd_revisions"] = json!({
                "revision_now": r.revision_now,
                "compacted_before": r.compacted_before,
                "changes": r.changes.iter().map(|c| {
                    let mut j = json!({
                        "revision": c.revision,
                        "op": if c.deleted { "delete" } else { "put" },
                        "version": c.version,
                        "value_len": c.value.len(),
                    });
                    if !c.deleted {
                        match std::str::from_utf8(&c.value) {
                            Ok(text) => j["value"] = json!(text),
                            Err(_) => j["value_hex"] = json!(crate::inspector::decode::hex(&c.value)),
                        }
                    }
                    j
                }).collect::<Vec<_>>(),
            });
        }
        serde_json::to_writer(&mut out, &doc)?;
        ignore_broken_pipe(writeln!(out))?;
    } else {
        ignore_broken_pipe(out.write_all(history_text(&h, rules.as_ref()).as_bytes()))?;
    }
    Ok(if h.found() {
        Outcome::Success
    } else {
        Outcome::NotFound
    })
}
