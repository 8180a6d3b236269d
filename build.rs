//! Build script: records the version of the RocksDB sources linked in (from the
//! `librocksdb-sys` crate that compiles them), for `spear-inspect --version`.

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_ROCKSDB_CARGO_MANIFEST_DIR");
    let version = std::env::var("DEP_ROCKSDB_CARGO_MANIFEST_DIR")
        .ok()
        .and_then(|dir| {
            let header = std::path::Path::new(&dir).join("rocksdb/include/rocksdb/version.h");
            std::fs::read_to_string(header).ok()
        })
        .and_then(|text| {
            let field = |name: &str| {
                text.lines()
                    .find_map(|l| l.strip_prefix(&format!("#define {name} ")))
                    .map(|v| v.trim().to_string())
            };
            Some(format!(
                "{}.{}.{}",
                field("ROCKSDB_MAJOR")?,
                field("ROCKSDB_MINOR")?,
                field("ROCKSDB_PATCH")?
            ))
        })
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=SPEAR_ROCKSDB_VERSION={version}");
}
