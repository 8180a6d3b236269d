//! The WAL reader against RocksDB 7.8's own tools: WAL fixtures are written with `ldb`
//! and `db_bench` (Debian's `rocksdb-tools`) and our output is compared with
//! `ldb dump_wal`, byte for byte.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use spear_next::inspector::formats::wal::{
    Corruption, WalBatch, WalError, WalOpKind, WalReader, WalTail, ldb_header, ldb_line,
    read_newest, wal_files, wal_files_checked,
};

use crate::compat78::{
    fixture_root, fresh_dir, keep_wals_across_opens, ldb_load, require_tools, run_tool,
};

// ---------------------------------------------------------------- fixtures

fn only_log(dir: &Path) -> PathBuf {
    let mut logs: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    logs.sort();
    assert_eq!(
        logs.len(),
        1,
        "expected one WAL in {}: {logs:?}",
        dir.display()
    );
    logs.pop().unwrap()
}

const BENCH_COMMON: &[&str] = &[
    "--write_buffer_size=2000000000",
    "--max_write_buffer_number=4",
    "--disable_auto_compactions=1",
    "--compression_type=none",
    "--statistics=0",
    "--histogram=0",
    "--threads=1",
    "--seed=1",
];

/// Runs db_bench into a fresh DB; with a write buffer larger than everything written,
/// nothing is flushed and the single WAL survives the process (no flush at close).
fn db_bench(name: &str, args: &[&str]) -> PathBuf {
    let dir = fresh_dir(&fixture_root("wal-fixtures"), name);
    run_tool(
        Command::new("db_bench")
            .arg(format!("--db={}", dir.display()))
            .args(args)
            .args(BENCH_COMMON),
    );
    only_log(&dir)
}

macro_rules! fixture {
    ($fn_name:ident, $name:literal, [$($arg:literal),* $(,)?]) => {
        fn $fn_name() -> &'static Path {
            static P: OnceLock<PathBuf> = OnceLock::new();
            P.get_or_init(|| db_bench($name, &[$($arg),*]))
        }
    };
}

fixture!(
    single_delete_wal,
    "sd",
    [
        "--benchmarks=randomreplacekeys",
        "--use_single_deletes=1",
        "--num=300"
    ]
);
fixture!(
    range_delete_wal,
    "rt",
    [
        "--benchmarks=fillrandom",
        "--num=300",
        "--writes_per_range_tombstone=10",
        "--max_num_range_tombstones=20",
        "--range_tombstone_width=5"
    ]
);
fixture!(
    cf_wal,
    "cf",
    [
        "--benchmarks=fillrandom",
        "--num=300",
        "--num_column_families=3"
    ]
);
fixture!(
    delete_wal,
    "del",
    ["--benchmarks=fillseq,deleterandom", "--num=200"]
);
fixture!(
    merge_wal,
    "merge",
    [
        "--benchmarks=mergerandom",
        "--merge_operator=uint64add",
        "--num=300",
        "--value_size=8"
    ]
);
fixture!(
    txn_wal,
    "txn",
    [
        "--benchmarks=randomtransaction",
        "--transaction_db=1",
        "--num=100",
        "--transaction_sets=3"
    ]
);
fixture!(
    multi_op_batch_wal,
    "batch",
    ["--benchmarks=fillrandom", "--num=600", "--batch_size=7"]
);
fixture!(
    compressed_wal,
    "wc",
    [
        "--benchmarks=fillrandom",
        "--num=100",
        "--wal_compression=zstd"
    ]
);
fixture!(
    blob_wal,
    "blob",
    [
        "--benchmarks=fillrandom",
        "--num=100",
        "--use_blob_db=1",
        "--blob_db_min_blob_size=0"
    ]
);
// ~4 MB, 30000 batches: many blocks, and records after block trailers.
fixture!(
    mid_wal,
    "mid",
    ["--benchmarks=fillrandom", "--num=30000", "--value_size=100"]
);

/// A DB written by a sequence of `ldb` commands. `avoid_flush_during_recovery=true` is
/// patched into its OPTIONS file after the first command, so each later `ldb` run
/// keeps the previous WALs and adds one: one WAL per command.
fn ldb_dir() -> &'static Path {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| {
        let dir = fresh_dir(&fixture_root("wal-fixtures"), "ldbdb");
        let db = format!("--db={}", dir.display());
        let ldb = |args: &[&str]| run_tool(Command::new("ldb").arg(&db).args(args));
        ldb(&["--create_if_missing", "put", "k0", "v0"]);
        keep_wals_across_opens(&dir);
        ldb(&["put", "k1", "v1"]);
        ldb(&["delete", "k0"]);
        ldb(&["deleterange", "a", "k1"]);
        ldb(&["create_column_family", "cf1"]);
        ldb(&["put", "--column_family=cf1", "ck", "cv"]);
        ldb(&["put", "--hex", "0x00FF0A7F80", "0x0001FEFF"]);
        ldb(&["batchput", "b1", "x", "b2", "y", "b3", ""]);
        let big = "x".repeat(100_000);
        ldb(&["put", "big", &big]);
        dir
    })
}

/// `ldb load` of 3000 binary key/values (one batch each), sizes 0..5000 bytes plus a
/// few 40 KB / 100 KB values whose records span 2-4 blocks.
fn load_wal() -> &'static Path {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| {
        let dir = fresh_dir(&fixture_root("wal-fixtures"), "load");
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let mut input = String::new();
        for i in 0..3000u32 {
            let klen = next() % 20;
            let mut key: Vec<u8> = (0..klen).map(|_| next() as u8).collect();
            key.extend_from_slice(&i.to_be_bytes());
            let vlen = if i % 500 == 250 {
                [100_000, 40_000][(i / 500 % 2) as usize]
            } else {
                [0, 1, 10, 100, 1000, 5000][(next() % 6) as usize]
            };
            let value: Vec<u8> = (0..vlen).map(|_| next() as u8).collect();
            input.push_str(&format!("0x{} ==> 0x{}\n", hex(&key), hex(&value)));
        }
        ldb_load(&dir, &["--hex", "load"], &input);
        only_log(&dir)
    })
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

// ---------------------------------------------------------------- helpers

struct LdbDump {
    stdout: String,
    stderr: String,
    ok: bool,
}

fn ldb_dump(path: &Path, print_value: bool, header: bool) -> LdbDump {
    let mut cmd = Command::new("ldb");
    cmd.arg("dump_wal")
        .arg(format!("--walfile={}", path.display()));
    if print_value {
        cmd.arg("--print_value");
    }
    if header {
        cmd.arg("--header");
    }
    let out = cmd.output().expect("run ldb dump_wal");
    LdbDump {
        stdout: String::from_utf8(out.stdout).expect("ldb output is ASCII"),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        ok: out.status.success(),
    }
}

fn forward(path: &Path) -> (Vec<WalBatch>, WalTail) {
    let mut r = WalReader::open(path).unwrap();
    let batches: Vec<WalBatch> = r.by_ref().map(|b| b.unwrap()).collect();
    (
        batches,
        r.tail().cloned().expect("tail known after exhaustion"),
    )
}

fn our_dump(batches: &[WalBatch], print_value: bool, header: bool) -> String {
    let mut s = String::new();
    if header {
        s.push_str(&ldb_header(print_value));
        s.push('\n');
    }
    for b in batches {
        s.push_str(&ldb_line(b, print_value));
        s.push('\n');
    }
    s
}

fn assert_same_text(ours: &str, theirs: &str, what: &str) {
    if ours != theirs {
        let (o, t): (Vec<&str>, Vec<&str>) = (ours.lines().collect(), theirs.lines().collect());
        for (i, (a, b)) in o.iter().zip(&t).enumerate() {
            assert_eq!(a, b, "{what}: first difference at line {i}");
        }
        panic!("{what}: {} lines vs ldb's {}", o.len(), t.len());
    }
}

fn assert_matches_ldb(path: &Path) -> Vec<WalBatch> {
    let (batches, tail) = forward(path);
    assert_eq!(tail, WalTail::Clean, "{}", path.display());
    assert!(!batches.is_empty(), "{}", path.display());
    for (pv, hdr) in [(true, false), (false, false), (true, true), (false, true)] {
        let ldb = ldb_dump(path, pv, hdr);
        assert!(ldb.ok, "ldb failed on {}: {}", path.display(), ldb.stderr);
        assert_same_text(
            &our_dump(&batches, pv, hdr),
            &ldb.stdout,
            &format!("{} print_value={pv} header={hdr}", path.display()),
        );
    }
    batches
}

fn kinds(batches: &[WalBatch]) -> Vec<WalOpKind> {
    let mut k: Vec<WalOpKind> = batches
        .iter()
        .flat_map(|b| b.ops.iter().map(|o| o.kind))
        .collect();
    k.sort_by_key(|k| format!("{k:?}"));
    k.dedup();
    k
}

fn assert_tail_matches_forward(path: &Path) {
    let (all, tail) = forward(path);
    for n in [0, 1, 7, 1000, all.len(), all.len() + 5] {
        let (newest, t) = read_newest(path, n).unwrap();
        let expected: Vec<WalBatch> = all.iter().rev().take(n).cloned().collect();
        assert_eq!(newest.len(), expected.len(), "{} n={n}", path.display());
        assert!(
            newest == expected,
            "{} n={n}: batches differ",
            path.display()
        );
        assert_eq!(t, tail, "{} n={n}", path.display());
    }
}

// ---------------------------------------------------------------- 1. ldb equivalence

#[test]
fn ldb_commands_wals_match_ldb() {
    require_tools();
    let files = wal_files(ldb_dir()).unwrap();
    assert_eq!(files.len(), 8);
    let mut all = Vec::new();
    for f in &files {
        all.extend(assert_matches_ldb(&f.path));
    }
    let k = kinds(&all);
    for want in [WalOpKind::Put, WalOpKind::Delete, WalOpKind::RangeDelete] {
        assert!(k.contains(&want), "{want:?} missing from {k:?}");
    }
    assert!(all.iter().flat_map(|b| &b.ops).any(|o| o.cf == 1));
    assert!(
        all.iter().any(|b| b.byte_size > 3 * 32 * 1024),
        "no multi-block record"
    );
}

#[test]
fn binary_keys_and_block_spanning_values_match_ldb() {
    require_tools();
    let batches = assert_matches_ldb(load_wal());
    assert_eq!(batches.len(), 3000);
    assert!(batches.iter().any(|b| b.byte_size > 100_000));
}

#[test]
fn single_delete_wal_matches_ldb() {
    require_tools();
    assert!(kinds(&assert_matches_ldb(single_delete_wal())).contains(&WalOpKind::SingleDelete));
}

#[test]
fn range_delete_wal_matches_ldb() {
    require_tools();
    assert!(kinds(&assert_matches_ldb(range_delete_wal())).contains(&WalOpKind::RangeDelete));
}

#[test]
fn column_family_wal_matches_ldb() {
    require_tools();
    let b = assert_matches_ldb(cf_wal());
    assert!(b.iter().flat_map(|b| &b.ops).any(|o| o.cf == 2));
}

#[test]
fn delete_wal_matches_ldb() {
    require_tools();
    assert!(kinds(&assert_matches_ldb(delete_wal())).contains(&WalOpKind::Delete));
}

#[test]
fn merge_wal_matches_ldb() {
    require_tools();
    assert!(kinds(&assert_matches_ldb(merge_wal())).contains(&WalOpKind::Merge));
}

#[test]
fn transaction_wal_matches_ldb() {
    require_tools();
    let k = kinds(&assert_matches_ldb(txn_wal()));
    for want in [
        WalOpKind::BeginPrepare,
        WalOpKind::EndPrepare,
        WalOpKind::Commit,
    ] {
        assert!(k.contains(&want), "{want:?} missing from {k:?}");
    }
}

#[test]
fn multi_op_batches_match_ldb() {
    require_tools();
    let b = assert_matches_ldb(multi_op_batch_wal());
    assert!(b.iter().all(|b| b.count == 7 && b.ops.len() == 7));
}

#[test]
fn multi_megabyte_wal_matches_ldb() {
    require_tools();
    let b = assert_matches_ldb(mid_wal());
    assert_eq!(b.len(), 30000);
    // Records that open a block after trailer padding: ldb prints the trailer offset.
    assert!(b.iter().any(|b| b.ldb_offset != b.offset));
}

#[test]
fn compressed_wal_is_reported_unsupported() {
    require_tools();
    let path = compressed_wal();
    let first = WalReader::open(path).unwrap().next();
    assert!(
        matches!(first, Some(Err(WalError::Unsupported { .. }))),
        "{first:?}"
    );
    let err = read_newest(path, 10).unwrap_err();
    assert!(err.to_string().contains("compress"), "{err}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
}

#[test]
fn blob_index_wal_decodes_where_ldb_gives_up() {
    require_tools();
    let path = blob_wal();
    let (batches, tail) = forward(path);
    assert_eq!(tail, WalTail::Clean);
    assert_eq!(batches.len(), 100);
    assert!(kinds(&batches).contains(&WalOpKind::PutBlobIndex));
    let ldb = ldb_dump(path, true, false);
    assert!(!ldb.ok || ldb.stdout.contains("PutBlobIndexCF not implemented"));
}

// ---------------------------------------------------------------- 2. tail reader

#[test]
fn tail_reader_matches_forward_reader() {
    require_tools();
    assert_tail_matches_forward(load_wal());
    assert_tail_matches_forward(mid_wal());
    assert_tail_matches_forward(txn_wal());
    for f in wal_files(ldb_dir()).unwrap() {
        assert_tail_matches_forward(&f.path);
    }
}

#[test]
fn wal_files_lists_numbers_and_sequences() {
    require_tools();
    let files = wal_files(ldb_dir()).unwrap();
    let numbers: Vec<u64> = files.iter().map(|f| f.number).collect();
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{numbers:?}");
    let firsts: Vec<Option<u64>> = files.iter().map(|f| f.first_sequence).collect();
    let expected: Vec<Option<u64>> = [1, 2, 3, 4, 5, 6, 7, 10].into_iter().map(Some).collect();
    assert_eq!(firsts, expected);
    let batchput = &files[6];
    assert_eq!(batchput.last_sequence, Some(7));
    assert_eq!(batchput.last_op_sequence, Some(9));
    assert!(
        files.iter().all(|f| f.tail == Some(WalTail::Clean)
            && f.error.is_none()
            && f.corruptions.is_empty())
    );
}

// ---------------------------------------------------------------- 3. torn tails

fn scratch_copy(src: &Path, name: &str) -> PathBuf {
    let dir = fixture_root("wal-fixtures").join("torn").join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let dst = dir.join(src.file_name().unwrap());
    fs::copy(src, &dst).unwrap();
    dst
}

fn check_torn(path: &Path, intact: &[WalBatch], torn_at: u64) {
    let (batches, tail) = forward(path);
    assert!(
        batches == intact,
        "{}: {} batches, expected {}",
        path.display(),
        batches.len(),
        intact.len()
    );
    match &tail {
        WalTail::Torn { offset, .. } => assert_eq!(*offset, torn_at, "{tail:?}"),
        WalTail::Clean => panic!("{}: expected a torn tail", path.display()),
    }
    for n in [1, 7, 1000, intact.len() + 5] {
        let (newest, t) = read_newest(path, n).unwrap();
        let expected: Vec<WalBatch> = intact.iter().rev().take(n).cloned().collect();
        assert!(newest == expected, "{} n={n}", path.display());
        assert_eq!(t, tail, "{} n={n}", path.display());
    }
    // ldb stops at the same record (tolerating a torn tail, or skipping the bad block).
    let ldb = ldb_dump(path, true, false);
    assert_same_text(
        &our_dump(intact, true, false),
        &ldb.stdout,
        &path.display().to_string(),
    );
}

#[test]
fn truncated_and_corrupted_tails() {
    require_tools();
    let src = load_wal();
    let (all, _) = forward(src);
    let len = fs::metadata(src).unwrap().len();
    let last = all.last().unwrap();
    let big = all
        .iter()
        .rposition(|b| b.byte_size > 100_000)
        .expect("a 100 KB record");

    // Truncated in the middle of a record spanning four blocks (inside a MIDDLE fragment).
    let p = scratch_copy(src, "mid_big_record");
    let cut = all[big].offset + 50_000;
    fs::OpenOptions::new()
        .write(true)
        .open(&p)
        .unwrap()
        .set_len(cut)
        .unwrap();
    check_torn(&p, &all[..big], all[big].offset);

    // Truncated inside the last record's header.
    let p = scratch_copy(src, "mid_header");
    fs::OpenOptions::new()
        .write(true)
        .open(&p)
        .unwrap()
        .set_len(last.offset + 3)
        .unwrap();
    check_torn(&p, &all[..all.len() - 1], last.offset);

    // Truncated inside the last record's payload.
    let p = scratch_copy(src, "mid_payload");
    fs::OpenOptions::new()
        .write(true)
        .open(&p)
        .unwrap()
        .set_len(len - 1)
        .unwrap();
    check_torn(&p, &all[..all.len() - 1], last.offset);

    // One flipped byte in the last record's payload: checksum mismatch.
    let p = scratch_copy(src, "bad_crc");
    let mut bytes = fs::read(&p).unwrap();
    bytes[(len - 2) as usize] ^= 0x40;
    fs::write(&p, &bytes).unwrap();
    check_torn(&p, &all[..all.len() - 1], last.offset);
    assert!(
        ldb_dump(&p, false, false)
            .stderr
            .contains("checksum mismatch")
    );

    // A damaged LAST fragment of a record whose FIRST is blocks away: mid-file damage,
    // which ldb (and we) skip: see `damaged_last_fragment_mid_file_is_skipped_like_ldb`.
}

// ---------------------------------------------------------------- 3b. mid-file damage

/// Forward reading with the corruptions it skipped, like ldb dump_wal.
fn forward_with_corruptions(path: &Path) -> (Vec<WalBatch>, WalTail, Vec<Corruption>) {
    let mut r = WalReader::open(path).unwrap();
    let batches: Vec<WalBatch> = r.by_ref().map(|b| b.unwrap()).collect();
    let corruptions = r.corruptions().to_vec();
    (batches, r.tail().cloned().unwrap(), corruptions)
}

/// `path` is a copy of a WAL whose batches were `orig`, damaged so that the logical record
/// starting at `orig[lost]` is lost: checks that we print what ldb prints (every batch
/// but the ones ldb skips), report one corruption starting at that record, and that the
/// tail reader and `wal_files` agree.
fn check_mid_file_damage(path: &Path, orig: &[WalBatch], lost: usize, reason: &str) {
    let (batches, tail, corruptions) = forward_with_corruptions(path);
    for pv in [true, false] {
        let ldb = ldb_dump(path, pv, false);
        assert!(ldb.ok, "ldb failed on {}: {}", path.display(), ldb.stderr);
        assert!(
            ldb.stderr.contains(reason),
            "{}: ldb said {}",
            path.display(),
            ldb.stderr
        );
        assert_same_text(
            &our_dump(&batches, pv, false),
            &ldb.stdout,
            &format!("{} print_value={pv}", path.display()),
        );
    }
    assert_eq!(tail, WalTail::Clean, "{}", path.display());
    assert_eq!(corruptions.len(), 1, "{corruptions:?}");
    let c = &corruptions[0];
    assert_eq!(c.offset, orig[lost].offset, "{c:?}");
    assert!(c.reason.contains(reason), "{c:?}");
    // Reading resumes with a batch that starts in a later block than the damage.
    let resume = c.offset + c.skipped_bytes;
    let next = batches
        .iter()
        .position(|b| b.offset == resume)
        .expect("a batch where reading resumes");
    assert_eq!(next, lost, "batches before the damage are all read");
    assert!(resume / 32768 > c.offset / 32768, "{c:?}");
    // Exactly the batches of `orig` that start inside the skipped stretch are missing.
    let kept: Vec<&WalBatch> = orig
        .iter()
        .filter(|b| b.offset < c.offset || b.offset >= resume)
        .collect();
    assert!(
        batches.iter().eq(kept.iter().copied()),
        "{}",
        path.display()
    );
    assert!(
        batches.len() > lost + 1,
        "batches after the damage are read"
    );
    // Backwards, the damage is skipped the same way.
    assert_tail_matches_forward(path);
    // `wal --files` sees it.
    let info = wal_files_checked(path.parent().unwrap()).unwrap();
    assert_eq!(info.len(), 1);
    assert_eq!(info[0].corruptions, corruptions);
    // The quick listing does not read the middle.
    assert!(
        wal_files(path.parent().unwrap()).unwrap()[0]
            .corruptions
            .is_empty()
    );
    assert_eq!(info[0].tail, Some(WalTail::Clean));
}

/// 21 bytes overwritten at byte 400000 of a db_bench WAL (the tester's case).
#[test]
fn overwritten_bytes_mid_file_are_skipped_like_ldb() {
    require_tools();
    // 21 bytes overwritten at byte 400000 of a db_bench WAL (the tester's case: ldb
    // reports the corruption and prints every readable batch after it).
    let src = mid_wal();
    let (orig, _) = forward(src);
    let p = scratch_copy(src, "overwritten_mid_file");
    let mut bytes = fs::read(&p).unwrap();
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for b in &mut bytes[400_000..400_021] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    fs::write(&p, &bytes).unwrap();
    let lost = orig.iter().rposition(|b| b.offset <= 400_000).unwrap();
    check_mid_file_damage(&p, &orig, lost, "checksum mismatch");
}

/// One flipped byte inside a MIDDLE fragment of a record spanning four blocks: that
/// block's rest and the record's orphaned LAST fragment are skipped.
#[test]
fn flipped_byte_in_a_block_spanning_record_is_skipped_like_ldb() {
    require_tools();
    let src = load_wal();
    let (orig, _) = forward(src);
    let big = orig
        .iter()
        .rposition(|b| b.byte_size > 100_000)
        .expect("a 100 KB record");
    let p = scratch_copy(src, "flip_in_middle_fragment");
    let mut bytes = fs::read(&p).unwrap();
    bytes[orig[big].offset as usize + 50_000] ^= 0x10;
    fs::write(&p, &bytes).unwrap();
    check_mid_file_damage(&p, &orig, big, "checksum mismatch");
    let (_, _, c) = forward_with_corruptions(&p);
    assert_eq!(c[0].skipped_bytes, orig[big + 1].offset - orig[big].offset);
}

/// The same record's LAST fragment damaged, blocks away from its FIRST.
#[test]
fn damaged_last_fragment_mid_file_is_skipped_like_ldb() {
    require_tools();
    let src = load_wal();
    let (orig, _) = forward(src);
    let big = orig
        .iter()
        .rposition(|b| b.byte_size > 100_000)
        .expect("a 100 KB record");
    let p = scratch_copy(src, "bad_crc_in_spanning_record");
    let mut bytes = fs::read(&p).unwrap();
    bytes[orig[big + 1].offset as usize - 2] ^= 0x01;
    fs::write(&p, &bytes).unwrap();
    check_mid_file_damage(&p, &orig, big, "checksum mismatch");
    // The newest batches, read backwards, are ldb's last lines.
    let (newest, t) = read_newest(&p, 3).unwrap();
    assert!(newest == orig.iter().rev().take(3).cloned().collect::<Vec<_>>());
    assert_eq!(t, WalTail::Clean);
}

/// A damaged length field in the middle of a block: "bad record length".
#[test]
fn bad_length_mid_file_is_skipped_like_ldb() {
    require_tools();
    let src = mid_wal();
    let (orig, _) = forward(src);
    let i = orig
        .iter()
        .position(|b| b.offset > 1_000_000 && b.offset % 32768 < 16_000)
        .unwrap();
    let p = scratch_copy(src, "bad_length_mid_file");
    let mut bytes = fs::read(&p).unwrap();
    bytes[orig[i].offset as usize + 5] = 0xff; // length >= 65280: past the block's end
    fs::write(&p, &bytes).unwrap();
    check_mid_file_damage(&p, &orig, i, "bad record length");
}

/// Forward reading and `read_newest` agree with ldb on a damaged copy; returns the
/// batches and the one corruption reported.
fn check_against_ldb(path: &Path, ldb_reason: &str) -> (Vec<WalBatch>, Corruption) {
    let (batches, tail, corruptions) = forward_with_corruptions(path);
    let ldb = ldb_dump(path, true, false);
    assert!(ldb.stderr.contains(ldb_reason), "ldb said {}", ldb.stderr);
    assert_same_text(
        &our_dump(&batches, true, false),
        &ldb.stdout,
        &path.display().to_string(),
    );
    assert_eq!(tail, WalTail::Clean);
    assert_eq!(corruptions.len(), 1, "{corruptions:?}");
    assert_tail_matches_forward(path);
    (batches, corruptions[0].clone())
}

/// A zeroed header inside a record spanning blocks (ldb: the zero record skips the rest
/// of the block and drops the unfinished record), and a record of a type RocksDB 7.8
/// does not know, with a valid checksum (ldb: reported, and the next record of the same
/// block is read).
#[test]
fn zeroed_fragment_and_unknown_type_are_skipped_like_ldb() {
    require_tools();
    let src = load_wal();
    let (orig, _) = forward(src);
    let big = orig
        .iter()
        .rposition(|b| b.byte_size > 100_000)
        .expect("a 100 KB record");
    let p = scratch_copy(src, "zeroed_middle_fragment");
    let mut bytes = fs::read(&p).unwrap();
    let middle = (orig[big].offset / 32768 + 1) as usize * 32768;
    bytes[middle..middle + 7].fill(0);
    fs::write(&p, &bytes).unwrap();
    let (batches, c) = check_against_ldb(&p, "error in middle of record");
    assert_eq!(c.offset, orig[big].offset, "{c:?}");
    assert_eq!(c.offset + c.skipped_bytes, orig[big + 1].offset, "{c:?}");
    assert_eq!(batches.len(), orig.len() - 1);

    let src = mid_wal();
    let (orig, _) = forward(src);
    let i = orig
        .iter()
        .position(|b| b.offset > 1_000_000 && b.offset % 32768 < 16_000)
        .unwrap();
    let p = scratch_copy(src, "unknown_record_type");
    let mut bytes = fs::read(&p).unwrap();
    let at = orig[i].offset as usize;
    assert_eq!(bytes[at + 6], 1, "a FULL record");
    bytes[at + 6] = 42;
    let len = orig[i].byte_size;
    let crc = crc32c::crc32c(&bytes[at + 6..at + 7 + len]);
    let masked = crc.rotate_right(15).wrapping_add(0xa282_ead8);
    bytes[at..at + 4].copy_from_slice(&masked.to_le_bytes());
    fs::write(&p, &bytes).unwrap();
    let (batches, c) = check_against_ldb(&p, "unknown record type 42");
    assert_eq!(c.offset, orig[i].offset, "{c:?}");
    assert_eq!(c.offset + c.skipped_bytes, orig[i + 1].offset, "{c:?}");
    assert!(c.reason.contains("unknown record type 42"), "{c:?}");
    let mut expected = orig.clone();
    expected.remove(i);
    assert!(batches == expected);
}

// ---------------------------------------------------------------- 4. empty / zero files

#[test]
fn empty_and_zero_filled_files() {
    require_tools();
    let dir = fixture_root("wal-fixtures").join("zero");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let empty = dir.join("000001.log");
    fs::write(&empty, b"").unwrap();
    let zeros = dir.join("000002.log");
    fs::write(&zeros, vec![0u8; 100_000]).unwrap();
    for p in [&empty, &zeros] {
        let (b, t) = forward(p);
        assert!(b.is_empty());
        assert_eq!(t, WalTail::Clean);
        assert_eq!(read_newest(p, 5).unwrap(), (vec![], WalTail::Clean));
        assert_eq!(ldb_dump(p, true, false).stdout, "");
    }
    // A real WAL followed by preallocated (zeroed) space.
    let src = multi_op_batch_wal();
    let padded = dir.join("000003.log");
    let mut bytes = fs::read(src).unwrap();
    bytes.resize(bytes.len() + 70_000, 0);
    fs::write(&padded, &bytes).unwrap();
    let (mut orig, _) = forward(src);
    for b in &mut orig {
        b.wal_number = 3;
    }
    let (b, t) = forward(&padded);
    assert!(b == orig);
    assert_eq!(t, WalTail::Clean);
    assert!(
        read_newest(&padded, 3).unwrap().0
            == orig.iter().rev().take(3).cloned().collect::<Vec<_>>()
    );
    assert_same_text(
        &our_dump(&b, true, false),
        &ldb_dump(&padded, true, false).stdout,
        "padded",
    );
    let infos = wal_files(&dir).unwrap();
    assert_eq!(infos.len(), 3);
    assert_eq!(infos[0].first_sequence, None);
}

// ---------------------------------------------------------------- 5. a large WAL

/// A WAL of 2M puts from db_bench (100-byte values, about 276 MB, 20 s to write), or the
/// file `SPEAR_WAL_BIG_FILE` names.
fn big_wal(dir: &Path) -> PathBuf {
    if let Ok(p) = std::env::var("SPEAR_WAL_BIG_FILE") {
        return PathBuf::from(p);
    }
    run_tool(
        Command::new("db_bench")
            .arg(format!("--db={}", dir.display()))
            .args([
                "--benchmarks=fillrandom",
                "--num=2000000",
                "--value_size=100",
                "--key_size=16",
            ])
            .args(BENCH_COMMON),
    );
    only_log(dir)
}

/// The newest 1000 batches of a 200+ MB WAL, read backwards, are ldb's last 1000 lines.
///
/// Ignored: writing the fixture alone takes longer than the whole suite should. How fast
/// `read_newest` is on such a file is a benchmark (README, benches), never a test.
#[test]
#[ignore = "a 276 MB fixture; the speed of this read is a benchmark, not a test"]
fn newest_1000_of_a_200mb_wal_match_ldb() {
    require_tools();
    let (_dir, db) = crate::common::temp_db();
    let path = big_wal(&db);
    let size = fs::metadata(&path).unwrap().len();
    assert!(size >= 200 << 20, "{size}");

    let (newest, tail) = read_newest(&path, 1000).unwrap();
    assert_eq!(newest.len(), 1000);
    assert_eq!(tail, WalTail::Clean);

    let ldb = ldb_dump(&path, false, false);
    assert!(ldb.ok, "{}", ldb.stderr);
    let ldb_last: Vec<&str> = ldb.stdout.lines().rev().take(1000).collect();
    let our_last: Vec<String> = newest.iter().map(|b| ldb_line(b, false)).collect();
    assert_eq!(our_last, ldb_last);

    let (all, tail) = forward(&path);
    assert_eq!(tail, WalTail::Clean);
    assert_eq!(all.len(), ldb.stdout.lines().count());
    assert!(newest.iter().eq(all.iter().rev().take(1000)));
}

// ---------------------------------------------------------------- recycled WAL files

/// A DB whose WALs are recycled (11-byte headers carrying the log number).
/// db_bench takes an OPTIONS file with `recycle_log_file_num=2`; RocksDB only honours
/// that with `wal_recovery_mode=kSkipAnyCorruptedRecords`, and a small write buffer
/// makes it switch (and recycle) logs often.
fn recycled_dir() -> &'static Path {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| {
        let seed_db = db_bench("rec_seed", &["--benchmarks=fillseq", "--num=1"]);
        let seed_dir = seed_db.parent().unwrap();
        let options = fs::read_dir(seed_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                p.file_name()
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .starts_with("OPTIONS-")
            })
            .expect("OPTIONS file");
        let ini: String = fs::read_to_string(options)
            .unwrap()
            .lines()
            .map(|l| match l.trim_start().split_once('=') {
                Some(("recycle_log_file_num", _)) => "  recycle_log_file_num=2".to_string(),
                Some(("wal_recovery_mode", _)) => {
                    "  wal_recovery_mode=kSkipAnyCorruptedRecords".to_string()
                }
                Some(("write_buffer_size", _)) => "  write_buffer_size=200000".to_string(),
                Some(("arena_block_size", _)) => "  arena_block_size=16384".to_string(),
                _ => l.to_string(),
            })
            .map(|l| l + "\n")
            .collect();
        let ini_path = fixture_root("wal-fixtures").join("recycle.ini");
        fs::write(&ini_path, ini).unwrap();
        let dir = fresh_dir(&fixture_root("wal-fixtures"), "recycled");
        run_tool(
            Command::new("db_bench")
                .arg(format!("--db={}", dir.display()))
                .arg(format!("--options_file={}", ini_path.display()))
                .args(["--benchmarks=fillrandom", "--num=20000", "--value_size=100"])
                .args(["--statistics=0", "--histogram=0", "--threads=1", "--seed=1"]),
        );
        dir
    })
}

#[test]
fn recycled_wals_match_ldb() {
    require_tools();
    let files = wal_files(recycled_dir()).unwrap();
    assert!(files.len() >= 2, "{files:?}");
    for f in &files {
        let bytes = fs::read(&f.path).unwrap();
        assert_eq!(
            bytes[6],
            5,
            "{}: expected a recyclable FULL record first",
            f.path.display()
        );
        assert_matches_ldb(&f.path);
        assert_tail_matches_forward(&f.path);
    }
}

#[test]
fn recycled_wal_with_leftover_data() {
    require_tools();
    let files = wal_files(recycled_dir()).unwrap();
    let (older, newest) = (&files[files.len() - 2], &files[files.len() - 1]);
    let old_bytes = fs::read(&older.path).unwrap();
    let new_bytes = fs::read(&newest.path).unwrap();
    assert!(old_bytes.len() > new_bytes.len());
    let (intact, _) = forward(&newest.path);

    // What a crash leaves behind: the new incarnation's records over the old file's
    // content. The reader must stop where the new data ends.
    let dir = fixture_root("wal-fixtures").join("recycled-crash");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let crashed = dir.join(newest.path.file_name().unwrap());
    let mut bytes = old_bytes.clone();
    bytes[..new_bytes.len()].copy_from_slice(&new_bytes);
    fs::write(&crashed, &bytes).unwrap();
    let (b, tail) = forward(&crashed);
    eprintln!("recycled crash: {} batches, tail {tail:?}", b.len());
    assert!(b == intact);
    match &tail {
        WalTail::Clean => {}
        WalTail::Torn { offset, .. } => assert_eq!(*offset, new_bytes.len() as u64),
    }
    for n in [1, 7, intact.len() + 1] {
        let (newest_b, t) = read_newest(&crashed, n).unwrap();
        assert!(newest_b == intact.iter().rev().take(n).cloned().collect::<Vec<_>>());
        assert_eq!(t, tail);
    }
    assert_same_text(
        &our_dump(&intact, true, false),
        &ldb_dump(&crashed, true, false).stdout,
        "recycled crash",
    );

    // A recycled file seen under another log number holds only old records.
    let renamed = dir.join("999999.log");
    fs::write(&renamed, &old_bytes).unwrap();
    assert_eq!(forward(&renamed), (vec![], WalTail::Clean));
    assert_eq!(read_newest(&renamed, 5).unwrap(), (vec![], WalTail::Clean));
    assert_eq!(ldb_dump(&renamed, true, false).stdout, "");
}

/// The WAL screen holds the newest batches up to a byte budget, not 1,000 of whatever
/// size: 100 batches of 1 MiB values keep 32 MiB (the newest ones, as read_newest
/// gives them), never 100 MiB.
#[test]
fn the_wal_screen_holds_its_batches_within_a_byte_budget() {
    use spear_next::inspector::analysis::recent::{WAL_SCREEN_BYTES, read_wal};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let mut opts = rocksdb::Options::default();
    opts.create_if_missing(true);
    opts.set_write_buffer_size(512 << 20);
    let db = rocksdb::DB::open(&opts, &path).unwrap();
    for i in 0..100u32 {
        db.put(format!("big:{i:03}"), vec![i as u8; 1 << 20])
            .unwrap();
    }
    drop(db);
    let report = read_wal(&path, 1000).unwrap();
    let kept: usize = report.batches.iter().map(|b| b.byte_size).sum();
    assert!(
        kept <= WAL_SCREEN_BYTES + (1 << 20) + 1024,
        "{kept} bytes kept"
    );
    assert!(
        report.batches.len() >= 30 && report.batches.len() < 100,
        "{}",
        report.batches.len()
    );
    let wal = wal_files(&path).unwrap().pop().unwrap();
    let (newest, _) = read_newest(&wal.path, report.batches.len()).unwrap();
    assert_eq!(report.batches, newest, "the newest ones, newest first");
    assert_eq!(report.batches[0].ops[0].key, b"big:099");
}
