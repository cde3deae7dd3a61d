//! Scrubbing text before it reaches a log or crash file: known secrets (the client secret
//! once credentials are resolved, every access token issued), `Bearer …` values, JWT-shaped
//! strings (`eyJ…`) and the values of secret-named fields (`client_secret=…`,
//! `"access_token": "…"`). Cheap and dependency-free; used by `logging` and `crash`.

use std::sync::Mutex;

const MASK: &str = "[redacted]";
/// Keys whose value is always masked, in JSON (`"key": "v"`) or form/query (`key=v`) shape.
const SECRET_KEYS: &[&str] = &[
    "client_secret",
    "clientsecret",
    "access_token",
    "refresh_token",
    "id_token",
    "password",
    "authorization",
    "key_pem",
    "private_key",
];
/// At most this many remembered secrets (the client secret plus recent tokens).
const MAX_REMEMBERED: usize = 32;

static REMEMBERED: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Remembers a secret so `scrub` masks it wherever it appears. Short values (under 8 chars)
/// are ignored: masking them would mangle ordinary words.
pub fn remember(secret: &str) {
    let secret = secret.trim();
    if secret.len() < 8 {
        return;
    }
    let mut list = REMEMBERED.lock().unwrap_or_else(|p| p.into_inner());
    if list.iter().any(|s| s == secret) {
        return;
    }
    if list.len() >= MAX_REMEMBERED {
        // Keep the first (the client secret); drop the oldest token.
        let oldest = 1.min(list.len() - 1);
        list.remove(oldest);
    }
    list.push(secret.to_string());
}

/// `text` with every secret-looking part replaced by `[redacted]`.
pub fn scrub(text: &str) -> String {
    let mut out = text.to_string();
    {
        let list = REMEMBERED.lock().unwrap_or_else(|p| p.into_inner());
        for secret in list.iter() {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), MASK);
            }
        }
    }
    let out = mask_bearer(&out);
    let out = mask_jwts(&out);
    mask_secret_fields(&out)
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+' | '/' | '=' | '~')
}

/// `Bearer xyz` (any case) → `Bearer [redacted]`.
fn mask_bearer(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(found) = lower[i..].find("bearer ") {
        let start = i + found + "bearer ".len();
        out.push_str(&text[i..start]);
        let rest = &text[start..];
        let len: usize = rest
            .chars()
            .take_while(|c| is_token_char(*c))
            .map(char::len_utf8)
            .sum();
        if len > 0 {
            out.push_str(MASK);
        }
        i = start + len;
    }
    out.push_str(&text[i..]);
    out
}

/// Anything shaped like a JWT (`eyJ` + base64url + `.` …) → `[redacted]`.
fn mask_jwts(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(found) = text[i..].find("eyJ") {
        let start = i + found;
        let run: usize = text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '='))
            .map(char::len_utf8)
            .sum();
        out.push_str(&text[i..start]);
        let candidate = &text[start..start + run];
        if run >= 16 && candidate.contains('.') {
            out.push_str(MASK);
        } else {
            out.push_str(candidate);
        }
        i = start + run.max(3);
    }
    out.push_str(&text[i..]);
    out
}

/// `key=value`, `key: value`, `"key":"value"` for the keys in `SECRET_KEYS`.
fn mask_secret_fields(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    for key in SECRET_KEYS {
        let mut from = 0;
        while let Some(found) = lower[from..].find(key) {
            let mut j = from + found + key.len();
            from = j;
            let bytes = text.as_bytes();
            // Optional closing quote, spaces, then `=` or `:`, spaces, optional opening quote.
            while j < bytes.len() && matches!(bytes[j], b'"' | b'\'' | b' ') {
                j += 1;
            }
            if j >= bytes.len() || !matches!(bytes[j], b'=' | b':') {
                continue;
            }
            j += 1;
            while j < bytes.len() && matches!(bytes[j], b' ' | b'"' | b'\'') {
                j += 1;
            }
            let quoted = j > 0 && matches!(bytes[j - 1], b'"' | b'\'');
            let start = j;
            while j < bytes.len() {
                let b = bytes[j];
                let end = if quoted {
                    matches!(b, b'"' | b'\'' | b'\n')
                } else {
                    matches!(b, b'&' | b'"' | b',' | b'}' | b'\n' | b' ' | b';')
                };
                if end {
                    break;
                }
                j += 1;
            }
            // "Bearer [redacted]" after `authorization:` is already masked.
            if j > start && !text[start..j].ends_with(MASK) {
                cuts.push((start, j));
            }
        }
    }
    if cuts.is_empty() {
        return text.to_string();
    }
    cuts.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    for (start, end) in cuts {
        if start < i {
            continue;
        }
        out.push_str(&text[i..start]);
        out.push_str(MASK);
        i = end;
    }
    out.push_str(&text[i..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_jwt_and_fields_are_masked() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
        let text = format!(
            "Authorization: Bearer abc.def-123 then {jwt} and client_secret=s%24x&grant=cc \
             {{\"access_token\": \"opaque-token-value\", \"expires_in\": 3600}}"
        );
        let out = scrub(&text);
        assert!(!out.contains("abc.def-123"), "{out}");
        assert!(!out.contains(jwt), "{out}");
        assert!(!out.contains("s%24x"), "{out}");
        assert!(!out.contains("opaque-token-value"), "{out}");
        assert!(out.contains("grant=cc"), "{out}");
        assert!(out.contains("\"expires_in\": 3600"), "{out}");
    }

    #[test]
    fn remembered_secrets_are_masked_anywhere() {
        remember("sim-secret$Zm9vYmFy+/=");
        let out = scrub("panicked with sim-secret$Zm9vYmFy+/= in the middle");
        assert_eq!(out, "panicked with [redacted] in the middle");
    }

    #[test]
    fn ordinary_text_is_untouched() {
        let text = "GET https://api.ai.example/v2/lm/deployments?$top=10000 -> 200 in 12 ms; eyJ";
        assert_eq!(scrub(text), text);
        assert_eq!(scrub("ünïcödé bearer"), "ünïcödé bearer");
    }
}
