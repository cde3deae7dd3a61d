//! Deterministic model behaviour shared by both chat modes: what the "model" answers, which
//! tool call it makes, token estimates and how text is cut into stream chunks.

use serde_json::{Map, Value};

/// What the simulated model produces for one request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reply {
    Text(String),
    ToolCall {
        id: String,
        name: String,
        arguments: String,
    },
}

/// Text of a message's `content`: a string, or the `text` parts of an array.
pub(crate) fn content_text(content: &Value) -> String {
    match content {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|part| part.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::Object(_) => String::new(),
    }
}

/// Decides the reply from the conversation: a tool result gets a text answer quoting it,
/// offered tools get a call (to the tool the question names, else the first one), anything
/// else a short markdown answer. Trailing system messages are skipped: orchestration clients
/// such as Cline put the system prompt in the template, which lands after the history (§7.4).
pub(crate) fn reply(model: &str, messages: &[Value], tools: Option<&Value>) -> Reply {
    if let Some(scripted) = super::script::reply(model, messages, tools) {
        return scripted;
    }
    let last = messages.iter().rev().find(|m| {
        !matches!(
            m.get("role").and_then(Value::as_str),
            Some("system" | "developer")
        )
    });
    let last_role = last.and_then(|m| m.get("role")).and_then(Value::as_str);
    if last_role == Some("tool") {
        let result = last
            .map(|m| content_text(&m["content"]))
            .unwrap_or_default();
        let result = result.trim();
        // One line quotes inline; a file or listing quotes as a fenced block.
        return Reply::Text(if result.contains('\n') {
            format!(
                "The tool returned:\n\n````\n{result}\n````\n\nThat is the result, reported by **{model}** (simulated)."
            )
        } else {
            format!(
                "The tool returned `{result}`. That is the result, reported by **{model}** (simulated)."
            )
        });
    }
    let question = last_user_text(messages);
    let functions: Vec<&Value> = tools
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|tool| tool.get("function"))
        .collect();
    let named = |function: &&&Value| {
        let name = function.get("name").and_then(Value::as_str).unwrap_or("");
        let lowered = question.to_lowercase();
        !name.is_empty()
            && (lowered.contains(&name.to_lowercase())
                || lowered.contains(&name.replace(['_', '-'], " ").to_lowercase()))
    };
    let chosen = functions
        .iter()
        .find(named)
        .or_else(|| functions.iter().find(|f| asks_for_edit(f, &question)))
        .or_else(|| {
            functions
                .first()
                .filter(|_| may_fall_back(&functions, &question))
        });
    if let Some(function) = chosen {
        let name = function
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("tool");
        let arguments = tool_arguments(function.get("parameters"), &question);
        return Reply::ToolCall {
            id: format!(
                "call_{}",
                &hash_hex(&format!("{model}\n{question}\n{name}"))[..24]
            ),
            name: name.to_owned(),
            arguments,
        };
    }
    Reply::Text(markdown_answer(model, &question))
}

/// Any offered tool may be called for any question, except sapcode's own agent tools (offered
/// by default): like a real model, the simulator only reaches for those when the question
/// names a file, so "hello" gets a plain answer.
fn may_fall_back(functions: &[&Value], question: &str) -> bool {
    let is_agent = functions
        .iter()
        .any(|f| f.get("name").and_then(Value::as_str) == Some("read_file"));
    !is_agent
        || question
            .split_whitespace()
            .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '.' && c != '/'))
            .any(is_path_like)
}

/// "in notes.txt replace "hello" with "goodbye"": the question asks to change text (two
/// quoted phrases and a verb) and `function` is sapcode's `edit_file`.
fn asks_for_edit(function: &Value, question: &str) -> bool {
    let lowered = question.to_lowercase();
    function.get("name").and_then(Value::as_str) == Some("edit_file")
        && ["change", "edit", "replace"]
            .iter()
            .any(|verb| lowered.contains(verb))
        && quoted_phrases(question).len() >= 2
}

/// Text of the last `user` message (empty when there is none).
pub(crate) fn last_user_text(messages: &[Value]) -> String {
    messages
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        .map(|m| content_text(&m["content"]))
        .unwrap_or_default()
}

fn markdown_answer(model: &str, question: &str) -> String {
    let quoted: String = truncate_chars(question.trim(), 300)
        .lines()
        .map(|line| format!("> {line}\n"))
        .collect();
    let quoted = if quoted.is_empty() {
        "> (empty message)\n".to_owned()
    } else {
        quoted
    };
    let words = question.split_whitespace().count().to_string();
    let template = include_str!("../../assets/sim/answer.md");
    // The file ends in a newline as text files do; the answer never did.
    let template = template.strip_suffix('\n').unwrap_or(template);
    fill(
        template,
        &[("model", model), ("quoted", &quoted), ("words", &words)],
    )
}

/// Replaces each `{{name}}` in `template` by its value in one pass, so a value that itself
/// contains `{{...}}` (a question can) is never expanded again.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 256);
    let mut rest = template;
    while let Some(at) = rest.find("{{") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let Some(end) = after.find("}}") else {
            rest = &rest[at..];
            break;
        };
        let name = &after[..end];
        match values.iter().find(|(key, _)| *key == name) {
            Some((_, value)) => out.push_str(value),
            None => out.push_str(&rest[at..at + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Arguments for a tool call: numbers from the question fill number/integer properties in
/// order (so "add 2 and 3" calls `add({"a":2,"b":3})`); a string property named like a path
/// or file gets the first path-like word ("read Cargo.toml" calls `read_file({"path":
/// "Cargo.toml"})`), a quoted phrase fills other strings, else the question itself. When the
/// schema lists `required` properties, the optional ones are only sent when the question
/// supplies a value for them.
fn tool_arguments(parameters: Option<&Value>, question: &str) -> String {
    let words: Vec<&str> = question
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
        .collect();
    let path = words.iter().copied().find(|word| is_path_like(word));
    let mut found_numbers = words
        .iter()
        .filter(|word| !is_path_like(word))
        .flat_map(|word| word.split(|c: char| !c.is_ascii_digit() && c != '-'))
        .filter_map(|part| part.parse::<i64>().ok());
    let phrases = quoted_phrases(question);
    let mut fallback = 1..;
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
        let lowered = name.to_lowercase();
        let value = match schema.get("type").and_then(Value::as_str) {
            Some("integer" | "number") => match found_numbers.next() {
                Some(n) => Value::from(n),
                None if optional => continue,
                None => Value::from(fallback.next().unwrap_or(0)),
            },
            Some("boolean") if optional => continue,
            Some("boolean") => Value::Bool(true),
            Some("array") if optional => continue,
            Some("array") => Value::Array(Vec::new()),
            Some("object") if optional => continue,
            Some("object") => Value::Object(Map::new()),
            Some(_) | None if lowered.contains("path") || lowered.contains("file") => match path {
                Some(path) => Value::from(path),
                None if optional => continue,
                None => Value::from(truncate_chars(question.trim(), 80)),
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
    Value::Object(arguments).to_string()
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

/// Rough token count (~4 characters per token), at least 1 for non-empty text.
pub(crate) fn tokens(text: &str) -> u64 {
    let chars = text.chars().count() as u64;
    chars.div_ceil(4)
}

/// Prompt tokens of a message list: content tokens plus a few per message.
pub(crate) fn prompt_tokens(messages: &[Value]) -> u64 {
    messages
        .iter()
        .map(|m| tokens(&content_text(&m["content"])) + 4)
        .sum::<u64>()
        .max(1)
}

/// Cuts `text` to `max_tokens` tokens; `true` when it had to (finish reason `length`).
pub(crate) fn limit(text: &str, max_tokens: Option<u64>) -> (String, bool) {
    match max_tokens {
        Some(max) if tokens(text) > max => (truncate_chars(text, (max * 4) as usize), true),
        Some(_) | None => (text.to_owned(), false),
    }
}

/// A decided answer with its token accounting, for the provider-native routes.
pub(crate) struct Answer {
    pub(crate) reply: Reply,
    /// The text was cut at `max_tokens` (finish reason `length` or its provider word).
    pub(crate) truncated: bool,
    pub(crate) prompt_tokens: u64,
    pub(crate) completion_tokens: u64,
    /// Hidden reasoning spent before the text (reasoning models only; Gemini reports it as
    /// `thoughtsTokenCount`).
    pub(crate) reasoning_tokens: u64,
}

impl Answer {
    /// The finish reason in the OpenAI/orchestration vocabulary.
    pub(crate) fn openai_finish_reason(&self) -> &'static str {
        match (&self.reply, self.truncated) {
            (Reply::ToolCall { .. }, _) => "tool_calls",
            (Reply::Text(_), true) => "length",
            (Reply::Text(_), false) => "stop",
        }
    }
}

/// `reply`, then `limit`, then token counts; `messages` in the OpenAI shape.
pub(crate) fn answer(
    model: &str,
    messages: &[Value],
    tools: Option<&Value>,
    max_tokens: Option<u64>,
) -> Answer {
    let (reasoning_tokens, max_tokens) = super::reasoning::spend(model, max_tokens);
    let (reply, truncated) = match reply(model, messages, tools) {
        Reply::Text(text) => {
            let (text, cut) = limit(&text, max_tokens);
            (Reply::Text(text), cut)
        }
        call @ Reply::ToolCall { .. } => (call, false),
    };
    let completion_tokens = match &reply {
        Reply::Text(text) => tokens(text),
        Reply::ToolCall {
            name, arguments, ..
        } => tokens(name) + tokens(arguments),
    };
    Answer {
        reply,
        truncated,
        prompt_tokens: prompt_tokens(messages),
        completion_tokens,
        reasoning_tokens,
    }
}

/// Pieces of a few words each, keeping all whitespace (foundation streaming).
pub(crate) fn word_chunks(text: &str, words_per_chunk: usize) -> Vec<String> {
    let mut chunks = Vec::new();
    let mut current = String::new();
    let mut words = 0;
    let mut in_word = false;
    for c in text.chars() {
        let is_space = c.is_whitespace();
        if !is_space && !in_word {
            if words == words_per_chunk {
                chunks.push(std::mem::take(&mut current));
                words = 0;
            }
            words += 1;
        }
        in_word = !is_space;
        current.push(c);
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

/// Pieces of `size` characters each (orchestration `chunk_size`).
pub(crate) fn char_chunks(text: &str, size: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars
        .chunks(size.max(1))
        .map(|chunk| chunk.iter().collect())
        .collect()
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

fn truncate_chars(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// 64-bit FNV-1a of `text` as 16 hex digits; the seed of every deterministic id.
pub(crate) fn hash_hex(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    let second = hash.rotate_left(29) ^ 0x9e37_79b9_7f4a_7c15;
    format!("{hash:016x}{second:016x}")
}

/// A UUID-shaped request id derived from `seed`.
pub(crate) fn request_id(seed: &str) -> String {
    let hex = hash_hex(seed);
    format!(
        "{}-{}-4{}-8{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

/// A `chatcmpl-…` id derived from `seed`.
pub(crate) fn completion_id(seed: &str) -> String {
    format!("chatcmpl-sim{}", &hash_hex(seed)[..20])
}

/// Fixed `created` timestamp so answers are byte-for-byte reproducible.
pub(crate) const CREATED: u64 = 1_754_390_060;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn chunking_keeps_text() {
        let text = "Hello  there,\nthis is **bold** and `code`.";
        assert_eq!(word_chunks(text, 3).concat(), text);
        assert!(word_chunks(text, 3).len() >= 3);
        assert_eq!(char_chunks("abcdefg", 3), vec!["abc", "def", "g"]);
        assert_eq!(limit("abcdefghij", Some(2)), ("abcdefgh".to_owned(), true));
        assert_eq!(limit("abc", Some(2)), ("abc".to_owned(), false));
    }

    #[test]
    fn replies_are_deterministic() {
        let messages = vec![json!({"role": "user", "content": "What is Rust?"})];
        let first = reply("gpt-4o", &messages, None);
        assert_eq!(first, reply("gpt-4o", &messages, None));
        let Reply::Text(text) = first else {
            panic!("expected text")
        };
        assert!(
            text.contains("> What is Rust?") && text.contains("```rust") && text.contains("gpt-4o")
        );
    }

    #[test]
    fn the_answer_text_is_byte_for_byte_the_documented_one() {
        assert_eq!(
            markdown_answer("gpt-4o", "What is Rust?"),
            "**gpt-4o** (simulated) received your message:\n\n> What is Rust?\n\n\
             It has 3 words. Here is a small Rust example:\n\n\
             ```rust\nfn main() {\n    let words = 3;\n    println!(\"gpt-4o counted {words} words\");\n}\n```\n\n\
             This answer is deterministic: the same question gives the same reply."
        );
        // A question quoting a placeholder is shown as typed, not expanded.
        assert!(markdown_answer("m", "say {{model}}").contains("> say {{model}}\n"));
    }

    #[test]
    fn tools_get_called_with_numbers_from_the_question() {
        let messages = vec![json!({"role": "user", "content": "Add 2 and 3."})];
        let tools = json!([{ "type": "function", "function": { "name": "add",
            "parameters": { "type": "object", "properties": { "a": {"type": "integer"}, "b": {"type": "integer"} } } } }]);
        match reply("gpt-4o", &messages, Some(&tools)) {
            Reply::ToolCall {
                name,
                arguments,
                id,
            } => {
                assert_eq!(name, "add");
                assert_eq!(arguments, r#"{"a":2,"b":3}"#);
                assert!(id.starts_with("call_"));
            }
            Reply::Text(text) => panic!("expected a tool call, got {text}"),
        }
        let with_result = vec![
            json!({"role": "user", "content": "Add 2 and 3."}),
            json!({"role": "tool", "tool_call_id": "call_1", "content": "5"}),
        ];
        let two_tools = json!([
            { "type": "function", "function": { "name": "read_file" } },
            { "type": "function", "function": { "name": "multiply" } },
        ]);
        let asks_multiply = vec![json!({"role": "user", "content": "Multiply 4 by 5"})];
        match reply("gpt-4o", &asks_multiply, Some(&two_tools)) {
            Reply::ToolCall { name, .. } => assert_eq!(name, "multiply"),
            Reply::Text(text) => panic!("expected a tool call, got {text}"),
        }
        let mut with_result = with_result;
        with_result.push(json!({"role": "system", "content": "You are terse."}));
        let Reply::Text(text) = reply("gpt-4o", &with_result, Some(&tools)) else {
            panic!("expected text")
        };
        assert!(text.contains("`5`"), "{text}");
    }

    #[test]
    fn string_arguments_take_paths_and_quotes_and_optional_ones_need_a_value() {
        let read = json!({ "type": "object", "required": ["path"], "properties": {
            "path": {"type": "string"}, "start_line": {"type": "integer"}, "end_line": {"type": "integer"} } });
        assert_eq!(
            tool_arguments(Some(&read), "read the file Cargo.toml."),
            r#"{"path":"Cargo.toml"}"#
        );
        assert_eq!(
            tool_arguments(Some(&read), "show src/v2/lib.rs"),
            r#"{"path":"src/v2/lib.rs"}"#
        );
        assert_eq!(
            tool_arguments(Some(&read), "read ../secret"),
            r#"{"path":"../secret"}"#
        );
        let search = json!({ "type": "object", "required": ["pattern"], "properties": {
            "pattern": {"type": "string"}, "path": {"type": "string"} } });
        assert_eq!(
            tool_arguments(Some(&search), r#"search for "fn main""#),
            r#"{"pattern":"fn main"}"#
        );
        let list = json!({ "type": "object", "required": [], "properties": {
            "path": {"type": "string"}, "max_depth": {"type": "integer"} } });
        assert_eq!(tool_arguments(Some(&list), "list the files"), "{}");
        assert!(!is_path_like("2.5") && !is_path_like("end.") && is_path_like("a.rs"));
        let with_file = vec![
            json!({"role": "user", "content": "read Cargo.toml"}),
            json!({"role": "tool", "tool_call_id": "c", "content": "[package]\nname = \"x\"\n"}),
        ];
        let Reply::Text(text) = reply("gpt-4o", &with_file, None) else {
            panic!("expected text")
        };
        assert!(
            text.contains("````\n[package]\nname = \"x\"\n````"),
            "{text}"
        );
    }

    #[test]
    fn edits_take_the_path_and_two_quoted_phrases() {
        let tools = json!([
            { "type": "function", "function": { "name": "read_file", "parameters": {
                "type": "object", "properties": { "path": { "type": "string" } }, "required": ["path"] } } },
            { "type": "function", "function": { "name": "edit_file", "parameters": {
                "type": "object", "properties": {
                    "path": { "type": "string" }, "old_text": { "type": "string" }, "new_text": { "type": "string" } },
                "required": ["path", "old_text", "new_text"] } } }
        ]);
        let messages = vec![
            json!({"role": "user", "content": r#"in notes.txt replace "hello" with "goodbye""#}),
        ];
        match reply("gpt-4o", &messages, Some(&tools)) {
            Reply::ToolCall {
                name, arguments, ..
            } => {
                assert_eq!(name, "edit_file");
                let args: Value = serde_json::from_str(&arguments).unwrap();
                assert_eq!(
                    args,
                    json!({"path": "notes.txt", "old_text": "hello", "new_text": "goodbye"})
                );
            }
            Reply::Text(text) => panic!("expected a tool call, got {text}"),
        }
        // One quoted phrase is not an edit: the first tool is called as before.
        let messages = vec![json!({"role": "user", "content": r#"change "hello" in notes.txt"#})];
        match reply("gpt-4o", &messages, Some(&tools)) {
            Reply::ToolCall { name, .. } => assert_eq!(name, "read_file"),
            Reply::Text(text) => panic!("expected a tool call, got {text}"),
        }
        assert_eq!(quoted_phrases(r#"a "x" b "y" c "z"#), ["x", "y"]);
    }
}
