//! The config file: where it lives, its keys, loading with clear errors. Saving (locked,
//! keeping the user's comments) is in `update.rs`.
//! Secrets never live here; `secrets.rs` keeps them in the OS keyring.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::aicore::{Mode, Timeouts};

mod update;

/// The whole file. Unknown keys are rejected so a typo is reported, not silently ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Profile used when `--profile` is not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,

    /// Extra CA bundle (PEM) trusted on top of the system roots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,

    /// Where client secrets live unless a profile says otherwise: `keyring` or `file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_store: Option<crate::secrets::StoreKind>,

    #[serde(default, skip_serializing_if = "TimeoutSettings::is_default")]
    pub timeouts: TimeoutSettings,

    #[serde(default, skip_serializing_if = "AgentSettings::is_default")]
    pub agent: AgentSettings,

    /// `[serve]`: settings of `sapcode serve`.
    #[serde(default, skip_serializing_if = "ServeSettings::is_default")]
    pub serve: ServeSettings,

    /// `[ui]`: how the TUI behaves (mouse capture, the approval mode it starts in).
    #[serde(default, skip_serializing_if = "UiSettings::is_default")]
    pub ui: UiSettings,

    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,

    /// TUI key overrides: action name (or `scope.action`) → key spec(s); see `[keys]` in
    /// config.example.toml. Checked by the TUI, which reports bad entries on screen.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub keys: BTreeMap<String, String>,
}

/// One SAP AI Core service instance and the choices made for it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The service key's `url` (or `certurl` for X.509 keys); `/oauth/token` is optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_url: Option<String>,
    /// The service key's `serviceurls.AI_API_URL`; `/v2` is optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment: Option<String>,
    /// Where this profile's client secret lives: `keyring` (default) or `file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_store: Option<crate::secrets::StoreKind>,
}

impl Profile {
    /// Whether the connection fields a token request needs are all present.
    pub fn has_connection(&self) -> bool {
        self.client_id.is_some() && self.auth_url.is_some() && self.base_url.is_some()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeoutSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_secs: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_byte_secs: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_secs: Option<u64>,
}

impl TimeoutSettings {
    fn is_default(&self) -> bool {
        *self == TimeoutSettings::default()
    }

    pub fn resolve(&self) -> Timeouts {
        let defaults = Timeouts::default();
        let pick =
            |value: Option<u64>, default: Duration| value.map_or(default, Duration::from_secs);
        Timeouts {
            connect: pick(self.connect_secs, defaults.connect),
            first_byte: pick(self.first_byte_secs, defaults.first_byte),
            idle: pick(self.idle_secs, defaults.idle),
        }
    }
}

/// `[agent]`: the tools level for `run` and the default `run_command` timeout.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentSettings {
    /// `off`, `read`, `edit` or `all`; checked when used, so a typo names the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<String>,
    /// Seconds before a command is killed (clamped to 1–600; default 120).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command_timeout_s: Option<u64>,
    /// Whether the model's commands get the network (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<bool>,
    /// `low`, `medium` or `high` (`run --reasoning`); checked when used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<String>,
    /// Whether requests mark prompt-cache breakpoints for the models that take them (default
    /// true; `--no-prompt-cache` switches it off for one invocation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_cache: Option<bool>,
}

impl AgentSettings {
    fn is_default(&self) -> bool {
        *self == AgentSettings::default()
    }
}

/// `[serve]` of the config file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeSettings {
    /// `[serve.models]`: a model name a client sends → the catalog model that serves it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub models: BTreeMap<String, String>,
}

impl ServeSettings {
    fn is_default(&self) -> bool {
        *self == ServeSettings::default()
    }
}

/// `[ui]` of the config file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UiSettings {
    /// Capture the mouse for wheel scrolling (default false: the terminal's own text
    /// selection keeps working).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mouse: Option<bool>,
    /// The approval mode the TUI starts in and `/new` returns to: `ask` (default),
    /// `auto-edit` or `plan`; checked when used, so a typo names the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_mode: Option<String>,
}

impl UiSettings {
    fn is_default(&self) -> bool {
        *self == UiSettings::default()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid: {detail}")]
    Parse { path: PathBuf, detail: String },
    #[error("cannot write config file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Config {
    /// Where `profile`'s secret lives: the profile's choice, else the global one, else the
    /// keyring.
    pub fn credential_store(&self, profile: &str) -> crate::secrets::StoreKind {
        self.profile(profile)
            .and_then(|p| p.credential_store)
            .or(self.credential_store)
            .unwrap_or_default()
    }

    /// Loads `path`; a missing file is an empty config (first launch), a broken one an error.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        Config::parse(path, &read_text(path)?)
    }

    fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|err| ConfigError::Parse {
            path: path.to_owned(),
            // toml's message spans several lines with a caret drawing; keep the first one.
            detail: err
                .message()
                .lines()
                .next()
                .unwrap_or("syntax error")
                .to_owned()
                + &err
                    .span()
                    .map(|span| format!(" (at line {})", line_of(text, span.start)))
                    .unwrap_or_default(),
        })
    }

    /// Writes the file atomically with mode 0600 (it names the tenant and client id).
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.get(name)
    }

    pub fn profile_mut(&mut self, name: &str) -> &mut Profile {
        self.profiles.entry(name.to_owned()).or_default()
    }
}

/// The file's text; a missing file reads as empty.
fn read_text(path: &Path) -> Result<String, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(source) => Err(ConfigError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

fn line_of(text: &str, byte_offset: usize) -> usize {
    text.get(..byte_offset)
        .map_or(1, |head| head.matches('\n').count() + 1)
}

/// Platform directories (XDG on Linux), resolved once.
#[derive(Debug, Clone)]
pub struct Paths {
    pub config_file: PathBuf,
    pub cache_dir: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    /// Logs and crash reports: the platform state dir, else the local data dir.
    pub state_dir: Option<PathBuf>,
}

impl Paths {
    /// The directory of the config file in use; the file store of secrets sits there too.
    pub fn config_dir(&self) -> PathBuf {
        match self.config_file.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
            _ => PathBuf::from("."),
        }
    }

    pub fn discover(config_override: Option<PathBuf>) -> Paths {
        let dirs = directories::ProjectDirs::from("", "", "sapcode");
        let config_file = config_override.unwrap_or_else(|| match &dirs {
            Some(dirs) => dirs.config_dir().join("config.toml"),
            None => PathBuf::from("sapcode.toml"),
        });
        Paths {
            config_file,
            cache_dir: dirs.as_ref().map(|dirs| dirs.cache_dir().to_owned()),
            data_dir: dirs.as_ref().map(|dirs| dirs.data_dir().to_owned()),
            state_dir: crate::logging::state_dir(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn round_trips_through_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/config.toml");
        let mut config = Config::default();
        let profile = config.profile_mut("work");
        profile.client_id = Some("sb-1|aicore!b540".into());
        profile.mode = Some(Mode::Orchestration);
        config.timeouts.idle_secs = Some(90);
        let wanted = config.clone();
        Config::update(&path, |saved| *saved = wanted).unwrap();
        assert_eq!(Config::load(&path).unwrap(), config);
    }

    #[cfg(unix)]
    #[test]
    fn saved_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        Config::update(&path, |_| ()).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn missing_file_is_empty_config() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            Config::load(&dir.path().join("none.toml")).unwrap(),
            Config::default()
        );
    }

    #[test]
    fn typo_is_reported_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "[profiles.default]\nclient_id = \"x\"\nresource_grp = \"a\"\n",
        )
        .unwrap();
        let err = Config::load(&path).unwrap_err().to_string();
        assert!(err.contains("resource_grp"), "{err}");
        assert!(err.contains("line 3"), "{err}");
    }

    #[test]
    fn the_example_parses_and_serve_models_map_names() {
        let example = include_str!("../../config.example.toml");
        Config::parse(Path::new("config.example.toml"), example).unwrap();
        let text = "[serve.models]\n\"claude-3-5-haiku-latest\" = \"gpt-4o\"\n";
        let config = Config::parse(Path::new("c.toml"), text).unwrap();
        assert_eq!(
            config
                .serve
                .models
                .get("claude-3-5-haiku-latest")
                .map(String::as_str),
            Some("gpt-4o")
        );
    }

    #[test]
    fn timeouts_fall_back_to_defaults() {
        let settings = TimeoutSettings {
            idle_secs: Some(5),
            ..TimeoutSettings::default()
        };
        let timeouts = settings.resolve();
        assert_eq!(timeouts.idle, Duration::from_secs(5));
        assert_eq!(timeouts.connect, Timeouts::default().connect);
    }
}
