#!/usr/bin/env bash
# What `explain` adds to a read, on the production-size issue's 1M-key reference
# (`db_bench fillrandom --num=1000000 --key_size=24 --value_size=200`): hyperfine, RUNS
# runs each (default 10), of `get KEY` and `explain KEY` on the same key, and of
# `scan --from K --limit 1024` against `explain --from K` (a page of the Keys screen).
# Every command opens the database (the reference replays its 52 MiB WAL), so the
# difference between each pair is what explaining costs: two runs of the read with the
# perf counters on, the live file list and the verdict.
#
#   scripts/bench-explain.sh [DB_DIR]     (default: $TMPDIR/spear-ref-fillrandom)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --bench
db="${1:-${TMPDIR:-/tmp}/spear-ref-fillrandom}"
target="${CARGO_TARGET_DIR:-target}"
runs="${RUNS:-10}"
cargo build --release --quiet --bin spear-inspect
bin="$target/release/spear-inspect"
if [[ ! -f "$db/CURRENT" ]]; then
  db_bench --benchmarks=fillrandom --num=1000000 --key_size=24 --value_size=200 \
    --db="$db" --use_existing_db=0 >/dev/null
fi
# A key from the middle of the key space, as hex.
key=$(ldb --db="$db" scan --hex --max_keys=300000 2>/dev/null | tail -1 | cut -d' ' -f1)
key=${key#0x}
hyperfine --warmup 1 --runs "$runs" --style basic --export-markdown target/bench-explain.md \
  -n "get KEY" "$bin get --key-hex $db $key >/dev/null" \
  -n "explain KEY" "$bin explain --key-hex $db $key >/dev/null" \
  -n "scan --from KEY --limit 1024" "$bin scan --key-hex $db --from $key --limit 1024 >/dev/null" \
  -n "explain --from KEY (1,024 keys)" "$bin explain --key-hex $db --from $key >/dev/null"
cat target/bench-explain.md
"$bin" explain --key-hex "$db" "$key"
