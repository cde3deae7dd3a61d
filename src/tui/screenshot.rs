//! The README's screenshot: a demo screen (a streamed answer with a code block, at 120×40)
//! drawn on `TestBackend` and written as SVG with its colours, so the picture always shows
//! what the code draws. `UPDATE_SCREENSHOT=1 cargo test --lib screenshot` rewrites
//! `assets/screenshot.svg`; without it the test fails when the committed file is stale.

use std::fmt::Write as _;
use std::time::Duration;

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

use super::event::{ChatUpdate, Event};
use super::state::AppState;
use super::test_support::{apply, key, picked, t0, typed};
use super::view;
use crate::aicore::Usage;

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/screenshot.svg");
const CELL_WIDTH: usize = 9;
const CELL_HEIGHT: usize = 19;
const FOREGROUND: &str = "#d4d4d4";
const BACKGROUND: &str = "#1e1e1e";

const QUESTION: &str = "How do I read a service key file and check its fields?";
const ANSWER: &str = concat!(
    "Parse the file as JSON and check each field before use, so a bad key fails with ",
    "**one clear line** instead of a panic:\n\n",
    "```rust\n",
    "use serde::Deserialize;\n",
    "\n",
    "#[derive(Deserialize)]\n",
    "pub struct ServiceKey {\n",
    "    pub clientid: String,\n",
    "    pub clientsecret: String,\n",
    "    pub url: String,\n",
    "}\n",
    "\n",
    "pub fn read_key(path: &Path) -> Result<ServiceKey, KeyError> {\n",
    "    let text = fs::read_to_string(path)?;\n",
    "    let key: ServiceKey = serde_json::from_str(&text)?;\n",
    "    if !key.url.starts_with(\"https://\") {\n",
    "        return Err(KeyError::Field(\"url\"));\n",
    "    }\n",
    "    Ok(key)\n",
    "}\n",
    "```\n\n",
    "- `clientsecret` never reaches a log line\n",
    "- the `url` must be **https**\n",
);

/// The demo screen: gpt-4o picked, one question, its answer streamed in and finished.
fn demo() -> AppState {
    let mut state = picked(120, 40);
    typed(&mut state, QUESTION);
    let turn = match key(&mut state, KeyCode::Enter).as_slice() {
        [
            super::event::Effect::AppendInputHistory(_),
            super::event::Effect::StartTurn { turn, .. },
        ] => *turn,
        other => panic!("{other:?}"),
    };
    let usage = Usage {
        prompt_tokens: 412,
        completion_tokens: 188,
        total_tokens: 600,
        ..Default::default()
    };
    for line in ANSWER.split_inclusive('\n') {
        let update = ChatUpdate::Delta(line.into());
        apply(&mut state, Event::Chat { turn, update });
    }
    apply(
        &mut state,
        Event::Tick {
            now: t0() + Duration::from_millis(2300),
        },
    );
    for update in [
        crate::tui::test_support::usage_update(usage),
        ChatUpdate::Done,
    ] {
        apply(&mut state, Event::Chat { turn, update });
    }
    state
}

fn buffer(state: &AppState) -> Buffer {
    let (width, height) = state.size;
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal
        .draw(|frame| view::draw(frame, state))
        .expect("draw");
    terminal.backend().buffer().clone()
}

/// A dark terminal's palette for the named ANSI colours.
fn hex(color: Color, default: &str) -> String {
    let named = match color {
        Color::Reset => default,
        Color::Black => "#000000",
        Color::Red => "#cd3131",
        Color::Green => "#0dbc79",
        Color::Yellow => "#e5e510",
        Color::Blue => "#2472c8",
        Color::Magenta => "#bc3fbc",
        Color::Cyan => "#11a8cd",
        Color::Gray => "#e5e5e5",
        Color::DarkGray => "#767676",
        Color::LightRed => "#f14c4c",
        Color::LightGreen => "#23d18b",
        Color::LightYellow => "#f5f543",
        Color::LightBlue => "#3b8eea",
        Color::LightMagenta => "#d670d6",
        Color::LightCyan => "#29b8db",
        Color::White => "#ffffff",
        Color::Rgb(r, g, b) => return format!("#{r:02x}{g:02x}{b:02x}"),
        Color::Indexed(n) => return indexed(n),
    };
    named.to_owned()
}

/// The xterm 256-colour cube and grey ramp; the first 16 as their named colours.
fn indexed(n: u8) -> String {
    const NAMED: [Color; 16] = [
        Color::Black,
        Color::Red,
        Color::Green,
        Color::Yellow,
        Color::Blue,
        Color::Magenta,
        Color::Cyan,
        Color::Gray,
        Color::DarkGray,
        Color::LightRed,
        Color::LightGreen,
        Color::LightYellow,
        Color::LightBlue,
        Color::LightMagenta,
        Color::LightCyan,
        Color::White,
    ];
    match n {
        0..=15 => hex(NAMED[usize::from(n)], FOREGROUND),
        16..=231 => {
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            let n = n - 16;
            let (r, g, b) = (level(n / 36), level(n / 6 % 6), level(n % 6));
            format!("#{r:02x}{g:02x}{b:02x}")
        }
        232..=255 => {
            let v = 8 + (n - 232) * 10;
            format!("#{v:02x}{v:02x}{v:02x}")
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// One row's cells grouped into runs of one style: (first column, columns, text, style).
struct Run {
    column: usize,
    columns: usize,
    text: String,
    fg: String,
    bg: String,
    modifier: Modifier,
}

fn runs(buffer: &Buffer, y: u16) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for x in 0..buffer.area.width {
        let cell = &buffer[(x, y)];
        let (mut fg, mut bg) = (hex(cell.fg, FOREGROUND), hex(cell.bg, BACKGROUND));
        if cell.modifier.contains(Modifier::REVERSED) {
            std::mem::swap(&mut fg, &mut bg);
        }
        let modifier = cell.modifier - Modifier::REVERSED;
        match runs.last_mut() {
            Some(run) if run.fg == fg && run.bg == bg && run.modifier == modifier => {
                run.text.push_str(cell.symbol());
                run.columns += 1;
            }
            Some(_) | None => runs.push(Run {
                column: usize::from(x),
                columns: 1,
                text: cell.symbol().to_owned(),
                fg,
                bg,
                modifier,
            }),
        }
    }
    runs
}

pub fn svg(buffer: &Buffer) -> String {
    let width = usize::from(buffer.area.width) * CELL_WIDTH;
    let height = usize::from(buffer.area.height) * CELL_HEIGHT;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"'DejaVu Sans Mono', Menlo, Consolas, \
         monospace\" font-size=\"15\">"
    );
    let _ = writeln!(
        out,
        "<rect width=\"{width}\" height=\"{height}\" fill=\"{BACKGROUND}\"/>"
    );
    for y in 0..buffer.area.height {
        let top = usize::from(y) * CELL_HEIGHT;
        let baseline = top + CELL_HEIGHT - 5;
        for run in runs(buffer, y) {
            let x = run.column * CELL_WIDTH;
            let length = run.columns * CELL_WIDTH;
            if run.bg != BACKGROUND {
                let _ = writeln!(
                    out,
                    "<rect x=\"{x}\" y=\"{top}\" width=\"{length}\" height=\"{CELL_HEIGHT}\" fill=\"{}\"/>",
                    run.bg
                );
            }
            if run.text.trim().is_empty() {
                continue;
            }
            let mut attributes = format!("fill=\"{}\"", run.fg);
            if run.modifier.contains(Modifier::BOLD) {
                attributes.push_str(" font-weight=\"bold\"");
            }
            if run.modifier.contains(Modifier::ITALIC) {
                attributes.push_str(" font-style=\"italic\"");
            }
            if run.modifier.contains(Modifier::DIM) {
                attributes.push_str(" opacity=\"0.6\"");
            }
            if run.modifier.contains(Modifier::UNDERLINED) {
                attributes.push_str(" text-decoration=\"underline\"");
            }
            // textLength holds each run to its cells whatever the font's advance width.
            let _ = writeln!(
                out,
                "<text x=\"{x}\" y=\"{baseline}\" textLength=\"{length}\" \
                 lengthAdjust=\"spacingAndGlyphs\" xml:space=\"preserve\" {attributes}>{}</text>",
                escape(&run.text)
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

#[test]
fn screenshot_in_assets_is_up_to_date() {
    let rendered = svg(&buffer(&demo()));
    if std::env::var_os("UPDATE_SCREENSHOT").is_some() {
        std::fs::write(PATH, &rendered).expect("write assets/screenshot.svg");
        return;
    }
    let committed = std::fs::read_to_string(PATH).unwrap_or_default();
    assert!(
        committed == rendered,
        "assets/screenshot.svg is out of date: run `UPDATE_SCREENSHOT=1 cargo test --lib screenshot`"
    );
}

#[test]
fn svg_keeps_colours_styles_and_escapes_text() {
    let mut buffer = Buffer::empty(ratatui::layout::Rect::new(0, 0, 6, 1));
    buffer.set_string(
        0,
        0,
        "a<b",
        ratatui::style::Style::default()
            .fg(Color::Cyan)
            .add_modifier(Modifier::BOLD),
    );
    buffer.set_string(
        3,
        0,
        "ok",
        ratatui::style::Style::default().add_modifier(Modifier::REVERSED),
    );
    let svg = svg(&buffer);
    assert!(
        svg.contains("fill=\"#11a8cd\" font-weight=\"bold\">a&lt;b</text>"),
        "{svg}"
    );
    // Reversed: the default colours swap, so the run gets a light background.
    assert!(svg.contains(&format!("fill=\"{FOREGROUND}\"/>")), "{svg}");
    assert!(
        svg.contains(&format!("fill=\"{BACKGROUND}\">ok</text>")),
        "{svg}"
    );
}
