//! Screen 4, database statistics: the latest figures, a bounded history for the charts
//! (sampled on every tick, whichever screen is on show), and the pages (overview, SST
//! files, raw `rocksdb.stats`, options). Drawing is in `draw`.

mod draw;

use std::collections::VecDeque;

use crossterm::event::KeyCode::{Char, Tab};
use ratatui::Frame;
use ratatui::layout::Rect;

use super::{Change, Cx, DrawCx, NO_FILTER_HERE, Screen};
use crate::inspector::analysis::stall::StallReport;
use crate::inspector::analysis::stats::{DbStats, SstFile};
use crate::inspector::formats::options_file::OptionsReport;
use crate::inspector::input::action::Action;
use crate::inspector::input::keymap::{Binding, b};
use crate::inspector::state::Session;
use crate::inspector::state::table::TableCursor;
use crate::inspector::worker::{Body, Command, Event, Job, Kind, Purpose};
use crate::storage::etcd::ClusterStatus;

/// Samples kept: at the default 2 s refresh, the last ten minutes.
pub const HISTORY: usize = 300;

/// The pages of the Stats screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsPage {
    /// Levels, sizes, compactions, charts.
    Overview,
    /// When will writes stop: the write-stall verdict expanded.
    Stall,
    /// The live SST files.
    SstFiles,
    /// The text of `rocksdb.stats`.
    Raw,
    /// The options in effect.
    Options,
}

impl StatsPage {
    /// Every page in Tab order.
    pub const ALL: [StatsPage; 5] = [
        StatsPage::Overview,
        StatsPage::Stall,
        StatsPage::SstFiles,
        StatsPage::Raw,
        StatsPage::Options,
    ];

    /// Its title.
    pub fn title(self) -> &'static str {
        match self {
            StatsPage::Overview => "overview",
            StatsPage::Stall => "write stalls",
            StatsPage::SstFiles => "SST files",
            StatsPage::Raw => "rocksdb.stats",
            StatsPage::Options => "options",
        }
    }
}

/// One point of the history, summed over column families.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// Live SST bytes.
    pub live_sst_bytes: u64,
    /// Memtable bytes.
    pub memtable_bytes: u64,
    /// Pending compaction bytes.
    pub pending_compaction_bytes: u64,
    /// Estimated keys.
    pub estimate_keys: u64,
}

impl Sample {
    fn of(stats: &DbStats) -> Self {
        let sum = |f: fn(&crate::inspector::analysis::stats::CfStats) -> u64| {
            stats.column_families.iter().map(f).sum()
        };
        Self {
            live_sst_bytes: sum(|c| c.live_sst_bytes),
            memtable_bytes: sum(|c| c.memtable_bytes),
            pending_compaction_bytes: sum(|c| c.pending_compaction_bytes),
            estimate_keys: sum(|c| c.estimate_num_keys),
        }
    }
}

/// Columns the SST page sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SstColumn {
    /// Column family, level, name.
    Level,
    /// File size.
    Size,
    /// Entries.
    Entries,
    /// Share of tombstones.
    Deletions,
}

impl SstColumn {
    const ALL: [SstColumn; 4] = [
        SstColumn::Level,
        SstColumn::Size,
        SstColumn::Entries,
        SstColumn::Deletions,
    ];

    /// Header text.
    pub fn title(self) -> &'static str {
        match self {
            SstColumn::Level => "level",
            SstColumn::Size => "size",
            SstColumn::Entries => "entries",
            SstColumn::Deletions => "deleted",
        }
    }
}

/// Everything the Stats screen shows.
#[derive(Debug, Clone, PartialEq)]
pub struct StatsView {
    /// The page on show.
    pub page: StatsPage,
    /// The latest figures.
    pub latest: Option<Box<DbStats>>,
    /// On an etcd cluster: its own figures, in place of RocksDB's.
    pub cluster: Option<Box<ClusterStatus>>,
    /// Past samples, oldest first, at most `HISTORY`.
    pub history: VecDeque<Sample>,
    /// SST rows in display order (indices into `latest.sst_files`).
    pub sst_order: Vec<usize>,
    /// SST sort column.
    pub sst_sort: SstColumn,
    /// Largest first.
    pub sst_descending: bool,
    /// SST cursor.
    pub sst_cursor: TableCursor,
    /// First line of the raw page drawn.
    pub raw_scroll: usize,
    /// The options in effect, once read.
    pub options: Option<Box<OptionsReport>>,
    /// First line of the options page drawn.
    pub options_scroll: usize,
    /// The write-stall verdict, read when its page is shown and at each sample there.
    pub stall: Option<Box<StallReport>>,
    /// The verdict's re-reads of this session, for the conditions' trend.
    pub stall_series: crate::inspector::analysis::stall_trend::SessionSeries,
}

impl Default for StatsView {
    fn default() -> Self {
        Self {
            page: StatsPage::Overview,
            latest: None,
            cluster: None,
            history: VecDeque::with_capacity(HISTORY),
            sst_order: Vec::new(),
            sst_sort: SstColumn::Level,
            sst_descending: false,
            sst_cursor: TableCursor::default(),
            raw_scroll: 0,
            options: None,
            options_scroll: 0,
            stall: None,
            stall_series: Default::default(),
        }
    }
}

impl StatsView {
    /// Takes new figures: keeps them, appends to the history, re-sorts the SST files.
    pub fn record(&mut self, stats: Box<DbStats>, visible: usize) {
        if self.history.len() == HISTORY {
            self.history.pop_front();
        }
        self.history.push_back(Sample::of(&stats));
        self.latest = Some(stats);
        self.sort_ssts(visible);
    }

    /// Re-sorts the SST page.
    pub fn sort_ssts(&mut self, visible: usize) {
        let Some(stats) = &self.latest else { return };
        let files: &[SstFile] = &stats.sst_files;
        let mut order: Vec<usize> = (0..files.len()).collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&files[a], &files[b]);
            let ordering = match self.sst_sort {
                SstColumn::Level => (&a.cf, a.level, &a.name).cmp(&(&b.cf, b.level, &b.name)),
                SstColumn::Size => a.bytes.cmp(&b.bytes),
                SstColumn::Entries => a.entries.cmp(&b.entries),
                SstColumn::Deletions => a.deletion_percent().total_cmp(&b.deletion_percent()),
            }
            .then_with(|| a.name.cmp(&b.name));
            if self.sst_descending {
                ordering.reverse()
            } else {
                ordering
            }
        });
        self.sst_order = order;
        self.sst_cursor.clamp(self.sst_order.len(), visible);
    }

    /// Next SST sort column; sizes and tombstones read best largest first.
    pub fn cycle_sst_sort(&mut self, visible: usize) {
        let at = SstColumn::ALL
            .iter()
            .position(|c| *c == self.sst_sort)
            .unwrap_or(0);
        self.sst_sort = SstColumn::ALL[(at + 1) % SstColumn::ALL.len()];
        self.sst_descending = self.sst_sort != SstColumn::Level;
        self.sort_ssts(visible);
    }

    /// Next page.
    pub fn next_page(&mut self) {
        let at = StatsPage::ALL
            .iter()
            .position(|p| *p == self.page)
            .unwrap_or(0);
        self.page = StatsPage::ALL[(at + 1) % StatsPage::ALL.len()];
    }

    /// Lines of the options page (for scrolling).
    pub fn options_lines(&self) -> usize {
        self.options
            .as_ref()
            .map_or(0, |o| o.changed.len() + o.since_previous.len() + 2)
    }

    /// One series of the history, for a sparkline.
    pub fn series(&self, pick: fn(&Sample) -> u64) -> Vec<u64> {
        self.history.iter().map(pick).collect()
    }

    /// The screen's own keys: whether the figures must be read again (`r`).
    fn update_view(&mut self, action: Action, session: &mut Session) -> bool {
        let rows = session.table_rows();
        let len = self.sst_order.len();
        if self.page == StatsPage::SstFiles && self.sst_cursor.navigate(action, len, rows) {
            return false;
        }
        let raw_lines = self
            .latest
            .as_ref()
            .map_or(0, |s| s.rocksdb_stats.lines().count());
        let last_raw = raw_lines.saturating_sub(1);
        match (action, self.page) {
            (Action::NextPage, _) => self.next_page(),
            (Action::SortNext, _) => {
                self.page = StatsPage::SstFiles;
                self.cycle_sst_sort(rows);
            }
            (Action::SortReverse, _) => {
                self.sst_descending = !self.sst_descending;
                self.sort_ssts(rows);
            }
            (Action::Up, StatsPage::Raw) => self.raw_scroll = self.raw_scroll.saturating_sub(1),
            (Action::Down, StatsPage::Raw) => self.raw_scroll = (self.raw_scroll + 1).min(last_raw),
            (Action::PageUp, StatsPage::Raw) => {
                self.raw_scroll = self.raw_scroll.saturating_sub(rows)
            }
            (Action::PageDown, StatsPage::Raw) => {
                self.raw_scroll = (self.raw_scroll + rows).min(last_raw)
            }
            (Action::First, StatsPage::Raw) => self.raw_scroll = 0,
            (Action::Last, StatsPage::Raw) => self.raw_scroll = raw_lines.saturating_sub(rows),
            (Action::Up, StatsPage::Options) => {
                self.options_scroll = self.options_scroll.saturating_sub(1)
            }
            (Action::Down, StatsPage::Options) => {
                self.options_scroll = (self.options_scroll + 1).min(self.options_lines())
            }
            (Action::PageUp, StatsPage::Options) => {
                self.options_scroll = self.options_scroll.saturating_sub(rows)
            }
            (Action::PageDown, StatsPage::Options) => {
                self.options_scroll = (self.options_scroll + rows).min(self.options_lines())
            }
            (Action::First, StatsPage::Options) => self.options_scroll = 0,
            (Action::Back, _) => session.message = None,
            (Action::StartFilter, _) => session.say(NO_FILTER_HERE),
            (Action::Refresh, _) => return true,
            _ => {}
        }
        false
    }
}

/// A read of the figures.
fn request(session: &mut Session, purpose: Purpose) -> Command {
    let context = session.context().with_purpose(purpose);
    session.request(context, Job::Stats).into()
}

/// The Stats screen's own keys.
#[rustfmt::skip]
const KEYS: &[Binding] = &[
    b(&[(Tab, false)], Action::NextPage, "Tab", "next page", Some("page")),
    b(&[(Char('s'), false)], Action::SortNext, "s", "sort SST files", Some("sort")),
    b(&[(Char('S'), false)], Action::SortReverse, "S", "reverse sort", None),
    b(&[(Char('C'), false)], Action::Compact, "C", "compact (--write)", None),
    b(&[(Char('F'), false)], Action::Flush, "F", "flush (--write)", None),
];

impl Screen for StatsView {
    fn title(&self) -> &'static str {
        "Stats"
    }

    fn keys(&self) -> &'static [Binding] {
        KEYS
    }

    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Stats, Kind::Options, Kind::Stall]
    }

    fn show(&mut self, cx: &mut Cx) -> Vec<Command> {
        if self.latest.is_some() || self.cluster.is_some() {
            return Vec::new();
        }
        vec![request(cx.session, Purpose::Show)]
    }

    fn update(&mut self, action: Action, cx: &mut Cx) -> Vec<Command> {
        let reread = self.update_view(action, cx.session);
        // The options page reads the OPTIONS file the first time it is shown.
        if self.page == StatsPage::Options
            && self.options.is_none()
            && !cx.session.tickets.is_pending(Kind::Options)
        {
            let context = cx.session.context();
            return vec![cx.session.request(context, Job::Options).into()];
        }
        let mut commands = Vec::new();
        if self.page == StatsPage::Stall && (reread || self.stall.is_none()) {
            commands.extend(stall_request(cx.session));
        }
        if reread {
            commands.push(request(cx.session, Purpose::Show));
        }
        commands
    }

    fn on_event(&mut self, event: Event, cx: &mut Cx) -> Vec<Command> {
        match event.body {
            Body::Stats(stats) => self.record(stats, cx.session.table_rows()),
            Body::Cluster(status) => self.cluster = Some(status),
            Body::Options(report) => self.options = Some(report),
            Body::Stall(report) => {
                self.stall_series.push(cx.session.now, &report);
                self.stall = Some(report);
            }
            Body::Failed(error) => cx.session.fail(&error),
            _ => {}
        }
        Vec::new()
    }

    /// The history's sample, unless the last read is still running: periodic work never
    /// piles up on a slow database.
    fn sample(&mut self, cx: &mut Cx) -> Vec<Command> {
        let mut commands = Vec::new();
        if self.page == StatsPage::Stall {
            // The page follows the database: its verdict is read again at each sample.
            commands.extend(stall_request(cx.session));
        }
        if !cx.session.tickets.is_pending(Kind::Stats) {
            commands.push(request(cx.session, Purpose::Periodic));
        }
        commands
    }

    fn changed(&mut self, change: &Change, _shown: bool, cx: &mut Cx) -> Vec<Command> {
        match change {
            Change::Maintained => vec![request(cx.session, Purpose::Show)],
            Change::Edited { .. } => Vec::new(),
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, cx: &DrawCx) {
        draw::draw(frame, area, self, cx);
    }
}

/// A read of the write-stall verdict, unless one is on its way.
fn stall_request(session: &mut Session) -> Option<Command> {
    if session.tickets.is_pending(Kind::Stall) || session.cluster {
        return None;
    }
    let context = session.context();
    Some(session.request(context, Job::Stall).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_is_bounded() {
        let mut view = StatsView::default();
        let stats = DbStats {
            path: "x".into(),
            access: crate::inspector::source::Access::ReadOnlySnapshot,
            written_by: None,
            options: String::new(),
            running_compactions: 0,
            running_flushes: 0,
            write_stopped: false,
            delayed_write_rate: 0,
            stall_on_next_open: Vec::new(),
            background_errors: 0,
            block_cache_usage: 0,
            block_cache_capacity: 0,
            latest_sequence: 0,
            column_families: Vec::new(),
            sst_files: Vec::new(),
            rocksdb_stats: String::new(),
            blob_advice: None,
            blob_garbage_unknown: None,
        };
        for _ in 0..HISTORY + 50 {
            view.record(Box::new(stats.clone()), 10);
        }
        assert_eq!(view.history.len(), HISTORY);
    }
}
