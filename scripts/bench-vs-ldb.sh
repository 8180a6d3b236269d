#!/usr/bin/env bash
# Measures spear-inspect's read-only subcommands side by side with RocksDB's own `ldb`,
# in one run, on a 1M-key reference database built by RocksDB's `db_bench`.
#
#   scripts/bench-vs-ldb.sh [DB_DIR]      (default: $TMPDIR/spear-ref-1m)
#
# Prints hyperfine tables (mean of several runs, after a warm-up run) and the peak
# memory of the full streamed scans. The README's figures come from here.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --bench

db="${1:-${TMPDIR:-/tmp}/spear-ref-1m}"
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet --bin spear-inspect
bin="$target/release/spear-inspect"

if [[ ! -f "$db/CURRENT" ]]; then
  echo "building the reference database at $db (1M keys, 16-byte keys, 100-byte values, snappy)" >&2
  # 1M distinct keys in random order, then compact: a settled database with no unflushed WAL, so neither tool
  # pays for replaying a log that the other would have flushed.
  db_bench --benchmarks=filluniquerandom,compact --num=1000000 --key_size=16 --value_size=100 \
    --compression_type=snappy --db="$db" --use_existing_db=0 >/dev/null
fi
echo "keys: $("$bin" count "$db")" >&2

out="${BENCH_OUT:-target/bench-vs-ldb}"
mkdir -p "$out"
run() { # name, ours, ldb's
  hyperfine --warmup 1 --runs "${RUNS:-10}" --style basic --export-markdown "$out/$1.md" \
    -n "spear-inspect" "$2" -n "ldb" "$3"
}
run first50 "$bin scan $db --limit 50 >/dev/null" "ldb --db=$db scan --max_keys=50 >/dev/null"
run count "$bin count $db >/dev/null" "ldb --db=$db dump --count_only >/dev/null"
RUNS=${RUNS_FULL:-5} run fullscan "$bin scan $db --json >/dev/null" "ldb --db=$db scan --hex >/dev/null"

run export "$bin export $db >/dev/null" "ldb --db=$db scan --hex >/dev/null"

# Import: the export of the reference database (1M small pairs) into a fresh database.
dump="$out/ref.jsonl"
"$bin" export "$db" > "$dump"
pairs=$(wc -l < "$dump")
hyperfine --warmup 1 --runs "${RUNS_FULL:-5}" --style basic --export-json "$out/import.json" \
  --prepare "rm -rf $out/imported" -n "spear-inspect import" "$bin import $out/imported --write < $dump 2>/dev/null"
mean=$(python3 -c "import json;print(json.load(open('$out/import.json'))['results'][0]['mean'])")
python3 -c "print(f'import: {$pairs} pairs in {$mean:.3f} s mean = {$pairs/$mean/1000:.0f}k pairs/s (target: 200k)')" \
  | tee "$out/import.txt"

peak() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1; }
echo "peak RSS of the full scan: spear-inspect scan --json $(peak "$bin" scan "$db" --json) KiB," \
  "ldb scan --hex $(peak ldb --db="$db" scan --hex) KiB" | tee "$out/peak-memory.txt"
cat "$out"/*.md
