//! Raw mode, alternate screen, bracketed paste and (with `[ui] mouse = true`) mouse capture:
//! entered by a guard that
//! restores the terminal on drop, and by a panic hook installed *before* raw mode so a panic
//! message prints on a sane screen. Stderr goes to a log file meanwhile (`stderr_guard`).
//! The kitty keyboard protocol is asked for (terminals without it ignore the request), so
//! Shift-Enter arrives as Shift-Enter (a new line) instead of a plain Enter (send).

use std::io::{Stdout, Write, stdout};
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    KeyboardEnhancementFlags, PopKeyboardEnhancementFlags, PushKeyboardEnhancementFlags,
};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Tui = Terminal<CrosstermBackend<Stdout>>;

/// The kitty keyboard flags were pushed: `restore` pops them (once), and only then.
static KEYBOARD_PUSHED: AtomicBool = AtomicBool::new(false);

/// The mouse was captured: `restore` releases it (once), and only then.
static MOUSE_CAPTURED: AtomicBool = AtomicBool::new(false);

pub struct TerminalGuard {
    pub terminal: Tui,
}

impl TerminalGuard {
    /// `mouse`: capture the mouse for the wheel. Off by default, since a captured mouse takes
    /// the terminal's own text selection away.
    pub fn enter(mouse: bool) -> anyhow::Result<TerminalGuard> {
        install_panic_hook();
        if let Err(err) = take_over(mouse) {
            restore();
            return Err(err.into());
        }
        let terminal = match Terminal::new(CrosstermBackend::new(stdout())) {
            Ok(terminal) => terminal,
            Err(err) => {
                restore();
                return Err(err.into());
            }
        };
        Ok(TerminalGuard { terminal })
    }

    /// Hands the terminal to another program (Ctrl-G's editor): as it was before `enter`.
    pub fn suspend(&mut self) {
        restore();
    }

    /// Takes the terminal back after `suspend`; the next frame redraws every cell.
    pub fn resume(&mut self, mouse: bool) -> anyhow::Result<()> {
        if let Err(err) = take_over(mouse) {
            restore();
            return Err(err.into());
        }
        self.terminal.clear()?;
        Ok(())
    }
}

/// Raw mode, stderr to a file, the alternate screen, bracketed paste, a hidden cursor, the
/// mouse if asked, and the kitty keyboard flags.
fn take_over(mouse: bool) -> std::io::Result<()> {
    enable_raw_mode()?;
    if let Some(path) = super::stderr_guard::redirect(crate::logging::state_dir().as_deref()) {
        tracing::info!(path = %path.display(), "stderr goes to a file while the TUI runs");
    }
    let mut out = stdout();
    execute!(
        out,
        EnterAlternateScreen,
        EnableBracketedPaste,
        cursor::Hide
    )?;
    if mouse {
        execute!(out, EnableMouseCapture)?;
        MOUSE_CAPTURED.store(true, Ordering::SeqCst);
    }
    // Asked for without querying first: `supports_keyboard_enhancement` blocks until the
    // terminal answers, up to 2 s where it never does, and the first frame waits for it.
    // Terminals without the protocol ignore the request (as Codex relies on too) and keep
    // the legacy keys, where Alt-Enter, Ctrl-J and `\`+Enter still make new lines.
    if execute!(
        out,
        PushKeyboardEnhancementFlags(KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES)
    )
    .is_ok()
    {
        KEYBOARD_PUSHED.store(true, Ordering::SeqCst);
    }
    Ok(())
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Undoes everything `enter` did; safe to call twice.
pub fn restore() {
    super::stderr_guard::restore();
    let mut out = stdout();
    if KEYBOARD_PUSHED.swap(false, Ordering::SeqCst) {
        let _ = execute!(out, PopKeyboardEnhancementFlags);
    }
    if MOUSE_CAPTURED.swap(false, Ordering::SeqCst) {
        let _ = execute!(out, DisableMouseCapture);
    }
    let _ = execute!(
        out,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = disable_raw_mode();
    let _ = out.flush();
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}
