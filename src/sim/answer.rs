//! Deterministic model behaviour shared by both chat modes: what the "model" answers, which
//! tool call it makes, token estimates and how text is cut into stream chunks.

use serde_json::Value;

use super::tool_choice::ToolChoice;
use super::{intent, toolset};

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

/// Text of a message's `content`: a string, the text parts of an array (`text`, or `value`
/// as some clients wrap tool results: `{"type": "text", "value": …}`), or one such part.
pub(crate) fn content_text(content: &Value) -> String {
    parts(content).join("\n")
}

fn parts(content: &Value) -> Vec<String> {
    let part_text = |part: &Value| {
        ["text", "value"]
            .iter()
            .find_map(|key| part.get(*key).and_then(Value::as_str))
            .map(str::to_owned)
    };
    match content {
        Value::String(text) => vec![unwrapped(text).unwrap_or_else(|| text.clone())],
        Value::Array(parts) => parts.iter().filter_map(part_text).collect(),
        Value::Object(_) => part_text(content).into_iter().collect(),
        Value::Null | Value::Bool(_) | Value::Number(_) => Vec::new(),
    }
}

/// A tool result some clients send as a JSON string: Kilo's `{"type":"text","value":…}`,
/// Codex's `{"output":…,"metadata":…}`; the text inside, or `None` for anything else.
fn unwrapped(text: &str) -> Option<String> {
    if !text.trim_start().starts_with('{') {
        return None;
    }
    let object: serde_json::Map<String, Value> = serde_json::from_str(text).ok()?;
    let wrapped_text = object.get("type").and_then(Value::as_str) == Some("text");
    let key = if wrapped_text {
        ["value", "text"]
            .iter()
            .find(|k| object.contains_key(**k))?
    } else {
        &"output"
    };
    object.get(*key).and_then(Value::as_str).map(str::to_owned)
}

/// Blocks clients attach to a user message that are not the user's words: Claude Code's
/// reminders, Codex's and Kilo's environment (time, working directory, open files).
const METADATA_TAGS: [&str; 5] = [
    "system-reminder",
    "environment_details",
    "environment_context",
    "user_instructions",
    "system_information",
];

/// What the user typed in a message: its text without metadata blocks, neither the known
/// ones anywhere nor a part that is one tagged block as a whole.
pub(crate) fn question_text(content: &Value) -> String {
    parts(content)
        .iter()
        .filter(|part| !is_one_tagged_block(part))
        .map(|part| without_metadata(part))
        .filter(|part| !part.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_one_tagged_block(text: &str) -> bool {
    let text = text.trim();
    let Some(tag) = text
        .strip_prefix('<')
        .and_then(|rest| rest.split_once('>'))
        .map(|(tag, _)| tag)
        .filter(|tag| {
            !tag.is_empty()
                && tag
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        })
    else {
        return false;
    };
    text.ends_with(&format!("</{tag}>"))
}

fn without_metadata(text: &str) -> String {
    let mut text = text.to_owned();
    for tag in METADATA_TAGS {
        let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
        while let Some(start) = text.find(&open) {
            let Some(end) = text[start..].find(&close) else {
                break;
            };
            text.replace_range(start..start + end + close.len(), "");
        }
    }
    text
}

/// Index of the message holding the current question: the last `user` message with words
/// of the user in it (a message of metadata only is not a question).
/// A user message between a tool call and its result is the client's own note (Codex warns
/// there), never a new question: no user can type while a call is outstanding.
pub(crate) fn question_index(messages: &[Value]) -> Option<usize> {
    (0..messages.len()).rev().find(|&index| {
        role(&messages[index]) == Some("user")
            && !question_text(&messages[index]["content"]).trim().is_empty()
            && !amid_a_tool_call(messages, index)
    })
}

/// Whether the message at `index` comes after an assistant's tool calls and before one of
/// their results.
fn amid_a_tool_call(messages: &[Value], index: usize) -> bool {
    let Some(caller) = messages[..index]
        .iter()
        .rposition(|m| !matches!(role(m), Some("user" | "tool")))
    else {
        return false;
    };
    let has_calls = messages[caller]["tool_calls"]
        .as_array()
        .is_some_and(|calls| !calls.is_empty());
    has_calls
        && messages[index + 1..]
            .iter()
            .take_while(|m| role(m) != Some("assistant"))
            .any(|m| role(m) == Some("tool"))
}

fn role(message: &Value) -> Option<&str> {
    message.get("role").and_then(Value::as_str)
}

/// Decides the reply from the conversation, honouring `choice`: a scripted prompt plays its
/// script; a tool result gets a text answer quoting it; a question asking for a tool call (see
/// `intent`) gets it; anything else a short markdown answer, unless `choice` owes a call.
/// Trailing system messages are skipped: orchestration clients such as Cline put the system
/// prompt in the template, which lands after the history (§7.4).
pub(crate) fn reply(
    model: &str,
    messages: &[Value],
    tools: Option<&Value>,
    choice: &ToolChoice,
) -> Reply {
    let offered = choice.offered(tools);
    let functions = toolset::functions(offered.as_ref());
    let question = last_user_text(messages);
    // Every round of a turn differs in its history, so each call gets its own id.
    let call_id = |name: &str| {
        format!(
            "call_{}",
            &hash_hex(&format!("{model}\n{question}\n{name}\n{}", messages.len()))[..24]
        )
    };
    let forced = |question: &str| {
        intent::forced_call(question, &functions).map(|call| Reply::ToolCall {
            id: call_id(&call.name),
            name: call.name,
            arguments: call.arguments.to_string(),
        })
    };
    if let Some(scripted) = super::script::reply(model, messages, offered.as_ref()) {
        return match scripted {
            Reply::Text(_) if choice.forces_a_call() => forced(&question).unwrap_or(scripted),
            Reply::Text(_) | Reply::ToolCall { .. } => scripted,
        };
    }
    let last = messages.iter().rev().find(|m| {
        !matches!(
            m.get("role").and_then(Value::as_str),
            Some("system" | "developer")
        )
    });
    // A question with images is answered by what they are (no tool call): tests read the
    // sizes back to see the bytes arrived whole.
    if let Some(question) = question_index(messages).map(|index| &messages[index])
        && last == Some(question)
        && let Some(text) = super::image::answer(model, question)
    {
        return Reply::Text(text);
    }
    if last.and_then(|m| m.get("role")).and_then(Value::as_str) == Some("tool")
        && !choice.forces_a_call()
    {
        let result = last
            .map(|m| content_text(&m["content"]))
            .unwrap_or_default();
        // doctor's template check asks for the result as it came (README, simulator).
        if question.starts_with(ECHO_QUESTION) {
            return Reply::Text(result);
        }
        return Reply::Text(quote_result(model, result.trim()));
    }
    let call = if choice.forces_a_call() {
        forced(&question)
    } else {
        intent::call_for(&question, &functions).map(|call| Reply::ToolCall {
            id: call_id(&call.name),
            name: call.name,
            arguments: call.arguments.to_string(),
        })
    };
    call.unwrap_or_else(|| Reply::Text(markdown_answer(model, &question)))
}

/// A question that starts so is answered, after a tool round, with the tool result alone.
const ECHO_QUESTION: &str = "Repeat the tool result verbatim";

/// One line quotes inline; a file or listing quotes as a fenced block.
fn quote_result(model: &str, result: &str) -> String {
    if result.contains('\n') {
        format!(
            "The tool returned:\n\n````\n{result}\n````\n\nThat is the result, reported by **{model}** (simulated)."
        )
    } else {
        format!(
            "The tool returned `{result}`. That is the result, reported by **{model}** (simulated)."
        )
    }
}
/// The current question (see [`question_index`]); empty when there is none.
pub(crate) fn last_user_text(messages: &[Value]) -> String {
    question_index(messages)
        .map(|index| question_text(&messages[index]["content"]))
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
    /// Hidden reasoning spent before the text (reasoning models only; not part of
    /// `completion_tokens`: Gemini reports it as `thoughtsTokenCount`, OpenAI adds it to the
    /// completion and says it in `completion_tokens_details`, Converse adds it to the output).
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

/// `reply`, then `limit`, then token counts; `messages` in the OpenAI shape, `reasoning` what
/// the request's reasoning setting asked for (`reasoning::from_effort`, `from_budget`).
pub(crate) fn answer(
    model: &str,
    messages: &[Value],
    tools: Option<&Value>,
    choice: &ToolChoice,
    max_tokens: Option<u64>,
    reasoning: Option<u64>,
) -> Answer {
    let (reasoning_tokens, max_tokens) = super::reasoning::spend(model, max_tokens, reasoning);
    let (reply, truncated) = match reply(model, messages, tools, choice) {
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

pub(crate) fn truncate_chars(text: &str, max: usize) -> String {
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

/// The seed of one response's ids: the model and the whole conversation, so each round of a
/// tool-using turn (same question, longer history) gets an id of its own.
pub(crate) fn response_seed(model: &str, messages: &[Value]) -> String {
    format!(
        "{model}\n{}",
        serde_json::to_string(messages).unwrap_or_default()
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
        let first = reply("gpt-4o", &messages, None, &ToolChoice::Auto);
        assert_eq!(first, reply("gpt-4o", &messages, None, &ToolChoice::Auto));
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
    fn plain_questions_get_text_whatever_tools_are_offered() {
        let tools = json!([{ "type": "function", "function": { "name": "background_process",
            "parameters": { "type": "object", "required": ["action"], "properties": {
                "action": {"type": "string", "enum": ["start", "stop"]} } } } }]);
        let messages = vec![json!({"role": "user", "content": "What is Rust?"})];
        assert!(matches!(
            reply("m", &messages, Some(&tools), &ToolChoice::Auto),
            Reply::Text(_)
        ));
        // `required` owes a call: the first tool, with arguments its schema accepts.
        let Reply::ToolCall {
            name, arguments, ..
        } = reply("m", &messages, Some(&tools), &ToolChoice::Required)
        else {
            panic!("expected a call")
        };
        assert_eq!(
            (name.as_str(), arguments.as_str()),
            ("background_process", r#"{"action":"start"}"#)
        );
        // `none` forbids one, even for a question that names the tool.
        let asks = vec![json!({"role": "user", "content": "use background_process to stop it"})];
        assert!(matches!(
            reply("m", &asks, Some(&tools), &ToolChoice::None),
            Reply::Text(_)
        ));
        let Reply::ToolCall { arguments, .. } = reply("m", &asks, Some(&tools), &ToolChoice::Auto)
        else {
            panic!("expected a call")
        };
        assert_eq!(
            arguments, r#"{"action":"stop"}"#,
            "the enum value the question names"
        );
    }

    #[test]
    fn a_named_tool_choice_gets_that_tool_even_after_a_result() {
        let tools = json!([
            { "type": "function", "function": { "name": "a", "parameters": { "type": "object", "properties": {} } } },
            { "type": "function", "function": { "name": "b", "parameters": { "type": "object",
                "required": ["n"], "properties": { "n": {"type": "integer", "minimum": 10} } } } },
        ]);
        let messages = vec![
            json!({"role": "user", "content": "use a, then 3"}),
            json!({"role": "tool", "tool_call_id": "c", "content": "ok"}),
        ];
        let Reply::ToolCall {
            name, arguments, ..
        } = reply("m", &messages, Some(&tools), &ToolChoice::Named("b".into()))
        else {
            panic!("expected a call")
        };
        assert_eq!((name.as_str(), arguments.as_str()), ("b", r#"{"n":10}"#));
    }

    #[test]
    fn metadata_blocks_are_not_the_question_and_wrapped_results_are_read() {
        let kilo = json!([
            {"type": "text", "text": "fix the failing test"},
            {"type": "text", "text": "<environment_details>\nCurrent time: 2026-12-07 23:59\nWorking directory: /w\n</environment_details>"},
        ]);
        assert_eq!(question_text(&kilo), "fix the failing test");
        let claude = json!([
            {"type": "text", "text": "<system-reminder>\nread CLAUDE.md first\n</system-reminder>"},
            {"type": "text", "text": "hello <system-reminder>x.rs</system-reminder>there"},
        ]);
        assert_eq!(question_text(&claude), "hello there");
        let messages = vec![
            json!({"role": "user", "content": "hello"}),
            json!({"role": "user", "content": "<environment_context>\n<cwd>/w</cwd>\n</environment_context>"}),
        ];
        assert_eq!(last_user_text(&messages), "hello");
        assert_eq!(question_index(&messages), Some(0));
        // Codex's warning between a call and its result is not a question.
        let codex = vec![
            json!({"role": "user", "content": "fix the failing test"}),
            json!({"role": "assistant", "tool_calls": [{"id": "c", "type": "function", "function": {"name": "shell", "arguments": "{}"}}]}),
            json!({"role": "user", "content": "Warning: apply_patch was requested via shell."}),
            json!({"role": "tool", "tool_call_id": "c", "content": "ok"}),
        ];
        assert_eq!(last_user_text(&codex), "fix the failing test");
        let asked_again = [
            &codex[..],
            &[
                json!({"role": "assistant", "content": "done"}),
                json!({"role": "user", "content": "thanks"}),
            ],
        ]
        .concat();
        assert_eq!(last_user_text(&asked_again), "thanks");
        let wrapped = json!([{"type": "text", "value": "sunny"}]);
        assert_eq!(content_text(&wrapped), "sunny");
        assert_eq!(
            content_text(&json!({"type": "text", "value": "sunny"})),
            "sunny"
        );
        assert_eq!(
            content_text(&json!(r#"{"type":"text","value":"a\nb"}"#)),
            "a\nb"
        );
        assert_eq!(
            content_text(&json!(r#"{"output":"ok\n","metadata":{"exit_code":0}}"#)),
            "ok\n"
        );
        assert_eq!(content_text(&json!(r#"{"a": 1}"#)), r#"{"a": 1}"#);
        // A compaction prompt is one block with words after it: it stays.
        let compaction = "<conversation>\n[user]\nhi\n</conversation>\n\nSummarise it.";
        assert_eq!(question_text(&json!(compaction)), compaction);
    }

    #[test]
    fn each_response_of_a_turn_has_its_own_id() {
        let first = vec![json!({"role": "user", "content": "read a.txt"})];
        let mut second = first.clone();
        second.push(json!({"role": "tool", "tool_call_id": "c", "content": "x"}));
        assert_ne!(
            completion_id(&response_seed("m", &first)),
            completion_id(&response_seed("m", &second))
        );
        assert_eq!(
            completion_id(&response_seed("m", &first)),
            completion_id(&response_seed("m", &first))
        );
    }
}
