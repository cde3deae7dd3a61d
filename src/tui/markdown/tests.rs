//! Markdown rendering, wrapping, code boxes and the streaming boundary.

use ratatui::style::Color;

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
