#!/usr/bin/env bash
# Is the inspector ever the reason the service slowed down? A full-speed writer
# (`db_bench fillrandom`, no rate limit, holding the LOCK) runs DURATION seconds alone,
# then DURATION seconds while spear-inspect runs every heavy walk against it in a loop
# (count, exact key-space breakdown, tombstone scan, export, checkpoint), PAIRS times
# alternately (default 2 pairs of 20 s). db_bench reports its own ops/s and P99 write
# latency; the script prints both sides and their ratio.
#
#   scripts/bench-writer-impact.sh [--tui] [EXTRA_INSPECT_FLAGS...]   (e.g. --normal-priority, --io-limit 20)
#
# Without --tui every walk is its own command (each opens the database again, replaying
# its WAL); with --tui the TUI is attached once (in tmux) and follows the writer, and the
# walks are its own (count `c`, the exact breakdown and the tombstone walk on the Disk
# screen), with `export` and `checkpoint` run beside it once a round, and the catch-up lag
# (the writer's newest sequence, from its live WAL, minus the one the TUI's Stats screen
# shows) read once a round.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=cli
if [[ "${1:-}" == "--tui" ]]; then
  mode=tui
  shift
fi
./scripts/setup.sh --bench
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet --bin spear-inspect
bin="$target/release/spear-inspect"
duration="${DURATION:-20}"
pairs="${PAIRS:-2}"
work="$(mktemp -d "${TMPDIR:-/tmp}/spear-writer.XXXXXX")"
session="spear-impact-$$"
trap 'tmux kill-session -t "$session" 2>/dev/null || true; kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

writer() { # out file: db_bench's report
  db_bench --benchmarks=fillrandom --use_existing_db=0 --db="$work/db" --num=1000000000 \
    --key_size=24 --value_size=200 --duration="$duration" --histogram=1 --threads=1 >"$1" 2>&1
}
walks() { # every heavy walk, in a loop, until the writer is gone
  while [[ -e "$work/db/LOCK" ]] && pgrep -x db_bench >/dev/null; do
    "$bin" count "$work/db" "$@" >/dev/null 2>&1 || true
    "$bin" keyspace "$work/db" --exact "$@" >/dev/null 2>&1 || true
    "$bin" tombstones "$work/db" --scan "$@" >/dev/null 2>&1 || true
    "$bin" export "$work/db" "$@" >/dev/null 2>&1 || true
    rm -rf "$work/cp"; "$bin" checkpoint "$work/db" "$work/cp" "$@" >/dev/null 2>&1 || true
    echo >>"$work/rounds"
  done
}
writer_running() { [[ -e "$work/db/LOCK" ]] && pgrep -x db_bench >/dev/null; }
walks_tui() { # the TUI attached once, its walks started by key presses, until the writer is gone
  tmux new-session -d -s "$session" -x 140 -y 40 "$bin $work/db $*"
  sleep 2
  while writer_running; do
    tmux send-keys -t "$session" 1 c; sleep 4
    tmux send-keys -t "$session" 6 Tab c; sleep 4
    tmux send-keys -t "$session" Tab c; sleep 4
    writer_running || break
    # Catch-up lag: the sequence the TUI's Stats screen shows (as of its last refresh)
    # against the writer's newest, read from the tail of its live WAL right after.
    tmux send-keys -t "$session" 4; sleep 3
    shown=$(tmux capture-pane -p -t "$session" | grep -oE 'sequence◆ [0-9,]+' | head -1 | tr -dc '0-9')
    newest=$("$bin" wal "$work/db" --limit 1 --json 2>/dev/null | python3 -c '
import json, sys
batches = [json.loads(l) for l in sys.stdin if l.startswith("{\"wal\"")]
print(max((b["sequence"] + b["count"] - 1 for b in batches), default=""))' || true)
    [[ -n "$shown" && -n "$newest" ]] && echo "$((newest - shown))" >>"$work/lag"
    "$bin" export "$work/db" "$@" >/dev/null 2>&1 || true
    rm -rf "$work/cp"; "$bin" checkpoint "$work/db" "$work/cp" "$@" >/dev/null 2>&1 || true
    echo >>"$work/rounds"
  done
  tmux kill-session -t "$session" 2>/dev/null || true
}
figures() { # ops/s and P99 (micros) from a db_bench report
  local ops p99
  ops=$(grep -E '^fillrandom' "$1" | sed -E 's/.* ([0-9]+) ops\/sec.*/\1/')
  p99=$(grep -E 'P99:' "$1" | head -1 | sed -E 's/.*P99: ([0-9.]+).*/\1/')
  echo "$ops $p99"
}

results=()
for pair in $(seq "$pairs"); do
  rm -rf "$work/db"; writer "$work/alone.$pair"
  rm -rf "$work/db" "$work/rounds"
  writer "$work/with.$pair" &
  w=$!
  sleep 2 # the writer first creates its database
  if [[ "$mode" == tui ]]; then walks_tui "$@" & else walks "$@" & fi
  wait "$w"; wait || true
  rounds=$(wc -l <"$work/rounds" 2>/dev/null || echo 0)
  lag=""
  if [[ -s "$work/lag" ]]; then
    lag=" | catch-up lag (writer's sequence minus the one Stats shows, median of $(wc -l <"$work/lag")) $(sort -n "$work/lag" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}') writes"
  fi
  rm -f "$work/lag"
  read -r a_ops a_p99 <<<"$(figures "$work/alone.$pair")"
  read -r b_ops b_p99 <<<"$(figures "$work/with.$pair")"
  printf 'pair %d: writer alone %s ops/s, P99 %s us | with the inspector (%s rounds of every walk) %s ops/s, P99 %s us | throughput kept %.2fx, P99 %.2fx\n' \
    "$pair" "$a_ops" "$a_p99" "$rounds" "$b_ops" "$b_p99" \
    "$(bc -l <<<"$b_ops/$a_ops")" "$(bc -l <<<"$b_p99/$a_p99")"
  [[ -z "$lag" ]] || echo "pair $pair:$lag (at $b_ops writes/s: $(bc -l <<<"scale=2; $(sed -E 's/.* ([0-9]+) writes$/\1/' <<<"$lag") / $b_ops") s)"
done | tee target/bench-writer-impact.txt
# The medians over the pairs (the writer alone varies by tens of percent between runs).
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
kept=$(grep -oE 'kept [0-9.]+x' target/bench-writer-impact.txt | sed -E 's/kept ([0-9.]+)x/\1/' | median)
p99=$(grep -oE 'P99 [0-9.]+x' target/bench-writer-impact.txt | sed -E 's/P99 ([0-9.]+)x/\1/' | median)
echo "median of $pairs pairs: throughput kept ${kept}x, P99 ${p99}x" | tee -a target/bench-writer-impact.txt
