//! The client's error type: one variant per situation a user can act on. Its `ErrorKind`
//! decides the retry, the exit-code class (contract "Exit codes") and the one-line hint, so
//! a message can be reworded without changing what happens; nothing parses a message back.
//! Messages never carry a secret or a raw response body.

use std::time::Duration;

use super::Mode;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("service key: {field} {problem}")]
    ServiceKey { field: String, problem: String },

    #[error("{what}: {url} uses http:// but is not a loopback address")]
    InsecureUrl {
        what: String,
        url: String,
        /// The bearer token would go there (a deployment URL), rather than a key's URL.
        carries_token: bool,
    },

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

    /// Throttling reported in the stream after HTTP 200 (orchestration, §7.7).
    #[error("the service is rate limiting (reported mid-stream): {message}")]
    ThrottledInStream {
        message: String,
        retry_after: Option<Duration>,
    },

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
        cause: NetworkCause,
    },

    #[error("{what}: unexpected response: {detail}")]
    Decode { what: String, detail: String },

    /// A conversation the dialect cannot carry as it is (nothing was sent).
    #[error("the conversation cannot be sent: {problem}")]
    Conversation { problem: String },

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

/// Why a connection failed, decided where the failure is seen (`transport::network_error`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkCause {
    /// Refused, reset, DNS, proxy: worth another try.
    Unreachable,
    /// The server's certificate is not signed by a trusted CA (TLS inspection): retrying
    /// cannot help.
    UntrustedCertificate,
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

/// Whether another attempt may help, before the first answer byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    Never,
    /// After the exponential backoff.
    Backoff,
    /// After the server's `Retry-After` when it gave one, else the backoff.
    ServerWait,
}

/// What went wrong, without the words: the one input of the retry decision, the exit class
/// and the hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    ServiceKey,
    InsecureUrl,
    InsecureTokenUrl,
    Config,
    AuthRejected,
    CertificateRejected,
    ResourceGroup,
    NothingRunning {
        mode: Mode,
        other_mode_has_it: bool,
    },
    UnknownModel,
    NotInOrchestration {
        foundation_running: bool,
    },
    UnknownDeployment,
    DeploymentNotRunning,
    UnsupportedExecutable,
    /// HTTP 401 after the one refresh.
    TokenRefused,
    /// HTTP 403.
    Forbidden,
    /// HTTP 404.
    NotFound,
    /// HTTP 429.
    RateLimited,
    /// HTTP 502, 503, 504: a gateway or an overloaded backend.
    Unavailable,
    /// Any other HTTP 5xx.
    ServerError,
    /// Any other refused request (4xx).
    Rejected,
    InStream,
    /// Throttling reported after HTTP 200, before or during the answer.
    ThrottledInStream,
    StreamBroken,
    TooLarge,
    Timeout,
    Unreachable,
    UntrustedCertificate,
    Decode,
    Conversation,
    Interrupted,
}

impl ErrorKind {
    fn of_status(status: u16) -> ErrorKind {
        match status {
            401 => ErrorKind::TokenRefused,
            403 => ErrorKind::Forbidden,
            404 => ErrorKind::NotFound,
            429 => ErrorKind::RateLimited,
            502..=504 => ErrorKind::Unavailable,
            500.. => ErrorKind::ServerError,
            _ => ErrorKind::Rejected,
        }
    }

    /// Retried: throttling (with the server's wait), gateways and connection failures.
    /// Never a refused credential (retrying could lock the client out), a certificate no
    /// retry can fix, or anything after the answer began.
    pub fn retry(self) -> Retry {
        match self {
            ErrorKind::RateLimited | ErrorKind::ThrottledInStream => Retry::ServerWait,
            ErrorKind::Unavailable | ErrorKind::Unreachable => Retry::Backoff,
            _ => Retry::Never,
        }
    }

    pub fn exit_class(self) -> ExitClass {
        match self {
            ErrorKind::ServiceKey
            | ErrorKind::InsecureUrl
            | ErrorKind::InsecureTokenUrl
            | ErrorKind::Config
            | ErrorKind::ResourceGroup => ExitClass::Usage,
            ErrorKind::AuthRejected | ErrorKind::CertificateRejected => ExitClass::Auth,
            ErrorKind::NothingRunning { .. }
            | ErrorKind::UnknownModel
            | ErrorKind::NotInOrchestration { .. }
            | ErrorKind::UnknownDeployment
            | ErrorKind::DeploymentNotRunning
            | ErrorKind::UnsupportedExecutable => ExitClass::NothingToTalkTo,
            ErrorKind::TokenRefused
            | ErrorKind::Forbidden
            | ErrorKind::NotFound
            | ErrorKind::RateLimited
            | ErrorKind::Unavailable
            | ErrorKind::ServerError
            | ErrorKind::Rejected
            | ErrorKind::InStream
            | ErrorKind::ThrottledInStream
            | ErrorKind::StreamBroken
            | ErrorKind::TooLarge
            | ErrorKind::Timeout
            | ErrorKind::Unreachable
            | ErrorKind::UntrustedCertificate
            | ErrorKind::Decode => ExitClass::Service,
            ErrorKind::Conversation => ExitClass::Failure,
            ErrorKind::Interrupted => ExitClass::Interrupted,
        }
    }
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::ServiceKey { .. } => ErrorKind::ServiceKey,
            Error::InsecureUrl {
                carries_token: true,
                ..
            } => ErrorKind::InsecureTokenUrl,
            Error::InsecureUrl { .. } => ErrorKind::InsecureUrl,
            Error::Config(_) => ErrorKind::Config,
            Error::AuthRejected { .. } => ErrorKind::AuthRejected,
            Error::CertificateRejected { .. } => ErrorKind::CertificateRejected,
            Error::ResourceGroup { .. } => ErrorKind::ResourceGroup,
            Error::NothingRunning {
                mode,
                other_mode_has_it,
                ..
            } => ErrorKind::NothingRunning {
                mode: *mode,
                other_mode_has_it: *other_mode_has_it,
            },
            Error::UnknownModel { .. } => ErrorKind::UnknownModel,
            Error::NotInOrchestration {
                foundation_running, ..
            } => ErrorKind::NotInOrchestration {
                foundation_running: *foundation_running,
            },
            Error::UnknownDeployment { .. } => ErrorKind::UnknownDeployment,
            Error::DeploymentNotRunning { .. } => ErrorKind::DeploymentNotRunning,
            Error::UnsupportedExecutable { .. } => ErrorKind::UnsupportedExecutable,
            Error::Http { status, .. } => ErrorKind::of_status(*status),
            Error::InStream { .. } => ErrorKind::InStream,
            Error::ThrottledInStream { .. } => ErrorKind::ThrottledInStream,
            Error::StreamBroken { .. } => ErrorKind::StreamBroken,
            Error::TooLarge { .. } => ErrorKind::TooLarge,
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::Network {
                cause: NetworkCause::Unreachable,
                ..
            } => ErrorKind::Unreachable,
            Error::Network {
                cause: NetworkCause::UntrustedCertificate,
                ..
            } => ErrorKind::UntrustedCertificate,
            Error::Decode { .. } => ErrorKind::Decode,
            Error::Conversation { .. } => ErrorKind::Conversation,
            Error::Interrupted => ErrorKind::Interrupted,
        }
    }

    pub fn retry(&self) -> Retry {
        self.kind().retry()
    }

    pub fn exit_class(&self) -> ExitClass {
        self.kind().exit_class()
    }

    /// The server's wait, for the kinds that honour one.
    pub fn server_wait(&self) -> Option<Duration> {
        match (self.retry(), self) {
            (Retry::ServerWait, Error::Http { retry_after, .. })
            | (Retry::ServerWait, Error::ThrottledInStream { retry_after, .. }) => *retry_after,
            _ => None,
        }
    }

    /// What the user can do next; shown after the message by the CLI and the TUI alike.
    pub fn hint(&self) -> String {
        match self.kind() {
            ErrorKind::ResourceGroup => {
                let name = match self {
                    Error::ResourceGroup { resource_group, .. } => resource_group.as_str(),
                    _ => "",
                };
                format!(
                    "resource group '{name}' does not exist or the key has no access to it: pass --resource-group or set AICORE_RESOURCE_GROUP (most tenants use `default`)"
                )
            }
            kind => hint_of(kind).into(),
        }
    }
}

fn hint_of(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::ServiceKey => {
            "check the service key JSON (download it again from SAP BTP cockpit: AI Core instance > Service Keys)"
        }
        ErrorKind::InsecureTokenUrl => {
            "the token is sent only over https:// (http:// only to the local simulator): check the deployment's URL with `sapcode deployments --json`"
        }
        ErrorKind::InsecureUrl => {
            "use the https:// URL from the service key; http:// is only for the local simulator"
        }
        ErrorKind::Config => "fix the config file (see config.example.toml) or run `sapcode login`",
        ErrorKind::AuthRejected => {
            "check clientid and clientsecret, that the auth URL is the key's `url` (…authentication…hana.ondemand.com), and that the service key was not deleted or rotated; then `sapcode login` again"
        }
        ErrorKind::CertificateRejected => {
            "X.509 service keys expire (7 days unless created with a longer validity) and a deleted key's certificate is no longer trusted: create a new service key and `sapcode login` with it; check that `certurl` is the key's own"
        }
        ErrorKind::ResourceGroup => {
            "pass --resource-group or set AICORE_RESOURCE_GROUP (most tenants use `default`)"
        }
        ErrorKind::NothingRunning {
            other_mode_has_it: true,
            mode: Mode::Foundation,
        } => "run with --mode orchestration, or deploy the model in SAP AI Launchpad",
        ErrorKind::NothingRunning {
            other_mode_has_it: true,
            mode: Mode::Orchestration,
        } => "run with --mode foundation, or create an orchestration deployment",
        ErrorKind::NothingRunning { .. } => {
            "list what is running with `sapcode deployments`; a PENDING deployment needs a few minutes"
        }
        ErrorKind::UnknownModel => "list models with `sapcode models --all`",
        ErrorKind::NotInOrchestration {
            foundation_running: true,
        } => "a foundation deployment of it is RUNNING: use --mode foundation",
        ErrorKind::NotInOrchestration {
            foundation_running: false,
        } => "pick a model marked for orchestration in `sapcode models`",
        ErrorKind::UnknownDeployment | ErrorKind::DeploymentNotRunning => {
            "list deployments with `sapcode deployments`"
        }
        ErrorKind::UnsupportedExecutable => {
            "use --mode orchestration, which serves every model the catalog allows for it"
        }
        ErrorKind::TokenRefused => {
            "the token was refused: run `sapcode doctor`; if it persists, the key may have been revoked"
        }
        ErrorKind::Forbidden => {
            "access denied: check the AI-Resource-Group (--resource-group) and the key's role collections"
        }
        ErrorKind::NotFound => {
            "not found: check the base URL (serviceurls.AI_API_URL) and that the deployment still exists"
        }
        ErrorKind::RateLimited | ErrorKind::ThrottledInStream => {
            "rate limited: wait a minute or ask for a higher quota (SAP AI Core rate limits are per model and tenant)"
        }
        ErrorKind::Unavailable | ErrorKind::ServerError => {
            "SAP AI Core had a server error: try again; `sapcode doctor` checks each step"
        }
        ErrorKind::Rejected => {
            "the request was rejected: run with -v for details or `sapcode doctor`"
        }
        ErrorKind::InStream | ErrorKind::StreamBroken => {
            "the text so far was kept; ask again to retry"
        }
        ErrorKind::TooLarge => {
            "the text so far was kept; ask for smaller steps (a large file in several edits)"
        }
        ErrorKind::Timeout => "raise the timeouts in the config file ([timeouts]) or try again",
        ErrorKind::UntrustedCertificate => {
            "the server's certificate is not signed by a CA sapcode trusts: behind TLS inspection put your company's CA bundle in ca_file (config) or SSL_CERT_FILE"
        }
        ErrorKind::Unreachable => {
            "check the URL, your network and HTTPS_PROXY/NO_PROXY; behind TLS inspection set ca_file or SSL_CERT_FILE"
        }
        ErrorKind::Decode => {
            "a proxy or gateway may have answered instead of SAP AI Core: check the base URL and proxy settings"
        }
        ErrorKind::Conversation => {
            "ask a new question to go on; `/new` starts afresh if it persists"
        }
        ErrorKind::Interrupted => "",
    }
}

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;
