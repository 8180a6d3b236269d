//! The confirmation dialog for compactions and flushes: focus starts on Cancel.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::button;
use super::theme::Theme;
use crate::inspector::decode::escape_key;
use crate::inspector::state::{App, Ask};
use crate::inspector::worker::Maintenance;

/// Draws the question and the two buttons.
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    ask: &Ask,
    confirm_focused: bool,
    theme: Theme,
) {
    let (job, cf, bounds) = match ask {
        Ask::Maintain { job, cf, bounds } => (job, cf, bounds),
        Ask::Edit { question, verb, .. } => {
            let title = format!(" {verb}? ");
            return dialog(
                frame,
                area,
                (title, 7),
                question.clone(),
                verb,
                confirm_focused,
                theme,
            );
        }
    };
    let (verb, what) = match job {
        Maintenance::Flush => (
            "Flush",
            format!("Write the memtables of column family {cf} to SST files."),
        ),
        Maintenance::Compact => {
            let range = match (&bounds.lower, &bounds.upper) {
                (None, None) => "every key".to_string(),
                (Some(l), _) => format!("the keys starting with {}", escape_key(l)),
                (None, Some(u)) => format!("the keys before {}", escape_key(u)),
            };
            (
                "Compact",
                format!(
                    "Compact {range} of column family {cf}. This rewrites SST files and can take minutes on a \
                     large database. Once started it cannot be cancelled: quitting waits for it."
                ),
            )
        }
    };
    let title = format!(" {verb} {}? ", app.session.db_path);
    dialog(frame, area, (title, 9), what, verb, confirm_focused, theme);
}

/// The question, a blank line, and Cancel beside the confirming button.
fn dialog(
    frame: &mut Frame,
    area: Rect,
    (title, height): (String, u16),
    question: String,
    verb: &str,
    confirm_focused: bool,
    theme: Theme,
) {
    let lines = vec![
        Line::raw(question),
        Line::raw(""),
        Line::from(vec![
            button("Cancel", !confirm_focused, theme),
            Span::raw("   "),
            button(verb, confirm_focused, theme),
        ])
        .centered(),
    ];
    super::popup(
        frame,
        area,
        (64, height),
        Span::styled(title, theme.danger()),
        lines,
        theme,
    );
}
