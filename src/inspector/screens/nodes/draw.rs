//! Drawing the Nodes screen: the node registry as a table, with a detail pane beside the
//! resource record.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, TableState, Wrap};

use super::{NodeColumn, NodeRow, NodesView};
use crate::common::{NodeInfo, NodeResourceInfo, NodeStatus};
use crate::inspector::screens::DrawCx;
use crate::inspector::state::Session;
use crate::inspector::ui;
use crate::inspector::ui::format::{age, gauge, signed_bytes, signed_rate};
use crate::inspector::ui::theme::Theme;

/// Draws the table, and the detail pane when open.
pub(super) fn draw(frame: &mut Frame, area: Rect, view: &NodesView, cx: &DrawCx) {
    let (session, theme) = (cx.session, cx.theme);
    let Some(snapshot) = &view.registry else {
        return ui::waiting(frame, area, "nodes", "reading node:* records…", theme);
    };
    let (table_area, detail_area) = if view.detail {
        let [t, d] = Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
            .areas(area);
        (t, Some(d))
    } else {
        (area, None)
    };
    let layout = Columns::for_width(table_area.width);
    let status = view.status.map_or("all".to_string(), |s| s.to_string());
    let arrow = if view.descending { "↓" } else { "↑" };
    let title = table_title(
        &TitleParts {
            shown: view.rows.len(),
            total: snapshot.nodes.records.len() + snapshot.nodes.undecodable.len(),
            sort: view.sort.title(),
            arrow,
            status: &status,
            filter: &view.text,
        },
        usize::from(table_area.width.saturating_sub(2)),
    );
    let header = Row::new(layout.columns().iter().map(|&c| {
        let text = if c == view.sort {
            format!("{}{arrow}", c.title())
        } else {
            c.title().to_string()
        };
        Cell::from(Span::styled(text, theme.title()))
    }));
    let (top, visible) = ui::window(
        table_area.height,
        view.rows.len(),
        view.cursor.selected,
        view.cursor.top,
    );
    let rows = view
        .rows
        .iter()
        .skip(top)
        .take(visible)
        .map(|row| match *row {
            NodeRow::Node(i) => node_row(&snapshot.nodes.records[i], session, layout, theme),
            NodeRow::Broken(i) => {
                let broken = &snapshot.nodes.undecodable[i];
                let key = Cell::from(broken.key.trim_start_matches("node:").to_string());
                let broken = Cell::from(Span::styled("broken", theme.error()));
                if layout == Columns::Compact {
                    Row::new([key, broken])
                } else {
                    Row::new([
                        key,
                        Cell::from(Span::styled("✗ does not decode", theme.error())),
                        broken,
                    ])
                }
            }
        });
    let widths = layout
        .widths()
        .iter()
        .map(|&w| Constraint::Length(w))
        .collect::<Vec<_>>();
    // A broken record's error is too long for a cell: the table's bottom edge shows it.
    let mut block = Block::bordered()
        .title(Span::styled(title, theme.title()))
        .border_style(theme.border_focus());
    if let Some(NodeRow::Broken(i)) = view.selected() {
        let broken = &snapshot.nodes.undecodable[i];
        block = block.title_bottom(ui::broken_note(&broken.key, &broken.error, theme));
    } else if view.rows.iter().any(|row| match *row {
        NodeRow::Node(i) => {
            snapshot.nodes.records[i].heartbeat_age(session.now) > session.stale_after
        }
        NodeRow::Broken(_) => false,
    }) {
        // The `!` beside a heartbeat needs its meaning on screen, not only in the README.
        block = block.title_bottom(Span::styled(
            format!(" ! no heartbeat for over {} ", age(session.stale_after)),
            theme.dim(),
        ));
    }
    let table = ui::selectable_table(rows, widths, header, block, theme);
    let mut state =
        TableState::default().with_selected(Some(view.cursor.selected.saturating_sub(top)));
    frame.render_stateful_widget(table, table_area, &mut state);
    if let Some(detail) = detail_area {
        draw_detail(frame, detail, view, session, theme);
    }
}

/// Which columns fit: all with full uuids, all with short ones, or the three that matter
/// most when the detail pane takes half the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Columns {
    Wide,
    Normal,
    Compact,
}

impl Columns {
    fn for_width(width: u16) -> Self {
        match width {
            110.. => Columns::Wide,
            72.. => Columns::Normal,
            _ => Columns::Compact,
        }
    }

    fn columns(self) -> &'static [NodeColumn] {
        match self {
            Columns::Wide | Columns::Normal => &NodeColumn::ALL,
            Columns::Compact => &[NodeColumn::Uuid, NodeColumn::Status, NodeColumn::Heartbeat],
        }
    }

    fn widths(self) -> &'static [u16] {
        match self {
            Columns::Wide => &[36, 21, 11, 11, 16, 6],
            Columns::Normal => &[8, 21, 11, 11, 10, 6],
            Columns::Compact => &[8, 11, 11],
        }
    }
}

fn node_row<'a>(node: &'a NodeInfo, session: &Session, layout: Columns, theme: Theme) -> Row<'a> {
    let wide = layout == Columns::Wide;
    let heartbeat_age = node.heartbeat_age(session.now);
    let stale = heartbeat_age > session.stale_after;
    let uuid = node.uuid.to_string();
    let uuid = if wide { uuid } else { uuid[..8].to_string() };
    let status_style = status_style(node.status, theme);
    // Stale heartbeats get a mark as well as a colour, so NO_COLOR keeps it.
    let heartbeat = if stale {
        format!("{} !", age(heartbeat_age))
    } else {
        age(heartbeat_age)
    };
    let registered = if wide {
        node.registered_at.format("%Y-%m-%d %H:%M").to_string()
    } else {
        node.registered_at.format("%Y-%m-%d").to_string()
    };
    let heartbeat = Cell::from(Span::styled(
        heartbeat,
        if stale { theme.error() } else { theme.text() },
    ));
    let status = Cell::from(Span::styled(status_label(node.status), status_style));
    if layout == Columns::Compact {
        return Row::new([Cell::from(uuid), status, heartbeat]);
    }
    Row::new([
        Cell::from(uuid),
        Cell::from(node.address()),
        status,
        heartbeat,
        Cell::from(registered),
        Cell::from(node.metadata.len().to_string()),
    ])
}

/// A status with a mark of its own, so it reads the same without colour.
fn status_label(status: NodeStatus) -> &'static str {
    match status {
        NodeStatus::Active => "● active",
        NodeStatus::Inactive => "○ inactive",
        NodeStatus::Unhealthy => "▲ unhealthy",
        NodeStatus::Decommissioning => "▽ decomm.",
    }
}

fn status_style(status: NodeStatus, theme: Theme) -> ratatui::style::Style {
    match status {
        NodeStatus::Active => theme.text(),
        NodeStatus::Unhealthy | NodeStatus::Inactive => theme.error(),
        NodeStatus::Decommissioning => theme.json_literal(),
    }
}

fn field<'a>(name: &'a str, value: String, theme: Theme) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{name:<15}"), theme.dim()),
        Span::raw(value),
    ])
}

fn draw_detail(frame: &mut Frame, area: Rect, view: &NodesView, session: &Session, theme: Theme) {
    let Some(snapshot) = &view.registry else {
        return;
    };
    let [node_area, resource_area] =
        Layout::vertical([Constraint::Fill(1), Constraint::Fill(1)]).areas(area);
    let mut lines = Vec::new();
    let mut resource = None;
    match view.selected() {
        Some(NodeRow::Node(i)) => {
            let node = &snapshot.nodes.records[i];
            lines.push(field("uuid", node.uuid.to_string(), theme));
            lines.push(field("address", node.address(), theme));
            lines.push(field("status", node.status.to_string(), theme));
            lines.push(field(
                "last heartbeat",
                format!(
                    "{} ({} ago)",
                    node.last_heartbeat.format("%Y-%m-%d %H:%M:%S"),
                    age(node.heartbeat_age(session.now))
                ),
                theme,
            ));
            lines.push(field(
                "registered",
                node.registered_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                theme,
            ));
            let mut labels: Vec<_> = node.metadata.iter().collect();
            labels.sort();
            for (i, (k, v)) in labels.into_iter().enumerate() {
                let name = if i == 0 { "labels" } else { "" };
                lines.push(field(name, format!("{k} = {v}"), theme));
            }
            let mut health: Vec<_> = node.health_info.iter().collect();
            health.sort();
            for (i, (k, v)) in health.into_iter().enumerate() {
                let name = if i == 0 { "health" } else { "" };
                lines.push(field(name, format!("{k} = {v}"), theme));
            }
            if !node.extra.is_empty() {
                let names: Vec<&str> = node.extra.keys().map(String::as_str).collect();
                lines.push(field("other fields", names.join(", "), theme));
            }
            resource = snapshot
                .resources
                .records
                .iter()
                .find(|r| r.node_uuid == node.uuid);
        }
        Some(NodeRow::Broken(i)) => {
            let broken = &snapshot.nodes.undecodable[i];
            lines.push(field("key", broken.key.clone(), theme));
            lines.push(Line::from(Span::styled(
                format!("does not decode: {}", broken.error),
                theme.error(),
            )));
            lines.push(field("size", format!("{} B", broken.size), theme));
            lines.push(Line::raw("Press 1, then : and the key, to see its bytes."));
        }
        None => {}
    }
    let block = Block::bordered()
        .title(Span::styled(" node ", theme.title()))
        .border_style(theme.border());
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        node_area,
    );
    let block = Block::bordered()
        .title(Span::styled(" resources ", theme.title()))
        .border_style(theme.border());
    let text = match resource {
        Some(r) => resource_lines(r, session, theme),
        None => vec![Line::from(Span::styled(
            "no resource record for this node",
            theme.error(),
        ))],
    };
    frame.render_widget(Paragraph::new(text).block(block), resource_area);
}

/// A resource record as labelled lines (also used by nothing else: the Resources screen
/// is a table).
fn resource_lines<'a>(r: &NodeResourceInfo, session: &Session, theme: Theme) -> Vec<Line<'a>> {
    let report_age = r.age(session.now);
    let stale = report_age > session.stale_after;
    let high = |p: f64| {
        if p > 90.0 {
            theme.error()
        } else {
            Style::new()
        }
    };
    vec![
        Line::from(vec![
            Span::styled(format!("{:<15}", "cpu"), theme.dim()),
            Span::styled(gauge(r.cpu_usage_percent, 20), high(r.cpu_usage_percent)),
        ]),
        Line::from(vec![
            Span::styled(format!("{:<15}", "memory"), theme.dim()),
            Span::styled(
                gauge(r.memory_usage_percent, 20),
                high(r.memory_usage_percent),
            ),
        ]),
        Line::from(vec![
            Span::styled(format!("{:<15}", "disk"), theme.dim()),
            Span::styled(gauge(r.disk_usage_percent, 20), high(r.disk_usage_percent)),
        ]),
        field(
            "memory used",
            format!(
                "{} of {}",
                signed_bytes(r.used_memory_bytes),
                signed_bytes(r.total_memory_bytes)
            ),
            theme,
        ),
        field(
            "disk used",
            format!(
                "{} of {}",
                signed_bytes(r.used_disk_bytes),
                signed_bytes(r.total_disk_bytes)
            ),
            theme,
        ),
        field(
            "load 1/5/15",
            format!(
                "{:.1} {:.1} {:.1}",
                r.load_average_1m, r.load_average_5m, r.load_average_15m
            ),
            theme,
        ),
        field(
            "network rx/tx",
            format!(
                "{} / {}",
                signed_rate(r.network_rx_bytes_per_sec),
                signed_rate(r.network_tx_bytes_per_sec)
            ),
            theme,
        ),
        Line::from(vec![
            Span::styled(format!("{:<15}", "reported"), theme.dim()),
            Span::styled(
                format!(
                    "{} ago{}",
                    age(report_age),
                    if stale { " (stale)" } else { "" }
                ),
                if stale { theme.error() } else { Style::new() },
            ),
        ]),
    ]
}

/// What the table's title says.
struct TitleParts<'a> {
    shown: usize,
    total: usize,
    sort: &'a str,
    arrow: &'a str,
    status: &'a str,
    filter: &'a str,
}

/// The table's title in at most `width` columns: in words when they fit, else compact
/// (`20/202 · heartbeat↓ · inactive`); a filter text too long for what is left is
/// shortened inside its quotes with `…`, so the title never ends mid-quote.
fn table_title(p: &TitleParts<'_>, width: usize) -> String {
    let quoted = |text: &str| format!(" · \"{text}\"");
    let filter = if p.filter.is_empty() {
        String::new()
    } else {
        quoted(p.filter)
    };
    let full = format!(
        " nodes · {} of {} · sort {} {} · status {}{filter} ",
        p.shown, p.total, p.sort, p.arrow, p.status
    );
    if full.chars().count() <= width {
        return full;
    }
    let head = format!(
        " {}/{} · {}{} · {}",
        p.shown, p.total, p.sort, p.arrow, p.status
    );
    let used = head.chars().count() + 1;
    if p.filter.is_empty() || used + filter.chars().count() <= width {
        return format!("{head}{filter} ");
    }
    // ` · "` and `…" ` take six columns around the shortened text.
    let room = width.saturating_sub(used + 6);
    if room == 0 {
        return format!("{head} ");
    }
    let kept: String = p.filter.chars().take(room).collect();
    format!("{head}{} ", quoted(&format!("{kept}…")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(filter: &str) -> TitleParts<'_> {
        TitleParts {
            shown: 20,
            total: 202,
            sort: "heartbeat",
            arrow: "↓",
            status: "inactive",
            filter,
        }
    }

    #[test]
    fn title_fits_and_never_ends_mid_quote() {
        assert_eq!(
            table_title(&parts(""), 80),
            " nodes · 20 of 202 · sort heartbeat ↓ · status inactive "
        );
        assert_eq!(
            table_title(&parts(""), 34),
            " 20/202 · heartbeat↓ · inactive "
        );
        let t = table_title(&parts("eu-west-1b-rack-7"), 40);
        assert!(t.chars().count() <= 40, "{t}");
        assert!(t.ends_with("…\" "), "{t}");
        for width in 0..90 {
            let t = table_title(&parts("eu-west-1b"), width);
            assert_eq!(t.matches('"').count() % 2, 0, "{width}: {t}");
        }
    }
}
