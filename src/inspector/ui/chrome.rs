//! The lines around every screen: tabs on top, the status bar and the footer below.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::format;
use super::theme::Theme;
use crate::inspector::error::ErrorClass;
use crate::inspector::input::keymap;
use crate::inspector::state::{App, CountState, Filter, FilterKind, InputPurpose, Overlay, Screen};

/// `1 Keys  2 Nodes ...` with the current screen marked, and the write banner.
pub fn tabs(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    // Nine screens want 94 columns: narrower terminals drop the program's name, then
    // the padding, then every title but the current screen's. Numbers always show, and
    // in write mode room for " WRITE MODE " is kept first: that banner is not optional.
    let label = |i: usize, screen: &Screen, compact: u8| match compact {
        0 => format!(" {} {} ", i + 1, screen.title()),
        1 => format!(" {} {}", i + 1, screen.title()),
        _ if *screen == app.screen => format!(" {} {}", i + 1, screen.title()),
        _ => format!(" {}", i + 1),
    };
    let width = |name: bool, compact: u8| {
        let tabs: usize = Screen::ALL
            .iter()
            .enumerate()
            .map(|(i, s)| label(i, s, compact).chars().count())
            .sum();
        tabs + if name { 15 } else { 0 }
    };
    let banner_room = if app.session.access.writable() {
        " WRITE MODE ".len() + 1
    } else {
        0
    };
    let fits = |w: usize| w + banner_room <= usize::from(area.width);
    let (name, compact) = [(true, 0), (false, 0), (false, 1), (false, 2)]
        .into_iter()
        .find(|&(name, compact)| fits(width(name, compact)))
        .unwrap_or((false, 2));
    let mut spans = Vec::new();
    if name {
        spans.push(Span::styled(" spear-inspect ", theme.title()));
    }
    for (i, screen) in Screen::ALL.iter().enumerate() {
        let style = if *screen == app.screen {
            theme.selected()
        } else {
            theme.dim()
        };
        spans.push(Span::styled(label(i, screen, compact), style));
    }
    let tabs = Line::from(spans);
    let used = tabs.width() as u16;
    frame.render_widget(Paragraph::new(tabs), area);
    if app.session.access.writable() {
        // The long banner where it fits, a short one where it does not: never hidden.
        let room = area.width.saturating_sub(used + 1);
        let long = match &app.session.writing_as {
            Some(owner) => format!(" WRITE MODE as {owner}: changes are real "),
            None => " WRITE MODE: changes are real ".to_string(),
        };
        let short = match &app.session.writing_as {
            Some(owner) => format!(" WRITE MODE as {owner} "),
            None => " WRITE MODE ".to_string(),
        };
        let banner = [long.as_str(), short.as_str(), " WRITE MODE ", " WRITE "]
            .into_iter()
            .find(|b| b.chars().count() as u16 <= room)
            .unwrap_or(" W ");
        let width = (banner.chars().count() as u16).min(area.width);
        let at = Rect {
            x: area.right() - width,
            width,
            ..area
        };
        frame.render_widget(Paragraph::new(Span::styled(banner, theme.danger())), at);
    }
}

fn keys_summary(app: &App) -> String {
    let summary = keys_figure(app);
    // On a live database an exact figure is of its moment: it carries its time, and is
    // marked stale once the database has moved on (its estimate changed).
    let exact = matches!(app.keys.count, CountState::Done(_))
        || (app.keys.count == CountState::Idle && app.keys.total.is_some());
    match (app.session.access, app.keys.counted) {
        (crate::inspector::source::Access::LiveSecondary, Some(counted)) if exact => {
            let stale = if app.keys.exact_is_stale() {
                ", stale: c recounts"
            } else {
                ""
            };
            format!("{summary} at {}{stale}", counted.at.format("%H:%M:%S"))
        }
        _ => summary,
    }
}

fn keys_figure(app: &App) -> String {
    let filtered = app.keys.filter != Filter::None;
    match (app.keys.count, app.keys.total, app.keys.estimate) {
        (CountState::Done(n), _, _) => format!(
            "{} keys{}",
            format::count(n),
            if filtered { " match" } else { "" }
        ),
        (CountState::Running(n), _, _) => format!("counting… {}", format::count(n)),
        // A finished walk's figure is the truth; the estimate no longer matters.
        (CountState::Idle, Some(total), _) => format!("{} keys", format::count(total)),
        // RocksDB counts every entry in memtables and L0, so overwrites and deletions
        // not yet compacted make it high (by 43 % on the 1M-key reference).
        (CountState::Idle, None, Some(e)) => {
            format!("~{} keys (estimate; can be high)", format::count(e))
        }
        (CountState::Idle, None, None) => "keys: …".into(),
    }
}

/// Database, open mode, column family, key count, last message.
pub fn status(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let sep = Span::styled(" │ ", theme.dim());
    let mode_style = if app.session.access.writable() {
        theme.danger()
    } else {
        theme.title()
    };
    // The mode first, then a message (an error, a refusal, a result: what matters most
    // right now), then the view; the path, which can be long, last.
    let mut spans = vec![
        Span::raw(" "),
        Span::styled(app.session.access.label(), mode_style),
    ];
    if let Some(message) = &app.session.message {
        spans.push(sep.clone());
        // Each class its own look; a storage failure also says so in words, which survive
        // NO_COLOR.
        let (style, lead) = match message.problem {
            None => (theme.text(), ""),
            Some(ErrorClass::Refusal) => (theme.title(), ""),
            Some(ErrorClass::User) => (theme.error(), ""),
            Some(ErrorClass::Storage) => (theme.danger(), "storage failure: "),
        };
        spans.push(Span::styled(format!("{lead}{}", message.text), style));
    }
    spans.extend([
        sep.clone(),
        Span::raw(format!("cf {}", app.session.cf)),
        sep.clone(),
        Span::raw(keys_summary(app)),
    ]);
    if let Some(scan) = app.keys.scan {
        spans.push(sep.clone());
        // A finished scan names its own total; a running one, the best figure known.
        let of = match (app.keys.total, app.keys.estimate) {
            _ if scan.done => String::new(),
            (Some(total), _) => format!(" of {}", format::count(total)),
            (None, Some(e)) => format!(" of ~{}", format::count(e)),
            (None, None) => String::new(),
        };
        let state = if scan.done { "matched" } else { "scanning:" };
        spans.push(Span::raw(format!(
            "{state} {} in {}{of}",
            format::count(scan.matched),
            format::count(scan.scanned)
        )));
    }
    if let Some(running) = &app.writes.maintenance {
        spans.push(sep.clone());
        let elapsed = format::age(app.session.now - running.started);
        spans.push(Span::styled(
            format!(
                "{} running, {elapsed} (cannot be cancelled)",
                running.describe()
            ),
            theme.title(),
        ));
    }
    spans.push(sep);
    // The path goes last and gets what room is left: its end (the database's own
    // directory) matters most, so a long one loses its start to `…`, never its end.
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let room = usize::from(area.width).saturating_sub(used);
    spans.push(Span::styled(
        path_tail(&app.session.db_path, room),
        theme.text(),
    ));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// `path` in at most `room` columns, its start replaced by `…` when it does not fit.
fn path_tail(path: &str, room: usize) -> String {
    let len = path.chars().count();
    if len <= room {
        return path.to_string();
    }
    if room == 0 {
        return String::new();
    }
    let tail: String = path.chars().skip(len - (room - 1)).collect();
    format!("…{tail}")
}

/// The input prompt while typing; otherwise the main bindings of the current context.
pub fn footer(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let mut spans = Vec::new();
    if let Overlay::Input {
        purpose,
        text,
        kind,
    } = &app.overlay
    {
        let prompt = match (purpose, kind) {
            // The Nodes screen's filter matches any column of a node, not keys.
            (InputPurpose::Filter, _) if app.screen == Screen::Nodes => {
                "filter, nodes whose uuid, address or labels contain"
            }
            (InputPurpose::Filter, FilterKind::Prefix) => "filter, keys starting with",
            (InputPurpose::Filter, FilterKind::Contains) => "filter, keys containing",
            (InputPurpose::Goto, _) => "go to key",
            (InputPurpose::NewKey, _) => "new key",
        };
        let hex = if app.keys.hex_keys { " (hex)" } else { "" };
        spans.push(Span::styled(format!(" {prompt}{hex}: "), theme.title()));
        spans.push(Span::raw(text.clone()));
        spans.push(Span::styled("█", theme.text()));
        spans.push(Span::raw("  "));
    } else {
        spans.push(Span::raw(" "));
    }
    // Global keys (quit, help) lead; the screen's own follow.
    for binding in keymap::tables(app.key_context(), app.screen)
        .into_iter()
        .rev()
        .flatten()
    {
        let Some(word) = binding.footer else { continue };
        if !keymap::available(app, binding.action) {
            continue;
        }
        if matches!(
            binding.action,
            crate::inspector::input::action::Action::ToggleFilterKind
        ) && !matches!(
            app.overlay,
            Overlay::Input {
                purpose: InputPurpose::Filter,
                ..
            }
        ) {
            continue;
        }
        spans.push(Span::styled(binding.label, theme.key()));
        spans.push(Span::styled(format!(" {word}  "), theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

#[cfg(test)]
mod tests {
    use super::path_tail;

    #[test]
    fn a_long_path_keeps_its_end() {
        assert_eq!(path_tail("/srv/spear/rocksdb", 40), "/srv/spear/rocksdb");
        assert_eq!(path_tail("/srv/spear/rocksdb", 9), "…/rocksdb");
        assert_eq!(path_tail("/srv/spear/rocksdb", 0), "");
    }
}
