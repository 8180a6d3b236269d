//! `decoders check`: rules of a decoder config checked against keys and values 7.8's
//! `ldb` wrote in hex (big-endian integer keys, MessagePack and CBOR values taken byte
//! for byte from their specifications), and a config that names something unknown.

use std::path::Path;

use serde_json::Value;

use crate::cli::run;
use crate::common::temp_db;
use crate::compat78::{ldb, require_tools};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn put(db: &Path, key: &[u8], value: &[u8]) {
    ldb(
        db,
        &[
            "--create_if_missing",
            "--hex",
            "put",
            &format!("0x{}", hex(key)),
            &format!("0x{}", hex(value)),
        ],
    );
}

const CONFIG: &str = r#"
[[rule]]
prefix = "order:"
key = "u64be"
value = "msgpack"

[[rule]]
prefix = "evt:"
key = ["block:u32be", "kind:u8{1=put,2=delete}"]
value = "cbor"
"#;

#[test]
fn each_rule_counts_what_it_matches_and_decodes() {
    require_tools();
    let (dir, db) = temp_db();
    // {"id": 1, "ok": true} in MessagePack and in CBOR.
    let msgpack = [0x82, 0xa2, b'i', b'd', 0x01, 0xa2, b'o', b'k', 0xc3];
    let cbor = [0xa2, 0x62, b'i', b'd', 0x01, 0x62, b'o', b'k', 0xf5];
    for n in [1u64, 2, 3] {
        put(
            &db,
            &[b"order:".as_slice(), &n.to_be_bytes()].concat(),
            &msgpack,
        );
    }
    // A value cut short, and a key one byte too long.
    put(
        &db,
        &[b"order:".as_slice(), &4u64.to_be_bytes()].concat(),
        &msgpack[..4],
    );
    put(&db, &[b"order:".as_slice(), &[0; 9]].concat(), &msgpack);
    let mut evt = b"evt:".to_vec();
    evt.extend(1234u32.to_be_bytes());
    evt.push(2);
    put(&db, &evt, &cbor);
    let config = dir.path().join("shop.toml");
    std::fs::write(&config, CONFIG).unwrap();

    let out = run(&[
        "decoders",
        "check",
        db.to_str().unwrap(),
        "--decoders",
        config.to_str().unwrap(),
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rules: Value = serde_json::from_slice(&out.stdout).unwrap();
    let order = &rules[0];
    assert_eq!(
        (order["matched"].as_u64(), order["decoded"].as_u64()),
        (Some(5), Some(3))
    );
    // The nine-byte key sorts first (all zeros): it is the first failure named.
    let failure = order["first_failure"].as_array().unwrap();
    assert_eq!(
        failure[0],
        "order:\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00"
    );
    assert_eq!(failure[1], "key: 1 byte(s) left over after the layout");
    let evt = &rules[1];
    assert_eq!(
        (evt["matched"].as_u64(), evt["decoded"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(evt["line"], 7);
}

#[test]
fn a_config_naming_an_unknown_format_is_refused_with_its_line() {
    require_tools();
    let (dir, db) = temp_db();
    put(&db, b"a", b"1");
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[[rule]]\nprefix = \"a\"\nvalue = \"yaml\"\n").unwrap();
    let out = run(&[
        "decoders",
        "check",
        db.to_str().unwrap(),
        "--decoders",
        config.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}, line 1: unknown value format \"yaml\"",
            config.display()
        )),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn scan_decode_writes_the_decoded_pair_beside_the_bytes_and_import_restores_them() {
    require_tools();
    let (dir, db) = temp_db();
    let msgpack = [0x82, 0xa2, b'i', b'd', 0x01, 0xa2, b'o', b'k', 0xc3];
    put(
        &db,
        &[b"order:".as_slice(), &7u64.to_be_bytes()].concat(),
        &msgpack,
    );
    put(
        &db,
        &[b"order:".as_slice(), &8u64.to_be_bytes()].concat(),
        &msgpack[..4],
    );
    put(&db, b"other", b"plain");
    let config = dir.path().join("shop.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let out = run(&[
        "scan",
        db.to_str().unwrap(),
        "--json",
        "--decode",
        "--decoders",
        config.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines[0]["decoded"],
        serde_json::json!({"rule": 1, "key": "order:7", "value": {"id": 1, "ok": true}})
    );
    assert_eq!(lines[1]["decoded"]["rule"], 1);
    assert!(
        lines[1]["decoded"]["error"]
            .as_str()
            .unwrap()
            .starts_with("value: msgpack:"),
        "{}",
        lines[1]
    );
    assert!(lines[2].get("decoded").is_none(), "no rule covers other");

    // import takes the decoded lines and restores the bytes exactly.
    let copy = dir.path().join("copy");
    let mut import = std::process::Command::new(env!("CARGO_BIN_EXE_spear-inspect"))
        .args(["import", copy.to_str().unwrap(), "--write"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        import.stdin.take().unwrap().write_all(&out.stdout).unwrap();
    }
    let done = import.wait_with_output().unwrap();
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert_eq!(
        ldb(&copy, &["--hex", "scan"]),
        ldb(&db, &["--hex", "scan"]),
        "byte for byte, as 7.8's ldb reads both"
    );
}

#[test]
fn the_tui_refuses_a_config_beside_the_database_that_does_not_parse() {
    require_tools();
    let (_dir, db) = temp_db();
    put(&db, b"a", b"1");
    let beside = db.with_file_name(format!(
        "{}.decoders.toml",
        db.file_name().unwrap().to_str().unwrap()
    ));
    std::fs::write(&beside, "[[rule]]\nkey = \"u24be\"\n").unwrap();
    // Refused before the terminal is taken: no terminal is needed to see it.
    let out = run(&[db.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}, line 1: unknown key type \"u24be\"",
            beside.display()
        )),
        "{stderr}"
    );
}
