//! Values other encoders wrote, read back decoded: MessagePack and CBOR from Python's
//! `msgpack` and `cbor2`, protobuf from Python's runtime and from `prost`, under keys of
//! big- and little-endian integers and a composite, all stored by RocksDB 7.8's `ldb`.
//! Checked through `scan --decode`, `get --decode`, `export --decode` and `scan --where`.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::cli::run;
use crate::common::temp_db;
use crate::compat78::{ldb, require_tools};

/// The schema the protobuf values follow (also compiled by the tool under test).
fn shop_proto() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/encoders/shop.proto")
}

/// The pairs Python's encoders wrote (`tests/encoders/encode.py`), as (key, value).
fn python_pairs(dir: &Path) -> Vec<(Vec<u8>, Vec<u8>)> {
    let imports = Command::new("python3")
        .args(["-c", "import msgpack, cbor2, google.protobuf"])
        .output()
        .expect("python3 runs");
    assert!(
        imports.status.success(),
        "python3 lacks msgpack, cbor2 or protobuf (PyPI): run ./scripts/setup.sh\n{}",
        String::from_utf8_lossy(&imports.stderr)
    );
    // Python's runtime builds its message class from a descriptor set; protoc (which
    // setup.sh installs for etcd's client) makes one. The tool under test needs none.
    let set = dir.join("shop.pb");
    let proto = shop_proto();
    let protoc = Command::new("protoc")
        .arg("--include_imports")
        .arg(format!("--descriptor_set_out={}", set.display()))
        .arg("-I")
        .arg(proto.parent().unwrap())
        .arg(&proto)
        .output()
        .expect("protoc is installed by ./scripts/setup.sh");
    assert!(
        protoc.status.success(),
        "{}",
        String::from_utf8_lossy(&protoc.stderr)
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/encoders/encode.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(&set)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let pair: Value = serde_json::from_str(line).unwrap();
            let bytes = |field: &str| unhex(pair[field].as_str().unwrap());
            (bytes("key_hex"), bytes("value_hex"))
        })
        .collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The same `shop.Order`, field for field, as prost writes it.
#[derive(Clone, PartialEq, prost::Message)]
struct Order {
    #[prost(uint64, tag = "1")]
    id: u64,
    #[prost(string, tag = "2")]
    customer: String,
    #[prost(int32, tag = "3")]
    status: i32,
    #[prost(message, repeated, tag = "4")]
    items: Vec<Item>,
    #[prost(double, tag = "5")]
    total: f64,
    #[prost(map = "string, string", tag = "6")]
    labels: std::collections::HashMap<String, String>,
    #[prost(sint64, tag = "8")]
    balance: i64,
}

#[derive(Clone, PartialEq, prost::Message)]
struct Item {
    #[prost(string, tag = "1")]
    sku: String,
    #[prost(uint32, tag = "2")]
    qty: u32,
}

const CONFIG: &str = r#"
[[rule]]
prefix = "mp:"
key = "u32be"
value = "msgpack"

[[rule]]
prefix = "cb:"
key = "u16le"
value = "cbor"

[[rule]]
prefix = "pb:"
key = ["region:u8{1=eu,2=us}", "id:u64be"]
value = "protobuf"
proto_files = ["protos/shop.proto"]
message = "shop.Order"
"#;

/// A database of every encoder's pairs (written by 7.8's `ldb`) and its config.
fn shop_db() -> (tempfile::TempDir, PathBuf, PathBuf) {
    require_tools();
    let (dir, db) = temp_db();
    let mut pairs = python_pairs(dir.path());
    let prost_order = Order {
        id: 7,
        customer: "bo".into(),
        status: 1,
        items: vec![Item {
            sku: "y".into(),
            qty: 1,
        }],
        total: 1.25,
        labels: [("zone".to_string(), "us".to_string())].into(),
        balance: 5,
    };
    let mut key = b"pb:".to_vec();
    key.push(2);
    key.extend(7u64.to_be_bytes());
    pairs.push((key, prost::Message::encode_to_vec(&prost_order)));
    // A value its rule does not read: an error row, never a guess.
    pairs.push((b"mp:\x00\x00\x00\x09".to_vec(), vec![0x91, 0xc1]));
    for (key, value) in &pairs {
        ldb(
            &db,
            &[
                "--create_if_missing",
                "--hex",
                "put",
                &format!("0x{}", hex(key)),
                &format!("0x{}", hex(value)),
            ],
        );
    }
    std::fs::create_dir(dir.path().join("protos")).unwrap();
    std::fs::copy(shop_proto(), dir.path().join("protos/shop.proto")).unwrap();
    let config = dir.path().join("shop.toml");
    std::fs::write(&config, CONFIG).unwrap();
    (dir, db, config)
}

fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn python_and_prost_values_decode_under_their_rules() {
    let (_dir, db, config) = shop_db();
    let (db, config) = (db.to_str().unwrap(), config.to_str().unwrap());
    let out = ok(&run(&[
        "scan",
        db,
        "--json",
        "--decode",
        "--decoders",
        config,
    ]));
    let decoded: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["decoded"].clone())
        .collect();
    // Key order: cb: (little-endian 513 = 01 02, 514 = 02 02), mp:, pb:.
    assert_eq!(decoded[0]["key"], "cb:513");
    assert_eq!(
        decoded[0]["value"],
        json!({"status": "Unhealthy", "cpu": 85, "when": {"tag 1": 1767312000}})
    );
    assert_eq!(decoded[1]["key"], "cb:514");
    assert_eq!(decoded[2]["key"], "mp:7");
    assert_eq!(
        decoded[2]["value"],
        json!({"status": "Unhealthy", "cpu": 91.5, "tags": ["a", "b"], "bin": "0x0001",
               "big": 9223372036854775813u64, "neg": -7, "none": null})
    );
    assert_eq!(decoded[3]["key"], "mp:8");
    // mp:9: its rule's number and the reason, no value.
    assert_eq!(decoded[4]["rule"], 1);
    assert!(decoded[4].get("value").is_none());
    assert!(
        decoded[4]["error"].as_str().unwrap().contains("0xc1"),
        "{}",
        decoded[4]
    );
    // Python's protobuf runtime, then prost.
    assert_eq!(decoded[5]["key"], "pb:region=eu id=42");
    assert_eq!(
        decoded[5]["value"],
        json!({"id": 42, "customer": "ann", "status": "SHIPPED",
               "items": [{"sku": "x-1", "qty": 3}], "total": 9.5, "labels": {"zone": "eu"},
               "placed_at": "2026-01-02T00:00:00Z", "balance": -3})
    );
    assert_eq!(decoded[6]["key"], "pb:region=us id=7");
    assert_eq!(decoded[6]["value"]["customer"], "bo");
    assert_eq!(decoded[6]["value"]["status"], "PLACED");
    assert_eq!(decoded[6]["value"]["balance"], 5);
    assert_eq!(decoded.len(), 7);

    // export --decode carries the same beside every pair's exact bytes.
    let export = ok(&run(&["export", db, "--decode", "--decoders", config]));
    let first: Value = serde_json::from_str(export.lines().next().unwrap()).unwrap();
    assert_eq!(first["decoded"], decoded[0]);
    assert_eq!(first["cf"], "default");
}

#[test]
fn get_decode_prints_the_pair_and_says_when_it_does_not_decode() {
    let (_dir, db, config) = shop_db();
    let (db, config) = (db.to_str().unwrap(), config.to_str().unwrap());
    let key = format!(
        "0x{}",
        hex(&[b"pb:".as_slice(), &[1], &42u64.to_be_bytes()].concat())
    );
    let out = run(&[
        "get",
        "--key-hex",
        db,
        &key,
        "--decode",
        "--decoders",
        config,
    ]);
    let shown: Value = serde_json::from_str(&ok(&out)).unwrap();
    assert_eq!(shown["rule"], 3);
    assert_eq!(shown["key"], "pb:region=eu id=42");
    assert_eq!(shown["value"]["labels"]["zone"], "eu");

    let bad = run(&[
        "get",
        "--key-hex",
        db,
        "0x6d703a00000009",
        "--decode",
        "--decoders",
        config,
    ]);
    assert_eq!(bad.status.code(), Some(8), "a value its rule does not read");
    let shown: Value = serde_json::from_slice(&bad.stdout).unwrap();
    assert!(
        shown["error"]
            .as_str()
            .unwrap()
            .starts_with("value: msgpack:")
    );
}

#[test]
fn scan_where_tests_decoded_fields_across_formats() {
    let (_dir, db, config) = shop_db();
    let (db, config) = (db.to_str().unwrap(), config.to_str().unwrap());
    let keys = |test: &str| -> Vec<String> {
        let out = run(&[
            "scan",
            db,
            "--json",
            "--decode",
            "--where",
            test,
            "--decoders",
            config,
        ]);
        ok(&out)
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["decoded"]["key"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    assert_eq!(keys("status == Unhealthy"), ["cb:513", "mp:7"]);
    assert_eq!(keys("cpu > 80"), ["cb:513", "mp:7"]);
    assert_eq!(keys("status == SHIPPED"), ["pb:region=eu id=42"]);
    assert_eq!(keys("key.region == us"), ["pb:region=us id=7"]);
    assert_eq!(keys("items.0.qty >= 3"), ["pb:region=eu id=42"]);
    // Text a decoder makes up (binary as 0x…) is not in the bytes: still found.
    assert_eq!(keys("bin == 0x0001"), ["mp:7"]);
    // The pair its rule cannot read is not passed off as a non-match.
    let out = run(&["scan", db, "--where", "cpu > 1", "--decoders", config]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--where could not test 1 pairs"));
    let limited = run(&[
        "scan",
        db,
        "--where",
        "cpu >= 0",
        "--limit",
        "1",
        "--decoders",
        config,
    ]);
    assert_eq!(ok(&limited).lines().count(), 1, "--limit counts matches");
    // The walk ends at the last match shown: the broken mp:9 after it is not reached.
    let note = String::from_utf8_lossy(&limited.stderr);
    assert!(!note.contains("could not test"), "{note}");
    // --where alone adds no decoded field.
    let bare = run(&[
        "scan",
        db,
        "--json",
        "--where",
        "cpu > 80",
        "--decoders",
        config,
    ]);
    assert!(!ok(&bare).contains("\"decoded\""));
    let bad = run(&["scan", db, "--where", "cpu", "--decoders", config]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a field filter"));
}

#[test]
fn a_proto_that_does_not_compile_or_lacks_the_message_is_named() {
    let (dir, db, config) = shop_db();
    let db = db.to_str().unwrap();
    let broken = dir.path().join("protos/broken.proto");
    std::fs::write(
        &broken,
        "syntax = \"proto3\";\nmessage A {\n  int32 x = ;\n}\n",
    )
    .unwrap();
    let text = CONFIG.replace("protos/shop.proto", "protos/broken.proto");
    std::fs::write(&config, &text).unwrap();
    let out = run(&[
        "decoders",
        "check",
        db,
        "--decoders",
        config.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 12"), "the rule's line: {stderr}");
    assert!(
        stderr.contains("broken.proto:3:"),
        "the .proto's line: {stderr}"
    );

    std::fs::write(&config, CONFIG.replace("shop.Order", "shop.Basket")).unwrap();
    let out = run(&[
        "decoders",
        "check",
        db,
        "--decoders",
        config.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "message \"shop.Basket\" is not in protos/shop.proto: it defines shop.Item, shop.Order"
        ),
        "{stderr}"
    );
}

/// The real binary in a terminal with the config: keys in their layout, the protobuf
/// value decoded and `v` for its bytes, a field filter typed as a person would, and a
/// go-to in the layout.
#[test]
fn the_tui_browses_filters_and_seeks_by_decoded_fields() {
    let (_dir, db, config) = shop_db();
    let mut s = crate::pty::Session::start(
        &[db.to_str().unwrap(), "--decoders", config.to_str().unwrap()],
        &[],
    );
    s.wait_for("cb:513");
    s.wait_for("pb:region=eu id=42");
    s.wait_for("cbor · 35 B · v raw");
    s.wait_for("\"when\": {");
    s.send("v");
    s.wait_for("raw · v decoded");
    s.send("v");
    s.send("/\t\t");
    s.wait_for("filter, decoded field");
    // Ctrl-U clears what is typed: otherwise "zzz" would run into the test.
    s.send("zzz\x15cpu > 80\r");
    s.wait_for("keys · where cpu > 80");
    s.wait_for("matched 2 in 7 (1 undecoded)");
    s.send("\x1b");
    s.wait_gone("where cpu > 80");
    s.send(":pb:region=us\r");
    s.wait_for("\"customer\": \"bo\"");
    s.send("q");
    assert_eq!(s.wait_exit(), 0);
}

/// A rule for a column family the database lacks is refused with the file and line (a
/// typo would otherwise decode nothing, silently); a config beside the database is found
/// from inside its directory too.
#[test]
fn a_rule_for_a_missing_column_family_is_named_and_dot_finds_the_config() {
    let (dir, db, config) = shop_db();
    let typo = dir.path().join("typo.toml");
    std::fs::write(
        &typo,
        CONFIG.replace("prefix = \"cb:\"", "cf = \"defualt\"\nprefix = \"cb:\""),
    )
    .unwrap();
    let out = run(&[
        "scan",
        db.to_str().unwrap(),
        "--where",
        "cpu > 1",
        "--decoders",
        typo.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}, line 7: rule 2 names column family \"defualt\"",
            typo.display()
        )),
        "{stderr}"
    );
    let beside = db.with_file_name(format!(
        "{}.decoders.toml",
        db.file_name().unwrap().to_str().unwrap()
    ));
    std::fs::copy(&config, &beside).unwrap();
    // protos/ beside the config it names.
    let check = Command::new(env!("CARGO_BIN_EXE_spear-inspect"))
        .args(["decoders", "check", "."])
        .current_dir(&db)
        .output()
        .unwrap();
    let stdout = ok(&check);
    assert!(
        stdout.starts_with(&format!("decoder config {}", beside.display())),
        "{stdout}"
    );
}

/// `history --decode`: each WAL version and the value now, decoded, or the rule's error.
#[test]
fn history_decode_shows_each_version_and_now() {
    let (_dir, db, config) = shop_db();
    let (db, config) = (db.to_str().unwrap(), config.to_str().unwrap());
    let key = format!("0x{}", hex(b"mp:\x00\x00\x00\x07"));
    let out = run(&[
        "history",
        "--key-hex",
        db,
        &key,
        "--decode",
        "--decoders",
        config,
    ]);
    let text = ok(&out);
    assert!(
        text.contains("decoded: {\"status\":\"Unhealthy\""),
        "{text}"
    );
    let broken = format!("0x{}", hex(b"mp:\x00\x00\x00\x09"));
    let out = run(&[
        "history",
        "--key-hex",
        db,
        &broken,
        "--decode",
        "--decoders",
        config,
    ]);
    let text = ok(&out);
    assert!(text.contains("decoded: error: msgpack:"), "{text}");
}
