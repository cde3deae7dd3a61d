//! Sizes for people: one formatter for tool results in `run` and the TUI and for attachment
//! chips, so the same file never reads as two different sizes.

/// 812 → `812 B`, 1229 → `1.2 KiB`, 3 MiB → `3.0 MiB`.
pub fn human_bytes(bytes: usize) -> String {
    const KIB: f64 = 1024.0;
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.1} KiB", b as f64 / KIB),
        b => format!("{:.1} MiB", b as f64 / (KIB * KIB)),
    }
}

#[cfg(test)]
mod tests {
    use super::human_bytes;

    #[test]
    fn sizes_pick_the_unit_that_reads_best() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1024), "1.0 KiB");
        assert_eq!(human_bytes(1229), "1.2 KiB");
        assert_eq!(human_bytes(2150), "2.1 KiB");
        assert_eq!(human_bytes(3 * 1024 * 1024), "3.0 MiB");
    }
}
