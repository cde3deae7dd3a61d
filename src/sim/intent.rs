//! Which tool call, if any, a question asks for (outside the scripts). Only what the README
//! documents: a question that asks for an offered tool by name ("use get_weather", or the
//! name as its first word: "Add 2 and 3." with a tool `add`); "in PATH replace "a" with
//! "b"" (an edit, with any client's edit tool); a question naming a file (read it, with any
//! client's read tool). Anything else is a plain question and gets text. Arguments always
//! pass the offered schema; a call that cannot be made valid is not made.

use serde_json::{Map, Value};

use super::answer::truncate_chars;
use super::schema;
use super::toolset::{self, Action, Call};

/// The call `question` asks for among `functions` (already narrowed by `tool_choice`).
pub(crate) fn call_for(question: &str, functions: &[&Value]) -> Option<Call> {
    let path = words(question).into_iter().find(|word| is_path_like(word));
    let phrases = quoted_phrases(question);
    if let Some(path) = path
        && asks_for_edit(question)
        && let [old, new, ..] = phrases.as_slice()
        && let Some(call) = toolset::call(
            functions,
            Action::Edit {
                path,
                file: "",
                old,
                new,
            },
        )
    {
        return Some(call);
    }
    if let Some(function) = functions
        .iter()
        .find(|f| asks_by_name(question, name_of(f)))
    {
        return generic_call(function, question);
    }
    path.and_then(|path| toolset::call(functions, Action::Read { path }))
}

/// What `tool_choice` `required` (or a named tool) gets when the question asks for no call:
/// the first offered tool the question can fill validly.
pub(crate) fn forced_call(question: &str, functions: &[&Value]) -> Option<Call> {
    call_for(question, functions).or_else(|| {
        functions
            .iter()
            .find_map(|function| generic_call(function, question))
    })
}

fn name_of<'a>(function: &&'a Value) -> &'a str {
    function.get("name").and_then(Value::as_str).unwrap_or("")
}

/// "use NAME", "call NAME", or NAME as the question's first word (any case).
/// Agent tools named by a plain verb (Claude Code's, Kilo's, Codex's) are not asked for by a
/// question that merely starts with it: "Write a poem" wants no file written.
fn asks_by_name(question: &str, name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    let lowered: Vec<String> = words(question).iter().map(|w| w.to_lowercase()).collect();
    let plain_verb = toolset::PLAIN_VERB_TOOLS.contains(&name);
    let name = name.to_lowercase();
    (lowered.first() == Some(&name) && !plain_verb)
        || lowered
            .windows(2)
            .any(|pair| matches!(pair[0].as_str(), "use" | "call") && pair[1] == name)
}

/// "change", "edit" or "replace" in the question.
fn asks_for_edit(question: &str) -> bool {
    let lowered = question.to_lowercase();
    ["change", "edit", "replace"]
        .iter()
        .any(|verb| lowered.contains(verb))
}

/// A call to `function` with arguments from the question, made valid against its schema.
fn generic_call(function: &Value, question: &str) -> Option<Call> {
    let name = function.get("name").and_then(Value::as_str)?;
    let parameters = function.get("parameters");
    let mut arguments = tool_arguments(parameters, question);
    let Some(parameters) = parameters.and_then(Value::as_object) else {
        return Some(Call {
            name: name.to_owned(),
            arguments: Value::Object(arguments),
        });
    };
    let missing_path = schema::required(parameters)
        .into_iter()
        .any(|name| is_path_property(name) && !arguments.contains_key(name));
    if missing_path {
        return None;
    }
    let properties = parameters.get("properties").and_then(Value::as_object);
    for (key, value) in arguments.iter_mut() {
        let Some(property) = properties.and_then(|p| p.get(key)) else {
            continue;
        };
        if schema::check(property, value).is_err() {
            *value = repaired(property, value, question);
        }
    }
    toolset::valid_call(name, parameters, arguments)
}

/// A value `property` accepts in place of `value`: the enum entry the question names (else
/// the first), a number moved into its bounds, else the schema's own example.
fn repaired(property: &Value, value: &Value, question: &str) -> Value {
    let lowered = question.to_lowercase();
    if let Some(options) = property.get("enum").and_then(Value::as_array) {
        return options
            .iter()
            .find(|o| {
                o.as_str()
                    .is_some_and(|o| lowered.contains(&o.to_lowercase()))
            })
            .or(options.first())
            .cloned()
            .unwrap_or(Value::Null);
    }
    if let Some(number) = value.as_f64() {
        let min = property.get("minimum").and_then(Value::as_f64);
        let max = property.get("maximum").and_then(Value::as_f64);
        let clamped = max.map_or(number, |max| number.min(max));
        let clamped = min.map_or(clamped, |min| clamped.max(min));
        let candidate = if property.get("type").and_then(Value::as_str) == Some("integer") {
            Value::from(clamped as i64)
        } else {
            Value::from(clamped)
        };
        if schema::check(property, &candidate).is_ok() {
            return candidate;
        }
    }
    schema::example(property)
}

/// The question's words without surrounding quotes, brackets and sentence punctuation.
fn words(question: &str) -> Vec<&str> {
    question
        .split_whitespace()
        .map(|word| {
            word.trim_matches(|c: char| {
                matches!(
                    c,
                    '`' | '\'' | '"' | '(' | ')' | ',' | ';' | ':' | '!' | '?'
                )
            })
            .trim_end_matches('.')
        })
        .filter(|word| !word.is_empty())
        .collect()
}

/// Arguments for a tool call: numbers from the question fill number/integer properties in
/// order (so "add 2 and 3" calls `add({"a":2,"b":3})`); a string property named like a path
/// or file gets the first path-like word ("read Cargo.toml" calls `read_file({"path":
/// "Cargo.toml"})`), a quoted phrase fills other strings, else the question itself. When the
/// schema lists `required` properties, the optional ones are only sent when the question
/// supplies a value for them.
fn tool_arguments(parameters: Option<&Value>, question: &str) -> Map<String, Value> {
    let words = words(question);
    let path = words.iter().copied().find(|word| is_path_like(word));
    let mut found_numbers = words
        .iter()
        .filter(|word| !is_path_like(word))
        .flat_map(|word| word.split(|c: char| !c.is_ascii_digit() && c != '-'))
        .filter_map(|part| part.parse::<i64>().ok());
    let phrases = quoted_phrases(question);
    let required: Option<Vec<&str>> = parameters
        .and_then(|p| p.get("required"))
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(Value::as_str).collect());
    let mut arguments = Map::new();
    let properties = parameters
        .and_then(|p| p.get("properties"))
        .and_then(Value::as_object);
    for (name, schema) in properties.into_iter().flatten() {
        let optional = required
            .as_ref()
            .is_some_and(|list| !list.contains(&name.as_str()));
        let value = match schema.get("type").and_then(Value::as_str) {
            Some("integer" | "number") => match found_numbers.next() {
                Some(n) => Value::from(n),
                None => continue,
            },
            // The question holds no such value; `schema::complete` fills the required ones.
            Some("boolean" | "array" | "object") => continue,
            // No path in the question: none is made up (`generic_call` then makes no call).
            Some(_) | None if is_path_property(name) => match path {
                Some(path) => Value::from(path),
                None => continue,
            },
            // An edit's old and new text: the first and second quoted phrase.
            Some(_) | None if phrases.len() >= 2 && (name == "old_text" || name == "new_text") => {
                Value::from(phrases[usize::from(name == "new_text")].clone())
            }
            Some(_) | None => match quoted(question) {
                Some(phrase) => Value::from(phrase),
                None if optional => continue,
                None => Value::from(truncate_chars(question.trim(), 80)),
            },
        };
        arguments.insert(name.clone(), value);
    }
    arguments
}

/// `path`, `file_path`, `filePath`: a property that names a file.
fn is_path_property(name: &str) -> bool {
    let lowered = name.to_lowercase();
    lowered.contains("path") || lowered.contains("file")
}

/// `src/lib.rs`, `Cargo.toml`, `../secret`: a slash, or a dot between name characters
/// (so `2.5` and sentence ends are not paths).
fn is_path_like(word: &str) -> bool {
    if word.is_empty()
        || word
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
    {
        return false;
    }
    word.contains('/')
        || word.split_once('.').is_some_and(|(stem, ext)| {
            !stem.is_empty() && ext.chars().next().is_some_and(char::is_alphanumeric)
        })
}

/// The first phrase in double quotes or backticks.
fn quoted(question: &str) -> Option<String> {
    for mark in ['"', '`'] {
        let mut pieces = question.split(mark);
        pieces.next();
        if let (Some(inner), Some(_)) = (pieces.next(), pieces.next())
            && !inner.is_empty()
        {
            return Some(inner.to_owned());
        }
    }
    None
}

/// Every phrase in double quotes, in order (`"a" with "b"` gives `a`, `b`).
fn quoted_phrases(question: &str) -> Vec<String> {
    let pieces: Vec<&str> = question.split('"').collect();
    // Odd pieces lie between quotes; the last piece is never closed.
    (1..pieces.len().saturating_sub(1))
        .step_by(2)
        .map(|index| pieces[index])
        .filter(|phrase| !phrase.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
#[path = "intent_tests.rs"]
mod tests;
