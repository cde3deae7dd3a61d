//! Markdown to ratatui lines, already wrapped to a width: headings, lists, emphasis, inline
//! code, quotes, and fenced code boxed with its language and syntax-highlighted. The syntax
//! sets (syntect + two-face) load on the first highlighted block, never at start-up.
//!
//! Callers cache the result per message; only the message still streaming is re-rendered.

mod blocks;
mod highlight;
#[cfg(test)]
mod tests;
mod wrap;

pub use highlight::code_lines;
pub use wrap::wrap;

use pulldown_cmark::{CodeBlockKind, Event as Md, Options, Parser, Tag, TagEnd};
use ratatui::text::Line;

use super::theme::Theme;
use blocks::Builder;

/// Renders `text` into lines no wider than `width` cells.
pub fn render(text: &str, width: u16, theme: Theme) -> Vec<Line<'static>> {
    // The model's text: escape sequences and bidi overrides show as `\x1b`, `\u{202e}`
    // (ratatui drops control characters but would pass bidi overrides to the terminal).
    let text = crate::terminal_text::escape(text);
    let mut builder = Builder::new(usize::from(width.max(8)), theme);
    for event in Parser::new_ext(
        &text,
        Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS,
    ) {
        builder.event(event);
    }
    builder.finish()
}

/// The last fenced code block of a message, for "copy code block".
pub fn last_code_block(text: &str) -> Option<String> {
    code_blocks(text).pop().map(|(_, code)| code)
}

/// Every fenced or indented code block of a message with its language (maybe empty); an
/// unclosed fence at the end (a streaming answer) counts too.
pub fn code_blocks(text: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for event in Parser::new(text) {
        match event {
            Md::Start(Tag::CodeBlock(kind)) => {
                current = Some((fence_language(&kind), String::new()));
            }
            Md::Text(t) => {
                if let Some((_, code)) = current.as_mut() {
                    code.push_str(&t);
                }
            }
            Md::End(TagEnd::CodeBlock) => blocks.extend(current.take()),
            _ => {}
        }
    }
    blocks.extend(current);
    blocks
}

pub(super) fn fence_language(kind: &CodeBlockKind<'_>) -> String {
    match kind {
        CodeBlockKind::Fenced(info) => info.split([' ', ',']).next().unwrap_or("").to_owned(),
        CodeBlockKind::Indented => String::new(),
    }
}

/// The byte offset after the last finished block of a streaming message: just after a blank
/// line that is outside any code fence. Text before it renders the same whatever follows.
pub fn stable_boundary(text: &str) -> usize {
    let mut boundary = 0;
    let mut fence: Option<(char, usize)> = None;
    let mut offset = 0;
    let mut previous_blank = false;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim_start();
        let is_blank = line.trim().is_empty();
        // Indented lines and list items after a blank may continue a list: not a safe cut.
        if fence.is_none() && previous_blank && !is_blank && !line.starts_with([' ', '\t']) {
            let is_list_item = trimmed.starts_with(['-', '*', '+'])
                || trimmed.chars().next().is_some_and(|c| c.is_ascii_digit());
            if !is_list_item {
                boundary = start;
            }
        }
        if !line.ends_with('\n') {
            break;
        }
        let marker = trimmed.chars().next().filter(|c| *c == '`' || *c == '~');
        if let Some(c) = marker {
            let run = trimmed.chars().take_while(|x| *x == c).count();
            if run >= 3 {
                match fence {
                    None => fence = Some((c, run)),
                    Some((open, len))
                        if open == c && run >= len && trimmed.trim_end().len() == run =>
                    {
                        fence = None;
                    }
                    Some(_) => {}
                }
            }
        }
        previous_blank = is_blank && fence.is_none();
    }
    boundary
}
