//! The state layer under live use: every periodic read follows a running primary, answers
//! are applied with the context their request carried, one edit runs at a time and its
//! outcome is never dropped, and periodic work never piles up.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use spear_next::common::{NodeInfo, NodeStatus};
use spear_next::inspector::input::action::Action;
use spear_next::inspector::screens::keys::CountState;
use spear_next::inspector::screens::{keys::KeysState, nodes::NodesView, stats::StatsView};
use spear_next::inspector::source::{Access, Bounds, Source};
use spear_next::inspector::state::{App, Overlay};
use spear_next::inspector::ui;
use spear_next::inspector::worker::{Command, Job, Kind};

use crate::common::{act, drive, is_child, temp_db, write_fixture};

/// The node the writer child flips from offline to online.
const NODE: &str = "7d0c2a4e-1b9f-4c3e-9a55-2f6b8d1e0a11";

fn node(status: NodeStatus) -> Vec<u8> {
    let now = chrono::Utc::now();
    let mut node = NodeInfo::new_at(NODE.parse().unwrap(), "10.0.0.7", 8080, now);
    node.status = status;
    serde_json::to_vec(&node).unwrap()
}

fn wait_for(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The primary: holds the database, writes the node offline, then on cue marks it
/// online (in the WAL only), then on cue flushes. Started by
/// `nodes_and_stats_follow_a_running_primary`.
#[test]
#[ignore = "run by nodes_and_stats_follow_a_running_primary in its own process"]
fn node_writer_child() {
    if !is_child() {
        return;
    }
    let path = PathBuf::from(std::env::var_os("SPEAR_LIVE_DB").unwrap());
    let mut opts = rocksdb::Options::default();
    opts.create_if_missing(true);
    let db = rocksdb::DB::open(&opts, &path).unwrap();
    let key = format!("node:{NODE}");
    db.put(&key, node(NodeStatus::Inactive)).unwrap();
    db.flush().unwrap();
    std::fs::write(path.with_extension("ready"), b"").unwrap();
    wait_for(&path.with_extension("go"));
    db.put(&key, node(NodeStatus::Active)).unwrap();
    std::fs::write(path.with_extension("written"), b"").unwrap();
    wait_for(&path.with_extension("flush"));
    db.put(b"other", b"x").unwrap();
    db.flush().unwrap();
    std::fs::write(path.with_extension("flushed"), b"").unwrap();
    wait_for(&path.with_extension("stop"));
}

fn status_on_screen(app: &App) -> NodeStatus {
    app.screen::<NodesView>()
        .registry
        .as_ref()
        .expect("registries read")
        .nodes
        .records[0]
        .status
}

/// Defect 1: only the Keys screen caught up with the primary, so the Nodes and Stats
/// screens froze on a live database.
#[test]
fn nodes_and_stats_follow_a_running_primary() {
    let (_dir, path) = temp_db();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "live_state::node_writer_child",
            "--exact",
            "--ignored",
            "--test-threads=1",
        ])
        .env("SPEAR_TEST_CHILD", "1")
        .env("SPEAR_LIVE_DB", &path)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_for(&path.with_extension("ready"));
    let source = Source::open(&path, false).unwrap();
    assert_eq!(source.access(), Access::LiveSecondary);
    let mut app = App::new(
        "db",
        Access::LiveSecondary,
        vec!["default".into()],
        "default".into(),
    );
    app.set_list_rows(ui::list_rows(24));
    let initial = app.initial_commands();
    drive(&mut app, &source, initial);

    let commands = app.update(Action::Screen(2));
    drive(&mut app, &source, commands);
    assert_eq!(status_on_screen(&app), NodeStatus::Inactive);
    std::fs::write(path.with_extension("go"), b"").unwrap();
    wait_for(&path.with_extension("written"));
    let commands = app.tick(chrono::Utc::now());
    drive(&mut app, &source, commands);
    assert_eq!(
        status_on_screen(&app),
        NodeStatus::Active,
        "the Nodes screen's periodic read must catch up with the primary"
    );

    let commands = app.update(Action::Screen(4));
    drive(&mut app, &source, commands);
    let files = |app: &App| {
        app.screen::<StatsView>()
            .latest
            .as_ref()
            .unwrap()
            .sst_files
            .len()
    };
    let before = files(&app);
    std::fs::write(path.with_extension("flush"), b"").unwrap();
    wait_for(&path.with_extension("flushed"));
    let commands = app.tick(chrono::Utc::now());
    drive(&mut app, &source, commands);
    std::fs::write(path.with_extension("stop"), b"").unwrap();
    child.wait().unwrap();
    assert_eq!(
        files(&app),
        before + 1,
        "the Stats screen's poll must see the primary's new SST file"
    );
}

/// A write-mode session on the fixture database.
fn write_session() -> (tempfile::TempDir, Source, App) {
    let (dir, path) = temp_db();
    write_fixture(&path);
    let source = Source::open(&path, true).unwrap();
    let mut app = App::new(
        "db",
        Access::ReadWrite,
        source.column_families().to_vec(),
        "default".into(),
    );
    app.set_list_rows(ui::list_rows(24));
    let initial = app.initial_commands();
    drive(&mut app, &source, initial);
    (dir, source, app)
}

fn filter_prefix(app: &mut App, source: &Source, prefix: &str) {
    act(app, source, &[Action::StartFilter]);
    let mut actions: Vec<Action> = prefix.chars().map(Action::Input).collect();
    actions.push(Action::Submit);
    act(app, source, &actions);
}

fn count(source: &Source, cf: &str, prefix: &[u8]) -> usize {
    let mut n = 0;
    source
        .for_each(cf, &Bounds::prefix(prefix), None, |_, _| {
            n += 1;
            true
        })
        .unwrap();
    n
}

/// Defect 2: the undo of an edit took the column family on screen when the edit
/// finished, not the one it was made in.
#[test]
fn undo_restores_into_the_column_family_the_edit_was_made_in() {
    let (_dir, source, mut app) = write_session();
    act(&mut app, &source, &[Action::NextColumnFamily]);
    assert_eq!(app.session.cf, "events");
    filter_prefix(&mut app, &source, "event:00");
    act(&mut app, &source, &[Action::DeleteRange]);
    assert!(
        matches!(&app.overlay, Overlay::TypeToConfirm { cf, count: 10, .. } if cf == "events"),
        "{:?}",
        app.overlay
    );
    let mut actions: Vec<Action> = "event:00".chars().map(Action::Input).collect();
    actions.push(Action::Submit);
    let mut delete = Vec::new();
    for action in actions {
        delete = app.update(action);
    }
    assert_eq!(delete.len(), 1, "the prefix delete is on its way");
    // The user switches to `default` while the delete is still running.
    act(&mut app, &source, &[Action::NextColumnFamily]);
    assert_eq!(app.session.cf, "default");
    drive(&mut app, &source, delete);
    assert_eq!(count(&source, "events", b"event:00"), 0);
    let undo = app.writes.undo.as_ref().expect("the delete left an undo");
    assert_eq!(
        undo.cf, "events",
        "the undo belongs to the column family edited"
    );
    // Undo from `default` is refused; from `events` it restores there.
    act(&mut app, &source, &[Action::Undo]);
    assert!(
        app.session
            .message
            .as_ref()
            .unwrap()
            .text
            .contains("events")
    );
    assert_eq!(app.overlay, Overlay::Closed);
    act(
        &mut app,
        &source,
        &[
            Action::NextColumnFamily,
            Action::Undo,
            Action::FocusToggle,
            Action::Submit,
        ],
    );
    assert_eq!(count(&source, "events", b"event:00"), 10);
    assert_eq!(
        count(&source, "default", b"event:"),
        0,
        "nothing written into default"
    );
}

/// Defect 3: a cancelled prefix delete's pending bounds drove the next count into the
/// type-to-confirm dialog, for the old bounds.
#[test]
fn a_cancelled_prefix_delete_never_drives_a_later_count() {
    let (_dir, source, mut app) = write_session();
    filter_prefix(&mut app, &source, "key:00");
    let stale_delete_count = app.update(Action::DeleteRange);
    assert_eq!(stale_delete_count.len(), 1);
    // Esc stops the count for the delete (and says so), the next dismisses that
    // message, the third clears the filter.
    act(&mut app, &source, &[Action::Back]);
    assert!(
        app.session
            .message
            .as_ref()
            .unwrap()
            .text
            .contains("count stopped")
    );
    act(&mut app, &source, &[Action::Back, Action::Back]);
    filter_prefix(&mut app, &source, "key:01");
    // The cancelled count finishing late changes nothing.
    drive(&mut app, &source, stale_delete_count);
    assert_eq!(app.overlay, Overlay::Closed);
    act(&mut app, &source, &[Action::Count]);
    assert_eq!(
        app.overlay,
        Overlay::Closed,
        "a plain count opens no dialog"
    );
    assert_eq!(app.screen::<KeysState>().count, CountState::Done(100));
    // A delete asked now confirms exactly the keys on screen.
    act(&mut app, &source, &[Action::DeleteRange]);
    match &app.overlay {
        Overlay::TypeToConfirm {
            bounds,
            prefix,
            count,
            ..
        } => {
            assert_eq!(*bounds, Bounds::prefix(b"key:01"));
            assert_eq!(prefix, "key:01");
            assert_eq!(*count, 100);
        }
        other => panic!("{other:?}"),
    }
}

/// Defect 4: a second edit while one ran made the first one's outcome stale, losing its
/// summary, undo and errors.
#[test]
fn one_edit_at_a_time_and_its_outcome_is_never_dropped() {
    let (_dir, source, mut app) = write_session();
    act(&mut app, &source, &[Action::DeleteKey, Action::FocusToggle]);
    let first = app.update(Action::Submit);
    assert_eq!(first.len(), 1);
    // While it runs, another edit is refused, and nothing is sent.
    for action in [Action::DeleteKey, Action::Undo, Action::NewKey] {
        let commands = app.update(action);
        assert!(commands.is_empty(), "{action:?} sent {commands:?}");
        assert_eq!(app.overlay, Overlay::Closed);
        let message = &app.session.message.as_ref().unwrap().text;
        assert!(message.contains("still running"), "{message}");
    }
    // A newer request of another kind does not make the edit's answer stale.
    act(&mut app, &source, &[Action::Refresh, Action::Down]);
    drive(&mut app, &source, first);
    assert!(
        app.session
            .message
            .as_ref()
            .unwrap()
            .text
            .contains("deleted key:0000"),
        "{:?}",
        app.session.message
    );
    assert!(app.writes.undo.is_some());
    assert!(app.writes.edit.is_none(), "the next edit may start");
}

/// The worker never cancels a change for a newer one: both edits are answered.
#[tokio::test(flavor = "multi_thread")]
async fn the_worker_answers_every_edit() {
    use spear_next::inspector::worker::{self, Body, Context, Request};
    use spear_next::inspector::write::edit::Edit;
    let (_dir, path) = temp_db();
    write_fixture(&path);
    let source = std::sync::Arc::new(Source::open(&path, true).unwrap());
    let (handle, mut events) = worker::spawn(source);
    for id in 1..=2u64 {
        let key = format!("key:{id:04}").into_bytes();
        handle.send(Request::new(
            id,
            Context::cf("default"),
            Job::Edit(Edit::Delete { key }),
        ));
    }
    let mut answered = Vec::new();
    while answered.len() < 2 {
        let event = tokio::time::timeout(Duration::from_secs(20), events.recv())
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(event.body, Body::Edited(_)), "{:?}", event.body);
        answered.push(event.ticket.id);
    }
    answered.sort();
    assert_eq!(answered, [1, 2]);
}

fn kinds(commands: &[Command]) -> Vec<Kind> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::Run(r) => Some(r.ticket.kind),
            Command::Cancel(_) => None,
        })
        .collect()
}

/// The fixture opened read-only, and an app that takes it for a live secondary (so ticks
/// follow it), its first reads answered.
fn live_app_on_the_fixture() -> (tempfile::TempDir, Source, App) {
    let (dir, path) = temp_db();
    write_fixture(&path);
    let source = Source::open(&path, false).unwrap();
    let mut app = App::new(
        "db",
        Access::LiveSecondary,
        vec!["default".into()],
        "default".into(),
    );
    let initial = app.initial_commands();
    drive(&mut app, &source, initial);
    (dir, source, app)
}

/// Defect 5: every tick started another registry read and stats poll, whether or not
/// the last one had finished.
#[test]
fn periodic_reads_never_pile_up() {
    let (_dir, source, mut app) = live_app_on_the_fixture();
    let opening = app.update(Action::Screen(2));
    assert_eq!(kinds(&opening), [Kind::Registry]);
    assert!(app.showing::<NodesView>());
    // The registry read has not answered yet: ticks only add the first stats poll.
    let first = app.tick(chrono::Utc::now());
    assert_eq!(kinds(&first), [Kind::Stats]);
    for _ in 0..5 {
        assert!(kinds(&app.tick(chrono::Utc::now())).is_empty());
    }
    // Once both answered, the next tick asks again, once each.
    drive(&mut app, &source, opening);
    drive(&mut app, &source, first);
    let mut next = kinds(&app.tick(chrono::Utc::now()));
    next.sort_by_key(|k| format!("{k:?}"));
    assert_eq!(next, [Kind::Registry, Kind::Stats]);
}

/// A superseded registry read stops early instead of reading the whole registry.
#[test]
fn a_cancelled_registry_read_stops() {
    let (_dir, path) = temp_db();
    {
        let db = rocksdb::DB::open_default(&path).unwrap();
        for i in 0..5000u32 {
            db.put(format!("node:{i:08}"), b"{}").unwrap();
        }
    }
    let source = Source::open(&path, false).unwrap();
    let asked = std::cell::Cell::new(0);
    let cancelled = || {
        asked.set(asked.get() + 1);
        true
    };
    let read =
        spear_next::inspector::spear::records::read_registries(&source, "default", &cancelled)
            .unwrap();
    assert!(read.is_none(), "a cancelled read returns nothing");
    assert_eq!(
        asked.get(),
        1,
        "it stopped at the first check, 1,024 records in"
    );
}

/// The Disk screen follows a live database: its files are read again every 10 s while it
/// is on show (a cold trial watched it show 234.71 MiB while `du -sb` grew from 175 to
/// 387 MB), and never while the last reading is unanswered; a running walk is not
/// stopped by it (only the files are asked for).
#[test]
fn the_disk_screen_reads_a_live_databases_files_again() {
    let (_dir, source, mut app) = live_app_on_the_fixture();
    let start = chrono::Utc::now();
    app.session.now = start;
    let opening = app.update(Action::Screen(6));
    assert!(kinds(&opening).contains(&Kind::Usage));
    drive(&mut app, &source, opening);
    let files = |commands: &[Command]| kinds(commands).contains(&Kind::Usage);
    assert!(!files(&app.tick(start + chrono::Duration::seconds(5))));
    let due = app.tick(start + chrono::Duration::seconds(11));
    assert!(files(&due), "{:?}", kinds(&due));
    assert!(
        !kinds(&due).contains(&Kind::Tombstones) && !kinds(&due).contains(&Kind::Keyspace),
        "only the files"
    );
    // Unanswered: not asked again.
    assert!(!files(&app.tick(start + chrono::Duration::seconds(30))));
    drive(&mut app, &source, due);
    assert!(files(&app.tick(start + chrono::Duration::seconds(42))));
}
