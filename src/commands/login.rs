//! `sapcode login` and `sapcode logout`: the secret goes to the keyring, the rest to the
//! config file. The key is checked by fetching a token before anything is saved.

use std::io::{BufRead, IsTerminal, Read, Write};

use anyhow::Context as _;
use secrecy::{ExposeSecret, SecretString};

use crate::aicore::{Client, ClientOptions, Error, ServiceKey};
use crate::cli::LoginArgs;
use crate::config::{Config, Profile};
use crate::connect::Context;
use crate::credentials::split_for_storage;

pub async fn login(ctx: &Context, args: LoginArgs) -> anyhow::Result<()> {
    let (fields, secret, key) = match &args.service_key {
        Some(path) => {
            let json = read_key_file(path)?;
            let (fields, secret) = split_for_storage(json.expose_secret())?;
            (fields, secret, ServiceKey::from_json(json.expose_secret())?)
        }
        None => ask_interactively()?,
    };

    if !args.no_verify {
        let options = ClientOptions {
            resource_group: ctx.resource_group(),
            timeouts: ctx.config.timeouts.resolve(),
            ..ClientOptions::default()
        };
        Client::new(key, options)?
            .fetch_token()
            .await
            .context("checking the key")?;
        eprintln!("sapcode: token received, the key works");
    }

    let store = ctx.secret_store()?;
    let profile_name = ctx.profile_name.clone();
    let store_name = store.name();
    tokio::task::spawn_blocking(move || store.set(&profile_name, &secret))
        .await
        .context("keyring task")??;

    // Re-read under the lock: another login may have saved its profile since `ctx` loaded.
    Config::update(&ctx.paths.config_file, |config| {
        let profile = config.profile_mut(&ctx.profile_name);
        merge_connection(profile, fields);
        if let Some(group) = &ctx.global.resource_group {
            profile.resource_group = Some(group.clone());
        }
        if config.profile.is_none() {
            config.profile = Some(ctx.profile_name.clone());
        }
    })?;
    eprintln!(
        "sapcode: saved profile '{}' to {} (the secret went to: {store_name})",
        ctx.profile_name,
        ctx.paths.config_file.display()
    );
    Ok(())
}

/// New connection fields replace old ones; choices (mode, model, deployment) are kept.
fn merge_connection(profile: &mut Profile, fields: Profile) {
    profile.client_id = fields.client_id;
    profile.auth_url = fields.auth_url;
    profile.base_url = fields.base_url;
}

fn read_key_file(path: &std::path::Path) -> anyhow::Result<SecretString> {
    let mut text = String::new();
    if path.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut text).map_err(|err| {
            Error::Config(format!("cannot read the service key from stdin: {err}"))
        })?;
    } else {
        text = std::fs::read_to_string(path).map_err(|err| {
            Error::Config(format!(
                "cannot read service key file {}: {err}",
                path.display()
            ))
        })?;
    }
    Ok(SecretString::from(text))
}

fn ask_interactively() -> anyhow::Result<(Profile, SecretString, ServiceKey)> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::Config(
            "no service key given: pass --service-key FILE (or - for stdin) when not at a terminal"
                .into(),
        )
        .into());
    }
    eprintln!(
        "Enter the fields of your SAP AI Core service key (SAP BTP cockpit > AI Core instance > Service Keys)."
    );
    let client_id = ask("clientid")?;
    let secret = SecretString::from(
        rpassword::prompt_password("clientsecret (hidden): ")
            .map_err(|err| Error::Config(format!("cannot read the secret: {err}")))?,
    );
    let auth_url = ask("url (authentication URL)")?;
    let base_url = ask("serviceurls.AI_API_URL")?;
    let key = ServiceKey::from_parts(&client_id, secret.clone(), &auth_url, &base_url)?;
    let profile = Profile {
        client_id: Some(client_id),
        auth_url: Some(auth_url),
        base_url: Some(base_url),
        ..Profile::default()
    };
    Ok((profile, secret, key))
}

fn ask(label: &str) -> anyhow::Result<String> {
    eprint!("{label}: ");
    std::io::stderr().flush().ok();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let value = line.trim().to_owned();
    if value.is_empty() {
        return Err(Error::ServiceKey {
            field: label.into(),
            problem: "is empty".into(),
        }
        .into());
    }
    Ok(value)
}

pub async fn logout(ctx: &Context) -> anyhow::Result<()> {
    let store = ctx.secret_store()?;
    let profile = ctx.profile_name.clone();
    let store_name = store.name();
    let removed = tokio::task::spawn_blocking(move || store.delete(&profile))
        .await
        .context("keyring task")??;
    if removed {
        eprintln!(
            "sapcode: removed the secret of profile '{}' from the {store_name} keyring",
            ctx.profile_name
        );
    } else {
        eprintln!(
            "sapcode: no secret stored for profile '{}' in the {store_name} keyring",
            ctx.profile_name
        );
    }
    Ok(())
}
