//! Drawing the Diff screen: the open database compared with another: counts per column family, then
//! every difference in key order (`+` only in the other, `-` only here, `~` changed) with
//! both values of the selected one.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row};

use super::DiffView;
use crate::inspector::analysis::diff::Change;
use crate::inspector::analysis::diff::browse::{DiffReport, ROWS_KEPT};
use crate::inspector::decode::escape_key;
use crate::inspector::screens::DrawCx;
use crate::inspector::ui;
use crate::inspector::ui::format::{bytes, count};
use crate::inspector::ui::theme::Theme;

/// Draws the comparison, or how to start one.
pub(super) fn draw(frame: &mut Frame, area: Rect, view: &DiffView, cx: &DrawCx) {
    let theme = cx.theme;
    let Some(other) = &view.other else {
        let lines = vec![
            Line::raw("Compare this database with another, e.g. a checkpoint taken before an"),
            Line::raw("incident or a replica:"),
            Line::raw(""),
            Line::styled("  spear-inspect DB --compare OTHER", theme.key()),
            Line::styled("  spear-inspect diff DB OTHER --tui", theme.key()),
            Line::raw(""),
            Line::raw("Both are read in key order, column family by column family; nothing is"),
            Line::raw("written. `spear-inspect diff DB OTHER` prints the same as text or JSON."),
        ];
        let block = Block::bordered()
            .title(Span::styled(" diff ", theme.title()))
            .border_style(theme.border());
        frame.render_widget(Paragraph::new(lines).block(block), area);
        return;
    };
    let Some(report) = &view.report else {
        let text = match view.running {
            None if view.stopped => format!(
                "the comparison with {} was stopped: r compares again",
                other.display()
            ),
            Some(n) => format!(
                "comparing with {}… {} differences so far (Esc stops)",
                other.display(),
                count(n)
            ),
            None => format!("comparing with {}…", other.display()),
        };
        return ui::waiting(frame, area, "diff", &text, theme);
    };
    let [summary, table_area, detail_area] = ui::with_summary_and_detail(area, view.detail);
    frame.render_widget(Paragraph::new(summary_line(report, theme)), summary);
    let header = ui::header_row(["", "cf", "key", "here", "there"], theme);
    let (top, visible) = ui::window(
        table_area.height,
        report.rows.len(),
        view.cursor.selected,
        view.cursor.top,
    );
    let size = |v: &Option<(Vec<u8>, usize)>| {
        v.as_ref()
            .map(|(_, n)| bytes(*n as u64))
            .unwrap_or_else(|| "-".into())
    };
    let rows = report.rows.iter().skip(top).take(visible).map(|r| {
        let (mark, style) = match r.change {
            Change::Added => ("+", theme.key()),
            Change::Removed => ("-", theme.error()),
            Change::Changed => ("~", theme.text()),
        };
        Row::new([
            Cell::from(Span::styled(mark, style)),
            Cell::from(r.cf.clone()),
            Cell::from(escape_key(&r.key)),
            Cell::from(size(&r.old)),
            Cell::from(size(&r.new)),
        ])
    });
    let widths = [
        Constraint::Length(1),
        Constraint::Length(10),
        Constraint::Fill(1),
        Constraint::Length(10),
        Constraint::Length(10),
    ];
    let shown = report.rows.len() as u64;
    let title = if report.total() > shown {
        format!(
            " first {} of {} differences ",
            count(shown),
            count(report.total())
        )
    } else {
        format!(" {} differences ", count(shown))
    };
    let block = Block::bordered()
        .title(Span::styled(title, theme.title()))
        .title_bottom(Span::styled(
            format!(" + only there · - only here · ~ changed · at most {ROWS_KEPT} kept · r compares again "),
            theme.dim(),
        ))
        .border_style(theme.border_focus());
    let rows: Vec<Row> = rows.collect();
    ui::window_table(
        frame,
        table_area,
        rows,
        &widths,
        header,
        block,
        (view.cursor.selected, top),
        "the two databases hold the same keys and values",
        theme,
    );
    if view.detail
        && let Some(row) = view.selected()
    {
        let [here, there] =
            Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(detail_area);
        for (side, value, at) in [("here", &row.old, here), ("there", &row.new, there)] {
            let lines: Vec<Line> = match value {
                None => vec![Line::styled("(absent)", theme.dim())],
                Some((head, len)) => {
                    let whole = *len == head.len();
                    let decoders = cx.session.decoders.as_deref();
                    let mut lines =
                        ui::decoded_value_lines(decoders, &row.cf, &row.key, head, whole, theme);
                    if *len > head.len() {
                        lines.push(Line::styled(
                            format!("… {} in all", bytes(*len as u64)),
                            theme.dim(),
                        ));
                    }
                    lines
                }
            };
            let block = Block::bordered()
                .title(Span::styled(format!(" {side} "), theme.title()))
                .border_style(theme.border());
            frame.render_widget(
                Paragraph::new(lines)
                    .wrap(ratatui::widgets::Wrap { trim: false })
                    .block(block),
                at,
            );
        }
    }
}

fn summary_line(report: &DiffReport, theme: Theme) -> Line<'static> {
    let mut spans = vec![Span::raw(format!("vs {} · ", report.other))];
    for (cf, c) in &report.per_cf {
        let differ = c.added + c.removed + c.changed > 0;
        spans.push(Span::styled(
            format!(
                "{cf}: +{} -{} ~{} ={}  ",
                count(c.added),
                count(c.removed),
                count(c.changed),
                count(c.same)
            ),
            if differ { theme.key() } else { theme.dim() },
        ));
    }
    Line::from(spans)
}
