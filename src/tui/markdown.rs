//! Markdown to ratatui lines, already wrapped to a width: headings, lists, emphasis, inline
//! code, quotes, and fenced code boxed with its language and syntax-highlighted. The syntax
//! sets (syntect + two-face) load on the first highlighted block, never at start-up.
//!
//! Callers cache the result per message; only the message still streaming is re-rendered.

use std::sync::OnceLock;

use pulldown_cmark::{CodeBlockKind, Event as Md, HeadingLevel, Options, Parser, Tag, TagEnd};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::theme::Theme;

/// Renders `text` into lines no wider than `width` cells.
pub fn render(text: &str, width: u16, theme: Theme) -> Vec<Line<'static>> {
    let mut builder = Builder {
        theme,
        width: usize::from(width.max(8)),
        lines: Vec::new(),
        spans: Vec::new(),
        styles: vec![Style::default()],
        lists: Vec::new(),
        first_prefix: None,
        quote_depth: 0,
        code: None,
        link: None,
    };
    for event in Parser::new_ext(
        text,
        Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS,
    ) {
        builder.event(event);
    }
    builder.flush();
    if let Some((language, code)) = builder.code.take() {
        builder.code_block(&language, &code);
    }
    while builder.lines.last().is_some_and(|l| l.width() == 0) {
        builder.lines.pop();
    }
    builder.lines
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

fn fence_language(kind: &CodeBlockKind<'_>) -> String {
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

/// A file or code block for the code view: line numbers, syntax colours, wrapped to `width`.
pub fn code_lines(language: &str, code: &str, width: u16, theme: Theme) -> Vec<Line<'static>> {
    let count = code.lines().count().max(1);
    let gutter = count.to_string().len();
    let inner = usize::from(width).saturating_sub(gutter + 3).max(4);
    let muted = theme.muted();
    let mut lines = Vec::new();
    for (number, spans) in highlight(language, code, theme).into_iter().enumerate() {
        if number >= count {
            break;
        }
        for (part, row) in hard_wrap(spans, inner).into_iter().enumerate() {
            let label = if part == 0 {
                format!("{:>gutter$} │ ", number + 1)
            } else {
                format!("{:>gutter$} ┆ ", "")
            };
            let mut spans = vec![Span::styled(label, muted)];
            spans.extend(row);
            lines.push(Line::from(spans));
        }
    }
    lines
}

struct Builder {
    theme: Theme,
    width: usize,
    lines: Vec<Line<'static>>,
    spans: Vec<Span<'static>>,
    styles: Vec<Style>,
    /// Per open list: the next number, or `None` for bullets.
    lists: Vec<Option<u64>>,
    /// Bullet or number of the item whose first line is next.
    first_prefix: Option<String>,
    quote_depth: usize,
    code: Option<(String, String)>,
    link: Option<String>,
}

impl Builder {
    fn style(&self) -> Style {
        self.styles.last().copied().unwrap_or_default()
    }

    fn push_style(&mut self, patch: Style) {
        let style = self.style().patch(patch);
        self.styles.push(style);
    }

    fn pop_style(&mut self) {
        if self.styles.len() > 1 {
            self.styles.pop();
        }
    }

    fn indent(&self) -> String {
        let quote = "│ ".repeat(self.quote_depth);
        let list = "  ".repeat(self.lists.len().saturating_sub(1));
        format!("{quote}{list}")
    }

    fn blank(&mut self) {
        if self.lines.last().is_some_and(|l| l.width() > 0) {
            self.lines.push(Line::default());
        }
    }

    fn event(&mut self, event: Md<'_>) {
        if let Some((_, code)) = self.code.as_mut() {
            match event {
                Md::Text(text) => code.push_str(&text),
                Md::End(TagEnd::CodeBlock) => {
                    if let Some((language, code)) = self.code.take() {
                        self.code_block(&language, &code);
                        self.blank();
                    }
                }
                _ => {}
            }
            return;
        }
        match event {
            Md::Start(tag) => self.start(tag),
            Md::End(tag) => self.end(tag),
            Md::Text(text) => self
                .spans
                .push(Span::styled(text.into_string(), self.style())),
            Md::Code(code) => {
                let shown = if self.theme.color {
                    code.into_string()
                } else {
                    format!("`{code}`")
                };
                self.spans
                    .push(Span::styled(shown, self.style().patch(self.theme.code())));
            }
            Md::SoftBreak => self.spans.push(Span::styled(" ", self.style())),
            Md::HardBreak => self.flush(),
            Md::Rule => {
                self.flush();
                let rule = "─".repeat(self.width.min(40));
                self.lines.push(Line::styled(rule, self.theme.muted()));
                self.blank();
            }
            Md::TaskListMarker(done) => {
                let mark = if done { "[x] " } else { "[ ] " };
                self.spans.push(Span::styled(mark, self.style()));
            }
            Md::Html(html) | Md::InlineHtml(html) => {
                self.spans
                    .push(Span::styled(html.trim_end().to_owned(), self.style()));
            }
            Md::FootnoteReference(name) => self.spans.push(Span::raw(format!("[{name}]"))),
            Md::InlineMath(math) | Md::DisplayMath(math) => {
                self.spans.push(Span::raw(math.into_string()));
            }
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Heading { level, .. } => {
                self.flush();
                self.push_style(self.theme.heading());
                let hashes = match level {
                    HeadingLevel::H1 => "# ",
                    HeadingLevel::H2 => "## ",
                    _ => "### ",
                };
                self.spans.push(Span::styled(hashes, self.style()));
            }
            Tag::Emphasis => self.push_style(Style::default().add_modifier(Modifier::ITALIC)),
            Tag::Strong => self.push_style(Style::default().add_modifier(Modifier::BOLD)),
            Tag::Strikethrough => {
                self.push_style(Style::default().add_modifier(Modifier::CROSSED_OUT));
            }
            Tag::Link { dest_url, .. } => {
                self.push_style(Style::default().add_modifier(Modifier::UNDERLINED));
                self.link = Some(dest_url.into_string());
            }
            Tag::List(start) => {
                self.flush();
                self.lists.push(start);
            }
            Tag::Item => {
                self.flush();
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        let marker = format!("{n}. ");
                        *n += 1;
                        marker
                    }
                    Some(None) | None => "• ".into(),
                };
                self.first_prefix = Some(marker);
            }
            Tag::BlockQuote(_) => {
                self.flush();
                self.quote_depth += 1;
            }
            Tag::CodeBlock(kind) => {
                self.flush();
                self.code = Some((fence_language(&kind), String::new()));
            }
            Tag::Paragraph
            | Tag::HtmlBlock
            | Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::Table(_)
            | Tag::TableHead
            | Tag::TableRow
            | Tag::TableCell
            | Tag::Superscript
            | Tag::Subscript
            | Tag::Image { .. }
            | Tag::MetadataBlock(_) => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => {
                self.flush();
                if self.lists.is_empty() {
                    self.blank();
                }
            }
            TagEnd::Heading(_) => {
                self.flush();
                self.pop_style();
                self.blank();
            }
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => self.pop_style(),
            TagEnd::Link => {
                self.pop_style();
                if let Some(url) = self.link.take() {
                    self.spans
                        .push(Span::styled(format!(" ({url})"), self.theme.muted()));
                }
            }
            TagEnd::List(_) => {
                self.flush();
                self.lists.pop();
                if self.lists.is_empty() {
                    self.blank();
                }
            }
            TagEnd::Item => self.flush(),
            TagEnd::BlockQuote(_) => {
                self.flush();
                self.quote_depth = self.quote_depth.saturating_sub(1);
                self.blank();
            }
            TagEnd::TableCell => self.spans.push(Span::raw("  ")),
            TagEnd::TableRow | TagEnd::TableHead => self.flush(),
            TagEnd::CodeBlock
            | TagEnd::HtmlBlock
            | TagEnd::FootnoteDefinition
            | TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition
            | TagEnd::Table
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Image
            | TagEnd::MetadataBlock(_) => {}
        }
    }

    /// Wraps the pending spans into lines with the current indent (and item marker).
    fn flush(&mut self) {
        if self.spans.is_empty() {
            return;
        }
        let spans = std::mem::take(&mut self.spans);
        let indent = self.indent();
        let (first, rest) = match self.first_prefix.take() {
            Some(marker) => {
                let pad = " ".repeat(marker.width());
                (format!("{indent}{marker}"), format!("{indent}{pad}"))
            }
            None => (indent.clone(), indent),
        };
        let muted = self.theme.muted();
        let lines = wrap(
            spans,
            self.width,
            Span::styled(first, muted),
            Span::styled(rest, muted),
        );
        self.lines.extend(lines);
    }

    fn code_block(&mut self, language: &str, code: &str) {
        let border = self.theme.muted();
        let indent = self.indent();
        let outer = self.width.saturating_sub(indent.width()).max(8);
        let inner = outer - 4;
        let title = if language.is_empty() {
            String::new()
        } else {
            format!(" {language} ")
        };
        let fill = outer.saturating_sub(2 + title.width());
        self.lines.push(Line::from(vec![
            Span::raw(indent.clone()),
            Span::styled(format!("┌{title}{}┐", "─".repeat(fill)), border),
        ]));
        let highlighted = highlight(language, code, self.theme);
        for spans in highlighted {
            for mut row in hard_wrap(spans, inner) {
                let used: usize = row.iter().map(|s| s.content.width()).sum();
                row.insert(0, Span::styled("│ ", border));
                row.insert(0, Span::raw(indent.clone()));
                row.push(Span::raw(" ".repeat(inner.saturating_sub(used))));
                row.push(Span::styled(" │", border));
                self.lines.push(Line::from(row));
            }
        }
        self.lines.push(Line::from(vec![
            Span::raw(indent),
            Span::styled(format!("└{}┘", "─".repeat(outer - 2)), border),
        ]));
    }
}

/// Greedy word wrap of styled spans; words longer than a line are split.
pub fn wrap(
    spans: Vec<Span<'static>>,
    width: usize,
    first_prefix: Span<'static>,
    rest_prefix: Span<'static>,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let mut current: Vec<Span<'static>> = vec![first_prefix.clone()];
    let mut used = first_prefix.content.width();
    let limit = width.max(used + 4);
    for span in spans {
        let style = span.style;
        for piece in split_keep_spaces(&span.content) {
            let piece_width = piece.width();
            let is_space = piece.chars().all(char::is_whitespace);
            if used + piece_width > limit && used > rest_prefix.content.width() {
                lines.push(Line::from(std::mem::take(&mut current)));
                current.push(rest_prefix.clone());
                used = rest_prefix.content.width();
                if is_space {
                    continue;
                }
            }
            if piece_width > limit - used {
                let mut chunk = String::new();
                for c in piece.chars() {
                    let cw = c.width().unwrap_or(0);
                    if used + cw > limit {
                        current.push(Span::styled(std::mem::take(&mut chunk), style));
                        lines.push(Line::from(std::mem::take(&mut current)));
                        current.push(rest_prefix.clone());
                        used = rest_prefix.content.width();
                    }
                    chunk.push(c);
                    used += cw;
                }
                current.push(Span::styled(chunk, style));
            } else {
                current.push(Span::styled(piece.to_owned(), style));
                used += piece_width;
            }
        }
    }
    lines.push(Line::from(current));
    lines
}

fn split_keep_spaces(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut in_space = None;
    for (i, c) in text.char_indices() {
        let space = c == ' ';
        if in_space.is_some_and(|s| s != space) {
            pieces.push(&text[start..i]);
            start = i;
        }
        in_space = Some(space);
    }
    if start < text.len() {
        pieces.push(&text[start..]);
    }
    pieces
}

/// Splits one code line into rows of at most `width` cells.
fn hard_wrap(spans: Vec<Span<'static>>, width: usize) -> Vec<Vec<Span<'static>>> {
    let mut rows = vec![Vec::new()];
    let mut used = 0;
    for span in spans {
        let mut chunk = String::new();
        for c in span.content.chars() {
            let c = if c == '\t' { ' ' } else { c };
            let cw = c.width().unwrap_or(0);
            if used + cw > width {
                if !chunk.is_empty()
                    && let Some(row) = rows.last_mut()
                {
                    row.push(Span::styled(std::mem::take(&mut chunk), span.style));
                }
                rows.push(Vec::new());
                used = 0;
            }
            chunk.push(c);
            used += cw;
        }
        if !chunk.is_empty()
            && let Some(row) = rows.last_mut()
        {
            row.push(Span::styled(chunk, span.style));
        }
    }
    rows
}

struct Highlighting {
    syntaxes: syntect::parsing::SyntaxSet,
    theme: syntect::highlighting::Theme,
}

/// Loaded on the first code block that needs colour: parsing the sets costs start-up time.
fn highlighting() -> &'static Highlighting {
    static SETS: OnceLock<Highlighting> = OnceLock::new();
    SETS.get_or_init(|| Highlighting {
        syntaxes: two_face::syntax::extra_newlines(),
        theme: two_face::theme::extra()
            .get(two_face::theme::EmbeddedThemeName::Base16OceanDark)
            .clone(),
    })
}

fn highlight(language: &str, code: &str, theme: Theme) -> Vec<Vec<Span<'static>>> {
    let code = code.strip_suffix('\n').unwrap_or(code);
    let plain = || {
        code.split('\n')
            .map(|line| vec![Span::styled(line.to_owned(), theme.code())])
            .collect()
    };
    if !theme.color || language.is_empty() {
        return plain();
    }
    let sets = highlighting();
    let Some(syntax) = sets
        .syntaxes
        .find_syntax_by_token(language)
        .or_else(|| sets.syntaxes.find_syntax_by_extension(language))
    else {
        return plain();
    };
    let mut highlighter = syntect::easy::HighlightLines::new(syntax, &sets.theme);
    let mut rows = Vec::new();
    for line in syntect::util::LinesWithEndings::from(code) {
        let Ok(ranges) = highlighter.highlight_line(line, &sets.syntaxes) else {
            return plain();
        };
        rows.push(
            ranges
                .into_iter()
                .map(|(style, text)| {
                    let fg = style.foreground;
                    Span::styled(
                        text.trim_end_matches('\n').to_owned(),
                        Style::default().fg(Color::Rgb(fg.r, fg.g, fg.b)),
                    )
                })
                .filter(|span| !span.content.is_empty())
                .collect(),
        );
    }
    if code.is_empty() || code.ends_with('\n') {
        rows.push(Vec::new());
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line<'_>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn headings_lists_and_emphasis() {
        let md = "# Title\n\nSome *soft* and **bold** `code`.\n\n- one\n- two\n  1. nested\n";
        let lines = render(md, 40, Theme { color: false });
        assert_eq!(
            text(&lines),
            [
                "# Title",
                "",
                "Some soft and bold `code`.",
                "",
                "• one",
                "• two",
                "  1. nested",
            ]
        );
    }

    #[test]
    fn fenced_code_is_boxed_with_its_language() {
        let lines = render("```rust\nlet x = 1;\n```\n", 24, Theme::default());
        assert_eq!(
            text(&lines),
            [
                "┌ rust ────────────────┐",
                "│ let x = 1;           │",
                "└──────────────────────┘",
            ]
        );
        assert!(
            lines[1]
                .spans
                .iter()
                .any(|s| matches!(s.style.fg, Some(Color::Rgb(..)))),
            "highlighted"
        );
    }

    #[test]
    fn unclosed_fence_while_streaming_still_boxes() {
        let lines = render("Here:\n```py\nprint(1)", 20, Theme { color: false });
        assert_eq!(text(&lines)[2], "┌ py ──────────────┐");
        assert_eq!(text(&lines).len(), 5);
    }

    #[test]
    fn long_words_and_lines_wrap_to_width() {
        let lines = render(&format!("aaa {}", "b".repeat(25)), 10, Theme::default());
        assert!(lines.iter().all(|l| l.width() <= 10), "{:?}", text(&lines));
        assert_eq!(text(&lines).concat(), format!("aaa {}", "b".repeat(25)));
    }

    #[test]
    fn stable_boundary_stops_before_open_blocks() {
        let text = "Para one.\n\nPara two\n\n```rs\nfn a() {}\n\nfn b() {}\n";
        assert_eq!(
            &text[stable_boundary(text)..],
            "```rs\nfn a() {}\n\nfn b() {}\n"
        );
        let open = "a\n\n```\nx\n";
        assert_eq!(&open[stable_boundary(open)..], "```\nx\n");
        let closed = "a\n\n```\nx\n```\n\nb";
        assert_eq!(&closed[stable_boundary(closed)..], "b");
        let closed = "a\n\n```\nx\n```\n\nb c\n\nd";
        assert_eq!(&closed[stable_boundary(closed)..], "d");
        assert_eq!(stable_boundary("no blank line yet"), 0);
        let list = "- a\n\n- b\n\nnext\n";
        assert_eq!(&list[stable_boundary(list)..], "next\n");
    }

    #[test]
    fn code_lines_number_and_wrap() {
        let lines = code_lines(
            "",
            "fn a() {}\nlet long = 1234567890;\n",
            16,
            Theme { color: false },
        );
        assert_eq!(
            text(&lines),
            ["1 │ fn a() {}", "2 │ let long = 1", "  ┆ 234567890;"]
        );
    }

    #[test]
    fn last_code_block_is_found() {
        let md = "a\n```\none\n```\nb\n```sh\ntwo\n```\n";
        assert_eq!(last_code_block(md).as_deref(), Some("two\n"));
        assert_eq!(last_code_block("no code"), None);
        assert_eq!(
            code_blocks(md),
            [("".into(), "one\n".into()), ("sh".into(), "two\n".into())]
        );
    }
}
