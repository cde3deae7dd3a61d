use super::*;
use serde_json::Map;

/// The tool schemas each client offers (the parts that matter), as seen in their requests.
fn offered(family: &str) -> Value {
    let tool = |name: &str, parameters: Value| json!({ "type": "function", "function": { "name": name, "parameters": parameters } });
    let strings = |names: &[&str], required: &[&str]| {
        let properties: Map<String, Value> = names
            .iter()
            .map(|name| ((*name).to_owned(), json!({"type": "string"})))
            .collect();
        json!({ "type": "object", "properties": properties, "required": required, "additionalProperties": false })
    };
    match family {
        "claude" => json!([
            tool(
                "Read",
                json!({ "type": "object", "additionalProperties": false, "required": ["file_path"],
                "properties": { "file_path": {"type": "string"}, "offset": {"type": "number"}, "limit": {"type": "number"} } })
            ),
            tool(
                "Bash",
                json!({ "type": "object", "additionalProperties": false, "required": ["command"],
                "properties": { "command": {"type": "string"}, "timeout": {"type": "number", "maximum": 600000},
                    "description": {"type": "string"}, "run_in_background": {"type": "boolean"} } })
            ),
            tool(
                "Edit",
                strings(
                    &["file_path", "old_string", "new_string"],
                    &["file_path", "old_string", "new_string"]
                )
            ),
            tool(
                "Write",
                strings(&["file_path", "content"], &["file_path", "content"])
            ),
        ]),
        "kilo" => json!([
            tool(
                "background_process",
                json!({ "type": "object", "required": ["action"],
                "properties": { "action": {"type": "string", "enum": ["start", "stop", "list"]} } })
            ),
            tool(
                "read",
                json!({ "type": "object", "required": ["filePath"], "properties": {
                "filePath": {"type": "string"}, "offset": {"type": "number", "minimum": 0}, "limit": {"type": "number", "minimum": 1} } })
            ),
            tool(
                "bash",
                json!({ "type": "object", "required": ["command", "description"], "properties": {
                "command": {"type": "string"}, "timeout": {"type": "number", "minimum": 1}, "description": {"type": "string"} } })
            ),
            tool(
                "edit",
                strings(
                    &["filePath", "oldString", "newString"],
                    &["filePath", "oldString", "newString"]
                )
            ),
            tool(
                "write",
                strings(&["content", "filePath"], &["content", "filePath"])
            ),
        ]),
        "codex" => json!([tool(
            "shell",
            json!({ "type": "object", "additionalProperties": false, "required": ["command"], "properties": {
                "command": {"type": "array", "items": {"type": "string"}}, "workdir": {"type": "string"}, "timeout_ms": {"type": "number"} } })
        ),]),
        "codex-patch" => json!([
            tool(
                "shell",
                json!({ "type": "object", "required": ["command"], "properties": {
                "command": {"type": "array", "items": {"type": "string"}} } })
            ),
            tool("apply_patch", strings(&["input"], &["input"])),
        ]),
        _ => json!([]),
    }
}

fn made(family: &str, action: Action<'_>) -> Option<(String, Value)> {
    let tools = offered(family);
    call(&functions(Some(&tools)), action).map(|c| (c.name, c.arguments))
}

#[test]
fn each_client_family_gets_its_own_tools() {
    let read = Action::Read { path: "a.txt" };
    assert_eq!(
        made("claude", read),
        Some(("Read".into(), json!({"file_path": "a.txt"})))
    );
    assert_eq!(
        made("kilo", read),
        Some(("read".into(), json!({"filePath": "a.txt"})))
    );
    assert_eq!(
        made("codex", read),
        Some(("shell".into(), json!({"command": ["cat", "a.txt"]})))
    );
    let run = Action::Run { command: "sh t.sh" };
    assert_eq!(
        made("kilo", run),
        Some((
            "bash".into(),
            json!({"command": "sh t.sh", "description": "Run sh t.sh"})
        ))
    );
    assert_eq!(
        made("codex", run).unwrap().1,
        json!({"command": ["sh", "-c", "sh t.sh"]})
    );
    assert_eq!(made("claude", Action::List).unwrap().1["command"], "ls -A");
    let edit = Action::Edit {
        path: "p.sh",
        file: "a\necho $(( n / 10 ))\nb\n",
        old: "n / 10 ))",
        new: "n / 100 ))",
    };
    assert_eq!(
        made("kilo", edit).unwrap().1,
        json!({"filePath": "p.sh", "oldString": "n / 10 ))", "newString": "n / 100 ))"})
    );
    let patch = "*** Begin Patch\n*** Update File: p.sh\n@@\n-echo $(( n / 10 ))\n+echo $(( n / 100 ))\n*** End Patch\n";
    assert_eq!(
        made("codex-patch", edit),
        Some(("apply_patch".into(), json!({"input": patch})))
    );
    // Without apply_patch, Codex's shell applies a patch given as `apply_patch PATCH`.
    assert_eq!(
        made("codex", edit).unwrap().1,
        json!({"command": ["apply_patch", patch]})
    );
    let write = Action::Write {
        path: "n/a.sh",
        content: "x\ny\n",
    };
    assert_eq!(
        made("codex", write).unwrap().1["command"][1],
        "*** Begin Patch\n*** Add File: n/a.sh\n+x\n+y\n*** End Patch\n"
    );
}

#[test]
fn a_name_without_the_expected_schema_is_not_used() {
    // `read` whose parameters differ (another client's tool of that name) is not Kilo's.
    let tools = json!([{ "type": "function", "function": { "name": "read", "parameters": {
        "type": "object", "properties": { "url": {"type": "string"} }, "required": ["url"] } } }]);
    assert_eq!(
        call(&functions(Some(&tools)), Action::Read { path: "a" }),
        None
    );
    // The right property with the wrong type is not it either.
    let tools = json!([{ "type": "function", "function": { "name": "shell", "parameters": {
        "type": "object", "properties": { "command": {"type": "string"} }, "required": ["command"] } } }]);
    assert_eq!(call(&functions(Some(&tools)), Action::List), None);
    // No parameters at all: nothing is known about it.
    let tools = json!([{ "type": "function", "function": { "name": "read_file" } }]);
    assert_eq!(
        call(&functions(Some(&tools)), Action::Read { path: "a" }),
        None
    );
    // A required property the action cannot fill sensibly is filled from the schema, validly.
    let tools = json!([{ "type": "function", "function": { "name": "bash", "parameters": {
        "type": "object", "required": ["command", "mode"], "properties": {
            "command": {"type": "string"}, "mode": {"type": "string", "enum": ["fg", "bg"]} } } } }]);
    assert_eq!(
        call(&functions(Some(&tools)), Action::Run { command: "ls" })
            .unwrap()
            .arguments,
        json!({"command": "ls", "mode": "fg"})
    );
    assert!(can_all(
        &functions(Some(&offered("kilo"))),
        &[Action::List, Action::Run { command: "x" }]
    ));
    assert!(!can_all(
        &functions(Some(&offered("codex"))),
        &[Action::Edit {
            path: "a",
            file: "",
            old: "b",
            new: "c"
        }]
    ));
}

#[test]
fn patches_cover_whole_lines_and_need_a_unique_match() {
    assert_eq!(update_file_patch("f", "ab\ncd\n", "x", "y"), None);
    assert_eq!(update_file_patch("f", "a\na\n", "a", "b"), None);
    assert_eq!(
        update_file_patch("f", "one\ntwo three\n", "two", "2").unwrap(),
        "*** Begin Patch\n*** Update File: f\n@@\n-two three\n+2 three\n*** End Patch\n"
    );
    assert_eq!(
        update_file_patch("f", "x = a * 10\ny\n", "a * 10\n", "a * 100\n").unwrap(),
        "*** Begin Patch\n*** Update File: f\n@@\n-x = a * 10\n+x = a * 100\n*** End Patch\n"
    );
}
