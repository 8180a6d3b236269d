//! The storage worker and the byte-level source, against real RocksDB directories.

use std::sync::Arc;
use std::time::Duration;

use spear_next::inspector::error::{ErrorClass, InspectError};
use spear_next::inspector::source::{Access, Anchor, Bounds, Source};
use spear_next::inspector::worker::{
    self, Body, Command, Context, Event, FilterTest, Job, Kind, Placement, Request,
};
use tokio::sync::mpsc::UnboundedReceiver;

use crate::common::{FIXTURE_TEXT_KEYS, temp_db, write_fixture};

fn fixture() -> (tempfile::TempDir, Arc<Source>) {
    let (dir, path) = temp_db();
    write_fixture(&path);
    let source = Source::open(&path, false).expect("open fixture read-only");
    (dir, Arc::new(source))
}

pub(crate) async fn next(events: &mut UnboundedReceiver<Event>) -> Event {
    tokio::time::timeout(Duration::from_secs(20), events.recv())
        .await
        .expect("the worker answers")
        .expect("the worker is running")
}

pub(crate) fn run(id: u64, cf: &str, job: Job) -> Request {
    Request::new(id, Context::cf(cf), job)
}

fn key(i: usize) -> Vec<u8> {
    format!("key:{i:04}").into_bytes()
}

#[test]
fn opens_read_only_with_every_column_family() {
    let (_dir, source) = fixture();
    assert_eq!(source.access(), Access::ReadOnlySnapshot);
    assert_eq!(source.column_families(), ["default", "events"]);
    assert!(
        source
            .check_cf("nope")
            .unwrap_err()
            .to_string()
            .contains("default, events")
    );
}

#[test]
fn paging_forward_and_back_across_the_ends() {
    let (_dir, source) = fixture();
    let all = Bounds::default();
    let first = source.page("default", &all, &Anchor::First, 100).unwrap();
    assert!(first.at_start && !first.at_end);
    assert_eq!(first.entries[0].key, key(0));
    assert_eq!(first.entries[99].key, key(99));

    let next = source
        .page("default", &all, &Anchor::After(key(99)), 100)
        .unwrap();
    assert_eq!(next.entries[0].key, key(100));
    assert!(!next.at_start);

    // The last page crosses from text keys into the binary ones and stops at the end.
    let tail = source
        .page("default", &all, &Anchor::After(key(250)), 100)
        .unwrap();
    assert_eq!(tail.entries.len(), 49 + 8);
    assert!(tail.at_end);
    assert_eq!(tail.entries.last().unwrap().key, b"\xff\x00bin:7");

    let back = source
        .page("default", &all, &Anchor::Before(key(5)), 100)
        .unwrap();
    assert_eq!(
        back.entries
            .iter()
            .map(|e| e.key.clone())
            .collect::<Vec<_>>(),
        (0..5).map(key).collect::<Vec<_>>()
    );
    assert!(back.at_start);

    let last = source.page("default", &all, &Anchor::Last, 3).unwrap();
    assert!(last.at_end && !last.at_start);
    assert_eq!(last.entries[2].key, b"\xff\x00bin:7");
    assert_eq!(last.entries[0].key, b"\xff\x00bin:5");
    assert_eq!(last.entries[0].value_len, 8);
}

#[test]
fn seek_and_prefix_bounds() {
    let (_dir, source) = fixture();
    let page = source
        .page(
            "default",
            &Bounds::default(),
            &Anchor::AtOrAfter(b"key:0150x".to_vec()),
            2,
        )
        .unwrap();
    assert_eq!(page.entries[0].key, key(151));
    assert!(!page.at_start);

    let bounds = Bounds::prefix(b"key:01");
    let page = source
        .page("default", &bounds, &Anchor::First, 1000)
        .unwrap();
    assert_eq!(page.entries.len(), 100);
    assert!(page.at_start && page.at_end);
    let page = source.page("default", &bounds, &Anchor::Last, 1).unwrap();
    assert_eq!(page.entries[0].key, key(199));

    let binary = source
        .page("default", &Bounds::prefix(b"\xff\x00"), &Anchor::First, 100)
        .unwrap();
    assert_eq!(binary.entries.len(), 8);
    // A prefix of all 0xff bytes has no upper bound; still works.
    let ff = source
        .page("default", &Bounds::prefix(b"\xff"), &Anchor::First, 100)
        .unwrap();
    assert_eq!(ff.entries.len(), 8);
}

#[test]
fn column_families_are_separate() {
    let (_dir, source) = fixture();
    let page = source
        .page("events", &Bounds::default(), &Anchor::First, 1000)
        .unwrap();
    assert_eq!(page.entries.len(), 50);
    assert_eq!(page.entries[0].key, b"event:000");
    assert!(source.get("events", &key(1), 100).unwrap().is_none());
    assert_eq!(
        source.get("events", b"event:007", 100).unwrap().unwrap().0,
        br#"{"seq":7}"#
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn worker_answers_pages_values_counts() {
    let (_dir, source) = fixture();
    let (handle, mut events) = worker::spawn(source);
    let page = Job::Page {
        anchor: Anchor::First,
        limit: 10,
        placement: Placement::Replace,
    };
    handle.send(run(1, "default", page));
    let event = next(&mut events).await;
    assert_eq!((event.ticket.kind, event.ticket.id), (Kind::Page, 1));
    match event.body {
        Body::Page { page, .. } => assert_eq!(page.entries.len(), 10),
        other => panic!("{other:?}"),
    }
    handle.send(run(
        2,
        "default",
        Job::Value {
            key: key(1),
            max_len: 5,
        },
    ));
    let event = next(&mut events).await;
    assert_eq!(event.ticket.id, 2);
    match event.body {
        Body::Value {
            value: Some((bytes, size)),
            ..
        } => {
            assert_eq!(bytes, b"plain");
            assert_eq!(size, "plain text value 1".len());
        }
        other => panic!("{other:?}"),
    }
    handle.send(run(3, "default", Job::Count { contains: None }));
    loop {
        let event = next(&mut events).await;
        assert_eq!(event.ticket.id, 3);
        assert_eq!(
            event.context.cf, "default",
            "the answer carries its context"
        );
        match event.body {
            Body::Counted { counted, .. } => {
                assert_eq!(counted, FIXTURE_TEXT_KEYS as u64 + 8);
                break;
            }
            Body::Progress(_) => {}
            other => panic!("{other:?}"),
        }
    }
    handle.send(run(4, "missing", Job::Count { contains: None }));
    let event = next(&mut events).await;
    assert_eq!(event.ticket.id, 4);
    match event.body {
        Body::Failed(error) => {
            assert!(
                matches!(error, InspectError::UnknownColumnFamily { .. }),
                "{error:?}"
            );
            assert_eq!(error.class(), ErrorClass::User);
            assert!(
                error.to_string().contains("no column family \"missing\""),
                "{error}"
            );
        }
        other => panic!("{other:?}"),
    }
}

/// Runs a filter and collects its matches and final counts.
pub(crate) async fn filter_matches(
    events: &mut UnboundedReceiver<Event>,
    id: u64,
    matches: &mut Vec<spear_next::inspector::source::Entry>,
) -> (u64, u64) {
    loop {
        let event = next(events).await;
        assert_eq!(event.ticket.id, id);
        match event.body {
            Body::Matches(entries) => matches.extend(entries),
            Body::Progress(_) => {}
            Body::Filtered {
                scanned, matched, ..
            } => return (scanned, matched),
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn substring_filter_streams_matches() {
    let (_dir, source) = fixture();
    let (handle, mut events) = worker::spawn(source);
    let needle = b"0:".to_vec(); // only in the binary keys "\xff\x00bin:0"
    handle.send(run(
        7,
        "default",
        Job::Filter {
            test: FilterTest::Contains(needle),
            cap: 100,
        },
    ));
    let mut matches = Vec::new();
    let (scanned, matched) = filter_matches(&mut events, 7, &mut matches).await;
    assert_eq!(scanned, FIXTURE_TEXT_KEYS as u64 + 8);
    assert_eq!(matched, 0, "no key contains 0: ");
    let needle = b"99".to_vec();
    handle.send(run(
        8,
        "default",
        Job::Filter {
            test: FilterTest::Contains(needle),
            cap: 2,
        },
    ));
    let (_, matched) = filter_matches(&mut events, 8, &mut matches).await;
    assert_eq!(matched, 3, "key:0099, key:0199, key:0299");
    assert_eq!(
        matches.len(),
        2,
        "the cap limits what is sent, not what is counted"
    );
    assert_eq!(matches[0].key, key(99));
}

/// A newer filter cancels the older scan: the older one's events stop.
#[tokio::test(flavor = "multi_thread")]
async fn a_new_filter_cancels_the_old_scan() {
    let (dir, path) = temp_db();
    {
        let mut opts = rocksdb::Options::default();
        opts.create_if_missing(true);
        let db = rocksdb::DB::open(&opts, &path).unwrap();
        let mut batch = rocksdb::WriteBatch::default();
        for i in 0..400_000u32 {
            batch.put(format!("k{i:08}"), b"v");
        }
        db.write(batch).unwrap();
    }
    let source = Arc::new(Source::open(&path, false).unwrap());
    let (handle, mut events) = worker::spawn(source);
    let needle = b"no such thing".to_vec();
    handle.send(run(
        1,
        "default",
        Job::Filter {
            test: FilterTest::Contains(needle),
            cap: 10,
        },
    ));
    let needle = b"k0000001".to_vec();
    handle.send(run(
        2,
        "default",
        Job::Filter {
            test: FilterTest::Contains(needle),
            cap: 10,
        },
    ));
    let mut done = Vec::new();
    while done.is_empty() {
        let event = next(&mut events).await;
        if let Body::Filtered { .. } = event.body {
            done.push(event.ticket.id);
        }
    }
    assert_eq!(done, [2]);
    // Nothing more from the cancelled scan.
    assert!(
        tokio::time::timeout(Duration::from_millis(500), events.recv())
            .await
            .is_err()
    );
    handle.send(Command::Cancel(Kind::Filter));
    drop(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn scan_streams_with_bounded_batches_and_limit() {
    let (_dir, source) = fixture();
    let (sink, mut batches) = tokio::sync::mpsc::channel(1);
    let scan = tokio::task::spawn_blocking(move || {
        worker::stream_scan(
            &source,
            "default",
            &Bounds::prefix(b"key:"),
            Some(150),
            &sink,
        )
    });
    let mut seen = 0;
    while let Some(batch) = batches.recv().await {
        seen += batch.len();
    }
    assert_eq!(seen, 150);
    assert_eq!(scan.await.unwrap().unwrap(), 150);
}

#[tokio::test(flavor = "multi_thread")]
async fn registries_decode_through_the_library_types_and_keep_broken_records() {
    use chrono::TimeZone;
    let (_dir, path) = temp_db();
    let now = chrono::Utc
        .with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
        .unwrap();
    spear_next::inspector::demo::create(&path, now)
        .await
        .unwrap();
    let source = Arc::new(Source::open(&path, false).unwrap());
    let (handle, mut events) = worker::spawn(source);
    handle.send(run(1, "default", Job::Registry));
    let Body::Registry(snapshot) = next(&mut events).await.body else {
        panic!("expected the registries")
    };
    assert_eq!(snapshot.nodes.records.len(), 200);
    assert_eq!(snapshot.nodes.undecodable.len(), 2);
    assert!(
        snapshot
            .nodes
            .undecodable
            .iter()
            .any(|u| u.error.contains("expected struct NodeInfo"))
    );
    assert_eq!(snapshot.resources.records.len(), 191);
    assert_eq!(snapshot.resources.undecodable.len(), 1);
    assert!(
        snapshot.resources.undecodable[0].error.contains("UUID"),
        "{}",
        snapshot.resources.undecodable[0].error
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn stats_levels_match_the_files_and_maintenance_needs_write() {
    let (_dir, source) = fixture();
    let (handle, mut events) = worker::spawn(Arc::clone(&source));
    handle.send(run(1, "default", Job::Stats));
    let Body::Stats(stats) = next(&mut events).await.body else {
        panic!("expected stats")
    };
    let files: u64 = stats
        .column_families
        .iter()
        .flat_map(|c| &c.levels)
        .map(|l| l.files)
        .sum();
    assert_eq!(files as usize, stats.sst_files.len());
    assert!(stats.rocksdb_stats.contains("DB Stats"));
    let flush = Job::Maintain(spear_next::inspector::worker::Maintenance::Flush);
    handle.send(run(2, "default", flush));
    let event = next(&mut events).await;
    assert_eq!(event.ticket.id, 2);
    match event.body {
        Body::Failed(error) => {
            assert_eq!(error.class(), ErrorClass::Refusal, "{error:?}");
            assert!(error.to_string().contains("--write"), "{error}");
        }
        other => panic!("{other:?}"),
    }
}

/// Probing the lock of a database this very process holds must not release that lock:
/// with POSIX record locks, closing any descriptor of `LOCK` would. Afterwards another
/// process still cannot open the database for writing.
#[test]
fn the_lock_probe_keeps_this_process_own_lock() {
    let (_dir, path) = temp_db();
    let held = rocksdb::DB::open_default(&path).unwrap();
    for _ in 0..3 {
        assert!(spear_next::inspector::source::lock_is_held(&path));
    }
    let output = crate::cli::run(&["put", path.to_str().unwrap(), "k", "v", "--write"]);
    assert_eq!(
        output.status.code(),
        Some(crate::cli::REFUSED),
        "a second writer got in: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("locked by another process"));
    drop(held);
    assert!(!spear_next::inspector::source::lock_is_held(&path));
}
