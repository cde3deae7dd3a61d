//! Saving the settings form: the credentials are checked with a token request first, then
//! the secret goes to the keyring and the rest to the config file (under its lock).

use std::sync::Arc;

use anyhow::Context as _;
use secrecy::SecretString;

use crate::aicore::{Client, ServiceKey};
use crate::config::Config;
use crate::connect::Context;
use crate::credentials::CredentialError;
use crate::tui::event::SettingsForm;

/// Checks the credentials with a token request, then stores the secret in the keyring and
/// the rest in the config file. Nothing is written when the check fails.
pub(super) async fn save_settings(ctx: &Context, form: &SettingsForm) -> anyhow::Result<String> {
    let store: Arc<dyn crate::secrets::SecretStore> = Arc::from(ctx.secret_store()?);
    let secret = if form.client_secret.is_empty() {
        let reader = store.clone();
        let profile = form.profile.clone();
        tokio::task::spawn_blocking(move || reader.get(&profile))
            .await
            .context("keyring task")??
            .ok_or_else(|| CredentialError::NoSecret {
                name: form.profile.clone(),
                keyring: store.name(),
            })?
    } else {
        SecretString::from(form.client_secret.clone())
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
    let keyring = store.name();
    let path = ctx.paths.config_file.clone();
    let form = form.clone();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        if !form.client_secret.is_empty() {
            store.set(&form.profile, &secret)?;
        }
        Config::update(&path, |config| {
            let profile = config.profile_mut(&form.profile);
            profile.client_id = Some(form.client_id.clone());
            profile.auth_url = Some(form.auth_url.clone());
            profile.base_url = Some(form.base_url.clone());
            profile.resource_group = Some(form.resource_group.clone());
            profile.mode = Some(form.mode);
            config.profile = Some(form.profile.clone());
        })?;
        Ok(())
    })
    .await
    .context("saving task")??;
    Ok(keyring)
}
