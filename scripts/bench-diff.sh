#!/usr/bin/env bash
# Comparisons on every core against one thread.
# 1. The Diff screen's comparison: `cargo bench --bench tui -- diff_screen_compare` (1M
#    keys against a checkpoint with 5,000 changes; criterion, 10 samples each), both
#    means and their ratio.
# 2. The `diff` command on the production-size reference (`db_bench fillrandom
#    --num=1000000 --key_size=24 --value_size=200`, built when missing) against a
#    checkpoint of it with 5,000 pairs added by 7.8's `ldb load`: pinned to one core
#    (`taskset -c 0`, one walk thread) and on every core, hyperfine means of 5 runs, and
#    the two opens alone (`count --estimate` of each side) so the walk's share shows.
#
#   scripts/bench-diff.sh
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --bench
target="${CARGO_TARGET_DIR:-target}"
cargo bench --bench tui -- diff_screen_compare >&2
python3 - "$target/criterion/diff_screen_compare_1m" "$(nproc)" <<'PY'
import json, sys
root, cores = sys.argv[1], sys.argv[2]
mean = lambda side: json.load(open(f"{root}/{side}/new/estimates.json"))["mean"]["point_estimate"] / 1e6
one, all_ = mean("1_thread"), mean("all_threads")
print(f"Diff screen, 1M keys against a copy with 5,000 changes: one thread {one:.0f} ms, {cores} cores {all_:.0f} ms ({all_/one:.2f}x)")
PY

cargo build --release --quiet --bin spear-inspect
bin="$target/release/spear-inspect"
ref="${TMPDIR:-/tmp}/spear-ref-fillrandom"
if [[ ! -f "$ref/CURRENT" ]]; then
  echo "building the reference database at $ref" >&2
  db_bench --benchmarks=fillrandom --num=1000000 --key_size=24 --value_size=200 \
    --db="$ref" --use_existing_db=0 >/dev/null
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/spear-diff.XXXXXX")"
trap 'rm -rf "$work"' EXIT
"$bin" checkpoint "$ref" "$work/copy" 2>/dev/null
python3 -c '
import random
r = random.Random(7)
for _ in range(5000):
    print("0x%s ==> 0x%s" % (r.randbytes(24).hex(), r.randbytes(200).hex()))
' | ldb --db="$work/copy" load --hex >/dev/null
json="$work/diff.json"
hyperfine -N -i -w 1 -r 5 --export-json "$json" \
  "taskset -c 0 $bin diff $ref $work/copy" \
  "$bin diff $ref $work/copy" \
  "$bin count $ref --estimate" \
  "$bin count $work/copy --estimate" >&2
python3 - "$json" "$(nproc)" <<'PY'
import json, sys
runs = [r["mean"] for r in json.load(open(sys.argv[1]))["results"]]
one, every, open_a, open_b = runs
opens = open_a + open_b
print(f"diff command, 1M reference against a copy with 5,000 added (hyperfine means of 5): "
      f"one core {one:.2f} s, {sys.argv[2]} cores {every:.2f} s ({every/one:.2f}x); "
      f"the two opens alone {opens:.2f} s, so the walk {one-opens:.2f} s against "
      f"{every-opens:.2f} s ({(every-opens)/(one-opens):.2f}x)")
PY
