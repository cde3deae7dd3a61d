//! An edit's hunks (as `agent::diff` computes them and the approval carries them) drawn for
//! review: old and new line numbers, the `+`/`-` mark, then the text, hard-wrapped at the
//! display width with `┆` on continuation rows. Drawn from the structured lines, never from
//! unified text parsed again, so every line shows, `++ x` and `-- x` included. The mark is
//! repeated on every row, so meaning never rests on colour. Text from the model shows every
//! control and invisible character as an escape (`\x1b`, `\u{200b}`), so a diff can neither
//! drive the terminal nor hold a character the user cannot see.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use crate::agent::diff::{Hunk, LineKind};
use crate::tui::theme::Theme;

/// The rows of `hunks` at `width`.
pub fn rows(hunks: &[Hunk], is_new_file: bool, width: u16, theme: Theme) -> Vec<Line<'static>> {
    let digits = last_line_number(hunks).to_string().len();
    let text_width = usize::from(width).saturating_sub(2 * digits + 4).max(4);
    let mut lines = Vec::new();
    if is_new_file {
        lines.push(Line::styled("new file", theme.muted()));
    }
    for hunk in hunks {
        lines.push(Line::styled(hunk.header(), theme.accent()));
        let (mut old, mut new) = (hunk.old_start, hunk.new_start);
        for line in &hunk.lines {
            let (numbers, style) = match line.kind {
                LineKind::Removed => {
                    old += 1;
                    (
                        format!("{:>digits$} {:>digits$}", old - 1, ""),
                        theme.removed(),
                    )
                }
                LineKind::Added => {
                    new += 1;
                    (
                        format!("{:>digits$} {:>digits$}", "", new - 1),
                        theme.added(),
                    )
                }
                LineKind::Context => {
                    old += 1;
                    new += 1;
                    (
                        format!("{:>digits$} {:>digits$}", old - 1, new - 1),
                        theme.text(),
                    )
                }
            };
            let mark = line.kind.mark();
            for (index, part) in hard_wrap(&shown(&line.text), text_width)
                .into_iter()
                .enumerate()
            {
                let gutter = if index == 0 {
                    format!("{numbers} │")
                } else {
                    format!("{:>w$} ┆", "", w = 2 * digits + 1)
                };
                lines.push(Line::from(vec![
                    Span::styled(gutter, theme.muted()),
                    Span::styled(format!("{mark}{part}"), style),
                ]));
            }
            if line.missing_newline {
                lines.push(Line::styled(
                    format!(
                        "{:>w$} │ \\ No newline at end of file",
                        "",
                        w = 2 * digits + 1
                    ),
                    theme.muted(),
                ));
            }
        }
    }
    lines
}

/// A line of a file or a command as a review shows it: every control and invisible
/// character escaped (a trailing CR too), tabs as four spaces.
pub fn shown(text: &str) -> String {
    crate::terminal_text::visible(text).replace('\t', "    ")
}

/// `text` cut into rows of at most `width` terminal columns, whole graphemes each (as
/// ratatui draws them), so a row of wide CJK or emoji text never runs past the edge and
/// clips what follows. Always at least one row.
pub fn hard_wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(2);
    if text.is_ascii() {
        // Printable ASCII (all that is left after escaping) is one column a byte.
        let rows: Vec<String> = text
            .as_bytes()
            .chunks(width)
            .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
            .collect();
        return if rows.is_empty() {
            vec![String::new()]
        } else {
            rows
        };
    }
    let mut rows = Vec::new();
    let mut row = String::new();
    let mut used = 0;
    let span = Span::raw(text);
    for grapheme in span.styled_graphemes(Style::default()) {
        let columns = grapheme.symbol.width();
        if used + columns > width && !row.is_empty() {
            rows.push(std::mem::take(&mut row));
            used = 0;
        }
        row.push_str(grapheme.symbol);
        used += columns;
    }
    rows.push(row);
    rows
}

/// The largest line number a hunk reaches, for the gutter's width: a hunk from line `start`
/// of `len` lines ends at `start + len − 1` (`+1,9` needs one digit, `+1,10` two).
fn last_line_number(hunks: &[Hunk]) -> usize {
    hunks
        .iter()
        .map(|h| {
            (h.old_start + h.old_len.saturating_sub(1))
                .max(h.new_start + h.new_len.saturating_sub(1))
        })
        .max()
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::diff;

    fn text(lines: &[Line<'_>]) -> Vec<String> {
        lines.iter().map(ToString::to_string).collect()
    }

    fn drawn(old: &str, new: &str, width: u16) -> Vec<String> {
        text(&rows(
            &diff::hunks(old, new),
            old.is_empty(),
            width,
            Theme::default(),
        ))
    }

    #[test]
    fn rows_carry_numbers_marks_and_colour_only_with_colour_on() {
        let hunks = diff::hunks("a\nb\n", "a\nc\n");
        let plain = Theme::from_no_color(Some("1"));
        assert_eq!(
            text(&rows(&hunks, false, 40, plain)),
            ["@@ -1,2 +1,2 @@", "1 1 │ a", "2   │-b", "  2 │+c"]
        );
        assert!(
            rows(&hunks, false, 40, plain)
                .iter()
                .flat_map(|l| &l.spans)
                .all(|s| s.style.fg.is_none())
        );
        let coloured = rows(&hunks, false, 40, Theme::default());
        assert_eq!(coloured[2].spans[1].style, Theme::default().removed());
        assert_eq!(coloured[3].spans[1].style, Theme::default().added());
    }

    #[test]
    fn lines_that_look_like_file_headers_are_shown_and_counted() {
        // `++ x` added is `+++ x` in unified text, `-- x` removed is `--- x`: a parser of
        // the text took both for file headers and dropped them.
        let old = "a = 1\n-- drop table users\n";
        let new = "a = 1\n++ __import__(\"os\").system(\"id\")\n";
        let shown = drawn(old, new, 60);
        assert_eq!(
            shown,
            [
                "@@ -1,2 +1,2 @@",
                "1 1 │ a = 1",
                "2   │--- drop table users",
                "  2 │+++ __import__(\"os\").system(\"id\")",
            ]
        );
        assert_eq!(diff::counts(&diff::hunks(old, new)), (1, 1));
    }

    #[test]
    fn a_new_file_says_so_and_control_characters_show_escaped() {
        let shown = drawn("", "x\x1b[2K\ty\u{200b}\r\n", 40);
        assert_eq!(shown[0], "new file");
        assert_eq!(shown[2], "  1 │+x\\x1b[2K    y\\u{200b}\\x0d", "{shown:?}");
        assert!(!shown.iter().any(|l| l.contains('\x1b') || l.contains('\r')));
        assert!(
            drawn("a\nb", "a\nc", 40)
                .iter()
                .any(|l| l.ends_with("\\ No newline at end of file"))
        );
    }

    #[test]
    fn the_gutter_is_as_wide_as_the_last_line_number() {
        let nine: String = (1..=9).map(|n| format!("{n}\n")).collect();
        assert_eq!(drawn("", &nine, 40)[2], "  1 │+1");
        let ten: String = (1..=10).map(|n| format!("{n}\n")).collect();
        assert_eq!(drawn("", &ten, 40)[2], "    1 │+1");
    }

    #[test]
    fn long_lines_wrap_with_the_mark_on_every_row() {
        let shown = drawn("", &format!("{}\n", "z".repeat(30)), 20);
        assert_eq!(shown.len(), 1 + 1 + 3, "{shown:?}");
        assert!(shown[3].starts_with("    ┆+z"), "{shown:?}");
    }

    #[test]
    fn rows_are_cut_by_display_width_not_characters() {
        // 11 fullwidth characters are 22 columns: cut by characters, a 16-column row held
        // all 11 and 5 more (27 columns) and the code after them ran off the edge.
        let line = "ｆｕｌｌｗｉｄｔｈ！！; rm -rf ~";
        let parts = hard_wrap(line, 16);
        assert!(parts.iter().all(|p| p.width() <= 16), "{parts:?}");
        assert_eq!(parts.concat(), line);
        assert_eq!(parts[0], "ｆｕｌｌｗｉｄｔ");
        let emoji = hard_wrap("🦀🦀🦀 x", 5);
        assert_eq!(emoji, ["🦀🦀", "🦀 x"]);
        assert_eq!(hard_wrap("", 5), [""]);
    }
}
