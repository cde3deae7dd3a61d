//! The client's error type: one variant per situation a user can act on, each with its
//! exit-code class (contract "Exit codes") and a one-line hint. Messages never carry a
//! secret or a raw response body.

use std::time::Duration;

use super::Mode;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("service key: {field} {problem}")]
    ServiceKey { field: String, problem: String },

    #[error("{what}: {url} uses http:// but is not a loopback address")]
    InsecureUrl { what: String, url: String },

    #[error("configuration: {0}")]
    Config(String),

    #[error("authentication failed: the token endpoint refused the credentials ({detail})")]
    AuthRejected { status: u16, detail: String },

    /// An X.509 key's certificate was refused in the TLS handshake at `certurl` (§1.2).
    #[error(
        "authentication failed: the token endpoint refused the service key's client certificate ({detail})"
    )]
    CertificateRejected { detail: String },

    #[error("resource group '{resource_group}' was refused ({status}: {detail})")]
    ResourceGroup {
        resource_group: String,
        status: u16,
        detail: String,
    },

    #[error("{}", nothing_running_message(model, *mode, *other_mode_has_it))]
    NothingRunning {
        model: String,
        mode: Mode,
        other_mode_has_it: bool,
    },

    #[error("unknown model '{model}'")]
    UnknownModel { model: String },

    #[error("model '{model}' is not offered through orchestration (catalog allowedScenarios)")]
    NotInOrchestration {
        model: String,
        foundation_running: bool,
    },

    #[error("unknown deployment '{id}'")]
    UnknownDeployment { id: String },

    #[error("deployment {id} is {status}, not RUNNING")]
    DeploymentNotRunning { id: String, status: String },

    #[error("model '{model}' runs on executable '{executable}', which sapcode cannot talk to yet")]
    UnsupportedExecutable { model: String, executable: String },

    #[error("{what} failed: HTTP {status}: {detail}")]
    Http {
        what: String,
        status: u16,
        detail: String,
        retry_after: Option<Duration>,
    },

    #[error("the service reported an error mid-stream: {message}")]
    InStream { message: String },

    #[error("the answer stream broke: {reason}")]
    StreamBroken { reason: String },

    /// The server streamed more than one answer may carry (`answer_caps`).
    #[error("the answer stream was stopped: {what}")]
    TooLarge { what: String },

    #[error("{what} timed out after {}", humantime::format_duration(*after))]
    Timeout { what: String, after: Duration },

    #[error("{what}: cannot reach {host}: {detail}")]
    Network {
        what: String,
        host: String,
        detail: String,
    },

    #[error("{what}: unexpected response: {detail}")]
    Decode { what: String, detail: String },

    #[error("interrupted")]
    Interrupted,
}

fn nothing_running_message(model: &str, mode: Mode, other_mode_has_it: bool) -> String {
    let mode_word = match mode {
        Mode::Foundation => "foundation mode: no RUNNING deployment",
        Mode::Orchestration => "orchestration mode: no RUNNING orchestration deployment",
    };
    let other = match (other_mode_has_it, mode) {
        (false, _) => String::new(),
        (true, Mode::Foundation) => {
            " (orchestration mode can serve it: --mode orchestration)".into()
        }
        (true, Mode::Orchestration) => {
            " (a foundation deployment is RUNNING: --mode foundation)".into()
        }
    };
    format!("{mode_word} for model '{model}'{other}")
}

/// Exit-code classes of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitClass {
    Failure = 1,
    Usage = 2,
    Auth = 3,
    NothingToTalkTo = 4,
    Service = 5,
    Interrupted = 130,
}

impl Error {
    pub fn exit_class(&self) -> ExitClass {
        match self {
            Error::ServiceKey { .. } | Error::InsecureUrl { .. } | Error::Config(_) => {
                ExitClass::Usage
            }
            Error::ResourceGroup { .. } => ExitClass::Usage,
            Error::AuthRejected { .. } | Error::CertificateRejected { .. } => ExitClass::Auth,
            Error::NothingRunning { .. }
            | Error::UnknownModel { .. }
            | Error::NotInOrchestration { .. }
            | Error::UnknownDeployment { .. }
            | Error::DeploymentNotRunning { .. }
            | Error::UnsupportedExecutable { .. } => ExitClass::NothingToTalkTo,
            Error::Http { .. }
            | Error::InStream { .. }
            | Error::StreamBroken { .. }
            | Error::TooLarge { .. }
            | Error::Timeout { .. }
            | Error::Network { .. }
            | Error::Decode { .. } => ExitClass::Service,
            Error::Interrupted => ExitClass::Interrupted,
        }
    }

    /// What the user can do next; shown after the message by the CLI and the TUI alike.
    pub fn hint(&self) -> String {
        match self {
            Error::ServiceKey { .. } => "check the service key JSON (download it again from SAP BTP cockpit: AI Core instance > Service Keys)".into(),
            Error::InsecureUrl { what, .. } if what == super::transport::TOKEN_BEARING => "the token is sent only over https:// (http:// only to the local simulator): check the deployment's URL with `sapcode deployments --json`".into(),
            Error::InsecureUrl { .. } => "use the https:// URL from the service key; http:// is only for the local simulator".into(),
            Error::Config(_) => "fix the config file (see config.example.toml) or run `sapcode login`".into(),
            Error::AuthRejected { .. } => "check clientid and clientsecret, that the auth URL is the key's `url` (…authentication…hana.ondemand.com), and that the service key was not deleted or rotated; then `sapcode login` again".into(),
            Error::CertificateRejected { .. } => "X.509 service keys expire (7 days unless created with a longer validity) and a deleted key's certificate is no longer trusted: create a new service key and `sapcode login` with it; check that `certurl` is the key's own".into(),
            Error::ResourceGroup { resource_group, .. } => format!("resource group '{resource_group}' does not exist or the key has no access to it: pass --resource-group or set AICORE_RESOURCE_GROUP (most tenants use `default`)"),
            Error::NothingRunning { other_mode_has_it: true, mode: Mode::Foundation, .. } => "run with --mode orchestration, or deploy the model in SAP AI Launchpad".into(),
            Error::NothingRunning { other_mode_has_it: true, mode: Mode::Orchestration, .. } => "run with --mode foundation, or create an orchestration deployment".into(),
            Error::NothingRunning { .. } => "list what is running with `sapcode deployments`; a PENDING deployment needs a few minutes".into(),
            Error::UnknownModel { .. } => "list models with `sapcode models --all`".into(),
            Error::NotInOrchestration { foundation_running: true, .. } => "a foundation deployment of it is RUNNING: use --mode foundation".into(),
            Error::NotInOrchestration { foundation_running: false, .. } => "pick a model marked for orchestration in `sapcode models`".into(),
            Error::UnknownDeployment { .. } | Error::DeploymentNotRunning { .. } => "list deployments with `sapcode deployments`".into(),
            Error::UnsupportedExecutable { .. } => "use --mode orchestration, which serves every model the catalog allows for it".into(),
            Error::Http { status: 401, .. } => "the token was refused: run `sapcode doctor`; if it persists, the key may have been revoked".into(),
            Error::Http { status: 403, .. } => "access denied: check the AI-Resource-Group (--resource-group) and the key's role collections".into(),
            Error::Http { status: 404, .. } => "not found: check the base URL (serviceurls.AI_API_URL) and that the deployment still exists".into(),
            Error::Http { status: 429, .. } => "rate limited: wait a minute or ask for a higher quota (SAP AI Core rate limits are per model and tenant)".into(),
            Error::Http { status, .. } if *status >= 500 => "SAP AI Core had a server error: try again; `sapcode doctor` checks each step".into(),
            Error::Http { .. } => "the request was rejected: run with -v for details or `sapcode doctor`".into(),
            Error::InStream { .. } | Error::StreamBroken { .. } => "the text so far was kept; ask again to retry".into(),
            Error::TooLarge { .. } => "the text so far was kept; ask for smaller steps (a large file in several edits)".into(),
            Error::Timeout { .. } => "raise the timeouts in the config file ([timeouts]) or try again".into(),
            Error::Network { detail, .. } if detail.starts_with(super::transport::UNTRUSTED_CERTIFICATE) => "the server's certificate is not signed by a CA sapcode trusts: behind TLS inspection put your company's CA bundle in ca_file (config) or SSL_CERT_FILE".into(),
            Error::Network { .. } => "check the URL, your network and HTTPS_PROXY/NO_PROXY; behind TLS inspection set ca_file or SSL_CERT_FILE".into(),
            Error::Decode { .. } => "a proxy or gateway may have answered instead of SAP AI Core: check the base URL and proxy settings".into(),
            Error::Interrupted => String::new(),
        }
    }
}
