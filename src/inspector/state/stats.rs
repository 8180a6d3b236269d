//! The Stats screen's state: the latest figures, a bounded history for the charts, and
//! the pages (overview, SST files, raw `rocksdb.stats`).

use std::collections::VecDeque;

use super::Reaction;
use super::session::Session;
use crate::inspector::analysis::stats::{DbStats, SstFile};
use crate::inspector::formats::options_file::OptionsReport;
use crate::inspector::input::action::Action;
use crate::inspector::state::table::TableCursor;

/// Samples kept: at the default 2 s refresh, the last ten minutes.
pub const HISTORY: usize = 300;

/// The pages of the Stats screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsPage {
    /// Levels, sizes, compactions, charts.
    Overview,
    /// The live SST files.
    SstFiles,
    /// The text of `rocksdb.stats`.
    Raw,
    /// The options in effect.
    Options,
}

impl StatsPage {
    /// Every page in Tab order.
    pub const ALL: [StatsPage; 4] = [
        StatsPage::Overview,
        StatsPage::SstFiles,
        StatsPage::Raw,
        StatsPage::Options,
    ];

    /// Its title.
    pub fn title(self) -> &'static str {
        match self {
            StatsPage::Overview => "overview",
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
}

impl Default for StatsView {
    fn default() -> Self {
        Self {
            page: StatsPage::Overview,
            latest: None,
            history: VecDeque::with_capacity(HISTORY),
            sst_order: Vec::new(),
            sst_sort: SstColumn::Level,
            sst_descending: false,
            sst_cursor: TableCursor::default(),
            raw_scroll: 0,
            options: None,
            options_scroll: 0,
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

    /// The screen's own keys: what the App must do next.
    pub fn update(&mut self, action: Action, session: &mut Session) -> Reaction {
        let rows = session.table_rows();
        let len = self.sst_order.len();
        if self.page == StatsPage::SstFiles && self.sst_cursor.navigate(action, len, rows) {
            return Reaction::None;
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
            (Action::StartFilter, _) => {
                session.say("filters work on the Keys (1) and Nodes (2) screens")
            }
            (Action::Refresh, _) => return Reaction::Reread,
            _ => {}
        }
        Reaction::None
    }
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
