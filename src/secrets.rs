//! Where client secrets live: the OS keyring (service `sapcode`, account = profile), or, where
//! no keyring works (SSH, containers, WSL, CI), a file readable only by the user in the config
//! dir, chosen explicitly (as `gh` does). Both sit behind one small trait, so tests use an
//! in-memory store or the file store in a temp dir and never touch the user's keyring.
//!
//! Library code never writes to the terminal (the TUI may own it): what the user should know,
//! such as a fallback to the kernel keyring, is kept as a notice the caller shows.
//!
//! Keyring calls block (D-Bus round trips); async callers run them in `spawn_blocking`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use secrecy::{ExposeSecret, SecretString};

mod file;

pub use file::{FileStore, SECRETS_FILE_NAME};

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
            return "the kernel keyring refused too (it needs a session keyring): keep the secret \
                    in a file only you can read with `sapcode login --store file`, or set \
                    AICORE_SERVICE_KEY to the service key JSON";
        }
        if self.backend.starts_with(file::BACKEND) {
            return "check that the config dir is writable and the secrets file is yours, \
                    or set AICORE_SERVICE_KEY to the service key JSON";
        }
        "no usable keyring: keep the secret in a file only you can read with \
         `sapcode login --store file`, or set AICORE_SERVICE_KEY to the service key JSON"
    }
}

/// Where a profile's secret is kept; `credential_store` in the config file, `--store` for
/// `login`, `SAPCODE_KEYRING` for the whole process.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    /// The OS keyring (on Linux the kernel keyring when no Secret Service answers).
    #[default]
    Keyring,
    /// `secrets.json` beside the config file, mode 0600: plain text, protected only by file
    /// permissions, for machines without a working keyring.
    File,
}

impl StoreKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::Keyring => "keyring",
            StoreKind::File => "file",
        }
    }
}

/// Opens the store for `kind`. `keyring_setting` is `SAPCODE_KEYRING` (which, when set,
/// wins over `kind`); `config_dir` holds the file store.
pub fn open_store(
    kind: StoreKind,
    keyring_setting: Option<&str>,
    config_dir: &Path,
) -> Result<Box<dyn SecretStore>, SecretError> {
    match keyring_setting.map(str::trim).filter(|s| !s.is_empty()) {
        Some("file") => Ok(Box::new(FileStore::in_dir(config_dir))),
        Some(setting) => store_from_setting(Some(setting)),
        None => match kind {
            StoreKind::Keyring => store_from_setting(None),
            StoreKind::File => Ok(Box::new(FileStore::in_dir(config_dir))),
        },
    }
}

/// The stores that answer on this machine, for the settings screen to offer: the keyring
/// when a lookup in it works (best effort: a keyring may still refuse a write), and the file
/// store always.
pub fn working_stores() -> Vec<StoreKind> {
    let mut found = Vec::new();
    if let Ok(store) = store_from_setting(None)
        && store.get("sapcode-probe").is_ok()
    {
        found.push(StoreKind::Keyring);
    }
    found.push(StoreKind::File);
    found
}

/// A place to keep one secret per profile.
pub trait SecretStore: Send + Sync {
    fn get(&self, profile: &str) -> Result<Option<SecretString>, SecretError>;
    fn set(&self, profile: &str, secret: &SecretString) -> Result<(), SecretError>;
    /// Returns whether there was something to delete.
    fn delete(&self, profile: &str) -> Result<bool, SecretError>;
    /// Names the backend in messages ("Secret Service", "macOS Keychain", ...).
    fn name(&self) -> String;
    /// Something the user should know about the last calls (a fallback), once; the caller
    /// prints it or shows it in the TUI.
    fn take_notice(&self) -> Option<String> {
        None
    }
    /// Whether a secret for `profile` written here would stay: a keyring may answer lookups
    /// and still refuse writes. Only for a profile with no readable secret (it probes by
    /// writing and removing one), on error paths that must pick a hint.
    fn accepts_writes(&self, _profile: &str) -> bool {
        true
    }
}

/// Writes and removes a throw-away value under `profile`, whose entry must hold nothing
/// readable (the caller just found none): an entry left by another session may refuse
/// writes while other names take them, so the probe uses the very name a login would.
fn probe_writes(store: &dyn SecretStore, profile: &str) -> bool {
    let written = store.set(profile, &SecretString::from("probe")).is_ok();
    if written {
        let _ = store.delete(profile);
    }
    written
}

/// Picks the keyring from `SAPCODE_KEYRING`: unset or `os` (the platform keyring; on Linux
/// falling back to the kernel keyring when no Secret Service answers) or `keyutils` (Linux
/// kernel keyring, lost at logout). `file` is handled by `open_store`.
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
        Some(other) => Err(SecretError {
            backend: "SAPCODE_KEYRING".into(),
            detail: format!("unknown value '{other}': use os, keyutils (Linux) or file"),
        }),
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

    fn accepts_writes(&self, profile: &str) -> bool {
        probe_writes(self, profile)
    }
}

/// The platform keyring, and when it is not there at all (no Secret Service on the session
/// bus: `PlatformFailure`, `NoStorageAccess`) the kernel keyring, said once as a notice.
/// Other failures (a locked item, a refused prompt) are reported, not papered over.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub struct WithFallback {
    primary: OsKeyring,
    fallback: OsKeyring,
    fell_back: std::sync::atomic::AtomicBool,
    told: std::sync::atomic::AtomicBool,
    notice: Mutex<Option<String>>,
}

pub const FALLBACK_NOTICE: &str = "Secret Service unavailable; using the kernel keyring (kept until logout; `--store file` keeps the secret in a file instead)";

#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
impl WithFallback {
    fn new(primary: OsKeyring, fallback: OsKeyring) -> WithFallback {
        WithFallback {
            primary,
            fallback,
            fell_back: std::sync::atomic::AtomicBool::new(false),
            told: std::sync::atomic::AtomicBool::new(false),
            notice: Mutex::new(None),
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
                    self.fell_back.store(true, Ordering::Relaxed);
                }
                other => return other.map_err(|err| self.primary.error(err)),
            }
        }
        let result = op(&self.fallback).map_err(|err| self.fallback.error(err));
        // Said only once the kernel keyring has done what was asked: "using the kernel
        // keyring" followed by its refusal told the user two contradicting things.
        if result.is_ok() && !self.told.swap(true, Ordering::Relaxed) {
            *lock(&self.notice) = Some(FALLBACK_NOTICE.into());
        }
        result
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

    fn take_notice(&self) -> Option<String> {
        lock(&self.notice).take()
    }

    fn accepts_writes(&self, profile: &str) -> bool {
        probe_writes(self, profile)
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
        .unwrap_or_else(std::sync::PoisonError::into_inner)
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
        let store = open_store(StoreKind::File, None, dir.path()).unwrap();
        exercise(store.as_ref());
        let store = open_store(StoreKind::Keyring, Some("file"), dir.path()).unwrap();
        assert!(store.name().contains(SECRETS_FILE_NAME), "{}", store.name());
    }

    #[test]
    fn the_test_only_insecure_file_setting_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let setting = format!("insecure-file:{}", dir.path().join("k.json").display());
        let err = open_store(StoreKind::Keyring, Some(&setting), dir.path())
            .err()
            .unwrap();
        assert!(err.to_string().contains("unknown value"), "{err}");
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
        // Said once, to the caller rather than on stderr.
        assert_eq!(store.take_notice().as_deref(), Some(FALLBACK_NOTICE));
        store.get("p").unwrap();
        assert_eq!(store.take_notice(), None);
    }

    #[test]
    fn a_kernel_keyring_that_refuses_too_is_never_announced_as_in_use() {
        let store = WithFallback::new(
            OsKeyring {
                name: "Secret Service (D-Bus)",
                builder: |_| Err(keyring::Error::PlatformFailure("no bus".into())),
            },
            OsKeyring {
                name: "kernel keyutils",
                builder: |_| Err(keyring::Error::NoStorageAccess("EACCES".into())),
            },
        );
        let err = store.set("p", &SecretString::from("s")).unwrap_err();
        assert!(err.hint().contains("--store file"), "{}", err.hint());
        assert_eq!(store.take_notice(), None);
        assert!(!store.accepts_writes("p"));
    }

    #[test]
    fn the_write_probe_leaves_nothing_behind() {
        let store = MemoryStore::default();
        assert!(store.accepts_writes("p"));
        assert!(store.get("p").unwrap().is_none());
        let file_dir = tempfile::tempdir().unwrap();
        let file = FileStore::in_dir(file_dir.path());
        assert!(file.accepts_writes("p"));
        assert!(file.get("p").unwrap().is_none());
        let keyring = WithFallback::new(
            OsKeyring {
                name: "Secret Service (D-Bus)",
                builder: |_| {
                    Ok(keyring::Entry::new_with_credential(Box::new(
                        keyring::mock::MockCredential::default(),
                    )))
                },
            },
            OsKeyring {
                name: "kernel keyutils",
                builder: |_| panic!("not needed"),
            },
        );
        assert!(keyring.accepts_writes("p"));
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
