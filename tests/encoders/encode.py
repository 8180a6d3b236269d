"""Values written by encoders that are not spear-inspect's: Python's msgpack, cbor2 and
protobuf runtime. Prints one JSON line per pair, {"key_hex", "value_hex"}, for the Rust
tests to store with RocksDB 7.8's ldb and read back decoded.

Usage: encode.py DESCRIPTOR_SET   (shop.proto compiled by protoc --include_imports
--descriptor_set_out, so the protobuf message class is built at run time)."""

import datetime
import json
import struct
import sys

import cbor2
import msgpack
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory


def emit(key: bytes, value: bytes) -> None:
    print(json.dumps({"key_hex": key.hex(), "value_hex": value.hex()}))


def main() -> None:
    # MessagePack under "mp:" + u32 big-endian.
    emit(b"mp:" + struct.pack(">I", 7), msgpack.packb(
        {"status": "Unhealthy", "cpu": 91.5, "tags": ["a", "b"], "bin": b"\x00\x01",
         "big": 2**63 + 5, "neg": -7, "none": None}))
    emit(b"mp:" + struct.pack(">I", 8), msgpack.packb({"status": "Healthy", "cpu": 12}))
    # CBOR under "cb:" + u16 little-endian, with a tagged date (tag 1, epoch seconds).
    emit(b"cb:" + struct.pack("<H", 513), cbor2.dumps(
        {"status": "Unhealthy", "cpu": 85, "when": datetime.datetime(
            2026, 1, 2, tzinfo=datetime.timezone.utc)}, datetime_as_timestamp=True))
    emit(b"cb:" + struct.pack("<H", 514), cbor2.dumps({"status": "Healthy", "cpu": 3}))

    files = descriptor_pb2.FileDescriptorSet.FromString(open(sys.argv[1], "rb").read())
    pool = descriptor_pool.DescriptorPool()
    for f in files.file:
        pool.Add(f)
    order_class = message_factory.GetMessageClass(pool.FindMessageTypeByName("shop.Order"))
    order = order_class(id=42, customer="ann", status=2, total=9.5, balance=-3)
    item = order.items.add()
    item.sku, item.qty = "x-1", 3
    order.labels["zone"] = "eu"
    order.placed_at.seconds = 1767312000
    # Protobuf under "pb:" + region u8 (1 = eu) + id u64 big-endian.
    emit(b"pb:" + bytes([1]) + struct.pack(">Q", 42), order.SerializeToString())


main()
