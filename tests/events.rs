//! Upstream Spear-Next's event streams: records written as upstream writes them (raw
//! keys, JSON envelopes built here, payloads encoded by `prost`), read back through the
//! `events` subcommand and the Events screen.

use std::path::Path;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use spear_next::inspector::input::action::Action;
use spear_next::inspector::screens::events::EventsView;
use spear_next::inspector::source::{Access, Source};
use spear_next::inspector::state::App;
use spear_next::inspector::ui;

use crate::cli::run;
use crate::common::{drive, temp_db};

/// `sms.TaskEvent` as upstream's `proto/sms/task.proto` defines it.
#[derive(Clone, PartialEq, prost::Message)]
struct TaskEvent {
    #[prost(int64, tag = "1")]
    event_id: i64,
    #[prost(int64, tag = "2")]
    ts: i64,
    #[prost(string, tag = "3")]
    node_uuid: String,
    #[prost(string, tag = "4")]
    task_id: String,
    #[prost(int32, tag = "5")]
    kind: i32,
    #[prost(string, optional, tag = "7")]
    execution_id: Option<String>,
}

/// `sms.LogRef` and `sms.Execution` from `proto/sms/execution.proto`.
#[derive(Clone, PartialEq, prost::Message)]
struct LogRef {
    #[prost(string, tag = "1")]
    backend: String,
    #[prost(string, tag = "2")]
    uri_prefix: String,
}

#[derive(Clone, PartialEq, prost::Message)]
struct Execution {
    #[prost(string, tag = "1")]
    execution_id: String,
    #[prost(string, tag = "3")]
    task_id: String,
    #[prost(int32, tag = "7")]
    status: i32,
    #[prost(int64, tag = "8")]
    started_at_ms: i64,
    #[prost(message, optional, tag = "10")]
    log_ref: Option<LogRef>,
    #[prost(map = "string, string", tag = "11")]
    metadata: std::collections::HashMap<String, String>,
}

/// An envelope exactly as upstream's `StoredEnvelope` serialises (fields in its order,
/// bytes as arrays of numbers).
fn envelope(stream: &str, seq: u64, type_url: &str, payload: &[u8]) -> String {
    serde_json::json!({
        "event_id": format!("00000000-0000-4000-8000-{seq:012}"),
        "ts_ms": 1_764_072_000_000i64 + seq as i64 * 1000,
        "stream": stream, "seq": seq, "resource_type": 1, "resource_id": "task-1", "op": 1,
        "schema_version": 1, "node_uuid": "n1", "correlation_id": "", "headers": {},
        "payload_type_url": type_url, "payload_value": payload, "payload_bytes": [],
        "content_type": "application/protobuf",
    })
    .to_string()
}

/// A stream `all` with sequence numbers 1, 2, 10, 100, 101 (byte order would put 10 and
/// 100 before 2), its counter at 101, and 4 to 8 written and deleted; a stream `node.n1` whose counter ran ahead; one
/// execution event; and per-node task events.
fn write_streams(path: &Path) {
    use prost::Message;
    let db = rocksdb::DB::open_default(path).unwrap();
    for seq in [1u64, 2, 10, 100, 101] {
        let payload = TaskEvent {
            event_id: 0,
            ts: 1_764_072_000 + seq as i64,
            node_uuid: "n1".into(),
            task_id: format!("task-{seq}"),
            kind: 2,
            execution_id: None,
        }
        .encode_to_vec();
        let value = envelope("all", seq, "type.googleapis.com/sms.TaskEvent", &payload);
        db.put(format!("events:all:{seq}"), value).unwrap();
    }
    // 4 to 8 written and deleted again (the WAL holds both); 3, 9 and 11 to 99 never.
    for seq in 4..=8u64 {
        let value = envelope("all", seq, "", &[]);
        db.put(format!("events:all:{seq}"), value).unwrap();
        db.delete(format!("events:all:{seq}")).unwrap();
    }
    db.put("events_counter:all", "101").unwrap();
    let execution = Execution {
        execution_id: "exec-9".into(),
        task_id: "task-1".into(),
        status: 4,
        started_at_ms: 1_764_072_000_123,
        log_ref: Some(LogRef {
            backend: "file".into(),
            uri_prefix: "logs/exec-9".into(),
        }),
        metadata: [("region".to_string(), "eu".to_string())].into(),
    }
    .encode_to_vec();
    for seq in 1..=3u64 {
        let value = envelope(
            "node.n1",
            seq,
            "type.googleapis.com/sms.Execution",
            &execution,
        );
        db.put(format!("events:node.n1:{seq}"), value).unwrap();
    }
    db.put("events_counter:node.n1", "5").unwrap();
    db.put(
        "task_events:n1:7",
        r#"{"event_id":7,"ts":1764072000,"node_uuid":"n1","task_id":"task-1","kind":1,"execution_id":"task-event-n1-7"}"#,
    )
    .unwrap();
    db.put("task_events_counter:n1", "7").unwrap();
    for id in ["i-1", "i-2"] {
        db.put(
            format!("instance:{id}"),
            r#"{"instance_id":"i-1","status":1}"#,
        )
        .unwrap();
    }
}

fn json_lines(output: &std::process::Output) -> Vec<serde_json::Value> {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn streams_list_counters_and_flag_disagreements() {
    let (_dir, path) = temp_db();
    write_streams(&path);
    let streams = json_lines(&run(&["events", path.to_str().unwrap()]));
    let by_name = |name: &str| {
        streams
            .iter()
            .find(|s| s["stream"] == name)
            .unwrap_or_else(|| panic!("{name} in {streams:?}"))
    };
    let all = by_name("all");
    assert_eq!(
        (all["stored"].as_u64(), all["counter"].as_u64()),
        (Some(5), Some(101))
    );
    assert_eq!(
        (all["first_seq"].as_u64(), all["last_seq"].as_u64()),
        (Some(1), Some(101))
    );
    // 5 stored of 101 handed out: below the cap, every one should still be there.
    assert!(
        all["mismatch"]
            .as_str()
            .unwrap()
            .contains("5 stored, 101 expected")
    );
    let node = by_name("node.n1");
    assert!(
        node["mismatch"]
            .as_str()
            .unwrap()
            .contains("counter 5, newest stored 3")
    );
    let with_namespaces = json_lines(&run(&["events", path.to_str().unwrap(), "--namespaces"]));
    assert!(
        with_namespaces
            .iter()
            .any(|l| l["namespace"] == "instance:" && l["keys"] == 2),
        "{with_namespaces:?}"
    );
    let tasks = by_name("n1");
    assert_eq!(tasks["kind"], "task_events");
    assert!(
        tasks["mismatch"]
            .as_str()
            .unwrap()
            .contains("1 stored, 7 expected")
    );
}

#[test]
fn events_come_newest_first_by_number_with_payloads_decoded() {
    let (_dir, path) = temp_db();
    write_streams(&path);
    let p = path.to_str().unwrap();
    let events = json_lines(&run(&["events", p, "--stream", "all"]));
    let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, [101, 100, 10, 2, 1], "numeric order, not byte order");
    let fields = &events[0]["payload"]["message"]["fields"];
    assert_eq!(
        events[0]["payload"]["message"]["type_name"],
        "sms.TaskEvent"
    );
    let field = |fields: &serde_json::Value, name: &str| {
        fields
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f[0] == name)
            .map(|f| f[1].as_str().unwrap().to_string())
    };
    assert_eq!(field(fields, "task_id").as_deref(), Some("task-101"));
    assert_eq!(field(fields, "kind").as_deref(), Some("UPDATE"));
    assert_eq!(field(fields, "ts").as_deref(), Some("1764072101"));

    let executions = json_lines(&run(&["events", p, "--stream", "node.n1", "--limit", "1"]));
    assert_eq!(executions.len(), 1);
    let fields = &executions[0]["payload"]["message"]["fields"];
    assert_eq!(field(fields, "status").as_deref(), Some("FAILED"));
    assert_eq!(
        field(fields, "log_ref.uri_prefix").as_deref(),
        Some("logs/exec-9")
    );
    assert_eq!(field(fields, "metadata.region").as_deref(), Some("eu"));
    assert_eq!(
        field(fields, "started_at_ms").as_deref(),
        Some("1764072000123")
    );

    let tasks = json_lines(&run(&["events", p, "--stream", "n1", "--task-events"]));
    assert_eq!(tasks[0]["task_event"]["execution_id"], "task-event-n1-7");
    let missing = run(&["events", p, "--stream", "nope"]);
    assert_eq!(missing.status.code(), Some(2));
}

fn events_app(path: &Path, height: u16) -> (Source, App) {
    let source = Source::open(path, false).unwrap();
    let mut app = App::new(
        "/srv/spear/events",
        Access::ReadOnlySnapshot,
        source.column_families().to_vec(),
        "default".into(),
    );
    app.session.color = false;
    app.set_list_rows(ui::list_rows(height));
    let initial = app.initial_commands();
    drive(&mut app, &source, initial);
    let commands = app.update(Action::Screen(5));
    drive(&mut app, &source, commands);
    (source, app)
}

#[test]
fn events_screen_snapshots() {
    let (_dir, path) = temp_db();
    write_streams(&path);
    for (width, height) in [(80u16, 24u16), (120, 40)] {
        let (source, mut app) = events_app(&path, height);
        for (name, actions) in [
            ("events", vec![]),
            (
                "events_detail",
                vec![Action::Down, Action::NextPage, Action::Open],
            ),
        ] {
            for action in actions {
                let commands = app.update(action);
                drive(&mut app, &source, commands);
            }
            let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
            terminal.draw(|frame| ui::draw(frame, &app)).unwrap();
            insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
                insta::assert_snapshot!(format!("{name}_{width}x{height}"), terminal.backend());
            });
        }
    }
}

/// The missing numbers of a stream come as ranges, newest first, each with what the live
/// WAL knows: 4-8 of the gap 3-9 written and deleted, 11-99 nothing.
#[test]
fn gaps_are_ranges_with_what_the_wal_knows() {
    use spear_next::inspector::spear::events::{StreamKind, stream_gaps, stream_index};
    let (_dir, path) = temp_db();
    write_streams(&path);
    let source = Source::open(&path, false).unwrap();
    let index = stream_index(&source, "default", StreamKind::Events, "all").unwrap();
    let gaps = stream_gaps(
        &source,
        "default",
        StreamKind::Events,
        "all",
        &index,
        Some(101),
        &|| false,
    )
    .unwrap()
    .unwrap();
    assert_eq!(gaps.expected, Some((1, 101)));
    assert_eq!(gaps.missing, 96);
    let found: Vec<_> = gaps
        .gaps
        .iter()
        .map(|g| (g.first, g.last, g.touched, g.puts, g.deletes))
        .collect();
    assert_eq!(
        found,
        [(11, 99, None, 0, 0), (3, 9, Some((4, 8)), 5, 5)],
        "{gaps:?}"
    );
    assert_eq!(gaps.wal.files, 1);
    assert!(gaps.wal.error.is_none() && gaps.wal.damaged.is_empty());
    // The same for scripts.
    let cli = json_lines(&run(&[
        "events",
        path.to_str().unwrap(),
        "--stream",
        "all",
        "--gaps",
    ]));
    assert_eq!(cli[0]["missing"], 96);
    assert_eq!(cli[0]["gaps"][1]["touched"], serde_json::json!([4, 8]));
    // Once flushed out of the WAL, nothing is known of 4-8 either.
    drop(source);
    let db = rocksdb::DB::open_default(&path).unwrap();
    db.flush().unwrap();
    drop(db);
    let source = Source::open(&path, false).unwrap();
    let gaps = stream_gaps(
        &source,
        "default",
        StreamKind::Events,
        "all",
        &index,
        Some(101),
        &|| false,
    )
    .unwrap()
    .unwrap();
    assert!(gaps.gaps.iter().all(|g| g.touched.is_none()), "{gaps:?}");
}

/// On a live database the screen follows new events: every tick re-reads the streams and
/// the newest page.
#[test]
fn new_events_appear_on_the_next_tick() {
    let (_dir, path) = temp_db();
    write_streams(&path);
    let source = Source::open(&path, true).unwrap();
    let mut app = App::new(
        "db",
        Access::LiveSecondary,
        source.column_families().to_vec(),
        "default".into(),
    );
    let initial = app.initial_commands();
    drive(&mut app, &source, initial);
    let commands = app.update(Action::Screen(5));
    drive(&mut app, &source, commands);
    assert_eq!(
        app.screen::<EventsView>().page.first().map(|e| e.seq),
        Some(101)
    );
    let value = envelope("all", 102, "", &[]);
    source.db().unwrap().put("events:all:102", value).unwrap();
    source
        .db()
        .unwrap()
        .put("events_counter:all", "102")
        .unwrap();
    let commands = app.tick(chrono::Utc::now());
    drive(&mut app, &source, commands);
    assert_eq!(
        app.screen::<EventsView>().page.first().map(|e| e.seq),
        Some(102),
        "the new event on top"
    );
    let all = app
        .screen::<EventsView>()
        .streams
        .as_ref()
        .unwrap()
        .iter()
        .find(|s| s.stream == "all")
        .unwrap();
    assert_eq!((all.stored, all.counter), (6, Some(102)));
}
