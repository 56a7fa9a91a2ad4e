//! `Fn::GetAtt` attributes: the registry's `readOnlyProperties` (typed by walking the schema) merged with the
//! legacy spec's `Attributes`, each tagged with where it was found.

use serde_json::{Map, Value, json};

/// Attribute name → `{"k": kind, "i": item kind (lists and maps), "s": 1 registry | 2 legacy | 3 both}`.
pub fn attributes(schema: &Value, legacy_type: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    for pointer in schema["readOnlyProperties"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p.as_str())
    {
        let path: Vec<&str> = pointer
            .trim_start_matches("/properties/")
            .split('/')
            .filter(|s| *s != "*")
            .collect();
        let (kind, item) = schema_kind(schema, &path);
        let mut attr = json!({"k": kind, "s": 1});
        if let Some(item) = item {
            attr["i"] = json!(item);
        }
        out.insert(path.join("."), attr);
    }
    for (name, attr) in legacy_type["Attributes"].as_object().into_iter().flatten() {
        if let Some(existing) = out.get_mut(name) {
            existing["s"] = json!(3);
            continue;
        }
        let (kind, item) = legacy_kind(attr);
        let mut entry = json!({"k": kind, "s": 2});
        if let Some(item) = item {
            entry["i"] = json!(item);
        }
        out.insert(name.clone(), entry);
    }
    out
}

fn legacy_kind(attr: &Value) -> (&'static str, Option<&'static str>) {
    match attr["Type"].as_str() {
        Some("List") => (
            "a",
            Some(attr["PrimitiveItemType"].as_str().map_or("o", primitive)),
        ),
        Some("Map") => (
            "m",
            Some(attr["PrimitiveItemType"].as_str().map_or("o", primitive)),
        ),
        Some(_) => ("o", None),
        None => (attr["PrimitiveType"].as_str().map_or("s", primitive), None),
    }
}

fn primitive(name: &str) -> &'static str {
    match name {
        "Integer" | "Long" => "i",
        "Double" => "n",
        "Boolean" => "b",
        "Json" => "j",
        _ => "s",
    }
}

/// The kind of the value at `path` inside the schema's properties, following `$ref`s; string when unknown.
fn schema_kind(schema: &Value, path: &[&str]) -> (&'static str, Option<&'static str>) {
    let mut node = &schema["properties"];
    let mut current = &Value::Null;
    for (i, step) in path.iter().enumerate() {
        current = resolve(schema, &node[*step]);
        if i + 1 == path.len() {
            break;
        }
        while current["type"] == "array" {
            current = resolve(schema, &current["items"]);
        }
        node = &current["properties"];
    }
    let current = resolve(schema, current);
    match type_of(current) {
        "array" => (
            "a",
            Some(kind_letter(type_of(resolve(schema, &current["items"])))),
        ),
        other => (kind_letter(other), None),
    }
}

fn resolve<'a>(schema: &'a Value, mut node: &'a Value) -> &'a Value {
    for _ in 0..8 {
        match node["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/definitions/"))
        {
            Some(name) => node = &schema["definitions"][name],
            None => break,
        }
    }
    node
}

fn type_of(node: &Value) -> &str {
    match &node["type"] {
        Value::String(s) => s,
        Value::Array(list) if list.len() == 1 => list[0].as_str().unwrap_or("string"),
        _ if node.get("properties").is_some() => "object",
        _ => "string",
    }
}

fn kind_letter(ty: &str) -> &'static str {
    match ty {
        "integer" => "i",
        "number" => "n",
        "boolean" => "b",
        "object" => "o",
        "array" => "a",
        _ => "s",
    }
}
