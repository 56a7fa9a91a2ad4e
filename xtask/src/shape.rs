//! Compacts one registry schema's JSON-Schema property tree: `$ref`s to object definitions stay named (`"r"`),
//! `$ref`s to anything else are inlined; keywords Cairn does not use are dropped.

use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

pub struct Shaper<'a> {
    schema: &'a Value,
    legacy: &'a Value,
    type_name: &'a str,
    /// Named object definitions reached so far; `None` while being compacted (cycles).
    defs: BTreeMap<String, Option<Value>>,
    pending: BTreeSet<String>,
}

impl<'a> Shaper<'a> {
    pub fn new(schema: &'a Value, legacy: &'a Value, type_name: &'a str) -> Self {
        Shaper {
            schema,
            legacy,
            type_name,
            defs: BTreeMap::new(),
            pending: BTreeSet::new(),
        }
    }

    /// The definitions reached from the properties compacted so far, compacting each once.
    pub fn finish(&mut self) -> Map<String, Value> {
        while let Some(name) = self.pending.pop_first() {
            let def = self.definition(&name).clone();
            let legacy = self.legacy_property_type(&name);
            let obj = self.object(&def, legacy);
            self.defs.insert(name, Some(obj));
        }
        std::mem::take(&mut self.defs)
            .into_iter()
            .filter_map(|(k, v)| Some((k, v?)))
            .collect()
    }

    fn definition(&self, name: &str) -> &'a Value {
        &self.schema["definitions"][name]
    }

    /// The legacy `PropertyTypes` entry for a definition: SAM names them in full, registry schemas by suffix.
    fn legacy_property_type(&self, def: &str) -> &'a Value {
        let types = &self.legacy["PropertyTypes"];
        if def.contains("::") {
            &types[def]
        } else {
            &types[format!("{}.{def}", self.type_name)]
        }
    }

    /// An object schema: `{"p": {name: shape}, "r": [required], "c": closed, "rx", "de"}`.
    pub fn object(&mut self, schema: &Value, legacy: &Value) -> Value {
        let mut out = Map::new();
        let mut props = Map::new();
        for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
            let mut shape = self.shape(prop, 0);
            if let Some(ut) = legacy["Properties"][name]["UpdateType"].as_str() {
                shape.insert("ut".into(), json!(&ut[..1]));
            }
            props.insert(name.clone(), Value::Object(shape));
        }
        out.insert("p".into(), Value::Object(props));
        if let Some(req) = schema["required"].as_array().filter(|r| !r.is_empty()) {
            out.insert("r".into(), json!(sorted_strings(req)));
        }
        if schema["additionalProperties"] == false {
            out.insert("c".into(), json!(true));
        }
        if let Some(rx) = schema.get("requiredXor") {
            out.insert("rx".into(), rx.clone());
        }
        if let Some(de) = schema.get("dependentExcluded") {
            out.insert("de".into(), de.clone());
        }
        Value::Object(out)
    }

    /// One property (or item) schema: `{"k": kind, ...constraints}`.
    fn shape(&mut self, schema: &Value, depth: usize) -> Map<String, Value> {
        let mut out = Map::new();
        if depth > 16 {
            out.insert("k".into(), json!("j"));
            return out;
        }
        if let Some(name) = schema["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/definitions/"))
        {
            let def = self.definition(name);
            if is_object_with_properties(def) {
                out.insert("k".into(), json!("o"));
                out.insert("r".into(), json!(name));
                if !self.defs.contains_key(name) {
                    self.defs.insert(name.to_string(), None);
                    self.pending.insert(name.to_string());
                }
            } else {
                out = self.shape(def, depth + 1);
            }
        } else {
            let kind = self.kind(schema, depth, &mut out);
            out.insert("k".into(), json!(kind));
        }
        constraints(schema, &mut out);
        out
    }

    /// The kind letter; fills `"i"` (items of arrays and maps) and `"o"` (inline objects) as it goes.
    fn kind(&mut self, schema: &Value, depth: usize, out: &mut Map<String, Value>) -> &'static str {
        let ty = match &schema["type"] {
            Value::String(s) => Some(s.as_str()),
            Value::Array(list) if list.len() == 1 => list[0].as_str(),
            Value::Array(_) => return "j",
            _ => None,
        };
        match ty {
            Some("string") => "s",
            Some("integer") => "i",
            Some("number") => "n",
            Some("boolean") => "b",
            Some("array") => self.array(schema, depth, out),
            Some("object") => self.object_kind(schema, depth, out),
            _ if schema.get("properties").is_some() => self.object_kind(schema, depth, out),
            _ if schema.get("items").is_some() => self.array(schema, depth, out),
            _ => self.alternatives(schema, depth, out),
        }
    }

    fn array(
        &mut self,
        schema: &Value,
        depth: usize,
        out: &mut Map<String, Value>,
    ) -> &'static str {
        if let Some(items) = schema.get("items").filter(|i| i.is_object()) {
            out.insert("i".into(), Value::Object(self.shape(items, depth + 1)));
        }
        "a"
    }

    fn object_kind(
        &mut self,
        schema: &Value,
        depth: usize,
        out: &mut Map<String, Value>,
    ) -> &'static str {
        if is_object_with_properties(schema) {
            let obj = self.object(schema, &Value::Null);
            out.insert("o".into(), obj);
            return "o";
        }
        let values = schema["patternProperties"]
            .as_object()
            .and_then(|p| p.values().next())
            .or_else(|| schema.get("additionalProperties").filter(|a| a.is_object()));
        match values {
            Some(values) => {
                out.insert("i".into(), Value::Object(self.shape(values, depth + 1)));
                "m"
            }
            None => "j",
        }
    }

    /// `anyOf`/`oneOf` without a `type`: the branches' kind when they all agree, else JSON.
    fn alternatives(
        &mut self,
        schema: &Value,
        depth: usize,
        _out: &mut Map<String, Value>,
    ) -> &'static str {
        let branches = schema["anyOf"].as_array().or(schema["oneOf"].as_array());
        let Some(branches) = branches.filter(|b| !b.is_empty()) else {
            return if schema.get("enum").is_some() {
                "s"
            } else {
                "j"
            };
        };
        let kinds: BTreeSet<String> = branches
            .iter()
            .map(|b| {
                self.shape(b, depth + 1)["k"]
                    .as_str()
                    .unwrap_or("j")
                    .to_string()
            })
            .collect();
        match kinds.iter().next().map(String::as_str) {
            Some("s") if kinds.len() == 1 => "s",
            Some("i") if kinds.len() == 1 => "i",
            Some("n") if kinds.len() == 1 => "n",
            Some("b") if kinds.len() == 1 => "b",
            _ => "j",
        }
    }
}

fn is_object_with_properties(schema: &Value) -> bool {
    schema["properties"]
        .as_object()
        .is_some_and(|p| !p.is_empty())
}

fn sorted_strings(list: &[Value]) -> Vec<String> {
    let mut out: Vec<String> = list
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The value constraints Cairn checks, under short keys.
fn constraints(schema: &Value, out: &mut Map<String, Value>) {
    if let Some(values) = schema["enum"].as_array() {
        let mut list: Vec<String> = values
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        list.sort();
        list.dedup();
        out.insert("e".into(), json!(list));
    }
    for (key, short) in [
        ("pattern", "pt"),
        ("minLength", "nl"),
        ("maxLength", "xl"),
        ("minimum", "nv"),
        ("maximum", "xv"),
        ("insertionOrder", "io"),
        ("uniqueItems", "u"),
    ] {
        let v = &schema[key];
        let fits = match short {
            "pt" => v.is_string(),
            "io" | "u" => v.is_boolean(),
            _ => v.is_number(),
        };
        if fits {
            out.insert(short.into(), v.clone());
        }
    }
}
