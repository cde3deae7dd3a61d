//! The config's `[keys]` table applied to the default bindings. Each entry names an action
//! (`quit`) or a scoped action (`chat.send`) and gives one or more key specs (`"ctrl-q"`,
//! `"alt-enter ctrl-j"`). An entry that names no action, has a key that does not parse, would
//! clash with another action in the same place, or would bind a plain letter where text is
//! typed is refused with a reason, and the defaults stay in force for it.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyModifiers};

use super::{Binding, Key, Keymap, Scope, key_name};

impl Keymap {
    /// The defaults with `overrides` applied, and one line per refused entry.
    pub fn with_overrides(overrides: &BTreeMap<String, String>) -> (Keymap, Vec<String>) {
        let mut keymap = Keymap::default();
        let mut problems = Vec::new();
        for (name, spec) in overrides {
            if let Err(problem) = keymap.apply(name, spec) {
                problems.push(format!("[keys] {name} = \"{spec}\": {problem}"));
            }
        }
        (keymap, problems)
    }

    fn apply(&mut self, name: &str, spec: &str) -> Result<(), String> {
        let (scope, action_name) = match name.split_once('.') {
            Some((scope, action)) => {
                let scope = Scope::ALL
                    .into_iter()
                    .find(|s| s.name() == scope || (scope == "global" && *s == Scope::Global))
                    .ok_or_else(|| {
                        format!(
                            "unknown scope '{scope}' (one of {})",
                            Scope::ALL.map(Scope::name).join(", ")
                        )
                    })?;
                (Some(scope), action)
            }
            None => (None, name),
        };
        // One name covers that action in every pane (`up` moves in pickers, settings and
        // reviews); a `scope.` prefix narrows it to one.
        let named: Vec<usize> = self
            .bindings
            .iter()
            .enumerate()
            .filter(|(_, b)| b.action.name() == action_name)
            .map(|(i, _)| i)
            .collect();
        if named.is_empty() {
            return Err(format!(
                "unknown action '{action_name}' (config.example.toml lists them)"
            ));
        }
        let targets: Vec<usize> = named
            .into_iter()
            .filter(|i| scope.is_none_or(|s| s == self.bindings[*i].scope))
            .collect();
        if targets.is_empty() {
            let scope = scope.map_or("", Scope::name);
            return Err(format!("{action_name} has no key in {scope}"));
        }
        let keys = spec
            .split_whitespace()
            .map(parse_key)
            .collect::<Result<Vec<Key>, String>>()?;
        if keys.is_empty() {
            return Err("no key given".into());
        }
        for &index in &targets {
            let scope = self.bindings[index].scope;
            if let Some(letter) = keys
                .iter()
                .find(|k| is_text(k))
                .filter(|_| scope.takes_text())
            {
                return Err(format!(
                    "'{}' would be typed as text; use ctrl- or alt-",
                    key_name(letter)
                ));
            }
        }
        let before = self.bindings.clone();
        for &index in &targets {
            let binding = &mut self.bindings[index];
            binding.keys = keys.clone();
            binding.label = keys.iter().map(key_name).collect::<Vec<_>>().join("/");
            if binding.help.is_empty() {
                binding.help = fallback_help(binding.action.name());
            }
            relabel_partner(&mut self.bindings, index);
        }
        let clashes = clashes(self);
        if let Some(clash) = clashes.into_iter().next() {
            self.bindings = before;
            return Err(format!("{clash}; default kept"));
        }
        Ok(())
    }
}

/// Two different actions reachable by one key from one place (the first would shadow the
/// other), one line each.
pub fn clashes(keymap: &Keymap) -> Vec<String> {
    let mut found = Vec::new();
    for scope in [
        Scope::Models,
        Scope::Deployments,
        Scope::Code,
        Scope::Chat,
        Scope::Settings,
        Scope::Review,
    ] {
        let in_chain: Vec<&Binding> = scope
            .chain()
            .iter()
            .flat_map(|s| keymap.bindings.iter().filter(move |b| b.scope == *s))
            .collect();
        for (i, first) in in_chain.iter().enumerate() {
            for second in &in_chain[i + 1..] {
                if first.action == second.action {
                    continue;
                }
                if let Some(key) = first.keys.iter().find(|k| second.keys.contains(k)) {
                    let line = format!(
                        "{} is both {} and {} in {}",
                        key_name(key),
                        first.action.name(),
                        second.action.name(),
                        scope.name()
                    );
                    if !found.contains(&line) {
                        found.push(line);
                    }
                }
            }
        }
    }
    found
}

fn is_text(key: &Key) -> bool {
    matches!(key.code, KeyCode::Char(_)) && (key.modifiers - KeyModifiers::SHIFT).is_empty()
}

/// Up and Down share one footer label ("↑↓"); once one of them moves, each names its own keys.
fn relabel_partner(bindings: &mut [Binding], changed: usize) {
    let action = bindings[changed].action.name();
    let Some((partner, partner_help)) = partner_of(action) else {
        return;
    };
    let scope = bindings[changed].scope;
    let show = bindings
        .iter()
        .filter(|b| b.scope == scope && (b.action.name() == partner || b.action.name() == action))
        .any(|b| b.in_footer);
    for binding in bindings
        .iter_mut()
        .filter(|b| b.scope == scope && b.action.name() == partner)
    {
        binding.label = binding
            .keys
            .iter()
            .map(key_name)
            .collect::<Vec<_>>()
            .join("/");
        binding.help = partner_help;
        binding.in_footer = show;
    }
    bindings[changed].in_footer = show;
}

/// An action's own help line: a pair's half has one of its own, others use their name.
fn fallback_help(action: &'static str) -> &'static str {
    partner_of(action)
        .and_then(|(partner, _)| partner_of(partner))
        .map_or(action, |(_, help)| help)
}

/// The other half of a pair that shares a label (by `[keys]` name, the same in every pane),
/// with the help it gets on its own.
fn partner_of(action: &str) -> Option<(&'static str, &'static str)> {
    Some(match action {
        "up" => ("down", "down"),
        "down" => ("up", "up"),
        "page_up" => ("page_down", "page down"),
        "page_down" => ("page_up", "page up"),
        "prev_item" => ("next_item", "next file or block"),
        "next_item" => ("prev_item", "previous file or block"),
        _ => return None,
    })
}

/// Parses a key spec: `ctrl-q`, `alt-enter`, `shift-tab`, `f1`, `pgup`, `space`, `?`, `G`.
/// Modifiers (`ctrl`, `alt`, `shift`; also `c`, `a`, `s`) join with `-` or `+`.
pub fn parse_key(spec: &str) -> Result<Key, String> {
    let bad = || format!("cannot read key '{spec}' (try ctrl-q, alt-enter, f2, pgup, x)");
    let mut parts: Vec<&str> = spec.split(['-', '+']).collect();
    // "ctrl--" and "-" name the minus key itself.
    if spec.ends_with("--") || spec == "-" {
        parts.retain(|p| !p.is_empty());
        parts.push("-");
    } else if spec.ends_with("-+") || spec == "+" {
        parts.retain(|p| !p.is_empty());
        parts.push("+");
    }
    let Some((base, modifiers)) = parts.split_last() else {
        return Err(bad());
    };
    let mut mods = KeyModifiers::NONE;
    for modifier in modifiers {
        mods |= match modifier.to_ascii_lowercase().as_str() {
            "ctrl" | "control" | "c" => KeyModifiers::CONTROL,
            "alt" | "meta" | "a" | "m" => KeyModifiers::ALT,
            "shift" | "s" => KeyModifiers::SHIFT,
            _ => return Err(bad()),
        };
    }
    let lower = base.to_ascii_lowercase();
    let code = match lower.as_str() {
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" if mods.contains(KeyModifiers::SHIFT) => {
            mods -= KeyModifiers::SHIFT;
            KeyCode::BackTab
        }
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "space" => KeyCode::Char(' '),
        "backspace" => KeyCode::Backspace,
        "delete" | "del" => KeyCode::Delete,
        "insert" | "ins" => KeyCode::Insert,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pgup" | "pageup" => KeyCode::PageUp,
        "pgdn" | "pgdown" | "pagedown" => KeyCode::PageDown,
        f if f.len() > 1 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
            match f[1..].parse::<u8>() {
                Ok(n @ 1..=24) => KeyCode::F(n),
                _ => return Err(bad()),
            }
        }
        _ => {
            let mut chars = base.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => {
                    // Ctrl and Alt letters arrive lower-case; Shift picks the upper-case one.
                    let c = if mods.contains(KeyModifiers::SHIFT) {
                        mods -= KeyModifiers::SHIFT;
                        c.to_ascii_uppercase()
                    } else if mods.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) {
                        c.to_ascii_lowercase()
                    } else {
                        c
                    };
                    KeyCode::Char(c)
                }
                _ => return Err(bad()),
            }
        }
    };
    Ok(Key {
        code,
        modifiers: mods,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keymap::{Action, ChatAction, GlobalAction, ListAction};
    use crossterm::event::KeyEvent;
    use pretty_assertions::assert_eq;

    fn overrides(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn key_specs_parse() {
        let ctrl_q = Key {
            code: KeyCode::Char('q'),
            modifiers: KeyModifiers::CONTROL,
        };
        assert_eq!(parse_key("ctrl-q"), Ok(ctrl_q));
        assert_eq!(parse_key("Ctrl+Q"), Ok(ctrl_q));
        assert_eq!(parse_key("C-q"), Ok(ctrl_q));
        assert_eq!(parse_key("shift-tab").unwrap().code, KeyCode::BackTab);
        assert_eq!(parse_key("f2").unwrap().code, KeyCode::F(2));
        assert_eq!(parse_key("G").unwrap().code, KeyCode::Char('G'));
        assert_eq!(parse_key("pgup").unwrap().code, KeyCode::PageUp);
        assert_eq!(parse_key("alt-enter").unwrap().modifiers, KeyModifiers::ALT);
        assert!(parse_key("hyper-x").is_err());
        assert!(parse_key("ctrl-").is_err());
        assert!(parse_key("f99").is_err());
    }

    #[test]
    fn an_override_replaces_the_keys_everywhere_the_action_lives() {
        let (keymap, problems) = Keymap::with_overrides(&overrides(&[("quit", "ctrl-q")]));
        assert_eq!(problems, Vec::<String>::new());
        let ctrl_q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::CONTROL);
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(
            keymap.lookup(Scope::Chat, &ctrl_q),
            Some(Action::Global(GlobalAction::Quit))
        );
        assert_eq!(
            keymap.lookup(Scope::Models, &ctrl_q),
            Some(Action::Global(GlobalAction::Quit))
        );
        assert_eq!(keymap.lookup(Scope::Chat, &ctrl_c), None);
        assert_eq!(
            keymap.label(Scope::Chat, Action::Global(GlobalAction::Quit)),
            "C-q"
        );
    }

    #[test]
    fn a_scoped_override_touches_one_scope() {
        let (keymap, problems) =
            Keymap::with_overrides(&overrides(&[("chat.top", "ctrl-l"), ("down", "alt-j")]));
        assert_eq!(problems, Vec::<String>::new());
        let ctrl_l = KeyEvent::new(KeyCode::Char('l'), KeyModifiers::CONTROL);
        assert_eq!(
            keymap.lookup(Scope::Chat, &ctrl_l),
            Some(Action::Chat(ChatAction::Top))
        );
        let home = KeyEvent::new(KeyCode::Home, KeyModifiers::NONE);
        assert_eq!(
            keymap.lookup(Scope::Models, &home),
            Some(Action::Lists(ListAction::Top))
        );
        // Down moved, so Up no longer claims "↑↓".
        assert!(keymap.footer(Scope::Models).contains(&("↑", "up")));
        assert!(keymap.footer(Scope::Models).contains(&("A-j", "down")));
    }

    #[test]
    fn unknown_names_bad_keys_and_clashes_are_reported_and_defaults_stay() {
        let (keymap, problems) = Keymap::with_overrides(&overrides(&[
            ("qiut", "ctrl-q"),
            ("send", "hyper-enter"),
            ("quit", "ctrl-r"),
            ("chat.filter", "ctrl-l"),
            ("stop", "x"),
            ("window.quit", "ctrl-q"),
        ]));
        assert_eq!(
            problems,
            [
                "[keys] chat.filter = \"ctrl-l\": filter has no key in chat",
                "[keys] qiut = \"ctrl-q\": unknown action 'qiut' (config.example.toml lists them)",
                "[keys] quit = \"ctrl-r\": C-r is both retry and quit in chat; default kept",
                "[keys] send = \"hyper-enter\": cannot read key 'hyper-enter' (try ctrl-q, alt-enter, f2, pgup, x)",
                "[keys] stop = \"x\": 'x' would be typed as text; use ctrl- or alt-",
                "[keys] window.quit = \"ctrl-q\": unknown scope 'window' (one of everywhere, pickers, models, deployments, code, chat, settings, review)",
            ]
        );
        assert_eq!(keymap, Keymap::default());
    }
}
