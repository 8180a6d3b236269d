//! Screens 2-4 until they are built: say so, and say what to use meanwhile.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::theme::Theme;
use crate::inspector::app::Screen;

/// Draws an honest placeholder for `screen`.
pub fn draw(frame: &mut Frame, area: Rect, screen: Screen, theme: Theme) {
    let meanwhile = match screen {
        Screen::Nodes => {
            "Meanwhile: press 1, then / and type node: to list the node records as keys."
        }
        Screen::Resources => {
            "Meanwhile: press 1, then / and type resource: to list the resource records."
        }
        Screen::Stats | Screen::Keys => {
            "Meanwhile: `spear-inspect stats DB --json` prints the database figures."
        }
    };
    let text = vec![
        Line::from(Span::styled(
            format!("The {} screen is not built yet.", screen.title()),
            theme.title(),
        )),
        Line::raw(""),
        Line::raw(meanwhile),
    ];
    let block = Block::bordered()
        .title(Span::styled(format!(" {} ", screen.title()), theme.title()))
        .border_style(theme.border());
    frame.render_widget(
        Paragraph::new(text).wrap(Wrap { trim: true }).block(block),
        area,
    );
}
