//! The default key table: one binding per line. The footer shows a binding's label and
//! description in its scope when it is marked `Footer`; help lists every binding with a
//! description. `Keymap` (in `mod.rs`) applies the config's overrides to this table.

use crossterm::event::{KeyCode, KeyModifiers};

use super::{Action, Scope};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

const fn plain(code: KeyCode) -> Key {
    Key {
        code,
        modifiers: KeyModifiers::NONE,
    }
}

const fn ch(c: char) -> Key {
    plain(KeyCode::Char(c))
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        modifiers: KeyModifiers::CONTROL,
    }
}

const fn shift(code: KeyCode) -> Key {
    Key {
        code,
        modifiers: KeyModifiers::SHIFT,
    }
}

const fn alt(code: KeyCode) -> Key {
    Key {
        code,
        modifiers: KeyModifiers::ALT,
    }
}

/// Where a binding is hinted: in its scope's footer and in help, or in help only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    Footer,
    Help,
}

/// A default binding as written in [`BINDINGS`].
pub struct DefaultBinding {
    pub action: Action,
    pub scope: Scope,
    pub keys: &'static [Key],
    /// How the footer and help name the keys.
    pub label: &'static str,
    pub help: &'static str,
    /// Shown in the footer of this scope (help lists every binding).
    pub in_footer: bool,
}

const fn row(
    action: Action,
    scope: Scope,
    keys: &'static [Key],
    label: &'static str,
    shown: Shown,
    help: &'static str,
) -> DefaultBinding {
    DefaultBinding {
        action,
        scope,
        keys,
        label,
        help,
        in_footer: matches!(shown, Shown::Footer),
    }
}

use Action as A;
use KeyCode as K;
use Scope as S;
use Shown::{Footer, Help};

/// An empty description keeps a binding out of help: its keys are named with the row above
/// (`↑↓`, `PgUp/PgDn`). A scope's own rows come before the shared ones in its footer.
#[rustfmt::skip]
pub const BINDINGS: &[DefaultBinding] = &[
    //  action               scope        keys                         label          shown   description
    row(A::NextPane,         S::Global,   &[plain(K::Tab)],            "Tab",         Footer, "next pane"),
    row(A::PrevPane,         S::Global,   &[plain(K::BackTab)],        "S-Tab",       Help,   "previous pane"),
    row(A::Quit,             S::Global,   &[ctrl('c')],                "C-c",         Help,   "stop the answer / clear the input / twice: quit"),
    row(A::Exit,             S::Global,   &[ctrl('d')],                "C-d",         Help,   "quit (on an empty input)"),
    row(A::Help,             S::Global,   &[plain(K::F(1))],           "F1",          Help,   "show every key"),
    row(A::FocusDeployments, S::Global,   &[alt(K::Char('d'))],        "A-d",         Help,   "deployment picker"),
    row(A::Up,               S::Lists,    &[plain(K::Up)],             "↑↓",          Footer, "move"),
    row(A::Down,             S::Lists,    &[plain(K::Down)],           "",            Help,   ""),
    row(A::Top,              S::Lists,    &[plain(K::Home)],           "Home",        Help,   "first row"),
    row(A::Bottom,           S::Lists,    &[plain(K::End)],            "End",         Help,   "last row"),
    row(A::Pick,             S::Lists,    &[plain(K::Enter)],          "Enter",       Footer, "pick"),
    row(A::FocusChat,        S::Lists,    &[plain(K::Esc)],            "Esc",         Footer, "chat"),
    row(A::Refresh,          S::Lists,    &[plain(K::F(5))],           "F5",          Footer, "refresh (bypasses caches)"),
    row(A::FocusModels,      S::Lists,    &[ctrl('o')],                "C-o",         Help,   "model picker"),
    row(A::OpenSettings,     S::Lists,    &[ctrl('s')],                "C-s",         Help,   "settings"),
    row(A::ToggleCode,       S::Lists,    &[ctrl('f')],                "C-f",         Footer, "code view / pickers"),
    row(A::Filter,           S::Models,   &[],                         "a-z",         Footer, "filter (just type)"),
    row(A::ToggleAll,        S::Models,   &[alt(K::Char('a'))],        "A-a",         Footer, "all models / filtered"),
    row(A::PageUp,           S::Code,     &[plain(K::PageUp)],         "PgUp/PgDn",   Footer, "scroll"),
    row(A::PageDown,         S::Code,     &[plain(K::PageDown)],       "",            Help,   ""),
    row(A::PrevItem,         S::Code,     &[plain(K::Left)],           "←→",          Footer, "previous / next file or block"),
    row(A::NextItem,         S::Code,     &[plain(K::Right)],          "",            Help,   ""),
    row(A::CopyShown,        S::Code,     &[ctrl('y')],                "C-y",         Footer, "copy what is shown (OSC 52)"),
    row(A::Send,             S::Chat,     &[plain(K::Enter)],          "Enter",       Footer, "send"),
    row(A::Stop,             S::Chat,     &[plain(K::Esc)],            "Esc",         Footer, "stop the answer"),
    row(A::Newline,          S::Chat,     &[shift(K::Enter), alt(K::Enter), ctrl('j')], "A-Enter/C-j", Footer, "new line"),
    row(A::Retry,            S::Chat,     &[ctrl('r')],                "C-r",         Help,   "retry the last question"),
    row(A::PageUp,           S::Chat,     &[plain(K::PageUp)],         "PgUp/PgDn",   Footer, "scroll"),
    row(A::PageDown,         S::Chat,     &[plain(K::PageDown)],       "",            Help,   ""),
    row(A::Top,              S::Chat,     &[ctrl('g')],                "C-g",         Help,   "transcript top"),
    row(A::Bottom,           S::Chat,     &[plain(K::End)],            "End",         Help,   "follow the answer"),
    row(A::CopyAnswer,       S::Chat,     &[ctrl('y')],                "C-y",         Help,   "copy last answer (OSC 52)"),
    row(A::CopyCode,         S::Chat,     &[ctrl('b')],                "C-b",         Help,   "copy last code block"),
    row(A::ToggleCode,       S::Chat,     &[ctrl('f')],                "C-f",         Footer, "code view"),
    row(A::RemoveAttachment, S::Chat,     &[ctrl('x')],                "C-x",         Help,   "remove the last @attachment"),
    row(A::NewConversation,  S::Chat,     &[ctrl('n')],                "C-n",         Help,   "new conversation (the last one stays saved)"),
    row(A::ToggleTools,      S::Chat,     &[alt(K::Char('t'))],        "A-t",         Help,   "tools level: off → read → edit → all"),
    row(A::UndoEdit,         S::Chat,     &[alt(K::Char('z'))],        "A-z",         Help,   "undo the last applied edit"),
    row(A::FocusModels,      S::Chat,     &[ctrl('o')],                "C-o",         Help,   "model picker"),
    row(A::OpenSettings,     S::Chat,     &[ctrl('s')],                "C-s",         Help,   "settings"),
    row(A::Up,               S::Settings, &[plain(K::Up)],             "↑↓",          Footer, "field"),
    row(A::Down,             S::Settings, &[plain(K::Down)],           "",            Help,   ""),
    row(A::Pick,             S::Settings, &[plain(K::Enter)],          "Enter",       Footer, "edit / run"),
    row(A::ImportKey,        S::Settings, &[ctrl('o')],                "C-o",         Footer, "import service key file"),
    row(A::Save,             S::Settings, &[ctrl('s')],                "C-s",         Footer, "check and save"),
    row(A::Close,            S::Settings, &[plain(K::Esc)],            "Esc",         Footer, "close"),
    row(A::Approve,          S::Review,   &[ch('y')],                  "y",           Footer, "yes"),
    row(A::Reject,           S::Review,   &[ch('n')],                  "n",           Footer, "no (then an optional reason, Enter sends)"),
    row(A::ApproveAllEdits,  S::Review,   &[ch('a')],                  "a",           Footer, "all edits this session"),
    row(A::AlwaysCommand,    S::Review,   &[ch('!')],                  "!",           Footer, "always this exact command"),
    row(A::Stop,             S::Review,   &[plain(K::Esc)],            "Esc",         Footer, "stop the turn (C-c too)"),
    row(A::Up,               S::Review,   &[plain(K::Up), ch('k')],    "↑↓",          Help,   "scroll the diff"),
    row(A::Down,             S::Review,   &[plain(K::Down), ch('j')],  "",            Help,   ""),
    row(A::PageUp,           S::Review,   &[plain(K::PageUp)],         "PgUp/PgDn",   Help,   "page the diff"),
    row(A::PageDown,         S::Review,   &[plain(K::PageDown)],       "",            Help,   ""),
    row(A::Top,              S::Review,   &[plain(K::Home), ch('g')],  "Home",        Help,   "top of the diff"),
    row(A::Bottom,           S::Review,   &[plain(K::End), ch('G')],   "End",         Help,   "end of the diff"),
];
