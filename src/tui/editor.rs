//! Ctrl-G: the draft in the user's editor. The draft goes to a file (0600, in a temp dir of
//! its own, removed after); `$VISUAL`, else `$EDITOR`, else `vi` runs on it, split as a
//! shell splits words (`code --wait`, `emacs -nw`); what it saved is the draft again. The
//! event loop hands the terminal over while it runs (`run_in_terminal` in `tui::mod`).

use std::io::Write;
use std::process::Command;

/// The editor's command line from `$VISUAL` / `$EDITOR` (the first one set and not blank).
pub fn command(visual: Option<&str>, editor: Option<&str>) -> Result<Vec<String>, String> {
    let chosen = [visual, editor]
        .into_iter()
        .flatten()
        .find(|value| !value.trim().is_empty())
        .unwrap_or("vi");
    match shell_words::split(chosen) {
        Ok(words) if !words.is_empty() => Ok(words),
        Ok(_) | Err(_) => Err(format!(
            "the editor command {chosen:?} cannot be split into words (an unclosed quote?): set \
             $VISUAL or $EDITOR to a command; the draft is unchanged"
        )),
    }
}

/// Writes `draft` to a private temp file, runs `argv` with the file's path appended and
/// returns what it saved, one trailing line break trimmed; `Err` is the line to show.
pub fn edit(draft: &str, argv: &[String]) -> Result<String, String> {
    let Some((program, args)) = argv.split_first() else {
        return Err("no editor command: the draft is unchanged".into());
    };
    let dir = tempfile::Builder::new()
        .prefix("sapcode-draft-")
        .tempdir()
        .map_err(|err| format!("cannot make a temp dir for the editor: {err}"))?;
    let path = dir.path().join("message.md");
    write_private(&path, draft).map_err(|err| format!("cannot write the draft file: {err}"))?;
    let status = Command::new(program).args(args).arg(&path).status();
    let text = match status {
        Err(err) => {
            return Err(format!(
                "cannot run the editor {program:?} ({err}): set $VISUAL or $EDITOR; the draft \
                 is unchanged"
            ));
        }
        Ok(status) if !status.success() => {
            let code = status
                .code()
                .map_or_else(|| "a signal".to_owned(), |code| format!("status {code}"));
            return Err(format!(
                "the editor {program:?} exited with {code}: the draft is unchanged"
            ));
        }
        Ok(_) => std::fs::read_to_string(&path)
            .map_err(|err| format!("cannot read the edited draft: {err}"))?,
    };
    drop(dir);
    let text = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(&text);
    Ok(text.to_owned())
}

fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visual_comes_first_then_editor_then_vi_split_as_a_shell_would() {
        assert_eq!(
            command(Some("code --wait"), Some("nano")).unwrap(),
            ["code", "--wait"]
        );
        assert_eq!(
            command(Some("  "), Some("emacs -nw")).unwrap(),
            ["emacs", "-nw"]
        );
        assert_eq!(
            command(None, Some("'/opt/my editor/ed' -x")).unwrap(),
            ["/opt/my editor/ed", "-x"]
        );
        assert_eq!(command(None, None).unwrap(), ["vi"]);
        assert!(command(Some("vim 'unclosed"), None).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn the_editor_gets_a_private_file_and_its_saved_text_comes_back() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("ed.sh");
        let seen = dir.path().join("seen");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nstat -c %a \"$1\" > {seen}\ncat \"$1\" >> {seen}\nprintf 'rewritten\\n' > \"$1\"\n",
                seen = seen.display()
            ),
        )
        .unwrap();
        let argv = vec!["sh".to_owned(), script.display().to_string()];
        assert_eq!(edit("the draft", &argv).unwrap(), "rewritten");
        assert_eq!(std::fs::read_to_string(&seen).unwrap(), "600\nthe draft");
    }

    #[test]
    fn a_failing_or_missing_editor_leaves_the_draft_and_says_why() {
        let failed = edit("x", &["false".to_owned()]).unwrap_err();
        assert!(failed.contains("exited with status 1"), "{failed}");
        let missing = edit("x", &["/nonexistent/editor".to_owned()]).unwrap_err();
        assert!(missing.contains("cannot run the editor"), "{missing}");
    }
}
