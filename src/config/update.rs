//! Saving the config without losing the user's hand: comments, key order and formatting of
//! entries a save does not change survive (`toml_edit`), and each read-modify-write holds an
//! advisory lock, so two `sapcode login --profile A` / `--profile B` at once both land.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, Item, Table, Value};

use super::{Config, ConfigError, read_text};
use crate::fsutil::write_atomic;

const HEADER: &str = "# sapcode configuration — see config.example.toml for every key.\n\
                      # Secrets are not stored here: they live in the OS keyring, or in\n\
                      # secrets.json beside this file where `credential_store = \"file\"`.\n\n";

impl Config {
    /// Under the config's lock: reads the file as it is now, lets `change` edit it, and writes
    /// it back atomically (mode 0600), changing only the entries whose values changed.
    pub fn update<T>(path: &Path, change: impl FnOnce(&mut Config) -> T) -> Result<T, ConfigError> {
        let _lock = lock(path)?;
        let text = read_text(path)?;
        let mut config = Config::parse(path, &text)?;
        let answer = change(&mut config);
        let invalid = |detail: String| ConfigError::Parse {
            path: path.to_owned(),
            detail,
        };
        let mut document: DocumentMut = text.parse().map_err(|err| invalid(format!("{err}")))?;
        let wanted: DocumentMut = toml::to_string(&config)
            .map_err(|err| invalid(err.to_string()))?
            .parse()
            .map_err(|err| invalid(format!("{err}")))?;
        merge(document.as_table_mut(), wanted.as_table());
        let body = document.to_string();
        let body = if text.trim().is_empty() {
            format!("{HEADER}{body}")
        } else {
            body
        };
        write_atomic(path, body.as_bytes(), /*private*/ true).map_err(|source| {
            ConfigError::Write {
                path: path.to_owned(),
                source,
            }
        })?;
        Ok(answer)
    }
}

/// Holds an exclusive lock on a file beside the config until dropped. The config itself
/// cannot carry the lock: the atomic save renames a new file over it.
fn lock(path: &Path) -> Result<File, ConfigError> {
    let lock_path = lock_path(path);
    let failed = |source| ConfigError::Write {
        path: lock_path.clone(),
        source,
    };
    if let Some(dir) = lock_path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(failed)?;
    file.lock().map_err(failed)?;
    Ok(file)
}

fn lock_path(path: &Path) -> PathBuf {
    let name = path.file_name().map_or_else(
        || "config".into(),
        |name| name.to_string_lossy().into_owned(),
    );
    path.with_file_name(format!(".{name}.lock"))
}

/// Makes `document` say what `wanted` says, touching only what differs: removed keys go,
/// new ones are appended, changed values keep their comments and spacing.
fn merge(document: &mut Table, wanted: &Table) {
    let gone: Vec<String> = document
        .iter()
        .filter(|(key, _)| !wanted.contains_key(key))
        .map(|(key, _)| key.to_owned())
        .collect();
    for key in gone {
        document.remove(&key);
    }
    for (key, new) in wanted.iter() {
        match (document.get_mut(key), new) {
            (Some(Item::Table(old)), Item::Table(new)) => merge(old, new),
            (Some(Item::Value(old)), Item::Value(new)) => {
                if bare(old) != bare(new) {
                    let decor = old.decor().clone();
                    *old = new.clone();
                    *old.decor_mut() = decor;
                }
            }
            (Some(old), new) => *old = new.clone(),
            (None, new) => {
                document.insert(key, new.clone());
            }
        }
    }
}

/// A value as text without the spaces and comments around it.
fn bare(value: &Value) -> String {
    value.clone().decorated("", "").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    const HAND_WRITTEN: &str = r#"# my work tenant, set up by hand
profile = "work"

[profiles.work]
# the EU10 landscape
client_id   = "sb-1|aicore!b540"
base_url = "https://api.ai.example.com"   # no /v2 needed
model = "gpt-4o"  # the one we pay for
deployment = "d123"

[profiles.home]
client_id = "sb-2"
"#;

    #[test]
    fn comments_and_key_order_survive_a_changed_model_and_deployment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, HAND_WRITTEN).unwrap();
        Config::update(&path, |config| {
            let work = config.profile_mut("work");
            work.model = Some("anthropic--claude-4-sonnet".into());
            work.deployment = Some("d456".into());
        })
        .unwrap();
        let expected = HAND_WRITTEN
            .replace(r#""gpt-4o""#, r#""anthropic--claude-4-sonnet""#)
            .replace(r#""d123""#, r#""d456""#);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
    }

    #[test]
    fn removed_values_go_and_new_ones_are_added() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, HAND_WRITTEN).unwrap();
        Config::update(&path, |config| {
            config.profile_mut("work").deployment = None;
            config.profile_mut("home").resource_group = Some("team".into());
        })
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("d123"), "{text}");
        assert!(text.contains("# the one we pay for"), "{text}");
        let config = Config::load(&path).unwrap();
        assert_eq!(
            config.profile("home").unwrap().resource_group.as_deref(),
            Some("team")
        );
    }

    #[test]
    fn a_new_file_gets_the_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new/config.toml");
        Config::update(&path, |config| config.profile = Some("work".into())).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# sapcode configuration"), "{text}");
        assert_eq!(
            Config::load(&path).unwrap().profile.as_deref(),
            Some("work")
        );
    }

    #[test]
    fn concurrent_saves_of_two_profiles_both_survive() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let rounds = 40;
        let save = |name: &'static str| {
            let path = path.clone();
            std::thread::spawn(move || {
                for round in 0..rounds {
                    Config::update(&path, |config| {
                        config.profile_mut(name).model = Some(format!("{name}-{round}"));
                    })
                    .unwrap();
                }
            })
        };
        let (a, b) = (save("a"), save("b"));
        a.join().unwrap();
        b.join().unwrap();
        let config = Config::load(&path).unwrap();
        let last = format!("{}", rounds - 1);
        for name in ["a", "b"] {
            assert_eq!(
                config.profile(name).and_then(|p| p.model.clone()),
                Some(format!("{name}-{last}")),
                "{config:?}"
            );
        }
    }
}
