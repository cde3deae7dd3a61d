//! Python's `ascii(obj)` of a JSON value: what a relay that prints a Python dict instead of
//! dumping JSON puts on the wire (API reference §12, cline/cline#8278). Strings take single
//! quotes unless they hold a `'` and no `"`, literals are `True`/`False`/`None`, and every
//! non-ASCII or non-printable character is `\xNN`, `\uNNNN` or `\UNNNNNNNN`.

use serde_json::Value;

/// `value` written as Python writes `ascii()` of the equivalent dict/list.
pub(crate) fn ascii_repr(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Number(number) => out.push_str(&number.to_string()),
        Value::String(text) => write_string(text, out),
        Value::Array(items) => {
            out.push('[');
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (n, (key, item)) in map.iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                write_string(key, out);
                out.push_str(": ");
                write_value(item, out);
            }
            out.push('}');
        }
    }
}

fn write_string(text: &str, out: &mut String) {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            c => {
                let code = u32::from(c);
                let escaped = match code {
                    0..=0xff => format!("\\x{code:02x}"),
                    0x100..=0xffff => format!("\\u{code:04x}"),
                    _ => format!("\\U{code:08x}"),
                };
                out.push_str(&escaped);
            }
        }
    }
    out.push(quote);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_what_python_ascii_writes() {
        // Expected texts are Python 3's `ascii()` of the same dicts.
        assert_eq!(
            ascii_repr(&json!({"a": [1, 2.5, true, false, null], "b": "it's"})),
            r#"{'a': [1, 2.5, True, False, None], 'b': "it's"}"#
        );
        assert_eq!(
            ascii_repr(&json!("both ' and \" \\ \n\t\u{1}")),
            r#"'both \' and " \\ \n\t\x01'"#
        );
        assert_eq!(
            ascii_repr(&json!("café ☕ 🦀")),
            r"'caf\xe9 \u2615 \U0001f980'"
        );
    }
}
