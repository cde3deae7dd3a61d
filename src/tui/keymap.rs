//! The one key table: each action's default keys, where it applies and what it does. Dispatch
//! (`update`), the footer hints and the `?` help are all built from [`BINDINGS`], so they
//! cannot drift apart.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where a binding applies. `Global` bindings work everywhere except while text is being
/// typed (chat input, filter, settings field), where plain letters must stay letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    /// Panes that do not take text: models, deployments.
    Lists,
    Models,
    Deployments,
    Chat,
    Settings,
}

/// Things a key can ask for; `update` decides what each means in the current state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    NextPane,
    PrevPane,
    FocusModels,
    FocusDeployments,
    FocusChat,
    OpenSettings,
    Help,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Pick,
    Filter,
    ToggleAll,
    Refresh,
    Send,
    Newline,
    Stop,
    Retry,
    CopyAnswer,
    CopyCode,
    ImportKey,
    Save,
    Close,
}

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
const fn alt(code: KeyCode) -> Key {
    Key {
        code,
        modifiers: KeyModifiers::ALT,
    }
}

pub struct Binding {
    pub action: Action,
    pub scope: Scope,
    pub keys: &'static [Key],
    /// How the footer and help name the keys.
    pub label: &'static str,
    pub help: &'static str,
    /// Shown in the footer of this scope (help lists every binding).
    pub in_footer: bool,
}

const fn bind(
    action: Action,
    scope: Scope,
    keys: &'static [Key],
    label: &'static str,
    help: &'static str,
    in_footer: bool,
) -> Binding {
    Binding {
        action,
        scope,
        keys,
        label,
        help,
        in_footer,
    }
}

use Action as A;
use KeyCode as K;
use Scope as S;

pub const BINDINGS: &[Binding] = &[
    bind(
        A::NextPane,
        S::Global,
        &[plain(K::Tab)],
        "Tab",
        "next pane",
        true,
    ),
    bind(
        A::PrevPane,
        S::Global,
        &[plain(K::BackTab)],
        "S-Tab",
        "previous pane",
        false,
    ),
    bind(
        A::Quit,
        S::Global,
        &[ctrl('c')],
        "C-c",
        "quit (asks while an answer streams)",
        false,
    ),
    bind(
        A::Help,
        S::Global,
        &[plain(K::F(1))],
        "F1",
        "show every key",
        false,
    ),
    bind(
        A::Up,
        S::Lists,
        &[plain(K::Up), ch('k')],
        "↑↓",
        "move",
        true,
    ),
    bind(A::Down, S::Lists, &[plain(K::Down), ch('j')], "", "", false),
    bind(
        A::Top,
        S::Lists,
        &[plain(K::Home), ch('g')],
        "Home",
        "first row",
        false,
    ),
    bind(
        A::Bottom,
        S::Lists,
        &[plain(K::End), ch('G')],
        "End",
        "last row",
        false,
    ),
    bind(A::Pick, S::Lists, &[plain(K::Enter)], "Enter", "pick", true),
    bind(
        A::Refresh,
        S::Lists,
        &[ch('r')],
        "r",
        "refresh (bypasses caches)",
        true,
    ),
    bind(
        A::FocusModels,
        S::Lists,
        &[ch('m')],
        "m",
        "model picker",
        false,
    ),
    bind(
        A::FocusDeployments,
        S::Lists,
        &[ch('d')],
        "d",
        "deployment picker",
        false,
    ),
    bind(
        A::FocusChat,
        S::Lists,
        &[ch('c'), ch('i')],
        "c",
        "chat",
        false,
    ),
    bind(A::OpenSettings, S::Lists, &[ch('s')], "s", "settings", true),
    bind(A::Help, S::Lists, &[ch('?')], "?", "help", true),
    bind(A::Quit, S::Lists, &[ch('q')], "q", "quit", true),
    bind(
        A::Filter,
        S::Models,
        &[ch('/')],
        "/",
        "type to filter",
        true,
    ),
    bind(
        A::ToggleAll,
        S::Models,
        &[ch('a')],
        "a",
        "all models / filtered",
        true,
    ),
    bind(A::Send, S::Chat, &[plain(K::Enter)], "Enter", "send", true),
    bind(
        A::Newline,
        S::Chat,
        &[alt(K::Enter), ctrl('j')],
        "A-Enter/C-j",
        "new line",
        true,
    ),
    bind(
        A::Stop,
        S::Chat,
        &[plain(K::Esc)],
        "Esc",
        "stop the answer",
        true,
    ),
    bind(
        A::Retry,
        S::Chat,
        &[ctrl('r')],
        "C-r",
        "retry the last question",
        false,
    ),
    bind(
        A::PageUp,
        S::Chat,
        &[plain(K::PageUp)],
        "PgUp/PgDn",
        "scroll",
        true,
    ),
    bind(A::PageDown, S::Chat, &[plain(K::PageDown)], "", "", false),
    bind(
        A::Top,
        S::Chat,
        &[ctrl('g')],
        "C-g",
        "transcript top",
        false,
    ),
    bind(
        A::Bottom,
        S::Chat,
        &[plain(K::End)],
        "End",
        "follow the answer",
        false,
    ),
    bind(
        A::CopyAnswer,
        S::Chat,
        &[ctrl('y')],
        "C-y",
        "copy last answer (OSC 52)",
        false,
    ),
    bind(
        A::CopyCode,
        S::Chat,
        &[ctrl('b')],
        "C-b",
        "copy last code block",
        false,
    ),
    bind(
        A::FocusModels,
        S::Chat,
        &[ctrl('o')],
        "C-o",
        "model picker",
        false,
    ),
    bind(
        A::OpenSettings,
        S::Chat,
        &[ctrl('s')],
        "C-s",
        "settings",
        false,
    ),
    bind(A::Up, S::Settings, &[plain(K::Up)], "↑↓", "field", true),
    bind(A::Down, S::Settings, &[plain(K::Down)], "", "", false),
    bind(
        A::Pick,
        S::Settings,
        &[plain(K::Enter)],
        "Enter",
        "edit / run",
        true,
    ),
    bind(
        A::ImportKey,
        S::Settings,
        &[ctrl('o')],
        "C-o",
        "import service key file",
        true,
    ),
    bind(
        A::Save,
        S::Settings,
        &[ctrl('s')],
        "C-s",
        "check and save",
        true,
    ),
    bind(
        A::Close,
        S::Settings,
        &[plain(K::Esc)],
        "Esc",
        "close",
        true,
    ),
];

impl Key {
    fn matches(&self, event: &KeyEvent) -> bool {
        // Terminals report Shift on upper-case letters and BackTab inconsistently.
        let modifiers = match event.code {
            KeyCode::Char(_) | KeyCode::BackTab => event.modifiers - KeyModifiers::SHIFT,
            _ => event.modifiers,
        };
        self.code == event.code && self.modifiers == modifiers
    }
}

/// The action `event` asks for in `scope`; scope bindings win over global ones.
pub fn lookup(scope: Scope, event: &KeyEvent) -> Option<Action> {
    let scopes: &[Scope] = match scope {
        S::Models | S::Deployments => &[scope, S::Lists, S::Global],
        S::Lists | S::Chat | S::Settings | S::Global => &[scope, S::Global],
    };
    scopes.iter().find_map(|wanted| {
        BINDINGS
            .iter()
            .filter(|b| b.scope == *wanted)
            .find(|b| b.keys.iter().any(|k| k.matches(event)))
            .map(|b| b.action)
    })
}

/// Footer hints for a scope: its own bindings, then the shared ones, in table order.
pub fn footer(scope: Scope) -> Vec<(&'static str, &'static str)> {
    let scopes: &[Scope] = match scope {
        S::Models | S::Deployments => &[scope, S::Lists, S::Global],
        S::Lists | S::Chat | S::Settings | S::Global => &[scope, S::Global],
    };
    scopes
        .iter()
        .flat_map(|wanted| BINDINGS.iter().filter(move |b| b.scope == *wanted))
        .filter(|b| b.in_footer)
        .map(|b| (b.label, b.help))
        .collect()
}

/// Every binding for the help overlay: scope title, keys, description.
pub fn help_rows() -> Vec<(&'static str, String, &'static str)> {
    BINDINGS
        .iter()
        .filter(|b| !b.help.is_empty())
        .map(|b| {
            let scope = match b.scope {
                S::Global => "everywhere",
                S::Lists => "pickers",
                S::Models => "models",
                S::Deployments => "deployments",
                S::Chat => "chat",
                S::Settings => "settings",
            };
            let keys = b.keys.iter().map(key_name).collect::<Vec<_>>().join(" ");
            (scope, keys, b.help)
        })
        .collect()
}

pub fn key_name(key: &Key) -> String {
    let base = match key.code {
        K::Char(' ') => "Space".to_owned(),
        K::Char(c) => c.to_string(),
        K::Enter => "Enter".into(),
        K::Esc => "Esc".into(),
        K::Tab => "Tab".into(),
        K::BackTab => "S-Tab".into(),
        K::Up => "↑".into(),
        K::Down => "↓".into(),
        K::Home => "Home".into(),
        K::End => "End".into(),
        K::PageUp => "PgUp".into(),
        K::PageDown => "PgDn".into(),
        K::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    };
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        format!("C-{base}")
    } else if key.modifiers.contains(KeyModifiers::ALT) {
        format!("A-{base}")
    } else {
        base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn letters_are_shortcuts_in_lists_but_text_in_chat() {
        let q = key(K::Char('q'), KeyModifiers::NONE);
        assert_eq!(lookup(S::Models, &q), Some(A::Quit));
        assert_eq!(lookup(S::Chat, &q), None);
        let ctrl_c = key(K::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(lookup(S::Chat, &ctrl_c), Some(A::Quit));
    }

    #[test]
    fn enter_sends_and_alt_enter_or_ctrl_j_breaks_the_line() {
        assert_eq!(
            lookup(S::Chat, &key(K::Enter, KeyModifiers::NONE)),
            Some(A::Send)
        );
        assert_eq!(
            lookup(S::Chat, &key(K::Enter, KeyModifiers::ALT)),
            Some(A::Newline)
        );
        assert_eq!(
            lookup(S::Chat, &key(K::Char('j'), KeyModifiers::CONTROL)),
            Some(A::Newline)
        );
    }

    #[test]
    fn no_key_is_bound_twice_in_one_scope_chain() {
        for scope in [S::Models, S::Deployments, S::Chat, S::Settings] {
            let mut seen = Vec::new();
            for binding in BINDINGS.iter().filter(|b| b.scope == scope) {
                for k in binding.keys {
                    assert!(!seen.contains(k), "{k:?} bound twice in {scope:?}");
                    seen.push(*k);
                }
            }
        }
    }

    #[test]
    fn footer_and_help_come_from_the_table() {
        let footer = footer(S::Models);
        assert!(footer.contains(&("/", "type to filter")));
        assert!(footer.contains(&("q", "quit")));
        assert!(help_rows().iter().any(|(_, keys, _)| keys == "A-Enter C-j"));
    }
}
