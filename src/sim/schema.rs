//! The part of JSON Schema that tool parameters use (`type`, `properties`, `required`, `enum`,
//! `const`, `minimum`/`maximum`, `minLength`, `items`/`minItems`, `anyOf`/`oneOf`,
//! `additionalProperties: false`): checking a tool call's arguments against the offered
//! schema, and filling what the schema requires, so the simulated model only ever sends
//! arguments a client's own validation accepts. Hand-written: the subset is small, and a full
//! validator crate (with its regex and URL machinery) would be far heavier than this file.

use serde_json::{Map, Value};

/// `Ok` when `value` satisfies `schema`, else the first violation with its JSON path.
pub(crate) fn check(schema: &Value, value: &Value) -> Result<(), String> {
    check_at(schema, value, "$")
}

fn check_at(schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    let Some(schema) = schema.as_object() else {
        // `true`, `{}` or a schema this subset cannot read: anything goes.
        return Ok(());
    };
    for key in ["anyOf", "oneOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array)
            && !options.iter().any(|o| check_at(o, value, at).is_ok())
        {
            return Err(format!("{at}: matches none of `{key}`"));
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        return Err(format!(
            "{at}: {value} is not one of {}",
            Value::from(allowed.clone())
        ));
    }
    if let Some(constant) = schema.get("const")
        && constant != value
    {
        return Err(format!("{at}: must be {constant}"));
    }
    if let Some(kind) = schema.get("type")
        && !types_of(kind).iter().any(|t| has_type(value, t))
    {
        return Err(format!("{at}: {value} is not of type {kind}"));
    }
    check_bounds(schema, value, at)?;
    match value {
        Value::Object(object) => check_object(schema, object, at),
        Value::Array(items) => {
            if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
                && (items.len() as u64) < min
            {
                return Err(format!("{at}: fewer than {min} items"));
            }
            let item_schema = schema.get("items").unwrap_or(&Value::Null);
            for (index, item) in items.iter().enumerate() {
                check_at(item_schema, item, &format!("{at}[{index}]"))?;
            }
            Ok(())
        }
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => Ok(()),
    }
}

fn check_bounds(schema: &Map<String, Value>, value: &Value, at: &str) -> Result<(), String> {
    if let Some(number) = value.as_f64() {
        let bound = |key: &str| schema.get(key).and_then(Value::as_f64);
        let too_low = bound("minimum").is_some_and(|min| number < min)
            || bound("exclusiveMinimum").is_some_and(|min| number <= min);
        let too_high = bound("maximum").is_some_and(|max| number > max)
            || bound("exclusiveMaximum").is_some_and(|max| number >= max);
        if too_low || too_high {
            return Err(format!("{at}: {number} is out of range"));
        }
    }
    if let Some(text) = value.as_str()
        && let Some(min) = schema.get("minLength").and_then(Value::as_u64)
        && (text.chars().count() as u64) < min
    {
        return Err(format!("{at}: shorter than {min} characters"));
    }
    Ok(())
}

fn check_object(
    schema: &Map<String, Value>,
    object: &Map<String, Value>,
    at: &str,
) -> Result<(), String> {
    let properties = schema.get("properties").and_then(Value::as_object);
    for name in required(schema) {
        if !object.contains_key(name) {
            return Err(format!("{at}: `{name}` is required"));
        }
    }
    for (name, value) in object {
        match properties.and_then(|p| p.get(name)) {
            Some(property) => check_at(property, value, &format!("{at}.{name}"))?,
            None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                return Err(format!("{at}: `{name}` is not allowed"));
            }
            None => {}
        }
    }
    Ok(())
}

/// The names a schema lists under `required`.
pub(crate) fn required(schema: &Map<String, Value>) -> Vec<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

fn types_of(kind: &Value) -> Vec<&str> {
    match kind {
        Value::String(one) => vec![one.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::Object(_) => Vec::new(),
    }
}

fn has_type(value: &Value, kind: &str) -> bool {
    match kind {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        _ => true,
    }
}

/// The simplest value `schema` accepts: its first `enum`/`const`, else a value of its (first)
/// type within its bounds; an object gets its required properties, an array its `minItems`.
pub(crate) fn example(schema: &Value) -> Value {
    let Some(schema) = schema.as_object() else {
        return Value::Null;
    };
    if let Some(first) = schema
        .get("const")
        .or_else(|| schema.get("enum").and_then(Value::as_array)?.first())
    {
        return first.clone();
    }
    if let Some(first) = ["anyOf", "oneOf"]
        .iter()
        .find_map(|key| schema.get(*key).and_then(Value::as_array)?.first())
    {
        return example(first);
    }
    let kind = schema.get("type").map(types_of).unwrap_or_default();
    let lowest = |fallback: f64| {
        let bound = |key: &str| schema.get(key).and_then(Value::as_f64);
        let mut value = bound("minimum").map_or(fallback, |min| fallback.max(min));
        if let Some(exclusive) = bound("exclusiveMinimum").filter(|&e| value <= e) {
            value = exclusive.floor() + 1.0;
        }
        bound("maximum").map_or(value, |max| value.min(max))
    };
    match kind.first().copied() {
        Some("string") => {
            let length = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0);
            Value::from("x".repeat(usize::try_from(length).unwrap_or(0)))
        }
        Some("integer") => Value::from(lowest(1.0) as i64),
        Some("number") => Value::from(lowest(1.0)),
        Some("boolean") => Value::Bool(false),
        Some("array") => {
            let count = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0);
            let item = example(schema.get("items").unwrap_or(&Value::Null));
            Value::Array((0..count).map(|_| item.clone()).collect())
        }
        Some("null") => Value::Null,
        Some("object") | None
            if schema.contains_key("properties") || kind.first() == Some(&"object") =>
        {
            let mut object = Map::new();
            complete(schema, &mut object);
            Value::Object(object)
        }
        Some(_) | None => Value::Null,
    }
}

/// Adds an [`example`] for every required property `object` lacks.
pub(crate) fn complete(schema: &Map<String, Value>, object: &mut Map<String, Value>) {
    let properties = schema.get("properties").and_then(Value::as_object);
    for name in required(schema) {
        if !object.contains_key(name) {
            let property = properties.and_then(|p| p.get(name)).unwrap_or(&Value::Null);
            object.insert(name.to_owned(), example(property));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn types_required_and_extra_properties_are_checked() {
        let schema = json!({ "type": "object", "required": ["path"], "additionalProperties": false,
            "properties": { "path": {"type": "string"}, "n": {"type": ["integer", "null"]} } });
        assert!(check(&schema, &json!({"path": "a"})).is_ok());
        assert!(check(&schema, &json!({"path": "a", "n": null})).is_ok());
        assert!(
            check(&schema, &json!({}))
                .unwrap_err()
                .contains("`path` is required")
        );
        assert!(
            check(&schema, &json!({"path": 1}))
                .unwrap_err()
                .contains("$.path")
        );
        assert!(check(&schema, &json!({"path": "a", "n": 1.5})).is_err());
        assert!(
            check(&schema, &json!({"path": "a", "x": 1}))
                .unwrap_err()
                .contains("not allowed")
        );
        assert!(check(&schema, &json!("a")).is_err());
    }

    #[test]
    fn enums_bounds_lengths_and_items_are_checked() {
        let schema = json!({ "type": "object", "properties": {
            "action": {"type": "string", "enum": ["start", "stop"]},
            "timeout": {"type": "integer", "minimum": 1, "maximum": 600},
            "name": {"type": "string", "minLength": 2},
            "command": {"type": "array", "items": {"type": "string"}, "minItems": 1} } });
        assert!(
            check(
                &schema,
                &json!({"action": "start", "timeout": 600, "name": "ab", "command": ["ls"]})
            )
            .is_ok()
        );
        assert!(
            check(&schema, &json!({"action": "what time is it"}))
                .unwrap_err()
                .contains("not one of")
        );
        assert!(
            check(&schema, &json!({"timeout": 0}))
                .unwrap_err()
                .contains("out of range")
        );
        assert!(check(&schema, &json!({"timeout": 2359})).is_err());
        assert!(
            check(&schema, &json!({"name": "a"}))
                .unwrap_err()
                .contains("shorter")
        );
        assert!(
            check(&schema, &json!({"command": []}))
                .unwrap_err()
                .contains("fewer than 1")
        );
        assert!(
            check(&schema, &json!({"command": [1]}))
                .unwrap_err()
                .contains("$.command[0]")
        );
        let either = json!({"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 5}]});
        assert!(check(&either, &json!("x")).is_ok() && check(&either, &json!(7)).is_ok());
        assert!(check(&either, &json!(2)).is_err());
        // What the subset does not know is not held against a value.
        assert!(check(&json!({"format": "uri"}), &json!("anything")).is_ok());
        assert!(check(&json!(true), &json!(1)).is_ok());
    }

    #[test]
    fn examples_satisfy_their_schema() {
        let schema = json!({ "type": "object", "required": ["action", "timeout", "command", "name", "opts", "pick"],
            "properties": {
                "action": {"type": "string", "enum": ["start", "stop"]},
                "timeout": {"type": "integer", "minimum": 5, "maximum": 600},
                "ratio": {"type": "number", "exclusiveMinimum": 0},
                "name": {"type": "string", "minLength": 3},
                "command": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                "opts": {"type": "object", "required": ["deep"], "properties": {"deep": {"type": "boolean"}}},
                "pick": {"anyOf": [{"type": "integer", "maximum": 0}, {"type": "null"}]} } });
        let value = example(&schema);
        assert_eq!(check(&schema, &value), Ok(()), "{value}");
        assert_eq!(value["action"], "start");
        assert_eq!(value["timeout"], 5);
        assert_eq!(value["command"], json!([""]));
        assert!(
            value.get("ratio").is_none(),
            "optional properties stay out: {value}"
        );
        let ratio = json!({"type": "number", "exclusiveMinimum": 0});
        assert_eq!(check(&ratio, &example(&ratio)), Ok(()));
    }
}
