//! Markdown events to wrapped, styled lines: headings, lists, emphasis, inline code, quotes,
//! and fenced code drawn in a box with its language.

use pulldown_cmark::{Event as Md, HeadingLevel, Tag, TagEnd};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use unicode_width::UnicodeWidthStr;

use super::fence_language;
use super::highlight::highlight;
use super::wrap::{hard_wrap, wrap};
use crate::tui::theme::Theme;

pub(super) struct Builder {
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
    pub(super) fn new(width: usize, theme: Theme) -> Builder {
        Builder {
            theme,
            width,
            lines: Vec::new(),
            spans: Vec::new(),
            styles: vec![Style::default()],
            lists: Vec::new(),
            first_prefix: None,
            quote_depth: 0,
            code: None,
            link: None,
        }
    }

    /// The lines, after closing what is still open (a fence while the answer streams).
    pub(super) fn finish(mut self) -> Vec<Line<'static>> {
        self.flush();
        if let Some((language, code)) = self.code.take() {
            self.code_block(&language, &code);
        }
        while self.lines.last().is_some_and(|l| l.width() == 0) {
            self.lines.pop();
        }
        self.lines
    }

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

    pub(super) fn event(&mut self, event: Md<'_>) {
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
