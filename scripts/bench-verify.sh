#!/usr/bin/env bash
# verify against sst_dump (issue 22: at least 0.8x `sst_dump --command=verify` over all
# live files of the 1M-key reference on one core, and both cores used). The reference is
# bench-parallel.sh's: 7.8's db_bench, 1M random 24-byte keys and 200-byte values. In one
# run (hyperfine, RUNS runs each, default 5, page cache warm for all):
#   - `verify --threads 1`  (every live SST block and the MANIFEST, one thread)
#   - `verify`              (every core this process may use)
#   - `sst_dump --command=verify --verify_checksum` over the same live SST files, one
#     after another (RocksDB's own per-file check; without --verify_checksum 7.8's
#     sst_dump reads no data block's checksum and calls a damaged file ok).
# sst_dump reads neither the WAL nor the MANIFEST, so verify runs on a copy of the
# reference without its WAL (hard links: the same SST files): the same files, plus the
# MANIFEST. The whole reference, WAL included, is timed once beside them.
#
#   scripts/bench-verify.sh [DB_DIR]     (default: $TMPDIR/spear-ref-fillrandom)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --bench
db="${1:-${TMPDIR:-/tmp}/spear-ref-fillrandom}"
target="${CARGO_TARGET_DIR:-target}"
runs="${RUNS:-5}"
cargo build --release --quiet --bin spear-inspect
bin="$target/release/spear-inspect"
if [[ ! -f "$db/CURRENT" ]]; then
  echo "building the reference database at $db" >&2
  db_bench --benchmarks=fillrandom --num=1000000 --key_size=24 --value_size=200 \
    --db="$db" --use_existing_db=0 >/dev/null
fi
# Every SST in the directory is live: db_bench deletes obsolete files before it ends
# (no ldb open here: it would flush the WAL and change the files).
live=$(ls "$db"/*.sst | tr '\n' ' ')
echo "live SST files: $(wc -w <<<"$live"), $(du -ch $live | tail -1 | cut -f1); cores: $(nproc)"
tables="${TMPDIR:-/tmp}/spear-verify-tables"
rm -rf "$tables" && mkdir -p "$tables"
trap 'rm -rf "$tables"' EXIT
ln "$db"/*.sst "$tables"/
cp "$db"/CURRENT "$db"/MANIFEST-* "$db"/OPTIONS-* "$tables"/
echo "whole reference (WAL $(du -ch "$db"/*.log | tail -1 | cut -f1) too): $("$bin" verify "$db" | tail -1)"
hyperfine --warmup 1 --runs "$runs" --style basic --export-markdown target/bench-verify.md \
  -n "verify --threads 1: spear-inspect" "$bin verify $tables --threads 1 >/dev/null" \
  -n "verify (all cores): spear-inspect" "$bin verify $tables >/dev/null" \
  -n "sst_dump --command=verify --verify_checksum, every live file" \
  "for f in $live; do sst_dump --file=\$f --command=verify --verify_checksum >/dev/null; done"
cat target/bench-verify.md
