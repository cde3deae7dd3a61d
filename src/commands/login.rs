//! `sapcode login` and `sapcode logout`: the secret goes to the keyring (or, with `--store
//! file`, to a file only the user can read), the rest to the config file. The key is checked
//! by fetching a token before anything is saved; the profile is saved before the secret, so a
//! missing keyring loses only the secret, said on its own line.

use std::io::{BufRead, IsTerminal, Read, Write};

use anyhow::Context as _;
use secrecy::{ExposeSecret, SecretString};

use crate::aicore::{Client, ClientOptions, Error, ServiceKey};
use crate::cli::LoginArgs;
use crate::config::Profile;
use crate::connect::Context;
use crate::credentials::{save_login, split_for_storage};
use crate::report::UsageError;
use crate::secrets::StoreKind;

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

    let chosen = args.store.map(crate::secrets::StoreKind::from);
    let typed = args.service_key.is_none();
    match save(ctx, chosen, fields.clone(), secret.clone()).await? {
        Ok(()) => Ok(()),
        // Whoever typed the fields by hand is offered the file store rather than asked to type
        // them all again with `--store file`.
        Err(err)
            if typed
                && chosen.is_none()
                && ctx.config.credential_store(&ctx.profile_name) == StoreKind::Keyring
                && offer_file_store(ctx)? =>
        {
            eprintln!("sapcode: {err:#}");
            save(ctx, Some(StoreKind::File), fields, secret).await?
        }
        Err(err) => Err(err),
    }
}

/// Saves the profile and then the secret in the store `chosen` (or the profile's). The outer
/// error is the config file's, the inner one says the secret was not saved.
async fn save(
    ctx: &Context,
    chosen: Option<StoreKind>,
    fields: Profile,
    secret: SecretString,
) -> anyhow::Result<Result<(), anyhow::Error>> {
    let kind = chosen.unwrap_or_else(|| ctx.config.credential_store(&ctx.profile_name));
    let store = ctx.secret_store_of(kind)?;
    let profile_name = ctx.profile_name.clone();
    let config_file = ctx.paths.config_file.clone();
    let resource_group = ctx.overrides.resource_group.clone();
    let (saved, notice) = tokio::task::spawn_blocking(move || {
        let saved = save_login(
            &config_file,
            &profile_name,
            |config| {
                let profile = config.profile_mut(&profile_name);
                merge_connection(profile, fields);
                if let Some(group) = resource_group {
                    profile.resource_group = Some(group);
                }
                if chosen.is_some() {
                    profile.credential_store = chosen;
                }
                if config.profile.is_none() {
                    config.profile = Some(profile_name.clone());
                }
            },
            store.as_ref(),
            Some(&secret),
        );
        (saved, store.take_notice())
    })
    .await
    .context("keyring task")?;
    if let Some(notice) = notice {
        eprintln!("sapcode: {notice}");
    }
    let saved_to = format!(
        "saved profile '{}' to {}",
        ctx.profile_name,
        ctx.paths.config_file.display()
    );
    Ok(match saved? {
        Ok(store_name) => {
            eprintln!("sapcode: {saved_to}; the client secret is in: {store_name}");
            Ok(())
        }
        Err(err) => Err(anyhow::Error::from(err)
            .context(format!("{saved_to}, but the client secret was not saved"))),
    })
}

/// Asks on the terminal whether the secret may go to the file store instead.
fn offer_file_store(ctx: &Context) -> anyhow::Result<bool> {
    let file = ctx
        .paths
        .config_file
        .with_file_name(crate::secrets::SECRETS_FILE_NAME);
    eprint!(
        "sapcode: no keyring kept the client secret. Keep it in {} (readable only by you) instead? [y/N] ",
        file.display()
    );
    std::io::stderr().flush().ok();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
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
            UsageError::new(
                format!("cannot read the service key from stdin: {err}"),
                "pipe the service key JSON (UTF-8) into `sapcode login --service-key -`",
            )
        })?;
    } else {
        // A usage error: the config file is not involved, and "run `sapcode login`" is
        // no hint to someone running it.
        text = std::fs::read_to_string(path).map_err(|err| {
            UsageError::new(
                format!("cannot read service key file {}: {err}", path.display()),
                "check the path (relative to the current directory) of the JSON downloaded \
                 from SAP BTP cockpit (AI Core instance > Service Keys), or pass - to read it from stdin",
            )
        })?;
    }
    Ok(SecretString::from(text))
}

fn ask_interactively() -> anyhow::Result<(Profile, SecretString, ServiceKey)> {
    if !std::io::stdin().is_terminal() {
        return Err(UsageError::new(
            "no service key given and no terminal to ask on",
            "pass --service-key FILE, or --service-key - to read it from stdin",
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
    let (removed, notice) = tokio::task::spawn_blocking(move || {
        let removed = store.delete(&profile);
        (removed, store.take_notice())
    })
    .await
    .context("keyring task")?;
    if let Some(notice) = notice {
        eprintln!("sapcode: {notice}");
    }
    if removed? {
        eprintln!(
            "sapcode: removed the secret of profile '{}' from {store_name}",
            ctx.profile_name
        );
    } else {
        eprintln!(
            "sapcode: no secret stored for profile '{}' in {store_name}",
            ctx.profile_name
        );
    }
    Ok(())
}
