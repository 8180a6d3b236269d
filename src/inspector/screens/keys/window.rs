//! The window of keys the Keys screen holds: at most `MAX_WINDOW` entries around the
//! selection, pages placed at either end as they arrive, the selection kept in view.

use crate::inspector::source::{Entry, Page};
use crate::inspector::worker::Placement;

/// Keys fetched per page.
pub const CHUNK: usize = 256;
/// Keys held in the window at most; older ones are dropped as the user scrolls on.
pub const MAX_WINDOW: usize = 4 * CHUNK;

/// The window of keys on screen and around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyWindow {
    /// Keys in order.
    pub entries: Vec<Entry>,
    /// Selected index into `entries`.
    pub selected: usize,
    /// First index drawn.
    pub top: usize,
    /// Nothing before `entries` (within the filter).
    pub at_start: bool,
    /// Nothing after `entries` (within the filter).
    pub at_end: bool,
    /// A page is on its way.
    pub loading: bool,
    /// Movement asked for past the keys held (a burst of `PgDn` faster than pages
    /// arrive), carried out when the next page is placed: a key press is never lost.
    pub owed: isize,
}

impl Default for KeyWindow {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
            selected: 0,
            top: 0,
            at_start: true,
            at_end: true,
            loading: true,
            owed: 0,
        }
    }
}

impl KeyWindow {
    /// The selected entry.
    pub fn selected_entry(&self) -> Option<&Entry> {
        self.entries.get(self.selected)
    }

    /// Selects `index`, scrolling so it is among the `rows` drawn.
    pub fn select(&mut self, index: usize, rows: usize) {
        self.selected = index;
        let rows = rows.max(1);
        if index < self.top {
            self.top = index;
        } else if index >= self.top + rows {
            self.top = index + 1 - rows;
        }
    }

    /// Puts an arrived page where it was asked to go.
    pub fn place(&mut self, placement: Placement, page: Page, rows: usize) {
        match placement {
            Placement::Replace | Placement::ReplaceAtEnd => {
                // A new list (a refresh, a seek): a move owed to the old one is void.
                self.owed = 0;
                let selected_key = self.entries.get(self.selected).map(|e| e.key.clone());
                self.entries = page.entries;
                self.at_start = page.at_start;
                self.at_end = page.at_end;
                self.top = 0;
                let last = self.entries.len().saturating_sub(1);
                let target = if placement == Placement::ReplaceAtEnd {
                    last
                } else {
                    // A refresh keeps the selection on the same key, or the next one.
                    selected_key
                        .and_then(|k| self.entries.iter().position(|e| e.key >= k))
                        .unwrap_or(0)
                        .min(last)
                };
                self.select(target, rows);
            }
            Placement::Append => {
                self.at_end = page.at_end;
                self.entries.extend(page.entries);
                let excess = self.entries.len().saturating_sub(MAX_WINDOW);
                if excess > 0 {
                    self.entries.drain(..excess);
                    self.at_start = false;
                    self.selected = self.selected.saturating_sub(excess);
                    self.top = self.top.saturating_sub(excess);
                }
            }
            Placement::Prepend => {
                self.at_start = page.at_start;
                let added = page.entries.len();
                let mut entries = page.entries;
                entries.append(&mut self.entries);
                self.entries = entries;
                self.selected += added;
                self.top += added;
                if self.entries.len() > MAX_WINDOW {
                    self.entries.truncate(MAX_WINDOW);
                    self.at_end = false;
                }
            }
        }
    }
}
