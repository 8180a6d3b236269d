#!/usr/bin/env bash
# The TUI at scale: one pass of the real binary in a pseudo-terminal (benches/tui.rs,
# `screens_at_scale` and `keypress_during_count_and_filter`) on a large database:
#   - from spawn to the first frame of the Keys list, and RocksDB's key estimate;
#   - each screen (Nodes, Resources, Stats, Events, Disk files, Disk key-space estimate,
#     Log, WAL, back to Keys) from its key press to its first frame with content;
#   - a full count (`c`) to its result, and the binary's peak memory (VmHWM);
#   - key press to redraw while a count and while a substring filter run (30 presses
#     each: median, p90, max).
# One pass: each figure but the key presses is a single run, not an average.
#
#   scripts/bench-scale.sh [DB_DIR]                (default: $TMPDIR/spear-ref-fillrandom)
#   scripts/bench-scale.sh --make-100m DIR [DB_DIR]
#
# The default database is the production-size issue's reference (`db_bench fillrandom
# --num=1000000 --key_size=24 --value_size=200`: about 630k keys), built when missing.
# --make-100m builds a 100M-key fixture in DIR first (`db_bench filluniquerandom
# --num=100000000`, several GB; it needs 25 GB free while it compacts, and refuses with
# less) and measures it unless DB_DIR is given; DIR is reused when built already (DIR.built
# marks a finished build). Delete it afterwards. The figures also go to
# target/bench-scale-<DB dir name>.txt.
set -euo pipefail
here="$PWD"
cd "$(dirname "$0")/.."
./scripts/setup.sh --bench

usage() {
  sed -n '12,13p' "$0" | sed 's/^# *//' >&2
  exit 2
}
# Arguments relative to where the script was started, not to the checkout.
absolute() { [[ "$1" == /* ]] && echo "$1" || echo "$here/$1"; }

make100m=""
db=""
while (($#)); do
  case "$1" in
    --make-100m)
      [[ $# -ge 2 ]] || usage
      make100m="$(absolute "$2")"
      shift 2
      ;;
    -h | --help) usage ;;
    -*) usage ;;
    *)
      [[ -z "$db" ]] || usage
      db="$(absolute "$1")"
      shift
      ;;
  esac
done

if [[ -n "$make100m" ]]; then
  fixture="${make100m%/}"
  if [[ -f "$fixture.built" && -f "$fixture/CURRENT" ]]; then
    echo "100M-key fixture: reusing $fixture (delete it and $fixture.built to rebuild)" >&2
  else
    if [[ -e "$fixture" && ! -d "$fixture" ]]; then
      echo "refusing: $fixture is not a directory" >&2
      exit 1
    fi
    if [[ -d "$fixture" && -n "$(ls -A "$fixture")" && ! -f "$fixture/CURRENT" ]]; then
      echo "refusing: $fixture is not empty and holds no RocksDB database" >&2
      exit 1
    fi
    # The free space where the fixture goes (its nearest existing directory).
    at="$fixture"
    while [[ ! -d "$at" ]]; do at="$(dirname "$at")"; done
    free_kib=$(df -Pk "$at" | awk 'NR == 2 { print $4 }')
    need_kib=$((25 * 1000 * 1000 * 1000 / 1024))
    if ((free_kib < need_kib)); then
      echo "refusing: the 100M-key fixture needs 25 GB free at $at; only $((free_kib * 1024 / 1000000000)) GB is free" >&2
      exit 1
    fi
    echo "building the 100M-key fixture at $fixture (16-byte keys, 100-byte values, snappy;" \
      "several GB, tens of minutes). Delete it afterwards: rm -rf $fixture $fixture.built" >&2
    rm -f "$fixture.built"
    jobs=$(nproc)
    ((jobs >= 2)) || jobs=2
    # Without a WAL (db_bench flushes the memtables when it closes the database) and with
    # more background threads: the same keys, values and settings, written sooner.
    db_bench --benchmarks=filluniquerandom --num=100000000 --db="$fixture" --use_existing_db=0 \
      --disable_wal=1 --max_background_jobs="$jobs" --subcompactions="$jobs" >/dev/null
    touch "$fixture.built"
  fi
  [[ -n "$db" ]] || db="$fixture"
fi

db="${db:-${TMPDIR:-/tmp}/spear-ref-fillrandom}"
db="${db%/}"
if [[ ! -f "$db/CURRENT" ]]; then
  echo "building the reference database at $db" >&2
  db_bench --benchmarks=fillrandom --num=1000000 --key_size=24 --value_size=200 \
    --db="$db" --use_existing_db=0 >/dev/null
fi

out="${BENCH_OUT:-target}"
mkdir -p "$out"
file="$out/bench-scale-$(basename "$db").txt"
echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC') $db, $(nproc) cores" >"$file"
# Criterion takes one FILTER (a regex) and only its own benchmarks heed it: the pty
# measurements are plain functions in the group, which run whatever the filter, while
# the filter skips the criterion benchmarks beside them (their set-up still runs).
SPEAR_BENCH_DB="$db" cargo bench --bench tui -- 'screens_at_scale|keypress_during' |
  grep --line-buffered -E '^(scale:|keypress)' | tee -a "$file"
echo "figures in $file" >&2
if [[ -n "$make100m" ]]; then
  echo "the 100M-key fixture at ${make100m%/} takes $(du -sh "${make100m%/}" | cut -f1):" \
    "delete it when done (rm -rf ${make100m%/} ${make100m%/}.built)" >&2
fi
