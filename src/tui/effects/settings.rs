//! Importing a service key file into the settings form, and saving the form: the credentials are checked with a token request first; then
//! the non-secret fields go to the config file (under its lock) and only after that the
//! secret to its store, so a machine without a keyring still keeps everything but the secret.
//! When the keyring refuses, the caller is told where the file store would keep it, so the
//! settings can offer it in so many words.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use secrecy::{ExposeSecret, SecretString};

use crate::aicore::{Client, ServiceKey};
use crate::config::Config;
use crate::connect::Context;
use crate::credentials::CredentialError;
use crate::secrets::{FileStore, SecretStore, StoreKind};
use crate::tui::event::{ErrorView, Event, SettingsForm};

use super::paths::expand_home;
use super::{Runner, error_view};

impl Runner {
    pub(super) fn import_key(&self, path: String) {
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let path = expand_home(&path);
            let event = match std::fs::read_to_string(&path) {
                Err(err) => Event::SettingsFailed(ErrorView::new(
                    format!("cannot read service key file {}: {err}", path.display()),
                    "give the path of the JSON file downloaded from SAP BTP cockpit (AI Core instance > Service Keys)",
                )),
                Ok(json) => match crate::credentials::split_for_storage(&json) {
                    Ok((profile, secret)) => Event::KeyImported(SettingsForm {
                        client_id: profile.client_id.unwrap_or_default(),
                        client_secret: secret.expose_secret().to_owned(),
                        auth_url: profile.auth_url.unwrap_or_default(),
                        base_url: profile.base_url.unwrap_or_default(),
                        ..SettingsForm::default()
                    }),
                    Err(err) => Event::SettingsFailed(ErrorView::from(&err)),
                },
            };
            let _ = tx.send(event);
        });
    }

    pub(super) fn save_settings(
        &self,
        form: SettingsForm,
        store: Option<crate::secrets::StoreKind>,
    ) {
        let tx = self.tx.clone();
        let ctx = self.ctx.clone();
        tokio::spawn(async move {
            let event = match save_settings(&ctx, &form, store).await {
                Ok(Saved::Stored { store }) => Event::SettingsSaved {
                    form,
                    keyring: store,
                },
                Ok(Saved::NoKeyring { reason, file }) => Event::KeyringRefused {
                    reason,
                    file: file.display().to_string(),
                },
                Err(err) => Event::SettingsFailed(error_view(&err)),
            };
            let _ = tx.send(event);
        });
    }
}

/// How a save ended once the credentials were accepted and the config file written.
#[derive(Debug)]
pub(super) enum Saved {
    /// The secret is in the store named.
    Stored { store: String },
    /// The keyring refused (`reason`): the secret could go to the file store at `file`.
    NoKeyring { reason: String, file: PathBuf },
}

/// Checks the credentials with a token request, then saves the config file and the secret.
/// `store`: where the user chose to keep the secret (None: the profile's store). Nothing is
/// written when the check fails.
pub(super) async fn save_settings(
    ctx: &Context,
    form: &SettingsForm,
    store: Option<StoreKind>,
) -> anyhow::Result<Saved> {
    // Read again: an earlier save in this session may have moved the profile to the file.
    let path = ctx.paths.config_file.clone();
    let config = tokio::task::spawn_blocking(move || Config::load(&path))
        .await
        .context("config task")??;
    let kind = store.unwrap_or_else(|| config.credential_store(&form.profile));
    let secrets: Arc<dyn SecretStore> = Arc::from(ctx.secret_store_of(kind)?);
    let secret = match form.client_secret.as_str() {
        "" => stored_secret(secrets.clone(), &form.profile).await?,
        typed => SecretString::from(typed.to_owned()),
    };
    let key = ServiceKey::from_parts(
        &form.client_id,
        secret.clone(),
        &form.auth_url,
        &form.base_url,
    )?;
    let options = crate::aicore::ClientOptions {
        resource_group: form.resource_group.clone(),
        ..ctx.client_options()
    };
    Client::new(key, options)?
        .fetch_token()
        .await
        .context("checking the credentials")?;
    let path = ctx.paths.config_file.clone();
    let form = form.clone();
    let typed = (!form.client_secret.is_empty()).then_some(secret);
    // Only the keyring falls back to the file, and only when nothing forces the store.
    let fallback = (kind == StoreKind::Keyring && ctx.env.keyring.is_none())
        .then(|| FileStore::in_dir(&ctx.paths.config_dir()).path().to_owned());
    tokio::task::spawn_blocking(move || {
        store_all(
            &path,
            &form,
            store,
            secrets.as_ref(),
            typed.as_ref(),
            fallback,
        )
    })
    .await
    .context("saving task")?
}

/// Writes the config file (the non-secret fields, and `store` when the user chose one), then
/// the secret when one was typed. A refused secret with a `fallback` file is an offer, not
/// an error: the config is saved either way.
fn store_all(
    config_file: &Path,
    form: &SettingsForm,
    store: Option<StoreKind>,
    secrets: &dyn SecretStore,
    typed: Option<&SecretString>,
    fallback: Option<PathBuf>,
) -> anyhow::Result<Saved> {
    let outcome = crate::credentials::save_login(
        config_file,
        &form.profile,
        |config| {
            let profile = config.profile_mut(&form.profile);
            profile.client_id = Some(form.client_id.clone());
            profile.auth_url = Some(form.auth_url.clone());
            profile.base_url = Some(form.base_url.clone());
            profile.resource_group = Some(form.resource_group.clone());
            profile.mode = Some(form.mode);
            if store.is_some() {
                profile.credential_store = store;
            }
            config.profile = Some(form.profile.clone());
        },
        secrets,
        typed,
    )?;
    // A fallback (to the kernel keyring) is said in the settings, never on stderr.
    let notice = secrets.take_notice();
    match (outcome, fallback) {
        (Ok(store), _) => Ok(Saved::Stored {
            store: match notice {
                Some(notice) => format!("{store} ({notice})"),
                None => store,
            },
        }),
        (Err(err), Some(file)) => Ok(Saved::NoKeyring {
            reason: err.to_string(),
            file,
        }),
        (Err(err), None) => {
            Err(anyhow::Error::new(err).context("the settings were saved, the secret was not"))
        }
    }
}

/// The secret saved earlier for `profile`, read off the async runtime (keyrings block).
async fn stored_secret(store: Arc<dyn SecretStore>, profile: &str) -> anyhow::Result<SecretString> {
    let reader = store.clone();
    let name = profile.to_owned();
    tokio::task::spawn_blocking(move || reader.get(&name))
        .await
        .context("keyring task")??
        .ok_or_else(|| {
            CredentialError::NoSecret {
                name: profile.to_owned(),
                keyring: store.name(),
                // The settings screen offers the file store itself when a save fails.
                keyring_works: true,
            }
            .into()
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::SecretError;
    use secrecy::ExposeSecret;

    /// A keyring that answers nothing, as on a machine without Secret Service or keyutils.
    struct NoKeyring;

    impl SecretStore for NoKeyring {
        fn get(&self, _: &str) -> Result<Option<SecretString>, SecretError> {
            Err(refused())
        }
        fn set(&self, _: &str, _: &SecretString) -> Result<(), SecretError> {
            Err(refused())
        }
        fn delete(&self, _: &str) -> Result<bool, SecretError> {
            Err(refused())
        }
        fn name(&self) -> String {
            "kernel keyutils".into()
        }
    }

    fn refused() -> SecretError {
        SecretError {
            backend: "kernel keyutils".into(),
            detail: "needs a session keyring".into(),
        }
    }

    fn form() -> SettingsForm {
        SettingsForm {
            profile: "default".into(),
            client_id: "sb-1".into(),
            client_secret: "s3cr3t".into(),
            auth_url: "http://127.0.0.1:1/oauth/token".into(),
            base_url: "http://127.0.0.1:1".into(),
            resource_group: "team-a".into(),
            mode: crate::aicore::Mode::Orchestration,
        }
    }

    #[test]
    fn without_a_keyring_the_config_is_saved_and_the_file_store_offered() {
        let dir = tempfile::tempdir().unwrap();
        let config_file = dir.path().join("config.toml");
        let secret = SecretString::from("s3cr3t".to_owned());
        let file = dir.path().join("secrets.json");
        let saved = store_all(
            &config_file,
            &form(),
            None,
            &NoKeyring,
            Some(&secret),
            Some(file.clone()),
        )
        .unwrap();
        match saved {
            Saved::NoKeyring {
                reason,
                file: offered,
            } => {
                assert_eq!(offered, file);
                assert!(reason.contains("needs a session keyring"), "{reason}");
            }
            Saved::Stored { store } => panic!("stored in {store}"),
        }
        let config = Config::load(&config_file).unwrap();
        let profile = config.profile("default").unwrap();
        assert_eq!(profile.client_id.as_deref(), Some("sb-1"));
        assert_eq!(profile.resource_group.as_deref(), Some("team-a"));
        assert!(
            !std::fs::read_to_string(&config_file)
                .unwrap()
                .contains("s3cr3t")
        );
    }

    #[test]
    fn choosing_the_file_store_keeps_the_secret_there_and_says_so_in_the_profile() {
        let dir = tempfile::tempdir().unwrap();
        let config_file = dir.path().join("config.toml");
        let secret = SecretString::from("s3cr3t".to_owned());
        let files = FileStore::in_dir(dir.path());
        let saved = store_all(
            &config_file,
            &form(),
            Some(StoreKind::File),
            &files,
            Some(&secret),
            None,
        )
        .unwrap();
        assert!(matches!(saved, Saved::Stored { .. }), "{saved:?}");
        let config = Config::load(&config_file).unwrap();
        assert_eq!(config.credential_store("default"), StoreKind::File);
        let kept = files.get("default").unwrap().unwrap();
        assert_eq!(kept.expose_secret(), "s3cr3t");
    }
}
