//! Styles, with and without colour: emphasis must survive `NO_COLOR`.

use ratatui::style::{Color, Modifier, Style};

/// The styles a screen draws with.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    color: bool,
}

impl Theme {
    /// Colour on or off.
    pub fn new(color: bool) -> Self {
        Self { color }
    }

    fn fg(self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    /// Ordinary text.
    pub fn text(self) -> Style {
        Style::new()
    }
    /// Secondary text: sizes, hints.
    pub fn dim(self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }
    /// Titles and headings.
    pub fn title(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    /// The selected row.
    pub fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }
    /// The key of a binding in the footer and help.
    pub fn key(self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }
    /// Errors.
    pub fn error(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    /// The write-mode banner.
    pub fn danger(self) -> Style {
        if self.color {
            Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }
    /// JSON object keys.
    pub fn json_key(self) -> Style {
        self.fg(Color::Cyan)
    }
    /// JSON strings.
    pub fn json_string(self) -> Style {
        self.fg(Color::Green)
    }
    /// JSON numbers.
    pub fn json_number(self) -> Style {
        self.fg(Color::Magenta)
    }
    /// JSON true/false/null.
    pub fn json_literal(self) -> Style {
        self.fg(Color::Yellow)
    }
    /// Borders.
    pub fn border(self) -> Style {
        self.dim()
    }
    /// The focused border.
    pub fn border_focus(self) -> Style {
        self.fg(Color::Cyan)
    }
}
