//! Reading an orchestration request, v2 (`config.modules…`, §7.4) or v1
//! (`orchestration_config.module_configurations…`, §7.3), into one shape, with the real
//! service's validation: model allowed for orchestration, version known, template
//! placeholders `{{?name}}` all filled and every given value used.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::chat_foundation::is_reasoning_model;
use super::data::{self, Model};

/// Which orchestration API a request came through; decides key names and error wrapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    /// `POST {deploymentUrl}/completion`
    V1,
    /// `POST {deploymentUrl}/v2/completion`
    V2,
}

/// A validation failure, reported as HTTP 400 with `location` (§7.7).
#[derive(Debug, Clone)]
pub(crate) struct OrchError {
    pub(crate) message: String,
    pub(crate) location: &'static str,
}

impl OrchError {
    fn new(location: &'static str, detail: impl std::fmt::Display) -> OrchError {
        OrchError {
            message: format!("400 - {location}: {detail}"),
            location,
        }
    }
}

/// A validated request, whichever API it came through.
pub(crate) struct OrchRequest {
    pub(crate) model: &'static Model,
    pub(crate) version: &'static str,
    pub(crate) params: Value,
    /// `messages_history` followed by the filled template: what the LLM sees.
    pub(crate) templating: Vec<Value>,
    pub(crate) tools: Option<Value>,
    pub(crate) stream: bool,
    pub(crate) chunk_size: usize,
    /// Module configs skipped before the one used (v2 fallbacks).
    pub(crate) failures: Vec<OrchError>,
}

/// One module configuration before validation.
struct Module<'a> {
    model_name: Option<&'a str>,
    version: &'a str,
    params: &'a Value,
    template: &'a Value,
    defaults: &'a Value,
    tools: &'a Value,
}

/// Validates `body`; on failure returns every error (one per tried module config).
pub(crate) fn parse(body: &Value, api: Api) -> Result<OrchRequest, Vec<OrchError>> {
    let (modules, stream, chunk_size, values, history) = match api {
        Api::V2 => v2_parts(body)?,
        Api::V1 => v1_parts(body)?,
    };
    let empty = Map::new();
    let values = match values {
        Value::Null => &empty,
        Value::Object(map) => map,
        _ => {
            return Err(vec![OrchError::new(
                "Input Parameters",
                "placeholder values must be an object of strings",
            )]);
        }
    };
    let history: Vec<Value> = match history {
        Value::Null => Vec::new(),
        Value::Array(messages) => messages.clone(),
        _ => {
            return Err(vec![OrchError::new(
                "Request Body",
                "'messages_history' must be an array",
            )]);
        }
    };
    let mut failures = Vec::new();
    for module in modules {
        match prepare(&module, values, &history) {
            Ok((model, version, templating)) => {
                return Ok(OrchRequest {
                    model,
                    version,
                    params: module.params.clone(),
                    templating,
                    tools: Some(module.tools.clone()).filter(|tools| !tools.is_null()),
                    stream,
                    chunk_size,
                    failures,
                });
            }
            Err(error) => failures.push(error),
        }
    }
    Err(failures)
}

type Parts<'a> = (Vec<Module<'a>>, bool, usize, &'a Value, &'a Value);

fn v2_parts(body: &Value) -> Result<Parts<'_>, Vec<OrchError>> {
    let config = &body["config"];
    if !body["config_ref"].is_null() {
        return Err(vec![OrchError::new(
            "Request Body",
            "'config_ref' is not supported by the simulator",
        )]);
    }
    if !config.is_object() {
        return Err(vec![OrchError::new(
            "Request Body",
            "'config' is a required property",
        )]);
    }
    let modules: Vec<&Value> = match &config["modules"] {
        Value::Array(list) if !list.is_empty() => list.iter().collect(),
        module @ Value::Object(_) => vec![module],
        _ => {
            return Err(vec![OrchError::new(
                "Request Body",
                "'config.modules' must be an object or a non-empty array",
            )]);
        }
    };
    let modules = modules
        .into_iter()
        .map(|module| {
            let templating = &module["prompt_templating"];
            let model = &templating["model"];
            let prompt = &templating["prompt"];
            Module {
                model_name: model["name"].as_str(),
                version: model["version"].as_str().unwrap_or("latest"),
                params: &model["params"],
                template: &prompt["template"],
                defaults: &prompt["defaults"],
                tools: &prompt["tools"],
            }
        })
        .collect();
    let stream = &config["stream"];
    let chunk_size = chunk_size(&stream["chunk_size"])?;
    Ok((
        modules,
        stream["enabled"] == true,
        chunk_size,
        &body["placeholder_values"],
        &body["messages_history"],
    ))
}

fn v1_parts(body: &Value) -> Result<Parts<'_>, Vec<OrchError>> {
    let config = &body["orchestration_config"];
    let modules = &config["module_configurations"];
    if !modules.is_object() {
        return Err(vec![OrchError::new(
            "Request Body",
            "'orchestration_config.module_configurations' is a required property",
        )]);
    }
    let llm = &modules["llm_module_config"];
    let templating = &modules["templating_module_config"];
    let module = Module {
        model_name: llm["model_name"].as_str(),
        version: llm["model_version"].as_str().unwrap_or("latest"),
        params: &llm["model_params"],
        template: &templating["template"],
        defaults: &templating["defaults"],
        tools: &templating["tools"],
    };
    let chunk_size = chunk_size(&config["stream_options"]["chunk_size"])?;
    Ok((
        vec![module],
        config["stream"] == true,
        chunk_size,
        &body["input_params"],
        &body["messages_history"],
    ))
}

/// `chunk_size`: default 100, allowed 1..=10000 (§7.4).
fn chunk_size(value: &Value) -> Result<usize, Vec<OrchError>> {
    match value {
        Value::Null => Ok(100),
        other => match other.as_u64() {
            Some(size @ 1..=10_000) => Ok(size as usize),
            Some(_) | None => Err(vec![OrchError::new(
                "Request Body",
                "chunk_size must be between 1 and 10000",
            )]),
        },
    }
}

fn prepare(
    module: &Module<'_>,
    values: &Map<String, Value>,
    history: &[Value],
) -> Result<(&'static Model, &'static str, Vec<Value>), OrchError> {
    let Some(name) = module.model_name else {
        return Err(OrchError::new(
            "Request Body",
            "'model.name' is a required property",
        ));
    };
    let model = data::model(name)
        .filter(|model| model.orchestration)
        .ok_or_else(|| OrchError::new("LLM Module", format!("Model {name} not supported.")))?;
    let version = model.resolve_version(module.version).ok_or_else(|| {
        OrchError::new(
            "LLM Module",
            format!("Model {name} in version {} not found.", module.version),
        )
    })?;
    if is_reasoning_model(name) && !module.params["max_tokens"].is_null() {
        return Err(OrchError::new(
            "LLM Module",
            format!(
                "Unsupported parameter: 'max_tokens' is not supported with model {name}. Use 'max_completion_tokens' instead."
            ),
        ));
    }
    let template = match module.template {
        Value::Array(messages) if !messages.is_empty() => messages.as_slice(),
        Value::Null if !history.is_empty() => &[],
        _ => {
            return Err(OrchError::new(
                "Request Body",
                "'prompt.template' must be a non-empty array of messages",
            ));
        }
    };
    let filled = fill(template, values, module.defaults)?;
    let mut templating = history.to_vec();
    templating.extend(filled);
    Ok((model, version, templating))
}

/// Renders the template's message contents (`template::render`); errors on missing or
/// unused values.
fn fill(
    template: &[Value],
    values: &Map<String, Value>,
    defaults: &Value,
) -> Result<Vec<Value>, OrchError> {
    let mut used = BTreeSet::new();
    let mut missing = BTreeSet::new();
    let lookup = |name: &str| {
        values
            .get(name)
            .or_else(|| defaults.get(name))
            .map(value_text)
    };
    let mut substitute = |text: &str| {
        super::template::render(text, &mut |name| {
            used.insert(name.to_owned());
            let value = lookup(name);
            if value.is_none() {
                missing.insert(name.to_owned());
            }
            value.unwrap_or_default()
        })
    };
    let filled: Vec<Value> = template
        .iter()
        .map(|message| {
            let mut message = message.clone();
            match &mut message["content"] {
                Value::String(text) => *text = substitute(text),
                Value::Array(parts) => {
                    for part in parts.iter_mut() {
                        if let Some(Value::String(text)) = part.get_mut("text") {
                            *text = substitute(text);
                        }
                    }
                }
                Value::Null | Value::Bool(_) | Value::Number(_) | Value::Object(_) => {}
            }
            message
        })
        .collect();
    if !missing.is_empty() {
        return Err(OrchError::new(
            "Input Parameters",
            format!(
                "Error validating parameters. Missing required parameters: {}.",
                python_list(&missing)
            ),
        ));
    }
    let unused: BTreeSet<String> = values
        .keys()
        .filter(|key| !used.contains(*key))
        .cloned()
        .collect();
    if !unused.is_empty() {
        return Err(OrchError::new(
            "Input Parameters",
            format!(
                "Error validating parameters. Unused parameters: {}.",
                python_list(&unused)
            ),
        ));
    }
    Ok(filled)
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// `['a', 'b']`, as the service (written in Python) prints parameter lists.
fn python_list(names: &BTreeSet<String>) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("'{name}'")).collect();
    format!("[{}]", quoted.join(", "))
}

/// The error body: v2 wraps in `error` (an array after fallbacks), v1 is top-level (§7.7).
pub(crate) fn error_body(api: Api, errors: &[OrchError], request_id: &str) -> Value {
    let entry = |error: &OrchError| json!({ "request_id": request_id, "code": 400, "message": error.message, "location": error.location });
    match (api, errors) {
        (Api::V2, [single]) => json!({ "error": entry(single) }),
        (Api::V2, many) => json!({ "error": many.iter().map(entry).collect::<Vec<_>>() }),
        (Api::V1, errors) => {
            let mut body = errors.last().map_or_else(|| json!({}), entry);
            body["module_results"] = json!({});
            body
        }
    }
}
