//! Drawing the Stats screen: the overview with history charts, SST files, raw text and
//! the options.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Sparkline, Table, TableState, Tabs};

use super::{Sample, StatsPage, StatsView};
use crate::inspector::analysis::stats::DbStats;
use crate::inspector::screens::DrawCx;
use crate::inspector::source::Access;
use crate::inspector::state::Session;
use crate::inspector::ui;
use crate::inspector::ui::format::{bytes, count, fit};
use crate::inspector::text::cluster::cluster_lines;
use crate::inspector::ui::theme::Theme;
use crate::storage::etcd::ClusterStatus;

/// Draws the page on show.
pub(super) fn draw(frame: &mut Frame, area: Rect, view: &StatsView, cx: &DrawCx) {
    let (session, theme) = (cx.session, cx.theme);
    if let Some(status) = &view.cluster {
        return cluster(frame, area, status, theme);
    }
    let [tabs, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let titles = StatsPage::ALL.map(|p| format!(" {} ", p.title()));
    let selected = StatsPage::ALL
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
    let Some(stats) = &view.latest else {
        frame.render_widget(
            Paragraph::new(Span::styled("reading statistics…", theme.dim())),
            body,
        );
        return;
    };
    match view.page {
        StatsPage::Overview => overview(frame, body, view, session, stats, theme),
        StatsPage::SstFiles => sst_files(frame, body, view, stats, theme),
        StatsPage::Raw => raw(frame, body, view, session, stats, theme),
        StatsPage::Options => options(frame, body, view, theme),
        StatsPage::Stall => stall_page(frame, body, view, theme),
    }
}

/// The write-stall verdict expanded (as `stall` prints it): the verdict in the colour of
/// its answer, each column family's conditions against its limits, the trend, the LOG's
/// stalls.
fn stall_page(frame: &mut Frame, area: Rect, view: &StatsView, theme: Theme) {
    let Some(report) = &view.stall else {
        frame.render_widget(
            Paragraph::new(Span::styled("judging the write-stall conditions…", theme.dim())),
            area,
        );
        return;
    };
    let verdict = if report.state == crate::inspector::analysis::stall::WriteState::Ok {
        theme.text()
    } else {
        theme.error()
    };
    let mut text = crate::inspector::text::stall::report_text(report);
    text.push('\n');
    text.push_str(&crate::inspector::text::stall::session_text(
        &view.stall_series,
    ));
    crate::inspector::ui::report::report(frame, area, &text, verdict, None);
}

/// `◆` marks figures about this process rather than the files on disk or the service
/// (every access but `--write`, where this process is the writer).
fn process_mark(access: Access) -> &'static str {
    if access == Access::ReadWrite {
        ""
    } else {
        "◆"
    }
}

/// When the stall conditions judged from the files apply: a live service meets them now,
/// a database nobody holds on its next open.
fn when_judged(access: Access) -> &'static str {
    if access == Access::LiveSecondary {
        "service now"
    } else {
        "on next open"
    }
}

fn overview(
    frame: &mut Frame,
    area: Rect,
    view: &StatsView,
    session: &Session,
    stats: &DbStats,
    theme: Theme,
) {
    let mark = process_mark(stats.access);
    let [summary, table, charts] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Fill(1),
        Constraint::Length(6),
    ])
    .areas(area);
    // This process's write controller is the service's only when this process is the
    // writer; otherwise what the service meets is judged from the files, as of its next
    // open, and this instance's own figure is labelled as such.
    let writer = stats.access == Access::ReadWrite;
    let (stall, alarming) = if writer {
        if stats.write_stopped {
            ("writes STOPPED".to_string(), true)
        } else if stats.delayed_write_rate > 0 {
            (
                format!("writes delayed to {}/s", bytes(stats.delayed_write_rate)),
                true,
            )
        } else {
            ("no write stall".to_string(), false)
        }
    } else if let Some(first) = stats.stall_on_next_open.first() {
        let more = stats.stall_on_next_open.len() - 1;
        (
            format!(
                "{}: {first}{}",
                when_judged(stats.access),
                if more > 0 {
                    format!(" (+{more} cf)")
                } else {
                    String::new()
                }
            ),
            true,
        )
    } else {
        (
            format!("{}: no write stall", when_judged(stats.access)),
            false,
        )
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled(
                stall,
                if alarming {
                    theme.error()
                } else {
                    theme.text()
                },
            ),
            Span::raw("  "),
            Span::styled(
                format!("background errors {}", stats.background_errors),
                if stats.background_errors > 0 {
                    theme.error()
                } else {
                    theme.text()
                },
            ),
        ]),
        Line::raw(format!(
            "written by RocksDB {}  compactions running{mark} {}  flushes running{mark} {}",
            stats.written_by.as_deref().unwrap_or("(unknown)"),
            stats.running_compactions,
            stats.running_flushes
        )),
        Line::raw(format!(
            "block cache{mark} {} of {}  sequence{mark} {}{}",
            bytes(stats.block_cache_usage),
            bytes(stats.block_cache_capacity),
            count(stats.latest_sequence),
            match (writer, stats.write_stopped, stats.delayed_write_rate) {
                (true, _, _) | (false, false, 0) => String::new(),
                (false, true, _) => format!("  own write controller{mark} stopped"),
                (false, false, rate) => {
                    format!("  own write controller{mark} delayed to {}/s", bytes(rate))
                }
            }
        )),
    ];
    match stats.access {
        Access::LiveSecondary => lines.push(Line::styled(
            "◆ this process (secondary): its own memtables, cache and jobs",
            theme.dim(),
        )),
        Access::ReadOnlySnapshot => lines.push(Line::styled(
            "◆ this process (read-only): its own cache, jobs and controller",
            theme.dim(),
        )),
        Access::ReadWrite | Access::Cluster => {}
    }
    frame.render_widget(Paragraph::new(lines), summary);

    let header = Row::new(
        [
            "cf",
            "~keys",
            "live SST",
            "memtable",
            "pending",
            "levels: files/bytes",
        ]
        .map(|h| Cell::from(Span::styled(h, theme.title()))),
    );
    let rows = stats.column_families.iter().map(|cf| {
        let levels = cf
            .levels
            .iter()
            .filter(|l| l.files > 0)
            .map(|l| format!("L{} {}/{}", l.level, l.files, bytes(l.bytes)))
            .chain((cf.blob_files > 0).then(|| {
                // The garbage share and, when garbage is kept for good, why.
                let garbage = crate::inspector::analysis::blobs::percent(
                    cf.blob_garbage_bytes,
                    cf.blob_record_bytes,
                );
                let gc = match cf.blob_garbage_collection {
                    Some(false) if cf.blob_garbage_bytes > 0 => " (GC off)",
                    _ => "",
                };
                let garbage = if stats.blob_garbage_unknown.is_some() {
                    "garbage unknown".to_string()
                } else {
                    format!("{garbage:.0}% garbage{gc}")
                };
                format!("blob {}/{} {garbage}", cf.blob_files, bytes(cf.blob_bytes))
            }))
            .collect::<Vec<_>>()
            .join("  ");
        Row::new([
            Cell::from(cf.name.clone()),
            Cell::from(count(cf.estimate_num_keys)),
            Cell::from(bytes(cf.live_sst_bytes)),
            Cell::from(format!("{}{mark}", bytes(cf.memtable_bytes))),
            Cell::from(bytes(cf.pending_compaction_bytes)),
            Cell::from(if levels.is_empty() {
                "(no SST files)".to_string()
            } else {
                levels
            }),
        ])
    });
    let widths = [
        Constraint::Length(10),
        Constraint::Length(9),
        Constraint::Length(10),
        Constraint::Length(10),
        Constraint::Length(10),
        Constraint::Fill(1),
    ];
    // The path as the user gave it, like the status bar.
    let title = format!(" column families · {} ", session.db_path);
    frame.render_widget(
        Table::new(rows, widths)
            .header(header)
            .column_spacing(1)
            .block(
                Block::bordered()
                    .title(Span::styled(title, theme.title()))
                    .border_style(theme.border()),
            ),
        table,
    );

    let latest = view.history.back().copied();
    let series = [
        Chart {
            name: "live SST",
            short: "SST",
            pick: |s| s.live_sst_bytes,
            show: bytes,
        },
        Chart {
            name: "memtables",
            short: "mem",
            pick: |s| s.memtable_bytes,
            show: bytes,
        },
        Chart {
            name: "pending compaction",
            short: "pending",
            pick: |s| s.pending_compaction_bytes,
            show: bytes,
        },
        Chart {
            name: "~keys",
            short: "keys",
            pick: |s| s.estimate_keys,
            show: count,
        },
    ];
    let cells = Layout::horizontal([Constraint::Fill(1); 4]).split(charts);
    for (
        Chart {
            name,
            short,
            pick,
            show,
        },
        cell,
    ) in series.into_iter().zip(cells.iter())
    {
        let data = view.series(pick);
        // The newest samples that fit.
        let width = usize::from(cell.width.saturating_sub(2));
        let data = &data[data.len().saturating_sub(width)..];
        let now = latest.as_ref().map_or(String::new(), |s| show(pick(s)));
        // The whole name when it fits, else its short form, else the figure alone: a
        // title is never cut mid-word.
        let room = usize::from(cell.width.saturating_sub(2));
        let title = [name, short, ""]
            .into_iter()
            .map(|n| {
                if n.is_empty() {
                    format!(" {now} ")
                } else {
                    format!(" {n} {now} ")
                }
            })
            .find(|t| t.chars().count() <= room)
            .unwrap_or_else(|| format!(" {now} "));
        let block = Block::bordered()
            .title(Span::styled(title, theme.title()))
            .border_style(theme.border());
        frame.render_widget(
            Sparkline::default()
                .data(data)
                .style(theme.json_key())
                .block(block),
            *cell,
        );
    }
}

/// One history chart: its title, the figure it plots, and how to print the latest one.
struct Chart {
    name: &'static str,
    short: &'static str,
    pick: fn(&Sample) -> u64,
    show: fn(u64) -> String,
}

fn sst_files(frame: &mut Frame, area: Rect, view: &StatsView, stats: &DbStats, theme: Theme) {
    let arrow = if view.sst_descending { "↓" } else { "↑" };
    let title = format!(
        " {} SST files · {} · sort {} {arrow} ",
        stats.sst_files.len(),
        bytes(stats.sst_files.iter().map(|f| f.bytes).sum()),
        view.sst_sort.title()
    );
    let header = Row::new(
        [
            "cf", "level", "file", "size", "entries", "deleted", "smallest", "largest",
        ]
        .map(|h| Cell::from(Span::styled(h, theme.title()))),
    );
    let (top, visible) = ui::window(
        area.height,
        view.sst_order.len(),
        view.sst_cursor.selected,
        view.sst_cursor.top,
    );
    let widths = [
        Constraint::Length(10),
        Constraint::Length(5),
        Constraint::Length(10),
        Constraint::Length(10),
        Constraint::Length(10),
        Constraint::Length(7),
        Constraint::Fill(1),
        Constraint::Fill(1),
    ];
    // The key columns' width, as the table will lay them out (inside the borders, after
    // the highlight symbol's column), so a long key is cut with `…`, not mid-escape.
    let columns = Layout::horizontal(widths).spacing(1).split(Rect {
        width: area.width.saturating_sub(3),
        ..area
    });
    let key_width = usize::from(columns[6].width);
    let rows = view.sst_order.iter().skip(top).take(visible).map(|&i| {
        let f = &stats.sst_files[i];
        let deleted = f.deletion_percent();
        Row::new([
            Cell::from(f.cf.clone()),
            Cell::from(format!("L{}", f.level)),
            Cell::from(f.name.clone()),
            Cell::from(bytes(f.bytes)),
            Cell::from(count(f.entries)),
            Cell::from(Span::styled(
                format!("{deleted:.1}%"),
                if deleted >= 30.0 {
                    theme.error()
                } else {
                    theme.text()
                },
            )),
            Cell::from(fit(&f.smallest, key_width)),
            Cell::from(fit(&f.largest, key_width)),
        ])
    });
    let block = Block::bordered()
        .title(Span::styled(title, theme.title()))
        .border_style(theme.border_focus());
    let table = ui::selectable_table(rows, widths, header, block, theme);
    let mut state =
        TableState::default().with_selected(Some(view.sst_cursor.selected.saturating_sub(top)));
    frame.render_stateful_widget(table, area, &mut state);
}

fn raw(
    frame: &mut Frame,
    area: Rect,
    view: &StatsView,
    session: &Session,
    stats: &DbStats,
    theme: Theme,
) {
    let lines: Vec<Line> = stats
        .rocksdb_stats
        .lines()
        .skip(view.raw_scroll)
        .take(usize::from(area.height))
        .map(Line::raw)
        .collect();
    // RocksDB's own report is of the instance that asks: this process's, opened when the
    // inspector started, never the service's (whose uptime, flushes and compactions it
    // does not see). The title and bottom line say so, as `◆` does on the overview.
    let whose = if session.access.writable() {
        " ◆ this inspector's own read-write instance since it opened "
    } else {
        " ◆ this inspector's own read-only instance, not the service's "
    };
    let block = Block::bordered()
        .title(Span::styled(" rocksdb.stats◆ (j/k scroll) ", theme.title()))
        .title_bottom(Span::styled(whose, theme.dim()))
        .border_style(theme.border());
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The newest OPTIONS file: what differs from RocksDB's defaults, then what changed since
/// the previous file.
fn options(frame: &mut Frame, area: Rect, view: &StatsView, theme: Theme) {
    let Some(report) = &view.options else {
        frame.render_widget(
            Paragraph::new(Span::styled("reading the OPTIONS files…", theme.dim())),
            area,
        );
        return;
    };
    let mut lines = vec![Line::styled(
        format!(
            "{} settings differ from {} defaults (stalls and space first)",
            report.changed.len(),
            report.defaults
        ),
        theme.title(),
    )];
    for s in &report.changed {
        lines.push(Line::from(vec![
            Span::styled(format!("[{}] ", s.section), theme.dim()),
            Span::raw(format!("{} = ", s.key)),
            Span::styled(s.value.clone().unwrap_or_default(), theme.key()),
            Span::styled(
                match &s.other {
                    Some(default) => format!("  (default {default})"),
                    None => format!("  (unknown to {} defaults)", report.defaults),
                },
                theme.dim(),
            ),
        ]));
    }
    lines.push(Line::styled(
        match &report.previous {
            Some(previous) => format!(
                "{} settings changed since {previous}",
                report.since_previous.len()
            ),
            None => "no previous OPTIONS file kept".to_string(),
        },
        theme.title(),
    ));
    for s in &report.since_previous {
        lines.push(Line::from(vec![
            Span::styled(format!("[{}] ", s.section), theme.dim()),
            Span::raw(format!(
                "{}: {} → ",
                s.key,
                s.value.as_deref().unwrap_or("(absent)")
            )),
            Span::styled(
                s.other.clone().unwrap_or_else(|| "(absent)".into()),
                theme.key(),
            ),
        ]));
    }
    let shown: Vec<Line> = lines
        .into_iter()
        .skip(view.options_scroll)
        .take(usize::from(area.height))
        .collect();
    let block = Block::bordered()
        .title(Span::styled(
            format!(" {} (j/k scroll) ", report.file),
            theme.title(),
        ))
        .border_style(theme.border());
    frame.render_widget(Paragraph::new(shown).block(block), area);
}

/// An etcd cluster's own figures: members, leader, raft term and index, database sizes
/// and alarms (an alarm in the warning style: writes fail while it is raised).
fn cluster(frame: &mut Frame, area: Rect, status: &ClusterStatus, theme: Theme) {
    let lines: Vec<Line> = cluster_lines(status)
        .into_iter()
        .enumerate()
        .map(|(i, text)| match i {
            0 => Line::styled(text, theme.title()),
            2 if !status.alarms.is_empty() => Line::styled(text, theme.error()),
            _ if text.contains(" unreachable at ") => Line::styled(text, theme.error()),
            _ => Line::raw(text),
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}
