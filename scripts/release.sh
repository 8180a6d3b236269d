#!/usr/bin/env bash
# Builds one portable `spear-inspect` for x86_64 Linux production hosts: glibc symbols no
# newer than 2.17 (RHEL/CentOS 7, Ubuntu 14.04, Debian 8 and everything since), with the
# C++ runtime linked in, stripped. Output: dist/spear-inspect-x86_64-linux.
#
# Why zig: `cargo zigbuild` compiles RocksDB's C++ with zig's clang against glibc 2.17's
# symbol versions and links zig's own libc++ and compiler runtime statically, so the
# binary needs nothing from the host but libc. A musl build would need a musl C++
# toolchain and a Rust musl target that this machine cannot download; zig needs neither.
#
# The first run compiles RocksDB once more for this target (about 15 minutes on 2 cores);
# later runs reuse the build. scripts/check-portable.sh verifies the result.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh --release
PATH="$(python3 -m site --user-base)/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

target=x86_64-unknown-linux-gnu
cargo zigbuild --release --locked --target "$target.2.17" --bin spear-inspect

mkdir -p dist
out=dist/spear-inspect-x86_64-linux
cp "$CARGO_TARGET_DIR/$target/release/spear-inspect" "$out"
strip "$out"
echo "release: $out ($(du -h "$out" | cut -f1))"
./scripts/check-portable.sh "$out"
