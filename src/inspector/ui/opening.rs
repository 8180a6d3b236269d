//! The frame shown while a slow open runs (a large WAL to replay, thousands of table
//! files, a cluster to reach): what the open has to read, how much it has read, how long
//! it has taken, and what `q` does now. Nothing else can be shown before RocksDB's open
//! returns, so this frame says why there is nothing else yet.

use std::time::Duration;

use humansize::{BINARY, format_size};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, LineGauge, Paragraph, Wrap};

use super::centered;
use super::format::count;
use super::theme::Theme;
use crate::inspector::source::open_phases::Phase;
use crate::inspector::source::open_work::{OpenWork, share_read};

/// What the opening frame shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opening {
    /// The database as the user typed it.
    pub path: String,
    /// What the open has to read, from the directory listing (zeros for a cluster).
    pub work: OpenWork,
    /// An etcd cluster: the open is connecting, not replaying.
    pub cluster: bool,
    /// A read-write open, which `q` does not interrupt.
    pub write: bool,
    /// Bytes read since the open began.
    pub read: u64,
    /// Time since the open began.
    pub elapsed: Duration,
    /// What the open is doing, as the files it holds open show.
    pub phase: Phase,
    /// `q` was pressed during a read-write open: the inspector quits when it finishes.
    pub quit_asked: bool,
    /// Colour on or off.
    pub color: bool,
}

impl Opening {
    /// Before any byte is read.
    pub fn new(path: String, work: OpenWork, cluster: bool, write: bool) -> Self {
        Self {
            path,
            work,
            cluster,
            write,
            read: 0,
            elapsed: Duration::ZERO,
            phase: Phase::Other,
            quit_asked: false,
            color: true,
        }
    }

    /// The bytes the open must read before it returns: the WAL it replays and the
    /// MANIFEST (table files are opened, not read whole).
    fn to_read(&self) -> u64 {
        self.work.wal_bytes + self.work.manifest_bytes
    }

    /// `1.08 GiB of write-ahead log to replay in 3 files, 2.10 MiB of MANIFEST, 4,984
    /// table files`.
    fn to_read_text(&self) -> String {
        let work = &self.work;
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        format!(
            "{} of write-ahead log to replay in {} file{}, {} of MANIFEST, {} table file{}",
            format_size(work.wal_bytes, BINARY),
            count(work.wal_files as u64),
            plural(work.wal_files),
            format_size(work.manifest_bytes, BINARY),
            count(work.table_files as u64),
            plural(work.table_files),
        )
    }

    fn what_it_does(&self) -> String {
        if self.cluster {
            return "Connecting to the etcd cluster and reading its status.".to_string();
        }
        let how = if self.write {
            "read-write"
        } else {
            "read-only"
        };
        format!(
            "RocksDB opens the database {how}: it replays the write-ahead log into memory and reads the MANIFEST before the first key can be read, and reports no progress of its own. The figures below are the bytes this process has read since the open began."
        )
    }

    fn what_q_does(&self) -> &'static str {
        match (self.write, self.quit_asked) {
            (false, _) => "q quits now: nothing is written, the open is abandoned",
            (true, false) => "q quits once the open is done: a read-write open is not interrupted",
            (true, true) => "quitting once the open is done (a read-write open is not interrupted)",
        }
    }
}

/// Draws the opening frame over the whole terminal.
pub fn draw(frame: &mut Frame, shown: &Opening) {
    let theme = Theme::new(shown.color);
    let area = centered(frame.area(), 76, if shown.cluster { 8 } else { 15 });
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus())
        .title(Span::styled(
            format!(" spear-inspect · opening {} ", shown.path),
            theme.title(),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [about, figures, gauge, keys] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(4),
        Constraint::Length(1),
        Constraint::Length(2),
    ])
    .areas(inner);
    frame.render_widget(
        Paragraph::new(shown.what_it_does())
            .style(theme.text())
            .wrap(Wrap { trim: true }),
        about,
    );
    let seconds = format!("{:.0} s", shown.elapsed.as_secs_f64().floor());
    let lines = if shown.cluster {
        vec![Line::raw(format!("waiting {seconds}"))]
    } else {
        vec![
            Line::from(vec![
                Span::styled("to read   ", theme.dim()),
                Span::raw(shown.to_read_text()),
            ]),
            Line::from(vec![
                Span::styled("read      ", theme.dim()),
                Span::raw(format!(
                    "{} of {} ({} %), {seconds}",
                    format_size(shown.read, BINARY),
                    format_size(shown.to_read(), BINARY),
                    share_read(shown.read, shown.to_read())
                )),
            ]),
            Line::from(vec![
                Span::styled("now       ", theme.dim()),
                Span::raw(shown.phase.doing()),
            ]),
        ]
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), figures);
    if !shown.cluster {
        let ratio = share_read(shown.read, shown.to_read()) as f64 / 100.0;
        frame.render_widget(
            LineGauge::default()
                .filled_style(theme.selected())
                .ratio(ratio)
                .label(""),
            gauge,
        );
    }
    frame.render_widget(
        Paragraph::new(Line::styled(shown.what_q_does(), theme.key())).wrap(Wrap { trim: true }),
        keys,
    );
}
