//! Drawing the Events screen: the event streams (with counters that disagree flagged)
//! and the selected stream's events, newest first, with the decoded payload.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, TableState, Wrap};

use super::{EventsView, Pane};
use crate::inspector::screens::DrawCx;
use crate::inspector::spear::events::{
    EventBody, EventRecord, StreamKind, op_name, resource_type_name,
};
use crate::inspector::spear::protobuf::Decoded;
use crate::inspector::ui;
use crate::inspector::ui::theme::Theme;

/// Draws the streams beside the selected stream's events (and the detail under them).
pub(super) fn draw(frame: &mut Frame, area: Rect, view: &EventsView, cx: &DrawCx) {
    let theme = cx.theme;
    let Some(streams) = &view.streams else {
        return ui::waiting(frame, area, "events", "reading event streams…", theme);
    };
    // Stream names (`resource.execution.exec-0001`) want room; the events list keeps 46.
    let left_width = area.width.saturating_sub(62).clamp(34, 56);
    let [left, right] =
        Layout::horizontal([Constraint::Length(left_width), Constraint::Fill(1)]).areas(area);
    let mismatched = streams.iter().filter(|s| s.mismatch().is_some()).count();
    let title = format!(
        " streams · {}{} ",
        streams.len(),
        if mismatched > 0 {
            format!(" · {mismatched} ≠ counter")
        } else {
            String::new()
        }
    );
    let focus = |pane: Pane| {
        if view.pane == pane {
            theme.border_focus()
        } else {
            theme.border()
        }
    };
    let mut block = Block::bordered()
        .title(Span::styled(title, theme.title()))
        .border_style(focus(Pane::Streams));
    // The mark's legend; the selected stream's reason is on the right, with its gaps.
    if mismatched > 0 {
        block = block.title_bottom(Span::styled(" ≠ = counter ≠ stored events ", theme.dim()));
    }
    if streams.is_empty() {
        let text = "no event streams (events:*, task_events:*) in any column family";
        frame.render_widget(
            Paragraph::new(Span::styled(text, theme.dim())).block(block),
            left,
        );
    } else {
        let header = Row::new(
            ["stream", "count", "last"].map(|h| Cell::from(Span::styled(h, theme.title()))),
        );
        let rows = streams.iter().map(|s| {
            let name = match s.kind {
                StreamKind::Events => s.stream.clone(),
                StreamKind::TaskEvents => format!("task_events {}", s.stream),
            };
            // A mark as well as a colour, so NO_COLOR keeps it.
            let last = s.last_seq.map_or("-".into(), |l| l.to_string());
            let (last, style) = match s.mismatch() {
                Some(_) => (format!("{last} ≠"), theme.error()),
                None => (last, theme.text()),
            };
            // Counters come first; counts follow once every event key is read.
            let (stored, last) = if s.counted {
                (s.stored.to_string(), last)
            } else {
                ("…".to_string(), "…".to_string())
            };
            Row::new([
                Cell::from(name),
                Cell::from(stored),
                Cell::from(Span::styled(last, style)),
            ])
        });
        let widths = [
            Constraint::Fill(1),
            Constraint::Length(6),
            Constraint::Length(9),
        ];
        let table = ui::selectable_table(rows, widths, header, block, theme);
        let mut state = TableState::default()
            .with_offset(view.stream_cursor.top)
            .with_selected(Some(view.stream_cursor.selected));
        frame.render_stateful_widget(table, left, &mut state);
    }

    // The selected stream's gaps under its events, when it has any (the detail, when
    // open, takes that room instead).
    let gaps_lines = (!view.detail)
        .then(|| gaps_text(view, right.width.saturating_sub(2), theme))
        .flatten();
    let (list_area, detail_area, gaps_area) = if view.detail {
        let [list, detail] =
            Layout::vertical([Constraint::Percentage(45), Constraint::Fill(1)]).areas(right);
        (list, Some(detail), None)
    } else if let Some((_, lines)) = &gaps_lines {
        let height = (lines.len() as u16 + 2).min(right.height / 2);
        let [list, gaps] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(height)]).areas(right);
        (list, None, Some(gaps))
    } else {
        (right, None, None)
    };
    let (name, total) = match &view.shown {
        Some((cf, name, total)) => (format!("{name} (cf {cf})"), *total),
        None => ("(no stream)".into(), 0),
    };
    let span = format!(
        "{}-{} of {total}",
        (view.offset + 1).min(total),
        view.offset + view.page.len()
    );
    // The whole title where it fits; else without "newest first"; else the name clipped
    // with a mark, never a word cut short silently.
    let room = usize::from(list_area.width.saturating_sub(2));
    let full = format!(" {name} · {span}, newest first ");
    let title = if full.chars().count() <= room {
        full
    } else {
        let tail = format!(" · {span} ");
        let name_room = room.saturating_sub(tail.chars().count() + 1);
        format!(" {}{tail}", clip(&name, name_room))
    };
    let block = Block::bordered()
        .title(Span::styled(title, theme.title()))
        .border_style(focus(Pane::Events));
    let wide = list_area.width >= 80;
    let header_titles: &[&str] = if wide {
        &["seq", "time (UTC)", "op", "resource", "payload"]
    } else {
        &["seq", "time (UTC)", "op", "resource"]
    };
    let header = Row::new(
        header_titles
            .iter()
            .map(|h| Cell::from(Span::styled(*h, theme.title()))),
    );
    // Columns as wide as this page needs, so the resource keeps the rest.
    let seq_width = view
        .page
        .iter()
        .map(|e| e.seq.to_string().len())
        .max()
        .unwrap_or(0)
        .max(3) as u16;
    let op_width = view
        .page
        .iter()
        .map(|e| event_fields(e).1.len())
        .max()
        .unwrap_or(0)
        .max(2) as u16;
    let payload_width = if wide { 14 + 1 } else { 0 };
    // Borders, the selection mark, the fixed columns and their spacing.
    let resource_width = list_area
        .width
        .saturating_sub(2 + 1 + seq_width + 1 + 19 + 1 + op_width + 1 + payload_width);
    let rows = view
        .page
        .iter()
        .map(|e| event_row(e, wide, usize::from(resource_width), theme));
    let widths: Vec<Constraint> = if wide {
        vec![
            Constraint::Length(seq_width),
            Constraint::Length(19),
            Constraint::Length(op_width),
            Constraint::Fill(1),
            Constraint::Length(14),
        ]
    } else {
        vec![
            Constraint::Length(seq_width),
            Constraint::Length(19),
            Constraint::Length(op_width),
            Constraint::Fill(1),
        ]
    };
    let table = ui::selectable_table(rows, widths, header, block, theme);
    let mut state = TableState::default()
        .with_offset(view.event_cursor.top)
        .with_selected(Some(view.event_cursor.selected));
    frame.render_stateful_widget(table, list_area, &mut state);
    if let (Some(area), Some(event)) = (detail_area, view.selected_event()) {
        draw_detail(frame, area, event, theme);
    }
    if let (Some(area), Some((title, lines))) = (gaps_area, gaps_lines) {
        let block = Block::bordered()
            .title(Span::styled(title, theme.title()))
            .border_style(theme.border());
        frame.render_widget(Paragraph::new(lines).block(block), area);
    }
}

/// `text` in at most `width` columns: cut with a `…` when longer.
fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `text` broken at spaces into lines of at most `width` columns (a word longer than a
/// line is clipped with a mark).
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let needed = line.chars().count() + usize::from(!line.is_empty()) + word.chars().count();
        if !line.is_empty() && needed > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines.into_iter().map(|l| clip(&l, width)).collect()
}

/// The gaps pane of the selected stream, when it disagrees with its counter: its title
/// and lines fitted to `width` (the reason, what the WAL covers, then the missing ranges,
/// newest first, as many as the pane shows; the rest counted).
fn gaps_text(view: &EventsView, width: u16, theme: Theme) -> Option<(String, Vec<Line<'static>>)> {
    let stream = view.selected_stream()?;
    let why = stream.mismatch()?;
    let width = usize::from(width);
    let mut lines: Vec<Line<'static>> = wrap_words(&format!("≠ {why}"), width)
        .into_iter()
        .map(|l| Line::from(Span::styled(l, theme.error())))
        .collect();
    let Some(gaps) = view.selected_gaps() else {
        lines.push(Line::from(Span::styled(
            "reading the WAL for the missing numbers…",
            theme.dim(),
        )));
        return Some((" missing numbers ".into(), lines));
    };
    let title = match gaps.expected {
        Some((low, high)) => format!(" {} of {low}-{high} missing ", gaps.missing),
        None => " missing numbers ".into(),
    };
    let mut note = |text: String, style| {
        for l in wrap_words(&text, width) {
            lines.push(Line::from(Span::styled(l, style)));
        }
    };
    let wal = &gaps.wal;
    match (&wal.error, wal.first_sequence) {
        (Some(error), _) => note(format!("WAL not read: {error}"), theme.error()),
        _ if gaps.gaps.is_empty() => {}
        (None, first) => note(
            format!(
                "WAL: nothing = never written, or written and deleted before the live WAL ({} file{}{}): cannot tell which",
                wal.files,
                if wal.files == 1 { "" } else { "s" },
                first.map_or(String::new(), |f| format!(", from seq {f}"))
            ),
            theme.dim(),
        ),
    }
    if wal.range_deletes > 0 {
        note(
            format!(
                "{} range deletion{} in the WAL cover this stream's keys (not counted by number)",
                wal.range_deletes,
                if wal.range_deletes == 1 { "" } else { "s" }
            ),
            theme.error(),
        );
    }
    if !wal.damaged.is_empty() {
        note(
            format!(
                "damaged WAL {} read past: counts may be short",
                wal.damaged.join(", ")
            ),
            theme.error(),
        );
    }
    let range_width = gaps.gaps.iter().map(|g| g.range().len()).max().unwrap_or(0);
    let count_width = gaps
        .gaps
        .iter()
        .map(|g| g.len().to_string().len())
        .max()
        .unwrap_or(0);
    // A heading names the two figures of each row: the numbers and how many they are.
    let range_width = range_width.max("numbers".len());
    let count_width = count_width.max("count".len());
    lines.push(Line::from(Span::styled(
        clip(
            &format!(
                "{:>range_width$} {:>count_width$} · what the WAL holds",
                "numbers", "count"
            ),
            width,
        ),
        theme.dim(),
    )));
    for gap in &gaps.gaps {
        let style = if gap.touched.is_some() {
            theme.error()
        } else {
            theme.text()
        };
        lines.push(Line::from(Span::styled(
            clip(
                &format!(
                    "{:>range_width$} {:>count_width$} · {}",
                    gap.range(),
                    gap.len(),
                    gap.wal_words()
                ),
                width,
            ),
            style,
        )));
    }
    if gaps.more_gaps > 0 {
        lines.push(Line::from(Span::styled(
            format!("+{} older ranges not listed", gaps.more_gaps),
            theme.dim(),
        )));
    }
    Some((title, lines))
}

/// An event's time (UTC, with its date), op, resource and payload type.
fn event_fields(event: &EventRecord) -> (String, String, String, String) {
    let date = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M:%S").to_string();
    match &event.body {
        EventBody::Envelope { envelope, payload } => {
            let at = chrono::DateTime::from_timestamp_millis(envelope.ts_ms);
            let time = at.map_or("?".into(), date);
            let kind = match payload {
                Decoded::Message { type_name, .. } => {
                    type_name.trim_start_matches("sms.").to_string()
                }
                Decoded::Empty => "(none)".into(),
                Decoded::Unknown { .. } => "(unknown type)".into(),
                Decoded::Invalid { .. } => "(invalid)".into(),
            };
            (
                time,
                op_name(envelope.op).to_string(),
                format!(
                    "{} {}",
                    resource_type_name(envelope.resource_type),
                    envelope.resource_id
                ),
                kind,
            )
        }
        EventBody::TaskEvent { task_event } => (
            task_event["ts"]
                .as_i64()
                .and_then(|ts| chrono::DateTime::from_timestamp(ts, 0))
                .map_or("?".into(), date),
            ["unknown", "create", "update", "cancel"]
                .get(task_event["kind"].as_u64().unwrap_or(0) as usize)
                .copied()
                .unwrap_or("unknown")
                .to_string(),
            format!("task {}", task_event["task_id"].as_str().unwrap_or("?")),
            "TaskEvent (json)".into(),
        ),
        EventBody::Undecodable { .. } => (
            String::new(),
            String::new(),
            "does not decode".into(),
            String::new(),
        ),
    }
}

fn event_row<'a>(
    event: &'a EventRecord,
    wide: bool,
    resource_width: usize,
    theme: Theme,
) -> Row<'a> {
    let (time, op, resource, payload) = event_fields(event);
    let resource = clip(&resource, resource_width);
    let style = if matches!(event.body, EventBody::Undecodable { .. }) {
        theme.error()
    } else {
        theme.text()
    };
    let mut cells = vec![
        Cell::from(event.seq.to_string()),
        Cell::from(time),
        Cell::from(op),
        Cell::from(Span::styled(resource, style)),
    ];
    if wide {
        cells.push(Cell::from(payload));
    }
    Row::new(cells)
}

fn draw_detail(frame: &mut Frame, area: Rect, event: &EventRecord, theme: Theme) {
    let field = |name: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{name:<15} "), theme.dim()),
            Span::raw(value),
        ])
    };
    let mut lines = vec![field("key", event.key.clone())];
    match &event.body {
        EventBody::Envelope { envelope, payload } => {
            lines.push(field("event id", envelope.event_id.clone()));
            lines.push(field("node", envelope.node_uuid.clone()));
            lines.push(field("payload type", envelope.payload_type_url.clone()));
            match payload {
                Decoded::Message { fields, .. } => {
                    for (name, value) in fields {
                        lines.push(field(&format!("  {name}"), value.clone()));
                    }
                }
                Decoded::Empty => lines.push(field("  (no payload)", String::new())),
                Decoded::Unknown { hex, .. } => lines.push(field("  bytes (hex)", hex.clone())),
                Decoded::Invalid { error, hex } => {
                    lines.push(Line::from(Span::styled(
                        format!("  invalid payload: {error}"),
                        theme.error(),
                    )));
                    lines.push(field("  bytes (hex)", hex.clone()));
                }
            }
        }
        EventBody::TaskEvent { task_event } => {
            if let Some(object) = task_event.as_object() {
                for (name, value) in object {
                    lines.push(field(name, value.to_string()));
                }
            }
        }
        EventBody::Undecodable { undecodable, size } => {
            lines.push(Line::from(Span::styled(
                format!("does not decode ({size} bytes): {undecodable}"),
                theme.error(),
            )));
        }
    }
    let block = Block::bordered()
        .title(Span::styled(
            format!(" event {} ", event.seq),
            theme.title(),
        ))
        .border_style(theme.border());
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}
