//! Selection and scrolling of a table whose rows are computed elsewhere.

use crate::inspector::input::action::Action;

/// The selected row and the first row drawn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableCursor {
    /// Selected row.
    pub selected: usize,
    /// First row drawn.
    pub top: usize,
}

impl TableCursor {
    /// Moves by `delta` rows within `len`, keeping the selection inside `visible` rows.
    pub fn move_by(&mut self, delta: isize, len: usize, visible: usize) {
        if len == 0 {
            *self = Self::default();
            return;
        }
        let target = (self.selected as isize + delta).clamp(0, len as isize - 1) as usize;
        self.select(target, visible);
    }

    /// Selects `index`, scrolling as little as needed.
    pub fn select(&mut self, index: usize, visible: usize) {
        let visible = visible.max(1);
        self.selected = index;
        if index < self.top {
            self.top = index;
        } else if index >= self.top + visible {
            self.top = index + 1 - visible;
        }
    }

    /// Applies a movement key (up, down, page up/down, first, last) to a table of `len`
    /// rows showing `visible`; returns whether `action` was one.
    pub fn navigate(&mut self, action: Action, len: usize, visible: usize) -> bool {
        let page = visible as isize;
        match action {
            Action::Up => self.move_by(-1, len, visible),
            Action::Down => self.move_by(1, len, visible),
            Action::PageUp => self.move_by(-page, len, visible),
            Action::PageDown => self.move_by(page, len, visible),
            Action::First => self.select(0, visible),
            Action::Last => self.select(len.saturating_sub(1), visible),
            _ => return false,
        }
        true
    }

    /// Keeps the cursor valid after the rows changed to `len`.
    pub fn clamp(&mut self, len: usize, visible: usize) {
        let index = self.selected.min(len.saturating_sub(1));
        // Keep the window full: never scrolled past the last row.
        self.top = self.top.min(len.saturating_sub(visible.max(1))).min(index);
        self.select(index, visible);
    }
}

#[cfg(test)]
mod tests {
    use super::TableCursor;

    #[test]
    fn scrolls_only_as_needed() {
        let mut c = TableCursor::default();
        c.move_by(5, 100, 3);
        assert_eq!((c.selected, c.top), (5, 3));
        c.move_by(-1, 100, 3);
        assert_eq!((c.selected, c.top), (4, 3));
        c.move_by(-10, 100, 3);
        assert_eq!((c.selected, c.top), (0, 0));
        c.move_by(1000, 100, 3);
        assert_eq!((c.selected, c.top), (99, 97));
        c.clamp(10, 3);
        assert_eq!((c.selected, c.top), (9, 7));
        c.move_by(1, 0, 3);
        assert_eq!(c, TableCursor::default());
    }
}
