//! Secrets never leave a tool (contract "The trust boundary"): the client secret, the access
//! tokens and the certificate key that `redact` remembers are replaced by `[redacted]` in
//! every result before it reaches the model, the session file or the screen. `round.rs`
//! passes every result through `output`; `run_command` here is the only way to run a command
//! (the model's and the user's `!CMD` alike), so its live output is masked as it streams.

use std::path::Path;

use super::{CommandRun, Origin, ToolOutput, command};
use crate::redact::{StreamMask, mask_remembered};

/// `output` with the remembered secrets masked in its text and its summary.
pub fn output(output: ToolOutput) -> ToolOutput {
    ToolOutput {
        content: mask_remembered(&output.content),
        summary: mask_remembered(&output.summary),
        ok: output.ok,
    }
}

/// Runs `run.command` in `root`; `on_output` receives the output as it arrives, masked, and
/// a secret the pipe cuts in two is masked as well (`StreamMask` holds a few bytes back).
pub async fn run_command(
    root: &Path,
    run: &CommandRun,
    origin: Origin<'_>,
    mut on_output: impl FnMut(String),
) -> ToolOutput {
    let mut mask = StreamMask::default();
    let result = command::run(root, run, origin, |text| {
        let shown = mask.push(&text);
        if !shown.is_empty() {
            on_output(shown);
        }
    })
    .await;
    let rest = mask.finish();
    if !rest.is_empty() {
        on_output(rest);
    }
    output(result)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// A command printing a remembered secret in two writes, a pause between them so the
    /// pipe delivers two pieces: the output shown live (the model's `run_command` and the
    /// user's `!CMD` both stream through here) and the result are masked.
    #[tokio::test]
    async fn a_secret_printed_in_two_pieces_is_masked_live_and_in_the_result() {
        crate::redact::remember("masked-live-secret$Zm9vYmFy+/=");
        let dir = tempfile::tempdir().unwrap();
        let run = CommandRun {
            command: "printf 'one masked-live-secret$Zm9v'; sleep 0.3; printf 'YmFy+/= two\\n'"
                .into(),
            timeout: Duration::from_secs(30),
        };
        let mut pieces = Vec::new();
        let result = run_command(dir.path(), &run, Origin::User, |text| pieces.push(text)).await;
        assert!(result.ok, "{}", result.summary);
        assert_eq!(pieces.concat(), "one [redacted] two\n", "{pieces:?}");
        assert!(
            pieces.iter().all(|p| !p.contains("masked-live")),
            "{pieces:?}"
        );
        assert!(
            result.content.contains("one [redacted] two"),
            "{}",
            result.content
        );
        assert!(!result.content.contains("Zm9vYmFy"), "{}", result.content);
    }
}
