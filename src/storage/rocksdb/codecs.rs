//! Which compression codecs this build's RocksDB has, asked of RocksDB itself.

use rocksdb::{DBCompressionType, Options};

use super::Db;

/// The compression codecs this build's RocksDB accepts, asked of RocksDB itself: a
/// database is opened in memory once per codec, and RocksDB refuses a codec that is not
/// linked in ("Compression type ... is not linked with the binary").
pub fn supported_compressions() -> Vec<&'static str> {
    let Ok(env) = rocksdb::Env::mem_env() else {
        return Vec::new();
    };
    [
        ("snappy", DBCompressionType::Snappy),
        ("lz4", DBCompressionType::Lz4),
        ("lz4hc", DBCompressionType::Lz4hc),
        ("zstd", DBCompressionType::Zstd),
        ("zlib", DBCompressionType::Zlib),
        ("bzip2", DBCompressionType::Bz2),
    ]
    .into_iter()
    .filter(|(name, codec)| {
        let mut opts = Options::default();
        opts.set_env(&env);
        opts.create_if_missing(true);
        opts.set_compression_type(*codec);
        Db::open(&opts, format!("/codec-probe-{name}")).is_ok()
    })
    .map(|(name, _)| name)
    .collect()
}
