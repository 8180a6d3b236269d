#!/usr/bin/env bash
# The Diff screen's comparison on every core against one walk thread:
# `cargo bench --bench tui -- diff_screen_compare` (1M keys against a checkpoint with
# 5,000 changes; criterion, 10 samples each), then both means and their ratio.
#
#   scripts/bench-diff.sh
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
cargo bench --bench tui -- diff_screen_compare >&2
python3 - "$target/criterion/diff_screen_compare_1m" "$(nproc)" <<'PY'
import json, sys
root, cores = sys.argv[1], sys.argv[2]
mean = lambda side: json.load(open(f"{root}/{side}/new/estimates.json"))["mean"]["point_estimate"] / 1e6
one, all_ = mean("1_thread"), mean("all_threads")
print(f"Diff screen, 1M keys against a copy with 5,000 changes: one thread {one:.0f} ms, {cores} cores {all_:.0f} ms ({all_/one:.2f}x)")
PY
