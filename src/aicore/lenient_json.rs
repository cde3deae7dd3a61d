//! A second chance for stream payloads that are not strict JSON. Bedrock streams through
//! SAP AI Core may carry single-quoted payloads (API reference §6.3: Cline reads them with
//! JSON5); the likely source is a Python `repr` of the event, so `True`/`False`/`None` are
//! read too, and Python's `\xNN` and `\UNNNNNNNN` escapes. Only quoting, those three words and
//! those escapes are repaired: anything else stays invalid.

use serde_json::Value;

/// `text` as JSON, strictly first, then with single-quoted strings and Python literals.
pub fn parse(text: &str) -> Option<Value> {
    if let Ok(value) = serde_json::from_str(text) {
        return Some(value);
    }
    serde_json::from_str(&repair(text)?).ok()
}

/// Rewrites single-quoted strings as double-quoted ones and Python's literals as JSON's;
/// `None` when a string is left open.
fn repair(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push('"');
                read_string(c, &mut chars, &mut out)?;
                out.push('"');
            }
            c if c.is_ascii_alphabetic() => {
                let mut word = String::from(c);
                while let Some(&next) = chars.peek() {
                    if !next.is_ascii_alphanumeric() && next != '_' {
                        break;
                    }
                    word.push(next);
                    chars.next();
                }
                out.push_str(match word.as_str() {
                    "True" => "true",
                    "False" => "false",
                    "None" => "null",
                    other => other,
                });
            }
            other => out.push(other),
        }
    }
    Some(out)
}

/// Copies a string body up to its closing `quote`, re-escaped for a double-quoted string.
fn read_string(
    quote: char,
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    out: &mut String,
) -> Option<()> {
    loop {
        match chars.next()? {
            c if c == quote => return Some(()),
            '"' => out.push_str("\\\""),
            '\\' => match chars.next()? {
                '\'' => out.push('\''),
                // Python's `\xNN` is JSON's `\u00NN`.
                'x' => {
                    let hex: String = [chars.next()?, chars.next()?].iter().collect();
                    out.push_str("\\u00");
                    out.push_str(&hex);
                }
                // Python's `\UNNNNNNNN` has no JSON form but the character itself.
                'U' => {
                    let hex: String = (0..8).map(|_| chars.next()).collect::<Option<_>>()?;
                    let code = u32::from_str_radix(&hex, 16).ok()?;
                    push_escaped_char(char::from_u32(code)?, out);
                }
                escaped => {
                    out.push('\\');
                    out.push(escaped);
                }
            },
            // Raw control characters are not allowed inside JSON strings.
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
}

/// `c` as a JSON escape, a surrogate pair beyond the Basic Multilingual Plane.
fn push_escaped_char(c: char, out: &mut String) {
    let mut units = [0u16; 2];
    for unit in c.encode_utf16(&mut units) {
        out.push_str(&format!("\\u{unit:04x}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strict_json_is_read_as_is() {
        assert_eq!(parse(r#"{"a": "it's"}"#), Some(json!({"a": "it's"})));
    }

    #[test]
    fn python_repr_of_a_converse_event() {
        let text =
            r#"{'contentBlockDelta': {'delta': {'text': "it's \"x\"\n"}, 'contentBlockIndex': 0}}"#;
        assert_eq!(
            parse(text),
            Some(
                json!({"contentBlockDelta": {"delta": {"text": "it's \"x\"\n"}, "contentBlockIndex": 0}})
            )
        );
        let text = r"{'messageStop': {'stopReason': 'end_turn', 'additionalModelResponseFields': None, 'ok': True}}";
        assert_eq!(
            parse(text),
            Some(
                json!({"messageStop": {"stopReason": "end_turn", "additionalModelResponseFields": null, "ok": true}})
            )
        );
        assert_eq!(
            parse(r"{'t': 'caf\xe9 \'q\''}"),
            Some(json!({"t": "café 'q'"}))
        );
        assert_eq!(
            parse(r"{'t': '\u2615 \U0001f980 \U000000e9'}"),
            Some(json!({"t": "\u{2615} \u{1f980} \u{e9}"}))
        );
        assert_eq!(parse(r"{'t': '\U0011ffff'}"), None);
        assert_eq!(parse(r"{'t': '\U0001f98'}"), None);
    }

    #[test]
    fn garbage_stays_garbage() {
        for text in ["{not json", "{'open: 1}", "{'a': 'b\\", "{'a': nan}", ""] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
