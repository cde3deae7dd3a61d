//! Service key parsing (API reference §1): the client-secret and the X.509 variant, with
//! URLs normalised (`/oauth/token` added to `url`, `/v2` to `AI_API_URL`).

use secrecy::SecretString;

/// How the token endpoint is told who we are.
#[derive(Debug, Clone)]
pub enum Credential {
    Secret(SecretString),
    /// mTLS at `certurl`; both PEMs with real newlines.
    Certificate {
        certificate_pem: String,
        key_pem: SecretString,
    },
}

#[derive(Debug, Clone)]
pub struct ServiceKey {
    pub client_id: String,
    pub credential: Credential,
    /// Full token endpoint, ending in `/oauth/token`.
    pub token_url: String,
    /// AI API base ending in `/v2`, no trailing slash.
    pub api_base: String,
}
