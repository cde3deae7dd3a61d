//! Which catalog model a client's model name means. Claude Code and the Anthropic SDKs send
//! Anthropic's own names (`claude-sonnet-4-5-20250929`, `claude-3-5-haiku-latest`); SAP's
//! catalog calls the same models `anthropic--claude-4.5-sonnet`. Both spell a family and a
//! version, in either order, so both are read into that pair and compared.

use std::collections::BTreeMap;

use crate::aicore::ModelEntry;

/// The catalog model for `requested`: `[serve.models]` first, then a catalog name as is
/// (any case), then an Anthropic name by family and version. Anything else comes back
/// unchanged, so resolution reports it as unknown in the usual words.
pub fn catalog_name(
    requested: &str,
    aliases: &BTreeMap<String, String>,
    catalog: &[ModelEntry],
) -> String {
    if let Some(target) = aliases.get(requested) {
        return target.clone();
    }
    if let Some(entry) = catalog
        .iter()
        .find(|m| m.name.eq_ignore_ascii_case(requested))
    {
        return entry.name.clone();
    }
    let Some(wanted) = claude_family_version(requested) else {
        return requested.to_owned();
    };
    catalog
        .iter()
        .find(|m| {
            m.name
                .strip_prefix("anthropic--")
                .and_then(claude_family_version)
                .is_some_and(|have| have == wanted)
        })
        .map_or_else(|| requested.to_owned(), |m| m.name.clone())
}

const FAMILIES: [&str; 3] = ["opus", "sonnet", "haiku"];

/// `("sonnet", "4.5")` from `claude-sonnet-4-5-20250929`, `claude-4.5-sonnet`,
/// `claude-3-5-haiku-latest`, `anthropic.claude-opus-4-1-20250805-v1:0` or
/// `claude-opus-4-1@20250805`; `None` for anything that is not a Claude name.
fn claude_family_version(name: &str) -> Option<(&'static str, String)> {
    let lowered = name.to_ascii_lowercase();
    let name = lowered.strip_prefix("anthropic.").unwrap_or(&lowered);
    // Vertex spells the date after `@`.
    let name = name.split('@').next().unwrap_or(name);
    let rest = name.strip_prefix("claude-")?;
    let mut family = None;
    let mut numbers = Vec::new();
    for token in rest.split(['-', '.']) {
        if let Some(known) = FAMILIES.iter().find(|f| **f == token) {
            if family.replace(*known).is_some() {
                return None;
            }
        } else if is_version_number(token) {
            numbers.push(token);
        } else if !is_suffix(token) {
            return None;
        }
    }
    // `claude-opus-4-0` is the catalog's `claude-4-opus`.
    while numbers.len() > 1 && numbers.last() == Some(&"0") {
        numbers.pop();
    }
    if numbers.is_empty() {
        return None;
    }
    Some((family?, numbers.join(".")))
}

/// `4`, `5`, `37`: a version part (a date has eight digits and is a suffix instead).
fn is_version_number(token: &str) -> bool {
    (1..=2).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_digit())
}

/// What follows the version and names no other model: `latest`, a date, Bedrock's `v1:0`.
fn is_suffix(token: &str) -> bool {
    token == "latest"
        || (token.len() == 8 && token.bytes().all(|b| b.is_ascii_digit()))
        || token
            .strip_prefix('v')
            .is_some_and(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit() || b == b':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str) -> ModelEntry {
        ModelEntry {
            name: name.into(),
            provider: None,
            version: None,
            context_length: None,
            executable_id: String::new(),
            orchestration: true,
            streaming: true,
            text_generation: true,
            passes_filter: true,
            running_deployments: 0,
            total_deployments: 0,
            lifecycle: Default::default(),
            price: None,
            input_types: Vec::new(),
        }
    }

    fn catalog() -> Vec<ModelEntry> {
        [
            "gpt-4o",
            "anthropic--claude-3-haiku",
            "anthropic--claude-3.5-sonnet",
            "anthropic--claude-3.7-sonnet",
            "anthropic--claude-4-sonnet",
            "anthropic--claude-4.5-sonnet",
            "anthropic--claude-4.5-haiku",
            "anthropic--claude-4.1-opus",
            "anthropic--claude-4-opus",
        ]
        .into_iter()
        .map(entry)
        .collect()
    }

    fn map(name: &str) -> String {
        catalog_name(name, &BTreeMap::new(), &catalog())
    }

    #[test]
    fn anthropic_names_map_by_family_and_version() {
        for (asked, wanted) in [
            ("claude-sonnet-4-5", "anthropic--claude-4.5-sonnet"),
            ("claude-sonnet-4-5-20250929", "anthropic--claude-4.5-sonnet"),
            ("claude-opus-4-1", "anthropic--claude-4.1-opus"),
            ("claude-opus-4-1-20250805", "anthropic--claude-4.1-opus"),
            ("claude-opus-4-0", "anthropic--claude-4-opus"),
            ("claude-opus-4-20250514", "anthropic--claude-4-opus"),
            ("claude-sonnet-4-20250514", "anthropic--claude-4-sonnet"),
            ("claude-3-5-haiku-latest", "anthropic--claude-3.5-haiku"),
            ("claude-3-5-sonnet-latest", "anthropic--claude-3.5-sonnet"),
            ("claude-3-7-sonnet-20250219", "anthropic--claude-3.7-sonnet"),
            ("claude-3-haiku-20240307", "anthropic--claude-3-haiku"),
            ("claude-haiku-4-5", "anthropic--claude-4.5-haiku"),
            ("claude-haiku-4-5@20251001", "anthropic--claude-4.5-haiku"),
            (
                "anthropic.claude-sonnet-4-5-20250929-v1:0",
                "anthropic--claude-4.5-sonnet",
            ),
            ("CLAUDE-SONNET-4-5", "anthropic--claude-4.5-sonnet"),
        ] {
            // 3.5 haiku is not in this catalog: the name comes back unchanged.
            let expected = if wanted == "anthropic--claude-3.5-haiku" {
                asked
            } else {
                wanted
            };
            assert_eq!(map(asked), expected, "{asked}");
        }
    }

    #[test]
    fn catalog_names_pass_and_config_aliases_win() {
        assert_eq!(map("gpt-4o"), "gpt-4o");
        assert_eq!(map("GPT-4o"), "gpt-4o");
        assert_eq!(
            map("anthropic--claude-4.5-sonnet"),
            "anthropic--claude-4.5-sonnet"
        );
        let aliases = BTreeMap::from([
            ("claude-3-5-haiku-latest".to_owned(), "gpt-4o".to_owned()),
            ("gpt-5".to_owned(), "gpt-4.1".to_owned()),
        ]);
        assert_eq!(
            catalog_name("claude-3-5-haiku-latest", &aliases, &catalog()),
            "gpt-4o"
        );
        assert_eq!(catalog_name("gpt-5", &aliases, &catalog()), "gpt-4.1");
    }

    #[test]
    fn other_names_stay_as_sent() {
        for name in [
            "claude",
            "claude-sonnet",
            "claude-2",
            "claude-sonnet-opus-4",
            "claude-sonnet-4-5-extra",
            "mistral-large",
            "",
        ] {
            assert_eq!(map(name), name, "{name}");
        }
    }
}
