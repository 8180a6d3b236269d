//! The value editor, its save dialog, and the type-the-prefix dialog.

use humansize::{BINARY, format_size};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::button;
use super::theme::Theme;
use crate::inspector::decode::escape_key;
use crate::inspector::state::App;
use crate::inspector::state::editor::Editor;

/// Draws the buffer over `area` with the cursor as a reversed cell.
pub fn draw(frame: &mut Frame, area: Rect, editor: &Editor, dialog: Option<usize>, theme: Theme) {
    let what = if editor.new_key { "new key" } else { "editing" };
    let title = format!(
        " {what} {} · {} · Esc: save or discard ",
        escape_key(&editor.key),
        editor.edit_as.label()
    );
    let mut block = Block::bordered()
        .title(Span::styled(title, theme.title()))
        .border_style(theme.border_focus());
    if let Some(error) = &editor.error {
        block = block.title_bottom(Span::styled(format!(" {error} "), theme.error()));
    }
    let inner = block.inner(area);
    let height = usize::from(inner.height.max(1));
    let top = editor.row.saturating_sub(height - 1);
    let lines: Vec<Line> = editor
        .lines
        .iter()
        .enumerate()
        .skip(top)
        .take(height)
        .map(|(row, text)| {
            if row != editor.row {
                return Line::raw(text.as_str());
            }
            let chars: Vec<char> = text.chars().collect();
            let before: String = chars[..editor.col].iter().collect();
            let at: String = chars
                .get(editor.col)
                .map_or(" ".to_string(), |c| c.to_string());
            let after: String = chars.iter().skip(editor.col + 1).collect();
            Line::from(vec![
                Span::raw(before),
                Span::styled(at, theme.text().add_modifier(Modifier::REVERSED)),
                Span::raw(after),
            ])
        })
        .collect();
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
    if let Some(focus) = dialog {
        save_dialog(frame, area, editor, focus, theme);
    }
}

fn save_dialog(frame: &mut Frame, area: Rect, editor: &Editor, focus: usize, theme: Theme) {
    let size = match editor.to_bytes() {
        Ok(bytes) => format!(
            "Write {} to {}?",
            format_size(bytes.len() as u64, BINARY),
            escape_key(&editor.key)
        ),
        Err(reason) => format!("Cannot write yet: {reason}"),
    };
    let lines = vec![
        Line::raw(size),
        Line::raw("Undo with u after writing."),
        Line::raw(""),
        Line::from(vec![
            button("Keep editing", focus == 0, theme),
            Span::raw("  "),
            button("Discard", focus == 1, theme),
            Span::raw("  "),
            button("Write", focus == 2, theme),
        ])
        .centered(),
    ];
    super::popup(
        frame,
        area,
        (60, 8),
        Span::styled(" save? · Tab switches, Enter presses ", theme.title()),
        lines,
        theme,
    );
}

/// "Type the prefix to delete N keys".
pub fn type_to_confirm(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    prefix: &str,
    count: u64,
    typed: &str,
    theme: Theme,
) {
    let lines = vec![
        Line::raw(format!(
            "Delete the {count} keys starting with {prefix} in column family {}? u undoes it in this session.",
            app.session.cf
        )),
        Line::raw(""),
        Line::raw("Type the prefix to confirm, Enter to delete, Esc to cancel:"),
        Line::from(vec![Span::styled(format!("{typed}█"), theme.title())]),
    ];
    super::popup(
        frame,
        area,
        (64, 8),
        Span::styled(format!(" delete {count} keys? "), theme.danger()),
        lines,
        theme,
    );
}
