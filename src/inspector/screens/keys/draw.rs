//! Drawing the Keys screen: the key list and the selected key's value (decoded by its
//! rule, or as stored).

use humansize::{BINARY, format_size};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState};

use super::{Filter, HEXDUMP_PREVIEW, KeysState, ValueView};
use crate::inspector::decode::{self, JsonToken, ValueKind, tokenize_json_line};
use crate::inspector::screens::DrawCx;
use crate::inspector::ui::theme::Theme;

/// Width of the size column.
const SIZE_WIDTH: u16 = 10;

/// Draws the list on the left and the value on the right.
pub(super) fn draw(frame: &mut Frame, area: Rect, keys: &KeysState, cx: &DrawCx) {
    let [list, value] = Layout::horizontal([
        Constraint::Length(list_width(keys, cx, area.width)),
        Constraint::Fill(1),
    ])
    .areas(area);
    draw_list(frame, list, keys, cx);
    draw_value(frame, value, keys, cx);
}

/// As wide as the longest visible key needs, between 35% and 60% of the screen.
fn list_width(keys: &KeysState, cx: &DrawCx, total: u16) -> u16 {
    let window = &keys.window;
    let visible = window
        .entries
        .iter()
        .skip(window.top)
        .take(cx.session.list_rows);
    let longest = visible
        .map(|e| cx.session.list_key(&e.key).chars().count())
        .max()
        .unwrap_or(0);
    // Borders, the selection marker, column spacing and the size column.
    let wanted = longest as u16 + 4 + SIZE_WIDTH;
    wanted.clamp(total * 35 / 100, total * 60 / 100)
}

fn list_title(keys: &KeysState, cx: &DrawCx) -> String {
    let filter = match &keys.filter {
        Filter::None => String::new(),
        Filter::Prefix(p) => format!(" · prefix {}", cx.session.display_key(p)),
        Filter::Contains(n) => format!(" · contains {}", cx.session.display_key(n)),
        Filter::Field(q) => format!(" · where {}", q.text),
    };
    format!(" keys{filter} ")
}

fn draw_list(frame: &mut Frame, area: Rect, keys: &KeysState, cx: &DrawCx) {
    let theme = cx.theme;
    let block = Block::bordered()
        .title(Span::styled(list_title(keys, cx), theme.title()))
        .border_style(theme.border_focus());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let window = &keys.window;
    if window.entries.is_empty() {
        let text = match &keys.sought {
            _ if window.loading => "loading…".to_string(),
            // A seek past the last key: the column family is not empty for that.
            Some(sought) => format!(
                "(no key at or after {}{}; g first, G last)",
                cx.session.display_key(sought),
                if keys.filter == Filter::None {
                    ""
                } else {
                    " within the filter"
                }
            ),
            None if keys.filter == Filter::None => "(no keys in this column family)".into(),
            None => "(no keys match the filter; Esc clears it)".into(),
        };
        let text = Paragraph::new(Span::styled(text, theme.dim()))
            .wrap(ratatui::widgets::Wrap { trim: true });
        frame.render_widget(text, inner);
        return;
    }
    let rows_visible = usize::from(inner.height);
    let top = window.top.min(window.entries.len().saturating_sub(1));
    let end = (top + rows_visible).min(window.entries.len());
    // The key column: the pane less the selection marker, the gap and the size.
    let key_width = usize::from(inner.width.saturating_sub(2 + SIZE_WIDTH));
    // Only the visible rows are built: the window may hold thousands of keys.
    let rows = window.entries[top..end].iter().map(|entry| {
        Row::new([
            Cell::from(cut_with_ellipsis(
                cx.session.list_key(&entry.key),
                key_width,
            )),
            Cell::from(Line::from(format_size(entry.value_len as u64, BINARY)).right_aligned())
                .style(theme.dim()),
        ])
    });
    let table = Table::new(rows, [Constraint::Fill(1), Constraint::Length(SIZE_WIDTH)])
        .column_spacing(1)
        .row_highlight_style(theme.selected())
        // The marker keeps the selection visible without colour or reverse video.
        .highlight_symbol("›")
        .highlight_spacing(ratatui::widgets::HighlightSpacing::Always);
    let mut state = TableState::default().with_selected(Some(window.selected.saturating_sub(top)));
    frame.render_stateful_widget(table, inner, &mut state);
}

fn draw_value(frame: &mut Frame, area: Rect, keys: &KeysState, cx: &DrawCx) {
    let theme = cx.theme;
    let Some(value) = &keys.value else {
        let block = Block::bordered()
            .title(Span::styled(" value ", theme.title()))
            .border_style(theme.border());
        frame.render_widget(block, area);
        return;
    };
    let kind = value.kind.map_or("absent", ValueKind::label);
    let mut title = match (value.decoded_on_show(), &value.decoded) {
        (Some(d), _) => format!(
            " {} · {} · v raw ",
            d.format,
            format_size(value.size as u64, BINARY)
        ),
        (None, Some(_)) => format!(
            " {} · {} · raw · v decoded ",
            kind,
            format_size(value.size as u64, BINARY)
        ),
        (None, None) => format!(" {} · {} ", kind, format_size(value.size as u64, BINARY)),
    };
    if value.truncated {
        title.push_str("· first part only ");
    }
    let mut block = Block::bordered()
        .title(Span::styled(title, theme.title()))
        .border_style(theme.border());
    // Which rule read it, where the title has no room for it.
    if let Some(decoded) = &value.decoded {
        block = block.title_bottom(Span::styled(format!(" {} ", decoded.rule), theme.dim()));
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [key_line, body] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
    // The exact key: the list beside it shows it by its rule's layout.
    frame.render_widget(
        Paragraph::new(Span::styled(
            cx.session.display_key(&value.key),
            theme.title(),
        )),
        key_line,
    );
    let rows = usize::from(body.height);
    if let Some(decoded) = value.decoded_on_show() {
        let visible = decoded.lines.iter().skip(value.scroll).take(rows);
        let lines: Vec<Line> = match decoded.ok {
            true => visible.map(|line| json_line(line, theme)).collect(),
            false => visible
                .enumerate()
                .map(|(i, line)| match i + value.scroll {
                    0 | 1 => Line::styled(line.as_str(), theme.error()),
                    _ => Line::raw(line.as_str()),
                })
                .collect(),
        };
        frame.render_widget(
            Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false }),
            body,
        );
        return;
    }
    if let Some(dump) = narrow_hexdump(value, usize::from(body.width), rows) {
        frame.render_widget(
            Paragraph::new(dump.into_iter().map(Line::from).collect::<Vec<_>>()),
            body,
        );
        return;
    }
    let visible = value.lines.iter().skip(value.scroll).take(rows);
    let lines: Vec<Line> = if value.kind == Some(ValueKind::Json) {
        visible.map(|line| json_line(line, theme)).collect()
    } else {
        visible.map(|line| Line::raw(line.as_str())).collect()
    };
    // Long text and JSON lines wrap; a hexdump's lines have a fixed layout and never do.
    let paragraph = Paragraph::new(lines);
    let paragraph = if value.kind == Some(ValueKind::Binary) {
        paragraph
    } else {
        paragraph.wrap(ratatui::widgets::Wrap { trim: false })
    };
    frame.render_widget(paragraph, body);
}

/// A binary value's hexdump redrawn with fewer bytes a row when the pane is too narrow
/// for 16 (which would cut off the ASCII column); `None` when 16 fit or the value is not a
/// plain hexdump. Scrolling still moves by 16-byte lines: the rows start at the same byte.
fn narrow_hexdump(value: &ValueView, width: usize, rows: usize) -> Option<Vec<String>> {
    if value.kind != Some(ValueKind::Binary) || decode::unresolved_merge(&value.raw).is_some() {
        return None;
    }
    let per_row = decode::hexdump_fit(width);
    if per_row == 16 {
        return None;
    }
    let shown = value.raw.len().min(HEXDUMP_PREVIEW);
    let start = (value.scroll * 16).min(shown);
    let end = (start + rows * per_row).min(shown);
    Some(decode::hexdump_rows(&value.raw[start..end], per_row, start))
}

fn json_line(line: &str, theme: Theme) -> Line<'_> {
    Line::from(
        tokenize_json_line(line)
            .into_iter()
            .map(|(token, text)| {
                let style = match token {
                    JsonToken::Key => theme.json_key(),
                    JsonToken::String => theme.json_string(),
                    JsonToken::Number => theme.json_number(),
                    JsonToken::Literal => theme.json_literal(),
                    JsonToken::Punct => theme.text(),
                };
                Span::styled(text, style)
            })
            .collect::<Vec<_>>(),
    )
}

/// `text` in at most `width` columns: a key that does not fit ends in `…`, so what is
/// drawn is never a different, shorter key (`\x0000` cut from `\x00000000`).
fn cut_with_ellipsis(text: String, width: usize) -> String {
    if text.chars().count() <= width || width == 0 {
        return text;
    }
    let mut cut: String = text.chars().take(width - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::cut_with_ellipsis;

    #[test]
    fn a_cut_key_says_so() {
        assert_eq!(cut_with_ellipsis("key:0001".into(), 8), "key:0001");
        assert_eq!(
            cut_with_ellipsis("\\x00\\x0000000000".into(), 10),
            "\\x00\\x000…"
        );
        assert_eq!(cut_with_ellipsis("abc".into(), 0), "abc");
    }
}
