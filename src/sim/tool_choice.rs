//! `tool_choice` as each dialect carries it, read into one shape the answer honours:
//! OpenAI/Azure and Mistral (`tool_choice` in the body), orchestration (`tool_choice` in the
//! model `params`), Bedrock Converse (`toolConfig.toolChoice`) and Gemini
//! (`toolConfig.functionCallingConfig`).

use serde_json::Value;

/// Whether, and which, tool the model must or may call.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum ToolChoice {
    /// The model decides (the default when tools are offered).
    #[default]
    Auto,
    /// No tool call, text only.
    None,
    /// Some tool call, whichever.
    Required,
    /// A call to this tool.
    Named(String),
}

impl ToolChoice {
    /// OpenAI's `"none" | "auto" | "required" | {"type": "function", "function": {"name"}}`
    /// (also orchestration's, in `params`). Anything unreadable is `Auto`.
    pub(crate) fn openai(value: Option<&Value>) -> ToolChoice {
        match value {
            Some(Value::String(word)) => match word.as_str() {
                "none" => ToolChoice::None,
                "required" | "any" => ToolChoice::Required,
                _ => ToolChoice::Auto,
            },
            Some(Value::Object(object)) => object
                .get("function")
                .and_then(|f| f.get("name"))
                .and_then(Value::as_str)
                .map_or(ToolChoice::Auto, |name| ToolChoice::Named(name.to_owned())),
            _ => ToolChoice::Auto,
        }
    }

    /// Converse's `{"auto": {}} | {"any": {}} | {"tool": {"name"}}`.
    pub(crate) fn bedrock(value: Option<&Value>) -> ToolChoice {
        let Some(value) = value else {
            return ToolChoice::Auto;
        };
        if let Some(name) = value["tool"]["name"].as_str() {
            ToolChoice::Named(name.to_owned())
        } else if value.get("any").is_some() {
            ToolChoice::Required
        } else {
            ToolChoice::Auto
        }
    }

    /// Gemini's `{"mode": "AUTO" | "ANY" | "NONE" | "VALIDATED", "allowedFunctionNames"}`:
    /// `ANY` with exactly one allowed name names it.
    pub(crate) fn gemini(value: Option<&Value>) -> ToolChoice {
        let Some(value) = value else {
            return ToolChoice::Auto;
        };
        let allowed: Vec<&str> = value["allowedFunctionNames"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        match value["mode"].as_str() {
            Some("NONE") => ToolChoice::None,
            Some("ANY") => match allowed.as_slice() {
                [one] => ToolChoice::Named((*one).to_owned()),
                _ => ToolChoice::Required,
            },
            _ => ToolChoice::Auto,
        }
    }

    /// The offered tools this choice leaves to the model: none for `None`, only the named
    /// one for `Named`, all of them otherwise.
    pub(crate) fn offered(&self, tools: Option<&Value>) -> Option<Value> {
        let tools = tools?;
        match self {
            ToolChoice::None => None,
            ToolChoice::Auto | ToolChoice::Required => Some(tools.clone()),
            ToolChoice::Named(name) => Some(Value::Array(
                tools
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|tool| tool["function"]["name"].as_str() == Some(name))
                    .cloned()
                    .collect(),
            )),
        }
    }

    /// A tool call is owed whatever the question.
    pub(crate) fn forces_a_call(&self) -> bool {
        matches!(self, ToolChoice::Required | ToolChoice::Named(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_dialects_spelling_is_read() {
        assert_eq!(ToolChoice::openai(None), ToolChoice::Auto);
        assert_eq!(ToolChoice::openai(Some(&json!("none"))), ToolChoice::None);
        assert_eq!(
            ToolChoice::openai(Some(&json!("required"))),
            ToolChoice::Required
        );
        assert_eq!(ToolChoice::openai(Some(&json!("auto"))), ToolChoice::Auto);
        assert_eq!(
            ToolChoice::openai(Some(
                &json!({"type": "function", "function": {"name": "add"}})
            )),
            ToolChoice::Named("add".into())
        );
        assert_eq!(
            ToolChoice::bedrock(Some(&json!({"any": {}}))),
            ToolChoice::Required
        );
        assert_eq!(
            ToolChoice::bedrock(Some(&json!({"auto": {}}))),
            ToolChoice::Auto
        );
        assert_eq!(
            ToolChoice::bedrock(Some(&json!({"tool": {"name": "add"}}))),
            ToolChoice::Named("add".into())
        );
        assert_eq!(
            ToolChoice::gemini(Some(&json!({"mode": "NONE"}))),
            ToolChoice::None
        );
        assert_eq!(
            ToolChoice::gemini(Some(&json!({"mode": "ANY"}))),
            ToolChoice::Required
        );
        assert_eq!(
            ToolChoice::gemini(Some(
                &json!({"mode": "ANY", "allowedFunctionNames": ["add"]})
            )),
            ToolChoice::Named("add".into())
        );
        assert_eq!(
            ToolChoice::gemini(Some(&json!({"mode": "AUTO"}))),
            ToolChoice::Auto
        );
    }

    #[test]
    fn the_choice_narrows_the_offered_tools() {
        let tools = json!([{"function": {"name": "a"}}, {"function": {"name": "b"}}]);
        assert_eq!(ToolChoice::None.offered(Some(&tools)), None);
        assert_eq!(ToolChoice::Auto.offered(Some(&tools)), Some(tools.clone()));
        assert_eq!(
            ToolChoice::Named("b".into()).offered(Some(&tools)),
            Some(json!([{"function": {"name": "b"}}]))
        );
        assert!(ToolChoice::Required.forces_a_call() && !ToolChoice::Auto.forces_a_call());
    }
}
