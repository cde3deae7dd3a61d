//! Plain aligned columns for list commands (no colour: output is often piped). Cells come
//! from the server (names, ids), so they are escaped for the terminal.

/// Renders rows under a header, each column as wide as its widest cell.
pub fn render(header: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| crate::terminal_text::escape_line(cell).into_owned())
                .collect()
        })
        .collect();
    let rows = rows.as_slice();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header: Vec<String> = header.iter().map(ToString::to_string).collect();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (index, (cell, width)) in row.iter().zip(&widths).enumerate() {
            if index > 0 {
                line.push_str("  ");
            }
            line.push_str(cell);
            line.extend(std::iter::repeat_n(' ', width - cell.chars().count()));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `128000` → `128k`, `1047576` → `1M`: context lengths as people say them.
pub fn short_count(n: u64) -> String {
    match n {
        n if n >= 1_000_000 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_on_the_widest_cell() {
        let text = render(
            &["NAME", "N"],
            &[
                vec!["gpt-4o".into(), "1".into()],
                vec!["o3".into(), "22".into()],
            ],
        );
        assert_eq!(text, "NAME    N\ngpt-4o  1\no3      22\n");
    }

    #[test]
    fn counts_shorten_like_people_say_them() {
        assert_eq!(short_count(128_000), "128k");
        assert_eq!(short_count(1_047_576), "1M");
        assert_eq!(short_count(8191), "8k");
        assert_eq!(short_count(512), "512");
    }
}
