//! The default key table: one binding per line. The footer shows a binding's label and
//! description in its scope when it is marked `Footer`; help lists every binding with a
//! description. `Keymap` (in `mod.rs`) applies the config's overrides to this table.

use crossterm::event::{KeyCode, KeyModifiers};

use super::{
    Action, ChatAction, CodeAction, GlobalAction, ListAction, ModelsAction, ReviewAction, Scope,
    SettingsAction,
};

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

const fn ctrl_end() -> Key {
    Key {
        code: KeyCode::End,
        modifiers: KeyModifiers::CONTROL,
    }
}

const fn ctrl_home() -> Key {
    Key {
        code: KeyCode::Home,
        modifiers: KeyModifiers::CONTROL,
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
use ChatAction as C;
use CodeAction as Co;
use GlobalAction as G;
use KeyCode as K;
use ListAction as L;
use ModelsAction as M;
use ReviewAction as R;
use Scope as S;
use SettingsAction as Se;
use Shown::{Footer, Help};

/// An empty description keeps a binding out of help: its keys are named with the row above
/// (`↑↓`, `PgUp/PgDn`). A scope's own rows come before the shared ones in its footer.
#[rustfmt::skip]
pub const BINDINGS: &[DefaultBinding] = &[
    //  action                          scope        keys                         label          shown   description
    row(A::Global(G::NextPane),         S::Global,   &[plain(K::Tab)],            "Tab",         Footer, "next pane"),
    row(A::Global(G::Quit),             S::Global,   &[ctrl('c')],                "C-c",         Help,   "stop the answer / clear the input / twice: quit"),
    row(A::Global(G::Exit),             S::Global,   &[ctrl('d')],                "C-d",         Help,   "quit (on an empty input)"),
    row(A::Global(G::Help),             S::Global,   &[plain(K::F(1))],           "F1",          Help,   "show every key"),
    row(A::Global(G::FocusDeployments), S::Global,   &[alt(K::Char('d'))],        "A-d",         Help,   "deployment picker"),
    row(A::Lists(L::Up),                S::Lists,    &[plain(K::Up)],             "↑↓",          Footer, "move"),
    row(A::Lists(L::Down),              S::Lists,    &[plain(K::Down)],           "",            Help,   ""),
    row(A::Lists(L::Top),               S::Lists,    &[plain(K::Home)],           "Home",        Help,   "first row"),
    row(A::Lists(L::Bottom),            S::Lists,    &[plain(K::End)],            "End",         Help,   "last row"),
    row(A::Lists(L::Pick),              S::Lists,    &[plain(K::Enter)],          "Enter",       Footer, "pick"),
    row(A::Global(G::FocusChat),        S::Lists,    &[plain(K::Esc)],            "Esc",         Footer, "chat"),
    row(A::Lists(L::Refresh),           S::Lists,    &[plain(K::F(5))],           "F5",          Footer, "refresh (bypasses caches)"),
    row(A::Global(G::PrevPane),         S::Lists,    &[plain(K::BackTab)],        "S-Tab",       Help,   "previous pane"),
    row(A::Global(G::FocusModels),      S::Lists,    &[ctrl('o')],                "C-o",         Help,   "model picker"),
    row(A::Global(G::OpenSettings),     S::Lists,    &[ctrl('s')],                "C-s",         Help,   "settings"),
    row(A::Global(G::ToggleCode),       S::Lists,    &[ctrl('f')],                "C-f",         Footer, "code view / pickers"),
    row(A::Models(M::Filter),           S::Models,   &[],                         "a-z",         Footer, "filter (just type)"),
    row(A::Models(M::ToggleAll),        S::Models,   &[alt(K::Char('a'))],        "A-a",         Footer, "all models / filtered"),
    row(A::Code(Co::PageUp),            S::Code,     &[plain(K::PageUp)],         "PgUp/PgDn",   Footer, "scroll"),
    row(A::Code(Co::PageDown),          S::Code,     &[plain(K::PageDown)],       "",            Help,   ""),
    row(A::Code(Co::PrevItem),          S::Code,     &[plain(K::Left)],           "←→",          Footer, "previous / next file or block"),
    row(A::Code(Co::NextItem),          S::Code,     &[plain(K::Right)],          "",            Help,   ""),
    row(A::Code(Co::CopyShown),         S::Code,     &[ctrl('y')],                "C-y",         Footer, "copy what is shown (OSC 52)"),
    row(A::Chat(C::Send),               S::Chat,     &[plain(K::Enter)],          "Enter",       Footer, "send"),
    row(A::Chat(C::Stop),               S::Chat,     &[plain(K::Esc)],            "Esc",         Footer, "stop the answer"),
    row(A::Chat(C::Newline),            S::Chat,     &[shift(K::Enter), alt(K::Enter), ctrl('j')], "A-Enter/C-j", Footer, "new line"),
    row(A::Chat(C::CycleMode),          S::Chat,     &[plain(K::BackTab)],        "S-Tab",       Help,   "approval mode: ask → auto-edit → plan"),
    row(A::Chat(C::Retry),              S::Chat,     &[ctrl('r')],                "C-r",         Help,   "retry the last question"),
    row(A::Chat(C::PageUp),             S::Chat,     &[plain(K::PageUp)],         "PgUp/PgDn",   Footer, "scroll"),
    row(A::Chat(C::PageDown),           S::Chat,     &[plain(K::PageDown)],       "",            Help,   ""),
    row(A::Chat(C::Top),                S::Chat,     &[ctrl_home()],              "C-Home",      Help,   "transcript top"),
    row(A::Chat(C::Bottom),             S::Chat,     &[ctrl_end()],               "C-End",       Help,   "follow the answer"),
    row(A::Chat(C::CopyAnswer),         S::Chat,     &[ctrl('y')],                "C-y",         Help,   "copy last answer (OSC 52)"),
    row(A::Chat(C::CopyCode),           S::Chat,     &[ctrl('b')],                "C-b",         Help,   "copy last code block"),
    row(A::Global(G::ToggleCode),       S::Chat,     &[ctrl('f')],                "C-f",         Footer, "code view"),
    row(A::Chat(C::EditInEditor),       S::Chat,     &[ctrl('g')],                "C-g",         Help,   "edit the message in $VISUAL / $EDITOR"),
    row(A::Chat(C::ExpandPaste),        S::Chat,     &[ctrl('t')],                "C-t",         Help,   "paste chip at the cursor → its full text"),
    row(A::Chat(C::RemoveAttachment),   S::Chat,     &[ctrl('x')],                "C-x",         Help,   "remove the last @attachment"),
    row(A::Chat(C::NewConversation),    S::Chat,     &[ctrl('n')],                "C-n",         Help,   "new conversation (the last one stays saved)"),
    row(A::Chat(C::ToggleTools),        S::Chat,     &[alt(K::Char('t'))],        "A-t",         Help,   "tools level: off → read → edit → all"),
    row(A::Chat(C::UndoEdit),           S::Chat,     &[alt(K::Char('z'))],        "A-z",         Help,   "undo the last applied edit"),
    row(A::Global(G::FocusModels),      S::Chat,     &[ctrl('o')],                "C-o",         Help,   "model picker"),
    row(A::Global(G::OpenSettings),     S::Chat,     &[ctrl('s')],                "C-s",         Help,   "settings"),
    row(A::Settings(Se::Up),            S::Settings, &[plain(K::Up)],             "↑↓",          Footer, "field"),
    row(A::Settings(Se::Down),          S::Settings, &[plain(K::Down)],           "",            Help,   ""),
    row(A::Settings(Se::Pick),          S::Settings, &[plain(K::Enter)],          "Enter",       Footer, "edit / run"),
    row(A::Settings(Se::ImportKey),     S::Settings, &[ctrl('o')],                "C-o",         Footer, "import service key file"),
    row(A::Settings(Se::Save),          S::Settings, &[ctrl('s')],                "C-s",         Footer, "check and save"),
    row(A::Settings(Se::Close),         S::Settings, &[plain(K::Esc)],            "Esc",         Footer, "close"),
    row(A::Review(R::Approve),          S::Review,   &[ch('y')],                  "y",           Footer, "yes"),
    row(A::Review(R::Reject),           S::Review,   &[ch('n')],                  "n",           Footer, "no (then an optional reason, Enter sends)"),
    row(A::Review(R::ApproveAllEdits),  S::Review,   &[ch('a')],                  "a",           Footer, "all edits this session"),
    row(A::Review(R::AlwaysCommand),    S::Review,   &[ch('!')],                  "!",           Footer, "always this exact command"),
    row(A::Review(R::Stop),             S::Review,   &[plain(K::Esc)],            "Esc",         Footer, "stop the turn (C-c too)"),
    row(A::Review(R::Up),               S::Review,   &[plain(K::Up), ch('k')],    "↑↓",          Help,   "scroll the diff"),
    row(A::Review(R::Down),             S::Review,   &[plain(K::Down), ch('j')],  "",            Help,   ""),
    row(A::Review(R::PageUp),           S::Review,   &[plain(K::PageUp)],         "PgUp/PgDn",   Help,   "page the diff"),
    row(A::Review(R::PageDown),         S::Review,   &[plain(K::PageDown)],       "",            Help,   ""),
    row(A::Review(R::Top),              S::Review,   &[plain(K::Home), ch('g')],  "Home",        Help,   "top of the diff"),
    row(A::Review(R::Bottom),           S::Review,   &[plain(K::End), ch('G')],   "End",         Help,   "end of the diff"),
];
