#!/usr/bin/env bash
# The KvStore on etcd against the raw etcd-client crate, and the Nodes screen on 10,000
# nodes on etcd beside RocksDB: `cargo bench --bench etcd` (criterion: 20 samples for
# batch_put, each side's timed write after an untimed write of the other, 20 for the scan
# and the Nodes screen, criterion's default 100 for get),
# one 3-member loopback cluster from Debian's etcd for the whole run, then the table of
# the README's figures from criterion's estimates (means).
#
#   scripts/bench-etcd.sh
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh >&2
target="${CARGO_TARGET_DIR:-target}"
cargo bench --bench etcd >&2
python3 - "$target/criterion" <<'PY'
import json, sys
root = sys.argv[1]
def mean(group, side):
    with open(f"{root}/{group}/{side}/new/estimates.json") as f:
        return json.load(f)["mean"]["point_estimate"] / 1e9  # seconds
rows = []
for group, what, n in [("etcd_batch_put_10k", "`batch_put` of 10k pairs (one transaction)", 10_000),
                       ("etcd_scan_prefix_10k", "`scan_prefix` over 10k keys", 10_000)]:
    ours, raw = mean(group, "kvstore"), mean(group, "raw")
    rows.append(f"| {what} | {n/ours/1e3:.1f} k pairs/s | {n/raw/1e3:.1f} k pairs/s | {raw/ours:.2f}x throughput | ≥ 0.8x |")
ours, raw = mean("etcd_get_random", "kvstore"), mean("etcd_get_random", "raw")
rows.insert(1, f"| `get` of random keys | {ours*1e3:.2f} ms | {raw*1e3:.2f} ms | {ours/raw:.2f}x latency | ≤ 1.25x |")
print("| work | KvStore on etcd | raw etcd-client | ratio | target |")
print("|---|---|---|---|---|")
print("\n".join(rows))
etcd, rocks = mean("nodes_screen_open_10k", "etcd"), mean("nodes_screen_open_10k", "rocksdb")
print(f"\nNodes screen opened on 10,000 nodes (and their resource records): etcd {etcd*1e3:.0f} ms, RocksDB {rocks*1e3:.0f} ms (target on etcd: < 500 ms)")
PY
