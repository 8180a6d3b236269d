//! Every screen as an insta snapshot at 80x24 and 120x40, drawn from an `App` driven
//! against a fixture database; colours checked separately on the buffer.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};
use spear_next::inspector::input::action::Action;
use spear_next::inspector::screens::keys::CountState;
use spear_next::inspector::screens::{
    diff::DiffView, disk::DiskView, keys::KeysState, log::LogView,
};
use spear_next::inspector::source::{Access, Source};
use spear_next::inspector::state::App;
use spear_next::inspector::ui;
use spear_next::inspector::worker::{Body, Command, Context, Event, Kind, Ticket};

use crate::common::{drive, temp_db, write_fixture};

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

struct Fixture {
    _dir: tempfile::TempDir,
    source: Source,
}

fn fixture() -> Fixture {
    let (dir, path) = temp_db();
    write_fixture(&path);
    let source = Source::open(&path, false).unwrap();
    Fixture { _dir: dir, source }
}

fn app_for(f: &Fixture, access: Access, height: u16) -> App {
    let mut app = App::new(
        "/srv/spear/rocksdb",
        access,
        f.source.column_families().to_vec(),
        "default".into(),
    );
    app.session.color = false;
    app.set_list_rows(ui::list_rows(height));
    let initial = app.initial_commands();
    drive(&mut app, &f.source, initial);
    app
}

fn act(app: &mut App, f: &Fixture, actions: &[Action]) {
    for action in actions {
        let requests = app.update(*action);
        drive(app, &f.source, requests);
    }
}

fn typed(text: &str) -> Vec<Action> {
    text.chars().map(Action::Input).collect()
}

fn render(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| ui::draw(frame, app)).unwrap();
    terminal
}

/// Snapshots the screen reached by `actions` at both sizes.
fn snapshot(name: &str, access: Access, actions: &[Action]) {
    snapshot_on(&fixture(), name, access, actions, &|_| {});
}

/// Snapshots the screen reached by `actions` on `f` at both sizes, after `adjust` (which
/// fixes what varies from run to run).
fn snapshot_on(
    f: &Fixture,
    name: &str,
    access: Access,
    actions: &[Action],
    adjust: &dyn Fn(&mut App),
) {
    for (width, height) in SIZES {
        let mut app = app_for(f, access, height);
        act(&mut app, f, actions);
        adjust(&mut app);
        let terminal = render(&app, width, height);
        insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(format!("{name}_{width}x{height}"), terminal.backend());
        });
    }
}

#[test]
fn keys_json_value() {
    snapshot("keys_json", Access::ReadOnlySnapshot, &[]);
}

#[test]
fn keys_text_value() {
    snapshot("keys_text", Access::ReadOnlySnapshot, &[Action::Down]);
}

#[test]
fn keys_binary_value_as_hexdump() {
    snapshot(
        "keys_binary",
        Access::ReadOnlySnapshot,
        &[Action::Down, Action::Down],
    );
}

#[test]
fn keys_last_page_shows_binary_keys_escaped() {
    snapshot("keys_last", Access::LiveSecondary, &[Action::Last]);
}

#[test]
fn keys_as_hex() {
    snapshot(
        "keys_hex",
        Access::ReadOnlySnapshot,
        &[Action::Last, Action::ToggleHex],
    );
}

#[test]
fn filter_prompt() {
    let mut actions = vec![Action::StartFilter];
    actions.extend(typed("key:02"));
    snapshot("filter_prompt", Access::ReadOnlySnapshot, &actions);
}

#[test]
fn prefix_filter_applied_and_counted() {
    let mut actions = vec![Action::StartFilter];
    actions.extend(typed("key:02"));
    actions.extend([Action::Submit, Action::Count, Action::PageDown]);
    snapshot("filter_prefix", Access::ReadOnlySnapshot, &actions);
}

#[test]
fn substring_filter_with_progress() {
    let mut actions = vec![Action::StartFilter, Action::ToggleFilterKind];
    actions.extend(typed("99"));
    actions.push(Action::Submit);
    snapshot("filter_contains", Access::ReadOnlySnapshot, &actions);
}

#[test]
fn filter_without_matches() {
    let mut actions = vec![Action::StartFilter];
    actions.extend(typed("nothing:"));
    actions.push(Action::Submit);
    snapshot("filter_empty", Access::ReadOnlySnapshot, &actions);
}

#[test]
fn goto_key() {
    let mut actions = vec![Action::StartGoto];
    actions.extend(typed("key:0150"));
    actions.push(Action::Submit);
    snapshot("goto", Access::ReadOnlySnapshot, &actions);
}

/// The status bar of `app` drawn at 120x40, as text.
fn status_line(app: &App) -> String {
    let terminal = render(app, 120, 40);
    (0..120)
        .map(|x| terminal.backend().buffer()[(x, 38)].symbol().to_string())
        .collect()
}

/// Everything on the screen of `app` drawn at 120x40, as text.
fn screen_text(app: &App) -> String {
    let terminal = render(app, 120, 40);
    let buffer = terminal.backend().buffer();
    (0..40)
        .flat_map(|y| (0..120).map(move |x| (x, y)))
        .map(|(x, y)| buffer[(x, y)].symbol().to_string())
        .collect()
}

fn goto(text: &str) -> Vec<Action> {
    let mut actions = vec![Action::StartGoto];
    actions.extend(typed(text));
    actions.push(Action::Submit);
    actions
}

#[test]
fn goto_takes_a_key_as_the_list_shows_it() {
    let f = fixture();
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 24);
    let selected = |app: &App| {
        app.screen::<KeysState>()
            .selected_entry()
            .map(|e| e.key.clone())
    };
    // The list draws this key as `\xff\x00bin:3`; typed so, it is found.
    act(&mut app, &f, &goto("\\xff\\x00bin:3"));
    assert_eq!(selected(&app), Some(b"\xff\x00bin:3".to_vec()));
    assert_eq!(
        app.screen::<KeysState>()
            .value
            .as_ref()
            .map(|v| v.key.clone()),
        Some(b"\xff\x00bin:3".to_vec())
    );
    // With keys drawn as hex, the hex.
    act(&mut app, &f, &[Action::ToggleHex]);
    act(&mut app, &f, &goto("ff0062696e3a35"));
    assert_eq!(selected(&app), Some(b"\xff\x00bin:5".to_vec()));
    // A broken escape is an error, not a seek for the literal text.
    act(&mut app, &f, &[Action::ToggleHex]);
    act(&mut app, &f, &goto("key:\\q"));
    assert_eq!(selected(&app), Some(b"\xff\x00bin:5".to_vec()));
    let status = status_line(&app);
    assert!(status.contains("is not an escape"), "{status}");
}

#[test]
fn goto_past_the_last_key_says_so() {
    let f = fixture();
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 24);
    act(&mut app, &f, &[Action::Down]);
    assert!(app.screen::<KeysState>().value.is_some());
    act(&mut app, &f, &goto("\\xff\\x01"));
    assert!(app.screen::<KeysState>().window.entries.is_empty());
    assert!(
        app.screen::<KeysState>().value.is_none(),
        "the value pane does not keep the key before"
    );
    let screen = screen_text(&app);
    assert!(screen.contains("no key at or after \\xff\\x01"), "{screen}");
    assert!(
        !screen.contains("no keys in this column family"),
        "{screen}"
    );
    // The first key is one key press away.
    act(&mut app, &f, &[Action::First]);
    assert_eq!(
        app.screen::<KeysState>()
            .selected_entry()
            .map(|e| e.key.clone()),
        Some(b"key:0000".to_vec())
    );
}

#[test]
fn goto_past_the_end_snapshot() {
    let mut actions = vec![Action::Down];
    actions.extend(goto("\\xff\\x01"));
    snapshot("goto_past_end", Access::ReadOnlySnapshot, &actions);
}

#[test]
fn a_count_under_a_substring_filter_counts_its_matches() {
    let f = fixture();
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 24);
    let mut actions = vec![Action::StartFilter, Action::ToggleFilterKind];
    actions.extend(typed("99"));
    actions.extend([Action::Submit, Action::Count]);
    act(&mut app, &f, &actions);
    // key:0099, key:0199, key:0299 of 308.
    assert_eq!(app.screen::<KeysState>().count, CountState::Done(3));
    let status = status_line(&app);
    assert!(status.contains("│ 3 keys match │"), "{status}");
}

#[test]
fn a_finished_walk_replaces_the_estimate() {
    // 308 keys written; 200 of them deleted and 100 overwritten in the memtable: 108
    // remain, and RocksDB's estimate counts each overwrite twice.
    let (_dir, path) = temp_db();
    write_fixture(&path);
    let overwrites: Vec<(Vec<u8>, Vec<u8>)> = (200..300)
        .map(|i| (format!("key:{i:04}").into_bytes(), b"again".to_vec()))
        .collect();
    let puts: Vec<(&[u8], &[u8])> = overwrites
        .iter()
        .map(|(k, v)| (k.as_slice(), v.as_slice()))
        .collect();
    write_unflushed(&path, &puts);
    let f = Fixture {
        _dir,
        source: Source::open(&path, false).unwrap(),
    };
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 40);
    let estimate = app.screen::<KeysState>().estimate.expect("an estimate");
    assert!(estimate > 108, "the estimate is high here: {estimate}");
    let status = status_line(&app);
    assert!(
        status.contains(&format!("│ ~{estimate} keys (estimate; can be high) │")),
        "{status}"
    );
    // A substring scan over the whole column family counts every key on its way (the
    // 100 left of `key:NNNN` match; the 8 binary keys do not).
    let mut actions = vec![Action::StartFilter, Action::ToggleFilterKind];
    actions.extend(typed("key"));
    actions.push(Action::Submit);
    act(&mut app, &f, &actions);
    let status = status_line(&app);
    assert!(
        status.contains("│ 108 keys │ matched 100 in 108 │"),
        "{status}"
    );
    act(&mut app, &f, &[Action::Back]);
    let status = status_line(&app);
    assert!(status.contains("│ 108 keys │"), "{status}");
    assert!(!status.contains('~'), "{status}");

    // So does an exact count; another column family starts from its estimate again.
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 40);
    let mut actions = vec![Action::Count, Action::StartFilter];
    actions.extend(typed("key:02"));
    actions.extend([Action::Submit, Action::Back]);
    act(&mut app, &f, &actions);
    assert_eq!(app.screen::<KeysState>().count, CountState::Idle);
    let status = status_line(&app);
    assert!(status.contains("│ 108 keys │"), "{status}");
}

#[test]
fn help_overlay() {
    snapshot("help", Access::ReadOnlySnapshot, &[Action::ToggleHelp]);
}

#[test]
fn column_family_picker_and_switch() {
    snapshot(
        "cf_picker",
        Access::ReadOnlySnapshot,
        &[Action::PickColumnFamily, Action::Down],
    );
    snapshot(
        "cf_events",
        Access::ReadOnlySnapshot,
        &[Action::PickColumnFamily, Action::Down, Action::Submit],
    );
}

#[test]
fn write_mode_banner() {
    snapshot("write_mode", Access::ReadWrite, &[]);
}

#[test]
fn registry_screens_on_a_database_without_registries() {
    snapshot(
        "no_registry_nodes",
        Access::ReadOnlySnapshot,
        &[Action::Screen(2)],
    );
    snapshot(
        "no_registry_resources",
        Access::ReadOnlySnapshot,
        &[Action::Screen(3)],
    );
}

#[test]
fn errors_reach_the_status_line() {
    let f = fixture();
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 24);
    app.session.cf = "gone".into(); // as if the column family was dropped under us
    act(&mut app, &f, &[Action::Count]);
    assert_eq!(app.screen::<KeysState>().count, CountState::Idle);
    let terminal = render(&app, 120, 40);
    // The message names the temporary path, so this one is checked as text.
    let status: String = (0..120)
        .map(|x| terminal.backend().buffer()[(x, 38)].symbol().to_string())
        .collect();
    assert!(status.contains("no column family \"gone\""), "{status}");
}

#[test]
fn scrolling_pages_through_the_whole_column_family_and_back() {
    let f = fixture();
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 24);
    let mut seen = vec![
        app.screen::<KeysState>()
            .selected_entry()
            .unwrap()
            .key
            .clone(),
    ];
    for _ in 0..400 {
        act(&mut app, &f, &[Action::Down]);
        let key = app
            .screen::<KeysState>()
            .selected_entry()
            .unwrap()
            .key
            .clone();
        if key != *seen.last().unwrap() {
            seen.push(key);
        }
    }
    assert_eq!(
        seen.len(),
        308,
        "every key once, in order, across page fetches"
    );
    assert!(seen.windows(2).all(|w| w[0] < w[1]));
    act(&mut app, &f, &[Action::First]);
    assert_eq!(
        app.screen::<KeysState>().selected_entry().unwrap().key,
        b"key:0000"
    );
    act(&mut app, &f, &[Action::Last]);
    assert_eq!(
        app.screen::<KeysState>().selected_entry().unwrap().key,
        b"\xff\x00bin:7"
    );
    for _ in 0..307 {
        act(&mut app, &f, &[Action::Up]);
    }
    assert_eq!(
        app.screen::<KeysState>().selected_entry().unwrap().key,
        b"key:0000",
        "paged back to the first key"
    );
    assert!(
        app.screen::<KeysState>().window.entries.len()
            <= spear_next::inspector::screens::keys::MAX_WINDOW
    );
}

#[test]
fn stale_events_are_dropped() {
    let f = fixture();
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 24);
    let before = app.screen::<KeysState>().window.clone();
    // An answer to a page request that was never the newest: ignored.
    let stale = Event {
        ticket: Ticket {
            kind: Kind::Page,
            id: 0,
        },
        context: Context::cf("default"),
        body: Body::Page {
            placement: spear_next::inspector::worker::Placement::Replace,
            page: spear_next::inspector::source::Page {
                entries: Vec::new(),
                at_start: true,
                at_end: true,
                skipped: Vec::new(),
            },
        },
    };
    assert!(app.on_event(stale).is_empty());
    assert_eq!(app.screen::<KeysState>().window, before);
}

#[test]
fn colours_and_their_absence() {
    let f = fixture();
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 24);
    app.session.color = true;
    let terminal = render(&app, 120, 40);
    let buffer = terminal.backend().buffer();
    let cyan = buffer
        .content()
        .iter()
        .filter(|c| c.fg == Color::Cyan)
        .count();
    assert!(cyan > 0, "JSON keys and titles are coloured");
    // The selected row is reversed whatever the colours.
    assert!(buffer[(2, 2)].modifier.contains(Modifier::REVERSED));

    app.session.color = false;
    let terminal = render(&app, 120, 40);
    let buffer = terminal.backend().buffer();
    assert!(
        buffer
            .content()
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset),
        "NO_COLOR: no colour at all"
    );
    assert!(
        buffer[(2, 2)].modifier.contains(Modifier::REVERSED),
        "emphasis survives without colour"
    );
}

/// A demo database made at a fixed time, and that time: the registry screens' fixture.
fn demo_fixture() -> (Fixture, chrono::DateTime<chrono::Utc>) {
    use chrono::TimeZone;
    let now = chrono::Utc
        .with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
        .unwrap();
    let (dir, path) = temp_db();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(spear_next::inspector::demo::create(&path, now))
        .unwrap();
    let source = Source::open(&path, false).unwrap();
    (Fixture { _dir: dir, source }, now)
}

/// Snapshots a registry or stats screen reached by `actions` at both sizes, with the
/// clock fixed.
fn snapshot_demo(name: &str, access: Access, actions: &[Action]) {
    let (f, now) = demo_fixture();
    for (width, height) in SIZES {
        let mut app = app_for(&f, access, height);
        app.session.now = now;
        act(&mut app, &f, actions);
        let terminal = render(&app, width, height);
        insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(format!("{name}_{width}x{height}"), terminal.backend());
        });
    }
}

#[test]
fn nodes_screen() {
    snapshot_demo("nodes", Access::ReadOnlySnapshot, &[Action::Screen(2)]);
}

#[test]
fn nodes_sorted_filtered_and_detail() {
    snapshot_demo(
        "nodes_offline_detail",
        Access::ReadOnlySnapshot,
        &[
            Action::Screen(2),
            Action::StatusFilter,
            Action::StatusFilter,
            Action::StatusFilter,
            Action::StatusFilter,
            Action::Open,
        ],
    );
    let mut filter = vec![Action::Screen(2), Action::StartFilter];
    filter.extend(typed("eu-west-1b"));
    filter.extend([Action::Submit, Action::SortNext]);
    snapshot_demo("nodes_text_filter", Access::ReadOnlySnapshot, &filter);
}

#[test]
fn broken_node_records_are_rows_of_their_own() {
    snapshot_demo(
        "nodes_broken",
        Access::ReadOnlySnapshot,
        &[Action::Screen(2), Action::Last, Action::Open],
    );
}

#[test]
fn resources_screen() {
    snapshot_demo("resources", Access::ReadOnlySnapshot, &[Action::Screen(3)]);
    snapshot_demo(
        "resources_orphans",
        Access::ReadOnlySnapshot,
        &[Action::Screen(3), Action::Last],
    );
}

#[test]
fn stats_pages() {
    snapshot(
        "stats_overview",
        Access::ReadOnlySnapshot,
        &[Action::Screen(4)],
    );
    snapshot(
        "stats_sst",
        Access::LiveSecondary,
        &[Action::Screen(4), Action::NextPage, Action::SortNext],
    );
    // The raw page holds timings and uptimes: checked as text, not snapshotted.
    let f = fixture();
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 40);
    act(
        &mut app,
        &f,
        &[
            Action::Screen(4),
            Action::NextPage,
            Action::NextPage,
            Action::NextPage,
        ],
    );
    let terminal = render(&app, 120, 40);
    let text = format!("{}", terminal.backend());
    assert!(
        text.contains("rocksdb.stats◆ (j/k scroll)") && text.contains("DB Stats"),
        "{text}"
    );
    // Its uptime and flush counts are this process's, and the page says so.
    assert!(
        text.contains("◆ this inspector's own read-only instance, not the service's"),
        "{text}"
    );
    snapshot(
        "stats_options",
        Access::ReadOnlySnapshot,
        &[
            Action::Screen(4),
            Action::NextPage,
            Action::NextPage,
            Action::NextPage,
            Action::NextPage,
        ],
    );
}

#[test]
fn compaction_asks_first_with_cancel_focused() {
    snapshot("confirm_compact", Access::ReadWrite, &[Action::Compact]);
    let f = fixture();
    let mut app = app_for(&f, Access::ReadWrite, 24);
    // Enter on the default focus cancels.
    let requests = app.update(Action::Compact);
    assert!(requests.is_empty());
    assert!(
        app.update(Action::Submit).is_empty(),
        "Enter on Cancel runs nothing"
    );
    assert_eq!(app.overlay, spear_next::inspector::state::Overlay::Closed);
    // Moving the focus, then Enter, runs it.
    app.update(Action::Compact);
    app.update(Action::FocusToggle);
    let requests = app.update(Action::Submit);
    assert!(matches!(
        requests.as_slice(),
        [Command::Run(r)] if r.ticket.kind == Kind::Maintain
    ));
    assert!(app.writes.maintenance.is_some());
}

#[test]
fn maintenance_is_refused_read_only() {
    let f = fixture();
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 24);
    for action in [Action::Compact, Action::Flush] {
        assert!(app.update(action).is_empty());
        assert_eq!(app.overlay, spear_next::inspector::state::Overlay::Closed);
        assert!(
            app.session
                .message
                .as_ref()
                .unwrap()
                .text
                .contains("--write")
        );
    }
}

/// Deletes the fixture's first 200 keys, then writes `puts`, leaving it all in the WAL
/// (closed without a flush).
fn write_unflushed(path: &std::path::Path, puts: &[(&[u8], &[u8])]) {
    let db =
        rocksdb::DB::open_cf(&rocksdb::Options::default(), path, ["default", "events"]).unwrap();
    for i in 0..200 {
        db.delete(format!("key:{i:04}")).unwrap();
    }
    for (key, value) in puts {
        db.put(key, value).unwrap();
    }
}

/// The fixture with its first 200 keys deleted and the deletions left in the WAL (the
/// read-only open replays them into a memtable): what the Disk screen must explain.
fn fixture_with_deletions() -> Fixture {
    let (dir, path) = temp_db();
    write_fixture(&path);
    write_unflushed(&path, &[]);
    let source = Source::open(&path, false).unwrap();
    Fixture { _dir: dir, source }
}

/// A fixed directory listing: file sizes (the LOG's above all) vary from run to run, the
/// layout must not.
fn fixed_usage() -> spear_next::inspector::analysis::usage::Usage {
    use spear_next::inspector::analysis::usage::{Tally, Usage};
    let tally = |files, bytes| Tally { files, bytes };
    let mut usage = Usage {
        path: "/srv/spear/rocksdb".into(),
        obsolete_sst: tally(1, 2_000_000),
        wal: tally(2, 64 << 20),
        info_log: tally(1, 300_000),
        old_info_logs: tally(3, 3_000_000),
        options: tally(2, 14_000),
        manifest: tally(1, 4_000),
        other: tally(3, 60),
        directory: 4096,
        ..Usage::default()
    };
    usage
        .live_sst
        .entry("default".into())
        .or_default()
        .insert(0, tally(4, 256 << 20));
    usage
        .live_sst
        .entry("default".into())
        .or_default()
        .insert(1, tally(12, 700 << 20));
    usage
        .live_sst
        .entry("events".into())
        .or_default()
        .insert(0, tally(1, 9_000));
    usage.total = 4096
        + 2_000_000
        + (64 << 20)
        + 300_000
        + 3_000_000
        + 14_000
        + 4_000
        + 60
        + (256 << 20)
        + (700 << 20)
        + 9_000;
    usage.du_bytes = Some(usage.total);
    usage
}

/// The fixed listing with 19 blob files, most of them holding garbage, blob GC off, and
/// a `du -sb` count 4 KiB above the listed sum (a hard-linked file counted once, say).
fn fixed_blob_usage() -> spear_next::inspector::analysis::usage::Usage {
    use spear_next::inspector::analysis::blobs::{BlobCollection, BlobGarbage};
    use spear_next::inspector::formats::manifest::BlobFile;
    let mut usage = fixed_usage();
    let files: Vec<BlobFile> = (0..19u64)
        .map(|i| BlobFile {
            cf: "default".into(),
            number: 10 + 3 * i,
            total_blob_count: 2_000,
            total_blob_bytes: 50 << 20,
            garbage_blob_count: 100 * (18 - i),
            garbage_blob_bytes: (18 - i) * (1 << 20),
            linked_ssts: u64::from(i >= 15),
        })
        .collect();
    let total_blob_bytes = files.iter().map(|f| f.total_blob_bytes).sum();
    let garbage_blob_bytes = files.iter().map(|f| f.garbage_blob_bytes).sum();
    usage.blob = spear_next::inspector::analysis::usage::Tally {
        files: 19,
        bytes: 19 * ((50 << 20) + 200),
    };
    usage.total += usage.blob.bytes;
    usage.du_bytes = Some(usage.total + 4096);
    usage.blob_garbage = Some(BlobGarbage {
        files,
        total_blob_bytes,
        garbage_blob_bytes,
        collection: vec![BlobCollection {
            cf: "default".into(),
            enabled: Some(false),
            age_cutoff: 0.25,
            garbage_blob_bytes,
        }],
    });
    usage
}

/// The estimate as the Disk screen gets it on a large column family: the fixture is far
/// below the size where the screen estimates, so the estimate is made here directly.
fn forced_estimate(source: &Source) -> spear_next::inspector::analysis::keyspace::Breakdown {
    use spear_next::inspector::analysis::keyspace::{Grouping, estimate_from_sizes};
    let grouping = Grouping::default().resolve(source, "default").unwrap();
    estimate_from_sizes(source, "default", &grouping).unwrap()
}

#[test]
fn disk_pages() {
    let f = fixture_with_deletions();
    // Tab to the prefixes here counts (the deletions sit in a memtable): the same
    // screen as disk_prefixes_counted, so it has no snapshot of its own.
    let pages: [(&str, &[Action]); 3] = [
        ("disk_files", &[Action::Screen(6)]),
        (
            "disk_prefixes_counted",
            &[Action::Screen(6), Action::NextPage, Action::Count],
        ),
        (
            "disk_tombstones_walked",
            &[
                Action::Screen(6),
                Action::NextPage,
                Action::NextPage,
                Action::Count,
            ],
        ),
    ];
    for (name, actions) in pages {
        snapshot_on(&f, name, Access::ReadOnlySnapshot, actions, &|app| {
            app.screen_mut::<DiskView>().usage = Some(Box::new(fixed_usage()));
        });
    }
    // The estimated view, on the flushed fixture (the one above keeps its deletions in
    // a memtable, which makes even an estimate count).
    let flushed = fixture();
    snapshot_on(
        &flushed,
        "disk_prefixes",
        Access::ReadOnlySnapshot,
        &[Action::Screen(6), Action::NextPage],
        &|app| {
            app.screen_mut::<DiskView>().breakdown =
                Some(Box::new(forced_estimate(&flushed.source)));
        },
    );
    snapshot_on(
        &f,
        "disk_files_blob",
        Access::ReadOnlySnapshot,
        &[Action::Screen(6)],
        &|app| {
            app.screen_mut::<DiskView>().usage = Some(Box::new(fixed_blob_usage()));
        },
    );
}

/// The estimate is what the estimated view draws: `~` counts and on-disk bytes, no
/// key+value bytes; the counted view has both byte columns.
#[test]
fn disk_estimate_differs_from_the_count() {
    let f = fixture();
    let estimate = forced_estimate(&f.source);
    assert!(!estimate.exact);
    assert!(estimate.rows.iter().all(|r| r.logical_bytes.is_none()));
    assert!(estimate.rows.iter().any(|r| r.disk_bytes.unwrap_or(0) > 0));
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 24);
    act(
        &mut app,
        &f,
        &[Action::Screen(6), Action::NextPage, Action::Count],
    );
    let counted = app.screen::<DiskView>().breakdown.as_ref().unwrap();
    assert!(counted.exact);
    assert!(
        counted
            .rows
            .iter()
            .all(|r| r.logical_bytes.is_some() && r.disk_bytes.is_some())
    );
    app.screen_mut::<DiskView>().breakdown = Some(Box::new(estimate));
    let estimated_screen = format!("{:?}", render(&app, 80, 24).backend());
    assert!(
        estimated_screen.contains("estimated from SST sizes"),
        "{estimated_screen}"
    );
    assert!(estimated_screen.contains('~'), "{estimated_screen}");
}

/// The files page offers only the keys that work there: no Enter, no c, no filter.
#[test]
fn disk_files_footer_offers_only_working_keys() {
    let f = fixture();
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 24);
    act(&mut app, &f, &[Action::Screen(6)]);
    let footer = |app: &App| {
        let terminal = render(app, 80, 24);
        let buffer = terminal.backend().buffer();
        (0..80)
            .map(|x| buffer[(x, 23)].symbol())
            .collect::<String>()
    };
    let files = footer(&app);
    assert!(files.contains("Tab page"), "{files}");
    for absent in ["Enter", "c count", "filter"] {
        assert!(!files.contains(absent), "{absent} in {files}");
    }
    act(&mut app, &f, &[Action::NextPage]);
    let prefixes = footer(&app);
    assert!(
        prefixes.contains("Enter inside") && prefixes.contains("c count"),
        "{prefixes}"
    );
}

/// Drilling into a prefix and back out; the tombstone walk names the range the deletions
/// sit in and a compaction of it is offered for exactly those keys.
#[test]
fn disk_drills_into_prefixes_and_offers_the_skipped_range() {
    let f = fixture_with_deletions();
    let mut app = app_for(&f, Access::ReadWrite, 24);
    act(
        &mut app,
        &f,
        &[Action::Screen(6), Action::NextPage, Action::Count],
    );
    let b = app.screen::<DiskView>().breakdown.as_ref().unwrap();
    assert!(b.exact);
    assert_eq!(b.rows[0].prefix, "key:");
    assert_eq!(b.rows[0].keys, 100, "300 keys, 200 deleted");
    act(&mut app, &f, &[Action::Open]);
    assert_eq!(app.screen::<DiskView>().grouping.within, b"key:");
    act(&mut app, &f, &[Action::Back]);
    assert!(app.screen::<DiskView>().grouping.within.is_empty());

    act(&mut app, &f, &[Action::NextPage, Action::Count]);
    let t = app.screen::<DiskView>().tombstones.as_ref().unwrap();
    assert_eq!(t.memtable.deletions, 200);
    let scan = t.scan.as_ref().unwrap();
    assert_eq!(scan.deletes_skipped, 200);
    assert_eq!(scan.ranges[0].deletes_skipped, 200);
    assert_eq!(scan.ranges[0].to_raw.as_deref(), Some(&b"key:0200"[..]));
    act(&mut app, &f, &[Action::Compact]);
    match &app.overlay {
        spear_next::inspector::state::Overlay::Confirm {
            ask: spear_next::inspector::state::Ask::Maintain { bounds, .. },
            ..
        } => {
            assert_eq!(bounds.lower, None);
            assert_eq!(bounds.upper.as_deref(), Some(&b"key:0200"[..]));
        }
        other => panic!("a confirmation for the range, not {other:?}"),
    }
}

/// The fixture with, in its WAL, 200 deletions, a JSON put and a binary put, and as its
/// only info LOG the opening 330 lines of a LOG that RocksDB 7.8's db_bench wrote while
/// stalling writes.
fn fixture_with_log() -> Fixture {
    let (dir, path) = temp_db();
    write_fixture(&path);
    write_unflushed(
        &path,
        &[
            (b"node:n1", br#"{"id":"n1","status":"Active","cpu":[1,2]}"#),
            (b"raw:1", &[0u8, 1, 2, 0xff]),
        ],
    );
    for entry in std::fs::read_dir(&path).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name().to_string_lossy().starts_with("LOG") {
            std::fs::remove_file(entry.path()).unwrap();
        }
    }
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/assets/LOG-rocksdb-7.8-stalls"
        ),
        path.join("LOG"),
    )
    .unwrap();
    let source = Source::open(&path, false).unwrap();
    Fixture { _dir: dir, source }
}

#[test]
fn log_and_wal_screens() {
    let f = fixture_with_log();
    let screens: [(&str, &[Action]); 7] = [
        ("log_entries", &[Action::Screen(7)]),
        (
            "log_stalls_only",
            &[Action::Screen(7), Action::StatusFilter],
        ),
        (
            "log_problems_only",
            &[
                Action::Screen(7),
                Action::StatusFilter,
                Action::StatusFilter,
                Action::StatusFilter,
            ],
        ),
        ("log_timeline", &[Action::Screen(7), Action::NextPage]),
        ("wal_newest", &[Action::Screen(8)]),
        (
            "wal_value",
            &[Action::Screen(8), Action::Down, Action::Open],
        ),
        ("wal_binary_value", &[Action::Screen(8), Action::Open]),
    ];
    for (name, actions) in screens {
        snapshot_on(&f, name, Access::ReadOnlySnapshot, actions, &|_| {});
    }
}

/// The kind filter counts the whole LOG, not the entries kept: with 2 kept of each kind,
/// the stalls say "newest 2 of 6"; `m` keeps more and then all 6 are listed; and every
/// `[WARN]` line (stall messages are) counts as a warning.
#[test]
fn log_kind_counts_are_of_the_whole_log() {
    let f = fixture_with_log();
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 40);
    app.screen_mut::<LogView>().keep = 2;
    let screen = |app: &App| format!("{}", render(app, 120, 40).backend());
    act(&mut app, &f, &[Action::Screen(7), Action::StatusFilter]);
    assert!(
        screen(&app).contains(" write stalls · newest 2 of 6 (m keeps more) · t narrows "),
        "{}",
        screen(&app)
    );
    act(&mut app, &f, &[Action::LoadMore]);
    assert!(
        screen(&app).contains(" write stalls · 6 entries · t narrows "),
        "{}",
        screen(&app)
    );
    let log = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/assets/LOG-rocksdb-7.8-stalls"
    ))
    .unwrap();
    let warnings = log
        .lines()
        .filter(|l| l.contains(" [WARN] ") || l.contains(" [ERROR] "))
        .count();
    assert!(warnings > 0);
    act(&mut app, &f, &[Action::StatusFilter, Action::StatusFilter]);
    assert!(
        screen(&app).contains(&format!(
            " errors & warnings · {warnings} entries · t narrows "
        )),
        "{}",
        screen(&app)
    );
}

/// The stall lines are red and the deletes too; without colour (NO_COLOR) the screens
/// still say "Stalling"/"Stopping" and DELETE in words, so nothing depends on colour.
#[test]
fn log_and_wal_meaning_survives_without_colour() {
    let f = fixture_with_log();
    for (screen, words) in [
        (7, ["stall", "Stopping writes"]),
        (8, ["DELETE", "key:0199"]),
    ] {
        let mut app = app_for(&f, Access::ReadOnlySnapshot, 40);
        act(&mut app, &f, &[Action::Screen(screen)]);
        app.session.color = true;
        let coloured = render(&app, 120, 40);
        let red = coloured
            .backend()
            .buffer()
            .content()
            .iter()
            .filter(|c| c.fg == Color::Red)
            .count();
        assert!(red > 0, "screen {screen}: the alarming rows are red");
        app.session.color = false;
        let plain = render(&app, 120, 40);
        let text = format!("{}", plain.backend());
        for word in words {
            assert!(
                text.contains(word),
                "screen {screen} without colour says {word:?}:\n{text}"
            );
        }
        assert!(
            plain
                .backend()
                .buffer()
                .content()
                .iter()
                .all(|c| c.fg == Color::Reset && c.bg == Color::Reset),
            "NO_COLOR: no colour at all"
        );
    }
}

/// `h` on the WAL screen's delete of `key:0199` (still in the WAL): the history names the
/// delete and its sequence, says a read returns nothing, and names the SST whose range
/// holds the old version.
#[test]
fn key_history_overlay() {
    let f = fixture_with_log();
    for (width, height) in SIZES {
        let mut app = app_for(&f, Access::ReadOnlySnapshot, height);
        act(
            &mut app,
            &f,
            &[
                Action::Screen(8),
                Action::Down,
                Action::Down,
                Action::History,
            ],
        );
        let terminal = render(&app, width, height);
        let text = format!("{}", terminal.backend());
        assert!(
            text.contains("now: absent") && text.contains("DELETE"),
            "{text}"
        );
        insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(format!("key_history_{width}x{height}"), terminal.backend());
        });
        act(&mut app, &f, &[Action::Back]);
        assert_eq!(app.overlay, spear_next::inspector::state::Overlay::Closed);
    }
}

/// The Diff screen: against a copy of the fixture with a key changed, one removed and one
/// added (in `default` and in `events`), and without anything to compare with.
#[test]
fn diff_screen() {
    let f = fixture();
    let (_other_dir, other) = temp_db();
    write_fixture(&other);
    {
        let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), &other, ["default", "events"])
            .unwrap();
        db.put("key:0003", r#"{"id":3,"name":"renamed"}"#).unwrap();
        db.delete("key:0004").unwrap();
        db.put("key:0300", "new").unwrap();
        let events = db.cf_handle("events").unwrap();
        db.delete_cf(&events, "event:007").unwrap();
    }
    let screens: [(&str, &[Action], bool); 3] = [
        ("diff_none", &[Action::Screen(9)], false),
        ("diff_found", &[Action::Screen(9)], true),
        ("diff_values", &[Action::Screen(9), Action::Open], true),
    ];
    for (name, actions, compare) in screens {
        for (width, height) in SIZES {
            let mut app = app_for(&f, Access::ReadOnlySnapshot, height);
            if compare {
                app.screen_mut::<DiffView>().other = Some(other.clone());
            }
            act(&mut app, &f, actions);
            let mut terminal = render(&app, width, height);
            if compare {
                let report = app.screen::<DiffView>().report.as_ref().unwrap();
                assert_eq!(report.total(), 4, "{:?}", report.per_cf);
                // The other database's path is a temporary directory: show it fixed.
                let mut app = app.clone();
                app.screen_mut::<DiffView>().report.as_mut().unwrap().other =
                    "/srv/spear/checkpoint".into();
                terminal = render(&app, width, height);
            }
            insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
                insta::assert_snapshot!(format!("{name}_{width}x{height}"), terminal.backend());
            });
        }
    }
}

/// The row drawn selected is the row the keys act on, however many rows the screen's
/// layout leaves: 40 prefixes on the Disk screen at 80x24, moved to the 30th.
#[test]
fn the_highlighted_row_is_the_selected_row() {
    let (dir, path) = temp_db();
    {
        let db = rocksdb::DB::open_default(&path).unwrap();
        for p in 0..40 {
            db.put(format!("p{p:02}:key"), vec![b'v'; 100 - p]).unwrap();
        }
    }
    let f = Fixture {
        _dir: dir,
        source: Source::open(&path, false).unwrap(),
    };
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 24);
    act(&mut app, &f, &[Action::Screen(6), Action::NextPage]);
    act(&mut app, &f, &[Action::Down; 29]);
    let selected = app.screen::<DiskView>().breakdown.as_ref().unwrap().rows
        [app.screen::<DiskView>().prefix_cursor.selected]
        .prefix
        .clone();
    let text = format!("{}", render(&app, 80, 24).backend());
    let marked = text
        .lines()
        .find(|l| l.contains('›'))
        .expect("a row is marked selected");
    assert!(
        marked.contains(&selected),
        "marked {marked:?}, selected {selected}"
    );
}

/// Switching the column family elsewhere, then coming back to Disk, reads it again
/// (it used to wait forever on "estimating the key space…").
#[test]
fn disk_reads_again_after_a_column_family_switch() {
    let f = fixture();
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 24);
    act(
        &mut app,
        &f,
        &[
            Action::Screen(6),
            Action::Screen(1),
            Action::NextColumnFamily,
            Action::Screen(6),
        ],
    );
    assert_eq!(app.session.cf, "events");
    let b = app
        .screen::<DiskView>()
        .breakdown
        .as_ref()
        .expect("read again");
    assert_eq!(b.cf, "events");
    assert!(app.screen::<DiskView>().tombstones.is_some());
}

/// Esc while a comparison runs says it stopped, not "comparing…" for ever.
#[test]
fn a_stopped_comparison_says_so() {
    let f = fixture();
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 24);
    app.screen_mut::<DiffView>().other = Some("/srv/spear/checkpoint".into());
    // The comparison is asked for, not answered: it runs.
    let _ = app.update(Action::Screen(9));
    let commands = app.update(Action::Back);
    assert!(matches!(commands.as_slice(), [Command::Cancel(Kind::Diff)]));
    let text = format!("{}", render(&app, 80, 24).backend());
    assert!(text.contains("was stopped"), "{text}");
}

/// The key list draws as many rows as the keys page by, at any height: both come from
/// one layout function.
#[test]
fn the_key_list_draws_the_rows_it_pages_by() {
    let f = fixture();
    for height in [8, 24, 40] {
        let app = app_for(&f, Access::ReadOnlySnapshot, height);
        let text = format!("{}", render(&app, 80, height).backend());
        let drawn = text
            .lines()
            .filter(|l| l.starts_with("\"│›key:") || l.starts_with("\"│ key:"))
            .count();
        assert_eq!(drawn, app.session.list_rows, "{text}");
    }
}

/// Esc stops a walk on the Disk screen (an exact count of the prefixes, a tombstone walk):
/// the worker is told to stop, and the session no longer waits for an answer a cancelled
/// job never sends (the kind used to stay pending for ever).
#[test]
fn esc_on_the_disk_screen_leaves_nothing_pending() {
    let f = fixture();
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 24);
    act(&mut app, &f, &[Action::Screen(6), Action::NextPage]);
    for kind in [Kind::Keyspace, Kind::Tombstones] {
        // The walk's request is sent but not answered: it is running.
        let started = app.update(Action::Count);
        assert!(app.session.tickets.is_pending(kind), "{started:?}");
        let stopped = app.update(Action::Back);
        assert!(
            stopped
                .iter()
                .any(|c| matches!(c, Command::Cancel(k) if *k == kind)),
            "{stopped:?}"
        );
        assert!(
            !app.session.tickets.is_pending(kind),
            "{kind:?} still pending after Esc"
        );
        act(&mut app, &f, &[Action::NextPage]);
    }
}

/// Esc stops a comparison on the Diff screen and nothing waits for its answer any more.
#[test]
fn esc_on_the_diff_screen_leaves_nothing_pending() {
    let f = fixture();
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 24);
    app.screen_mut::<DiffView>().other = Some("/srv/spear/checkpoint".into());
    let started = app.update(Action::Screen(9));
    assert!(app.session.tickets.is_pending(Kind::Diff), "{started:?}");
    let stopped = app.update(Action::Back);
    assert!(matches!(stopped.as_slice(), [Command::Cancel(Kind::Diff)]));
    assert!(
        !app.session.tickets.is_pending(Kind::Diff),
        "Diff still pending after Esc"
    );
}

/// On a live database the Log screen re-reads the LOG every 10 s (not every tick: a LOG
/// can be 100 MB); a read-only snapshot does not.
#[test]
fn the_log_screen_follows_a_live_database_every_ten_seconds() {
    let f = fixture_with_log();
    let asks_for_log = |commands: &[Command]| {
        commands
            .iter()
            .any(|c| matches!(c, Command::Run(r) if r.ticket.kind == Kind::Log))
    };
    let mut app = app_for(&f, Access::LiveSecondary, 24);
    act(&mut app, &f, &[Action::Screen(7)]);
    let start = app.session.now;
    assert!(!asks_for_log(
        &app.tick(start + chrono::Duration::seconds(5))
    ));
    assert!(asks_for_log(
        &app.tick(start + chrono::Duration::seconds(11))
    ));
    let mut snapshot = app_for(&f, Access::ReadOnlySnapshot, 24);
    act(&mut snapshot, &f, &[Action::Screen(7)]);
    assert!(!asks_for_log(
        &snapshot.tick(snapshot.session.now + chrono::Duration::seconds(60))
    ));
}

/// A history whose lines wrap (a long key, several SST files, a torn WAL) keeps every line
/// on screen at 80x24: the popup's height is that of its wrapped text, so the line naming
/// the SST files that cover the key (the last one) is never pushed out.
#[test]
fn key_history_popup_keeps_its_last_line_when_lines_wrap() {
    use spear_next::inspector::analysis::history::KeyHistory;
    use spear_next::inspector::state::Overlay;
    let f = fixture();
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 24);
    app.overlay = Overlay::History(Box::new(KeyHistory {
        cf: "default".into(),
        key: b"events:all:2026-11-26T07:19:13.483263Z:node-0042:heartbeat".to_vec(),
        versions: Vec::new(),
        now: Some((b"{\"status\":\"Active\",\"zone\":\"z1\"}".to_vec(), 31)),
        sst_files: (1..=6).map(|n| (format!("{n:06}.sst"), 0)).collect(),
        torn: vec![("000013.log".into(), 5_903)],
        damaged: Vec::new(),
        cf_names: Default::default(),
        revisions: None,
    }));
    let text = format!("{}", render(&app, 80, 24).backend());
    assert!(text.contains("000006.sst (L0)"), "{text}");
    assert!(text.contains("SST files whose key range"), "{text}");
}

/// Help on every screen, at both sizes, says every binding's text whole: at 120 columns
/// each on one line, at 80 columns wrapped between words but never cut.
#[test]
fn help_on_every_screen_shows_every_text_whole() {
    use spear_next::inspector::input::keymap::{self, KeyContext};
    let f = fixture();
    let screens = app_for(&f, Access::ReadOnlySnapshot, 24).screens().len();
    for (width, height) in SIZES {
        for n in 0..screens {
            let mut app = app_for(&f, Access::ReadOnlySnapshot, height);
            act(
                &mut app,
                &f,
                &[Action::Screen(n as u8 + 1), Action::ToggleHelp],
            );
            let screen = app.current().title();
            let text = format!("{}", render(&app, width, height).backend());
            // Inside the popup, every cell between its borders, one line after another.
            let words: Vec<&str> = text
                .lines()
                .filter_map(|l| {
                    let start = l.find("│")? + "│".len();
                    let end = l.rfind("│")?;
                    (start < end).then(|| &l[start..end])
                })
                .flat_map(str::split_whitespace)
                .collect();
            for binding in keymap::tables(KeyContext::Normal, app.current().keys())
                .into_iter()
                .flatten()
                .filter(|b| !matches!(b.action, Action::Screen(_)) && app.available(b.action))
            {
                if width >= 120 {
                    assert!(
                        text.contains(binding.help),
                        "{screen:?} {width}: {:?}\n{text}",
                        binding.help
                    );
                }
                for word in binding.help.split_whitespace() {
                    assert!(
                        words.contains(&word),
                        "{screen:?} {width}x{height}: {word:?} of {:?}\n{text}",
                        binding.help
                    );
                }
            }
        }
    }
}

/// `Esc` stops an exact count on the Keys screen (as on Disk): the worker is told to stop,
/// nothing waits for its answer any more, and the status says where it stopped.
#[test]
fn esc_stops_an_exact_count_on_the_keys_screen() {
    let f = fixture();
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 24);
    // The count's request is sent but not answered: it is running.
    let started = app.update(Action::Count);
    assert!(!started.is_empty());
    assert!(matches!(
        app.screen::<KeysState>().count,
        CountState::Running(_)
    ));
    let stopped = app.update(Action::Back);
    assert!(
        stopped
            .iter()
            .any(|c| matches!(c, Command::Cancel(Kind::Count))),
        "{stopped:?}"
    );
    assert_eq!(app.screen::<KeysState>().count, CountState::Idle);
    assert!(!app.session.tickets.is_pending(Kind::Count));
    let text = format!("{}", render(&app, 120, 40).backend());
    assert!(text.contains("count stopped (Esc)"), "{text}");
}

/// On a live database an exact count carries its time, and is marked stale once the
/// database has moved on (RocksDB's estimate changed after the count).
#[test]
fn an_exact_count_on_a_live_database_carries_its_time_and_goes_stale() {
    use chrono::TimeZone;
    let f = fixture();
    let mut app = app_for(&f, Access::LiveSecondary, 24);
    app.session.now = chrono::Utc
        .with_ymd_and_hms(2026, 11, 25, 5, 19, 2)
        .unwrap();
    act(&mut app, &f, &[Action::Count]);
    let text = format!("{}", render(&app, 120, 40).backend());
    assert!(text.contains("308 keys at 05:19:02"), "{text}");
    assert!(!text.contains("stale"), "{text}");
    // The primary wrote more: the next refresh's estimate differs.
    let keys = app.screen_mut::<KeysState>();
    keys.estimate = keys.estimate.map(|e| e + 1_000);
    let text = format!("{}", render(&app, 120, 40).backend());
    assert!(text.contains("308 keys at 05:19:02, stale"), "{text}");
}

/// Sixty `PgDn` pressed faster than pages arrive (all sent before the worker answers
/// any) end on the same row as sixty pressed one by one: a move past the keys held waits
/// for the next page instead of being dropped at the window's edge.
#[test]
fn a_burst_of_page_downs_is_never_lost() {
    let (dir, path) = temp_db();
    {
        let mut opts = rocksdb::Options::default();
        opts.create_if_missing(true);
        let db = rocksdb::DB::open(&opts, &path).unwrap();
        for i in 0..12_636u32 {
            db.put(format!("k{i:06}"), b"v").unwrap();
        }
    }
    let f = Fixture {
        _dir: dir,
        source: Source::open(&path, false).unwrap(),
    };
    let selected_key = |app: &App| {
        app.screen::<KeysState>()
            .window
            .selected_entry()
            .unwrap()
            .key
            .clone()
    };
    let mut paced = app_for(&f, Access::ReadOnlySnapshot, 30);
    act(&mut paced, &f, &[Action::PageDown; 60]);
    let mut burst = app_for(&f, Access::ReadOnlySnapshot, 30);
    let mut commands = Vec::new();
    for _ in 0..60 {
        commands.extend(burst.update(Action::PageDown));
    }
    drive(&mut burst, &f.source, commands);
    assert!(
        selected_key(&paced) > b"k001000".to_vec(),
        "{:?}",
        String::from_utf8_lossy(&selected_key(&paced))
    );
    assert_eq!(
        String::from_utf8_lossy(&selected_key(&burst)),
        String::from_utf8_lossy(&selected_key(&paced))
    );
}

/// The help lists `D` (delete a prefix's keys) only under a prefix filter, where it does
/// something; without one it was listed, and pressing it only said to filter first.
#[test]
fn help_lists_prefix_delete_only_under_a_prefix_filter() {
    let f = fixture();
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 40);
    act(&mut app, &f, &[Action::ToggleHelp]);
    let without = format!("{}", render(&app, 120, 40).backend());
    assert!(!without.contains("delete prefix"), "{without}");
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 40);
    let mut actions = vec![Action::StartFilter];
    actions.extend(typed("key:02"));
    actions.extend([Action::Submit, Action::ToggleHelp]);
    act(&mut app, &f, &actions);
    let with = format!("{}", render(&app, 120, 40).backend());
    assert!(with.contains("delete prefix"), "{with}");
}

/// A walk that waited for `--io-limit` is named on the status line for a few seconds,
/// whichever screen's job it was, and the wait changes nothing else.
#[test]
fn the_status_line_says_when_io_limit_holds_a_walk_back() {
    let f = fixture();
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 24);
    assert!(!screen_text(&app).contains("held back"));
    let held = Event {
        ticket: Ticket {
            kind: Kind::Count,
            id: 0,
        },
        context: Context::cf("default"),
        body: Body::HeldBack,
    };
    assert!(app.on_event(held).is_empty());
    assert!(
        screen_text(&app).contains("reads held back by --io-limit"),
        "{}",
        screen_text(&app)
    );
    let later = app.session.now + chrono::Duration::seconds(5);
    app.tick(later);
    assert!(!screen_text(&app).contains("held back"));
}

/// Key counts in the tens of millions are shown whole in the prefix table, at both sizes:
/// `16,777,216` was cut to `16,777,2` (read as a tenth of itself), and estimates with
/// their `~` likewise.
#[test]
fn disk_prefix_counts_are_never_cut() {
    let flushed = fixture();
    for (width, height) in SIZES {
        for exact in [true, false] {
            let mut app = app_for(&flushed, Access::ReadOnlySnapshot, height);
            act(&mut app, &flushed, &[Action::Screen(6), Action::NextPage]);
            let mut breakdown = forced_estimate(&flushed.source);
            breakdown.exact = exact;
            breakdown.rows[0].keys = 16_777_216;
            breakdown.ungrouped.keys = 1_222_784;
            let mut other = breakdown.rows[0].clone();
            other.keys = 3_456_789;
            breakdown.other_prefixes = Some(other);
            app.screen_mut::<DiskView>().breakdown = Some(Box::new(breakdown));
            let terminal = render(&app, width, height);
            let text: String = terminal
                .backend()
                .buffer()
                .content()
                .iter()
                .map(|c| c.symbol())
                .collect();
            let tilde = if exact { "" } else { "~" };
            assert!(
                text.contains(&format!("{tilde}16,777,216")),
                "{width}x{height} exact={exact}:\n{}",
                terminal.backend()
            );
            assert!(text.contains("1,222,784"), "{}", terminal.backend());
            // The prefixes beyond those kept one by one are a row of their own.
            assert!(text.contains("(other prefixes)"), "{}", terminal.backend());
            assert!(text.contains("3,456,789"), "{}", terminal.backend());
        }
    }
}

/// The frame a slow open shows: what it reads, the bytes read, and what `q` does, for a
/// read-only open, a read-write one after `q`, and a cluster.
#[test]
fn opening_frames() {
    use spear_next::inspector::source::open_work::OpenWork;
    use spear_next::inspector::ui::opening::{self, Opening};
    let work = OpenWork {
        wal_bytes: 1_160_000_000,
        wal_files: 3,
        manifest_bytes: 2_200_000,
        table_files: 4_984,
    };
    let mut reading = Opening::new("/var/lib/spear/db".into(), work, false, false);
    reading.read = 312 << 20;
    reading.elapsed = std::time::Duration::from_millis(8_400);
    reading.phase = spear_next::inspector::source::open_phases::Phase::WalReplay;
    let mut writing = Opening::new("/var/lib/spear/db".into(), work, false, true);
    writing.quit_asked = true;
    writing.read = 1_100_000_000;
    writing.elapsed = std::time::Duration::from_secs(25);
    writing.phase = spear_next::inspector::source::open_phases::Phase::TableFiles;
    let cluster = Opening::new(
        "etcd://10.0.0.1:2379,10.0.0.2:2379/spear/".into(),
        OpenWork::default(),
        true,
        false,
    );
    for (name, shown) in [
        ("opening_read_only", &reading),
        ("opening_write_quit_asked", &writing),
        ("opening_cluster", &cluster),
    ] {
        for (width, height) in [(80, 24), (120, 40)] {
            let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
            terminal.draw(|frame| opening::draw(frame, shown)).unwrap();
            insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
                insta::assert_snapshot!(format!("{name}_{width}x{height}"), terminal.backend());
            });
        }
    }
}

/// `E` on the Keys screen explains a read of the selected key in a popup; `Esc` closes it.
#[test]
fn explain_on_the_keys_screen() {
    use spear_next::inspector::state::Overlay;
    let f = fixture();
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 40);
    act(
        &mut app,
        &f,
        &[Action::Screen(1), Action::Down, Action::Explain],
    );
    assert!(
        matches!(app.overlay, Overlay::Explained(_)),
        "{:?}",
        app.session.message
    );
    let text = format!("{}", render(&app, 120, 40).backend());
    assert!(text.contains(" explain · Esc closes "), "{text}");
    assert!(
        text.contains("1 key read") && text.contains("cold"),
        "{text}"
    );
    act(&mut app, &f, &[Action::Back]);
    assert_eq!(app.overlay, Overlay::Closed);
}

/// `S` on the Keys screen explains the seek that fills the list: from the first key
/// shown, as many keys as the list shows; the popup says so, and `Esc` closes it.
#[test]
fn explain_the_pages_seek() {
    use spear_next::inspector::state::Overlay;
    let f = fixture();
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 40);
    act(
        &mut app,
        &f,
        &[Action::Screen(1), Action::PageDown, Action::ExplainSeek],
    );
    let Overlay::Explained(explained) = &app.overlay else {
        panic!("no explanation: {:?}", app.session.message);
    };
    let keys = app.screen::<KeysState>();
    let first = keys.window.entries[keys.window.top].key.clone();
    assert!(
        explained.read.starts_with(&format!(
            "seek from {} to the last key, up to {} keys",
            String::from_utf8_lossy(&first),
            app.session.list_rows
        )),
        "{}",
        explained.read
    );
    assert_eq!(explained.cold.keys, app.session.list_rows as u64);
    assert!(explained.files.iter().all(|f| f.level >= 0));
    act(&mut app, &f, &[Action::Back]);
    assert_eq!(app.overlay, Overlay::Closed);
}

/// `S` at the list's start explains the seek from the start of the key space, as the
/// list was read: it steps over the 200 deleted keys before the first live one (a seek
/// from the first key shown would not).
#[test]
fn the_pages_seek_from_the_start_steps_over_what_precedes_the_first_key() {
    use spear_next::inspector::state::Overlay;
    let f = fixture_with_deletions();
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 24);
    act(&mut app, &f, &[Action::Screen(1), Action::ExplainSeek]);
    let Overlay::Explained(explained) = &app.overlay else {
        panic!("no explanation: {:?}", app.session.message);
    };
    assert!(
        explained.read.starts_with("seek from the first key"),
        "{}",
        explained.read
    );
    assert_eq!(explained.cold.tombstones_skipped, 200, "{explained:?}");
}

/// The explain popup at both sizes, from fixed counters (a real read's times vary): a key
/// under 2,400 tombstones in an L0 file, with the verdict and the compact that fixes it.
#[test]
fn explain_popup() {
    use spear_next::inspector::analysis::explain::{Counters, Explained, FileInPath};
    use spear_next::inspector::state::Overlay;
    let f = fixture();
    let cold = Counters {
        micros: 2_140,
        keys: 1,
        blocks_read: 14,
        bytes_read: 57_344,
        block_cache_hits: 2,
        bloom_sst_hits: 2,
        tombstones_skipped: 2_400,
        files_nanos: 1_900_000,
        block_read_nanos: 1_200_000,
        ..Counters::default()
    };
    let warm = Counters {
        micros: 310,
        keys: 1,
        block_cache_hits: 16,
        bloom_sst_hits: 2,
        tombstones_skipped: 2_400,
        files_nanos: 280_000,
        ..Counters::default()
    };
    let explained = Explained {
        cf: "default".into(),
        read: "seek from events:all: to events:all;, up to 1024 keys".into(),
        cold,
        warm,
        files: vec![
            FileInPath { level: 0, name: "000123.sst".into(), bytes: 4_200_000, entries: 2_600, deletions: 2_400 },
            FileInPath { level: 6, name: "000041.sst".into(), bytes: 67_000_000, entries: 610_000, deletions: 0 },
        ],
        files_per_level: vec![(0, 1), (6, 1)],
        verdict: vec![
            "2,400 tombstones stepped over for 1 key (the most in L0 file 000123.sst: 2,400 deletions): a compaction of the range removes them".into(),
        ],
        compact_range: Some((b"events:all:".to_vec(), b"events:all;".to_vec())),
        compaction_helps: true,
    };
    for (width, height) in SIZES {
        let mut app = app_for(&f, Access::ReadOnlySnapshot, height);
        app.overlay = Overlay::Explained(Box::new(explained.clone()));
        let terminal = render(&app, width, height);
        insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(format!("explain_popup_{width}x{height}"), terminal.backend());
        });
    }
}

/// The LSM page: `c` reads every table of the fixture (its first 200 keys deleted in a
/// second table) for real; the counts agree with the tables' own properties, and the
/// commands name the database as the header does.
#[test]
fn disk_lsm_page() {
    use spear_next::inspector::analysis::lsm;
    let (dir, path) = temp_db();
    write_fixture(&path);
    {
        // The first 200 keys deleted, the deletions flushed into a second table.
        let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), &path, ["default", "events"])
            .unwrap();
        for i in 0..200 {
            db.delete(format!("key:{i:04}")).unwrap();
        }
        db.flush().unwrap();
    }
    let f = Fixture {
        _dir: dir,
        source: Source::open(&path, false).unwrap(),
    };
    let to_lsm = [
        Action::Screen(6),
        Action::NextPage,
        Action::NextPage,
        Action::NextPage,
    ];
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 24);
    act(&mut app, &f, &to_lsm);
    assert_eq!(
        app.screen::<DiskView>().page,
        spear_next::inspector::screens::disk::DiskPage::Lsm
    );
    assert!(app.screen::<DiskView>().lsm.is_none());
    act(&mut app, &f, &[Action::Count]);
    let report = app.screen::<DiskView>().lsm.clone().expect("lsm answered");
    let live = f.source.live_files_of("default").unwrap();
    let entries: u64 = live.iter().map(|l| l.num_entries).sum();
    let deletions: u64 = live.iter().map(|l| l.num_deletions).sum();
    assert_eq!(report.total.entries, entries);
    assert_eq!(report.total.tombstones, deletions);
    assert_eq!(report.files_read, live.len() as u64);
    assert!(report.unread.is_empty(), "{:?}", report.unread);
    let keys = &report.rows[0];
    assert_eq!(keys.prefix, "key:");
    assert_eq!((keys.tombstones, keys.older_versions), (200, 200));
    assert_eq!(keys.reclaimable_entries, 400);
    // Down selects the second row; C would compact exactly its prefix.
    act(&mut app, &f, &[Action::Down]);
    let second = report.rows[1].raw.clone().unwrap();
    assert_eq!(
        app.screen::<DiskView>().selected_range(),
        Some(spear_next::inspector::source::Bounds::prefix(&second))
    );
    snapshot_on(
        &f,
        "disk_lsm",
        Access::ReadOnlySnapshot,
        &[&to_lsm[..], &[Action::Count]].concat(),
        &|app| {
            let view = app.screen_mut::<DiskView>();
            if let Some(r) = view.lsm.as_mut() {
                lsm::with_commands(r, "/srv/spear/rocksdb");
            }
        },
    );
}

/// The Keys list with a decoder config: keys under a rule drawn by its layout (a
/// big-endian order number, a composite event key with an enum), a key that does not
/// fit marked `≠`, keys under no rule as before.
#[test]
fn keys_decoded_by_a_config() {
    use spear_next::inspector::decoders::Decoders;
    let (dir, path) = temp_db();
    {
        let mut options = rocksdb::Options::default();
        options.create_if_missing(true);
        let db = rocksdb::DB::open(&options, &path).unwrap();
        for n in [7u64, 1_234_567] {
            db.put([b"order:".as_slice(), &n.to_be_bytes()].concat(), [0x80])
                .unwrap();
        }
        db.put([b"order:".as_slice(), &[1, 2]].concat(), [0x80])
            .unwrap();
        for (block, kind) in [(1_234u32, 1u8), (1_235, 2)] {
            let mut key = b"evt:".to_vec();
            key.extend(block.to_be_bytes());
            key.push(kind);
            db.put(key, b"{}").unwrap();
        }
        db.put(b"plain:key", b"v").unwrap();
        db.flush().unwrap();
    }
    let config = Decoders::parse(
        std::path::Path::new("shop.toml"),
        r#"
[[rule]]
prefix = "order:"
key = "u64be"
value = "msgpack"

[[rule]]
prefix = "evt:"
key = ["block:u32be", "kind:u8{1=put,2=delete}"]
"#,
    )
    .unwrap();
    let f = Fixture {
        _dir: dir,
        source: Source::open(&path, false).unwrap(),
    };
    let decoders = std::sync::Arc::new(config);
    snapshot_on(&f, "keys_decoded", Access::ReadOnlySnapshot, &[], &|app| {
        app.session.decoders = Some(decoders.clone())
    });
}

/// The value pane with a decoder config: a protobuf value (as Python's runtime wrote
/// it) under a composite key, pretty and highlighted with its rule named; the same
/// value raw after `v`; and a value its rule does not read, as an error row with the
/// rule, the reason and the bytes.
#[test]
fn keys_value_decoded_by_a_config() {
    use spear_next::inspector::decoders::Decoders;
    // shop.Order {id 42, customer "ann", status SHIPPED, items [{x-1, 3}], total 9.5,
    // labels {zone: eu}, placed_at 2026-01-02, balance -3}: tests/encoders/encode.py.
    let order = "082a1203616e6e180222070a03782d311003290000000000002340320a0a047a6f6e65120265753a06088095dcca064005";
    let order: Vec<u8> = (0..order.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&order[i..i + 2], 16).unwrap())
        .collect();
    let (dir, path) = temp_db();
    {
        let mut options = rocksdb::Options::default();
        options.create_if_missing(true);
        let db = rocksdb::DB::open(&options, &path).unwrap();
        let key = |region: u8, id: u64| [b"pb:".as_slice(), &[region], &id.to_be_bytes()].concat();
        db.put(key(1, 42), &order).unwrap();
        db.put(key(2, 7), [0x0a, 0xff]).unwrap();
        db.flush().unwrap();
    }
    let proto = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/encoders/shop.toml");
    let config = Decoders::parse(
        &proto,
        r#"
[[rule]]
prefix = "pb:"
key = ["region:u8{1=eu,2=us}", "id:u64be"]
value = "protobuf"
proto_files = ["shop.proto"]
message = "shop.Order"
"#,
    )
    .unwrap();
    let f = Fixture {
        _dir: dir,
        source: Source::open(&path, false).unwrap(),
    };
    let decoders = std::sync::Arc::new(config);
    for (name, actions) in [
        ("keys_value_decoded", &[][..]),
        ("keys_value_raw", &[Action::ToggleRawValue][..]),
        ("keys_value_undecodable", &[Action::Down][..]),
    ] {
        for (width, height) in SIZES {
            let mut app = app_for(&f, Access::ReadOnlySnapshot, height);
            app.session.decoders = Some(decoders.clone());
            // The value on show was read before the config was set: read it again.
            act(
                &mut app,
                &f,
                &[&[Action::Down, Action::Up][..], actions].concat(),
            );
            let terminal = render(&app, width, height);
            insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
                insta::assert_snapshot!(format!("{name}_{width}x{height}"), terminal.backend());
            });
        }
    }

    // Go-to in the layout, as the list shows such keys: to the first key of region us.
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 24);
    app.session.decoders = Some(decoders.clone());
    let goto = [
        &[Action::StartGoto][..],
        &typed("pb:region=us"),
        &[Action::Submit],
    ]
    .concat();
    act(&mut app, &f, &goto);
    let selected = app
        .screen_mut::<KeysState>()
        .selected_entry()
        .unwrap()
        .key
        .clone();
    assert_eq!(
        selected,
        [b"pb:".as_slice(), &[2], &7u64.to_be_bytes()].concat()
    );

    // A field filter (Tab twice from prefix): the pair its rule cannot read is counted,
    // on the status bar, not passed off as a non-match.
    let filter = [
        &[
            Action::StartFilter,
            Action::ToggleFilterKind,
            Action::ToggleFilterKind,
        ][..],
        &typed("customer == ann"),
        &[Action::Submit],
    ]
    .concat();
    for (width, height) in SIZES {
        let mut app = app_for(&f, Access::ReadOnlySnapshot, height);
        app.session.decoders = Some(decoders.clone());
        act(&mut app, &f, &filter);
        let keys = app.screen_mut::<KeysState>();
        assert_eq!(keys.window.entries.len(), 1);
        assert_eq!(keys.scan.unwrap().undecoded, 1);
        // `r` walks again: a filter's matches are of the moment it ran.
        let again = app.update(Action::Refresh);
        assert!(
            again
                .iter()
                .any(|c| matches!(c, Command::Run(r) if r.ticket.kind == Kind::Filter)),
            "{again:?}"
        );
        drive(&mut app, &f.source, again);
        let terminal = render(&app, width, height);
        insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(format!("keys_field_filter_{width}x{height}"), terminal.backend());
        });
    }
}

/// The verify page: `c` checks every file of the fixture for real (sound, every block
/// read), drawn with a fixed duration; a damaged report is drawn verdict first.
#[test]
fn disk_verify_page() {
    use spear_next::inspector::analysis::verify::{Damage, LostKeys, VerifyReport};
    let f = fixture();
    let to_verify = [
        Action::Screen(6),
        Action::NextPage,
        Action::NextPage,
        Action::NextPage,
        Action::NextPage,
    ];
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 24);
    act(&mut app, &f, &to_verify);
    assert_eq!(
        app.screen::<DiskView>().page,
        spear_next::inspector::screens::disk::DiskPage::Verify
    );
    assert!(app.screen::<DiskView>().verified.is_none());
    act(&mut app, &f, &[Action::Count]);
    let report = app
        .screen::<DiskView>()
        .verified
        .clone()
        .expect("verify answered");
    assert!(
        !report.needs_backup && report.damage.is_empty(),
        "{report:?}"
    );
    assert!(report.table_files > 0 && report.blocks_checked > report.table_files as u64);
    snapshot_on(
        &f,
        "disk_verify_sound",
        Access::ReadOnlySnapshot,
        &[&to_verify[..], &[Action::Count]].concat(),
        &|app| {
            let view = app.screen_mut::<DiskView>();
            if let Some(r) = view.verified.as_mut() {
                r.seconds = 0.25;
                r.threads = 2;
            }
        },
    );
    let damaged = VerifyReport {
        manifest: Some("MANIFEST-000005".into()),
        table_files: 12,
        wal_files: 1,
        bytes_read: 13_000_000,
        bytes_total: 12_900_000,
        blocks_checked: 6_100,
        threads: 2,
        seconds: 0.4,
        damage: vec![Damage {
            file: "000058.sst".into(),
            cf: Some("default".into()),
            level: Some(1),
            part: "data block".into(),
            offset: Some(99_088),
            reason: "checksum mismatch: stored 0x146b42fa, computed 0x8a178d2b".into(),
        }],
        lost: vec![LostKeys {
            cf: "default".into(),
            file: "000058.sst".into(),
            level: Some(1),
            after: Some("node:0412".into()),
            through: "node:0445".into(),
            readable_before: Some("node:0411".into()),
            readable_after: Some("node:0446".into()),
            whole_file: false,
            estimated_keys: Some(33),
        }],
        damaged: true,
        needs_backup: true,
        verdict: "DAMAGED: 1 damage in 000058.sst. Reads cannot return about 33 keys in 1 range (below). RocksDB fails every read and compaction that meets them: restore the files named from a backup, or rebuild the database from a replica.".into(),
        ..VerifyReport::default()
    };
    snapshot_on(
        &f,
        "disk_verify_damaged",
        Access::ReadOnlySnapshot,
        &to_verify,
        &|app| {
            app.screen_mut::<DiskView>().verified = Some(Box::new(damaged.clone()));
        },
    );
    snapshot_on(
        &f,
        "disk_verify_start",
        Access::ReadOnlySnapshot,
        &to_verify,
        &|_| {},
    );
}

/// The Stats screen's write-stall page: Tab to it reads the verdict through the worker
/// (the same `stall` prints), drawn verdict first; `r` reads it again.
#[test]
fn stats_stall_page() {
    use spear_next::inspector::screens::stats::{StatsPage, StatsView};
    let f = fixture();
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 24);
    act(&mut app, &f, &[Action::Screen(4), Action::NextPage]);
    let view = app.screen::<StatsView>();
    assert_eq!(view.page, StatsPage::Stall);
    let report = view.stall.clone().expect("the verdict was read");
    assert_eq!(
        report.state,
        spear_next::inspector::analysis::stall::WriteState::Ok
    );
    snapshot_on(
        &f,
        "stats_stall",
        Access::ReadOnlySnapshot,
        &[Action::Screen(4), Action::NextPage],
        &|_| {},
    );
    // Re-reads two minutes apart while level 0 fills and pending bytes grow: the page
    // gives each rate and the minutes to the next threshold.
    snapshot_on(
        &f,
        "stats_stall_trend",
        Access::ReadOnlySnapshot,
        &[Action::Screen(4), Action::NextPage],
        &|app| {
            let view = app.screen_mut::<StatsView>();
            let report = view.stall.clone().expect("the verdict was read");
            let at = |l0: u64, pending: u64| {
                let mut r = (*report).clone();
                for c in &mut r.column_families[0].conditions {
                    match c.name {
                        "l0_files" => c.value = l0,
                        "pending_compaction_bytes" => c.value = pending,
                        _ => {}
                    }
                }
                r
            };
            let start = chrono::DateTime::parse_from_rfc3339("2026-12-04T07:00:00Z")
                .unwrap()
                .with_timezone(&chrono::Utc);
            view.stall_series = Default::default();
            view.stall_series.push(start, &at(2, 0));
            view.stall_series
                .push(start + chrono::TimeDelta::minutes(2), &at(8, 3 << 30));
        },
    );
}

/// The WAL screen's writes page: Tab reads every WAL batch through the worker and shows
/// the tallies `writes` prints (rates blanked for the snapshot: they follow file times).
#[test]
fn wal_writes_page() {
    use spear_next::inspector::screens::wal::{WalPage, WalView};
    let f = fixture_with_log();
    let mut app = app_for(&f, Access::ReadOnlySnapshot, 24);
    act(&mut app, &f, &[Action::Screen(8), Action::NextPage]);
    let view = app.screen::<WalView>();
    assert_eq!(view.page, WalPage::Writes);
    let report = view.writes.clone().expect("the writes were read");
    assert!(report.total.ops > 0 && report.wal_files > 0, "{report:?}");
    snapshot_on(
        &f,
        "wal_writes",
        Access::ReadOnlySnapshot,
        &[Action::Screen(8), Action::NextPage],
        &|app| {
            if let Some(r) = app.screen_mut::<WalView>().writes.as_mut() {
                r.span_seconds = None;
                for p in &mut r.per_prefix {
                    p.ops_per_second = None;
                }
            }
        },
    );
}
