#!/usr/bin/env bash
# Compares two builds of spear-inspect side by side with RocksDB's `ldb`, in one run, on
# the 1M-key reference database of scripts/bench-vs-ldb.sh: first page and exact count
# (hyperfine, RUNS runs each, default 10). For a restructuring that must not regress.
#
#   scripts/bench-before-after.sh BEFORE_BINARY AFTER_BINARY [DB_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --bench
before="$1"
after="$2"
db="${3:-${TMPDIR:-/tmp}/spear-ref-1m}"
if [[ ! -f "$db/CURRENT" ]]; then
  echo "building the reference database at $db" >&2
  db_bench --benchmarks=filluniquerandom,compact --num=1000000 --key_size=16 --value_size=100 \
    --compression_type=snappy --db="$db" --use_existing_db=0 >/dev/null
fi
runs="${RUNS:-10}"
hyperfine --warmup 1 --runs "$runs" --style basic \
  -n before "$before scan $db --limit 50 >/dev/null" \
  -n after "$after scan $db --limit 50 >/dev/null" \
  -n ldb "ldb --db=$db scan --max_keys=50 >/dev/null"
hyperfine --warmup 1 --runs "$runs" --style basic \
  -n before "$before count $db >/dev/null" \
  -n after "$after count $db >/dev/null" \
  -n ldb "ldb --db=$db dump --count_only >/dev/null"
