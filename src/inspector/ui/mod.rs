//! Drawing: `draw` lays out the tabs, the screen on show (which draws itself, see
//! `screens`), the overlays and the status lines from `&App` alone. This module keeps
//! only what the screens share: the chrome around them, the dialogs, table helpers, the
//! help, number formats and the theme.

mod chrome;
mod confirm;
mod editor;
pub mod format;
mod help;
pub mod opening;
mod picker;
pub mod report;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

use super::screens::DrawCx;
use super::state::{App, Overlay};
use theme::Theme;

/// Draws the whole inspector.
pub fn draw(frame: &mut Frame, app: &App) {
    let theme = Theme::new(app.session.color);
    let FrameLayout {
        tabs,
        body,
        status,
        footer,
    } = layout(frame.area());
    chrome::tabs(frame, tabs, app, theme);
    let cx = DrawCx {
        session: &app.session,
        theme,
    };
    if app.shown_needs_rocksdb() {
        let notice = format!(
            "The {} screen reads RocksDB's own files; {} is an etcd cluster.\n\nIts figures (members, leader, raft term and index, database sizes, alarms) are on Stats (4); a key's changes are in its history (h on Keys).",
            app.current().title(),
            app.session.db_path
        );
        frame.render_widget(
            ratatui::widgets::Paragraph::new(notice)
                .style(theme.dim())
                .wrap(ratatui::widgets::Wrap { trim: false }),
            body,
        );
    } else {
        app.current().draw(frame, body, &cx);
    }
    chrome::status(frame, status, app, theme);
    chrome::footer(frame, footer, app, theme);
    match &app.overlay {
        Overlay::Help => help::draw(frame, body, app, theme),
        Overlay::History(history) => text_popup(
            frame,
            body,
            " history · Esc closes ",
            &crate::inspector::text::history::history_text(
                history,
                app.session.decoders.as_deref(),
            ),
            theme,
        ),
        Overlay::Explained(explained) => text_popup(
            frame,
            body,
            " explain · Esc closes ",
            &crate::inspector::text::explain::text(explained, &app.session.db_path),
            theme,
        ),
        Overlay::Picker { selected } => picker::draw(frame, body, app, *selected, theme),
        Overlay::Confirm {
            ask,
            confirm_focused,
        } => confirm::draw(frame, body, app, ask, *confirm_focused, theme),
        Overlay::Editor { editor, dialog } => editor::draw(frame, body, editor, *dialog, theme),
        Overlay::TypeToConfirm {
            prefix,
            count,
            typed,
            ..
        } => editor::type_to_confirm(frame, body, app, prefix, *count, typed, theme),
        Overlay::Closed | Overlay::Input { .. } => {}
    }
}

/// Where the parts of a frame go. One function for drawing and for measuring: `draw`
/// lays every frame out with it, and [`list_rows`] measures the key list with it, so the
/// rows the keys page by are the rows drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameLayout {
    /// The tabs, on top.
    pub tabs: Rect,
    /// The screen on show (and the overlays over it).
    pub body: Rect,
    /// The status bar.
    pub status: Rect,
    /// The footer: the keys, or the prompt.
    pub footer: Rect,
}

/// Lays a frame of `area` out.
pub fn layout(area: Rect) -> FrameLayout {
    let [tabs, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    FrameLayout {
        tabs,
        body,
        status,
        footer,
    }
}

/// Rows the key list shows in a terminal of `height` rows: the inside of the bordered
/// pane that fills the body of [`layout`] (a terminal's width plays no part in it).
pub fn list_rows(height: u16) -> usize {
    let body = layout(Rect::new(0, 0, 1, height)).body;
    usize::from(ratatui::widgets::Block::bordered().inner(body).height).max(1)
}

/// A rectangle of at most `width` x `height` centred in `area`.
pub(crate) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// A dialog button. The focused one is marked `> … <` as well as reversed, so the focus
/// (the one thing between a key press and a destructive action) shows without colour.
pub(crate) fn button(
    label: &str,
    focused: bool,
    theme: theme::Theme,
) -> ratatui::text::Span<'static> {
    if focused {
        ratatui::text::Span::styled(format!("> {label} <"), theme.selected())
    } else {
        ratatui::text::Span::styled(format!("[ {label} ]"), theme.dim())
    }
}

/// The bottom edge of a registry table when a record that does not decode is selected:
/// its key and the error, too long for a cell.
pub(crate) fn broken_note(
    key: &str,
    error: &str,
    theme: theme::Theme,
) -> ratatui::text::Span<'static> {
    ratatui::text::Span::styled(format!(" {key} does not decode: {error} "), theme.error())
}

/// A table whose selected row is reversed and marked `›` (visible without colour).
pub(crate) fn selectable_table<'a, R, C>(
    rows: R,
    widths: C,
    header: ratatui::widgets::Row<'a>,
    block: ratatui::widgets::Block<'a>,
    theme: theme::Theme,
) -> ratatui::widgets::Table<'a>
where
    R: IntoIterator<Item = ratatui::widgets::Row<'a>>,
    C: IntoIterator,
    C::Item: Into<ratatui::layout::Constraint>,
{
    ratatui::widgets::Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(theme.selected())
        .highlight_symbol("›")
        .highlight_spacing(ratatui::widgets::HighlightSpacing::Always)
        .block(block)
}

/// A table's header row: its column titles in the title style.
pub(crate) fn header_row<'a, const N: usize>(
    titles: [&'a str; N],
    theme: theme::Theme,
) -> ratatui::widgets::Row<'a> {
    ratatui::widgets::Row::new(
        titles.map(|t| ratatui::widgets::Cell::from(ratatui::text::Span::styled(t, theme.title()))),
    )
}

/// A summary line above a table, and below it, when `detail`, a pane of half the height.
pub(crate) fn with_summary_and_detail(area: Rect, detail: bool) -> [Rect; 3] {
    let detail_height = if detail { area.height / 2 } else { 0 };
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(detail_height),
    ])
    .areas(area)
}

/// The rows a bordered table with a header shows in `height` lines (`visible`), and the
/// first of them (`top`), moved as little as needed from the state's `top` so that row
/// `selected` is on screen: the row drawn selected is always the row the keys act on,
/// whatever the terminal's height.
pub(crate) fn window(height: u16, len: usize, selected: usize, top: usize) -> (usize, usize) {
    let visible = usize::from(height.saturating_sub(3)).max(1);
    let mut top = top.min(len.saturating_sub(1));
    if selected < top {
        top = selected;
    } else if selected >= top + visible {
        top = selected + 1 - visible;
    }
    (top, visible)
}

/// Draws `rows` (the window from `top`) as a [`selectable_table`] with row `selected`
/// marked, or `empty` inside `block` when there are no rows at all.
#[allow(clippy::too_many_arguments)] // a table's parts, each needed
pub(crate) fn window_table<'a>(
    frame: &mut Frame,
    area: Rect,
    rows: Vec<ratatui::widgets::Row<'a>>,
    widths: &[Constraint],
    header: ratatui::widgets::Row<'a>,
    block: ratatui::widgets::Block<'a>,
    (selected, top): (usize, usize),
    empty: &str,
    theme: theme::Theme,
) {
    if rows.is_empty() && top == 0 {
        frame.render_widget(
            ratatui::widgets::Paragraph::new(ratatui::text::Span::styled(
                empty.to_string(),
                theme.dim(),
            ))
            .wrap(ratatui::widgets::Wrap { trim: false })
            .block(block),
            area,
        );
        return;
    }
    let table = selectable_table(rows, widths.to_vec(), header, block, theme);
    let mut state =
        ratatui::widgets::TableState::default().with_selected(Some(selected.saturating_sub(top)));
    frame.render_stateful_widget(table, area, &mut state);
}

/// A value as lines to read: by its decoder rule when one reads it (the rule named on
/// the first line; an error with the bytes when a configured rule does not), else as
/// [`value_lines`] shows it. `whole`: the value was fetched to its end.
pub(crate) fn decoded_value_lines(
    decoders: Option<&crate::inspector::decoders::Decoders>,
    cf: &str,
    key: &[u8],
    value: &[u8],
    whole: bool,
    theme: Theme,
) -> Vec<ratatui::text::Line<'static>> {
    use crate::inspector::decoders::shown::DecodedValue;
    use ratatui::text::Line;
    let Some(decoded) = decoders.and_then(|d| DecodedValue::read(d, cf, key, value, whole)) else {
        return value_lines(value);
    };
    let mut lines = vec![Line::styled(
        format!("{} ({}):", decoded.format, decoded.rule),
        match decoded.ok {
            true => theme.dim(),
            false => theme.error(),
        },
    )];
    lines.extend(decoded.lines.into_iter().map(Line::raw));
    lines
}

/// A value as lines to read: JSON pretty-printed, text as it is, anything else as a
/// hexdump.
pub(crate) fn value_lines(value: &[u8]) -> Vec<ratatui::text::Line<'static>> {
    use crate::inspector::decode::{ValueKind, classify, hexdump, pretty_json};
    // Drawn every frame: a pane shows the first 64 KiB, not a 32 MiB value's 2M lines.
    const SHOWN: usize = 64 * 1024;
    if value.len() > SHOWN {
        let mut lines = hexdump(&value[..SHOWN])
            .into_iter()
            .map(ratatui::text::Line::raw)
            .collect::<Vec<_>>();
        lines.push(ratatui::text::Line::raw(format!(
            "… the first {} of {} bytes",
            SHOWN,
            value.len()
        )));
        return lines;
    }
    let text = match classify(value) {
        ValueKind::Binary => None,
        ValueKind::Json => pretty_json(value),
        ValueKind::Text => Some(String::from_utf8_lossy(value).into_owned()),
    };
    match text {
        Some(text) => text
            .lines()
            .map(|l| ratatui::text::Line::raw(l.to_string()))
            .collect(),
        None => hexdump(value)
            .into_iter()
            .map(ratatui::text::Line::raw)
            .collect(),
    }
}

/// A popup of plain `text`, as high as its lines (and the frame allow), titled `title`.
fn text_popup(frame: &mut Frame, body: Rect, title: &'static str, text: &str, theme: Theme) {
    let lines: Vec<ratatui::text::Line> = text
        .lines()
        .map(|l| ratatui::text::Line::raw(l.to_string()))
        .collect();
    let height = u16::try_from(lines.len())
        .unwrap_or(u16::MAX)
        .saturating_add(2);
    popup(
        frame,
        body,
        (body.width.saturating_sub(4), height),
        ratatui::text::Span::styled(title, theme.title()),
        lines,
        theme,
    );
}

/// A dialog: `lines` in a bordered box of at most `width` x `height` over the middle of
/// `area`, clearing what is beneath.
pub(crate) fn popup(
    frame: &mut Frame,
    area: Rect,
    (width, height): (u16, u16),
    title: ratatui::text::Span<'_>,
    lines: Vec<ratatui::text::Line<'_>>,
    theme: theme::Theme,
) {
    let block = ratatui::widgets::Block::bordered()
        .title(title)
        .border_style(theme.border_focus());
    let paragraph = ratatui::widgets::Paragraph::new(lines)
        .wrap(ratatui::widgets::Wrap { trim: true })
        .block(block);
    // Lines wider than the popup wrap: grow it to the wrapped height (a height counted
    // from the unwrapped lines would push the last lines out of sight), within `area`.
    let width = width.min(area.width);
    let wrapped = u16::try_from(paragraph.line_count(width)).unwrap_or(u16::MAX);
    let at = centered(area, width, height.max(wrapped));
    frame.render_widget(ratatui::widgets::Clear, at);
    frame.render_widget(paragraph, at);
}

/// What a screen shows until its first answer from the worker arrives.
pub(crate) fn waiting(frame: &mut Frame, area: Rect, title: &str, text: &str, theme: theme::Theme) {
    let block = ratatui::widgets::Block::bordered()
        .title(ratatui::text::Span::styled(
            format!(" {title} "),
            theme.title(),
        ))
        .border_style(theme.border());
    let text = ratatui::text::Span::styled(text.to_string(), theme.dim());
    frame.render_widget(ratatui::widgets::Paragraph::new(text).block(block), area);
}
