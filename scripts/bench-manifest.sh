#!/usr/bin/env bash
# A MANIFEST of over 100,000 version edits: 7.8's db_bench writing 52M tiny pairs over
# only 20,000 keys (`--writes` beyond `--num`: the data stays small, so compactions stay
# cheap and the edits come at a steady rate) with 8 KiB memtables, 64 KiB files and a
# 256 KiB level base, compactions on, in one run (a reopen rewrites the MANIFEST as one
# snapshot, so the edits must come from one process). Every edit syncs the MANIFEST, so
# it is built in /dev/shm when that has room (about 5 minutes) and moved to DB_DIR, which
# opens nothing, so the edits stay. About 400 MB. Then, side by side with 7.8's `ldb` in one run
# (hyperfine, RUNS runs each, default 5): the open and the first 50 keys (`scan --limit
# 50` / `ldb scan --max_keys=50`), the MANIFEST read by our own reader (`usage`, which
# accounts for blob files from it) / `ldb manifest_dump`, and `stats`.
#
#   scripts/bench-manifest.sh [DB_DIR]      (default: $TMPDIR/spear-manifest100k; delete it after)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --bench
db="${1:-${TMPDIR:-/tmp}/spear-manifest100k}"
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet --bin spear-inspect
bin="$target/release/spear-inspect"
runs="${RUNS:-5}"

if [[ ! -f "$db/CURRENT" ]]; then
  build="$db"
  shm_free_gb=$(df -BG --output=avail /dev/shm 2>/dev/null | tail -1 | tr -dc 0-9)
  if ((${shm_free_gb:-0} >= 4)); then build="/dev/shm/spear-manifest100k.$$"; fi
  echo "building the 100k-edit database at $build (5 to 15 minutes)" >&2
  db_bench --benchmarks=fillrandom --num=20000 --writes=52000000 --key_size=16 --value_size=10 \
    --write_buffer_size=8192 --target_file_size_base=65536 --max_bytes_for_level_base=262144 \
    --compression_type=none --stats_interval_seconds=0 --db="$build" --use_existing_db=0 >/dev/null
  if [[ "$build" != "$db" ]]; then
    rm -rf "$db"; mkdir -p "$(dirname "$db")"; mv "$build" "$db"
  fi
fi
manifest=$(ls "$db"/MANIFEST-* | tail -1)
edits=$(ldb manifest_dump --path="$manifest" --verbose 2>/dev/null | grep -c "^VersionEdit {")
echo "MANIFEST: $edits version edits, $(du -h "$manifest" | cut -f1); SST files: $(ls "$db"/*.sst | wc -l)"
"$bin" count "$db" --estimate --timings >/dev/null
hyperfine --warmup 1 --runs "$runs" --style basic --export-markdown target/bench-manifest.md \
  -n "open + first 50 keys: spear-inspect" "$bin scan $db --limit 50 >/dev/null" \
  -n "open + first 50 keys: ldb" "ldb --db=$db scan --max_keys=50 >/dev/null 2>&1" \
  -n "usage (reads the MANIFEST itself): spear-inspect" "$bin usage $db >/dev/null" \
  -n "manifest_dump: ldb" "ldb manifest_dump --path=$manifest >/dev/null 2>&1" \
  -n "stats: spear-inspect" "$bin stats $db >/dev/null"
cat target/bench-manifest.md
