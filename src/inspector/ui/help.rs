//! The help overlay, written from the keymap table that dispatches the keys.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Cell, Clear, Row, Table};

use super::centered;
use super::theme::Theme;
use crate::inspector::input::action::Action;
use crate::inspector::input::keymap::{self, KeyContext};
use crate::inspector::state::App;

/// Columns for a key's label (`PgDn`, `j/↓`).
const LABEL: usize = 5;
/// Columns between a text and the next label.
const GAP: usize = 2;

/// Draws the current screen's bindings, then the global ones, in two columns.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    // The number keys share one line: the tabs at the top name the screens.
    let screens = app.screens().len();
    let screen_keys = format!("1-{screens}");
    let mut entries: Vec<(&str, &str)> = keymap::tables(KeyContext::Normal, app.current().keys())
        .into_iter()
        .flatten()
        .filter(|b| !matches!(b.action, Action::Screen(_)) && app.available(b.action))
        .map(|b| (b.label, b.help))
        .collect();
    entries.push((&screen_keys, "screens (tabs above)"));
    let half = entries.len().div_ceil(2);
    // As wide as the longest text needs (within the screen); a text still too long for
    // its column wraps onto a second line of its row instead of being cut.
    let longest = entries
        .iter()
        .map(|(_, h)| h.chars().count())
        .max()
        .unwrap_or(0);
    let width = area
        .width
        .min(u16::try_from(2 + 3 * GAP + 2 * LABEL + 2 * longest).unwrap_or(u16::MAX));
    let text_width = usize::from(width.saturating_sub(2 + 3 * GAP as u16) / 2)
        .saturating_sub(LABEL)
        .max(8);
    let mut lines: u16 = 0;
    let rows: Vec<Row> = (0..half)
        .map(|i| {
            let mut cells = Vec::new();
            let mut height = 1;
            for (label, help) in [entries.get(i), entries.get(i + half)]
                .into_iter()
                .flatten()
            {
                let lines = wrap_words(help, text_width);
                height = height.max(lines.len());
                cells.push(Cell::from(Span::styled(*label, theme.key())));
                cells.push(Cell::from(lines.join("\n")));
            }
            let height = u16::try_from(height).unwrap_or(1);
            lines += height;
            Row::new(cells).height(height)
        })
        .collect();
    let popup = centered(area, width, lines + 4);
    let mode = if app.session.access.writable() {
        "writes enabled (--write)"
    } else {
        "read-only: nothing here can change the database"
    };
    let block = Block::bordered()
        .title(Span::styled(
            format!(" help · {} · Esc or ? closes ", app.current().title()),
            theme.title(),
        ))
        .title_bottom(Span::styled(format!(" {mode} "), theme.dim()))
        .border_style(theme.border_focus());
    let table = Table::new(
        rows,
        [
            Constraint::Length(LABEL as u16),
            Constraint::Fill(1),
            Constraint::Length(LABEL as u16),
            Constraint::Fill(1),
        ],
    )
    .column_spacing(GAP as u16)
    .block(block);
    frame.render_widget(Clear, popup);
    frame.render_widget(table, popup);
}

/// `text` in lines of at most `width` characters, broken between words (a word longer
/// than a line is split).
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let used = line.chars().count();
            let needs = if used == 0 {
                word.len()
            } else {
                used + 1 + word.len()
            };
            if needs <= width {
                if used > 0 {
                    line.push(' ');
                }
                line.extend(word.iter());
                break;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            let rest = word.split_off(width.min(word.len()));
            lines.push(word.into_iter().collect());
            word = rest;
            if word.is_empty() {
                break;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap_words;

    #[test]
    fn words_wrap_without_losing_a_character() {
        assert_eq!(
            wrap_words("delete prefix (--write)", 30),
            ["delete prefix (--write)"]
        );
        assert_eq!(
            wrap_words("compact the selected tombstone range", 16),
            ["compact the", "selected", "tombstone range"]
        );
        assert_eq!(wrap_words("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap_words("", 4), [""]);
    }
}
