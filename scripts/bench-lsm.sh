#!/usr/bin/env bash
# The LSM by prefix against RocksDB 7.8's own full reads of the same tables (issue 22's
# "LSM by prefix"; the issue sets no target, so the figure is what it costs beside the
# tools an on-call would otherwise use). The reference is bench-parallel.sh's: 7.8's
# db_bench, 1M random 24-byte keys and 200-byte values. In one run (hyperfine, RUNS
# runs each, default 5, page cache warm for all), on a copy of the reference without its
# WAL (hard links: the same SST files, nothing replayed into a memtable):
#   - `lsm`                                  (every entry of every live table, merged)
#   - `sst_dump --command=scan` over every live file, one after another (every entry
#     decoded and printed, to /dev/null)
#   - `ldb scan` (every live key through RocksDB's own merge, to /dev/null)
#
#   scripts/bench-lsm.sh [DB_DIR]     (default: $TMPDIR/spear-ref-fillrandom)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --bench
db="${1:-${TMPDIR:-/tmp}/spear-ref-fillrandom}"
target="${CARGO_TARGET_DIR:-target}"
runs="${RUNS:-5}"
cargo build --release --quiet --bin spear-inspect
bin="$target/release/spear-inspect"
if [[ ! -f "$db/CURRENT" ]]; then
  echo "building the reference database at $db" >&2
  db_bench --benchmarks=fillrandom --num=1000000 --key_size=24 --value_size=200 \
    --db="$db" --use_existing_db=0 >/dev/null
fi
tables="${TMPDIR:-/tmp}/spear-lsm-tables"
rm -rf "$tables" && mkdir -p "$tables"
trap 'rm -rf "$tables"' EXIT
ln "$db"/*.sst "$tables"/
cp "$db"/CURRENT "$db"/MANIFEST-* "$db"/OPTIONS-* "$tables"/
live=$(ls "$tables"/*.sst | tr '\n' ' ')
echo "live SST files: $(wc -w <<<"$live"), $(du -ch $live | tail -1 | cut -f1); cores: $(nproc)"
"$bin" lsm "$tables" | head -6
hyperfine --warmup 1 --runs "$runs" --style basic --export-markdown target/bench-lsm.md \
  -n "lsm: spear-inspect" "$bin lsm $tables >/dev/null" \
  -n "sst_dump --command=scan, every live file" \
  "for f in $live; do sst_dump --file=\$f --command=scan >/dev/null; done" \
  -n "ldb scan" "ldb --db=$tables scan >/dev/null"
cat target/bench-lsm.md
