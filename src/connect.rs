//! Set-up both faces share (the headless commands and the TUI): the config, the active
//! profile, the effective resource group/mode/model, and a connected client — credentials to
//! a `Client`, or with `--demo` the in-process simulator. Knows no screen and prints nothing.

use std::path::PathBuf;

use anyhow::Context as _;

use crate::aicore::{Client, ClientOptions, Mode, ServiceKey};
use crate::config::{Config, Paths, Profile};
use crate::credentials::{self, Environment, Source};
use crate::secrets::{self, SecretStore};
use crate::sim::{SimOptions, SimServer};

pub const DEFAULT_PROFILE: &str = "default";
pub const DEFAULT_RESOURCE_GROUP: &str = "default";

/// What a session talks to; `main` decides it from `--demo`, the faces only follow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SAP AI Core with the credentials of the contract's lookup order.
    SapAiCore,
    /// The built-in simulator, in process: no account, no credentials, no network.
    Simulator,
}

/// What this run was asked for beyond the config file; each value, when given, wins over the
/// config and the environment. `cli` fills it from the command line, the TUI changes it for
/// a session (a picked mode or resource group); neither face reaches into the other.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub profile: Option<String>,
    pub resource_group: Option<String>,
    /// The config file to use instead of the platform's.
    pub config_file: Option<PathBuf>,
    pub mode: Option<Mode>,
    pub model: Option<String>,
    pub deployment: Option<String>,
    /// `-v`: usage, timings and cause chains on stderr.
    pub verbose: bool,
    /// `--no-prompt-cache`.
    pub no_prompt_cache: bool,
}

pub struct Context {
    pub backend: Backend,
    pub overrides: Overrides,
    pub env: Environment,
    pub paths: Paths,
    pub config: Config,
    pub profile_name: String,
}

/// A client ready to use, plus what keeps it alive.
pub struct Connection {
    pub client: Client,
    pub source: Source,
    /// The in-process simulator behind `--demo`; dropping it stops the server.
    pub simulator: Option<SimServer>,
}

impl Context {
    pub fn load(
        backend: Backend,
        overrides: Overrides,
        env: Environment,
    ) -> anyhow::Result<Context> {
        let paths = Paths::discover(overrides.config_file.clone());
        let config = Config::load(&paths.config_file)?;
        let profile_name = overrides
            .profile
            .clone()
            .or_else(|| config.profile.clone())
            .unwrap_or_else(|| DEFAULT_PROFILE.into());
        Ok(Context {
            backend,
            overrides,
            env,
            paths,
            config,
            profile_name,
        })
    }

    pub fn profile(&self) -> Option<&Profile> {
        self.config.profile(&self.profile_name)
    }

    /// Flag, then `AICORE_RESOURCE_GROUP`, then the profile, then `default`.
    pub fn resource_group(&self) -> String {
        self.overrides
            .resource_group
            .clone()
            .or_else(|| self.env.resource_group.clone())
            .or_else(|| self.profile().and_then(|p| p.resource_group.clone()))
            .unwrap_or_else(|| DEFAULT_RESOURCE_GROUP.into())
    }

    pub fn mode(&self) -> Mode {
        self.overrides
            .mode
            .or_else(|| self.profile().and_then(|p| p.mode))
            .unwrap_or_default()
    }

    pub fn model(&self) -> Option<String> {
        self.overrides
            .model
            .clone()
            .or_else(|| self.profile().and_then(|p| p.model.clone()))
    }

    /// The saved deployment belongs to the saved model: a `--model` flag drops it.
    pub fn deployment(&self) -> Option<String> {
        if self.overrides.deployment.is_some() || self.overrides.model.is_some() {
            return self.overrides.deployment.clone();
        }
        self.profile().and_then(|p| p.deployment.clone())
    }

    /// The store of the active profile: `SAPCODE_KEYRING`, else `credential_store` in the
    /// config, else the OS keyring.
    pub fn secret_store(&self) -> anyhow::Result<Box<dyn SecretStore>> {
        self.secret_store_of(self.config.credential_store(&self.profile_name))
    }

    pub fn secret_store_of(
        &self,
        kind: secrets::StoreKind,
    ) -> anyhow::Result<Box<dyn SecretStore>> {
        Ok(secrets::open_store(
            kind,
            self.env.keyring.as_deref(),
            &self.paths.config_dir(),
        )?)
    }

    pub fn client_options(&self) -> ClientOptions {
        ClientOptions {
            resource_group: self.resource_group(),
            cache_dir: self.paths.cache_dir.clone(),
            timeouts: self.config.timeouts.resolve(),
            // SSL_CERT_FILE needs no copy here: the system trust store loader reads it
            // itself (as OpenSSL does, it then replaces the platform's bundle).
            extra_ca_file: self.config.ca_file.clone(),
            retry: Default::default(),
        }
    }

    /// Whether requests mark prompt-cache breakpoints: on unless `--no-prompt-cache` or
    /// `[agent] prompt_cache = false` says otherwise.
    pub fn prompt_cache(&self) -> bool {
        !self.overrides.no_prompt_cache && self.config.agent.prompt_cache.unwrap_or(true)
    }

    /// A client for the backend `main` chose.
    pub async fn connect(&self) -> anyhow::Result<Connection> {
        match self.backend {
            Backend::SapAiCore => self.connect_sap_ai_core().await,
            Backend::Simulator => self.connect_demo().await,
        }
    }

    /// Resolves credentials (off the async runtime: the keyring blocks) and builds a client.
    async fn connect_sap_ai_core(&self) -> anyhow::Result<Connection> {
        let env = self.env.clone();
        let config = self.config.clone();
        let profile = self.profile_name.clone();
        let store = self.secret_store()?;
        let (key, source) = tokio::task::spawn_blocking(move || {
            let resolved = credentials::resolve(&env, &config, &profile, store.as_ref());
            // The TUI may own the terminal here: the fallback notice goes to the log, and
            // `Source` names the store in use for doctor and settings.
            if let Some(notice) = store.take_notice() {
                tracing::info!(%notice, "secret store");
            }
            resolved
        })
        .await
        .context("keyring task")??;
        let client = Client::new(key, self.client_options())?;
        client.set_prompt_cache(self.prompt_cache());
        Ok(Connection {
            client,
            source,
            simulator: None,
        })
    }

    async fn connect_demo(&self) -> anyhow::Result<Connection> {
        let faults = match std::env::var("SAPCODE_SIM_FAULTS") {
            Ok(spec) => crate::sim::Faults::parse(&spec).map_err(|err| {
                anyhow::anyhow!(crate::aicore::Error::Config(format!(
                    "SAPCODE_SIM_FAULTS: {err}"
                )))
            })?,
            Err(_) => Default::default(),
        };
        let simulator = SimServer::start(SimOptions {
            faults,
            ..SimOptions::default()
        })
        .await
        .context("starting the built-in simulator")?;
        let key = ServiceKey::from_json(&simulator.service_key().to_string())?;
        // The demo keeps its lists in memory only, so it never mixes with real caches.
        let options = ClientOptions {
            cache_dir: None,
            ..self.client_options()
        };
        let client = Client::new(key, options)?;
        client.set_prompt_cache(self.prompt_cache());
        Ok(Connection {
            client,
            source: Source::Simulator,
            simulator: Some(simulator),
        })
    }
}
