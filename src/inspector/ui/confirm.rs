//! The confirmation dialog for compactions and flushes: focus starts on Cancel.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::centered;
use super::theme::Theme;
use crate::inspector::app::App;
use crate::inspector::decode::escape_key;
use crate::inspector::worker::Maintenance;

/// Draws the question and the two buttons.
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    job: &Maintenance,
    confirm_focused: bool,
    theme: Theme,
) {
    let (verb, what) = match job {
        Maintenance::Flush => (
            "Flush",
            format!(
                "Write the memtables of column family {} to SST files.",
                app.cf
            ),
        ),
        Maintenance::Compact(bounds) => {
            let range = match (&bounds.lower, &bounds.upper) {
                (None, None) => "every key".to_string(),
                (Some(l), _) => format!("the keys starting with {}", escape_key(l)),
                (None, Some(u)) => format!("the keys before {}", escape_key(u)),
            };
            (
                "Compact",
                format!(
                    "Compact {range} of column family {}. This rewrites SST files and can take minutes on a \
                     large database. Once started it cannot be cancelled: quitting waits for it.",
                    app.cf
                ),
            )
        }
    };
    let button = |label: &str, focused: bool| {
        let style = if focused {
            theme.selected()
        } else {
            theme.dim()
        };
        Span::styled(format!("[ {label} ]"), style)
    };
    let lines = vec![
        Line::raw(what),
        Line::raw(""),
        Line::from(vec![
            button("Cancel", !confirm_focused),
            Span::raw("   "),
            button(verb, confirm_focused),
        ])
        .centered(),
    ];
    let popup = centered(area, 64, 9);
    let block = Block::bordered()
        .title(Span::styled(
            format!(" {verb} {}? ", app.db_path),
            theme.danger(),
        ))
        .border_style(theme.border_focus());
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(block),
        popup,
    );
}
