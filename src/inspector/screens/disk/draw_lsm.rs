//! Drawing the Disk screen's LSM page: how to start the read, its progress, or the
//! verdict, a row per prefix (the most reclaimable first) and the selected prefix's
//! levels and `compact` command.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Wrap};

use super::DiskView;
use crate::inspector::analysis::lsm::{LsmReport, PrefixLsm};
use crate::inspector::text::lsm::{blob_verdict, levels_text, rewrite_text, under, verdict};
use crate::inspector::ui;
use crate::inspector::ui::format::{bytes, count};
use crate::inspector::ui::theme::Theme;

/// The LSM page.
pub(super) fn lsm(frame: &mut Frame, area: Rect, view: &DiskView, theme: Theme) {
    if let Some((read, total)) = view.lsm_reading {
        let share = (read * 100).checked_div(total).unwrap_or(0);
        let text = format!(
            "reading every live table of the column family: {} of {} ({share}%) · Esc stops",
            bytes(read),
            bytes(total)
        );
        return frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())), area);
    }
    let Some(report) = &view.lsm else {
        let hint = "c reads every live table file of the column family entry by entry (at idle \
                    I/O priority; nothing is written) and shows, per prefix, its bytes and \
                    files per level, tombstones, older versions, the files a read checks, and \
                    what a compaction of its range would reclaim, the most first. Drill into a \
                    prefix on the prefixes page to read only below it.";
        return ui::report::report(frame, area, hint, theme.dim(), None);
    };
    let [summary, table_area, detail_area] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Fill(1),
        Constraint::Length(5),
    ])
    .areas(area);
    let reclaimable = report.total.reclaimable_bytes > 0;
    let lines = vec![
        Line::from(Span::styled(
            verdict(report),
            if reclaimable {
                theme.error()
            } else {
                theme.title()
            },
        )),
    ];
    let mut lines = lines;
    if let Some(blobs) = blob_verdict(report) {
        lines.push(Line::from(Span::styled(blobs, theme.error())));
    }
    lines.push(Line::from(Span::styled(scope(report), theme.dim())));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), summary);

    // Under 100 columns the older-versions column gives its room to the prefix (binary
    // prefixes are long escaped); the selected row's detail below has every figure.
    let narrow = area.width < 100;
    let header = if narrow {
        ui::header_row(
            ["prefix", "size", "live", "tombst.", "read", "reclaim", "files"],
            theme,
        )
    } else {
        ui::header_row(
            ["prefix", "size", "live", "tombst.", "older", "read", "reclaim", "files"],
            theme,
        )
    };
    let rows: Vec<Row> = report.rows.iter().map(|p| row(p, narrow)).collect();
    let (top, visible) = ui::window(
        table_area.height,
        rows.len(),
        view.lsm_cursor.selected,
        view.lsm_cursor.top,
    );
    let shown: Vec<Row> = rows.into_iter().skip(top).take(visible.max(1)).collect();
    let mut widths = vec![
        Constraint::Fill(3),
        Constraint::Length(10),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(4),
        Constraint::Length(10),
        Constraint::Fill(2),
    ];
    if narrow {
        widths.remove(4);
    }
    let block = Block::bordered()
        .title(Span::styled(
            format!(
                " {} prefix(es) · {} in table files · {} reclaimable ",
                count(report.rows.len() as u64),
                bytes(report.total.bytes),
                bytes(report.total.reclaimable_bytes)
            ),
            theme.title(),
        ))
        .title_bottom(Span::styled(
            " C compacts the selected prefix (--write) · c reads again ",
            theme.dim(),
        ))
        .border_style(theme.border_focus());
    ui::window_table(
        frame,
        table_area,
        shown,
        &widths,
        header,
        block,
        (view.lsm_cursor.selected, top),
        "no key of the column family has a prefix here (see the keys without one above)",
        theme,
    );
    let detail = report
        .rows
        .get(view.lsm_cursor.selected)
        .map(detail)
        .unwrap_or_default();
    frame.render_widget(
        Paragraph::new(detail)
            .wrap(Wrap { trim: false })
            .style(theme.dim()),
        detail_area,
    );
}

/// What was read, and what is in no row.
fn scope(r: &LsmReport) -> String {
    let mut text = format!(
        "cf {}{} · grouped {} · {} table file(s) read ({})",
        r.cf,
        under(r),
        r.grouping,
        r.files_read,
        bytes(r.table_bytes)
    );
    if let Some(u) = &r.ungrouped {
        text.push_str(&format!(" · {} keys without a prefix", count(u.live_keys)));
    }
    if r.memtable_entries > 0 {
        text.push_str(&format!(
            " · {} entries in the column family's memtables, in no row",
            count(r.memtable_entries)
        ));
    }
    if r.range_deletions > 0 {
        text.push_str(&format!(
            " · {} range deletions (what they cover counts as reclaimable)",
            count(r.range_deletions)
        ));
    }
    for note in &r.notes {
        text.push_str(&format!(" · {note}"));
    }
    if !r.unread.is_empty() {
        text.push_str(&format!(" · {} files NOT read", r.unread.len()));
    }
    text
}

fn row(p: &PrefixLsm, narrow: bool) -> Row<'static> {
    let mut cells = vec![
        Cell::from(p.prefix.clone()),
        Cell::from(bytes(p.bytes)),
        Cell::from(short_count(p.live_keys)),
        Cell::from(short_count(p.tombstones)),
        Cell::from(short_count(p.older_versions)),
        Cell::from(p.read_files.map_or_else(|| "-".into(), |n| n.to_string())),
        Cell::from(bytes(p.reclaimable_bytes)),
        Cell::from(
            p.levels
                .iter()
                .map(|l| format!("L{}:{}", l.level, l.files))
                .collect::<Vec<_>>()
                .join(" "),
        ),
    ];
    if narrow {
        cells.remove(4);
    }
    Row::new(cells)
}

/// The selected prefix: its levels in full and the command that reclaims its bytes.
fn detail(p: &PrefixLsm) -> String {
    let mut text = format!(
        "{} · {} entries, {} in {}",
        p.prefix,
        count(p.entries),
        bytes(p.bytes),
        levels_text(&p.levels)
    );
    if p.blob_bytes > 0 {
        text.push_str(&format!(
            "; blobs {} ({} become garbage)",
            bytes(p.blob_bytes),
            bytes(p.blob_garbage_bytes)
        ));
    }
    text.push_str(&format!("; {} older versions", count(p.older_versions)));
    if p.range_deleted > 0 {
        text.push_str(&format!("; {} range-deleted", count(p.range_deleted)));
    }
    if let Some(command) = p.compact.as_deref().filter(|_| p.reclaimable_bytes > 0) {
        text.push_str(&format!("\n{}: {command}", rewrite_text(p)));
    }
    text
}

/// A count that fits its column: exact below ten million, else in millions (`12.3M`).
fn short_count(n: u64) -> String {
    if n < 10_000_000 {
        count(n)
    } else {
        format!("{:.1}M", n as f64 / 1e6)
    }
}
