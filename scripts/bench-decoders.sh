#!/usr/bin/env bash
# Decoding must not slow browsing. Measures, in one `cargo bench --bench decoders` run:
#   - the Keys screen's first frame on 1,024 composite keys with a protobuf value, with
#     and without the decoder config;
#   - compiling a 50-message .proto set (start-up);
#   - a field filter beside the contains filter over every key of the 1M-key reference
#     (db_bench's, as scripts/bench-vs-ldb.sh builds it: a key field) and of a 1M-record
#     JSON database made here (a value's field, by text and by number).
#
#   scripts/bench-decoders.sh [REF_DB] [JSON_DB]
#
# Criterion's figures (10 samples for the filters, its default for the rest) are in
# target/criterion/; the ratios printed at the end are what the README quotes.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --bench

ref="${1:-${TMPDIR:-/tmp}/spear-ref-1m}"
json="${2:-${TMPDIR:-/tmp}/spear-ref-json-1m}"
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet --bin spear-inspect
bin="$target/release/spear-inspect"

if [[ ! -f "$ref/CURRENT" ]]; then
  echo "building the reference database at $ref (1M keys, 16-byte keys, 100-byte values, snappy)" >&2
  db_bench --benchmarks=filluniquerandom,compact --num=1000000 --key_size=16 --value_size=100 \
    --compression_type=snappy --db="$ref" --use_existing_db=0 >/dev/null
fi
if [[ ! -f "$json/CURRENT" ]]; then
  echo "building the JSON reference at $json (1M node records, 1 in 10 Unhealthy)" >&2
  python3 - <<'PY' | "$bin" import "$json" --write >/dev/null
import json, sys
out = sys.stdout
for i in range(1_000_000):
    status = "Unhealthy" if i % 10 == 0 else "Healthy"
    value = json.dumps({"uuid": f"{i:08x}-0000-4000-8000-{i:012x}", "ip_address": f"10.0.{i // 256 % 256}.{i % 256}",
                        "port": 8080, "status": status, "cpu": i % 100, "last_heartbeat": 1767312000 + i,
                        "metadata": {"zone": ["eu", "us", "ap"][i % 3]}})
    out.write(json.dumps({"key": f"node:{i:08d}", "value": value}) + "\n")
PY
fi

SPEAR_BENCH_DB="$ref" SPEAR_BENCH_JSON_DB="$json" cargo bench --bench decoders -- --noplot 2>&1 |
  grep -E "^(keys_first|proto_compile|filter_)|time:" | tee "$target/bench-decoders.txt"

# The ratios, from criterion's estimates (mean, nanoseconds).
python3 - "$target/criterion" <<'PY'
import json, sys, os
root = sys.argv[1]
def mean(group, name=None):
    with open(os.path.join(root, group, *([name] if name else []), "new", "estimates.json")) as f:
        return json.load(f)["mean"]["point_estimate"]
raw = mean("keys_first_frame_1024", "raw")
dec = mean("keys_first_frame_1024", "composite_keys_protobuf_values")
print(f"first frame: raw {raw/1e6:.2f} ms, decoded {dec/1e6:.2f} ms: {dec/raw:.2f}x raw (target: within 2x)")
print(f"proto compile, 50 messages: {mean('proto_compile_50_messages')/1e6:.1f} ms (target: under 200 ms)")
for group, fields in [("filter_spear_bench_db", ["field_key_u64"]),
                      ("filter_spear_bench_json_db", ["field_text", "field_number"])]:
    contains = mean(group, "contains")
    for field in fields:
        f = mean(group, field)
        print(f"{group}: contains {contains/1e6:.0f} ms, {field} {f/1e6:.0f} ms: {contains/f:.2f}x the contains filter's speed (target: at least 0.5x)")
PY
