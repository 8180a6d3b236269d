//! Decoding must not slow browsing: the Keys screen's first frame on a page of 1,024
//! composite keys with a protobuf value selected, with and without the decoder config
//! (same run); compiling a 50-message `.proto` set at start-up; and a field filter beside
//! the contains filter over every key of `SPEAR_BENCH_DB` (the 1M-key reference).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use spear_next::inspector::decoders::Decoders;
use spear_next::inspector::decoders::query::FieldQuery;
use spear_next::inspector::source::{Access, Entry, Page};
use spear_next::inspector::state::App;
use spear_next::inspector::ui;
use spear_next::inspector::worker::{
    Body, Command, Context, Event, FilterTest, Job, Kind, Placement, Request,
};

/// `shop.Order` as Python's protobuf runtime wrote it (`tests/encoders/encode.py`).
const ORDER: &str = "082a1203616e6e180222070a03782d311003290000000000002340320a0a047a6f6e65120265753a06088095dcca064005";

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn encoders_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/encoders")
}

/// Composite keys and protobuf values, the way a config describes `blk:` keys.
fn shop_rules() -> Decoders {
    let config = r#"
[[rule]]
prefix = "blk:"
key = ["block:u32be", "kind:u8{1=put,2=delete}", "who:cstr"]
value = "protobuf"
proto_files = ["shop.proto"]
message = "shop.Order"
"#;
    Decoders::parse(&encoders_dir().join("bench.toml"), config).unwrap()
}

fn blk_key(i: u32) -> Vec<u8> {
    let mut key = b"blk:".to_vec();
    key.extend(i.to_be_bytes());
    key.push(1 + (i % 2) as u8);
    key.extend(b"node-7\0");
    key
}

/// From a new app to the first frame: a page of 1,024 keys arrives, the first key's
/// value arrives, and the screen is drawn at 120x40.
fn first_frame(rules: Option<&Arc<Decoders>>, value: &[u8], terminal: &mut Terminal<TestBackend>) {
    let mut app = App::new(
        "db",
        Access::ReadOnlySnapshot,
        vec!["default".into()],
        "default".into(),
    );
    app.session.decoders = rules.cloned();
    app.set_list_rows(ui::list_rows(40));
    let page = app
        .initial_commands()
        .into_iter()
        .find_map(|c| match c {
            Command::Run(r) if r.ticket.kind == Kind::Page => Some(r),
            _ => None,
        })
        .unwrap();
    let entries = (0..1024)
        .map(|i| Entry {
            key: blk_key(i),
            value_len: value.len(),
        })
        .collect();
    let follow = app.on_event(Event {
        ticket: page.ticket,
        context: page.context,
        body: Body::Page {
            placement: Placement::Replace,
            page: Page {
                entries,
                at_start: true,
                at_end: false,
                skipped: Vec::new(),
            },
        },
    });
    let read = follow
        .into_iter()
        .find_map(|c| match c {
            Command::Run(r) if r.ticket.kind == Kind::Value => Some(r),
            _ => None,
        })
        .unwrap();
    app.on_event(Event {
        ticket: read.ticket,
        context: read.context,
        body: Body::Value {
            key: blk_key(0),
            value: Some((value.to_vec(), value.len())),
        },
    });
    terminal
        .draw(|frame| ui::draw(frame, black_box(&app)))
        .unwrap();
}

fn keys_first_frame(c: &mut Criterion) {
    let value = unhex(ORDER);
    let rules = Arc::new(shop_rules());
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    // What is timed is what is meant: decoded keys and value on one, bytes on the other.
    let screen = |terminal: &Terminal<TestBackend>| format!("{:?}", terminal.backend());
    first_frame(Some(&rules), &value, &mut terminal);
    assert!(screen(&terminal).contains("blk:block=0 kind=put who=node-7"));
    assert!(screen(&terminal).contains("protobuf shop.Order"));
    first_frame(None, &value, &mut terminal);
    assert!(!screen(&terminal).contains("protobuf shop.Order"));
    let mut group = c.benchmark_group("keys_first_frame_1024");
    group.bench_function("raw", |b| {
        b.iter(|| first_frame(None, &value, &mut terminal))
    });
    group.bench_function("composite_keys_protobuf_values", |b| {
        b.iter(|| first_frame(Some(&rules), &value, &mut terminal))
    });
    group.finish();
}

/// A `.proto` set of 50 messages (10 files of 5, each file importing the one before),
/// with enums, nested messages, maps and well-known types.
fn write_proto_set(dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    for f in 0..10 {
        let mut text = String::from(
            "syntax = \"proto3\";\npackage bench;\nimport \"google/protobuf/timestamp.proto\";\n",
        );
        if f > 0 {
            text.push_str(&format!("import \"set{}.proto\";\n", f - 1));
        }
        text.push_str(&format!(
            "enum Kind{f} {{ KIND{f}_UNKNOWN = 0; KIND{f}_A = 1; KIND{f}_B = 2; }}\n"
        ));
        for m in 0..5 {
            let n = f * 5 + m;
            text.push_str(&format!("message M{n} {{\n  uint64 id = 1;\n  string name = 2;\n  Kind{f} kind = 3;\n  repeated string tags = 4;\n  map<string, int64> counters = 5;\n  google.protobuf.Timestamp at = 6;\n  double score = 7;\n  message Inner {{ bytes blob = 1; sint32 delta = 2; }}\n  repeated Inner inner = 8;\n"));
            if n > 0 {
                text.push_str(&format!("  M{} previous = 9;\n", n - 1));
            }
            text.push_str("}\n");
        }
        let name = format!("set{f}.proto");
        std::fs::write(dir.join(&name), text).unwrap();
        names.push(name);
    }
    names
}

fn proto_compile(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let files = write_proto_set(dir.path());
    let list = files
        .iter()
        .map(|f| format!("{f:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    let config = format!(
        "[[rule]]\nprefix = \"m:\"\nvalue = \"protobuf\"\nproto_files = [{list}]\nmessage = \"bench.M49\"\n"
    );
    let path = dir.path().join("decoders.toml");
    c.bench_function("proto_compile_50_messages", |b| {
        b.iter(|| Decoders::parse(&path, black_box(&config)).unwrap())
    });
}

/// The worker's filter over every key of a database, to its final answer: the contains
/// filter (a text no key holds) beside field filters. On `SPEAR_BENCH_DB` (db_bench's
/// 16-byte keys, opaque values) the field is a key field (a big-endian u64 and 8 bytes);
/// on `SPEAR_BENCH_JSON_DB` (JSON node records, `scripts/bench-decoders.sh`) a value's
/// field, by text (`status == Unhealthy`) and by number (`cpu > 80`).
fn field_filter(c: &mut Criterion) {
    let key_rules = "[[rule]]\nkey = [\"n:u64be\", \"pad:bytes8\"]\n";
    let json_rules = "[[rule]]\nprefix = \"node:\"\nvalue = \"json\"\n";
    let runs = [
        (
            "SPEAR_BENCH_DB",
            key_rules,
            vec![("field_key_u64", "key.n == 18446744073709551615")],
        ),
        (
            "SPEAR_BENCH_JSON_DB",
            json_rules,
            vec![
                ("field_text", "status == Unhealthy"),
                ("field_number", "cpu > 80"),
            ],
        ),
    ];
    for (var, config, fields) in runs {
        let Some(db) = std::env::var_os(var) else {
            eprintln!("field_filter: set {var} to a database directory to measure it");
            continue;
        };
        let source = spear_next::inspector::source::Source::open(Path::new(&db), false).unwrap();
        let rules = Arc::new(Decoders::parse(Path::new("bench.toml"), config).unwrap());
        let mut tests = vec![(
            "contains",
            FilterTest::Contains(b"no key holds this".to_vec()),
        )];
        for (name, query) in fields {
            tests.push((
                name,
                FilterTest::Field {
                    decoders: rules.clone(),
                    query: Box::new(FieldQuery::parse(query).unwrap()),
                },
            ));
        }
        let mut group = c.benchmark_group(format!("filter_{}", var.to_lowercase()));
        group.sample_size(10);
        for (name, test) in tests {
            group.bench_function(name, |b| {
                b.iter(|| {
                    let job = Job::Filter {
                        test: test.clone(),
                        cap: 1000,
                    };
                    let request = Request::new(1, Context::cf("default"), job);
                    let token = tokio_util::sync::CancellationToken::new();
                    let done = std::sync::atomic::AtomicBool::new(false);
                    spear_next::inspector::worker::run_request(&source, request, &token, &|e| {
                        if let Body::Filtered { undecoded, .. } = e.body {
                            assert_eq!(undecoded, 0, "every key fits its rule");
                            done.store(true, std::sync::atomic::Ordering::Relaxed);
                        }
                    });
                    assert!(done.into_inner(), "the filter answered");
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, keys_first_frame, proto_compile, field_filter);
criterion_main!(benches);
