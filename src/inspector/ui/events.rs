//! Screen 5: upstream Spear-Next's event streams (with counters that disagree flagged)
//! and the selected stream's events, newest first, with the decoded payload.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, TableState, Wrap};

use super::theme::Theme;
use crate::inspector::db::events::{
    EventBody, EventRecord, StreamKind, op_name, resource_type_name,
};
use crate::inspector::db::protobuf::Decoded;
use crate::inspector::state::App;
use crate::inspector::state::events::Pane;

/// Draws the streams beside the selected stream's events (and the detail under them).
pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let view = &app.events;
    let Some(streams) = &view.streams else {
        return super::waiting(frame, area, "events", "reading event streams…", theme);
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
    if let Some(why) = view.selected_stream().and_then(|s| s.mismatch()) {
        block = block.title_bottom(Span::styled(format!(" ≠ {why} "), theme.error()));
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
        let table = super::selectable_table(rows, widths, header, block, theme);
        let mut state = TableState::default()
            .with_offset(view.stream_cursor.top)
            .with_selected(Some(view.stream_cursor.selected));
        frame.render_stateful_widget(table, left, &mut state);
    }

    let (list_area, detail_area) = if view.detail {
        let [list, detail] =
            Layout::vertical([Constraint::Percentage(45), Constraint::Fill(1)]).areas(right);
        (list, Some(detail))
    } else {
        (right, None)
    };
    let (name, total) = match &view.shown {
        Some((cf, name, total)) => (format!("{name} (cf {cf})"), *total),
        None => ("(no stream)".into(), 0),
    };
    let block = Block::bordered()
        .title(Span::styled(
            format!(
                " {name} · {}-{} of {total}, newest first ",
                (view.offset + 1).min(total),
                view.offset + view.page.len()
            ),
            theme.title(),
        ))
        .border_style(focus(Pane::Events));
    let wide = list_area.width >= 80;
    let header_titles: &[&str] = if wide {
        &["seq", "time (UTC)", "op", "resource", "payload"]
    } else {
        &["seq", "time", "op", "resource"]
    };
    let header = Row::new(
        header_titles
            .iter()
            .map(|h| Cell::from(Span::styled(*h, theme.title()))),
    );
    let rows = view.page.iter().map(|e| event_row(e, wide, theme));
    let widths: Vec<Constraint> = if wide {
        vec![
            Constraint::Length(6),
            Constraint::Length(19),
            Constraint::Length(7),
            Constraint::Fill(1),
            Constraint::Length(14),
        ]
    } else {
        vec![
            Constraint::Length(5),
            Constraint::Length(8),
            Constraint::Length(6),
            Constraint::Fill(1),
        ]
    };
    let table = super::selectable_table(rows, widths, header, block, theme);
    let mut state = TableState::default()
        .with_offset(view.event_cursor.top)
        .with_selected(Some(view.event_cursor.selected));
    frame.render_stateful_widget(table, list_area, &mut state);
    if let (Some(area), Some(event)) = (detail_area, view.selected_event()) {
        draw_detail(frame, area, event, theme);
    }
}

fn event_row<'a>(event: &'a EventRecord, wide: bool, theme: Theme) -> Row<'a> {
    let (time, op, resource, payload) = match &event.body {
        EventBody::Envelope { envelope, payload } => {
            let at = chrono::DateTime::from_timestamp_millis(envelope.ts_ms);
            let time = at.map_or("?".into(), |t| {
                if wide {
                    t.format("%Y-%m-%d %H:%M:%S").to_string()
                } else {
                    t.format("%H:%M:%S").to_string()
                }
            });
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
                .map_or("?".into(), |t| t.format("%H:%M:%S").to_string()),
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
    };
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
