//! The orchestration templating module's rendering of template messages, as far as the
//! simulator needs it: `{{?name}}` placeholders take their values verbatim (a value is never
//! rendered again), `{# … #}` comments vanish, and `{% if … %}…{% endif %}` blocks vanish
//! with their body (a template sees no variables but placeholders, so every condition is
//! false); other `{% … %}` tags vanish too. Anything unterminated stays as text.

/// `text` rendered, with `value(name)` for each `{{ ?name }}` (spaces allowed).
pub(crate) fn render(text: &str, value: &mut dyn FnMut(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = ["{{", "{#", "{%"].iter().filter_map(|o| rest.find(o)).min() {
        out.push_str(&rest[..start]);
        let opener = &rest[start..start + 2];
        let after = &rest[start + 2..];
        let closer = match opener {
            "{{" => "}}",
            "{#" => "#}",
            _ => "%}",
        };
        let Some(end) = after.find(closer) else {
            out.push_str(&rest[start..]);
            return out;
        };
        let inner = after[..end].trim();
        rest = &after[end + 2..];
        match opener {
            "{{" => match placeholder(inner) {
                Some(name) => out.push_str(&value(name)),
                None => out.push_str(&format!("{{{{{}}}}}", &after[..end])),
            },
            "{%" if inner.starts_with("if ") => rest = after_endif(rest),
            _ => {}
        }
    }
    out.push_str(rest);
    out
}

/// `?name` of a placeholder expression.
fn placeholder(inner: &str) -> Option<&str> {
    inner.strip_prefix('?').map(str::trim).filter(|name| {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    })
}

/// What follows the `{% endif %}` closing the block `rest` starts in (nothing when none does).
fn after_endif(rest: &str) -> &str {
    let mut from = 0;
    while let Some(open) = rest[from..].find("{%") {
        let tag_start = from + open + 2;
        let Some(close) = rest[tag_start..].find("%}") else {
            break;
        };
        let tag = rest[tag_start..tag_start + close].trim();
        from = tag_start + close + 2;
        if tag == "endif" {
            return &rest[from..];
        }
    }
    ""
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upper(text: &str) -> (String, Vec<String>) {
        let mut seen = Vec::new();
        let out = render(text, &mut |name| {
            seen.push(name.to_owned());
            name.to_uppercase()
        });
        (out, seen)
    }

    #[test]
    fn substitutes_placeholders_with_spaces() {
        let (text, seen) = upper("Hi {{?name}}, {{ ?day }} {{not}} {{");
        assert_eq!(text, "Hi NAME, DAY {{not}} {{");
        assert_eq!(seen, ["name", "day"]);
    }

    #[test]
    fn template_text_is_rendered_but_values_are_not() {
        let (text, _) = upper("a {% if x %}b{% endif %}c {# note #}d {% set y = 1 %}e");
        assert_eq!(text, "a c d e");
        let probe = "{{?x}} {% if a %}b{% endif %} {# c #}";
        let out = render("{{?tool_result_1}}", &mut |_| probe.to_owned());
        assert_eq!(out, probe);
        assert_eq!(render(probe, &mut |_| "X".to_owned()), "X  ");
    }
}
