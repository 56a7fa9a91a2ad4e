//! Checks a request's properties against the type's schema the way CloudFormation's resource handlers do,
//! with their messages (`#/BucketName: expected maxLength: 63, actual: 70`). Numbers and booleans may arrive
//! as strings, as CloudFormation passes them. It only reports; it never changes the properties.

use regex::Regex;
use serde_json::{Map, Value};

use crate::spec::{Kind, Object, Property, ResourceType};

/// Every violation in `properties`, in a stable order (keys sorted, then missing required keys).
pub(crate) fn violations(ty: &ResourceType, properties: &Map<String, Value>) -> Vec<String> {
    let mut errors = Vec::new();
    check_object(ty, ty.root(), properties, "#", true, &mut errors);
    errors
}

/// The message CloudFormation shows for `violations`.
pub(crate) fn message(logical_id: &str, violations: &[String]) -> String {
    let detail = match violations {
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    };
    format!("Properties validation failed for resource {logical_id} with message: {detail}")
}

fn check_object(
    ty: &ResourceType,
    object: &Object,
    value: &Map<String, Value>,
    path: &str,
    top: bool,
    errors: &mut Vec<String>,
) {
    for (key, v) in value {
        let child = format!("{path}/{key}");
        match object.properties.get(key) {
            Some(p) if top && p.read_only => {
                errors.push(format!("{child}: extraneous key [{key}] is not permitted"));
            }
            Some(p) => check_value(ty, p, v, &child, errors),
            None if object.closed => {
                errors.push(format!("{child}: extraneous key [{key}] is not permitted"));
            }
            None => {}
        }
    }
    for key in &object.required {
        if !value.contains_key(key) {
            errors.push(format!("{path}: required key [{key}] not found"));
        }
    }
}

fn check_value(ty: &ResourceType, p: &Property, v: &Value, path: &str, errors: &mut Vec<String>) {
    let mismatch =
        |expected: &str| format!("{path}: expected type: {expected}, found: {}", found(v));
    match p.kind {
        Kind::String => match scalar_text(v) {
            Some(s) => check_string(p, &s, path, errors),
            None => errors.push(mismatch("String")),
        },
        Kind::Integer => match integer(v) {
            Some(n) => check_number(p, n as f64, &n.to_string(), path, errors),
            None => errors.push(mismatch("Integer")),
        },
        Kind::Number => match number(v) {
            Some(n) => check_number(p, n, &number_text(n), path, errors),
            None => errors.push(mismatch("Number")),
        },
        Kind::Boolean => match boolean(v) {
            Some(b) => {
                check_enum(p, &b.to_string(), path, errors);
            }
            None => errors.push(mismatch("Boolean")),
        },
        Kind::Object => match v.as_object() {
            Some(map) => {
                if let Some(object) = ty.object_of(p) {
                    check_object(ty, object, map, path, false, errors);
                }
            }
            None => errors.push(mismatch("JSONObject")),
        },
        Kind::Array => match v.as_array() {
            Some(items) => {
                if let Some(item) = &p.item {
                    for (i, v) in items.iter().enumerate() {
                        check_value(ty, item, v, &format!("{path}/{i}"), errors);
                    }
                }
            }
            None => errors.push(mismatch("JSONArray")),
        },
        Kind::Map => match v.as_object() {
            Some(map) => {
                if let Some(item) = &p.item {
                    for (k, v) in map {
                        check_value(ty, item, v, &format!("{path}/{k}"), errors);
                    }
                }
            }
            None => errors.push(mismatch("JSONObject")),
        },
        Kind::Json => {}
    }
}

fn check_string(p: &Property, s: &str, path: &str, errors: &mut Vec<String>) {
    if !check_enum(p, s, path, errors) {
        return;
    }
    let len = s.chars().count() as u64;
    if let Some(max) = p.max_length.filter(|max| len > *max) {
        errors.push(format!("{path}: expected maxLength: {max}, actual: {len}"));
    }
    if let Some(min) = p.min_length.filter(|min| len < *min) {
        errors.push(format!("{path}: expected minLength: {min}, actual: {len}"));
    }
    if let Some(pattern) = &p.pattern
        && compiled(pattern).is_some_and(|re| !re.is_match(s))
    {
        errors.push(format!(
            "{path}: string [{s}] does not match pattern {pattern}"
        ));
    }
}

fn check_number(p: &Property, n: f64, text: &str, path: &str, errors: &mut Vec<String>) {
    if !check_enum(p, text, path, errors) {
        return;
    }
    if let Some(min) = p.minimum.filter(|min| n < *min) {
        errors.push(format!(
            "{path}: {text} is not greater or equal to {}",
            number_text(min)
        ));
    }
    if let Some(max) = p.maximum.filter(|max| n > *max) {
        errors.push(format!(
            "{path}: {text} is not less or equal to {}",
            number_text(max)
        ));
    }
}

/// Whether the value passes the enum (or there is none); reports it when not.
fn check_enum(p: &Property, text: &str, path: &str, errors: &mut Vec<String>) -> bool {
    if p.enum_values.is_empty() || p.enum_values.iter().any(|e| e == text) {
        return true;
    }
    errors.push(format!("{path}: {text} is not a valid enum value"));
    false
}

/// A string, or a number or boolean CloudFormation would pass as one.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub(crate) fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok().filter(|f: &f64| f.is_finite()),
        _ => None,
    }
}

pub(crate) fn boolean(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// The schema-validator's name for a JSON value's type.
fn found(v: &Value) -> &'static str {
    match v {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "Integer",
        Value::Number(_) => "Number",
        Value::String(_) => "String",
        Value::Array(_) => "JSONArray",
        Value::Object(_) => "JSONObject",
    }
}

pub(crate) fn compiled(pattern: &str) -> Option<std::sync::Arc<Regex>> {
    crate::spec::compiled_pattern(pattern)
}
