//! Service key parsing (API reference §1): the client-secret and the X.509 variant, with
//! URLs normalised (`/oauth/token` added to `url`, `/v2` to `AI_API_URL`). Reading the key
//! from the environment or the keyring is the caller's business; this module only parses.

use secrecy::{ExposeSecret as _, SecretString};
use serde_json::Value;

use super::{Error, Result};

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

impl ServiceKey {
    /// Parses a service key as downloaded from BTP (or `AICORE_SERVICE_KEY`). The error names
    /// the missing or malformed field; it never echoes a value.
    pub fn from_json(text: &str) -> Result<ServiceKey> {
        let root: Value = serde_json::from_str(text).map_err(|e| Error::ServiceKey {
            field: "(document)".into(),
            problem: format!(
                "is not valid JSON (line {}, column {})",
                e.line(),
                e.column()
            ),
        })?;
        let obj = root.as_object().ok_or_else(|| Error::ServiceKey {
            field: "(document)".into(),
            problem: "is not a JSON object".into(),
        })?;
        let client_id = required_str(obj, "clientid")?;
        let api_url = obj
            .get("serviceurls")
            .and_then(|s| s.get("AI_API_URL"))
            .ok_or_else(|| missing("serviceurls.AI_API_URL"))?
            .as_str()
            .ok_or_else(|| not_a_string("serviceurls.AI_API_URL"))?;
        let api_base = normalise_api_base("serviceurls.AI_API_URL", api_url)?;

        // API reference §1.2: a certificate key has `certificate`, `key`, `certurl` and no secret.
        if let Some(secret) = optional_str(obj, "clientsecret")? {
            let url = required_str(obj, "url")?;
            // Masked in tool results from now on, not only once a token was fetched: a
            // command can print it before the first request (issue 15).
            crate::redact::remember_client_secret(&client_id, &secret);
            return Ok(ServiceKey {
                client_id,
                credential: Credential::Secret(SecretString::from(secret)),
                token_url: normalise_token_url("url", &url)?,
                api_base,
            });
        }
        if obj.contains_key("certificate") || obj.contains_key("key") || obj.contains_key("certurl")
        {
            let certificate_pem = unescape_pem(&required_str(obj, "certificate")?);
            let key_pem = unescape_pem(&required_str(obj, "key")?);
            crate::redact::remember(&key_pem);
            let cert_url = required_str(obj, "certurl")?;
            return Ok(ServiceKey {
                client_id,
                credential: Credential::Certificate {
                    certificate_pem,
                    key_pem: SecretString::from(key_pem),
                },
                token_url: normalise_token_url("certurl", &cert_url)?,
                api_base,
            });
        }
        Err(missing("clientsecret"))
    }

    /// Builds a key from the `AICORE_CLIENT_ID`/`_SECRET`/`_AUTH_URL`/`_BASE_URL` values.
    pub fn from_parts(
        client_id: &str,
        client_secret: SecretString,
        auth_url: &str,
        base_url: &str,
    ) -> Result<ServiceKey> {
        if client_id.trim().is_empty() {
            return Err(Error::ServiceKey {
                field: "AICORE_CLIENT_ID".into(),
                problem: "is empty".into(),
            });
        }
        crate::redact::remember_client_secret(client_id.trim(), client_secret.expose_secret());
        Ok(ServiceKey {
            client_id: client_id.trim().to_string(),
            credential: Credential::Secret(client_secret),
            token_url: normalise_token_url("AICORE_AUTH_URL", auth_url)?,
            api_base: normalise_api_base("AICORE_BASE_URL", base_url)?,
        })
    }
}

fn missing(field: &str) -> Error {
    Error::ServiceKey {
        field: field.into(),
        problem: "is missing".into(),
    }
}

fn not_a_string(field: &str) -> Error {
    Error::ServiceKey {
        field: field.into(),
        problem: "is not a string".into(),
    }
}

fn optional_str(obj: &serde_json::Map<String, Value>, field: &str) -> Result<Option<String>> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(not_a_string(field)),
    }
}

fn required_str(obj: &serde_json::Map<String, Value>, field: &str) -> Result<String> {
    optional_str(obj, field)?.ok_or_else(|| missing(field))
}

/// API reference §1.2: PEMs in the JSON may hold literal `\n` escapes instead of newlines.
fn unescape_pem(pem: &str) -> String {
    pem.replace("\\n", "\n")
}

/// `url` with or without `/oauth/token` (and trailing slashes) → `…/oauth/token` (§1.3).
pub fn normalise_token_url(field: &str, raw: &str) -> Result<String> {
    let base = checked_url(field, raw)?;
    let base = base.strip_suffix("/oauth/token").unwrap_or(&base);
    Ok(format!("{}/oauth/token", base.trim_end_matches('/')))
}

/// `AI_API_URL` with or without `/v2` → `…/v2` (§3: the key's URL has no path).
pub fn normalise_api_base(field: &str, raw: &str) -> Result<String> {
    let base = checked_url(field, raw)?;
    let base = base.strip_suffix("/v2").unwrap_or(&base);
    Ok(format!("{}/v2", base.trim_end_matches('/')))
}

/// Parses, enforces https (http only for loopback) and returns the URL without trailing slashes,
/// query or fragment.
fn checked_url(field: &str, raw: &str) -> Result<String> {
    let malformed = |problem: String| Error::ServiceKey {
        field: field.into(),
        problem,
    };
    let url = reqwest::Url::parse(raw.trim())
        .map_err(|e| malformed(format!("is not a valid URL ({e})")))?;
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| malformed("has no host".into()))?
        .to_string();
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&host) => {}
        "http" => {
            return Err(Error::InsecureUrl {
                what: field.into(),
                url: format!("http://{host}"),
                carries_token: false,
            });
        }
        other => return Err(malformed(format!("has unsupported scheme '{other}'"))),
    }
    let mut url = url;
    url.set_query(None);
    url.set_fragment(None);
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// 127.0.0.0/8, ::1 and `localhost` (IPv6 hosts arrive bracketed from `Url::host_str`).
pub(super) fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "9a8b7c6d-aaaa$Zm9vYmFy+/=";

    fn secret_key(url: &str, api: &str) -> String {
        serde_json::json!({
            "clientid": "sb-1!b2|aicore!b540",
            "clientsecret": SECRET,
            "url": url,
            "serviceurls": {"AI_API_URL": api}
        })
        .to_string()
    }

    #[test]
    fn a_parsed_secret_is_masked_in_tool_results_before_any_token_is_fetched() {
        let secret = "parsed-not-yet-used$Zm9v+/=";
        let json = serde_json::json!({
            "clientid": "sb-x", "clientsecret": secret, "url": "https://a.example",
            "serviceurls": {"AI_API_URL": "https://b.example"}
        });
        ServiceKey::from_json(&json.to_string()).unwrap();
        let parts_secret = "from-parts-secret-4242";
        ServiceKey::from_parts(
            "sb-y",
            SecretString::from(parts_secret),
            "https://a.example",
            "https://b.example",
        )
        .unwrap();
        let shown =
            crate::redact::mask_remembered(&format!("cat says {secret} and {parts_secret}"));
        assert_eq!(shown, "cat says [redacted] and [redacted]");
    }

    #[test]
    fn secret_variant_parses_and_normalises() {
        let key = ServiceKey::from_json(&secret_key(
            "https://sub.authentication.eu10.hana.ondemand.com",
            "https://api.ai.prod.eu-central-1.aws.ml.hana.ondemand.com",
        ))
        .unwrap();
        assert_eq!(key.client_id, "sb-1!b2|aicore!b540");
        assert_eq!(
            key.token_url,
            "https://sub.authentication.eu10.hana.ondemand.com/oauth/token"
        );
        assert_eq!(
            key.api_base,
            "https://api.ai.prod.eu-central-1.aws.ml.hana.ondemand.com/v2"
        );
        match &key.credential {
            Credential::Secret(s) => assert_eq!(s.expose_secret(), SECRET),
            Credential::Certificate { .. } => panic!("expected secret"),
        }
    }

    #[test]
    fn urls_already_suffixed_are_kept() {
        for (url, api) in [
            ("https://a.example/oauth/token", "https://b.example/v2"),
            ("https://a.example/oauth/token/", "https://b.example/v2/"),
            ("https://a.example//", "https://b.example/"),
        ] {
            let key = ServiceKey::from_json(&secret_key(url, api)).unwrap();
            assert_eq!(key.token_url, "https://a.example/oauth/token");
            assert_eq!(key.api_base, "https://b.example/v2");
        }
    }

    #[test]
    fn certificate_variant_uses_certurl_and_unescapes_pems() {
        let text = serde_json::json!({
            "clientid": "cid",
            "certificate": "-----BEGIN CERTIFICATE-----\\nAAA\\n-----END CERTIFICATE-----\\n",
            "key": "-----BEGIN RSA PRIVATE KEY-----\\nBBB\\n-----END RSA PRIVATE KEY-----\\n",
            "certurl": "https://sub.authentication.cert.eu10.hana.ondemand.com",
            "url": "https://sub.authentication.eu10.hana.ondemand.com",
            "serviceurls": {"AI_API_URL": "https://api.example"}
        })
        .to_string();
        let key = ServiceKey::from_json(&text).unwrap();
        assert_eq!(
            key.token_url,
            "https://sub.authentication.cert.eu10.hana.ondemand.com/oauth/token"
        );
        match &key.credential {
            Credential::Certificate {
                certificate_pem,
                key_pem,
            } => {
                assert!(certificate_pem.contains("\nAAA\n"));
                assert!(key_pem.expose_secret().contains("\nBBB\n"));
            }
            Credential::Secret(_) => panic!("expected certificate"),
        }
        let debug = format!("{key:?}");
        assert!(!debug.contains("BBB"), "{debug}");
    }

    fn field_of(err: Error) -> String {
        match err {
            Error::ServiceKey { field, .. } => field,
            other => panic!("expected ServiceKey error, got {other:?}"),
        }
    }

    #[test]
    fn each_missing_field_is_named() {
        let full = serde_json::json!({
            "clientid": "c", "clientsecret": "s", "url": "https://a.example",
            "serviceurls": {"AI_API_URL": "https://b.example"}
        });
        for (remove, expected) in [
            ("clientid", "clientid"),
            ("clientsecret", "clientsecret"),
            ("url", "url"),
            ("serviceurls", "serviceurls.AI_API_URL"),
        ] {
            let mut v = full.clone();
            v.as_object_mut().unwrap().remove(remove);
            let err = ServiceKey::from_json(&v.to_string()).unwrap_err();
            assert_eq!(field_of(err), expected);
        }
        let cert = serde_json::json!({
            "clientid": "c", "certificate": "C", "key": "K", "certurl": "https://a.example",
            "serviceurls": {"AI_API_URL": "https://b.example"}
        });
        for field in ["certificate", "key", "certurl"] {
            let mut v = cert.clone();
            v.as_object_mut().unwrap().remove(field);
            let err = ServiceKey::from_json(&v.to_string()).unwrap_err();
            assert_eq!(field_of(err), field);
        }
        assert_eq!(
            field_of(ServiceKey::from_json("{not json").unwrap_err()),
            "(document)"
        );
        let mut v = full.clone();
        v["url"] = serde_json::json!("not a url");
        assert_eq!(
            field_of(ServiceKey::from_json(&v.to_string()).unwrap_err()),
            "url"
        );
        v["url"] = serde_json::json!(42);
        assert_eq!(
            field_of(ServiceKey::from_json(&v.to_string()).unwrap_err()),
            "url"
        );
    }

    #[test]
    fn http_only_for_loopback() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.5.0.1",
            "http://localhost:1234/",
            "http://[::1]:9000",
        ] {
            ServiceKey::from_json(&secret_key(ok, ok)).unwrap();
        }
        let err = ServiceKey::from_json(&secret_key("http://example.com", "https://b.example"))
            .unwrap_err();
        assert!(matches!(err, Error::InsecureUrl { .. }), "{err:?}");
        let err = ServiceKey::from_parts(
            "c",
            SecretString::from("s"),
            "https://a.example",
            "http://10.0.0.1",
        )
        .unwrap_err();
        assert!(matches!(err, Error::InsecureUrl { .. }), "{err:?}");
    }

    #[test]
    fn from_parts_normalises_and_debug_hides_secret() {
        let key = ServiceKey::from_parts(
            "c",
            SecretString::from(SECRET),
            "https://a.example/",
            "https://b.example/v2",
        )
        .unwrap();
        assert_eq!(key.token_url, "https://a.example/oauth/token");
        assert_eq!(key.api_base, "https://b.example/v2");
        let debug = format!("{key:?}");
        assert!(!debug.contains(SECRET), "{debug}");
        assert!(!debug.contains("Zm9vYmFy"), "{debug}");
    }
}
