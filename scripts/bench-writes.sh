#!/usr/bin/env bash
# Who is writing, over a large WAL (issue 22: a 264 MiB WAL in under 2 s, memory flat):
# 7.8's db_bench writes 1.1M pairs of 24-byte keys and 200-byte values into one 1 GiB
# memtable (nothing flushed, compactions off), leaving one WAL of about 264 MiB. Then,
# in one run (hyperfine, RUNS runs each, default 5): `writes --prefix-len 8` against
# `ldb dump_wal` of the same file (RocksDB's own reader printing every batch), and the
# peak memory of `writes` against that of a WAL a tenth the size (flat: bounded maps).
#
#   scripts/bench-writes.sh [DB_DIR]     (default: $TMPDIR/spear-wal264; delete it after)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --bench
db="${1:-${TMPDIR:-/tmp}/spear-wal264}"
small="$db-small"
target="${CARGO_TARGET_DIR:-target}"
runs="${RUNS:-5}"
cargo build --release --quiet --bin spear-inspect
bin="$target/release/spear-inspect"
make_wal() { # dir, pairs
  [[ -f "$1/CURRENT" ]] && return
  db_bench --benchmarks=fillrandom --num="$2" --key_size=24 --value_size=200 \
    --write_buffer_size=$((1 << 30)) --disable_auto_compactions=1 \
    --db="$1" --use_existing_db=0 >/dev/null
}
make_wal "$db" 1100000
make_wal "$small" 110000
wal=$(ls "$db"/*.log | tail -1)
echo "WAL: $(du -h "$wal" | cut -f1) ($wal)"
hyperfine --warmup 1 --runs "$runs" --style basic --export-markdown target/bench-writes.md \
  -n "writes --prefix-len 8: spear-inspect" "$bin writes $db --prefix-len 8 >/dev/null" \
  -n "dump_wal: ldb" "ldb dump_wal --walfile=$wal >/dev/null"
cat target/bench-writes.md
peak() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1; }
echo "peak RSS of writes: $(peak "$bin" writes "$db" --prefix-len 8) KiB over $(du -h "$wal" | cut -f1), $(peak "$bin" writes "$small" --prefix-len 8) KiB over $(du -ch "$small"/*.log | tail -1 | cut -f1)"
