//! Scrubbing text before it reaches a log or crash file: known secrets (the client secret
//! once credentials are resolved, every access token issued), `Bearer …` values, JWT-shaped
//! strings (`eyJ…`) and the values of secret-named fields (`client_secret=…`,
//! `"access_token": "…"`). A remembered client secret is also masked in the encodings a
//! server may echo it in: form/URL-encoded and inside HTTP Basic credentials. Used by
//! `logging`, `crash`, the error line on stderr and error bodies as they are read.

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
/// At most this many remembered secrets (the client secret's forms plus recent tokens).
const MAX_REMEMBERED: usize = 40;
/// How many entries `remember_client_secret` may add; they are never evicted.
const CLIENT_SECRET_FORMS: usize = 7;

static REMEMBERED: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Remembers a secret so `scrub` masks it wherever it appears. Short values (under 8 chars)
/// are ignored: masking them would mangle ordinary words.
pub fn remember(secret: &str) {
    let secret = secret.trim();
    if secret.len() < 8 {
        return;
    }
    let mut list = REMEMBERED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if list.iter().any(|s| s == secret) {
        return;
    }
    if list.len() >= MAX_REMEMBERED {
        // Keep the client secret's forms (remembered first); drop the oldest token.
        let oldest = CLIENT_SECRET_FORMS.min(list.len() - 1);
        list.remove(oldest);
    }
    list.push(secret.to_string());
}

/// Remembers a client secret and every encoding a token endpoint could echo it in: the form
/// body (`+` or `%20` for a space, either hex case) and the Basic credentials
/// `base64(id:secret)` (RFC 6749 §2.3.1 form-encodes both parts first).
pub fn remember_client_secret(client_id: &str, secret: &str) {
    use base64::Engine as _;
    let mut forms = vec![secret.to_owned()];
    for plus_for_space in [true, false] {
        let upper = percent_encode(secret, plus_for_space);
        forms.push(lowercase_escapes(&upper));
        forms.push(upper);
    }
    for (id, secret) in [
        (client_id.to_owned(), secret.to_owned()),
        (
            percent_encode(client_id, true),
            percent_encode(secret, true),
        ),
    ] {
        forms.push(base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}")));
    }
    for form in forms {
        remember(&form);
    }
}

/// Percent-encoding as `application/x-www-form-urlencoded` does it (`*-._` and
/// alphanumerics kept), with a space as `+` or as `%20`.
fn percent_encode(text: &str, plus_for_space: bool) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(byte));
            }
            b' ' if plus_for_space => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// `%2B` → `%2b`, leaving the unescaped characters alone.
fn lowercase_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut escape_left = 0;
    for c in text.chars() {
        if c == '%' {
            escape_left = 2;
            out.push(c);
        } else if escape_left > 0 {
            escape_left -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `text` with every secret-looking part replaced by `[redacted]`.
pub fn scrub(text: &str) -> String {
    let out = mask_remembered(text);
    let out = mask_bearer(&out);
    let out = mask_jwts(&out);
    mask_secret_fields(&out)
}

/// `text` with the remembered secrets (the client secret in each of its encodings, every
/// access token, the certificate's private key) replaced by `[redacted]`, and nothing else:
/// for tool results, where masking `password = …` or JWT-shaped test data in the user's own
/// files would hide text the model has to quote back to edit it.
pub fn mask_remembered(text: &str) -> String {
    let list = REMEMBERED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut out = text.to_string();
    for secret in list.iter() {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), MASK);
        }
    }
    out
}

/// Where the end of `text` may be the first bytes of a remembered secret whose rest has not
/// arrived yet (`text.len()` when it cannot be): the start of the longest such tail.
fn unfinished_secret_at(text: &str) -> usize {
    let list = REMEMBERED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let bytes = text.as_bytes();
    let mut start = bytes.len();
    for secret in list.iter().map(String::as_bytes) {
        let from = bytes.len().saturating_sub(secret.len().saturating_sub(1));
        if let Some(at) = (from..start).find(|&at| secret.starts_with(&bytes[at..])) {
            start = at;
        }
    }
    start
}

/// `mask_remembered` for text that arrives in pieces (a command's output as it streams): a
/// secret cut in two by the pipe is masked all the same, because a piece that ends in the
/// first bytes of a remembered secret keeps them back until the next piece (or `finish`).
/// Everything else is passed on at once, so a prompt or a progress line is never delayed.
#[derive(Debug, Default)]
pub struct StreamMask {
    held: String,
}

impl StreamMask {
    /// What of `held + piece` can be shown now, masked; may be empty.
    pub fn push(&mut self, piece: &str) -> String {
        self.held.push_str(piece);
        let masked = mask_remembered(&self.held);
        let mut cut = unfinished_secret_at(&masked);
        while !masked.is_char_boundary(cut) {
            cut -= 1;
        }
        self.held = masked[cut..].to_owned();
        masked[..cut].to_owned()
    }

    /// The rest, masked: the stream ended.
    pub fn finish(&mut self) -> String {
        mask_remembered(&std::mem::take(&mut self.held))
    }
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
    fn every_encoding_of_the_client_secret_is_masked() {
        remember_client_secret("sb-id|x", "s3cr3t+/=$x y");
        let echoed = "grant_type=client_credentials&client_id=sb-id%7Cx\
            &client_secret=s3cr3t%2B%2F%3D%24x+y or s3cr3t%2b%2f%3d%24x%20y or s3cr3t+/=$x y \
            basic c2ItaWR8eDpzM2NyM3QrLz0keCB5 and c2ItaWQlN0N4OnMzY3IzdCUyQiUyRiUzRCUyNHgreQ==";
        let out = scrub(&echoed.replace("client_secret=", "echo="));
        for leaked in [
            "s3cr3t",
            "%2B%2F",
            "%2b%2f",
            "c2ItaWR8eDpzM2NyM3Q",
            "c2ItaWQlN0N4OnMzY3Iz",
        ] {
            assert!(!out.contains(leaked), "{leaked} in {out}");
        }
    }

    #[test]
    fn tool_results_lose_only_remembered_secrets() {
        remember("tool-result-secret-8Zq");
        let text = "password = \"hunter22\" and tool-result-secret-8Zq, Bearer abc.def";
        assert_eq!(
            mask_remembered(text),
            "password = \"hunter22\" and [redacted], Bearer abc.def"
        );
    }

    #[test]
    fn a_secret_split_across_pieces_is_masked_at_any_cut() {
        let secret = "split-secret-Qw3+/=x";
        remember(secret);
        let text = format!("é before {secret} middle {secret}{secret} after é\n");
        for first in 0..=text.len() {
            for second in first..=text.len() {
                if !(text.is_char_boundary(first) && text.is_char_boundary(second)) {
                    continue;
                }
                let mut mask = StreamMask::default();
                let mut shown = Vec::new();
                for piece in [&text[..first], &text[first..second], &text[second..]] {
                    shown.push(mask.push(piece));
                }
                shown.push(mask.finish());
                let joined = shown.concat();
                assert_eq!(joined, mask_remembered(&text), "cut at {first}, {second}");
                assert!(
                    shown.iter().all(|part| !part.contains("split-secret")),
                    "{shown:?}"
                );
            }
        }
    }

    #[test]
    fn only_a_possible_start_of_a_secret_is_held_back() {
        remember("held-back-secret-77");
        let mut mask = StreamMask::default();
        assert_eq!(mask.push("started\n"), "started\n");
        assert_eq!(mask.push("then held-ba"), "then ");
        assert_eq!(mask.push("ckward!"), "held-backward!");
        assert_eq!(mask.push(" held-back-secret"), " ");
        assert_eq!(mask.push("-77."), "[redacted].");
        assert_eq!(mask.push(" held"), " ");
        assert_eq!(mask.finish(), "held");
    }

    #[test]
    fn ordinary_text_is_untouched() {
        let text = "GET https://api.ai.example/v2/lm/deployments?$top=10000 -> 200 in 12 ms; eyJ";
        assert_eq!(scrub(text), text);
        assert_eq!(scrub("ünïcödé bearer"), "ünïcödé bearer");
    }
}
