//! The one key table: each action's default keys, where it applies and what it does. Dispatch
//! (`update`), the footer hints and the `?` help are all built from one [`Keymap`] (the
//! [`BINDINGS`] defaults with the config's `[keys]` overrides applied), so they cannot drift
//! apart.

mod overrides;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub use overrides::parse_key;

/// Where a binding applies. `Global` bindings work everywhere except while text is being
/// typed (chat input, filter, settings field), where plain letters must stay letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    /// Panes that do not take text: models, deployments, code view.
    Lists,
    Models,
    Deployments,
    /// The code view: attached files and the code blocks of the last answer.
    Code,
    Chat,
    Settings,
}

impl Scope {
    pub const ALL: [Scope; 7] = [
        Scope::Global,
        Scope::Lists,
        Scope::Models,
        Scope::Deployments,
        Scope::Code,
        Scope::Chat,
        Scope::Settings,
    ];

    /// The word used in help, in the README and as the `scope.` prefix in `[keys]`.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Global => "everywhere",
            Scope::Lists => "pickers",
            Scope::Models => "models",
            Scope::Deployments => "deployments",
            Scope::Code => "code",
            Scope::Chat => "chat",
            Scope::Settings => "settings",
        }
    }

    /// Scopes searched for a key pressed here, most specific first.
    pub fn chain(self) -> &'static [Scope] {
        match self {
            Scope::Models => &[Scope::Models, Scope::Lists, Scope::Global],
            Scope::Deployments => &[Scope::Deployments, Scope::Lists, Scope::Global],
            Scope::Code => &[Scope::Code, Scope::Lists, Scope::Global],
            Scope::Lists => &[Scope::Lists, Scope::Global],
            Scope::Chat => &[Scope::Chat, Scope::Global],
            Scope::Settings => &[Scope::Settings, Scope::Global],
            Scope::Global => &[Scope::Global],
        }
    }

    /// Scopes where keys are also text: a plain letter bound here could not be typed.
    pub fn takes_text(self) -> bool {
        matches!(self, Scope::Global | Scope::Chat)
    }
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
    ToggleCode,
    NextItem,
    PrevItem,
    CopyShown,
    ApplyProposal,
    RejectProposal,
    RemoveAttachment,
    NewConversation,
    ToggleTools,
}

impl Action {
    pub const ALL: [Action; 36] = [
        Action::Quit,
        Action::NextPane,
        Action::PrevPane,
        Action::FocusModels,
        Action::FocusDeployments,
        Action::FocusChat,
        Action::OpenSettings,
        Action::Help,
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::Pick,
        Action::Filter,
        Action::ToggleAll,
        Action::Refresh,
        Action::Send,
        Action::Newline,
        Action::Stop,
        Action::Retry,
        Action::CopyAnswer,
        Action::CopyCode,
        Action::ImportKey,
        Action::Save,
        Action::Close,
        Action::ToggleCode,
        Action::NextItem,
        Action::PrevItem,
        Action::CopyShown,
        Action::ApplyProposal,
        Action::RejectProposal,
        Action::RemoveAttachment,
        Action::NewConversation,
        Action::ToggleTools,
    ];

    /// The name used in the config's `[keys]` table.
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::NextPane => "next_pane",
            Action::PrevPane => "prev_pane",
            Action::FocusModels => "focus_models",
            Action::FocusDeployments => "focus_deployments",
            Action::FocusChat => "focus_chat",
            Action::OpenSettings => "open_settings",
            Action::Help => "help",
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::Pick => "pick",
            Action::Filter => "filter",
            Action::ToggleAll => "toggle_all",
            Action::Refresh => "refresh",
            Action::Send => "send",
            Action::Newline => "newline",
            Action::Stop => "stop",
            Action::Retry => "retry",
            Action::CopyAnswer => "copy_answer",
            Action::CopyCode => "copy_code",
            Action::ImportKey => "import_key",
            Action::Save => "save",
            Action::Close => "close",
            Action::ToggleCode => "toggle_code",
            Action::NextItem => "next_item",
            Action::PrevItem => "prev_item",
            Action::CopyShown => "copy_shown",
            Action::ApplyProposal => "apply_proposal",
            Action::RejectProposal => "reject_proposal",
            Action::RemoveAttachment => "remove_attachment",
            Action::NewConversation => "new_conversation",
            Action::ToggleTools => "toggle_tools",
        }
    }
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

const fn bind(
    action: Action,
    scope: Scope,
    keys: &'static [Key],
    label: &'static str,
    help: &'static str,
    in_footer: bool,
) -> DefaultBinding {
    DefaultBinding {
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

pub const BINDINGS: &[DefaultBinding] = &[
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
    bind(
        A::ToggleCode,
        S::Lists,
        &[ch('f')],
        "f",
        "code view / pickers",
        true,
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
    bind(
        A::PageUp,
        S::Code,
        &[plain(K::PageUp)],
        "PgUp/PgDn",
        "scroll",
        true,
    ),
    bind(A::PageDown, S::Code, &[plain(K::PageDown)], "", "", false),
    bind(
        A::PrevItem,
        S::Code,
        &[plain(K::Left), ch('[')],
        "←→",
        "previous / next file or block",
        true,
    ),
    bind(
        A::NextItem,
        S::Code,
        &[plain(K::Right), ch(']')],
        "",
        "",
        false,
    ),
    bind(
        A::CopyShown,
        S::Code,
        &[ch('y')],
        "y",
        "copy what is shown (OSC 52)",
        true,
    ),
    bind(
        A::ApplyProposal,
        S::Code,
        &[ch('a')],
        "a",
        "apply the proposed edit shown",
        false,
    ),
    bind(
        A::RejectProposal,
        S::Code,
        &[ch('x')],
        "x",
        "reject the proposed edit shown",
        false,
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
        A::ToggleCode,
        S::Chat,
        &[ctrl('f')],
        "C-f",
        "code view",
        true,
    ),
    bind(
        A::RemoveAttachment,
        S::Chat,
        &[ctrl('x')],
        "C-x",
        "remove the last @attachment",
        false,
    ),
    bind(
        A::NewConversation,
        S::Chat,
        &[ctrl('n')],
        "C-n",
        "new conversation (the last one stays saved)",
        false,
    ),
    bind(
        A::ToggleTools,
        S::Chat,
        &[alt(K::Char('t'))],
        "A-t",
        "tools on/off (the model reads files here)",
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

/// One binding in force: the default, or its keys replaced by a `[keys]` override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub action: Action,
    pub scope: Scope,
    pub keys: Vec<Key>,
    /// How the footer and help name the keys.
    pub label: String,
    pub help: &'static str,
    pub in_footer: bool,
}

/// The key table in force. Built once at start; `update` and the views read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

impl Default for Keymap {
    fn default() -> Keymap {
        Keymap {
            bindings: BINDINGS
                .iter()
                .map(|b| Binding {
                    action: b.action,
                    scope: b.scope,
                    keys: b.keys.to_vec(),
                    label: b.label.to_owned(),
                    help: b.help,
                    in_footer: b.in_footer,
                })
                .collect(),
        }
    }
}

impl Keymap {
    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// The action `event` asks for in `scope`; scope bindings win over shared ones.
    pub fn lookup(&self, scope: Scope, event: &KeyEvent) -> Option<Action> {
        scope.chain().iter().find_map(|wanted| {
            self.bindings
                .iter()
                .filter(|b| b.scope == *wanted)
                .find(|b| b.keys.iter().any(|k| k.matches(event)))
                .map(|b| b.action)
        })
    }

    /// Footer hints for a scope: its own bindings, then the shared ones, in table order.
    pub fn footer(&self, scope: Scope) -> Vec<(&str, &'static str)> {
        scope
            .chain()
            .iter()
            .flat_map(|wanted| self.bindings.iter().filter(move |b| b.scope == *wanted))
            .filter(|b| b.in_footer)
            .map(|b| (b.label.as_str(), b.help))
            .collect()
    }

    /// How `action` is reached from `scope`, for hints written in text ("C-r to retry").
    pub fn label(&self, scope: Scope, action: Action) -> String {
        scope
            .chain()
            .iter()
            .find_map(|wanted| {
                self.bindings
                    .iter()
                    .find(|b| b.scope == *wanted && b.action == action)
            })
            .map(|b| {
                if b.label.is_empty() {
                    b.keys.iter().map(key_name).collect::<Vec<_>>().join("/")
                } else {
                    b.label.clone()
                }
            })
            .unwrap_or_default()
    }

    /// Every binding for the help overlay: scope word, keys, description.
    pub fn help_rows(&self) -> Vec<(&'static str, String, &'static str)> {
        self.bindings
            .iter()
            .filter(|b| !b.help.is_empty())
            .map(|b| {
                let keys = b.keys.iter().map(key_name).collect::<Vec<_>>().join(" ");
                (b.scope.name(), keys, b.help)
            })
            .collect()
    }
}

/// The action `event` asks for in `scope` with the default keys.
pub fn lookup(scope: Scope, event: &KeyEvent) -> Option<Action> {
    Keymap::default().lookup(scope, event)
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
        K::Left => "←".into(),
        K::Right => "→".into(),
        K::Backspace => "Backspace".into(),
        K::Delete => "Del".into(),
        K::Insert => "Ins".into(),
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
        assert_eq!(overrides::clashes(&Keymap::default()), Vec::<String>::new());
    }

    #[test]
    fn every_action_is_bound_somewhere() {
        for action in Action::ALL {
            assert!(
                BINDINGS.iter().any(|b| b.action == action),
                "{} has no key",
                action.name()
            );
        }
    }

    #[test]
    fn footer_and_help_come_from_the_table() {
        let keymap = Keymap::default();
        let footer = keymap.footer(S::Models);
        assert!(footer.contains(&("/", "type to filter")));
        assert!(footer.contains(&("q", "quit")));
        assert!(
            keymap
                .help_rows()
                .iter()
                .any(|(_, keys, _)| keys == "A-Enter C-j")
        );
        assert_eq!(keymap.label(S::Chat, A::Retry), "C-r");
    }
}
