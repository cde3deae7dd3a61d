use super::*;
use crate::sim::answer::{Reply, reply};
use crate::sim::tool_choice::ToolChoice;
use serde_json::json;

fn args(parameters: Option<&Value>, question: &str) -> String {
    Value::Object(tool_arguments(parameters, question)).to_string()
}

fn functions(tools: &Value) -> Vec<&Value> {
    toolset::functions(Some(tools))
}

#[test]
fn only_the_documented_prompts_make_calls() {
    let tools = json!([
        { "type": "function", "function": { "name": "read", "parameters": { "type": "object",
            "required": ["filePath"], "properties": { "filePath": {"type": "string"},
                "offset": {"type": "number", "minimum": 0}, "limit": {"type": "number", "minimum": 1} } } } },
        { "type": "function", "function": { "name": "bash", "parameters": { "type": "object",
            "required": ["command", "description"], "properties": { "command": {"type": "string"},
                "timeout": {"type": "number", "minimum": 1}, "description": {"type": "string"} } } } },
    ]);
    let functions = functions(&tools);
    for plain in [
        "hello",
        "What time is it? 23:59",
        "how do I read a file in bash",
        "2.5 or 3?",
    ] {
        assert_eq!(call_for(plain, &functions), None, "{plain}");
    }
    let call = call_for("what is in notes.txt?", &functions).unwrap();
    assert_eq!(
        (call.name.as_str(), call.arguments),
        ("read", json!({"filePath": "notes.txt"}))
    );
    let call = call_for("use bash to run `ls -l`", &functions).unwrap();
    assert_eq!(call.name, "bash");
    assert_eq!(call.arguments["command"], "ls -l");
    assert!(
        call.arguments["description"].is_string(),
        "{}",
        call.arguments
    );
    assert!(
        asks_by_name("Add 2 and 3.", "add")
            && asks_by_name("What is it? Use get_weather.", "get_weather")
    );
    assert!(!asks_by_name("I want to add 2 and 3", "add") && !asks_by_name("we use it", "it2"));
}

#[test]
fn arguments_out_of_range_are_moved_into_it() {
    let tool = json!({ "name": "sleep", "parameters": { "type": "object", "required": ["seconds"],
        "properties": { "seconds": {"type": "integer", "minimum": 1, "maximum": 60},
            "unit": {"type": "string", "enum": ["s", "ms"]} } } });
    let call = generic_call(&tool, "sleep 2359 \"ms\"").unwrap();
    assert_eq!(call.arguments, json!({"seconds": 60, "unit": "ms"}));
    let call = generic_call(&tool, "sleep please").unwrap();
    assert_eq!(
        call.arguments,
        json!({"seconds": 1}),
        "optional ones only with a value"
    );
    // Codex's shell: a required array is never sent empty.
    let shell = json!({ "name": "shell", "parameters": { "type": "object", "required": ["command"],
        "properties": { "command": {"type": "array", "items": {"type": "string"}, "minItems": 1} } } });
    assert_eq!(
        generic_call(&shell, "use shell").unwrap().arguments,
        json!({"command": [""]})
    );
}

#[test]
fn tools_get_called_with_numbers_from_the_question() {
    let messages = vec![json!({"role": "user", "content": "Add 2 and 3."})];
    let tools = json!([{ "type": "function", "function": { "name": "add",
        "parameters": { "type": "object", "properties": { "a": {"type": "integer"}, "b": {"type": "integer"} } } } }]);
    match reply("gpt-4o", &messages, Some(&tools), &ToolChoice::Auto) {
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
    match reply(
        "gpt-4o",
        &asks_multiply,
        Some(&two_tools),
        &ToolChoice::Auto,
    ) {
        Reply::ToolCall { name, .. } => assert_eq!(name, "multiply"),
        Reply::Text(text) => panic!("expected a tool call, got {text}"),
    }
    let mut with_result = with_result;
    with_result.push(json!({"role": "system", "content": "You are terse."}));
    let Reply::Text(text) = reply("gpt-4o", &with_result, Some(&tools), &ToolChoice::Auto) else {
        panic!("expected text")
    };
    assert!(text.contains("`5`"), "{text}");
}

#[test]
fn string_arguments_take_paths_and_quotes_and_optional_ones_need_a_value() {
    let read = json!({ "type": "object", "required": ["path"], "properties": {
        "path": {"type": "string"}, "start_line": {"type": "integer"}, "end_line": {"type": "integer"} } });
    assert_eq!(
        args(Some(&read), "read the file Cargo.toml."),
        r#"{"path":"Cargo.toml"}"#
    );
    assert_eq!(
        args(Some(&read), "show src/v2/lib.rs"),
        r#"{"path":"src/v2/lib.rs"}"#
    );
    assert_eq!(
        args(Some(&read), "read ../secret"),
        r#"{"path":"../secret"}"#
    );
    let search = json!({ "type": "object", "required": ["pattern"], "properties": {
        "pattern": {"type": "string"}, "path": {"type": "string"} } });
    assert_eq!(
        args(Some(&search), r#"search for "fn main""#),
        r#"{"pattern":"fn main"}"#
    );
    let list = json!({ "type": "object", "required": [], "properties": {
        "path": {"type": "string"}, "max_depth": {"type": "integer"} } });
    assert_eq!(args(Some(&list), "list the files"), "{}");
    assert!(!is_path_like("2.5") && !is_path_like("end.") && is_path_like("a.rs"));
    let with_file = vec![
        json!({"role": "user", "content": "read Cargo.toml"}),
        json!({"role": "tool", "tool_call_id": "c", "content": "[package]\nname = \"x\"\n"}),
    ];
    let Reply::Text(text) = reply("gpt-4o", &with_file, None, &ToolChoice::Auto) else {
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
    let messages =
        vec![json!({"role": "user", "content": r#"in notes.txt replace "hello" with "goodbye""#})];
    match reply("gpt-4o", &messages, Some(&tools), &ToolChoice::Auto) {
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
    match reply("gpt-4o", &messages, Some(&tools), &ToolChoice::Auto) {
        Reply::ToolCall { name, .. } => assert_eq!(name, "read_file"),
        Reply::Text(text) => panic!("expected a tool call, got {text}"),
    }
    assert_eq!(quoted_phrases(r#"a "x" b "y" c "z"#), ["x", "y"]);
}
