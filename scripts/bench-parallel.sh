#!/usr/bin/env bash
# Parallel walks against one thread, on the production-size issue's reference database
# (`db_bench fillrandom --num=1000000 --key_size=24 --value_size=200`: about 630k keys,
# three L0 files and an unflushed ~52 MiB WAL), with RocksDB's own tools in the same run.
#
#   scripts/bench-parallel.sh [DB_DIR]     (default: $TMPDIR/spear-ref-fillrandom)
#
# For each mode, RUNS runs (default 7) of `count --timings`, which reports the open and
# the walk separately; medians printed. One thread runs pinned to one core
# (`taskset -c 0`, as the issue measured), both threads on both. The exact key-space
# breakdown and `ldb dump --count_only` are timed with hyperfine beside them, and
# `db_bench readseq` reports its own iteration time. Last, the TUI's streamed "contains"
# filter (criterion, `cargo bench --bench tui -- filter_scan`) pinned and on every core.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --bench

db="${1:-${TMPDIR:-/tmp}/spear-ref-fillrandom}"
target="${CARGO_TARGET_DIR:-target}"
runs="${RUNS:-7}"
cargo build --release --quiet --bin spear-inspect
bin="$target/release/spear-inspect"

if [[ ! -f "$db/CURRENT" ]]; then
  echo "building the reference database at $db" >&2
  db_bench --benchmarks=fillrandom --num=1000000 --key_size=24 --value_size=200 \
    --db="$db" --use_existing_db=0 >/dev/null
fi
echo "keys: $("$bin" count "$db"), cores: $(nproc)"

# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

timed() { # label, command...: RUNS runs of count --timings; medians of open and walk
  local label="$1"; shift
  local opens=() walks=()
  "$@" >/dev/null 2>&1 # warm-up
  for _ in $(seq "$runs"); do
    line=$("$@" 2>&1 >/dev/null | tail -1)
    opens+=("$(sed -E 's/^open ([0-9.]+) s.*/\1/' <<<"$line")")
    walks+=("$(sed -E 's/.* ([0-9.]+) s$/\1/' <<<"$line")")
  done
  printf '%s %s %s\n' "$label" "$(printf '%s\n' "${opens[@]}" | median)" "$(printf '%s\n' "${walks[@]}" | median)"
}

{
  timed one-thread taskset -c 0 "$bin" count "$db" --timings --threads 1
  timed two-threads "$bin" count "$db" --timings --threads 2
} | tee target/bench-parallel.txt | awk '
  { open[$1]=$2; walk[$1]=$3; printf "count, %-12s open %.3f s, walk %.3f s (median of '"$runs"')\n", $1, $2, $3 }
  END { printf "walk on two threads / one thread (pinned): %.2fx\n", walk["two-threads"]/walk["one-thread"] }'

hyperfine --warmup 1 --runs "$runs" --style basic \
  -n "keyspace --exact, 1 thread (taskset -c 0)" "taskset -c 0 $bin keyspace $db --exact --threads 1 >/dev/null" \
  -n "keyspace --exact, 2 threads" "$bin keyspace $db --exact --threads 2 >/dev/null" \
  -n "count, 2 threads" "$bin count $db >/dev/null" \
  -n "ldb dump --count_only" "ldb --db=$db dump --count_only >/dev/null"

echo "db_bench readseq --readonly=1 (its own iteration figure):"
db_bench --benchmarks=readseq --use_existing_db=1 --readonly=1 --db="$db" --num=1000000 \
  --key_size=24 --value_size=200 2>/dev/null | grep -E '^readseq'

# The Keys screen's "contains" filter, streamed in key order (`cargo bench --bench tui --
# filter_scan`, criterion means of 10 samples, the open not included): pinned to one
# core (one walk thread) and on every core.
filter_mean() { # label, command prefix...: criterion's mean of filter_scan, in ms
  local label="$1"; shift
  SPEAR_BENCH_DB="$db" "$@" cargo bench --bench tui -- filter_scan >/dev/null 2>&1
  python3 -c "import json,sys; print(sys.argv[1], json.load(open(sys.argv[2]))['mean']['point_estimate'] / 1e6)" \
    "$label" "$target/criterion/filter_scan/no_match/new/estimates.json"
}
{
  filter_mean one-core taskset -c 0
  filter_mean every-core env
} | awk '{ ms[$1]=$2; printf "contains filter (TUI), %-10s %.0f ms\n", $1, $2 }
  END { printf "contains filter: every core / one core (pinned): %.2fx\n", ms["every-core"]/ms["one-core"] }'
