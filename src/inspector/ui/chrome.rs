//! The lines around every screen: tabs on top, the status bar and the footer below.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::format;
use super::theme::Theme;
use crate::inspector::app::{App, CountState, Filter, FilterKind, InputPurpose, Mode, Screen};
use crate::inspector::keymap;

/// `1 Keys  2 Nodes ...` with the current screen marked, and the write banner.
pub fn tabs(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let mut spans = vec![Span::styled(" spear-inspect ", theme.title())];
    for (i, screen) in Screen::ALL.iter().enumerate() {
        let label = format!(" {} {} ", i + 1, screen.title());
        let style = if *screen == app.screen {
            theme.selected()
        } else {
            theme.dim()
        };
        spans.push(Span::styled(label, style));
    }
    let tabs = Line::from(spans);
    let used = tabs.width() as u16;
    frame.render_widget(Paragraph::new(tabs), area);
    if app.access.writable() {
        // The long banner where it fits, a short one where it does not: never hidden.
        let room = area.width.saturating_sub(used + 1);
        let banner = [" WRITE MODE: changes are real ", " WRITE MODE ", " WRITE "]
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
    let filtered = app.filter != Filter::None;
    match (app.count, app.estimate) {
        (CountState::Done(n), _) => format!(
            "{} keys{}",
            format::count(n),
            if filtered { " match" } else { "" }
        ),
        (CountState::Running(n), _) => format!("counting… {}", format::count(n)),
        (CountState::Idle, Some(e)) => format!("~{} keys", format::count(e)),
        (CountState::Idle, None) => "keys: …".into(),
    }
}

/// Database, open mode, column family, key count, last message.
pub fn status(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let sep = Span::styled(" │ ", theme.dim());
    let mode_style = if app.access.writable() {
        theme.danger()
    } else {
        theme.title()
    };
    // The mode first, then a message (an error, a refusal, a result: what matters most
    // right now), then the view; the path, which can be long, last.
    let mut spans = vec![Span::raw(" "), Span::styled(app.access.label(), mode_style)];
    if let Some(message) = &app.message {
        spans.push(sep.clone());
        let style = if message.is_error {
            theme.error()
        } else {
            theme.text()
        };
        spans.push(Span::styled(message.text.clone(), style));
    }
    spans.extend([
        sep.clone(),
        Span::raw(format!("cf {}", app.cf)),
        sep.clone(),
        Span::raw(keys_summary(app)),
    ]);
    if let Some(scan) = app.scan {
        spans.push(sep.clone());
        let estimate = app
            .estimate
            .map_or(String::new(), |e| format!(" of ~{}", format::count(e)));
        let state = if scan.done { "matched" } else { "scanning:" };
        spans.push(Span::raw(format!(
            "{state} {} in {}{estimate}",
            format::count(scan.matched),
            format::count(scan.scanned)
        )));
    }
    if let Some((job, started)) = &app.maintenance {
        spans.push(sep.clone());
        let elapsed = format::age(app.now - *started);
        spans.push(Span::styled(
            format!(
                "{} running, {elapsed} (cannot be cancelled)",
                job.describe()
            ),
            theme.title(),
        ));
    }
    spans.push(sep);
    spans.push(Span::styled(app.db_path.clone(), theme.text()));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The input prompt while typing; otherwise the main bindings of the current context.
pub fn footer(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let mut spans = Vec::new();
    if let Mode::Input {
        purpose,
        text,
        kind,
    } = &app.mode
    {
        let prompt = match (purpose, kind) {
            (InputPurpose::Filter, FilterKind::Prefix) => "filter, keys starting with",
            (InputPurpose::Filter, FilterKind::Contains) => "filter, keys containing",
            (InputPurpose::Goto, _) => "go to key",
            (InputPurpose::NewKey, _) => "new key",
        };
        let hex = if app.hex_keys { " (hex)" } else { "" };
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
        if matches!(
            binding.action,
            crate::inspector::action::Action::ToggleFilterKind
        ) && !matches!(
            app.mode,
            Mode::Input {
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
