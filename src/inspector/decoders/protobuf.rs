//! Protobuf values: the `.proto` files a rule names are compiled when the config is read,
//! by a pure-Rust compiler (`protox`, no `protoc` on the host), and a value is read by its
//! message's descriptor into proto3 JSON (field names as the `.proto` spells them, every
//! field shown, 64-bit integers as numbers so filters compare them).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use prost_reflect::{DescriptorPool, DynamicMessage, MessageDescriptor, SerializeOptions};
use serde_json::Value;

/// The `.proto` sets a config's rules name, each compiled once however many rules share it.
#[derive(Default)]
pub struct ProtoCache {
    pools: HashMap<Vec<PathBuf>, DescriptorPool>,
}

impl ProtoCache {
    /// The descriptor of `message` in the `files` (paths relative to `base`), compiling
    /// them unless an earlier rule did; the error names the file and line, or the
    /// messages the files do define.
    pub fn message(
        &mut self,
        base: &Path,
        files: &[String],
        message: &str,
    ) -> Result<MessageDescriptor, String> {
        if files.is_empty() {
            return Err("value = \"protobuf\" needs proto_files = [\"...\"]".into());
        }
        let paths: Vec<PathBuf> = files.iter().map(|f| base.join(f)).collect();
        if !self.pools.contains_key(&paths) {
            let pool = compile(&paths)?;
            self.pools.insert(paths.clone(), pool);
        }
        let pool = &self.pools[&paths];
        pool.get_message_by_name(message).ok_or_else(|| {
            let known: Vec<String> = pool
                .all_messages()
                .filter(|m| !m.is_map_entry() && !m.full_name().starts_with("google.protobuf."))
                .map(|m| m.full_name().to_string())
                .take(12)
                .collect();
            format!(
                "message {message:?} is not in {}: it defines {}",
                files.join(", "),
                if known.is_empty() {
                    "no messages".to_string()
                } else {
                    known.join(", ")
                }
            )
        })
    }
}

/// Compiles `paths`, each found through its own directory (so its imports of siblings
/// resolve), with the well-known `google/protobuf/*.proto` types available.
fn compile(paths: &[PathBuf]) -> Result<DescriptorPool, String> {
    for path in paths {
        if !path.is_file() {
            return Err(format!("the .proto file {} does not exist", path.display()));
        }
    }
    let mut includes: Vec<PathBuf> = Vec::new();
    for path in paths {
        let dir = path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        if !includes.contains(&dir) {
            includes.push(dir);
        }
    }
    let mut compiler = protox::Compiler::new(&includes).map_err(|e| e.to_string())?;
    compiler.include_imports(true);
    for path in paths {
        compiler
            .open_file(path)
            .map_err(|e| describe_error(path, &e))?;
    }
    Ok(compiler.descriptor_pool())
}

/// The compiler's error as `file:line:column: message` (its `Debug` form places it in
/// the file; `Display` alone does not), naming the opened file when it names none.
fn describe_error(opened: &Path, error: &protox::Error) -> String {
    let placed = format!("{error:?}");
    // The compiler names a file as found in its directory: the opened one is named by
    // its path instead, so it can be found from where the command ran.
    let own_name = opened.file_name().and_then(|n| n.to_str());
    match error.file() {
        Some(name) if Some(name) == own_name => format!(
            "the .proto file does not compile: {}{}",
            opened.display(),
            placed.strip_prefix(name).unwrap_or(&placed)
        ),
        Some(_) => format!("the .proto file does not compile: {placed}"),
        None => format!(
            "the .proto file {} does not compile: {placed}",
            opened.display()
        ),
    }
}

/// `value` read as a `message`, as proto3 JSON.
pub fn decode(message: &MessageDescriptor, value: &[u8]) -> Result<Value, String> {
    let decoded = DynamicMessage::decode(message.clone(), value)
        .map_err(|e| format!("protobuf {}: {e}", message.full_name()))?;
    let options = SerializeOptions::new()
        .use_proto_field_name(true)
        .skip_default_fields(false)
        .stringify_64_bit_integers(false);
    decoded
        .serialize_with_options(serde_json::value::Serializer, &options)
        .map_err(|e| format!("protobuf {}: {e}", message.full_name()))
}
