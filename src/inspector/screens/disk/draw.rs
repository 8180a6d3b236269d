//! Drawing the Disk screen: what fills the disk (every file by kind), the key space by prefix (with the
//! largest values and value sizes when counted), and the tombstones reads skip.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Tabs};

use super::{DiskPage, DiskView};
use crate::inspector::analysis::blobs::{BlobGarbage, percent};
use crate::inspector::analysis::keyspace::{Breakdown, PrefixRow};
use crate::inspector::analysis::tombstones::Tombstones;
use crate::inspector::analysis::usage::{Tally, Usage};
use crate::inspector::screens::DrawCx;
use crate::inspector::ui;
use crate::inspector::ui::format::{bytes, count};
use crate::inspector::ui::theme::Theme;
use crate::inspector::worker::Kind;

/// Draws the page on show.
pub(super) fn draw(frame: &mut Frame, area: Rect, view: &DiskView, cx: &DrawCx) {
    let theme = cx.theme;
    let [tabs, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let titles = DiskPage::ALL.map(|p| format!(" {} ", p.title()));
    let selected = DiskPage::ALL
        .iter()
        .position(|p| *p == view.page)
        .unwrap_or(0);
    frame.render_widget(
        Tabs::new(titles)
            .select(selected)
            .highlight_style(theme.selected())
            .divider("·"),
        tabs,
    );
    match view.page {
        DiskPage::Files => match &view.usage {
            Some(usage) => files(frame, body, usage, theme),
            None => waiting(frame, body, "reading the directory…", theme),
        },
        DiskPage::Prefixes => match &view.breakdown {
            Some(b) => prefixes(frame, body, view, b, theme),
            None => waiting(frame, body, "estimating the key space…", theme),
        },
        DiskPage::Tombstones => match &view.tombstones {
            Some(t) => tombstones(frame, body, view, t, theme),
            None => waiting(frame, body, "reading tombstone counts…", theme),
        },
        DiskPage::Lsm => super::draw_lsm::lsm(frame, body, view, theme),
        DiskPage::Verify => verify(frame, body, view, theme),
    }
}

/// The verify page: how to start a check, its progress, or what it found (the verdict
/// first, in the colour of its answer).
fn verify(frame: &mut Frame, area: Rect, view: &DiskView, theme: Theme) {
    if let Some((read, total)) = view.verifying {
        let share = (read * 100).checked_div(total).unwrap_or(0);
        let text = format!(
            "verifying every file's checksums: {} of {} read ({share}%) · Esc stops",
            bytes(read),
            bytes(total)
        );
        return waiting(frame, area, &text, theme);
    }
    let Some(report) = &view.verified else {
        let hint = "c reads every block of every live table and blob file, the MANIFEST and \
                    the WAL files, and checks each against its checksum (at idle I/O \
                    priority; nothing is written).";
        return ui::report::report(frame, area, hint, theme.dim(), None);
    };
    let text = crate::inspector::text::verify::text(report);
    let verdict = if report.damaged { theme.error() } else { theme.title() };
    ui::report::report(frame, area, &text, verdict, None);
}

fn waiting(frame: &mut Frame, area: Rect, text: &str, theme: Theme) {
    frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())), area);
}

/// A row of the files table: what, how many, how big, and its share of the whole.
fn tally_row<'a>(label: String, tally: &Tally, total: u64, theme: Theme) -> Row<'a> {
    let share = if total == 0 {
        0.0
    } else {
        100.0 * tally.bytes as f64 / total as f64
    };
    Row::new([
        Cell::from(label),
        Cell::from(count(tally.files)),
        Cell::from(bytes(tally.bytes)),
        Cell::from(Span::styled(
            format!("{share:5.1}% {}", ui::format::gauge(share, 10)),
            theme.text(),
        )),
    ])
}

/// The files table's title: the total, and whether `du -sb` counts the same.
fn total_title(usage: &Usage) -> String {
    let check = match usage.du_bytes {
        Some(du) if du == usage.total => "equals du -sb".to_string(),
        Some(du) => format!(
            "du -sb counts {}: {} B {}",
            bytes(du),
            count(du.abs_diff(usage.total)),
            if du > usage.total { "more" } else { "less" }
        ),
        None => "not checked against du".to_string(),
    };
    format!(" {} in all ({check}) ", bytes(usage.total))
}

fn files(frame: &mut Frame, area: Rect, usage: &Usage, theme: Theme) {
    let total = usage.total;
    let mut rows = Vec::new();
    for (cf, levels) in &usage.live_sst {
        for (level, tally) in levels {
            rows.push(tally_row(format!("SST {cf} L{level}"), tally, total, theme));
        }
    }
    let kinds: [(&str, &Tally); 11] = [
        ("obsolete SST (unused)", &usage.obsolete_sst),
        ("SST being written", &usage.unfinished_sst),
        ("blob files", &usage.blob),
        ("WAL (*.log)", &usage.wal),
        ("archived WAL (archive/)", &usage.wal_archive),
        ("other subdirectories", &usage.subdirectories),
        ("LOG", &usage.info_log),
        ("LOG.old.*", &usage.old_info_logs),
        ("OPTIONS-*", &usage.options),
        ("MANIFEST-*", &usage.manifest),
        ("CURRENT, IDENTITY, LOCK…", &usage.other),
    ];
    for (label, tally) in kinds {
        if tally.files > 0 {
            rows.push(tally_row(label.to_string(), tally, total, theme));
        }
        if label == "blob files"
            && let Some(g) = &usage.blob_garbage
        {
            let garbage = Tally {
                files: g.files.iter().filter(|f| f.garbage_blob_bytes > 0).count() as u64,
                bytes: g.garbage_blob_bytes,
            };
            rows.push(tally_row(
                "  of which blob garbage".to_string(),
                &garbage,
                total,
                theme,
            ));
        }
    }
    let header = ui::header_row(["kind", "files", "bytes", "share"], theme);
    let title = total_title(usage);
    let widths = [
        Constraint::Fill(1),
        Constraint::Length(7),
        Constraint::Length(11),
        Constraint::Length(18),
    ];
    let note = if let Some((dir, tally)) = &usage.wal_elsewhere {
        format!(
            " WALs live in wal_dir {dir}: {} files, {} (not in this total) ",
            tally.files,
            bytes(tally.bytes)
        )
    } else {
        match &usage.oldest_wal {
            Some(oldest) if !oldest.kept_by.is_empty() => format!(
                " oldest WAL {:06}.log kept by unflushed writes of {} ",
                oldest.number,
                oldest.kept_by.join(", ")
            ),
            _ if usage.obsolete_sst.files > 0 => {
                " obsolete SSTs go once no reader holds them, or at the next read-write open "
                    .to_string()
            }
            _ => " r re-reads ".to_string(),
        }
    };
    // Every kind keeps its row; the blob files take what is left, at least a row of
    // them and the line that says how many more there are.
    let kinds_height = rows.len() as u16 + 3;
    let (kinds, blobs) = match (&usage.blob_garbage, &usage.blob_garbage_unknown) {
        (Some(_), _) => (
            Constraint::Length(kinds_height.min(area.height.saturating_sub(5))),
            Constraint::Fill(1),
        ),
        (None, Some(_)) => (Constraint::Fill(1), Constraint::Length(1)),
        (None, None) => (Constraint::Fill(1), Constraint::Length(0)),
    };
    let [kinds_area, blob_area] = Layout::vertical([kinds, blobs]).areas(area);
    let block = Block::bordered()
        .title(Span::styled(title, theme.title()))
        .title_bottom(Span::styled(note, theme.dim()))
        .border_style(theme.border_focus());
    let table = ratatui::widgets::Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .block(block);
    frame.render_widget(table, kinds_area);
    match (&usage.blob_garbage, &usage.blob_garbage_unknown) {
        (Some(g), _) => blob_files(frame, blob_area, g, theme),
        (None, Some(why)) => frame.render_widget(
            Paragraph::new(Span::styled(
                format!("blob garbage unknown: {why}"),
                theme.error(),
            )),
            blob_area,
        ),
        (None, None) => {}
    }
}

/// The blob files, most garbage first, with what would reclaim it.
fn blob_files(frame: &mut Frame, area: Rect, g: &BlobGarbage, theme: Theme) {
    let mut files: Vec<_> = g.files.iter().collect();
    files.sort_by(|a, b| {
        b.garbage_blob_bytes
            .cmp(&a.garbage_blob_bytes)
            .then(a.number.cmp(&b.number))
    });
    // Two border lines and the header; the last line says how many more there are.
    let room = usize::from(area.height.saturating_sub(3));
    let shown = if files.len() > room {
        room.saturating_sub(1)
    } else {
        files.len()
    };
    let mut rows: Vec<Row> = files[..shown]
        .iter()
        .map(|f| {
            let share = percent(f.garbage_blob_bytes, f.total_blob_bytes);
            Row::new([
                Cell::from(format!("{:06}.blob", f.number)),
                Cell::from(f.cf.clone()),
                Cell::from(bytes(f.total_blob_bytes)),
                Cell::from(bytes(f.garbage_blob_bytes)),
                Cell::from(format!("{share:5.1}% {}", ui::format::gauge(share, 10))),
            ])
        })
        .collect();
    if shown < files.len() {
        rows.push(Row::new([
            Cell::from(Span::styled(
                format!("… {} more", files.len() - shown),
                theme.dim(),
            )),
            Cell::from(Span::styled("(usage lists them all)", theme.dim())),
        ]));
    }
    let title = format!(
        " blob files: {} of {} is garbage ({:.1}%) ",
        bytes(g.garbage_blob_bytes),
        bytes(g.total_blob_bytes),
        g.percent()
    );
    let bottom = g
        .advice()
        .map(|a| format!(" {a} "))
        .unwrap_or_else(|| " no garbage: nothing to reclaim ".to_string());
    let header = ui::header_row(["blob file", "cf", "blob bytes", "garbage", "share"], theme);
    let widths = [
        Constraint::Length(11),
        Constraint::Fill(1),
        Constraint::Length(11),
        Constraint::Length(11),
        Constraint::Length(18),
    ];
    let block = Block::bordered()
        .title(Span::styled(title, theme.title()))
        .title_bottom(Span::styled(bottom, theme.dim()))
        .border_style(theme.border());
    frame.render_widget(
        ratatui::widgets::Table::new(rows, widths)
            .header(header)
            .column_spacing(1)
            .block(block),
        area,
    );
}

/// `▁▃█`: the value-size histogram as one character per size class in use.
fn sparkline(histogram: &[u64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let Some(first) = histogram.iter().position(|&n| n > 0) else {
        return String::new();
    };
    let last = histogram.iter().rposition(|&n| n > 0).unwrap_or(first);
    let max = histogram.iter().copied().max().unwrap_or(1).max(1) as f64;
    let bars: String = histogram[first..=last]
        .iter()
        .map(|&n| {
            if n == 0 {
                ' '
            } else {
                BARS[((n as f64 / max) * 7.0).round() as usize]
            }
        })
        .collect();
    let low = if first == 0 {
        "0".to_string()
    } else {
        bytes(1 << (first - 1))
    };
    format!("{low} {bars} <{}", bytes(1 << last))
}

/// A row's key count as the table shows it (`~` marks an estimate).
fn keys_text(r: &PrefixRow, exact: bool) -> String {
    if exact {
        count(r.keys)
    } else {
        format!("~{}", count(r.keys))
    }
}

fn prefix_row<'a>(label: String, r: &PrefixRow, exact: bool) -> Row<'a> {
    Row::new([
        Cell::from(label),
        Cell::from(keys_text(r, exact)),
        Cell::from(r.logical_bytes.map_or_else(|| "-".to_string(), bytes)),
        Cell::from(r.disk_bytes.map_or_else(|| "-".to_string(), bytes)),
        Cell::from(r.largest_value.map(bytes).unwrap_or_default()),
        Cell::from(sparkline(&r.histogram)),
    ])
}

fn prefixes(frame: &mut Frame, area: Rect, view: &DiskView, b: &Breakdown, theme: Theme) {
    let largest_height = if b.largest.is_empty() {
        0
    } else {
        (b.largest.len().min(5) + 2) as u16
    };
    let [table_area, largest_area] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(largest_height)]).areas(area);
    let within = if b.within.is_empty() {
        String::new()
    } else {
        format!(" in {}", b.within)
    };
    let how = match view.scanning {
        Some((Kind::Keyspace, n)) => format!("counting… {} keys read (Esc stops)", count(n)),
        _ if b.exact => "exact".to_string(),
        _ => "estimated from SST sizes · c counts".to_string(),
    };
    let title = format!(" cf {}{within} · {} · {how} ", b.cf, b.grouping);
    let mut rows: Vec<Row> = b
        .rows
        .iter()
        .map(|r| prefix_row(r.prefix.clone(), r, b.exact))
        .collect();
    if b.ungrouped.keys > 0 {
        let label = if b.exact {
            "(no further prefix)"
        } else {
            "(no further prefix, read)"
        };
        rows.push(prefix_row(label.into(), &b.ungrouped, true));
    }
    // Beyond the MAX_PREFIXES kept one by one, the rest together: never left out.
    if let Some(other) = &b.other_prefixes {
        rows.push(prefix_row("(other prefixes)".into(), other, b.exact));
    }
    let bottom = if let Some(warning) = b.warnings.first() {
        format!(" {warning} ")
    } else if let Some(u) = &b.unexplored {
        format!(
            " not reached: from {} on, ~{} keys, {} (c counts all) ",
            u.from,
            count(u.keys),
            bytes(u.disk_bytes)
        )
    } else if b.rows.is_empty() && b.ungrouped.keys == 0 {
        format!(" no keys{within} in cf {} ", b.cf)
    } else if b.memtable_entries > 0 && !b.exact {
        format!(
            " {} memtable entries not in the estimate · Enter inside · Esc up ",
            count(b.memtable_entries)
        )
    } else {
        " Enter looks inside · Esc goes up ".to_string()
    };
    let header = ui::header_row(
        // Key and value bytes as stored by the application, and the prefix's share of
        // the SST files (compressed, with older versions not yet compacted away).
        [
            "prefix",
            "keys",
            "key+value",
            "on disk",
            "largest",
            "value sizes",
        ],
        theme,
    );
    // The keys column as wide as its widest figure: a count is never cut (16,777,216
    // shown as `16,777,2` reads as a tenth of itself).
    let keys_width = b
        .rows
        .iter()
        .map(|r| keys_text(r, b.exact))
        .chain(std::iter::once(keys_text(&b.ungrouped, true)))
        .chain(b.other_prefixes.iter().map(|r| keys_text(r, b.exact)))
        .map(|t| t.chars().count())
        .max()
        .unwrap_or(0)
        .max(8) as u16;
    let widths = [
        Constraint::Fill(1),
        Constraint::Length(keys_width),
        Constraint::Length(10),
        Constraint::Length(10),
        Constraint::Length(9),
        Constraint::Fill(1),
    ];
    let block = Block::bordered()
        .title(Span::styled(title, theme.title()))
        .title_bottom(Span::styled(bottom, theme.dim()))
        .border_style(theme.border_focus());
    let (top, visible) = ui::window(
        table_area.height,
        rows.len(),
        view.prefix_cursor.selected,
        view.prefix_cursor.top,
    );
    let shown: Vec<Row> = rows.into_iter().skip(top).take(visible.max(1)).collect();
    ui::window_table(
        frame,
        table_area,
        shown,
        &widths,
        header,
        block,
        (view.prefix_cursor.selected, top),
        "",
        theme,
    );
    if largest_height > 0 {
        let lines: Vec<Line> = b
            .largest
            .iter()
            .take(5)
            .map(|v| Line::raw(format!("{:>10}  {}", bytes(v.bytes), v.key)))
            .collect();
        let block = Block::bordered()
            .title(Span::styled(" largest values ", theme.title()))
            .border_style(theme.border());
        frame.render_widget(Paragraph::new(lines).block(block), largest_area);
    }
}

fn tombstones(frame: &mut Frame, area: Rect, view: &DiskView, t: &Tombstones, theme: Theme) {
    let levels_height = (t.levels.len() as u16 + 3).min(area.height / 2).max(3);
    let [summary, levels_area, ranges_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(levels_height),
        Constraint::Fill(1),
    ])
    .areas(area);
    let memtable = Line::from(vec![
        Span::raw(format!("cf {} · memtables: ", t.cf)),
        Span::styled(
            format!(
                "{} deletions of {} entries",
                count(t.memtable.deletions),
                count(t.memtable.entries)
            ),
            if t.memtable.deletions > 0 {
                theme.error()
            } else {
                theme.text()
            },
        ),
        Span::styled(" (not in any SST yet)", theme.dim()),
    ]);
    frame.render_widget(Paragraph::new(memtable), summary);

    let header = ui::header_row(
        // RocksDB counts range deletions among the deletions: "of which" says so, so
        // one range deletion does not read as two tombstones.
        ["level", "files", "entries", "deletions", "of which range"],
        theme,
    );
    let rows = t.levels.iter().map(|l| {
        Row::new([
            Cell::from(format!("L{}", l.level)),
            Cell::from(count(l.files)),
            Cell::from(count(l.entries)),
            Cell::from(count(l.deletions)),
            Cell::from(count(l.range_deletions)),
        ])
    });
    let widths = [
        Constraint::Length(6),
        Constraint::Length(7),
        Constraint::Length(12),
        Constraint::Length(12),
        Constraint::Length(14),
    ];
    let block = Block::bordered()
        .title(Span::styled(
            " SST files by level (table properties) ",
            theme.title(),
        ))
        .border_style(theme.border());
    frame.render_widget(
        ratatui::widgets::Table::new(rows, widths)
            .header(header)
            .column_spacing(1)
            .block(block),
        levels_area,
    );

    let (title, bottom) = match (&t.scan, view.scanning) {
        (_, Some((Kind::Tombstones, n))) => (
            format!(" walking the keys… {} read (Esc stops) ", count(n)),
            String::new(),
        ),
        (Some(scan), _) => (
            format!(
                " a full read skips {} tombstones, {} hidden entries, over {} live keys ",
                count(scan.deletes_skipped),
                count(scan.hidden_skipped),
                count(scan.live_keys)
            ),
            " C compacts the selected range (--write) ".to_string(),
        ),
        (None, _) => (
            " where reads skip tombstones ".to_string(),
            " c walks every key to measure it ".to_string(),
        ),
    };
    let header = ui::header_row(["tombstones", "hidden", "after key", "before key"], theme);
    let ranges: Vec<Row> = t
        .scan
        .iter()
        .flat_map(|s| &s.ranges)
        .map(|r| {
            Row::new([
                Cell::from(count(r.deletes_skipped)),
                Cell::from(count(r.hidden_skipped)),
                Cell::from(r.after.clone().unwrap_or_else(|| "(start)".into())),
                Cell::from(r.before.clone().unwrap_or_else(|| "(end)".into())),
            ])
        })
        .collect();
    let (top, visible) = ui::window(
        ranges_area.height,
        ranges.len(),
        view.range_cursor.selected,
        view.range_cursor.top,
    );
    let shown: Vec<Row> = ranges.into_iter().skip(top).take(visible.max(1)).collect();
    let widths = [
        Constraint::Length(10),
        Constraint::Length(9),
        Constraint::Fill(1),
        Constraint::Fill(1),
    ];
    let block = Block::bordered()
        .title(Span::styled(title, theme.title()))
        .title_bottom(Span::styled(bottom, theme.dim()))
        .border_style(theme.border_focus());
    ui::window_table(
        frame,
        ranges_area,
        shown,
        &widths,
        header,
        block,
        (view.range_cursor.selected, top),
        if t.scan.is_some() {
            "no stretch between live keys holds a tombstone or a hidden entry: reads skip nothing"
        } else {
            ""
        },
        theme,
    );
}
