//! Drawing the WAL screen: what the service just wrote: the WAL's newest write batches, one row per
//! operation (sequence, column family, PUT / DELETE / MERGE / ..., key, value size),
//! newest first, with the selected value below.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row};

use super::WalView;
use crate::inspector::analysis::recent::{WalReport, takes_sequence};
use crate::inspector::decode::escape_key;
use crate::inspector::formats::wal::{WalBatch, WalOp, WalOpKind};
use crate::inspector::screens::DrawCx;
use crate::inspector::text::wal::{cf_label, wal_op_name};
use crate::inspector::ui;
use crate::inspector::ui::format::{bytes, count};
use crate::inspector::ui::theme::Theme;

/// Draws the batches and, when asked, the selected value.
pub(super) fn draw(frame: &mut Frame, area: Rect, view: &WalView, cx: &DrawCx) {
    let (session, theme) = (cx.session, cx.theme);
    if view.page == super::WalPage::Writes {
        return writes(frame, area, view, theme);
    }
    let Some(report) = &view.report else {
        return ui::waiting(frame, area, "WAL", "reading the WAL files' tails…", theme);
    };
    let [summary, table_area, detail_area] = ui::with_summary_and_detail(area, view.detail);
    frame.render_widget(Paragraph::new(summary_line(report, theme)), summary);

    let header = ui::header_row(["seq", "cf", "op", "key", "value"], theme);
    let (top, visible) = ui::window(
        table_area.height,
        view.rows.len(),
        view.cursor.selected,
        view.cursor.top,
    );
    let rows = view.rows.iter().skip(top).take(visible).map(|&(b, o)| {
        let batch = &report.batches[b];
        let op = &batch.ops[o];
        let style = match op.kind {
            WalOpKind::Delete | WalOpKind::SingleDelete | WalOpKind::RangeDelete => theme.error(),
            _ => theme.text(),
        };
        Row::new([
            Cell::from(Span::styled(
                op_sequence(batch, o).to_string(),
                if o == 0 { theme.text() } else { theme.dim() },
            )),
            Cell::from(cf_label(op.cf, &report.cf_names)),
            Cell::from(Span::styled(wal_op_name(op.kind), style)),
            Cell::from(key_text(op, &cf_label(op.cf, &report.cf_names), session)),
            Cell::from(value_text(op)),
        ])
    });
    let widths = [
        Constraint::Length(11),
        Constraint::Length(8),
        Constraint::Length(13),
        Constraint::Fill(2),
        Constraint::Fill(1),
    ];
    let title = format!(
        " newest {} batches, {} operations, newest first ",
        count(report.batches.len() as u64),
        count(view.rows.len() as u64)
    );
    let bottom = match session.access {
        crate::inspector::source::Access::LiveSecondary => " followed live · Enter value ",
        _ => " r re-reads · Enter value ",
    };
    let block = Block::bordered()
        .title(Span::styled(title, theme.title()))
        .title_bottom(Span::styled(bottom, theme.dim()))
        .border_style(theme.border_focus());
    ui::window_table(
        frame,
        table_area,
        rows.collect(),
        &widths,
        header,
        block,
        (view.cursor.selected, top),
        "no write batches in the WAL files: everything written has been flushed to SST files",
        theme,
    );
    if view.detail
        && let Some((batch, op)) = view.selected()
    {
        let cf = cf_label(op.cf, &report.cf_names);
        let decoders = cx.session.decoders.as_deref();
        let lines = ui::decoded_value_lines(decoders, &cf, &op.key, &op.value, true, theme);
        let block = Block::bordered()
            .title(Span::styled(
                format!(
                    " seq {} · {} · {} ",
                    batch.sequence,
                    escape_key(&op.key),
                    bytes(op.value.len() as u64)
                ),
                theme.title(),
            ))
            .border_style(theme.border());
        frame.render_widget(Paragraph::new(lines).block(block), detail_area);
    }
}

fn summary_line(report: &WalReport, theme: Theme) -> Line<'static> {
    let total: u64 = report.files.iter().map(|f| f.size).sum();
    let first = report.files.iter().filter_map(|f| f.first_sequence).min();
    let last = report
        .files
        .iter()
        .filter_map(|f| f.last_op_sequence.or(f.last_sequence))
        .max();
    let mut spans = vec![Span::raw(format!(
        "{} WAL file{} · {}{}",
        report.files.len(),
        if report.files.len() == 1 { "" } else { "s" },
        bytes(total),
        match (first, last) {
            (Some(a), Some(b)) => format!(" · sequences {a}..={b}"),
            _ => String::new(),
        }
    ))];
    if let Some(torn) = report.torn.first() {
        let (file, offset) = (&torn.file, torn.offset);
        let name = std::path::Path::new(file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        spans.push(Span::styled(
            format!(" · {name} torn at byte {offset}"),
            theme.error(),
        ));
    }
    Line::from(spans)
}

/// The sequence number of a batch's `index`-th operation: data operations take one
/// each, transaction markers and log data none.
fn op_sequence(batch: &WalBatch, index: usize) -> u64 {
    batch.sequence
        + batch.ops[..index]
            .iter()
            .filter(|op| takes_sequence(op.kind))
            .count() as u64
}

/// The key as the Keys list shows it (by its decoder rule's layout where one covers it).
fn key_text(op: &WalOp, cf: &str, session: &crate::inspector::state::Session) -> String {
    match op.kind {
        WalOpKind::RangeDelete => {
            format!("[{} .. {})", escape_key(&op.key), escape_key(&op.value))
        }
        _ => session.list_key_in(cf, &op.key),
    }
}

fn value_text(op: &WalOp) -> String {
    match op.kind {
        WalOpKind::Put | WalOpKind::Merge | WalOpKind::PutEntity | WalOpKind::PutBlobIndex => {
            let head = &op.value[..op.value.len().min(40)];
            format!("{} {}", bytes(op.value.len() as u64), escape_key(head))
        }
        _ => String::new(),
    }
}

/// The writes page: every batch of the WAL files tallied (as `writes` prints it).
fn writes(frame: &mut Frame, area: Rect, view: &WalView, theme: Theme) {
    let Some(report) = &view.writes else {
        return ui::waiting(frame, area, "who is writing", "reading every WAL batch…", theme);
    };
    let text = crate::inspector::text::writes::text(report);
    let block = Block::bordered().title(" who is writing (Tab: batches) ");
    ui::report::report(frame, area, &text, theme.title(), Some(block));
}
