//! `application/x-www-form-urlencoded` decoding for token bodies, Basic credentials and query
//! strings. Small enough to own here rather than pull a crate in for it.

/// Splits `a=1&b=2` into decoded pairs, in order; `+` means space.
pub(crate) fn parse_pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) => (decode(key), decode(value)),
            None => (decode(pair), String::new()),
        })
        .collect()
}

/// The first value of `key` in a query string or form body.
pub(crate) fn value<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(name, _)| name == key)
        .map(|(_, value)| value.as_str())
}

/// Percent-decodes with `+` as space; malformed escapes are kept literally.
pub(crate) fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => out.push(b' '),
            b'%' => match bytes.get(index + 1..index + 3).and_then(hex_pair) {
                Some(byte) => {
                    out.push(byte);
                    index += 2;
                }
                None => out.push(b'%'),
            },
            other => out.push(other),
        }
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_pair(pair: &[u8]) -> Option<u8> {
    let text = std::str::from_utf8(pair).ok()?;
    u8::from_str_radix(text, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_form_values() {
        let pairs = parse_pairs("grant_type=client_credentials&client_secret=a%24b%2B%2F%3D+c&x");
        assert_eq!(value(&pairs, "grant_type"), Some("client_credentials"));
        assert_eq!(value(&pairs, "client_secret"), Some("a$b+/= c"));
        assert_eq!(value(&pairs, "x"), Some(""));
        assert_eq!(value(&pairs, "missing"), None);
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz"), "%zz");
    }
}
