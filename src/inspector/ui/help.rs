//! The help overlay, written from the keymap table that dispatches the keys.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Cell, Clear, Row, Table};

use super::centered;
use super::theme::Theme;
use crate::inspector::input::action::Action;
use crate::inspector::input::keymap::{self, KeyContext};
use crate::inspector::state::{App, Screen};

/// Draws the current screen's bindings, then the global ones, in two columns.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    // The number keys share one line: the tabs at the top name the screens.
    let screens = Screen::ALL.len();
    let screen_keys = format!("1-{screens}");
    let mut entries: Vec<(&str, &str)> = keymap::tables(KeyContext::Normal, app.screen)
        .into_iter()
        .flatten()
        .filter(|b| !matches!(b.action, Action::Screen(_)) && keymap::available(app, b.action))
        .map(|b| (b.label, b.help))
        .collect();
    entries.push((&screen_keys, "screens (tabs above)"));
    let half = entries.len().div_ceil(2);
    let rows = (0..half).map(|i| {
        let mut cells = Vec::new();
        for (label, help) in [entries.get(i), entries.get(i + half)]
            .into_iter()
            .flatten()
        {
            cells.push(Cell::from(Span::styled(*label, theme.key())));
            cells.push(Cell::from(*help));
        }
        Row::new(cells)
    });
    let popup = centered(area, 76, half as u16 + 4);
    let mode = if app.session.access.writable() {
        "writes enabled (--write)"
    } else {
        "read-only: nothing here can change the database"
    };
    let block = Block::bordered()
        .title(Span::styled(
            format!(" help · {} · Esc or ? closes ", app.screen.title()),
            theme.title(),
        ))
        .title_bottom(Span::styled(format!(" {mode} "), theme.dim()))
        .border_style(theme.border_focus());
    let table = Table::new(
        rows,
        [
            Constraint::Length(5),
            Constraint::Fill(1),
            Constraint::Length(5),
            Constraint::Fill(1),
        ],
    )
    .block(block);
    frame.render_widget(Clear, popup);
    frame.render_widget(table, popup);
}
