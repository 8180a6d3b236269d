//! Edits in the TUI, driven through `App` against real RocksDB directories: every write
//! action refused read-only, and in write mode asked first, applied atomically, undoable.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use spear_next::inspector::input::action::Action;
use spear_next::inspector::screens::{keys::KeysState, nodes::NodesView};
use spear_next::inspector::source::{Access, Source};
use spear_next::inspector::state::{App, Ask, Overlay};
use spear_next::inspector::ui;

use crate::common::{drive, temp_db, write_fixture};

const WRITE_ACTIONS: [Action; 8] = [
    Action::NewKey,
    Action::EditValue,
    Action::DeleteKey,
    Action::DeleteRange,
    Action::Undo,
    Action::MarkOffline,
    Action::MarkOnline,
    Action::RemoveNode,
];

struct Session {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    source: Source,
    app: App,
}

fn session(write: bool, demo: bool) -> Session {
    let (dir, path) = temp_db();
    if demo {
        use chrono::TimeZone;
        let now = chrono::Utc
            .with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
            .unwrap();
        tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(spear_next::inspector::demo::create(&path, now))
            .unwrap();
    } else {
        write_fixture(&path);
    }
    let source = Source::open(&path, write).unwrap();
    let access = if write {
        Access::ReadWrite
    } else {
        Access::ReadOnlySnapshot
    };
    let mut app = App::new(
        "/srv/spear/rocksdb",
        access,
        source.column_families().to_vec(),
        "default".into(),
    );
    app.session.color = false;
    // The clock the demo was made with: ages on screen do not depend on the real one.
    app.session.now = {
        use chrono::TimeZone;
        chrono::Utc
            .with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
            .unwrap()
    };
    app.set_list_rows(ui::list_rows(24));
    let initial = app.initial_commands();
    drive(&mut app, &source, initial);
    Session {
        _dir: dir,
        path,
        source,
        app,
    }
}

impl Session {
    fn act(&mut self, actions: &[Action]) {
        for action in actions {
            let requests = self.app.update(*action);
            drive(&mut self.app, &self.source, requests);
        }
    }

    fn typed(&mut self, text: &str) {
        let actions: Vec<Action> = text.chars().map(Action::Input).collect();
        self.act(&actions);
    }

    fn value(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.source
            .get("default", key, usize::MAX)
            .unwrap()
            .map(|(v, _)| v)
    }

    fn count_prefix(&self, prefix: &[u8]) -> usize {
        let mut n = 0;
        self.source
            .for_each(
                "default",
                &spear_next::inspector::source::Bounds::prefix(prefix),
                None,
                |_, _| {
                    n += 1;
                    true
                },
            )
            .unwrap();
        n
    }

    fn snapshot(&self, name: &str) {
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        terminal.draw(|frame| ui::draw(frame, &self.app)).unwrap();
        insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(format!("{name}_80x24"), terminal.backend());
        });
    }
}

#[test]
fn read_only_refuses_every_write_action_and_says_how_to_enable_writes() {
    for demo in [false, true] {
        let mut s = session(false, demo);
        for screen in [1, 2] {
            s.act(&[Action::Screen(screen)]);
            for action in WRITE_ACTIONS {
                s.app.session.message = None;
                let requests = s.app.update(action);
                assert!(requests.is_empty(), "{action:?} sent {requests:?}");
                assert_eq!(s.app.overlay, Overlay::Closed, "{action:?}");
                let message = s
                    .app
                    .session
                    .message
                    .as_ref()
                    .map(|m| m.text.clone())
                    .unwrap_or_default();
                assert!(message.contains("--write"), "{action:?}: {message:?}");
            }
        }
    }
}

#[test]
fn editing_a_json_value_validates_writes_and_undoes() {
    let mut s = session(true, false);
    assert_eq!(
        s.app.screen::<KeysState>().selected_entry().unwrap().key,
        b"key:0000"
    );
    s.act(&[Action::EditValue]);
    assert!(matches!(s.app.overlay, Overlay::Editor { .. }));
    s.snapshot("editor_json");
    // Break the JSON: the write is refused and the editor stays open with the reason.
    s.act(&[Action::Down, Action::LineEnd]);
    s.typed(" oops");
    s.act(&[Action::Back, Action::FocusToggle, Action::FocusToggle]);
    s.snapshot("editor_save_dialog_invalid");
    s.act(&[Action::Submit]);
    let Overlay::Editor {
        editor,
        dialog: None,
    } = &s.app.overlay
    else {
        panic!("{:?}", s.app.overlay)
    };
    assert!(editor.error.as_deref().unwrap().contains("not valid JSON"));
    let original = s.value(b"key:0000").unwrap();
    // Mend it and change a value: "id": 0 -> "id": 7.
    // Remove " oops", the comma and the 0.
    for _ in 0..7 {
        s.act(&[Action::Backspace]);
    }
    s.typed("7,");
    s.act(&[Action::Back]);
    assert!(
        matches!(
            s.app.overlay,
            Overlay::Editor {
                dialog: Some(0),
                ..
            }
        ),
        "the dialog focuses Keep editing"
    );
    s.act(&[Action::Submit]);
    assert!(
        matches!(s.app.overlay, Overlay::Editor { dialog: None, .. }),
        "Enter on Keep editing keeps editing"
    );
    s.act(&[
        Action::Back,
        Action::FocusToggle,
        Action::FocusToggle,
        Action::Submit,
    ]);
    assert_eq!(s.app.overlay, Overlay::Closed);
    let written = s.value(b"key:0000").unwrap();
    assert_eq!(
        written, br#"{"id":7,"name":"item 0","tags":["a","b"],"ok":true}"#,
        "compact, field order kept"
    );
    assert!(
        s.app
            .session
            .message
            .as_ref()
            .unwrap()
            .text
            .contains("wrote")
    );
    // Undo asks, then restores the old bytes.
    s.act(&[Action::Undo, Action::FocusToggle, Action::Submit]);
    assert_eq!(s.value(b"key:0000").unwrap(), original);
}

/// `n` with the name of a key that exists writes nothing until the user has seen the
/// value it would replace and said yes; Cancel keeps the old value.
#[test]
fn a_new_key_that_exists_asks_before_replacing_its_value() {
    let mut s = session(true, false);
    let old = s.value(b"key:0001").unwrap();
    let save = |s: &mut Session, text: &str| {
        s.act(&[Action::NewKey]);
        s.typed("key:0001");
        s.act(&[Action::Submit]);
        s.typed(text);
        s.act(&[
            Action::Back,
            Action::FocusToggle,
            Action::FocusToggle,
            Action::Submit,
        ]);
    };
    save(&mut s, "replacement");
    assert_eq!(s.value(b"key:0001").unwrap(), old, "nothing written yet");
    let Overlay::Confirm {
        ask: Ask::Edit { question, .. },
        ..
    } = &s.app.overlay
    else {
        panic!("a question, not {:?}", s.app.overlay);
    };
    assert!(
        question.contains("already exists")
            && question.contains("18 B")
            && question.contains("plain text value 1")
            && question.contains("11 B"),
        "{question}"
    );
    // Cancel (focused first) keeps the stored value.
    s.act(&[Action::Submit]);
    assert_eq!(s.value(b"key:0001").unwrap(), old);
    save(&mut s, "replacement");
    s.act(&[Action::FocusToggle, Action::Submit]);
    assert_eq!(s.value(b"key:0001").unwrap(), b"replacement");
    s.act(&[Action::Undo, Action::FocusToggle, Action::Submit]);
    assert_eq!(
        s.value(b"key:0001").unwrap(),
        old,
        "undo restores the old value"
    );
}

#[test]
fn a_new_key_through_the_editor() {
    let mut s = session(true, false);
    s.act(&[Action::NewKey]);
    s.typed("new:key");
    s.act(&[Action::Submit]);
    s.typed("line one");
    s.act(&[Action::Submit]);
    s.typed("line two");
    s.act(&[Action::Back, Action::FocusToggle, Action::Submit]);
    assert_eq!(
        s.app.session.message.as_ref().unwrap().text,
        "edit discarded"
    );
    assert_eq!(s.value(b"new:key"), None, "discard writes nothing");
    s.act(&[Action::NewKey]);
    s.typed("new:key");
    s.act(&[Action::Submit]);
    s.typed("hello");
    s.act(&[
        Action::Back,
        Action::FocusToggle,
        Action::FocusToggle,
        Action::Submit,
    ]);
    assert_eq!(s.value(b"new:key").unwrap(), b"hello");
    s.act(&[Action::Undo, Action::FocusToggle, Action::Submit]);
    assert_eq!(s.value(b"new:key"), None, "undoing a new key removes it");
}

#[test]
fn deleting_a_key_asks_with_cancel_focused() {
    let mut s = session(true, false);
    s.act(&[Action::Down, Action::DeleteKey]);
    s.snapshot("confirm_delete_key");
    s.act(&[Action::Submit]);
    assert!(
        s.value(b"key:0001").is_some(),
        "Enter on the default focus cancels"
    );
    s.act(&[Action::DeleteKey, Action::FocusToggle, Action::Submit]);
    assert_eq!(s.value(b"key:0001"), None);
    s.act(&[Action::Undo, Action::FocusToggle, Action::Submit]);
    assert_eq!(s.value(b"key:0001").unwrap(), b"plain text value 1");
}

#[test]
fn deleting_a_prefix_needs_the_prefix_typed_and_is_undoable() {
    let mut s = session(true, false);
    s.act(&[Action::DeleteRange]);
    assert!(
        s.app
            .session
            .message
            .as_ref()
            .unwrap()
            .text
            .contains("filter by a prefix first")
    );
    s.act(&[Action::StartFilter]);
    s.typed("key:01");
    s.act(&[Action::Submit, Action::DeleteRange]);
    let Overlay::TypeToConfirm { count, .. } = &s.app.overlay else {
        panic!("{:?}", s.app.overlay)
    };
    assert_eq!(*count, 100);
    s.typed("key:0");
    s.snapshot("confirm_delete_prefix");
    s.act(&[Action::Submit]);
    assert!(
        matches!(s.app.overlay, Overlay::TypeToConfirm { .. }),
        "a wrong prefix deletes nothing"
    );
    assert_eq!(s.count_prefix(b"key:01"), 100);
    s.typed("1");
    s.act(&[Action::Submit]);
    assert_eq!(s.count_prefix(b"key:01"), 0);
    assert_eq!(s.count_prefix(b"key:"), 200, "only that prefix");
    s.act(&[Action::Undo, Action::FocusToggle, Action::Submit]);
    assert_eq!(s.count_prefix(b"key:01"), 100, "undo restores every key");
}

#[test]
fn node_actions_go_through_the_registry_records() {
    let mut s = session(true, true);
    s.act(&[Action::Screen(2)]);
    let uuid = {
        let snapshot = s.app.screen::<NodesView>().registry.as_ref().unwrap();
        let Some(spear_next::inspector::screens::nodes::NodeRow::Node(i)) =
            s.app.screen::<NodesView>().selected()
        else {
            panic!()
        };
        snapshot.nodes.records[i].uuid
    };
    let node_key = format!("node:{uuid}");
    let resource_key = format!("resource:{uuid}");
    s.act(&[Action::MarkOnline, Action::FocusToggle, Action::Submit]);
    let record: spear_next::common::NodeInfo =
        serde_json::from_slice(&s.value(node_key.as_bytes()).unwrap()).unwrap();
    assert_eq!(record.status, spear_next::common::NodeStatus::Active);
    s.act(&[Action::MarkOffline, Action::FocusToggle, Action::Submit]);
    let record: spear_next::common::NodeInfo =
        serde_json::from_slice(&s.value(node_key.as_bytes()).unwrap()).unwrap();
    assert_eq!(record.status, spear_next::common::NodeStatus::Inactive);

    let had_resource = s.value(resource_key.as_bytes()).is_some();
    s.act(&[Action::RemoveNode]);
    s.snapshot("confirm_remove_node");
    s.act(&[Action::FocusToggle, Action::Submit]);
    assert_eq!(s.value(node_key.as_bytes()), None);
    assert_eq!(
        s.value(resource_key.as_bytes()),
        None,
        "its resource record goes with it"
    );
    assert!(!s.app.screen::<NodesView>().rows.is_empty());
    s.act(&[Action::Undo, Action::FocusToggle, Action::Submit]);
    assert!(s.value(node_key.as_bytes()).is_some());
    assert_eq!(s.value(resource_key.as_bytes()).is_some(), had_resource);
    let _ = &s.path;
}

/// Marking a node offline changes its status and nothing else: fields this build does not
/// know (a newer service's), their order and numbers too large for 64 bits survive.
#[test]
fn a_status_change_keeps_every_other_byte_of_the_record() {
    let (_dir, path) = temp_db();
    let uuid = "3f1c9a2e-8b7d-4e6f-9a1b-2c3d4e5f6a7b";
    let record = format!(
        r#"{{"uuid":"{uuid}","ip_address":"10.1.2.3","port":7000,"status":"online","last_heartbeat":"2026-11-25T11:59:30Z","registered_at":"2026-11-01T00:00:00Z","metadata":{{"zone":"a"}},"future_field":{{"shards":[1,2,3]}},"epoch":123456789012345678901234567890,"ratio":0.1000000000000000055511151231257827}}"#
    );
    {
        let db = rocksdb::DB::open_default(&path).unwrap();
        db.put(format!("node:{uuid}"), record.as_bytes()).unwrap();
    }
    let source = Source::open(&path, true).unwrap();
    let edit = spear_next::inspector::write::edit::Edit::SetNodeStatus {
        uuid: uuid.parse().unwrap(),
        status: spear_next::common::NodeStatus::Inactive,
    };
    spear_next::inspector::write::edit::apply(&source, "default", edit).unwrap();
    let stored = source
        .get("default", format!("node:{uuid}").as_bytes(), usize::MAX)
        .unwrap()
        .unwrap()
        .0;
    // Written as upstream Spear-Next writes statuses; nothing else changes.
    let expected = record.replace(r#""status":"online""#, r#""status":"Inactive""#);
    assert_eq!(String::from_utf8(stored).unwrap(), expected);
}

/// The JSON value editor writes numbers back with every digit, whatever their size: no
/// integer beyond 64 bits turns into a float, no decimal loses digits. (An exponent is
/// written with its sign: `1.5e300` comes back as `1.5e+300`, the same number.)
#[test]
fn big_numbers_survive_the_value_editor() {
    let value = br#"{"id":123456789012345678901234567890,"small":-7,"exact":0.1000000000000000055511151231257827,"f":1.5e300}"#;
    let editor = spear_next::inspector::state::editor::Editor::for_value(b"k".to_vec(), value);
    let written = String::from_utf8(editor.to_bytes().unwrap()).unwrap();
    assert_eq!(
        written,
        String::from_utf8_lossy(value).replace("1.5e300", "1.5e+300")
    );
}

/// An undo that would hold more than its byte cap is refused with the cap in the message,
/// before anything is deleted.
#[test]
fn a_prefix_delete_over_the_undo_byte_cap_is_refused() {
    let (_dir, path) = temp_db();
    {
        let db = rocksdb::DB::open_default(&path).unwrap();
        let big = vec![7u8; 1024 * 1024];
        for i in 0..70 {
            db.put(format!("blob:{i:03}"), &big).unwrap();
        }
    }
    let source = Source::open(&path, true).unwrap();
    let edit = spear_next::inspector::write::edit::Edit::DeleteRange {
        bounds: spear_next::inspector::source::Bounds::prefix(b"blob:"),
    };
    let err = spear_next::inspector::write::edit::apply(&source, "default", edit).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("bytes to delete with undo") && text.contains("67108864"),
        "{text}"
    );
    let mut left = 0;
    source
        .for_each(
            "default",
            &spear_next::inspector::source::Bounds::prefix(b"blob:"),
            None,
            |_, _| {
                left += 1;
                true
            },
        )
        .unwrap();
    assert_eq!(left, 70, "nothing deleted");
}
