//! Drawing the Log screen: what RocksDB itself wrote in its info LOG: the newest notable entries
//! (flushes, compactions, table files, write stalls, errors), newest first, and the
//! timeline of the whole LOG (stall periods, flush and compaction volume, write
//! amplification).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Sparkline};

use super::{LogPane, LogView};
use crate::inspector::analysis::recent::LogReport;
use crate::inspector::formats::infolog::{Kind, TimelineSummary};
use crate::inspector::screens::DrawCx;
use crate::inspector::state::Session;
use crate::inspector::text::log::entry_summary;
use crate::inspector::ui;
use crate::inspector::ui::format::{bytes, count};
use crate::inspector::ui::theme::Theme;

/// Draws the pane on show.
pub(super) fn draw(frame: &mut Frame, area: Rect, view: &LogView, cx: &DrawCx) {
    let (session, theme) = (cx.session, cx.theme);
    let Some(report) = &view.report else {
        return ui::waiting(frame, area, "LOG", "reading RocksDB's LOG files…", theme);
    };
    let lines = summary_lines(report, area.width, theme);
    let [summary, body] =
        Layout::vertical([Constraint::Length(lines.len() as u16), Constraint::Fill(1)]).areas(area);
    frame.render_widget(Paragraph::new(lines), summary);
    match view.pane {
        LogPane::Entries => entries(frame, body, view, session, report, theme),
        LogPane::Timeline => timeline(frame, body, &report.timeline, theme),
    }
}

/// The LOG in figures, alarming ones first, as lines no wider than `width`: each figure is
/// whole on one line (never cut), and a line breaks between figures.
fn summary_lines(report: &LogReport, width: u16, theme: Theme) -> Vec<Line<'static>> {
    let s = &report.timeline;
    let t = &s.totals;
    let span = match (s.first, s.last) {
        (Some(a), Some(b)) => format!(
            "{} .. {}",
            a.format("%Y/%m/%d %H:%M:%S"),
            b.format("%Y/%m/%d %H:%M:%S")
        ),
        _ => "no timestamps".to_string(),
    };
    let stalls = t.stall_messages + t.stop_messages;
    let alarm = |bad: bool| if bad { theme.error() } else { theme.text() };
    let figures: Vec<Span<'static>> = vec![
        Span::styled(
            format!(
                "{stalls} stall messages in {} periods",
                s.stall_periods.len()
            ),
            alarm(stalls > 0),
        ),
        Span::styled(
            format!("{} errors", s.error_count),
            alarm(s.error_count > 0),
        ),
        Span::raw(format!(
            "{} LOG file{}",
            report.files,
            if report.files == 1 { "" } else { "s" }
        )),
        Span::raw(span),
        Span::styled(
            format!(
                "flushed {} in {} flush{}",
                bytes(t.flush_bytes),
                count(t.flush_count),
                if t.flush_count == 1 { "" } else { "es" }
            ),
            theme.dim(),
        ),
        Span::styled(
            format!(
                "compacted {} → {} in {} compaction{}{}",
                bytes(t.compaction_read_bytes),
                bytes(t.compaction_write_bytes),
                count(t.compaction_count),
                if t.compaction_count == 1 { "" } else { "s" },
                t.compaction_mb_per_sec
                    .map(|r| format!(" at {r:.1} MB/s"))
                    .unwrap_or_default(),
            ),
            theme.dim(),
        ),
        Span::styled(
            format!(
                "write amplification {}",
                t.write_amplification
                    .map(|w| format!("{w:.2}"))
                    .unwrap_or_else(|| "-".into())
            ),
            theme.dim(),
        ),
    ];
    let width = usize::from(width);
    let mut lines: Vec<Vec<Span<'static>>> = vec![Vec::new()];
    let mut used = 0usize;
    for figure in figures {
        let len = figure.content.chars().count();
        let line = lines.last_mut().expect("one line at least");
        if !line.is_empty() && used + 3 + len > width {
            lines.push(vec![figure]);
            used = len;
        } else {
            if !line.is_empty() {
                line.push(Span::raw(" · "));
                used += 3;
            }
            line.push(figure);
            used += len;
        }
    }
    lines.into_iter().map(Line::from).collect()
}

fn entries(
    frame: &mut Frame,
    area: Rect,
    view: &LogView,
    session: &Session,
    report: &LogReport,
    theme: Theme,
) {
    // Of this kind in the whole LOG (or the part read so far), and how many are listed.
    let counted = report.counts[view.only.index()];
    let listed = if counted > view.rows.len() as u64 {
        format!(
            "newest {} of {} (m keeps more)",
            count(view.rows.len() as u64),
            count(counted)
        )
    } else {
        format!(
            "{} entr{}",
            count(counted),
            if counted == 1 { "y" } else { "ies" }
        )
    };
    let title = format!(
        " {} · {listed}{} · t narrows ",
        view.only.title(),
        if report.partial {
            " in the newest 4 MiB, reading the rest…"
        } else {
            ""
        }
    );
    let header = ui::header_row(["time", "cf", "what", "text"], theme);
    let (top, visible) = ui::window(
        area.height,
        view.rows.len(),
        view.cursor.selected,
        view.cursor.top,
    );
    let rows = view.rows.iter().skip(top).take(visible).map(|&i| {
        let e = &report.entries[i];
        let kind = e.event.kind();
        let style = match kind {
            Kind::Stall | Kind::BackgroundError | Kind::Error => theme.error(),
            Kind::Warn | Kind::CompactionPressure => theme.key(),
            _ => theme.text(),
        };
        let text: String = entry_summary(e).chars().take(400).collect();
        Row::new([
            Cell::from(
                e.time
                    .map(|t| t.format("%m-%d %H:%M:%S%.3f").to_string())
                    .unwrap_or_default(),
            ),
            Cell::from(e.cf.clone().unwrap_or_default()),
            Cell::from(Span::styled(kind.name(), style)),
            Cell::from(text),
        ])
    });
    let widths = [
        Constraint::Length(18),
        Constraint::Length(10),
        Constraint::Length(19),
        Constraint::Fill(1),
    ];
    let block = Block::bordered()
        .title(Span::styled(title, theme.title()))
        .title_bottom(Span::styled(
            match session.access {
                crate::inspector::source::Access::LiveSecondary => {
                    " Tab timeline · re-read every 10 s "
                }
                _ => " Tab timeline · r re-reads ",
            },
            theme.dim(),
        ))
        .border_style(theme.border_focus());
    ui::window_table(
        frame,
        area,
        rows.collect(),
        &widths,
        header,
        block,
        (view.cursor.selected, top),
        "no entries of this kind in the LOG",
        theme,
    );
}

fn timeline(frame: &mut Frame, area: Rect, s: &TimelineSummary, theme: Theme) {
    let [charts, periods] =
        Layout::vertical([Constraint::Length(9), Constraint::Fill(1)]).areas(area);
    let [flushed, compacted, stalled] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(3),
        Constraint::Length(3),
    ])
    .areas(charts);
    let bucket = match s.bucket_secs {
        n if n % 3600 == 0 => format!("{} h", n / 3600),
        n if n % 60 == 0 => format!("{} min", n / 60),
        n => format!("{n} s"),
    };
    let series = |pick: fn(&crate::inspector::formats::infolog::Stats) -> u64| -> Vec<u64> {
        s.buckets.iter().map(|b| pick(&b.stats)).collect()
    };
    let charts: [(&str, Vec<u64>, Rect); 3] = [
        ("flushed bytes", series(|t| t.flush_bytes), flushed),
        (
            "compaction bytes written",
            series(|t| t.compaction_write_bytes),
            compacted,
        ),
        (
            "stall messages",
            series(|t| t.stall_messages + t.stop_messages),
            stalled,
        ),
    ];
    for (name, mut data, at) in charts {
        // A sparkline draws from the left: keep the newest periods that fit.
        let fit = usize::from(at.width.saturating_sub(2));
        if data.len() > fit {
            data.drain(..data.len() - fit);
        }
        let peak = data.iter().copied().max().unwrap_or(0);
        let shown = if name.ends_with("bytes") || name.ends_with("written") {
            bytes(peak)
        } else {
            count(peak)
        };
        let block = Block::bordered()
            .title(Span::styled(
                format!(" {name} per {bucket} · peak {shown} "),
                theme.title(),
            ))
            .border_style(theme.border());
        frame.render_widget(
            Sparkline::default()
                .data(&data)
                .style(theme.json_key())
                .block(block),
            at,
        );
    }
    let mut lines: Vec<Line> = Vec::new();
    let mut sorted: Vec<_> = s.stall_periods.iter().collect();
    sorted.sort_by_key(|p| std::cmp::Reverse(p.end - p.start));
    for p in sorted.iter().take(usize::from(periods.height)) {
        let cause = crate::inspector::text::log::stall_cause_text(p.cause);
        lines.push(Line::from(vec![
            Span::raw(format!(
                "{} .. {} ",
                p.start.format("%m-%d %H:%M:%S%.3f"),
                p.end.format("%H:%M:%S%.3f")
            )),
            Span::styled(if p.stopped { "STOPPED" } else { "slowed " }, theme.error()),
            Span::raw(format!(" [{}] {cause} ({} messages)", p.cf, p.count)),
        ]));
    }
    if lines.is_empty() {
        lines.push(Line::styled("no write stalls in the LOG", theme.dim()));
    }
    let block = Block::bordered()
        .title(Span::styled(
            format!(" stall periods, longest first · {} ", s.stall_periods.len()),
            theme.title(),
        ))
        .border_style(theme.border_focus());
    frame.render_widget(Paragraph::new(lines).block(block), periods);
}
