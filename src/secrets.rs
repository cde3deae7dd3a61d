//! Where client secrets live: the OS keyring (service `sapcode`, account = profile) behind a
//! small trait, so tests use an in-memory or file store and never touch the user's keyring.
//!
//! Keyring calls block (D-Bus round trips); async callers run them in `spawn_blocking`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use secrecy::{ExposeSecret, SecretString};

pub const KEYRING_SERVICE: &str = "sapcode";

#[derive(Debug, thiserror::Error)]
#[error("{backend} keyring: {detail}")]
pub struct SecretError {
    pub backend: String,
    pub detail: String,
}

impl SecretError {
    pub fn hint(&self) -> &'static str {
        if self.backend == "kernel keyutils" {
            return "the kernel keyring refused too (it needs a session keyring: run inside \
                    `keyctl session -`): set AICORE_SERVICE_KEY to the service key JSON instead";
        }
        "no usable keyring: set AICORE_SERVICE_KEY to the service key JSON instead, \
         or on Linux without a Secret Service try SAPCODE_KEYRING=keyutils"
    }
}

/// A place to keep one secret per profile.
pub trait SecretStore: Send + Sync {
    fn get(&self, profile: &str) -> Result<Option<SecretString>, SecretError>;
    fn set(&self, profile: &str, secret: &SecretString) -> Result<(), SecretError>;
    /// Returns whether there was something to delete.
    fn delete(&self, profile: &str) -> Result<bool, SecretError>;
    /// Names the backend in messages ("Secret Service", "macOS Keychain", ...).
    fn name(&self) -> String;
}

/// Picks the store from `SAPCODE_KEYRING`: unset or `os` (the platform keyring; on Linux
/// falling back to the kernel keyring when no Secret Service answers), `keyutils` (Linux
/// kernel keyring, lost at logout), or `insecure-file:PATH` (plain text; tests only).
pub fn store_from_setting(setting: Option<&str>) -> Result<Box<dyn SecretStore>, SecretError> {
    match setting.map(str::trim) {
        #[cfg(target_os = "linux")]
        None | Some("") | Some("os") => Ok(Box::new(WithFallback::new(
            OsKeyring::platform(),
            OsKeyring::keyutils(),
        ))),
        #[cfg(not(target_os = "linux"))]
        None | Some("") | Some("os") => Ok(Box::new(OsKeyring::platform())),
        #[cfg(target_os = "linux")]
        Some("keyutils") => Ok(Box::new(OsKeyring::keyutils())),
        Some(other) => match other.strip_prefix("insecure-file:") {
            Some(path) if !path.is_empty() => Ok(Box::new(FileStore {
                path: PathBuf::from(path),
            })),
            _ => Err(SecretError {
                backend: "SAPCODE_KEYRING".into(),
                detail: format!(
                    "unknown value '{other}': use os, keyutils (Linux) or insecure-file:PATH"
                ),
            }),
        },
    }
}

/// The operating system's keyring through the `keyring` crate.
pub struct OsKeyring {
    name: &'static str,
    builder: fn(&str) -> keyring::Result<keyring::Entry>,
}

impl OsKeyring {
    fn platform() -> OsKeyring {
        OsKeyring {
            name: platform_keyring_name(),
            builder: |profile| keyring::Entry::new(KEYRING_SERVICE, profile),
        }
    }

    #[cfg(target_os = "linux")]
    fn keyutils() -> OsKeyring {
        OsKeyring {
            name: "kernel keyutils",
            builder: |profile| {
                let credential = keyring::keyutils::KeyutilsCredential::new_with_target(
                    None,
                    KEYRING_SERVICE,
                    profile,
                )?;
                Ok(keyring::Entry::new_with_credential(Box::new(credential)))
            },
        }
    }

    fn error(&self, err: keyring::Error) -> SecretError {
        let detail = match err {
            keyring::Error::PlatformFailure(cause) => format!("not available ({cause})"),
            keyring::Error::NoStorageAccess(cause) => format!("locked or refused access ({cause})"),
            other => other.to_string(),
        };
        SecretError {
            backend: self.name.into(),
            detail: first_line(&detail),
        }
    }
}

fn platform_keyring_name() -> &'static str {
    if cfg!(target_os = "macos") {
        "macOS Keychain"
    } else if cfg!(target_os = "windows") {
        "Windows Credential Manager"
    } else {
        "Secret Service (D-Bus)"
    }
}

fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect()
}

impl OsKeyring {
    fn raw_get(&self, profile: &str) -> keyring::Result<Option<SecretString>> {
        match (self.builder)(profile)?.get_password() {
            Ok(secret) => Ok(Some(SecretString::from(secret))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(err) => Err(err),
        }
    }

    fn raw_set(&self, profile: &str, secret: &SecretString) -> keyring::Result<()> {
        (self.builder)(profile)?.set_password(secret.expose_secret())
    }

    fn raw_delete(&self, profile: &str) -> keyring::Result<bool> {
        match (self.builder)(profile)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(err) => Err(err),
        }
    }
}

impl SecretStore for OsKeyring {
    fn get(&self, profile: &str) -> Result<Option<SecretString>, SecretError> {
        self.raw_get(profile).map_err(|err| self.error(err))
    }

    fn set(&self, profile: &str, secret: &SecretString) -> Result<(), SecretError> {
        self.raw_set(profile, secret).map_err(|err| self.error(err))
    }

    fn delete(&self, profile: &str) -> Result<bool, SecretError> {
        self.raw_delete(profile).map_err(|err| self.error(err))
    }

    fn name(&self) -> String {
        self.name.into()
    }
}

/// The platform keyring, and when it is not there at all (no Secret Service on the session
/// bus: `PlatformFailure`, `NoStorageAccess`) the kernel keyring, said once on stderr.
/// Other failures (a locked item, a refused prompt) are reported, not papered over.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub struct WithFallback {
    primary: OsKeyring,
    fallback: OsKeyring,
    fell_back: std::sync::atomic::AtomicBool,
}

pub const FALLBACK_NOTICE: &str =
    "sapcode: Secret Service unavailable; using the kernel keyring (kept until logout)";

#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
impl WithFallback {
    fn new(primary: OsKeyring, fallback: OsKeyring) -> WithFallback {
        WithFallback {
            primary,
            fallback,
            fell_back: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn run<T>(&self, op: impl Fn(&OsKeyring) -> keyring::Result<T>) -> Result<T, SecretError> {
        use std::sync::atomic::Ordering;
        if !self.fell_back.load(Ordering::Relaxed) {
            match op(&self.primary) {
                Err(
                    keyring::Error::PlatformFailure(cause) | keyring::Error::NoStorageAccess(cause),
                ) => {
                    tracing::info!(cause = %first_line(&cause.to_string()), "secret service unavailable");
                    if !self.fell_back.swap(true, Ordering::Relaxed) {
                        eprintln!("{FALLBACK_NOTICE}");
                    }
                }
                other => return other.map_err(|err| self.primary.error(err)),
            }
        }
        op(&self.fallback).map_err(|err| self.fallback.error(err))
    }
}

impl SecretStore for WithFallback {
    fn get(&self, profile: &str) -> Result<Option<SecretString>, SecretError> {
        self.run(|store| store.raw_get(profile))
    }

    fn set(&self, profile: &str, secret: &SecretString) -> Result<(), SecretError> {
        self.run(|store| store.raw_set(profile, secret))
    }

    fn delete(&self, profile: &str) -> Result<bool, SecretError> {
        self.run(|store| store.raw_delete(profile))
    }

    fn name(&self) -> String {
        if self.fell_back.load(std::sync::atomic::Ordering::Relaxed) {
            self.fallback.name()
        } else {
            self.primary.name()
        }
    }
}

/// In-memory store for unit tests.
#[derive(Default)]
pub struct MemoryStore {
    secrets: Mutex<HashMap<String, String>>,
}

impl SecretStore for MemoryStore {
    fn get(&self, profile: &str) -> Result<Option<SecretString>, SecretError> {
        Ok(lock(&self.secrets)
            .get(profile)
            .cloned()
            .map(SecretString::from))
    }

    fn set(&self, profile: &str, secret: &SecretString) -> Result<(), SecretError> {
        lock(&self.secrets).insert(profile.into(), secret.expose_secret().into());
        Ok(())
    }

    fn delete(&self, profile: &str) -> Result<bool, SecretError> {
        Ok(lock(&self.secrets).remove(profile).is_some())
    }

    fn name(&self) -> String {
        "in-memory".into()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A JSON file of profile → secret, for tests that run the binary several times
/// (login, then run). Plain text by design: never the default, named "insecure".
pub struct FileStore {
    path: PathBuf,
}

impl FileStore {
    fn read(&self) -> Result<HashMap<String, String>, SecretError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|err| self.error(err.to_string())),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(HashMap::new()),
            Err(err) => Err(self.error(err.to_string())),
        }
    }

    fn write(&self, secrets: &HashMap<String, String>) -> Result<(), SecretError> {
        let bytes = serde_json::to_vec(secrets).map_err(|err| self.error(err.to_string()))?;
        crate::fsutil::write_atomic(&self.path, &bytes, /*private*/ true)
            .map_err(|err| self.error(err.to_string()))
    }

    fn error(&self, detail: String) -> SecretError {
        SecretError {
            backend: self.name(),
            detail,
        }
    }
}

impl SecretStore for FileStore {
    fn get(&self, profile: &str) -> Result<Option<SecretString>, SecretError> {
        Ok(self.read()?.remove(profile).map(SecretString::from))
    }

    fn set(&self, profile: &str, secret: &SecretString) -> Result<(), SecretError> {
        let mut secrets = self.read()?;
        secrets.insert(profile.into(), secret.expose_secret().into());
        self.write(&secrets)
    }

    fn delete(&self, profile: &str) -> Result<bool, SecretError> {
        let mut secrets = self.read()?;
        let existed = secrets.remove(profile).is_some();
        if existed {
            self.write(&secrets)?;
        }
        Ok(existed)
    }

    fn name(&self) -> String {
        format!("insecure file {}", self.path.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exercise(store: &dyn SecretStore) {
        assert!(store.get("p").unwrap().is_none());
        store.set("p", &SecretString::from("s$cret=")).unwrap();
        assert_eq!(store.get("p").unwrap().unwrap().expose_secret(), "s$cret=");
        assert!(store.get("other").unwrap().is_none());
        assert!(store.delete("p").unwrap());
        assert!(!store.delete("p").unwrap());
        assert!(store.get("p").unwrap().is_none());
    }

    #[test]
    fn memory_store_keeps_one_secret_per_profile() {
        exercise(&MemoryStore::default());
    }

    #[test]
    fn file_store_keeps_one_secret_per_profile() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_from_setting(Some(&format!(
            "insecure-file:{}",
            dir.path().join("k.json").display()
        )))
        .unwrap();
        exercise(store.as_ref());
    }

    #[test]
    fn keyring_is_picked_by_the_setting() {
        assert!(
            store_from_setting(None)
                .unwrap()
                .name()
                .contains("Secret Service")
                || !cfg!(target_os = "linux")
        );
        let err = store_from_setting(Some("vault")).err().unwrap();
        assert!(err.to_string().contains("unknown value 'vault'"), "{err}");
    }

    /// Uses the mock backend of the `keyring` crate so the OS keyring code path runs
    /// without touching the user's keyring.
    #[test]
    fn os_keyring_maps_missing_entries_to_none() {
        let store = OsKeyring {
            name: "mock",
            builder: |profile| {
                let credential = keyring::mock::MockCredential::default();
                let _ = profile;
                Ok(keyring::Entry::new_with_credential(Box::new(credential)))
            },
        };
        assert!(store.get("p").unwrap().is_none());
        assert!(!store.delete("p").unwrap());
    }

    #[test]
    fn unavailable_secret_service_falls_back_once() {
        fn mock(_: &str) -> keyring::Result<keyring::Entry> {
            Ok(keyring::Entry::new_with_credential(Box::new(
                keyring::mock::MockCredential::default(),
            )))
        }
        let store = WithFallback::new(
            OsKeyring {
                name: "Secret Service (D-Bus)",
                builder: |_| {
                    Err(keyring::Error::PlatformFailure(
                        "org.freedesktop.DBus.Error.ServiceUnknown".into(),
                    ))
                },
            },
            OsKeyring {
                name: "kernel keyutils",
                builder: mock,
            },
        );
        assert_eq!(store.name(), "Secret Service (D-Bus)");
        assert!(store.get("p").unwrap().is_none());
        store.set("p", &SecretString::from("s")).unwrap();
        assert_eq!(store.name(), "kernel keyutils");
    }

    #[test]
    fn other_keyring_failures_are_reported_not_hidden() {
        let store = WithFallback::new(
            OsKeyring {
                name: "Secret Service (D-Bus)",
                builder: |_| Err(keyring::Error::Invalid("service".into(), "bad".into())),
            },
            OsKeyring {
                name: "kernel keyutils",
                builder: |_| panic!("no fallback for this failure"),
            },
        );
        let err = store.get("p").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("Secret Service (D-Bus) keyring"),
            "{err}"
        );
        assert!(err.hint().contains("AICORE_SERVICE_KEY"));
    }
}
