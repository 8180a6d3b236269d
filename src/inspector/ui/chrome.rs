//! The lines around every screen: tabs on top, the status bar and the footer below.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::format;
use super::theme::Theme;
use crate::inspector::error::ErrorClass;
use crate::inspector::input::action::Action;
use crate::inspector::state::{App, InputPurpose, Overlay};

/// `1 Keys  2 Nodes ...` with the current screen marked, and the write banner.
pub fn tabs(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    // Nine screens want 94 columns: narrower terminals drop the program's name, then
    // the padding, then every title but the current screen's. Numbers always show, and
    // in write mode room for " WRITE MODE " is kept first: that banner is not optional.
    let titles: Vec<&str> = app.screens().iter().map(|s| s.title()).collect();
    let shown = app.shown();
    let label = |i: usize, title: &str, compact: u8| match compact {
        0 => format!(" {} {} ", i + 1, title),
        1 => format!(" {} {}", i + 1, title),
        _ if i == shown => format!(" {} {}", i + 1, title),
        _ => format!(" {}", i + 1),
    };
    let width = |name: bool, compact: u8| {
        let tabs: usize = titles
            .iter()
            .enumerate()
            .map(|(i, t)| label(i, t, compact).chars().count())
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
    for (i, title) in titles.iter().enumerate() {
        let style = if i == shown {
            theme.selected()
        } else {
            theme.dim()
        };
        spans.push(Span::styled(label(i, title, compact), style));
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

/// Database, open mode, column family, the screens' figures (the key count), last
/// message.
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
    spans.extend([sep.clone(), Span::raw(format!("cf {}", app.session.cf))]);
    for screen in app.screens() {
        for figure in screen.status(&app.session) {
            spans.extend([sep.clone(), Span::raw(figure)]);
        }
    }
    if app.session.held_back() {
        spans.push(sep.clone());
        spans.push(Span::styled("reads held back by --io-limit", theme.title()));
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
        let prompt = app.current().prompt(*purpose, *kind);
        let hex = if app.session.hex_keys { " (hex)" } else { "" };
        spans.push(Span::styled(format!(" {prompt}{hex}: "), theme.title()));
        spans.push(Span::raw(text.clone()));
        spans.push(Span::styled("█", theme.text()));
        spans.push(Span::raw("  "));
    } else {
        spans.push(Span::raw(" "));
    }
    // Global keys (quit, help) lead; the screen's own follow.
    for binding in app.bindings().into_iter().rev().flatten() {
        let Some(word) = binding.footer else { continue };
        if !app.available(binding.action) {
            continue;
        }
        if matches!(binding.action, Action::ToggleFilterKind)
            && !matches!(
                app.overlay,
                Overlay::Input {
                    purpose: InputPurpose::Filter,
                    ..
                }
            )
        {
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
