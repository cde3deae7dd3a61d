//! The key table in force: the defaults of `table.rs` with the config's `[keys]` overrides
//! (`overrides.rs`) applied. Dispatch (`update`), the footer hints and the F1 help all read
//! one [`Keymap`], so they cannot drift apart.

mod action;
mod overrides;
mod table;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub use action::{
    Action, ChatAction, CodeAction, GlobalAction, ListAction, ModelsAction, ReviewAction, Scope,
    SettingsAction,
};
pub use overrides::parse_key;
pub use table::{BINDINGS, DefaultBinding, Key};

use KeyCode as K;

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

/// Editing keys of every text input (message, settings fields, filter): fixed, listed in
/// help only. Ctrl-U is readline's kill to the start of the line, so undo is Ctrl-Z.
const TEXT_KEYS: &[(&str, &str)] = &[
    ("C-u", "delete to the start of the line"),
    ("C-k", "delete to the end of the line"),
    ("C-w", "delete the word before the cursor"),
    ("C-z", "undo"),
];

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
        self.footer_where(scope, |_| true)
    }

    /// Footer hints for a scope, without the actions that do nothing at the moment (`Esc`
    /// stops an answer only while one streams).
    pub fn footer_where(
        &self,
        scope: Scope,
        applies: impl Fn(Action) -> bool,
    ) -> Vec<(&str, &'static str)> {
        scope
            .chain()
            .iter()
            .flat_map(|wanted| self.bindings.iter().filter(move |b| b.scope == *wanted))
            .filter(|b| b.in_footer && applies(b.action))
            .map(|b| (b.label.as_str(), b.help))
            .collect()
    }

    /// How `action` is reached from `scope`, for hints written in text ("C-r to retry").
    pub fn label(&self, scope: Scope, action: impl Into<Action>) -> String {
        let action = action.into();
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

    /// Every binding for the help overlay: scope word, keys, description. A binding without
    /// a description is the second half of the row above (`↑ k / ↓ j  move`), so both keys
    /// of a pair are listed. The text input's editing keys come last.
    pub fn help_rows(&self) -> Vec<(&'static str, String, &'static str)> {
        let mut rows: Vec<(&'static str, String, &'static str)> = Vec::new();
        for binding in &self.bindings {
            // A binding without keys (the models' filter: letters start it) shows its label.
            let keys = if binding.keys.is_empty() {
                binding.label.clone()
            } else {
                binding
                    .keys
                    .iter()
                    .map(key_name)
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            match rows.last_mut() {
                Some((scope, shown, _))
                    if binding.help.is_empty() && *scope == binding.scope.name() =>
                {
                    shown.push_str(" / ");
                    shown.push_str(&keys);
                }
                Some(_) | None if binding.help.is_empty() => {}
                Some(_) | None => rows.push((binding.scope.name(), keys, binding.help)),
            }
        }
        rows.extend(
            TEXT_KEYS
                .iter()
                .map(|(keys, what)| ("text", (*keys).to_owned(), *what)),
        );
        rows
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
    } else if key.modifiers.contains(KeyModifiers::SHIFT) && !matches!(key.code, K::Char(_)) {
        format!("S-{base}")
    } else {
        base
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action as A;
    use ChatAction as C;
    use GlobalAction as G;
    use Scope as S;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn letters_are_text_everywhere_but_in_a_review() {
        // No printable key quits, opens settings or moves focus: only the review's questions
        // (y/n/a/!) take plain characters.
        for binding in BINDINGS.iter().filter(|b| b.scope != S::Review) {
            for k in binding.keys {
                let is_printable = matches!(k.code, K::Char(_))
                    && !k
                        .modifiers
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
                assert!(
                    !is_printable,
                    "{} binds {:?} in {}",
                    binding.action.name(),
                    k.code,
                    binding.scope.name()
                );
            }
        }
        let q = key(K::Char('q'), KeyModifiers::NONE);
        for scope in Scope::ALL.into_iter().filter(|s| *s != S::Review) {
            assert_eq!(lookup(scope, &q), None, "{}", scope.name());
        }
        let ctrl_c = key(K::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(lookup(S::Chat, &ctrl_c), Some(A::Global(G::Quit)));
        let ctrl_d = key(K::Char('d'), KeyModifiers::CONTROL);
        assert_eq!(lookup(S::Models, &ctrl_d), Some(A::Global(G::Exit)));
    }

    #[test]
    fn enter_sends_and_alt_enter_or_ctrl_j_breaks_the_line() {
        assert_eq!(
            lookup(S::Chat, &key(K::Enter, KeyModifiers::NONE)),
            Some(A::Chat(C::Send))
        );
        assert_eq!(
            lookup(S::Chat, &key(K::Enter, KeyModifiers::ALT)),
            Some(A::Chat(C::Newline))
        );
        assert_eq!(
            lookup(S::Chat, &key(K::Char('j'), KeyModifiers::CONTROL)),
            Some(A::Chat(C::Newline))
        );
        // Shift-Enter arrives as such only under the kitty keyboard protocol.
        assert_eq!(
            lookup(S::Chat, &key(K::Enter, KeyModifiers::SHIFT)),
            Some(A::Chat(C::Newline))
        );
    }

    #[test]
    fn no_key_is_bound_twice_in_one_scope_chain() {
        assert_eq!(overrides::clashes(&Keymap::default()), Vec::<String>::new());
    }

    #[test]
    fn every_action_is_bound_somewhere() {
        let every: Vec<Action> = GlobalAction::ALL
            .iter()
            .map(|a| A::Global(*a))
            .chain(ListAction::ALL.iter().map(|a| A::Lists(*a)))
            .chain(ModelsAction::ALL.iter().map(|a| A::Models(*a)))
            .chain(CodeAction::ALL.iter().map(|a| A::Code(*a)))
            .chain(ChatAction::ALL.iter().map(|a| A::Chat(*a)))
            .chain(SettingsAction::ALL.iter().map(|a| A::Settings(*a)))
            .chain(ReviewAction::ALL.iter().map(|a| A::Review(*a)))
            .collect();
        for action in every {
            assert!(
                BINDINGS.iter().any(|b| b.action == action),
                "{action:?} has no key"
            );
        }
    }

    #[test]
    fn a_pane_handler_only_ever_receives_its_own_actions() {
        for binding in BINDINGS {
            assert!(
                binding.action.belongs_in(binding.scope),
                "{:?} is bound in {}",
                binding.action,
                binding.scope.name()
            );
        }
    }

    #[test]
    fn footer_and_help_come_from_the_table() {
        let keymap = Keymap::default();
        let footer = keymap.footer(S::Models);
        assert!(footer.contains(&("a-z", "filter (just type)")));
        assert!(footer.contains(&("Esc", "chat")));
        assert!(
            keymap
                .help_rows()
                .iter()
                .any(|(_, keys, _)| keys == "S-Enter A-Enter C-j")
        );
        let rows = keymap.help_rows();
        let moves = rows
            .iter()
            .find(|(scope, _, what)| *scope == "pickers" && *what == "move");
        assert_eq!(moves.map(|(_, keys, _)| keys.as_str()), Some("↑ / ↓"));
        assert!(
            rows.iter()
                .any(|(_, keys, what)| keys == "C-u" && what.contains("start of the line"))
        );
        assert_eq!(keymap.label(S::Chat, A::Chat(C::Retry)), "C-r");
    }
}
