//! Fuzzy matching of typed text against paths, for `@` completion: the query's characters
//! must appear in order (case-insensitive); matches that run together, start a name or a
//! word, or fall in the file name score higher, and shorter paths win ties.

/// The score of `path` for `query`, or `None` when the characters do not all appear in order.
pub fn score(query: &str, path: &str) -> Option<i64> {
    let name_start = path.rfind('/').map_or(0, |at| at + 1);
    let mut score = 0i64;
    let mut previous: Option<usize> = None;
    let mut chars = path.char_indices().peekable();
    let mut before = '/';
    for wanted in query.chars().flat_map(char::to_lowercase) {
        let found = loop {
            let (at, c) = chars.next()?;
            let is_match = c.to_lowercase().eq(std::iter::once(wanted));
            let prior = before;
            before = c;
            if is_match {
                break (at, prior);
            }
        };
        let (at, prior) = found;
        score += 10;
        if previous.is_some_and(|p| path[p..at].chars().count() == 1) {
            score += 15;
        }
        if matches!(prior, '/' | '_' | '-' | '.' | ' ') {
            score += 10;
        }
        if at >= name_start {
            score += 5;
        }
        previous = Some(at);
    }
    Some(score * 1000 - path.len() as i64)
}

/// The best `limit` of `paths` for `query`, best first (ties in path order).
pub fn rank<'a>(
    query: &str,
    paths: impl IntoIterator<Item = &'a str>,
    limit: usize,
) -> Vec<String> {
    let mut scored: Vec<(i64, &str)> = paths
        .into_iter()
        .filter_map(|path| score(query, path).map(|s| (s, path)))
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored
        .into_iter()
        .take(limit)
        .map(|(_, path)| path.to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATHS: [&str; 6] = [
        "src/tui/update/attach.rs",
        "src/agent/attachment.rs",
        "src/tui/view/chat.rs",
        "README.md",
        "src/lib.rs",
        "tests/tui_pty.rs",
    ];

    #[test]
    fn letters_in_order_match_anywhere_and_names_rank_first() {
        assert_eq!(
            rank("attrs", PATHS, 10),
            ["src/tui/update/attach.rs", "src/agent/attachment.rs"]
        );
        assert_eq!(rank("readme", PATHS, 10), ["README.md"]);
        assert_eq!(rank("lib", PATHS, 1), ["src/lib.rs"]);
        assert!(rank("zzz", PATHS, 10).is_empty());
    }

    #[test]
    fn an_empty_query_lists_short_paths_first_and_the_limit_holds() {
        assert_eq!(rank("", PATHS, 2), ["README.md", "src/lib.rs"]);
    }

    #[test]
    fn a_run_of_letters_beats_scattered_ones() {
        let tight = score("chat", "src/tui/view/chat.rs").unwrap();
        let loose = score("chat", "src/cache/hat.rs").unwrap();
        assert!(tight > loose);
    }
}
