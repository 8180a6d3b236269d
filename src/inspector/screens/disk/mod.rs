//! Screen 6, what fills the disk: where the bytes are (files by kind), the key space by
//! prefix (drilled into level by level, estimated at once or counted on request) and the
//! tombstones (counted from properties, or measured by walking the keys), the LSM by
//! prefix (every table read entry by entry: what a compaction would reclaim) and every
//! file's checksums. Drawing is in `draw`.

mod draw;
mod draw_lsm;

use crossterm::event::KeyCode::{Char, Enter, Tab};
use ratatui::Frame;
use ratatui::layout::Rect;

use super::{Change, Cx, DrawCx, NO_FILTER_HERE, Screen};
use crate::inspector::analysis::keyspace::{Breakdown, Grouping};
use crate::inspector::analysis::lsm::LsmReport;
use crate::inspector::analysis::tombstones::Tombstones;
use crate::inspector::analysis::usage::Usage;
use crate::inspector::analysis::verify::VerifyReport;
use crate::inspector::input::action::Action;
use crate::inspector::input::keymap::{Binding, b};
use crate::inspector::source::Bounds;
use crate::inspector::state::Session;
use crate::inspector::state::table::TableCursor;
use crate::inspector::worker::{
    Body, Command, Context, Event, Job, Kind, Progress, Purpose, Ticket,
};

/// Whether a fresh count disagrees with the one a kept walk was made with.
fn context_changed(fresh: &Tombstones, kept: Option<&Tombstones>) -> bool {
    kept.is_some_and(|k| k.memtable != fresh.memtable || k.levels != fresh.levels)
}

/// The pages of the Disk screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiskPage {
    /// Every file by kind.
    Files,
    /// The key space by prefix.
    Prefixes,
    /// Tombstones.
    Tombstones,
    /// The LSM by prefix.
    Lsm,
    /// Every file's checksums.
    Verify,
}

impl DiskPage {
    /// Every page in Tab order.
    pub const ALL: [DiskPage; 5] = [
        DiskPage::Files,
        DiskPage::Prefixes,
        DiskPage::Tombstones,
        DiskPage::Lsm,
        DiskPage::Verify,
    ];

    /// Its title.
    pub fn title(self) -> &'static str {
        match self {
            DiskPage::Files => "files",
            DiskPage::Prefixes => "prefixes",
            DiskPage::Tombstones => "tombstones",
            DiskPage::Lsm => "lsm",
            DiskPage::Verify => "verify",
        }
    }
}

/// Everything the Disk screen shows.
#[derive(Debug, Clone, PartialEq)]
pub struct DiskView {
    /// The page on show.
    pub page: DiskPage,
    /// Files by kind, once read.
    pub usage: Option<Box<Usage>>,
    /// The breakdown of the prefix drilled into, once read.
    pub breakdown: Option<Box<Breakdown>>,
    /// How keys are grouped, and the prefix drilled into.
    pub grouping: Grouping,
    /// The prefixes drilled through to get there, outermost first (Esc goes back to the
    /// last: with fixed-length prefixes no delimiter marks where the parent ends).
    pub parents: Vec<Vec<u8>>,
    /// Keys read so far by an exact count or a tombstone walk that is running.
    pub scanning: Option<(Kind, u64)>,
    /// Tombstones, once read.
    pub tombstones: Option<Box<Tombstones>>,
    /// Selected prefix.
    pub prefix_cursor: TableCursor,
    /// Selected skipped range.
    pub range_cursor: TableCursor,
    /// What the last check of every file's checksums found (asked for with `c`).
    pub verified: Option<Box<VerifyReport>>,
    /// Bytes read and to read by the check running.
    pub verifying: Option<(u64, u64)>,
    /// The LSM by prefix, once read (asked for with `c`).
    pub lsm: Option<Box<LsmReport>>,
    /// Bytes read and to read by the LSM read running.
    pub lsm_reading: Option<(u64, u64)>,
    /// Selected prefix of the LSM page.
    pub lsm_cursor: TableCursor,
    /// When the files were last asked for: a live database's are asked again every
    /// [`FILES_EVERY`] while the screen is on show.
    pub files_asked_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// How often the files of a live database are read again while the Disk screen is on
/// show: a listing and the live file list, cheap, but a service's directory changes by
/// the second and this is a summary, not a monitor.
const FILES_EVERY: chrono::Duration = chrono::Duration::seconds(10);

impl Default for DiskView {
    fn default() -> Self {
        Self {
            page: DiskPage::Files,
            usage: None,
            breakdown: None,
            grouping: Grouping::default(),
            parents: Vec::new(),
            scanning: None,
            tombstones: None,
            prefix_cursor: TableCursor::default(),
            range_cursor: TableCursor::default(),
            files_asked_at: None,
            verified: None,
            verifying: None,
            lsm: None,
            lsm_reading: None,
            lsm_cursor: TableCursor::default(),
        }
    }
}

impl DiskView {
    /// Whether something is missing (never read, or dropped with a column family switch).
    pub fn is_empty(&self) -> bool {
        self.usage.is_none() || self.breakdown.is_none() || self.tombstones.is_none()
    }

    /// Reads everything again: files, the estimate below the current prefix, tombstone
    /// counts (cheap reads; the walks run only when asked).
    pub fn reread(&mut self, session: &mut Session, purpose: Purpose) -> Vec<Command> {
        let context = session.context().with_purpose(purpose);
        self.scanning = None;
        self.files_asked_at = Some(session.now);
        vec![
            session.request(context.clone(), Job::Usage).into(),
            self.keyspace_request(session, false),
            session
                .request(
                    context,
                    Job::Tombstones {
                        grouping: self.grouping.clone(),
                        scan: false,
                    },
                )
                .into(),
        ]
    }

    fn keyspace_request(&mut self, session: &mut Session, exact: bool) -> Command {
        // An estimate may count too (memtable-heavy column families): it can be stopped
        // the same way.
        self.scanning = Some((Kind::Keyspace, 0));
        let job = Job::Keyspace {
            grouping: self.grouping.clone(),
            exact,
        };
        session.request(session.context(), job).into()
    }

    /// The prefix rows a table shows (prefixes, then the keys without one).
    pub fn prefix_rows(&self) -> usize {
        self.breakdown
            .as_ref()
            .map_or(0, |b| b.rows.len() + usize::from(b.ungrouped.keys > 0))
    }

    fn range_rows(&self) -> usize {
        self.tombstones
            .as_ref()
            .and_then(|t| t.scan.as_ref())
            .map_or(0, |s| s.ranges.len())
    }

    fn lsm_rows(&self) -> usize {
        self.lsm.as_ref().map_or(0, |r| r.rows.len())
    }

    /// The key range to compact: the selected skipped stretch, or the selected prefix of
    /// the LSM page.
    pub fn selected_range(&self) -> Option<Bounds> {
        if self.page == DiskPage::Lsm {
            let row = self.lsm.as_ref()?.rows.get(self.lsm_cursor.selected)?;
            return row.raw.as_deref().map(Bounds::prefix);
        }
        if self.page != DiskPage::Tombstones {
            return None;
        }
        let scan = self.tombstones.as_ref()?.scan.as_ref()?;
        let range = scan.ranges.get(self.range_cursor.selected)?;
        Some(Bounds {
            lower: range.from_raw.clone(),
            upper: range.to_raw.clone(),
        })
    }

    /// Goes one level up from the prefix drilled into; whether there was one.
    fn up(&mut self) -> bool {
        match self.parents.pop() {
            Some(parent) => {
                self.grouping.within = parent;
                true
            }
            None => false,
        }
    }

    /// The screen's own keys.
    fn update_view(&mut self, action: Action, session: &mut Session) -> Vec<Command> {
        let rows = session.table_rows();
        let navigated = match self.page {
            DiskPage::Prefixes => self
                .prefix_cursor
                .navigate(action, self.prefix_rows(), rows),
            DiskPage::Tombstones => self.range_cursor.navigate(action, self.range_rows(), rows),
            DiskPage::Lsm => self.lsm_cursor.navigate(action, self.lsm_rows(), rows),
            DiskPage::Files | DiskPage::Verify => false,
        };
        if navigated {
            return Vec::new();
        }
        if action == Action::Back && self.verifying.take().is_some() {
            session.say("verify stopped: nothing was changed");
            return vec![session.cancel(Kind::Verify)];
        }
        if action == Action::Back && self.lsm_reading.take().is_some() {
            session.say("stopped: nothing was changed");
            return vec![session.cancel(Kind::Lsm)];
        }
        if action == Action::Back
            && let Some((kind, _)) = self.scanning.take()
        {
            session.say("stopped: nothing was changed");
            return vec![session.cancel(kind)];
        }
        match (action, self.page) {
            (Action::NextPage, _) => {
                let at = DiskPage::ALL
                    .iter()
                    .position(|p| *p == self.page)
                    .unwrap_or(0);
                self.page = DiskPage::ALL[(at + 1) % DiskPage::ALL.len()];
            }
            (Action::Open, DiskPage::Prefixes) => {
                let selected = self
                    .breakdown
                    .as_ref()
                    .and_then(|b| b.rows.get(self.prefix_cursor.selected))
                    .map(|r| r.raw.clone());
                match selected {
                    Some(prefix) => {
                        self.parents.push(self.grouping.within.clone());
                        self.grouping = self.grouping.drill(&prefix);
                        self.prefix_cursor = TableCursor::default();
                        return vec![self.keyspace_request(session, false)];
                    }
                    None => session.say("select a prefix to look inside it"),
                }
            }
            (Action::Back, DiskPage::Prefixes) if self.up() => {
                self.prefix_cursor = TableCursor::default();
                return vec![self.keyspace_request(session, false)];
            }
            (Action::Count, DiskPage::Prefixes) => {
                return vec![self.keyspace_request(session, true)];
            }
            (Action::Count, DiskPage::Tombstones) => {
                self.scanning = Some((Kind::Tombstones, 0));
                let job = Job::Tombstones {
                    grouping: self.grouping.clone(),
                    scan: true,
                };
                return vec![session.request(session.context(), job).into()];
            }
            (Action::Count, DiskPage::Lsm) => {
                self.lsm_reading = Some((0, 0));
                let job = Job::Lsm {
                    grouping: self.grouping.clone(),
                };
                return vec![session.request(session.context(), job).into()];
            }
            (Action::Count, DiskPage::Verify) => {
                self.verifying = Some((0, 0));
                return vec![session.request(session.context(), Job::Verify).into()];
            }
            (Action::Count, DiskPage::Files) => {
                session.say("c counts on the prefixes and tombstones pages, reads the tables on the lsm page, and verifies on the verify page (Tab)")
            }
            (Action::Back, _) => session.message = None,
            (Action::Refresh, _) => return self.reread(session, Purpose::Show),
            (Action::StartFilter, _) => session.say(NO_FILTER_HERE),
            _ => {}
        }
        Vec::new()
    }

    /// Folds in an answer of one of the screen's kinds, for the column family on show.
    fn answer(&mut self, ticket: Ticket, context: &Context, body: Body, session: &mut Session) {
        if context.cf != session.cf {
            return;
        }
        let rows = session.table_rows();
        match body {
            Body::Usage(usage) => self.usage = Some(usage),
            Body::Keyspace(breakdown) => {
                self.breakdown = Some(breakdown);
                self.finish_scan(Kind::Keyspace);
                self.prefix_cursor.clamp(self.prefix_rows(), rows);
            }
            Body::Tombstones(report) => {
                // A walk's answer replaces the counts; a plain read keeps a walk's ranges
                // only if they are of the same column family.
                let keep_scan = report.scan.is_none()
                    && !context_changed(&report, self.tombstones.as_deref())
                    && self.tombstones.as_ref().is_some_and(|t| t.cf == report.cf);
                let previous = self.tombstones.take();
                let mut report = report;
                if keep_scan {
                    report.scan = previous.and_then(|t| t.scan);
                }
                self.tombstones = Some(report);
                self.finish_scan(Kind::Tombstones);
                self.range_cursor.clamp(self.range_rows(), rows);
            }
            Body::Verified(report) => {
                self.verified = Some(report);
                self.verifying = None;
            }
            Body::Progress(Progress::Verify { read, total }) if self.verifying.is_some() => {
                self.verifying = Some((read, total));
            }
            Body::Lsm(report) => {
                self.lsm = Some(report);
                self.lsm_reading = None;
                self.lsm_cursor.clamp(self.lsm_rows(), rows);
            }
            Body::Progress(Progress::Lsm { read, total }) if self.lsm_reading.is_some() => {
                self.lsm_reading = Some((read, total));
            }
            Body::Progress(Progress::Keyspace { read }) => self.walked(Kind::Keyspace, read),
            Body::Progress(Progress::Tombstones { read }) => self.walked(Kind::Tombstones, read),
            Body::Failed(error) => {
                // A failure names no job: its ticket says whose it is.
                self.finish_scan(ticket.kind);
                if ticket.kind == Kind::Verify {
                    self.verifying = None;
                }
                if ticket.kind == Kind::Lsm {
                    self.lsm_reading = None;
                }
                session.fail(&error);
            }
            _ => {}
        }
    }

    /// A walk of `kind` has read `read` keys, if it is the one running.
    fn walked(&mut self, kind: Kind, read: u64) {
        if self.scanning.is_some_and(|(k, _)| k == kind) {
            self.scanning = Some((kind, read));
        }
    }

    fn finish_scan(&mut self, kind: Kind) {
        if self.scanning.is_some_and(|(k, _)| k == kind) {
            self.scanning = None;
        }
    }

    /// Forgets what belongs to the previous column family.
    fn forget_cf(&mut self) {
        self.breakdown = None;
        self.tombstones = None;
        self.scanning = None;
        self.lsm = None;
        self.lsm_reading = None;
        self.lsm_cursor = TableCursor::default();
        self.grouping = Grouping::default();
        self.parents.clear();
        self.prefix_cursor = TableCursor::default();
        self.range_cursor = TableCursor::default();
    }
}

/// The Disk screen's own keys.
#[rustfmt::skip]
const KEYS: &[Binding] = &[
    b(&[(Tab, false)], Action::NextPage, "Tab", "files / prefixes / tombstones / lsm / verify", Some("page")),
    b(&[(Enter, false)], Action::Open, "Enter", "look inside the prefix", Some("inside")),
    b(&[(Char('c'), false)], Action::Count, "c", "count exactly / walk for tombstones / read the LSM / verify every file", Some("count")),
    b(&[(Char(']'), false)], Action::NextColumnFamily, "]", "next column family", None),
    b(&[(Char('['), false)], Action::PrevColumnFamily, "[", "previous column family", None),
    b(&[(Char('C'), false)], Action::Compact, "C", "compact the selected range (--write)", None),
];

impl Screen for DiskView {
    fn title(&self) -> &'static str {
        "Disk"
    }

    fn keys(&self) -> &'static [Binding] {
        KEYS
    }

    /// Each page's keys: no filter here, Enter only among prefixes, `c` where there is
    /// something to count, `C` on a selected tombstone range.
    fn available(&self, action: Action) -> bool {
        match action {
            Action::StartFilter => false,
            Action::Open => self.page == DiskPage::Prefixes,
            Action::Count => self.page != DiskPage::Files,
            Action::Compact => matches!(self.page, DiskPage::Tombstones | DiskPage::Lsm),
            _ => true,
        }
    }

    fn kinds(&self) -> &'static [Kind] {
        &[
            Kind::Usage,
            Kind::Keyspace,
            Kind::Tombstones,
            Kind::Lsm,
            Kind::Verify,
        ]
    }

    fn show(&mut self, cx: &mut Cx) -> Vec<Command> {
        if !self.is_empty() {
            return Vec::new();
        }
        self.reread(cx.session, Purpose::Show)
    }

    fn update(&mut self, action: Action, cx: &mut Cx) -> Vec<Command> {
        self.update_view(action, cx.session)
    }

    fn on_event(&mut self, event: Event, cx: &mut Cx) -> Vec<Command> {
        self.answer(event.ticket, &event.context, event.body, cx.session);
        Vec::new()
    }

    fn switch_cf(&mut self, shown: bool, cx: &mut Cx) -> Vec<Command> {
        self.forget_cf();
        if !shown {
            return Vec::new();
        }
        self.reread(cx.session, Purpose::Show)
    }

    /// On a live database (the tick asks only then), the files again when the last
    /// reading is [`FILES_EVERY`] old and answered. Only the files: the estimate and the
    /// tombstone counts are asked for with `r` (a new one would stop a walk running).
    fn follow(&mut self, cx: &mut Cx) -> Vec<Command> {
        let session = &mut *cx.session;
        let due = self
            .files_asked_at
            .is_none_or(|at| session.now - at >= FILES_EVERY);
        if !due || session.tickets.is_pending(Kind::Usage) {
            return Vec::new();
        }
        self.files_asked_at = Some(session.now);
        let context = session.context().with_purpose(Purpose::Periodic);
        vec![session.request(context, Job::Usage).into()]
    }

    /// The counts and any walk are of the database before a compaction or flush.
    fn changed(&mut self, change: &Change, shown: bool, cx: &mut Cx) -> Vec<Command> {
        if *change != Change::Maintained || !shown {
            return Vec::new();
        }
        self.reread(cx.session, Purpose::Show)
    }

    fn compaction_bounds(&self) -> Bounds {
        self.selected_range().unwrap_or_default()
    }

    fn draw(&self, frame: &mut Frame, area: Rect, cx: &DrawCx) {
        draw::draw(frame, area, self, cx);
    }
}
