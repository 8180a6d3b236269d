//! The column family list overlay.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Clear, List, ListState};

use super::centered;
use super::theme::Theme;
use crate::inspector::state::App;

/// Draws the column families with the highlighted one selected.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, selected: usize, theme: Theme) {
    let width = app
        .session
        .column_families
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(8)
        .max(24) as u16
        + 6;
    let popup = centered(area, width, app.session.column_families.len() as u16 + 2);
    let items = app.session.column_families.iter().map(|cf| {
        if *cf == app.session.cf {
            format!("{cf}  (open)")
        } else {
            cf.clone()
        }
    });
    let list = List::new(items)
        .block(
            Block::bordered()
                .title(Span::styled(" column families ", theme.title()))
                .border_style(theme.border_focus()),
        )
        .highlight_style(theme.selected());
    let mut state = ListState::default().with_selected(Some(selected));
    frame.render_widget(Clear, popup);
    frame.render_stateful_widget(list, popup, &mut state);
}
