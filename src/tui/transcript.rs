//! The chat transcript as rows at a width, built lazily: a message is rendered (markdown,
//! wrapping, highlighting) only when it comes into view or a scroll passes over it, and its
//! lines are cached per width. The transcript's total height is an estimate for messages not
//! yet rendered at this width, so a resize costs what is visible, not the whole history.
//! Scroll positions are anchored to a message (see [`Scroll`]), so estimates never move
//! what the user looks at. Used by the chat view and by the scrolling keys in `update`.

use std::cell::Ref;

use ratatui::text::{Line, Span};

use super::markdown;
use super::state::{AppState, Entry, EntryEnd, Rendered, Scroll, Speaker};
use super::theme::Theme;

mod resumed;
mod tail;
mod tools;
pub use resumed::entries as resumed;
pub use tail::tail;
use tools::{tool_height, tool_lines};

/// First visible row: `row` rows into entry `entry`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Anchor {
    pub entry: usize,
    pub row: usize,
}

/// Rows of an entry: speaker line, body, tail (cursor or why it ended), blank separator.
pub fn entry_height(state: &AppState, index: usize, width: u16) -> usize {
    let entry = &state.chat.transcript.entries[index];
    1 + tool_height(entry, width, state.theme)
        + body(entry, width, state.theme).lines.len()
        + tail(entry, state, width).len()
        + 1
}

/// Exact height for entries rendered at `width`, an estimate from another width or from the
/// text length for the rest.
pub fn estimated_total(state: &AppState, width: u16) -> usize {
    let width = usize::from(width.max(8));
    state
        .chat
        .transcript
        .entries
        .iter()
        .map(|entry| {
            let cached = entry.cache.0.borrow();
            let body = match cached.as_ref() {
                Some(r) if usize::from(r.width) == width => r.lines.len(),
                Some(r) => (r.lines.len() * usize::from(r.width)).div_ceil(width),
                None => entry
                    .text
                    .split('\n')
                    .map(|line| line.len().div_ceil(width).max(1))
                    .sum(),
            };
            let tail = match &entry.end {
                EntryEnd::Finished => 0,
                EntryEnd::Open | EntryEnd::StoppedByEsc => 1,
                EntryEnd::Cut(_) => 2,
            };
            let tools: usize = entry.tools.iter().map(tools::estimated_height).sum();
            2 + entry.files.len() + tools + body + tail
        })
        .sum()
}

/// Where the view starts when it shows the bottom (follow mode).
pub fn bottom_anchor(state: &AppState, width: u16, height: usize) -> Anchor {
    let mut rows = 0;
    for index in (0..state.chat.transcript.entries.len()).rev() {
        let h = entry_height(state, index, width);
        if rows + h >= height {
            return Anchor {
                entry: index,
                row: rows + h - height,
            };
        }
        rows += h;
    }
    Anchor { entry: 0, row: 0 }
}

/// The anchor actually shown for `scroll`: a position too close to the end (after a resize
/// made the messages below it shorter) shows the bottom instead.
pub fn resolve(state: &AppState, scroll: Scroll, width: u16, height: usize) -> Anchor {
    let bottom = bottom_anchor(state, width, height);
    match scroll {
        Scroll::Follow => bottom,
        Scroll::At { entry, row } => {
            let anchor = normalize(state, width, entry, row);
            anchor.min(bottom)
        }
    }
}

/// Moves a row offset that runs past its entry onto the entries after it.
fn normalize(state: &AppState, width: u16, mut entry: usize, mut row: usize) -> Anchor {
    let count = state.chat.transcript.entries.len();
    while entry < count {
        let h = entry_height(state, entry, width);
        if row < h {
            return Anchor { entry, row };
        }
        row -= h;
        entry += 1;
    }
    Anchor {
        entry: count,
        row: 0,
    }
}

/// The scroll position `delta` rows away from what is shown; reaching the bottom follows.
/// Only the entries passed over are rendered.
pub fn scrolled(state: &AppState, width: u16, height: usize, delta: isize) -> Scroll {
    let bottom = bottom_anchor(state, width, height);
    let from = resolve(state, state.chat.transcript.scroll, width, height);
    let mut entry = from.entry;
    let mut row = from.row as isize + delta;
    while row < 0 {
        if entry == 0 {
            row = 0;
            break;
        }
        entry -= 1;
        row += entry_height(state, entry, width) as isize;
    }
    let to = normalize(state, width, entry, row as usize);
    if to >= bottom {
        Scroll::Follow
    } else {
        Scroll::At {
            entry: to.entry,
            row: to.row,
        }
    }
}

/// Up to `height` rows from `anchor` on.
pub fn rows_from(
    state: &AppState,
    anchor: Anchor,
    width: u16,
    height: usize,
) -> Vec<Line<'static>> {
    let mut out = Vec::with_capacity(height);
    let mut row = anchor.row;
    for index in anchor.entry..state.chat.transcript.entries.len() {
        if out.len() >= height {
            break;
        }
        let h = entry_height(state, index, width);
        let to = h.min(row + height - out.len());
        out.extend(entry_rows(
            &state.chat.transcript.entries[index],
            state,
            width,
            row,
            to,
        ));
        row = 0;
    }
    out
}

fn entry_rows(
    entry: &Entry,
    state: &AppState,
    width: u16,
    from: usize,
    to: usize,
) -> Vec<Line<'static>> {
    let theme = state.theme;
    let (header, header_style) = match &entry.speaker {
        Speaker::You => ("you".to_owned(), theme.speaker()),
        Speaker::Model(model) => (model.clone(), theme.speaker()),
        Speaker::Notice => ("sapcode".to_owned(), theme.muted()),
        Speaker::Shell(command) => (
            format!("! {}", crate::terminal_text::escape_line(command)),
            theme.speaker(),
        ),
    };
    let rendered = body(entry, width, theme);
    let tail = tail(entry, state, width);
    let tool_lines = tool_lines(entry, width, theme);
    let mut rows = Vec::with_capacity(to.saturating_sub(from));
    let tools = tool_lines.len();
    for index in from..to {
        let line = if index == 0 {
            Line::styled(header.clone(), header_style)
        } else if index <= tools {
            tool_lines.get(index - 1).cloned().unwrap_or_default()
        } else if index - tools <= rendered.lines.len() {
            rendered.lines[index - tools - 1].clone()
        } else if let Some(line) = tail.get(index - tools - 1 - rendered.lines.len()) {
            line.clone()
        } else {
            Line::default()
        };
        rows.push(line);
    }
    rows
}

/// The entry's text rendered at `width`, from the cache when neither text nor width changed.
/// While an answer streams, its finished blocks are kept and only the open tail is redone.
pub fn body(entry: &Entry, width: u16, theme: Theme) -> Ref<'_, Rendered> {
    let is_open = entry.end == EntryEnd::Open && matches!(entry.speaker, Speaker::Model(_));
    let is_fresh = entry.cache.0.borrow().as_ref().is_some_and(|r| {
        r.width == width && r.text_len == entry.text.len() && r.is_open == is_open
    });
    if !is_fresh {
        let rendered = if is_open {
            render_open(entry, width, theme)
        } else {
            Rendered {
                width,
                text_len: entry.text.len(),
                is_open,
                stable_len: 0,
                stable_lines: 0,
                lines: render_closed(entry, width, theme),
            }
        };
        *entry.cache.0.borrow_mut() = Some(rendered);
    }
    // Filled just above, so the fallback is never shown; it keeps a broken invariant from panicking.
    Ref::map(entry.cache.0.borrow(), |cache| {
        cache.as_ref().unwrap_or(&NOT_RENDERED)
    })
}

static NOT_RENDERED: Rendered = Rendered {
    width: 0,
    text_len: 0,
    is_open: false,
    stable_len: 0,
    stable_lines: 0,
    lines: Vec::new(),
};

fn render_closed(entry: &Entry, width: u16, theme: Theme) -> Vec<Line<'static>> {
    match entry.speaker {
        Speaker::You => {
            let mut lines: Vec<Line<'static>> = entry
                .files
                .iter()
                // A file name can hold any character; a saved one is read back from disk.
                .map(|file| {
                    let file = crate::terminal_text::visible(file);
                    Line::styled(format!("📎 {file}"), theme.muted())
                })
                .collect();
            lines.extend(entry.text.split('\n').flat_map(|line| {
                markdown::wrap(
                    vec![Span::raw(line.to_owned())],
                    usize::from(width),
                    Span::raw(""),
                    Span::raw(""),
                )
            }));
            lines
        }
        Speaker::Model(_) => markdown::render(&entry.text, width, theme),
        // Notices can quote a server's error text: escaped like everything from outside.
        Speaker::Notice => plain_lines(
            &crate::terminal_text::escape(&entry.text),
            width,
            theme.warning(),
        ),
        // Command output is the outside world's text: escaped, never interpreted.
        Speaker::Shell(_) => {
            let mut lines = Vec::new();
            if entry.hidden_lines > 0 {
                let marker = format!(
                    "┆ … {} earlier lines not shown here (the attached output keeps head and tail)",
                    entry.hidden_lines
                );
                lines = plain_lines(&marker, width, theme.muted());
            }
            lines.extend(plain_lines(
                &crate::terminal_text::escape(&entry.text).replace('\t', "    "),
                width,
                theme.muted(),
            ));
            lines
        }
    }
}

/// `text` wrapped at `width`, line by line, in one style.
fn plain_lines(text: &str, width: u16, style: ratatui::style::Style) -> Vec<Line<'static>> {
    text.split('\n')
        .flat_map(|line| {
            markdown::wrap(
                vec![Span::styled(line.to_owned(), style)],
                usize::from(width),
                Span::raw(""),
                Span::raw(""),
            )
        })
        .collect()
}

/// Finished blocks (up to [`markdown::stable_boundary`]) rendered once and reused; the rest
/// rendered again. Blocks render alike alone or together, with one blank line between them.
fn render_open(entry: &Entry, width: u16, theme: Theme) -> Rendered {
    let text = &entry.text;
    let boundary = markdown::stable_boundary(text);
    let previous = entry.cache.0.borrow_mut().take();
    let mut stable: Vec<Line<'static>> = match previous {
        Some(r) if r.width == width && r.is_open && r.stable_len <= boundary => {
            let mut lines = r.lines;
            lines.truncate(r.stable_lines);
            if r.stable_len < boundary {
                join(
                    &mut lines,
                    markdown::render(&text[r.stable_len..boundary], width, theme),
                );
            }
            lines
        }
        Some(_) | None => markdown::render(&text[..boundary], width, theme),
    };
    let stable_lines = stable.len();
    join(
        &mut stable,
        markdown::render(&text[boundary..], width, theme),
    );
    Rendered {
        width,
        text_len: text.len(),
        is_open: true,
        stable_len: boundary,
        stable_lines,
        lines: stable,
    }
}

fn join(lines: &mut Vec<Line<'static>>, more: Vec<Line<'static>>) {
    if !lines.is_empty() && !more.is_empty() {
        lines.push(Line::default());
    }
    lines.extend(more);
}

/// Status lines wrap like prose, so their last words (`C-r to retry`) stay on screen.
fn wrapped(spans: Vec<Span<'static>>, width: u16) -> Vec<Line<'static>> {
    markdown::wrap(spans, usize::from(width), Span::raw(""), Span::raw(""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::test_support::picked;

    fn with_answers(count: usize) -> AppState {
        let mut state = picked(100, 30);
        for n in 0..count {
            state.chat.transcript.entries.push(Entry::new(
                Speaker::Model("gpt-4o".into()),
                format!("answer {n}\n\n{}", "word ".repeat(40 + n % 7 * 20)),
                EntryEnd::Finished,
            ));
        }
        state
    }

    fn text(lines: &[Line<'_>]) -> Vec<String> {
        lines.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_resize_renders_only_what_is_in_view() {
        let state = with_answers(200);
        let bottom = rows_from(&state, bottom_anchor(&state, 80, 20), 80, 20);
        assert_eq!(bottom.len(), 20);
        let rendered = |width: u16| {
            state
                .chat
                .transcript
                .entries
                .iter()
                .filter(|e| {
                    e.cache
                        .0
                        .borrow()
                        .as_ref()
                        .is_some_and(|r| r.width == width)
                })
                .count()
        };
        assert!(rendered(80) < 10, "{} rendered", rendered(80));
        // The estimate from another width is close to the truth.
        let estimate = estimated_total(&state, 60);
        let exact: usize = (0..200).map(|i| entry_height(&state, i, 60)).sum();
        assert_eq!(estimated_total(&state, 60), exact);
        assert!(
            estimate.abs_diff(exact) * 10 < exact,
            "{estimate} vs {exact}"
        );
    }

    #[test]
    fn an_anchored_view_keeps_its_text_across_a_resize() {
        let mut state = with_answers(200);
        state.chat.transcript.scroll = Scroll::At { entry: 100, row: 0 };
        let before = rows_from(
            &state,
            resolve(&state, state.chat.transcript.scroll, 80, 20),
            80,
            20,
        );
        assert_eq!(before[1].to_string(), "answer 100");
        let after = rows_from(
            &state,
            resolve(&state, state.chat.transcript.scroll, 50, 20),
            50,
            20,
        );
        assert_eq!(text(&after)[..2], text(&before)[..2]);
    }

    #[test]
    fn scrolling_walks_rows_and_reaching_the_end_follows() {
        let state = with_answers(50);
        let up = scrolled(&state, 80, 20, -5);
        let bottom = bottom_anchor(&state, 80, 20);
        let Scroll::At { entry, row } = up else {
            panic!("{up:?}");
        };
        let moved: usize = if entry == bottom.entry {
            bottom.row - row
        } else {
            entry_height(&state, entry, 80) - row + bottom.row
        };
        assert_eq!(moved, 5);
        let mut state = state;
        state.chat.transcript.scroll = up;
        assert_eq!(scrolled(&state, 80, 20, 5), Scroll::Follow);
        assert_eq!(
            scrolled(&state, 80, 20, -100_000),
            Scroll::At { entry: 0, row: 0 }
        );
    }

    #[test]
    fn a_streaming_answer_reuses_its_finished_blocks() {
        let mut state = picked(100, 30);
        let mut entry = Entry::new(Speaker::Model("m".into()), String::new(), EntryEnd::Open);
        let full =
            "# Title\n\nFirst paragraph with **bold**.\n\n```rs\nfn a() {}\n```\n\nLast words here";
        for piece in full.split_inclusive(' ') {
            entry.text.push_str(piece);
            let _ = body(&entry, 60, state.theme);
        }
        let streamed = body(&entry, 60, state.theme).lines.clone();
        entry.end = EntryEnd::Finished;
        let finished = body(&entry, 60, state.theme).lines.clone();
        assert_eq!(text(&streamed), text(&finished));
        state.chat.transcript.entries.push(entry);
    }
}
