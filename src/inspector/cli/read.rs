//! The read-only subcommands: streamed scans, single values, counts, registry listings,
//! event streams, statistics, disk usage and options.

use std::io::{self, BufWriter, Write};
use std::path::Path;

use tokio::sync::mpsc;

use super::Outcome;
use super::args::{
    CountArgs, EventsArgs, GetArgs, GlobalArgs, OptionsArgs, RecordsArgs, ReportArgs, ScanArgs,
};
use super::db::{READ_ONLY, ask, blocking, open, open_cf, unexpected};
use super::error::CliError;
use super::groups::{DbArgs, RangeArgs, key_arg};
use super::output::ignore_broken_pipe;
use crate::common::{Listing, NodeInfo, NodeResourceInfo};
use crate::inspector::analysis::stats::DbStats;
use crate::inspector::analysis::usage::{self, Tally, Usage};
use crate::inspector::decode;
use crate::inspector::decoders::query::{FieldQuery, Tested};
use crate::inspector::error::InspectError;
use crate::inspector::source::Bounds;
use crate::inspector::spear::records::RegistrySnapshot;
use crate::inspector::worker::{self, Body, Context, Job};
use crate::inspector::write::jsonl;

/// `nodes`: the node registry as JSON lines.
pub(super) async fn nodes(args: RecordsArgs) -> Result<Outcome, CliError> {
    print_records(&registries(args.db).await?.nodes)?;
    Ok(Outcome::Success)
}

/// `resources`: the resource registry as JSON lines.
pub(super) async fn resources(args: RecordsArgs) -> Result<Outcome, CliError> {
    print_records(&registries(args.db).await?.resources)?;
    Ok(Outcome::Success)
}

/// Both registries of the column family.
async fn registries(args: DbArgs) -> Result<RegistrySnapshot, CliError> {
    let DbArgs { db, cf } = args;
    let source = open_cf(&db, &cf, READ_ONLY).await?;
    match ask(source, Context::cf(cf), Job::Registry).await? {
        Body::Registry(snapshot) => Ok(std::sync::Arc::unwrap_or_clone(snapshot)),
        other => Err(unexpected(other)),
    }
}

/// `get`: the raw value and a newline, or exit 1 when the key is absent.
pub(super) async fn get(args: GetArgs, global: &GlobalArgs) -> Result<Outcome, CliError> {
    let key = key_arg(&args.key, global.key_hex, "KEY")?;
    let DbArgs { db, cf } = args.db;
    let rules = match args.decode {
        true => Some(decoder_config(&db, args.decoders.as_deref())?),
        false => None,
    };
    let source = open_cf(&db, &cf, READ_ONLY).await?;
    rules_fit(rules.as_ref(), source.column_families())?;
    let job = Job::Value {
        key: key.clone(),
        max_len: usize::MAX,
    };
    match ask(source, Context::cf(&cf), job).await? {
        Body::Value {
            value: Some((bytes, _)),
            ..
        } => {
            let mut out = io::stdout().lock();
            if let Some(rules) = rules {
                let decoded = rules.decode(&cf, &key, &bytes).ok_or_else(|| {
                    InspectError::Invalid(format!(
                        "--decode: no rule of {} covers {} in column family {cf}: add a [[rule]] with its prefix, or leave out --decode for the bytes",
                        rules.path.display(),
                        decode::escape_key(&key)
                    ))
                })?;
                let text = serde_json::to_string_pretty(&decoded).map_err(io::Error::from)?;
                ignore_broken_pipe(writeln!(out, "{text}"))?;
                // The bytes are there but do not read under their rule: said, and not a
                // success a script could mistake for a decoded pair.
                let failed = decoded.get("error").is_some() || decoded.get("key_error").is_some();
                return Ok(match failed {
                    true => Outcome::Undecodable,
                    false => Outcome::Success,
                });
            }
            ignore_broken_pipe(out.write_all(&bytes).and_then(|_| out.write_all(b"\n")))?;
            Ok(Outcome::Success)
        }
        Body::Value { value: None, .. } => Ok(Outcome::NotFound),
        other => Err(unexpected(other)),
    }
}

/// `count`: exact, or RocksDB's estimate for the whole column family. Where merges
/// cannot be resolved, it also says how many keys hold unresolved operands.
pub(super) async fn count(args: CountArgs, global: &GlobalArgs) -> Result<Outcome, CliError> {
    let bounds = RangeArgs::from(args.prefix).bounds(global.key_hex)?;
    let (DbArgs { db, cf }, estimate) = (args.db, args.estimate);
    if estimate && bounds != Bounds::default() {
        return Err(CliError::EstimateOfRange);
    }
    let work = crate::inspector::source::open_work::OpenWork::of(&db);
    let started = std::time::Instant::now();
    let source = open_cf(&db, &cf, READ_ONLY).await?;
    let opened = started.elapsed();
    let phases = source.open_phases();
    let timings = |counted_by: &str| {
        if args.timings {
            eprintln!(
                "open {:.3} s ({work}; {}), {counted_by} {:.3} s",
                opened.as_secs_f64(),
                phases,
                (started.elapsed() - opened).as_secs_f64()
            );
        }
    };
    if let (Some(operator), false) = (merge_operator_note(&source, &cf), estimate) {
        let (total, unresolved) = blocking("count", move || {
            let mut counts = (0u64, 0u64);
            source
                .for_each(&cf, &bounds, None, |_, value| {
                    counts.0 += 1;
                    counts.1 += u64::from(decode::unresolved_merge(value).is_some());
                    true
                })
                .map(|_| counts)
        })
        .await?;
        timings("walk (1 thread, resolving merges)");
        report_unresolved(unresolved, Some(&operator));
        ignore_broken_pipe(writeln!(io::stdout().lock(), "{total}"))?;
        return Ok(Outcome::Success);
    }
    let job = if estimate {
        Job::Refresh
    } else {
        Job::Count { contains: None }
    };
    // etcd counts a range exactly; RocksDB's figure is an estimate.
    let source_is_exact = source.cluster().is_some();
    match ask(source, Context::cf(cf).with_bounds(bounds), job).await? {
        Body::Counted { counted: n, .. } | Body::Refreshed { estimate: n, .. } => {
            if estimate {
                timings("estimate");
                if !source_is_exact {
                    eprintln!(
                        "spear-inspect: RocksDB's estimate, which counts overwrites and deletions not yet compacted (so it can be high); `count` without --estimate walks for the exact figure"
                    );
                }
            } else {
                let threads = crate::inspector::source::walk_threads();
                timings(&format!(
                    "walk ({threads} thread{})",
                    if threads == 1 { "" } else { "s" }
                ));
            }
            ignore_broken_pipe(writeln!(io::stdout().lock(), "{n}"))?;
            Ok(Outcome::Success)
        }
        other => Err(unexpected(other)),
    }
}

/// `events`: the streams, or one stream's newest events, as JSON lines.
pub(super) async fn events(args: EventsArgs) -> Result<Outcome, CliError> {
    use crate::inspector::spear::events::{self, StreamKind};
    let EventsArgs {
        db: DbArgs { db, cf },
        stream,
        task_events,
        namespaces,
        gaps,
        limit,
        json: _,
    } = args;
    let source = open_cf(&db, &cf, READ_ONLY).await?;
    let lines = blocking(
        "events",
        move || -> Result<Vec<serde_json::Value>, CliError> {
            let Some(stream) = stream else {
                let streams =
                    events::list_streams(&source, &cf, &|| false, &mut |_| {})?.unwrap_or_default();
                let mut lines: Vec<serde_json::Value> = streams
                    .into_iter()
                    .map(|s| {
                        let mut line = serde_json::to_value(&s).unwrap_or_default();
                        line["mismatch"] = serde_json::json!(s.mismatch());
                        line
                    })
                    .collect();
                if namespaces {
                    for (prefix, keys) in events::namespace_counts(&source, &cf)? {
                        lines
                            .push(serde_json::json!({"cf": cf, "namespace": prefix, "keys": keys}));
                    }
                }
                return Ok(lines);
            };
            let kind = if task_events {
                StreamKind::TaskEvents
            } else {
                StreamKind::Events
            };
            let index = events::stream_index(&source, &cf, kind, &stream)?;
            if gaps {
                // A stream with a counter and no events is all gap: no error for it.
                let counter = source
                    .get(&cf, kind.counter_key(&stream).as_bytes(), 64)?
                    .and_then(|(value, _)| std::str::from_utf8(&value).ok()?.trim().parse().ok());
                if counter.is_none() && index.is_empty() {
                    return Err(CliError::NoStream { stream });
                }
                let found =
                    events::stream_gaps(&source, &cf, kind, &stream, &index, counter, &|| false)?;
                return Ok(found
                    .map(|g| serde_json::to_value(&g).unwrap_or_default())
                    .into_iter()
                    .collect());
            }
            if index.is_empty() {
                return Err(CliError::NoEvents { stream });
            }
            let newest: Vec<u64> = index.into_iter().take(limit as usize).collect();
            let records = events::read_events(&source, &cf, kind, &stream, &newest)?;
            Ok(records
                .iter()
                .map(|r| serde_json::to_value(r).unwrap_or_default())
                .collect())
        },
    )
    .await?;
    let mut out = BufWriter::new(io::stdout().lock());
    let mut write = || -> io::Result<()> {
        for line in &lines {
            serde_json::to_writer(&mut out, line)?;
            out.write_all(b"\n")?;
        }
        out.flush()
    };
    ignore_broken_pipe(write())?;
    Ok(Outcome::Success)
}

/// `usage`: every file of the directory by kind, as text or JSON.
pub(super) async fn usage(args: ReportArgs) -> Result<Outcome, CliError> {
    super::db::rocksdb_dir(&args.db, "the usage of a database's files")?;
    let source = open(&args.db, READ_ONLY).await?;
    let usage = blocking("usage", move || usage::usage(&source)).await?;
    print_usage(&usage, args.json)?;
    Ok(Outcome::Success)
}

/// The usage as text, a line per kind of file, or as JSON.
fn print_usage(usage: &Usage, json: bool) -> Result<(), CliError> {
    use humansize::{BINARY, format_size};
    let mut out = io::stdout().lock();
    if json {
        serde_json::to_writer(&mut out, usage)?;
        return ignore_broken_pipe(writeln!(out));
    }
    let line = |name: &str, t: &Tally| {
        format!(
            "{name:<28} {:>6} files {:>12}\n",
            t.files,
            format_size(t.bytes, BINARY)
        )
    };
    let mut text = format!(
        "{}: {} in all{}\n",
        usage.path,
        format_size(usage.total, BINARY),
        match usage.du_bytes {
            Some(du) if du == usage.total => " (equals du -sb)".to_string(),
            Some(du) => format!(
                " (du -sb counts {du} bytes: {} {})",
                du.abs_diff(usage.total),
                if du > usage.total { "more" } else { "fewer" }
            ),
            None => String::new(),
        }
    );
    for (cf, levels) in &usage.live_sst {
        for (level, tally) in levels {
            text.push_str(&line(&format!("live SST [{cf}] L{level}"), tally));
        }
    }
    text.push_str(&line("obsolete SST (not in use)", &usage.obsolete_sst));
    if usage.unfinished_sst.files > 0 {
        text.push_str(&line(
            "SST being written (newer than the MANIFEST this view read)",
            &usage.unfinished_sst,
        ));
    }
    text.push_str(&line("blob files", &usage.blob));
    if let Some(g) = &usage.blob_garbage {
        text.push_str(&format!(
            "  blob garbage {} of {} blob bytes ({:.1}%), from the MANIFEST:\n",
            format_size(g.garbage_blob_bytes, BINARY),
            format_size(g.total_blob_bytes, BINARY),
            g.percent()
        ));
        for f in &g.files {
            text.push_str(&format!(
                "    {:06}.blob [{}] {:>12} blobs, {:>12} garbage ({:.1}%)\n",
                f.number,
                f.cf,
                format_size(f.total_blob_bytes, BINARY),
                format_size(f.garbage_blob_bytes, BINARY),
                crate::inspector::analysis::blobs::percent(
                    f.garbage_blob_bytes,
                    f.total_blob_bytes
                )
            ));
        }
        if let Some(advice) = g.advice() {
            // blob_garbage_collection_age_cutoff says how old a blob file must be for
            // compactions to rewrite its live blobs.
            text.push_str(&format!(
                "  {advice} (blob_garbage_collection_age_cutoff picks which files, oldest first)\n"
            ));
        }
    } else if let Some(why) = &usage.blob_garbage_unknown {
        text.push_str(&format!("  blob garbage unknown: {why}\n"));
    }
    text.push_str(&line("WAL", &usage.wal));
    if let Some((dir, tally)) = &usage.wal_elsewhere {
        text.push_str(&line(&format!("WAL in wal_dir {dir}"), tally));
        text.push_str("  (outside the directory: not in its total)\n");
    }
    if usage.wal_archive.files > 0 {
        text.push_str(&line("archived WAL (archive/)", &usage.wal_archive));
    }
    if usage.subdirectories.files > 0 {
        text.push_str(&line("other subdirectories", &usage.subdirectories));
    }
    text.push_str(&line("LOG", &usage.info_log));
    text.push_str(&line("LOG.old.*", &usage.old_info_logs));
    text.push_str(&line("OPTIONS-*", &usage.options));
    text.push_str(&line("MANIFEST-*", &usage.manifest));
    text.push_str(&line("CURRENT, IDENTITY, LOCK, other", &usage.other));
    text.push_str(&format!(
        "{:<28} {:>18}\n",
        "the directories themselves",
        format_size(usage.directory, BINARY)
    ));
    if let Some(oldest) = &usage.oldest_wal {
        text.push_str(&match oldest.kept_by.as_slice() {
            [] => format!(
                "the oldest WAL, {:06}.log, is needed by no column family: it waits to be purged\n",
                oldest.number
            ),
            cfs => format!(
                "the oldest WAL, {:06}.log, is kept by unflushed writes of: {} (flushing them lets RocksDB delete it)\n",
                oldest.number,
                cfs.join(", ")
            ),
        });
    }
    if usage.obsolete_sst.files > 0 {
        text.push_str("obsolete SST files go when no reader holds them any more, or when the database is next opened read-write\n");
    }
    ignore_broken_pipe(out.write_all(text.as_bytes()))
}

/// `options`: the settings in effect, against RocksDB's defaults or another file.
pub(super) fn options(args: OptionsArgs) -> Result<Outcome, CliError> {
    use crate::inspector::formats::options_defaults::defaults_for;
    use crate::inspector::formats::options_file::{
        Setting, blob_gc_off, changed_from_defaults, compare as compare_settings, options_files,
        read_settings, written_by,
    };
    let OptionsArgs {
        db,
        all,
        compare,
        json,
    } = args;
    let db = db.as_path();
    // Whose defaults a setting is unknown to (set when comparing with defaults).
    let mut unknown_to = String::new();
    super::db::rocksdb_dir(db, "the OPTIONS file")?;
    let files = options_files(db);
    let Some(newest) = files.last() else {
        return Err(CliError::NoOptionsFile { db: db.into() });
    };
    // Through `InspectError`, whose class gives the exit status (4: a file that does not read).
    let read = |file: &Path| read_settings(file).map_err(InspectError::from);
    let settings = read(newest)?;
    let (rows, header): (Vec<Setting>, String) = match compare.as_deref() {
        Some("previous") => {
            let Some(previous) = files.iter().rev().nth(1) else {
                return Err(CliError::OneOptionsFile { db: db.into() });
            };
            let rows = compare_settings(&read(previous)?, &settings);
            (
                rows,
                format!("{} → {}", previous.display(), newest.display()),
            )
        }
        Some(other) => {
            let other_db = Path::new(other);
            crate::storage::rocksdb::check_existing_db(other_db).map_err(|source| {
                CliError::CompareWith {
                    db: other_db.into(),
                    source: Box::new(source),
                }
            })?;
            let Some(theirs) = options_files(other_db).pop() else {
                return Err(CliError::NoOptionsToCompare {
                    other: other.to_string(),
                });
            };
            let rows = compare_settings(&settings, &read(&theirs)?);
            (rows, format!("{} ↔ {}", newest.display(), theirs.display()))
        }
        None if all => {
            let rows = settings
                .iter()
                .map(|((section, key), value)| Setting {
                    section: section.clone(),
                    key: key.clone(),
                    value: Some(value.clone()),
                    other: None,
                })
                .collect();
            (rows, newest.display().to_string())
        }
        None => {
            let defaults = defaults_for(written_by(&settings))?;
            let mut rows = changed_from_defaults(&settings, &defaults.settings);
            // Blob garbage collection left off matters even where it is the default.
            for off in blob_gc_off(&settings) {
                if !rows
                    .iter()
                    .any(|r| r.section == off.section && r.key == off.key)
                {
                    rows.push(off);
                }
            }
            unknown_to = defaults.label.clone();
            (
                rows,
                format!(
                    "{}: settings that differ from {} defaults (compared with the defaults of the release that wrote it; stall and space settings first)",
                    newest.display(),
                    defaults.label
                ),
            )
        }
    };
    let mut out = BufWriter::new(io::stdout().lock());
    let mut write = || -> io::Result<()> {
        if !json {
            writeln!(out, "{header}")?;
            if rows.is_empty() {
                writeln!(
                    out,
                    "{}",
                    if compare.is_some() {
                        "no differences"
                    } else {
                        "every setting is its release's default"
                    }
                )?;
            }
        }
        let gc_off = if compare.is_none() && !all {
            blob_gc_off(&settings)
        } else {
            Vec::new()
        };
        for row in &rows {
            if json {
                serde_json::to_writer(&mut out, row)?;
                out.write_all(b"\n")?;
            } else {
                let value = row.value.as_deref().unwrap_or("(absent)");
                match (&compare, &row.other) {
                    (None, _) if all => writeln!(out, "[{}] {} = {value}", row.section, row.key)?,
                    (None, Some(default)) => writeln!(
                        out,
                        "[{}] {} = {value}   (default {default})",
                        row.section, row.key
                    )?,
                    (None, None) => writeln!(
                        out,
                        "[{}] {} = {value}   (unknown to {unknown_to} defaults)",
                        row.section, row.key
                    )?,
                    (Some(_), other) => writeln!(
                        out,
                        "[{}] {}: {value} → {}",
                        row.section,
                        row.key,
                        other.as_deref().unwrap_or("(absent)")
                    )?,
                }
            }
        }
        if !json && !gc_off.is_empty() {
            let sections: Vec<&str> = gc_off.iter().map(|s| s.section.as_str()).collect();
            writeln!(
                out,
                "blob files are on and blob garbage collection is off in {}: garbage in blob files is never reclaimed (enable_blob_garbage_collection=true, with blob_garbage_collection_age_cutoff, reclaims it)",
                sections.join(", ")
            )?;
        }
        out.flush()
    };
    ignore_broken_pipe(write())?;
    Ok(Outcome::Success)
}

/// `stats`: text or JSON.
pub(super) async fn stats(args: ReportArgs) -> Result<Outcome, CliError> {
    let source = open(&args.db, READ_ONLY).await?;
    match ask(source, Context::cf("default"), Job::Stats).await? {
        Body::Stats(stats) => print_stats(&stats, args.json)?,
        Body::Cluster(status) => print_cluster(&status, args.json)?,
        other => return Err(unexpected(other)),
    }
    Ok(Outcome::Success)
}

/// One JSON line per record: `{"key", "record"}` or, for one that does not decode,
/// `{"key", "error", "size"}`.
fn print_records<T: serde::Serialize + HasKey>(listing: &Listing<T>) -> Result<(), CliError> {
    let mut out = BufWriter::new(io::stdout().lock());
    let mut write = || -> io::Result<()> {
        for record in &listing.records {
            let line = serde_json::json!({"key": record.key(), "record": record});
            serde_json::to_writer(&mut out, &line)?;
            out.write_all(b"\n")?;
        }
        for broken in &listing.undecodable {
            serde_json::to_writer(&mut out, broken)?;
            out.write_all(b"\n")?;
        }
        out.flush()
    };
    ignore_broken_pipe(write())
}

/// Records that know the key they are stored under.
trait HasKey {
    fn key(&self) -> String;
}

impl HasKey for NodeInfo {
    fn key(&self) -> String {
        NodeInfo::key(self)
    }
}

impl HasKey for NodeResourceInfo {
    fn key(&self) -> String {
        NodeResourceInfo::key(self)
    }
}

/// `scan`: pairs in key order, streamed in bounded batches outside the TUI's job slots.
/// Keys whose merge operands could not be resolved are printed marked, never as values,
/// and counted on stderr.
pub(super) async fn scan(args: ScanArgs, global: &GlobalArgs) -> Result<Outcome, CliError> {
    let bounds = args.range.bounds(global.key_hex)?;
    let ScanArgs {
        db: DbArgs { db, cf },
        limit,
        json,
        decode,
        decoders,
        where_field,
        ..
    } = args;
    let hex = global.key_hex;
    let query = where_field
        .as_deref()
        .map(FieldQuery::parse)
        .transpose()
        .map_err(|e| InspectError::Invalid(format!("--where: {e}")))?;
    let rules = match decode || query.is_some() {
        true => Some(decoder_config(&db, decoders.as_deref())?),
        false => None,
    };
    let mut undecoded = 0u64;
    let config_path = rules.as_ref().map(|r| r.path.display().to_string());
    let decoding_cf = cf.clone();
    let source = open_cf(&db, &cf, READ_ONLY).await?;
    rules_fit(rules.as_ref(), source.column_families())?;
    let operator = merge_operator_note(&source, &cf);
    let marks_possible = operator.is_some();
    let (sink, mut batches) = mpsc::channel(4);
    // Under --where the limit is of matches, counted as they are written.
    let (read_limit, match_limit) = match query {
        Some(_) => (None, limit),
        None => (limit, None),
    };
    let reader = tokio::task::spawn_blocking(move || {
        worker::stream_scan(&source, &cf, &bounds, read_limit, &sink)
    });
    // Writing is blocking I/O: do it on a blocking thread, batch by batch.
    let writer = tokio::task::spawn_blocking(move || -> io::Result<(u64, u64)> {
        let stdout = io::stdout();
        let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
        let mut unresolved = 0u64;
        let mut shown = 0u64;
        'batches: while let Some(batch) = batches.blocking_recv() {
            for (key, value) in batch {
                if let (Some(query), Some(rules)) = (&query, &rules) {
                    match query.test(rules, &decoding_cf, &key, &value) {
                        Tested::Match => {}
                        Tested::NoMatch => continue,
                        Tested::Undecoded => {
                            undecoded += 1;
                            continue;
                        }
                    }
                    shown += 1;
                }
                if marks_possible && decode::unresolved_merge(&value).is_some() {
                    unresolved += 1;
                }
                if json {
                    let decoded = rules
                        .as_ref()
                        .filter(|_| decode)
                        .and_then(|r| r.decode(&decoding_cf, &key, &value));
                    jsonl::write_pair_decoded(&mut out, None, &key, &value, decoded.as_ref())?;
                } else {
                    write_plain_pair(&mut out, &key, &value, hex)?;
                }
                // --limit counts the pairs shown: the last one ends the walk at once
                // (dropping the receiver stops the reader).
                if match_limit.is_some_and(|n| shown >= n) {
                    break 'batches;
                }
            }
        }
        out.flush()?;
        Ok((unresolved, undecoded))
    });
    let written = writer.await.map_err(|source| CliError::Task {
        task: "output",
        source,
    })?;
    reader.await.map_err(|source| CliError::Task {
        task: "scan",
        source,
    })??;
    match written {
        Ok((unresolved, undecoded)) => {
            report_unresolved(unresolved, operator.as_deref());
            if undecoded > 0 {
                // Pairs --where could not test are not passed off as non-matches.
                eprintln!(
                    "note: --where could not test {undecoded} pairs: no rule of {} covers them, or their rule does not decode them (decoders check DB says which)",
                    config_path.unwrap_or_default()
                );
            }
        }
        Err(e) => ignore_broken_pipe(Err(e))?,
    }
    Ok(Outcome::Success)
}

/// The decoder config for `--decode`/`--where` on `db`: `given`, else a file beside the
/// database or in the config directory, else the built-in Spear-Next rules.
pub(super) fn decoder_config(
    db: &std::path::Path,
    given: Option<&std::path::Path>,
) -> Result<crate::inspector::decoders::Decoders, CliError> {
    crate::inspector::decoders::Decoders::find_or_builtin(db, given)
        .map_err(|e| InspectError::Invalid(e.to_string()).into())
}

/// Refuses a decoder rule naming a column family the database lacks (file and line).
pub(super) fn rules_fit(
    rules: Option<&crate::inspector::decoders::Decoders>,
    cfs: &[String],
) -> Result<(), CliError> {
    match rules.map(|r| r.check_column_families(cfs)) {
        Some(Err(problem)) => Err(InspectError::Invalid(problem).into()),
        _ => Ok(()),
    }
}

/// The merge operator of `cf` that this build cannot run, if any.
fn merge_operator_note(source: &crate::inspector::source::Source, cf: &str) -> Option<String> {
    source
        .unresolved_merge()
        .iter()
        .find(|(name, _)| name == cf)
        .map(|(_, operator)| operator.clone())
}

fn report_unresolved(count: u64, operator: Option<&str>) {
    if let (true, Some(operator)) = (count > 0, operator) {
        eprintln!(
            "note: {count} keys hold merge operands that could not be resolved: this column family merges with {operator}, its service's own code; they are shown raw and marked, not as values"
        );
    }
}

fn write_plain_pair(out: &mut impl Write, key: &[u8], value: &[u8], hex: bool) -> io::Result<()> {
    if let Some(merge) = decode::unresolved_merge(value) {
        let key = if hex {
            format!("0x{}", decode::hex(key))
        } else {
            decode::escape_key(key)
        };
        return writeln!(out, "{key} ==> {}", merge.describe());
    }
    if hex {
        writeln!(out, "0x{} ==> 0x{}", decode::hex(key), decode::hex(value))
    } else {
        writeln!(
            out,
            "{} ==> {}",
            decode::escape_key(key),
            decode::escape_key(value)
        )
    }
}

/// The statistics as text, a section per column family, or as JSON.
/// `stats etcd://...`: the cluster's own figures, text or JSON.
fn print_cluster(status: &crate::storage::etcd::ClusterStatus, json: bool) -> Result<(), CliError> {
    let mut out = io::stdout().lock();
    if json {
        serde_json::to_writer(&mut out, status)?;
        return ignore_broken_pipe(writeln!(out));
    }
    let lines = crate::inspector::text::cluster::cluster_lines(status);
    ignore_broken_pipe(writeln!(out, "{}", lines.join("\n")))
}

fn print_stats(stats: &DbStats, json: bool) -> Result<(), CliError> {
    let mut out = io::stdout().lock();
    if json {
        serde_json::to_writer(&mut out, stats)?;
        return ignore_broken_pipe(writeln!(out));
    }
    use humansize::{BINARY, format_size};
    let mut text = format!(
        "{} ({}; written by RocksDB {}; options from {})\nrunning compactions {}  flushes {}  {} write stopped {}, delayed rate {}/s  background errors {}\nblock cache {} of {}  sequence {}\n{}",
        stats.path,
        serde_json::to_value(stats.access)?
            .as_str()
            .unwrap_or_default(),
        stats.written_by.as_deref().unwrap_or("(unknown)"),
        stats.options,
        stats.running_compactions,
        stats.running_flushes,
        // The write controller is this process's: the service's only under --write.
        if stats.access == crate::inspector::source::Access::ReadWrite {
            "this process (the writer):"
        } else {
            "this read-only process, not the service:"
        },
        stats.write_stopped,
        format_size(stats.delayed_write_rate, BINARY),
        stats.background_errors,
        format_size(stats.block_cache_usage, BINARY),
        format_size(stats.block_cache_capacity, BINARY),
        stats.latest_sequence,
        if stats.stall_on_next_open.is_empty() {
            "on the service's next open: no write stall from L0 files or pending compaction bytes\n"
                .to_string()
        } else {
            stats
                .stall_on_next_open
                .iter()
                .map(|s| format!("on the service's next open: {s}\n"))
                .collect()
        },
    );
    for cf in &stats.column_families {
        text.push_str(&format!(
            "\n[{}] ~{} keys, live SST {}, blob files {} ({}), memtables {}, pending compaction {}\n",
            cf.name,
            cf.estimate_num_keys,
            format_size(cf.live_sst_bytes, BINARY),
            cf.blob_files,
            format_size(cf.blob_bytes, BINARY),
            format_size(cf.memtable_bytes, BINARY),
            format_size(cf.pending_compaction_bytes, BINARY)
        ));
        for level in &cf.levels {
            text.push_str(&format!(
                "  L{}: {} files, {}\n",
                level.level,
                level.files,
                format_size(level.bytes, BINARY)
            ));
        }
        if cf.blob_files > 0 && stats.blob_garbage_unknown.is_none() {
            text.push_str(&format!(
                "  blob garbage: {} of {} blob bytes ({:.1}%)\n",
                format_size(cf.blob_garbage_bytes, BINARY),
                format_size(cf.blob_record_bytes, BINARY),
                crate::inspector::analysis::blobs::percent(
                    cf.blob_garbage_bytes,
                    cf.blob_record_bytes
                )
            ));
        }
    }
    if let Some(why) = &stats.blob_garbage_unknown {
        text.push_str(&format!("\nblob garbage unknown: {why}\n"));
    }
    if let Some(advice) = &stats.blob_advice {
        text.push_str(&format!("\n{advice}\n"));
    }
    ignore_broken_pipe(out.write_all(text.as_bytes()))
}
