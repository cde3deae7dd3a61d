//! Semantic styles (accent, muted, disabled, error…) on named ANSI colours. With `NO_COLOR`
//! set every style keeps only its modifiers (bold, dim, reversed), so meaning never rests on
//! colour; views ask the theme and never name a colour themselves.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    /// `NO_COLOR` set to anything non-empty turns colours off (https://no-color.org).
    pub fn from_no_color(no_color: Option<&str>) -> Theme {
        Theme {
            color: no_color.is_none_or(str::is_empty),
        }
    }

    fn paint(&self, fg: Color, modifier: Modifier) -> Style {
        let style = Style::default().add_modifier(modifier);
        if self.color { style.fg(fg) } else { style }
    }

    pub fn text(&self) -> Style {
        Style::default()
    }
    pub fn accent(&self) -> Style {
        self.paint(Color::Cyan, Modifier::BOLD)
    }
    pub fn muted(&self) -> Style {
        self.paint(Color::DarkGray, Modifier::empty())
    }
    /// Not usable (a deployment that is not RUNNING): dim *and* a status word beside it.
    pub fn disabled(&self) -> Style {
        self.paint(Color::DarkGray, Modifier::DIM)
    }
    pub fn error(&self) -> Style {
        self.paint(Color::Red, Modifier::BOLD)
    }
    pub fn warning(&self) -> Style {
        self.paint(Color::Yellow, Modifier::empty())
    }
    pub fn ok(&self) -> Style {
        self.paint(Color::Green, Modifier::empty())
    }
    /// A line a proposed edit adds (the `+` mark says so without colour).
    pub fn added(&self) -> Style {
        self.paint(Color::Green, Modifier::empty())
    }
    /// A line a proposed edit removes (marked `-`).
    pub fn removed(&self) -> Style {
        self.paint(Color::Red, Modifier::empty())
    }
    pub fn selected(&self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED)
    }
    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.paint(Color::Cyan, Modifier::empty())
        } else {
            self.muted()
        }
    }
    pub fn speaker(&self) -> Style {
        self.paint(Color::Magenta, Modifier::BOLD)
    }
    pub fn heading(&self) -> Style {
        self.paint(Color::Yellow, Modifier::BOLD)
    }
    pub fn code(&self) -> Style {
        self.paint(Color::LightYellow, Modifier::empty())
    }
    pub fn key(&self) -> Style {
        self.paint(Color::Cyan, Modifier::BOLD)
    }
}

impl Default for Theme {
    fn default() -> Theme {
        Theme { color: true }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_keeps_modifiers_only() {
        let theme = Theme::from_no_color(Some("1"));
        assert_eq!(theme.error(), Style::default().add_modifier(Modifier::BOLD));
        assert!(Theme::from_no_color(Some("")).color);
        assert!(Theme::from_no_color(None).color);
    }
}
