//! Drawing the Resources screen: resource reports with gauges, and the orphans on either
//! side.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Block, Cell, Row, TableState};

use super::{ResourceColumn, ResourceRow, ResourcesView};
use crate::inspector::screens::DrawCx;
use crate::inspector::ui;
use crate::inspector::ui::format::{age, gauge, signed_rate};

/// Draws the resource table.
pub(super) fn draw(frame: &mut Frame, area: Rect, view: &ResourcesView, cx: &DrawCx) {
    let (session, theme) = (cx.session, cx.theme);
    let Some(snapshot) = &view.registry else {
        return ui::waiting(
            frame,
            area,
            "resources",
            "reading resource:* records…",
            theme,
        );
    };
    let wide = area.width >= 110;
    let bar = if wide { 8 } else { 4 };
    let arrow = if view.descending { "↓" } else { "↑" };
    let orphans = view
        .rows
        .iter()
        .filter(|r| matches!(r, ResourceRow::Report { orphan: true, .. }))
        .count();
    let missing = view
        .rows
        .iter()
        .filter(|r| matches!(r, ResourceRow::Missing(_)))
        .count();
    let title = format!(
        " resources · {} reports · {orphans} without a node · {missing} nodes without a report · sort {} {arrow} ",
        snapshot.resources.records.len(),
        view.sort.title()
    );
    let header = Row::new(
        ResourceColumn::ALL
            .iter()
            .map(|c| c.title())
            .chain(["flags"])
            .map(|t| {
                let text = if view.sort.title() == t {
                    format!("{t}{arrow}")
                } else {
                    t.to_string()
                };
                Cell::from(Span::styled(text, theme.title()))
            }),
    );
    let (top, visible) = ui::window(
        area.height,
        view.rows.len(),
        view.cursor.selected,
        view.cursor.top,
    );
    let high = |p: f64| {
        if p > 90.0 {
            theme.error()
        } else {
            Style::new()
        }
    };
    let rows = view
        .rows
        .iter()
        .skip(top)
        .take(visible)
        .map(|row| match *row {
            ResourceRow::Report { index, orphan } => {
                let r = &snapshot.resources.records[index];
                let report_age = r.age(session.now);
                let stale = report_age > session.stale_after;
                let mut flags = Vec::new();
                if stale {
                    flags.push("stale");
                }
                if orphan {
                    flags.push("no node");
                }
                let load = if wide {
                    format!(
                        "{:.1} {:.1} {:.1}",
                        r.load_average_1m, r.load_average_5m, r.load_average_15m
                    )
                } else {
                    format!("{:.1}", r.load_average_1m)
                };
                let net = if wide {
                    format!(
                        "{} / {}",
                        signed_rate(r.network_rx_bytes_per_sec),
                        signed_rate(r.network_tx_bytes_per_sec)
                    )
                } else {
                    signed_rate(
                        r.network_rx_bytes_per_sec
                            .saturating_add(r.network_tx_bytes_per_sec),
                    )
                };
                Row::new([
                    Cell::from(r.node_uuid.to_string()[..8].to_string()),
                    Cell::from(Span::styled(
                        gauge(r.cpu_usage_percent, bar),
                        high(r.cpu_usage_percent),
                    )),
                    Cell::from(Span::styled(
                        gauge(r.memory_usage_percent, bar),
                        high(r.memory_usage_percent),
                    )),
                    Cell::from(Span::styled(
                        gauge(r.disk_usage_percent, bar),
                        high(r.disk_usage_percent),
                    )),
                    Cell::from(load),
                    Cell::from(net),
                    Cell::from(age(report_age)),
                    Cell::from(Span::styled(flags.join(","), theme.error())),
                ])
            }
            ResourceRow::Missing(i) => Row::new([
                Cell::from(snapshot.nodes.records[i].uuid.to_string()[..8].to_string()),
                Cell::from(Span::styled("— no resource record —", theme.dim())),
                Cell::from(""),
                Cell::from(""),
                Cell::from(""),
                Cell::from(""),
                Cell::from(""),
                Cell::from(Span::styled("no report", theme.error())),
            ]),
            ResourceRow::Broken(i) => {
                let broken = &snapshot.resources.undecodable[i];
                Row::new([
                    Cell::from(broken.key.trim_start_matches("resource:").to_string()),
                    Cell::from(Span::styled("✗ broken", theme.error())),
                ])
            }
        });
    let gauge_width = bar as u16 + 5;
    // Fixed widths that add up to less than the screen; flags take what is left.
    let fixed = if wide {
        [8, gauge_width, gauge_width, gauge_width, 14, 23, 7]
    } else {
        [8, gauge_width, gauge_width, gauge_width, 4, 10, 7]
    };
    let widths = fixed
        .map(Constraint::Length)
        .into_iter()
        .chain([Constraint::Fill(1)]);
    // A broken record's error is too long for a cell: the table's bottom edge shows it.
    let mut block = Block::bordered()
        .title(Span::styled(title, theme.title()))
        .border_style(theme.border_focus());
    if let Some(ResourceRow::Broken(i)) = view.rows.get(view.cursor.selected) {
        let broken = &snapshot.resources.undecodable[*i];
        block = block.title_bottom(ui::broken_note(&broken.key, &broken.error, theme));
    }
    let table = ui::selectable_table(rows, widths, header, block, theme);
    let mut state =
        TableState::default().with_selected(Some(view.cursor.selected.saturating_sub(top)));
    frame.render_stateful_widget(table, area, &mut state);
}
