#!/usr/bin/env bash
# Many files: a database of about 5,000 SST files (db_bench fillseq with 64 KiB
# memtables, compactions off: every flush an L0 file, their keys not overlapping), then
# about 1 GB more written (`overwrite`: 7.8's fill benchmarks refuse an existing database) with a 2 GiB memtable so that it stays in a ~1 GB WAL, and an
# info LOG grown to about 1 GB with three LOG.old.* files (the database's own LOG lines,
# repeated). Measured side by side with 7.8's `ldb` where it has an equivalent, in one
# run (hyperfine, RUNS runs each, default 3: every open replays the 1 GB WAL):
#   - the open alone (`count --estimate --timings`, which says where it went);
#   - the first 50 keys (`scan --limit 50` / `ldb scan --max_keys=50`);
#   - `usage`, `keyspace` (estimate), `tombstones`, `wal --limit 1000` / `ldb dump_wal`,
#     `log` / `grep -c` (into a file: GNU grep stops at the first match when its output
#     is /dev/null);
#   - the binary's peak memory during the open (the memtable the WAL replays into).
#
#   scripts/bench-files.sh [WORK_DIR]      (default: $TMPDIR/spear-files; delete it after)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --bench
work="${1:-${TMPDIR:-/tmp}/spear-files}"
db="$work/db"
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet --bin spear-inspect
bin="$target/release/spear-inspect"
runs="${RUNS:-3}"

if [[ ! -f "$work/built" ]]; then
  free_gb=$(df -BG --output=avail "$(dirname "$work")" | tail -1 | tr -dc 0-9)
  ((free_gb >= 8)) || { echo "needs 8 GB free at $work, has ${free_gb} GB" >&2; exit 2; }
  rm -rf "$work"; mkdir -p "$work"
  echo "building the many-files database at $db (a few minutes)" >&2
  db_bench --benchmarks=fillseq --num=6500000 --key_size=16 --value_size=20 \
    --write_buffer_size=65536 --max_write_buffer_number=4 --disable_auto_compactions=1 \
    --level0_slowdown_writes_trigger=1000000 --level0_stop_writes_trigger=1000000 \
    --level0_file_num_compaction_trigger=1000000 --db="$db" --use_existing_db=0 >/dev/null
  db_bench --benchmarks=overwrite --num=4000000 --key_size=16 --value_size=250 \
    --write_buffer_size=$((2 << 30)) --max_write_buffer_number=2 --disable_auto_compactions=1 \
    --level0_slowdown_writes_trigger=1000000 --level0_stop_writes_trigger=1000000 \
    --level0_file_num_compaction_trigger=1000000 --db="$db" --use_existing_db=1 >/dev/null
  # The LOG: its own lines repeated to ~1 GB, and three older LOGs of ~100 MB.
  cp "$db/LOG" "$work/LOG.seed"
  for old in 1 2 3; do
    : >"$db/LOG.old.$old"
    while (($(stat -c %s "$db/LOG.old.$old") < 100000000)); do cat "$work/LOG.seed" >>"$db/LOG.old.$old"; done
  done
  while (($(stat -c %s "$db/LOG") < 1000000000)); do cat "$work/LOG.seed" "$work/LOG.seed" "$work/LOG.seed" >>"$db/LOG"; done
  touch "$work/built"
fi
echo "SST files: $(ls "$db"/*.sst | wc -l); WAL: $(du -ch "$db"/*.log | tail -1 | cut -f1); LOG: $(du -h "$db/LOG" | cut -f1) + $(ls "$db"/LOG.old.* | wc -l) old; MANIFEST: $(du -h "$db"/MANIFEST-* | cut -f1 | head -1)"
"$bin" count "$db" --estimate --timings
peak() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1; }
echo "peak RSS of an open (count --estimate): $(peak "$bin" count "$db" --estimate) KiB"

wal=$(ls "$db"/*.log | tail -1)
hyperfine --warmup 0 --runs "$runs" --style basic --export-markdown target/bench-files.md \
  -n "open (count --estimate)" "$bin count $db --estimate >/dev/null" \
  -n "first 50 keys: spear-inspect" "$bin scan $db --limit 50 >/dev/null" \
  -n "first 50 keys: ldb" "ldb --db=$db scan --max_keys=50 >/dev/null 2>&1" \
  -n "usage" "$bin usage $db >/dev/null" \
  -n "keyspace (estimate)" "$bin keyspace $db >/dev/null" \
  -n "tombstones" "$bin tombstones $db >/dev/null" \
  -n "wal --limit 1000: spear-inspect" "$bin wal $db --limit 1000 >/dev/null" \
  -n "dump_wal (whole file): ldb" "ldb dump_wal --walfile=$wal >/dev/null" \
  -n "log (every LOG file): spear-inspect" "$bin log $db >/dev/null" \
  -n "grep -c EVENT_LOG_v1 LOG*" "grep -c EVENT_LOG_v1 $db/LOG $db/LOG.old.* >$work/grep.txt"
cat target/bench-files.md
