//! The local key every request to `sapcode serve` must carry. Without it any program on the
//! machine (or, with `--bind`, on the network) could spend the tenant's quota through the
//! user's credentials. `SAPCODE_SERVE_KEY` when set; else one generated on first use and kept
//! 0600 in the state dir, so the lines pasted into a client's config keep working.

use std::path::{Path, PathBuf};

use axum::http::HeaderMap;

pub const ENV_VAR: &str = "SAPCODE_SERVE_KEY";
const FILE_NAME: &str = "serve-key";
/// `sk-sapcode-` and 48 hex digits: 192 bits from the OS random source.
const PREFIX: &str = "sk-sapcode-";

/// Where the key came from, for the start-up lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Env,
    File(PathBuf),
}

#[derive(Debug)]
pub struct LocalKey {
    value: String,
    pub source: KeySource,
}

impl LocalKey {
    /// `env` (the variable's value, if set), else the state dir's file, else a new key saved there.
    pub fn load(env: Option<String>, state_dir: Option<&Path>) -> anyhow::Result<LocalKey> {
        if let Some(value) = env.filter(|v| !v.trim().is_empty()) {
            return Ok(LocalKey {
                value: value.trim().to_owned(),
                source: KeySource::Env,
            });
        }
        let dir = state_dir.ok_or_else(|| {
            crate::report::UsageError::new(
                "no state directory to keep the serve key in",
                format!("set {ENV_VAR} to a key of your choice"),
            )
        })?;
        let file = dir.join(FILE_NAME);
        let value = match std::fs::read_to_string(&file) {
            Ok(text) if !text.trim().is_empty() => text.trim().to_owned(),
            Ok(_) => create(&file)?,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => create(&file)?,
            Err(err) => {
                return Err(crate::report::UsageError::new(
                    format!("cannot read the serve key {}: {err}", file.display()),
                    format!("fix its permissions, delete it to get a new one, or set {ENV_VAR}"),
                )
                .into());
            }
        };
        Ok(LocalKey {
            value,
            source: KeySource::File(file),
        })
    }

    /// `Authorization: Bearer KEY` or `x-api-key: KEY` (Anthropic clients send the latter).
    pub fn admits(&self, headers: &HeaderMap) -> bool {
        let bearer = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            });
        let api_key = headers.get("x-api-key").and_then(|v| v.to_str().ok());
        [bearer, api_key]
            .into_iter()
            .flatten()
            .any(|offered| same(offered.trim().as_bytes(), self.value.as_bytes()))
    }
}

/// Compares in time independent of where the first difference is.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn create(file: &Path) -> anyhow::Result<String> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes)
        .map_err(|err| anyhow::anyhow!("the OS random source failed: {err}"))?;
    let value = format!(
        "{PREFIX}{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    if let Some(dir) = file.parent() {
        crate::logging::create_private_dir(dir)?;
    }
    // 0600 from the start (write_atomic's `private`), never readable by others in between.
    crate::fsutil::write_atomic(file, format!("{value}\n").as_bytes(), true).map_err(|err| {
        crate::report::UsageError::new(
            format!("cannot save the serve key in {}: {err}", file.display()),
            format!("make the directory writable, or set {ENV_VAR}"),
        )
    })?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn generated_once_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let first = LocalKey::load(None, Some(&state)).unwrap();
        assert!(first.value.starts_with(PREFIX));
        assert_eq!(first.value.len(), PREFIX.len() + 48);
        let again = LocalKey::load(None, Some(&state)).unwrap();
        assert_eq!(first.value, again.value);
        assert_eq!(first.source, KeySource::File(state.join(FILE_NAME)));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(state.join(FILE_NAME))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let env = LocalKey::load(Some("mine".into()), Some(&state)).unwrap();
        assert_eq!((env.value.as_str(), env.source), ("mine", KeySource::Env));
    }

    #[test]
    fn admits_bearer_or_x_api_key_only_with_the_key() {
        let key = LocalKey {
            value: "k-123".into(),
            source: KeySource::Env,
        };
        assert!(key.admits(&headers(&[("authorization", "Bearer k-123")])));
        assert!(key.admits(&headers(&[("x-api-key", "k-123")])));
        assert!(!key.admits(&headers(&[])));
        assert!(!key.admits(&headers(&[("authorization", "Bearer k-12")])));
        assert!(!key.admits(&headers(&[("authorization", "k-123")])));
        assert!(!key.admits(&headers(&[("x-api-key", "k-1234")])));
    }
}
