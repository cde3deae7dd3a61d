//! The line diff of proposed edits: unified hunks with three lines of context. The alignment
//! itself is `similar`'s (Myers); this module cuts it into hunks and renders them.

use similar::DiffOp;

/// Lines of unchanged text around each change.
pub const CONTEXT: usize = 3;

/// What a diff line does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Context,
    Removed,
    Added,
}

impl LineKind {
    /// The unified-diff mark: ` `, `-` or `+`.
    pub fn mark(self) -> char {
        match self {
            LineKind::Context => ' ',
            LineKind::Removed => '-',
            LineKind::Added => '+',
        }
    }
}

/// One line of a hunk, without its line ending.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DiffLine {
    pub kind: LineKind,
    pub text: String,
    /// The file ends on this line without a newline.
    pub missing_newline: bool,
}

/// One `@@ -a,b +c,d @@` block.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Hunk {
    pub old_start: usize,
    pub old_len: usize,
    pub new_start: usize,
    pub new_len: usize,
    pub lines: Vec<DiffLine>,
}

impl Hunk {
    /// `@@ -1,4 +1,5 @@`
    pub fn header(&self) -> String {
        format!(
            "@@ -{} +{} @@",
            range(self.old_start, self.old_len),
            range(self.new_start, self.new_len)
        )
    }
}

/// Git's convention: an empty range names the line before it.
fn range(start: usize, len: usize) -> String {
    match len {
        0 => format!("{},0", start.saturating_sub(1)),
        1 => format!("{start}"),
        n => format!("{start},{n}"),
    }
}

/// The hunks turning `old` into `new` (none when they are equal).
pub fn hunks(old: &str, new: &str) -> Vec<Hunk> {
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    let ops = align(&old_lines, &new_lines);
    group(&ops, &old_lines, &new_lines)
}

/// Lines added and removed, for `(+3 −1)`.
pub fn counts(hunks: &[Hunk]) -> (usize, usize) {
    let mut added = 0;
    let mut removed = 0;
    for line in hunks.iter().flat_map(|h| &h.lines) {
        match line.kind {
            LineKind::Added => added += 1,
            LineKind::Removed => removed += 1,
            LineKind::Context => {}
        }
    }
    (added, removed)
}

/// `--- a/path`, `+++ b/path`, then each hunk; a created file diffs against `/dev/null`.
pub fn unified(path: &str, old: &str, new: &str, is_new_file: bool) -> String {
    render_unified(path, &hunks(old, new), is_new_file)
}

/// `unified` for hunks already computed.
pub fn render_unified(path: &str, hunks: &[Hunk], is_new_file: bool) -> String {
    let mut out = String::new();
    if is_new_file {
        out.push_str("--- /dev/null\n");
    } else {
        out.push_str(&format!("--- a/{path}\n"));
    }
    out.push_str(&format!("+++ b/{path}\n"));
    for hunk in hunks {
        out.push_str(&hunk.header());
        out.push('\n');
        for line in &hunk.lines {
            out.push(line.kind.mark());
            out.push_str(&line.text);
            out.push('\n');
            if line.missing_newline {
                out.push_str("\\ No newline at end of file\n");
            }
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// Same line: indices in old and new.
    Keep(usize, usize),
    Remove(usize),
    Add(usize),
}

/// Myers' alignment from `similar`: linear in size for the usual small edit of a large file,
/// so no input is too large to show as the lines that really changed.
fn align(old: &[&str], new: &[&str]) -> Vec<Op> {
    let mut ops = Vec::with_capacity(old.len().max(new.len()));
    for op in similar::capture_diff_slices(similar::Algorithm::Myers, old, new) {
        match op {
            DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => ops.extend((0..len).map(|i| Op::Keep(old_index + i, new_index + i))),
            DiffOp::Delete {
                old_index, old_len, ..
            } => ops.extend((old_index..old_index + old_len).map(Op::Remove)),
            DiffOp::Insert {
                new_index, new_len, ..
            } => ops.extend((new_index..new_index + new_len).map(Op::Add)),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                ops.extend((old_index..old_index + old_len).map(Op::Remove));
                ops.extend((new_index..new_index + new_len).map(Op::Add));
            }
        }
    }
    ops
}

fn diff_line(kind: LineKind, raw: &str) -> DiffLine {
    DiffLine {
        kind,
        // A `\r` stays: the unified diff must apply to a CRLF file as it is.
        text: raw.strip_suffix('\n').unwrap_or(raw).to_owned(),
        missing_newline: !raw.ends_with('\n'),
    }
}

/// Cuts the alignment into hunks: each change with up to `CONTEXT` kept lines either side;
/// changes closer than twice that share a hunk.
fn group(ops: &[Op], old: &[&str], new: &[&str]) -> Vec<Hunk> {
    let changed: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, op)| !matches!(op, Op::Keep(..)))
        .map(|(index, _)| index)
        .collect();
    let mut hunks = Vec::new();
    let mut k = 0;
    while k < changed.len() {
        let first = changed[k];
        let mut last = first;
        while k + 1 < changed.len() && changed[k + 1] - last <= 2 * CONTEXT + 1 {
            k += 1;
            last = changed[k];
        }
        k += 1;
        let start = first.saturating_sub(CONTEXT);
        let end = (last + CONTEXT + 1).min(ops.len());
        // Line numbers (1-based) of the first old and new line at or after `start`.
        let (mut old_next, mut new_next) = (1, 1);
        for op in &ops[..start] {
            match op {
                Op::Keep(..) => {
                    old_next += 1;
                    new_next += 1;
                }
                Op::Remove(_) => old_next += 1,
                Op::Add(_) => new_next += 1,
            }
        }
        let mut hunk = Hunk {
            old_start: old_next,
            old_len: 0,
            new_start: new_next,
            new_len: 0,
            lines: Vec::new(),
        };
        for op in &ops[start..end] {
            let line = match *op {
                Op::Keep(a, _) => {
                    hunk.old_len += 1;
                    hunk.new_len += 1;
                    diff_line(LineKind::Context, old[a])
                }
                Op::Remove(a) => {
                    hunk.old_len += 1;
                    diff_line(LineKind::Removed, old[a])
                }
                Op::Add(b) => {
                    hunk.new_len += 1;
                    diff_line(LineKind::Added, new[b])
                }
            };
            hunk.lines.push(line);
        }
        hunks.push(hunk);
    }
    hunks
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn numbered(range: std::ops::RangeInclusive<u32>) -> String {
        range.map(|n| format!("line {n}\n")).collect()
    }

    #[test]
    fn identical_files_have_no_hunks() {
        assert!(hunks("a\nb\n", "a\nb\n").is_empty());
        assert_eq!(unified("x", "a\n", "a\n", false), "--- a/x\n+++ b/x\n");
    }

    #[test]
    fn a_change_keeps_three_lines_of_context() {
        let old = numbered(1..=10);
        let new = old.replace("line 5\n", "line five\n");
        assert_eq!(
            unified("f.txt", &old, &new, false),
            "--- a/f.txt\n+++ b/f.txt\n@@ -2,7 +2,7 @@\n line 2\n line 3\n line 4\n-line 5\n+line five\n line 6\n line 7\n line 8\n"
        );
    }

    #[test]
    fn inserts_and_deletes() {
        let old = numbered(1..=3);
        let inserted = "line 1\nline 2\nnew\nline 3\n";
        assert_eq!(
            unified("f", &old, inserted, false),
            "--- a/f\n+++ b/f\n@@ -1,3 +1,4 @@\n line 1\n line 2\n+new\n line 3\n"
        );
        assert_eq!(
            unified("f", &old, "line 1\nline 3\n", false),
            "--- a/f\n+++ b/f\n@@ -1,3 +1,2 @@\n line 1\n-line 2\n line 3\n"
        );
        assert_eq!(
            unified("f", "", "a\nb\n", true),
            "--- /dev/null\n+++ b/f\n@@ -0,0 +1,2 @@\n+a\n+b\n"
        );
    }

    #[test]
    fn far_apart_changes_are_separate_hunks() {
        let old = numbered(1..=20);
        let new = old
            .replace("line 2\n", "two\n")
            .replace("line 18\n", "eighteen\n");
        let hunks = hunks(&old, &new);
        assert_eq!(hunks.len(), 2);
        assert_eq!(hunks[0].header(), "@@ -1,5 +1,5 @@");
        assert_eq!(hunks[1].header(), "@@ -15,6 +15,6 @@");
        assert_eq!(counts(&hunks), (2, 2));
        // Changes 7 lines apart share context and so one hunk.
        let near = old
            .replace("line 2\n", "two\n")
            .replace("line 9\n", "nine\n");
        assert_eq!(super::hunks(&old, &near).len(), 1);
    }

    #[test]
    fn a_missing_final_newline_is_marked() {
        assert_eq!(
            unified("f", "a\nb", "a\nc", false),
            "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"
        );
        // Adding only the newline is a change of the last line.
        let hunks = hunks("a\nb", "a\nb\n");
        assert_eq!(counts(&hunks), (1, 1));
        assert!(hunks[0].lines[1].missing_newline && !hunks[0].lines[2].missing_newline);
    }

    #[test]
    fn crlf_line_endings_survive_in_the_diff() {
        assert_eq!(
            unified("f", "a\r\nb\r\n", "a\r\nc\r\n", false),
            "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\r\n-b\r\n+c\r\n"
        );
    }

    #[test]
    fn interleaved_changes_align_on_common_lines() {
        let hunks = hunks("a\nb\nc\nd\n", "a\nx\nc\ny\nd\n");
        let marks: String = hunks[0]
            .lines
            .iter()
            .map(|l| format!("{}{}", l.kind.mark(), l.text))
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(marks, " a -b +x  c +y  d");
    }

    #[test]
    fn two_small_edits_far_apart_in_a_large_file_stay_two_small_hunks() {
        // The middle between the edits (4,800 lines) is far beyond the old 4M-cell LCS table,
        // which showed it all as removed and added again.
        let old = numbered(1..=5000);
        let new = old
            .replace(
                "line 100
",
                "line one hundred
",
            )
            .replace(
                "line 4900
",
                "line 4,900
",
            );
        let hunks = hunks(&old, &new);
        assert_eq!(hunks.len(), 2);
        assert_eq!(hunks[0].header(), "@@ -97,7 +97,7 @@");
        assert_eq!(hunks[1].header(), "@@ -4897,7 +4897,7 @@");
        assert_eq!(counts(&hunks), (2, 2));
    }
}
