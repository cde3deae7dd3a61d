//! Paste chips: a long paste sits in the draft as one character (a marker from Unicode's
//! supplementary private use plane, which real text does not use) drawn as
//! `[pasted 40,000 lines · 2.0 MB]`. The text itself is kept here, out of the text input,
//! so editing and drawing the draft never walk megabytes; sending puts it back.

use std::collections::BTreeMap;

/// A paste with more lines than this becomes a chip.
pub const CHIP_LINES: usize = 20;
/// A paste larger than this (bytes) becomes a chip.
pub const CHIP_BYTES: usize = 2 * 1024;
/// The largest paste taken (bytes): beyond it the paste is refused, so one paste cannot make
/// the app hold (and send) an unbounded amount.
pub const MAX_PASTE_BYTES: usize = 16_000_000;
/// The longest text that goes into the text input as text (a chip expanded, the editor's
/// result): every edit of the input walks its whole text, so longer stays a chip.
pub const MAX_INLINE_BYTES: usize = 100_000;
/// Chips kept for ↑ recall of earlier inputs, in bytes: past it the oldest inputs recall
/// their chip's label as plain text.
pub const HISTORY_BYTES: usize = 32_000_000;

const FIRST_MARKER: u32 = 0x10_0000;
const LAST_MARKER: u32 = 0x10_FFFD;

/// Whether `c` is a chip's marker (whether or not a chip holds it now).
pub fn is_marker(c: char) -> bool {
    (FIRST_MARKER..=LAST_MARKER).contains(&u32::from(c))
}

/// What a paste becomes in the draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pasted {
    /// Short: the text goes in as typed.
    Text(String),
    /// Long: this one character stands for it.
    Chip(char),
    /// Too large (or too many chips): nothing goes in; the line says why.
    Refused(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Chip {
    text: String,
    lines: usize,
}

/// The texts of the chips in the draft, the queue and the input history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pastes {
    chips: BTreeMap<char, Chip>,
    next: u32,
}

impl Pastes {
    /// Takes a paste: line breaks become LF, markers in it are dropped (they would pose as
    /// chips), and a long one is kept here behind a marker.
    pub fn take(&mut self, text: &str) -> Pasted {
        if text.len() > MAX_PASTE_BYTES {
            return Pasted::Refused(format!(
                "paste refused: {} is more than the {} a paste may be",
                decimal_bytes(text.len()),
                decimal_bytes(MAX_PASTE_BYTES)
            ));
        }
        let text = normalised(text);
        let lines = line_count(&text);
        if lines <= CHIP_LINES && text.len() <= CHIP_BYTES {
            return Pasted::Text(text);
        }
        let Some(marker) = self.free_marker() else {
            return Pasted::Refused("paste refused: too many pastes in this run".into());
        };
        self.chips.insert(marker, Chip { text, lines });
        Pasted::Chip(marker)
    }

    fn free_marker(&mut self) -> Option<char> {
        let span = LAST_MARKER - FIRST_MARKER + 1;
        for _ in 0..span {
            let candidate = char::from_u32(FIRST_MARKER + self.next % span)?;
            self.next = (self.next + 1) % span;
            if !self.chips.contains_key(&candidate) {
                return Some(candidate);
            }
        }
        None
    }

    /// Keeps `text` (line breaks already LF) as a chip whatever its size, for text too long
    /// to edit inline; `None` when no marker is free.
    pub fn chip(&mut self, text: String) -> Option<char> {
        let marker = self.free_marker()?;
        let lines = line_count(&text);
        self.chips.insert(marker, Chip { text, lines });
        Some(marker)
    }

    /// Adds `more` (line breaks already LF) to the chip behind `marker`, within the limit;
    /// `Err` is the line refusing it.
    pub fn append(&mut self, marker: char, more: &str) -> Result<(), String> {
        let Some(chip) = self.chips.get_mut(&marker) else {
            return Err("that paste is no longer kept".into());
        };
        let total = chip.text.len() + more.len();
        if total > MAX_PASTE_BYTES {
            return Err(format!(
                "paste cut: {} is more than the {} a paste may be",
                decimal_bytes(total),
                decimal_bytes(MAX_PASTE_BYTES)
            ));
        }
        chip.text.push_str(more);
        chip.lines = line_count(&chip.text);
        Ok(())
    }

    /// `[pasted 40,000 lines · 2.0 MB]` for a chip held here.
    pub fn label(&self, marker: char) -> Option<String> {
        self.chips
            .get(&marker)
            .map(|chip| label(chip.lines, chip.text.len()))
    }

    /// The pasted text behind `marker`.
    pub fn text(&self, marker: char) -> Option<&str> {
        self.chips.get(&marker).map(|chip| chip.text.as_str())
    }

    pub fn has_chips(text: &str) -> bool {
        text.chars().any(is_marker)
    }

    /// `text` with every chip replaced by its pasted text: what the model gets.
    pub fn expand(&self, text: &str) -> String {
        self.replace(text, |chip| chip.text.clone())
    }

    /// `text` with every chip replaced by its label: what the transcript and the saved
    /// input history show.
    pub fn labelled(&self, text: &str) -> String {
        self.replace(text, |chip| label(chip.lines, chip.text.len()))
    }

    /// Size in bytes of `text` with its chips expanded, without expanding it.
    pub fn expanded_len(&self, text: &str) -> usize {
        text.chars()
            .map(|c| match self.chips.get(&c) {
                Some(chip) => chip.text.len(),
                None if is_marker(c) => 0,
                None => c.len_utf8(),
            })
            .sum()
    }

    fn replace(&self, text: &str, with: impl Fn(&Chip) -> String) -> String {
        if !Pastes::has_chips(text) {
            return text.to_owned();
        }
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            match self.chips.get(&c) {
                Some(chip) => out.push_str(&with(chip)),
                // A marker whose chip is gone (dropped from history): nothing to send.
                None if is_marker(c) => {}
                None => out.push(c),
            }
        }
        out
    }

    /// Keeps only the chips `live` texts (draft, queue) and `history` use; when the
    /// history's chips pass [`HISTORY_BYTES`], its oldest entries get labels instead.
    pub fn retain_used(&mut self, live: &[&str], history: &mut [String]) {
        let mut used: BTreeMap<char, ()> = BTreeMap::new();
        for c in live.iter().flat_map(|text| text.chars()) {
            if is_marker(c) {
                used.insert(c, ());
            }
        }
        let mut budget = HISTORY_BYTES;
        for entry in history.iter_mut().rev() {
            if !Pastes::has_chips(entry) {
                continue;
            }
            let size: usize = entry
                .chars()
                .filter(|c| !used.contains_key(c))
                .filter_map(|c| self.chips.get(&c))
                .map(|chip| chip.text.len())
                .sum();
            if size <= budget {
                budget -= size;
                for c in entry.chars().filter(|c| is_marker(*c)) {
                    used.insert(c, ());
                }
            } else {
                *entry = self.labelled(entry);
            }
        }
        self.chips.retain(|marker, _| used.contains_key(marker));
    }

    /// Bytes held for chips.
    pub fn held_bytes(&self) -> usize {
        self.chips.values().map(|chip| chip.text.len()).sum()
    }
}

/// Line breaks as LF, and no markers (they would pose as chips).
pub fn normalised(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|c| !is_marker(*c))
        .collect()
}

/// Lines as a person counts them: a final line break ends the last line, it adds none.
fn line_count(text: &str) -> usize {
    text.lines().count().max(1)
}

/// `[pasted 40,000 lines · 2.0 MB]`.
pub fn label(lines: usize, bytes: usize) -> String {
    let noun = if lines == 1 { "line" } else { "lines" };
    format!(
        "[pasted {} {noun} · {}]",
        thousands(lines),
        decimal_bytes(bytes)
    )
}

/// 40000 → `40,000`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Decimal units, as the chip's design reads (`2.0 MB`): 812 → `812 B`, 2_050 → `2.0 kB`.
pub fn decimal_bytes(bytes: usize) -> String {
    match bytes {
        b if b < 1_000 => format!("{b} B"),
        b if b < 999_950 => format!("{:.1} kB", b as f64 / 1e3),
        b => format!("{:.1} MB", b as f64 / 1e6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(n: usize, width: usize) -> String {
        (0..n).map(|i| format!("{i:0width$}\n")).collect()
    }

    #[test]
    fn a_chip_label_has_thousands_separators_and_decimal_units() {
        assert_eq!(label(40_000, 2_000_000), "[pasted 40,000 lines · 2.0 MB]");
        assert_eq!(label(1, 2_050), "[pasted 1 line · 2.0 kB]");
        assert_eq!(label(21, 300), "[pasted 21 lines · 300 B]");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
        assert_eq!(decimal_bytes(999_999), "1.0 MB");
    }

    #[test]
    fn short_pastes_are_text_and_long_ones_chips() {
        let mut pastes = Pastes::default();
        let twenty = lines(20, 3);
        assert_eq!(pastes.take(&twenty), Pasted::Text(twenty.clone()));
        assert_eq!(pastes.take("a\r\nb\rc"), Pasted::Text("a\nb\nc".into()));
        let Pasted::Chip(by_lines) = pastes.take(&lines(21, 3)) else {
            panic!("21 lines make a chip")
        };
        assert_eq!(pastes.label(by_lines).unwrap(), "[pasted 21 lines · 84 B]");
        let Pasted::Chip(by_size) = pastes.take(&"x".repeat(CHIP_BYTES + 1)) else {
            panic!("more than 2 KiB makes a chip")
        };
        assert_ne!(by_lines, by_size);
        assert!(is_marker(by_lines) && is_marker(by_size));
    }

    #[test]
    fn expanding_gives_the_pasted_text_and_labelling_the_chip() {
        let mut pastes = Pastes::default();
        let big = lines(40_000, 9);
        let Pasted::Chip(chip) = pastes.take(&big) else {
            panic!("a chip")
        };
        let draft = format!("look: {chip} why?");
        assert_eq!(pastes.expand(&draft), format!("look: {big} why?"));
        assert_eq!(pastes.expanded_len(&draft), big.len() + 11);
        assert_eq!(
            pastes.labelled(&draft),
            "look: [pasted 40,000 lines · 400.0 kB] why?"
        );
    }

    #[test]
    fn a_paste_over_the_limit_is_refused_saying_its_size() {
        let mut pastes = Pastes::default();
        let Pasted::Refused(why) = pastes.take(&"y".repeat(MAX_PASTE_BYTES + 1)) else {
            panic!("refused")
        };
        assert_eq!(
            why,
            "paste refused: 16.0 MB is more than the 16.0 MB a paste may be"
        );
        assert_eq!(pastes.held_bytes(), 0);
    }

    #[test]
    fn markers_in_pasted_text_cannot_pose_as_chips() {
        let mut pastes = Pastes::default();
        let fake = char::from_u32(FIRST_MARKER).unwrap();
        assert_eq!(pastes.take(&format!("a{fake}b")), Pasted::Text("ab".into()));
    }

    #[test]
    fn unused_chips_are_dropped_and_history_keeps_chips_within_its_budget() {
        let mut pastes = Pastes::default();
        let mut chip = |fill: &str, bytes: usize| match pastes.take(&fill.repeat(bytes)) {
            Pasted::Chip(marker) => marker,
            other => panic!("not a chip: {other:?}"),
        };
        // Two of the largest pastes fill the history's budget; with the newest input's
        // chip on top, the oldest no longer fits.
        let old = chip("o", MAX_PASTE_BYTES);
        let older = chip("p", MAX_PASTE_BYTES);
        let new = chip("n", CHIP_BYTES + 1);
        let gone = chip("g", CHIP_BYTES + 1);
        let draft = chip("d", CHIP_BYTES + 1);
        assert_eq!(2 * MAX_PASTE_BYTES, HISTORY_BYTES);
        let mut history = vec![
            format!("old {old}"),
            format!("older {older}"),
            format!("new {new}"),
        ];
        pastes.retain_used(&[&format!("draft {draft}")], &mut history);
        assert!(pastes.text(draft).is_some(), "the draft's chip stays");
        assert!(
            pastes.text(new).is_some(),
            "the newest input keeps its chip"
        );
        assert!(pastes.text(older).is_some(), "within the budget");
        assert!(pastes.text(gone).is_none(), "a deleted chip goes");
        assert!(
            pastes.text(old).is_none(),
            "past the budget the oldest goes"
        );
        assert_eq!(history[0], "old [pasted 1 line · 16.0 MB]");
        assert_eq!(pastes.held_bytes(), MAX_PASTE_BYTES + 2 * (CHIP_BYTES + 1));
    }
}
