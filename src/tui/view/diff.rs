//! A unified diff (as `agent::diff` writes it and the approval carries it) drawn for review:
//! old and new line numbers, the `+`/`-` mark, then the text, hard-wrapped at the width with
//! `┆` on continuation rows. The mark is repeated on every row, so meaning never rests on
//! colour. Text from the model is escaped (`\x1b`), so a diff cannot move the cursor or hide
//! a line.

use ratatui::text::{Line, Span};

use crate::tui::theme::Theme;

/// The rows of `unified` at `width`.
pub fn rows(unified: &str, width: u16, theme: Theme) -> Vec<Line<'static>> {
    let digits = last_line_number(unified).to_string().len();
    let text_width = usize::from(width).saturating_sub(2 * digits + 4).max(4);
    let (mut old, mut new) = (0usize, 0usize);
    let mut lines = Vec::new();
    for raw in unified.lines() {
        if raw.starts_with("+++ ") {
            continue;
        }
        if let Some(path) = raw.strip_prefix("--- ") {
            if path == "/dev/null" {
                lines.push(Line::styled("new file", theme.muted()));
            }
            continue;
        }
        if let Some((old_start, new_start)) = hunk_starts(raw) {
            (old, new) = (old_start, new_start);
            lines.push(Line::styled(escaped(raw), theme.accent()));
            continue;
        }
        if raw.starts_with('\\') {
            lines.push(Line::styled(
                format!("{:>w$} │ {}", "", escaped(raw), w = 2 * digits + 1),
                theme.muted(),
            ));
            continue;
        }
        let (mark, text) = raw.split_at(raw.chars().next().map_or(0, char::len_utf8));
        let (numbers, style, mark) = match mark {
            "-" => {
                old += 1;
                (
                    format!("{:>digits$} {:>digits$}", old - 1, ""),
                    theme.removed(),
                    '-',
                )
            }
            "+" => {
                new += 1;
                (
                    format!("{:>digits$} {:>digits$}", "", new - 1),
                    theme.added(),
                    '+',
                )
            }
            _ => {
                old += 1;
                new += 1;
                (
                    format!("{:>digits$} {:>digits$}", old - 1, new - 1),
                    theme.text(),
                    ' ',
                )
            }
        };
        let chars: Vec<char> = escaped(text).chars().collect();
        let mut parts: Vec<String> = chars
            .chunks(text_width)
            .map(|chunk| chunk.iter().collect())
            .collect();
        if parts.is_empty() {
            parts.push(String::new());
        }
        for (index, part) in parts.into_iter().enumerate() {
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
    }
    lines
}

/// Tabs as four spaces, every other control character as a visible escape.
fn escaped(text: &str) -> String {
    let text = text.trim_end_matches('\r').replace('\t', "    ");
    crate::terminal_text::escape_line(&text).into_owned()
}

/// `@@ -3,4 +3,5 @@` → (3, 3).
fn hunk_starts(line: &str) -> Option<(usize, usize)> {
    let rest = line.strip_prefix("@@ -")?;
    let (old, rest) = rest.split_once(" +")?;
    let (new, _) = rest.split_once(" @@")?;
    let start = |range: &str| range.split(',').next()?.parse::<usize>().ok();
    Some((start(old)?, start(new)?))
}

/// The largest line number a hunk reaches, for the gutter's width.
fn last_line_number(unified: &str) -> usize {
    unified
        .lines()
        .filter(|line| line.starts_with("@@ -"))
        .filter_map(|line| {
            let rest = line.strip_prefix("@@ -")?;
            let (old, rest) = rest.split_once(" +")?;
            let (new, _) = rest.split_once(" @@")?;
            let end = |range: &str| {
                let mut parts = range.split(',');
                let start: usize = parts.next()?.parse().ok()?;
                let len: usize = parts.next().map_or(Some(1), |l| l.parse().ok())?;
                // The last line is start + len − 1: `+1,9` ends at line 9, two digits only
                // from line 10.
                Some(start + len.saturating_sub(1))
            };
            Some(end(old)?.max(end(new)?))
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

    #[test]
    fn rows_carry_numbers_marks_and_colour_only_with_colour_on() {
        let unified = diff::unified("a.txt", "a\nb\n", "a\nc\n", false);
        let plain = Theme::from_no_color(Some("1"));
        assert_eq!(
            text(&rows(&unified, 40, plain)),
            ["@@ -1,2 +1,2 @@", "1 1 │ a", "2   │-b", "  2 │+c"]
        );
        assert!(
            rows(&unified, 40, plain)
                .iter()
                .flat_map(|l| &l.spans)
                .all(|s| s.style.fg.is_none())
        );
        let coloured = rows(&unified, 40, Theme::default());
        assert_eq!(coloured[2].spans[1].style, Theme::default().removed());
        assert_eq!(coloured[3].spans[1].style, Theme::default().added());
    }

    #[test]
    fn a_new_file_says_so_and_control_characters_show_escaped() {
        let unified = diff::unified("n.txt", "", "x\x1b[2K\ty\n", true);
        let shown = text(&rows(&unified, 40, Theme::default()));
        assert_eq!(shown[0], "new file");
        assert!(
            shown.iter().any(|l| l.contains("+x\\x1b[2K    y")),
            "{shown:?}"
        );
        assert!(!shown.iter().any(|l| l.contains('\x1b')));
    }

    #[test]
    fn the_gutter_is_as_wide_as_the_last_line_number() {
        let nine: String = (1..=9).map(|n| format!("{n}\n")).collect();
        let shown = text(&rows(
            &diff::unified("n", "", &nine, true),
            40,
            Theme::default(),
        ));
        assert_eq!(shown[2], "  1 │+1", "{shown:?}");
        let ten: String = (1..=10).map(|n| format!("{n}\n")).collect();
        let shown = text(&rows(
            &diff::unified("n", "", &ten, true),
            40,
            Theme::default(),
        ));
        assert_eq!(shown[2], "    1 │+1", "{shown:?}");
    }

    #[test]
    fn long_lines_wrap_with_the_mark_on_every_row() {
        let unified = diff::unified("a", "", &format!("{}\n", "z".repeat(30)), true);
        let shown = text(&rows(&unified, 20, Theme::default()));
        assert_eq!(shown.len(), 1 + 1 + 3, "{shown:?}");
        assert!(shown[3].starts_with("    ┆+z"), "{shown:?}");
    }
}
