//! The contract's credential order, first match wins:
//! 1. `AICORE_SERVICE_KEY` (whole service key JSON, as SAP's SDKs read it),
//! 2. `AICORE_CLIENT_ID` + `AICORE_CLIENT_SECRET` + `AICORE_AUTH_URL` + `AICORE_BASE_URL`,
//! 3. the profile in the config file plus its secret from the keyring.
//!
//! The process environment is read once into [`Environment`] and passed in as a value.

use secrecy::{ExposeSecret, SecretString};

use crate::aicore::ServiceKey;
use crate::config::{Config, Profile};
use crate::secrets::{SecretError, SecretStore};

/// The variables sapcode reads, captured once at start-up.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    pub service_key: Option<SecretString>,
    pub client_id: Option<String>,
    pub client_secret: Option<SecretString>,
    pub auth_url: Option<String>,
    pub base_url: Option<String>,
    pub resource_group: Option<String>,
    pub keyring: Option<String>,
}

impl Environment {
    pub fn from_process() -> Environment {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|value| !value.trim().is_empty())
        };
        Environment {
            service_key: var("AICORE_SERVICE_KEY").map(SecretString::from),
            client_id: var("AICORE_CLIENT_ID"),
            client_secret: var("AICORE_CLIENT_SECRET").map(SecretString::from),
            auth_url: var("AICORE_AUTH_URL"),
            base_url: var("AICORE_BASE_URL"),
            resource_group: var("AICORE_RESOURCE_GROUP"),
            keyring: var("SAPCODE_KEYRING"),
        }
    }

    fn client_variables_set(&self) -> Vec<&'static str> {
        [
            ("AICORE_CLIENT_ID", self.client_id.is_some()),
            ("AICORE_CLIENT_SECRET", self.client_secret.is_some()),
            ("AICORE_AUTH_URL", self.auth_url.is_some()),
            ("AICORE_BASE_URL", self.base_url.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
    }
}

/// Where the credentials in use came from; shown by `doctor` and the TUI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    ServiceKeyVariable,
    ClientVariables,
    Profile { name: String, keyring: String },
    Simulator,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::ServiceKeyVariable => write!(f, "AICORE_SERVICE_KEY"),
            Source::ClientVariables => write!(f, "AICORE_CLIENT_* variables"),
            Source::Profile { name, keyring } => write!(f, "profile '{name}' ({keyring})"),
            Source::Simulator => write!(f, "built-in simulator"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("no SAP AI Core credentials found")]
    NoneFound,
    #[error("AICORE_CLIENT_* variables are incomplete: {missing} not set")]
    IncompleteVariables { missing: String },
    #[error("unknown profile '{name}'{}", known_list(known))]
    UnknownProfile { name: String, known: Vec<String> },
    #[error("profile '{name}' lacks {field} in the config file")]
    IncompleteProfile { name: String, field: &'static str },
    #[error("no client secret for profile '{name}' in the {keyring} keyring")]
    NoSecret {
        name: String,
        keyring: String,
        /// Whether that keyring keeps what is written to it: when not, `login` with it would
        /// fail the same way, so the hint names the file store instead.
        keyring_works: bool,
    },
    #[error(transparent)]
    Keyring(#[from] SecretError),
    #[error(transparent)]
    Key(#[from] crate::aicore::Error),
}

fn known_list(known: &[String]) -> String {
    if known.is_empty() {
        String::new()
    } else {
        format!(" (known: {})", known.join(", "))
    }
}

impl CredentialError {
    pub fn hint(&self) -> String {
        match self {
            CredentialError::NoneFound => "run `sapcode login` with your service key, set AICORE_SERVICE_KEY, or try `sapcode --demo`".into(),
            CredentialError::IncompleteVariables { .. } => "set all four AICORE_CLIENT_ID, AICORE_CLIENT_SECRET, AICORE_AUTH_URL, AICORE_BASE_URL, or use AICORE_SERVICE_KEY".into(),
            CredentialError::UnknownProfile { name, .. } | CredentialError::IncompleteProfile { name, .. } => {
                format!("run `sapcode login --profile {name}`")
            }
            CredentialError::NoSecret { name, keyring_works: true, .. } => format!("run `sapcode login --profile {name}` to store it, or set AICORE_SERVICE_KEY"),
            CredentialError::NoSecret { name, keyring_works: false, .. } => format!(
                "this machine has no keyring that keeps secrets: run `sapcode login --profile {name} --store file` \
                 (a file only you can read), or set AICORE_SERVICE_KEY"
            ),
            CredentialError::Keyring(err) => err.hint().into(),
            CredentialError::Key(err) => err.hint(),
        }
    }
}

/// What the keyring holds for an X.509 key: both PEMs (the private key is the secret).
#[derive(serde::Serialize, serde::Deserialize)]
struct CertificateSecret {
    certificate: String,
    key: String,
}

/// Resolves credentials in the contract's order.
pub fn resolve(
    env: &Environment,
    config: &Config,
    profile_name: &str,
    store: &dyn SecretStore,
) -> Result<(ServiceKey, Source), CredentialError> {
    if let Some(json) = &env.service_key {
        return Ok((
            ServiceKey::from_json(json.expose_secret())?,
            Source::ServiceKeyVariable,
        ));
    }
    let set = env.client_variables_set();
    if !set.is_empty() {
        return match (
            &env.client_id,
            &env.client_secret,
            &env.auth_url,
            &env.base_url,
        ) {
            (Some(id), Some(secret), Some(auth), Some(base)) => Ok((
                ServiceKey::from_parts(id, secret.clone(), auth, base)?,
                Source::ClientVariables,
            )),
            _ => Err(CredentialError::IncompleteVariables {
                missing: missing_variables(&set),
            }),
        };
    }
    let Some(profile) = config.profile(profile_name) else {
        return Err(if config.profiles.is_empty() {
            CredentialError::NoneFound
        } else {
            CredentialError::UnknownProfile {
                name: profile_name.into(),
                known: config.profiles.keys().cloned().collect(),
            }
        });
    };
    let secret = store
        .get(profile_name)?
        .ok_or_else(|| CredentialError::NoSecret {
            name: profile_name.into(),
            keyring: store.name(),
            keyring_works: store.accepts_writes(profile_name),
        })?;
    let key = key_from_profile(profile_name, profile, &secret)?;
    Ok((
        key,
        Source::Profile {
            name: profile_name.into(),
            keyring: store.name(),
        },
    ))
}

fn missing_variables(set: &[&str]) -> String {
    [
        "AICORE_CLIENT_ID",
        "AICORE_CLIENT_SECRET",
        "AICORE_AUTH_URL",
        "AICORE_BASE_URL",
    ]
    .into_iter()
    .filter(|name| !set.contains(name))
    .collect::<Vec<_>>()
    .join(", ")
}

fn key_from_profile(
    name: &str,
    profile: &Profile,
    secret: &SecretString,
) -> Result<ServiceKey, CredentialError> {
    let field = |value: &Option<String>, field: &'static str| {
        value.clone().ok_or(CredentialError::IncompleteProfile {
            name: name.into(),
            field,
        })
    };
    let client_id = field(&profile.client_id, "client_id")?;
    let auth_url = field(&profile.auth_url, "auth_url")?;
    let base_url = field(&profile.base_url, "base_url")?;
    // A certificate key is stored as JSON; a client secret never starts with `{`.
    if secret.expose_secret().trim_start().starts_with('{') {
        let cert: CertificateSecret =
            serde_json::from_str(secret.expose_secret()).map_err(|_| {
                CredentialError::NoSecret {
                    name: name.into(),
                    keyring: "readable".into(),
                    keyring_works: true,
                }
            })?;
        let json = serde_json::json!({
            "clientid": client_id,
            "certurl": auth_url,
            "certificate": cert.certificate,
            "key": cert.key,
            "credential-type": "x509",
            "serviceurls": { "AI_API_URL": base_url },
        });
        return Ok(ServiceKey::from_json(&json.to_string())?);
    }
    Ok(ServiceKey::from_parts(
        &client_id,
        secret.clone(),
        &auth_url,
        &base_url,
    )?)
}

/// Saves a login the way a machine without a keyring still keeps most of it: the profile's
/// non-secret fields first (`update` edits the config as read under its lock), then the secret (when
/// given) in `store`. The outer error is the config file's; the inner result says where the
/// secret went, or why it could not be stored, for the caller to report on its own line.
pub fn save_login(
    config_file: &std::path::Path,
    profile_name: &str,
    update: impl FnOnce(&mut Config),
    store: &dyn SecretStore,
    secret: Option<&SecretString>,
) -> Result<Result<String, SecretError>, crate::config::ConfigError> {
    // Under the config's lock, on the file as it is now (another login may have saved).
    Config::update(config_file, |config| {
        update(config);
        config.profile_mut(profile_name);
    })?;
    Ok(match secret {
        Some(secret) => store.set(profile_name, secret).map(|()| store.name()),
        None => Ok(store.name()),
    })
}

/// The non-secret part of a service key as it goes into the config file, and the secret
/// as it goes into the keyring.
pub fn split_for_storage(key_json: &str) -> Result<(Profile, SecretString), crate::aicore::Error> {
    let key = ServiceKey::from_json(key_json)?;
    let value: serde_json::Value =
        serde_json::from_str(key_json).unwrap_or(serde_json::Value::Null);
    let text = |path: &[&str]| {
        path.iter()
            .try_fold(&value, |node, segment| node.get(segment))
            .and_then(|node| node.as_str())
            .map(str::to_owned)
    };
    let secret = match &key.credential {
        crate::aicore::service_key::Credential::Secret(secret) => secret.clone(),
        crate::aicore::service_key::Credential::Certificate {
            certificate_pem,
            key_pem,
        } => SecretString::from(
            serde_json::to_string(&CertificateSecret {
                certificate: certificate_pem.clone(),
                key: key_pem.expose_secret().to_owned(),
            })
            .unwrap_or_default(),
        ),
    };
    let profile = Profile {
        client_id: Some(key.client_id.clone()),
        auth_url: text(&["certurl"]).or_else(|| text(&["url"])),
        base_url: text(&["serviceurls", "AI_API_URL"]),
        ..Profile::default()
    };
    Ok((profile, secret))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::MemoryStore;

    const KEY: &str = r#"{"clientid":"sb-1|aicore!b540","clientsecret":"s3cr$t=",
        "url":"https://t.authentication.eu10.hana.ondemand.com",
        "serviceurls":{"AI_API_URL":"https://api.ai.prod.eu-central-1.aws.ml.hana.ondemand.com"}}"#;

    fn profile_config() -> Config {
        let mut config = Config::default();
        *config.profile_mut("work") = Profile {
            client_id: Some("sb-2".into()),
            auth_url: Some("https://w.authentication.eu10.hana.ondemand.com".into()),
            base_url: Some("https://api.ai.prod.eu-central-1.aws.ml.hana.ondemand.com".into()),
            ..Profile::default()
        };
        config
    }

    #[test]
    fn service_key_variable_wins_over_everything() {
        let env = Environment {
            service_key: Some(KEY.to_owned().into()),
            client_id: Some("ignored".into()),
            ..Environment::default()
        };
        let (key, source) =
            resolve(&env, &profile_config(), "work", &MemoryStore::default()).unwrap();
        assert_eq!(source, Source::ServiceKeyVariable);
        assert_eq!(key.client_id, "sb-1|aicore!b540");
    }

    #[test]
    fn client_variables_come_second_and_must_be_complete() {
        let mut env = Environment {
            client_id: Some("sb-3".into()),
            client_secret: Some("x".to_owned().into()),
            ..Environment::default()
        };
        let err = resolve(&env, &profile_config(), "work", &MemoryStore::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "AICORE_CLIENT_* variables are incomplete: AICORE_AUTH_URL, AICORE_BASE_URL not set"
        );
        env.auth_url = Some("https://a.authentication.eu10.hana.ondemand.com".into());
        env.base_url = Some("https://api.ai.x.ml.hana.ondemand.com/v2".into());
        let (key, source) =
            resolve(&env, &profile_config(), "work", &MemoryStore::default()).unwrap();
        assert_eq!(source, Source::ClientVariables);
        assert_eq!(key.client_id, "sb-3");
    }

    #[test]
    fn profile_needs_its_secret_from_the_keyring() {
        let store = MemoryStore::default();
        let err = resolve(&Environment::default(), &profile_config(), "work", &store).unwrap_err();
        assert!(matches!(err, CredentialError::NoSecret { .. }), "{err}");
        store.set("work", &SecretString::from("pw")).unwrap();
        let (key, source) =
            resolve(&Environment::default(), &profile_config(), "work", &store).unwrap();
        assert_eq!(key.client_id, "sb-2");
        assert!(matches!(source, Source::Profile { .. }));
    }

    #[test]
    fn unknown_profile_lists_the_known_ones() {
        let err = resolve(
            &Environment::default(),
            &profile_config(),
            "home",
            &MemoryStore::default(),
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "unknown profile 'home' (known: work)");
        let err = resolve(
            &Environment::default(),
            &Config::default(),
            "default",
            &MemoryStore::default(),
        )
        .unwrap_err();
        assert!(matches!(err, CredentialError::NoneFound));
    }

    /// A store where nothing works, like a container without a keyring.
    struct Broken;

    impl SecretStore for Broken {
        fn get(&self, _: &str) -> Result<Option<SecretString>, SecretError> {
            Err(self.failure())
        }
        fn set(&self, _: &str, _: &SecretString) -> Result<(), SecretError> {
            Err(self.failure())
        }
        fn delete(&self, _: &str) -> Result<bool, SecretError> {
            Err(self.failure())
        }
        fn name(&self) -> String {
            "kernel keyutils".into()
        }
    }

    impl Broken {
        fn failure(&self) -> SecretError {
            SecretError {
                backend: self.name(),
                detail: "needs a session keyring".into(),
            }
        }
    }

    #[test]
    fn profile_fields_are_saved_even_when_the_secret_cannot_be() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let (fields, secret) = split_for_storage(KEY).unwrap();
        let saved = save_login(
            &path,
            "work",
            |config| *config.profile_mut("work") = fields.clone(),
            &Broken,
            Some(&secret),
        )
        .unwrap();
        let err = saved.unwrap_err();
        assert!(err.hint().contains("--store file"), "{}", err.hint());
        let config = Config::load(&path).unwrap();
        assert_eq!(config.profile("work"), Some(&fields));
        let store = crate::secrets::FileStore::in_dir(dir.path());
        let saved = save_login(&path, "work", |_| {}, &store, Some(&secret)).unwrap();
        assert!(saved.unwrap().contains("secrets.json"));
        assert_eq!(
            store.get("work").unwrap().unwrap().expose_secret(),
            "s3cr$t="
        );
    }

    #[test]
    fn storage_split_keeps_the_secret_out_of_the_profile() {
        let (profile, secret) = split_for_storage(KEY).unwrap();
        assert_eq!(secret.expose_secret(), "s3cr$t=");
        let toml = toml::to_string(&profile).unwrap();
        assert!(!toml.contains("s3cr$t="));
        assert!(toml.contains("sb-1|aicore!b540"));
    }
}
