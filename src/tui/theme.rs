//! Semantic styles (accent, muted, disabled, error…) on named ANSI colours, read from
//! `assets/theme.toml` (embedded at build time). With `NO_COLOR` set every style keeps only
//! its modifiers (bold, dim, reversed), so meaning never rests on colour; views ask the theme
//! and never name a colour themselves.

use std::str::FromStr;
use std::sync::LazyLock;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

/// One style of the palette file: a colour (absent: the terminal's default) and modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "PaintSpec")]
struct Paint {
    fg: Option<Color>,
    modifier: Modifier,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PaintSpec {
    fg: Option<String>,
    #[serde(default)]
    modifiers: Vec<String>,
}

impl TryFrom<PaintSpec> for Paint {
    type Error = String;

    fn try_from(spec: PaintSpec) -> Result<Paint, String> {
        let fg = spec
            .fg
            .map(|name| Color::from_str(&name).map_err(|_| format!("unknown colour {name:?}")))
            .transpose()?;
        let mut modifier = Modifier::empty();
        for name in &spec.modifiers {
            modifier |= match name.as_str() {
                "bold" => Modifier::BOLD,
                "dim" => Modifier::DIM,
                "italic" => Modifier::ITALIC,
                "underlined" => Modifier::UNDERLINED,
                "reversed" => Modifier::REVERSED,
                other => return Err(format!("unknown modifier {other:?}")),
            };
        }
        Ok(Paint { fg, modifier })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Palette {
    text: Paint,
    accent: Paint,
    muted: Paint,
    disabled: Paint,
    error: Paint,
    warning: Paint,
    ok: Paint,
    added: Paint,
    removed: Paint,
    selected: Paint,
    border: Paint,
    speaker: Paint,
    heading: Paint,
    code: Paint,
    key: Paint,
}

const PALETTE_FILE: &str = include_str!("../../assets/theme.toml");

/// The embedded file is parsed by this module's tests, so a failure here is a build bug.
static PALETTE: LazyLock<Palette> = LazyLock::new(parse_palette);

// The TOML is compiled into the binary and parsed by this module's tests: it cannot differ at run time.
#[allow(clippy::expect_used)]
fn parse_palette() -> Palette {
    toml::from_str(PALETTE_FILE).expect("assets/theme.toml is a valid palette (unit-tested)")
}

impl Theme {
    /// `NO_COLOR` set to anything non-empty turns colours off (https://no-color.org).
    pub fn from_no_color(no_color: Option<&str>) -> Theme {
        Theme {
            color: no_color.is_none_or(str::is_empty),
        }
    }

    fn paint(&self, paint: Paint) -> Style {
        let style = Style::default().add_modifier(paint.modifier);
        match paint.fg {
            Some(fg) if self.color => style.fg(fg),
            Some(_) | None => style,
        }
    }

    pub fn text(&self) -> Style {
        self.paint(PALETTE.text)
    }
    pub fn accent(&self) -> Style {
        self.paint(PALETTE.accent)
    }
    pub fn muted(&self) -> Style {
        self.paint(PALETTE.muted)
    }
    /// Not usable (a deployment that is not RUNNING): dim *and* a status word beside it.
    pub fn disabled(&self) -> Style {
        self.paint(PALETTE.disabled)
    }
    pub fn error(&self) -> Style {
        self.paint(PALETTE.error)
    }
    pub fn warning(&self) -> Style {
        self.paint(PALETTE.warning)
    }
    pub fn ok(&self) -> Style {
        self.paint(PALETTE.ok)
    }
    /// A line a proposed edit adds (the `+` mark says so without colour).
    pub fn added(&self) -> Style {
        self.paint(PALETTE.added)
    }
    /// A line a proposed edit removes (marked `-`).
    pub fn removed(&self) -> Style {
        self.paint(PALETTE.removed)
    }
    pub fn selected(&self) -> Style {
        self.paint(PALETTE.selected)
    }
    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.paint(PALETTE.border)
        } else {
            self.muted()
        }
    }
    pub fn speaker(&self) -> Style {
        self.paint(PALETTE.speaker)
    }
    pub fn heading(&self) -> Style {
        self.paint(PALETTE.heading)
    }
    pub fn code(&self) -> Style {
        self.paint(PALETTE.code)
    }
    pub fn key(&self) -> Style {
        self.paint(PALETTE.key)
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

    #[test]
    fn the_embedded_palette_parses_to_the_documented_styles() {
        let theme = Theme::default();
        assert_eq!(theme.text(), Style::default());
        assert_eq!(
            theme.accent(),
            Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD)
        );
        assert_eq!(
            theme.disabled(),
            Style::default()
                .fg(Color::DarkGray)
                .add_modifier(Modifier::DIM)
        );
        assert_eq!(theme.code(), Style::default().fg(Color::LightYellow));
        assert_eq!(
            theme.selected(),
            Style::default().add_modifier(Modifier::REVERSED)
        );
        assert_eq!(theme.border(true), Style::default().fg(Color::Cyan));
        assert_eq!(theme.border(false), theme.muted());
    }

    #[test]
    fn a_bad_colour_or_modifier_is_named() {
        let bad: Result<Palette, _> =
            toml::from_str(&PALETTE_FILE.replace(r#"fg = "lightyellow""#, r#"fg = "chartreuse""#));
        assert!(bad.unwrap_err().to_string().contains("chartreuse"));
        let bad: Result<Palette, _> =
            toml::from_str(&PALETTE_FILE.replace(r#"["reversed"]"#, r#"["blink"]"#));
        assert!(bad.unwrap_err().to_string().contains("blink"));
    }
}
