#!/usr/bin/env bash
# Measures the diagnosis views side by side with RocksDB 7.8's own tools, in one run:
#   - the key space by prefix: estimated and exact, against `ldb scan --hex`;
#   - the newest 1,000 WAL records of a large WAL, against `ldb dump_wal`;
#   - diff of two 1M-key databases, against two `ldb scan --hex` runs (and peak memory);
#   - a 100 MB info LOG: `log` against `grep`, and the Log screen's first frame.
#
#   scripts/bench-diagnosis.sh [WORK_DIR]      (default: $TMPDIR/spear-diag)
#
# Builds its databases with db_bench and ldb (once; delete WORK_DIR to rebuild). The
# README's figures for issue 13 come from here.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --bench

work="${1:-${TMPDIR:-/tmp}/spear-diag}"
mkdir -p "$work"
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet --bin spear-inspect
bin="$target/release/spear-inspect"
out="${BENCH_OUT:-target/bench-diagnosis}"
mkdir -p "$out"

# 1M distinct binary keys (db_bench), compacted: the reference database of bench-vs-ldb.sh.
ref="$work/ref-1m"
if [[ ! -f "$ref/CURRENT" ]]; then
  db_bench --benchmarks=filluniquerandom,compact --num=1000000 --key_size=16 --value_size=100 \
    --compression_type=snappy --db="$ref" --use_existing_db=0 >/dev/null
fi
# 1M keys shaped like Spear-Next's (node:, resource:, events:<stream>:<n>, task:), loaded
# and compacted by 7.8's ldb.
spear="$work/spear-1m"
if [[ ! -f "$spear/CURRENT" ]]; then
  python3 - "$work/spear-1m.txt" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(400_000):
        f.write(f"node:{i:08x}-0000-4000-8000-{i:012x} ==> {'n' * 120}\n")
    for i in range(300_000):
        f.write(f"resource:{i:08x}-0000-4000-8000-{i:012x} ==> {'r' * 200}\n")
    for s in range(100):
        for n in range(2_000):
            f.write(f"events:node.{s:04}:{n} ==> {'e' * 300}\n")
    for i in range(100_000):
        f.write(f"task:{i:08} ==> {'t' * 60}\n")
PY
  ldb --db="$spear" --create_if_missing load --compact < "$work/spear-1m.txt" >/dev/null
  rm "$work/spear-1m.txt"
fi
# B for diff: a checkpoint of the reference database with 1,000 values changed and 500
# keys deleted by db_bench (keys 0..999 of the same key space).
diffb="$work/ref-1m-changed"
if [[ ! -f "$diffb/CURRENT" ]]; then
  "$bin" checkpoint "$ref" "$diffb" 2>/dev/null
  db_bench --benchmarks=overwrite --num=1000 --key_size=16 --value_size=100 --use_existing_db=1 --db="$diffb" >/dev/null
  db_bench --benchmarks=deleteseq --num=500 --key_size=16 --use_existing_db=1 --db="$diffb" >/dev/null
fi
# A database with one large unflushed WAL (2M batches, ~276 MB).
waldb="$work/wal-2m"
if [[ ! -f "$waldb/CURRENT" ]]; then
  db_bench --benchmarks=fillrandom --num=2000000 --value_size=100 --key_size=16 \
    --write_buffer_size=2000000000 --max_write_buffer_number=4 --disable_auto_compactions=1 \
    --compression_type=none --db="$waldb" >/dev/null
fi
wal="$(ls -S "$waldb"/*.log | head -1)"
# A 100 MB info LOG: a LOG db_bench wrote while stalling, repeated with its times moved on.
logdb="$work/log-100mb"
if [[ ! -f "$logdb/CURRENT" ]]; then
  db_bench --benchmarks=fillrandom --num=20000 --value_size=200 --write_buffer_size=65536 \
    --level0_file_num_compaction_trigger=2 --level0_slowdown_writes_trigger=3 \
    --level0_stop_writes_trigger=6 --max_background_jobs=1 --db="$logdb" >/dev/null
  python3 - "$logdb/LOG" <<'PY'
import re, sys, datetime
path = sys.argv[1]
lines = open(path, encoding="utf-8", errors="replace").read().splitlines(keepends=True)
stamp = re.compile(r"^(\d{4}/\d\d/\d\d-\d\d:\d\d:\d\d)\.(\d{6})")
def shift(line, by):
    m = stamp.match(line)
    if not m:
        return line
    t = datetime.datetime.strptime(m.group(1), "%Y/%m/%d-%H:%M:%S") + by
    return t.strftime("%Y/%m/%d-%H:%M:%S") + "." + m.group(2) + line[m.end():]
out, size, copy = [], 0, 0
while size < 100 * 1024 * 1024:
    by = datetime.timedelta(minutes=10 * copy)
    for line in lines:
        s = shift(line, by)
        out.append(s)
        size += len(s.encode())
    copy += 1
open(path, "w", encoding="utf-8").write("".join(out))
PY
fi
echo "LOG: $(du -h "$logdb/LOG" | cut -f1), WAL: $(du -h "$wal" | cut -f1)" >&2

run() { # name, then pairs of (label, command)
  local name=$1; shift
  local args=()
  while (($#)); do args+=(-n "$1" "$2"); shift 2; done
  hyperfine --warmup 1 --runs "${RUNS:-5}" --style basic --export-markdown "$out/$name.md" "${args[@]}"
}
run keyspace-spear \
  "keyspace estimated" "$bin keyspace $spear >/dev/null" \
  "keyspace --exact" "$bin keyspace $spear --exact >/dev/null" \
  "ldb scan --hex" "ldb --db=$spear scan --hex >/dev/null"
run keyspace-binary \
  "keyspace --prefix-len 2 estimated" "$bin keyspace $ref --prefix-len 2 >/dev/null" \
  "keyspace --prefix-len 2 --exact" "$bin keyspace $ref --prefix-len 2 --exact >/dev/null" \
  "ldb scan --hex" "ldb --db=$ref scan --hex >/dev/null"
run wal-newest-1000 \
  "wal --limit 1000" "$bin wal $waldb --limit 1000 >/dev/null" \
  "ldb dump_wal" "ldb dump_wal --walfile=$wal >/dev/null"
run diff-1m \
  "diff" "$bin diff $ref $diffb >/dev/null; true" \
  "two ldb scan --hex" "ldb --db=$ref scan --hex >/dev/null; ldb --db=$diffb scan --hex >/dev/null"
run log-100mb \
  "log --limit 50" "$bin log $logdb --limit 50 >/dev/null" \
  "log --timeline" "$bin log $logdb --timeline >/dev/null" \
  "grep -c EVENT_LOG_v1 (piped: grep stops early into /dev/null)" "grep -c EVENT_LOG_v1 $logdb/LOG | cat >/dev/null"

peak() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1; }
{
  echo "peak RSS: diff $(peak "$bin" diff "$ref" "$diffb") KiB, ldb scan --hex $(peak ldb --db="$ref" scan --hex) KiB"
  echo "peak RSS: wal --limit 1000 $(peak "$bin" wal "$waldb" --limit 1000) KiB, log --timeline $(peak "$bin" log "$logdb" --timeline) KiB"
} | tee "$out/peak-memory.txt"
SPEAR_BENCH_LOG_DB="$logdb" SPEAR_BENCH_WAL_DB="$waldb" \
  cargo bench --bench tui -- diagnosis 2>&1 | grep -E "^diagnosis|time:" | tee "$out/screens.txt"
cat "$out"/*.md
