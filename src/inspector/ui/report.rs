//! A plain-text report (verify, the stall verdict, who is writing) drawn as a wrapped
//! paragraph, its first line (the verdict) in the style of its answer: the screens show
//! the same text the command prints.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

/// Draws `text` in `area`, its first line in `verdict`, inside `block` when given.
pub fn report(frame: &mut Frame, area: Rect, text: &str, verdict: Style, block: Option<Block>) {
    let lines: Vec<Line> = text
        .lines()
        .enumerate()
        .map(|(i, line)| match i {
            0 => Line::from(Span::styled(line.to_string(), verdict)),
            _ => Line::from(line.to_string()),
        })
        .collect();
    let mut paragraph = Paragraph::new(lines).wrap(Wrap { trim: false });
    if let Some(block) = block {
        paragraph = paragraph.block(block);
    }
    frame.render_widget(paragraph, area);
}
