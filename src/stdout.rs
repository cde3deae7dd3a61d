//! A command's results on stdout, and what happens when the reader goes away: `sapcode
//! completions bash | head -1` or `sapcode run … | head -1` close the pipe early, and the
//! command then ends quietly with exit code 0, as `cat` piped to `head` seems to. Printing
//! goes through `print` (never `println!`, which panics on a closed stdout); `main` asks
//! `is_closed` before printing an error line.

use std::io::Write;

/// Writes `text` to stdout and flushes it.
pub fn print(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// `text` and a newline.
pub fn print_line(text: &str) -> std::io::Result<()> {
    print(&format!("{text}\n"))
}

/// Whether the error is a write to a stdout that was closed (EPIPE). Only writes to our own
/// stdout reach `main` as an `io::Error`: network and child-process failures arrive wrapped
/// in the client's and the tools' own errors.
pub fn is_closed(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_broken_pipe_counts_as_closed() {
        let closed = anyhow::Error::from(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
            .context("printing the answer");
        assert!(is_closed(&closed));
        let other = anyhow::Error::from(std::io::Error::from(std::io::ErrorKind::NotFound));
        assert!(!is_closed(&other));
        assert!(!is_closed(&anyhow::anyhow!("broken pipe")));
    }
}
