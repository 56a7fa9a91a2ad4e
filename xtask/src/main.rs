//! Cairn's build helper. One task today: `spec`, which compacts the CloudFormation resource specification
//! (registry schemas, SAM schemas and the legacy single-file spec under `../shared/spec`) into the files under
//! `data/spec/` that `src/spec` embeds. The output is deterministic: re-running on the same input gives the same
//! bytes. See `data/spec/README.md` for the format.

mod legacy;
mod shape;

use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Physical-name properties the naming rule (`<Last segment>Name`, create-only) misses, checked to exist.
/// (`AWS::ECS::TaskDefinition`'s `Family` is not one: every revision of a family shares it.)
const NAME_OVERRIDES: &[(&str, &str)] = &[
    ("AWS::CodeBuild::Project", "Name"),
    ("AWS::EC2::SecurityGroup", "GroupName"),
    ("AWS::EKS::Cluster", "Name"),
    ("AWS::ElasticLoadBalancingV2::LoadBalancer", "Name"),
    ("AWS::ElasticLoadBalancingV2::TargetGroup", "Name"),
    ("AWS::Events::EventBus", "Name"),
    ("AWS::Events::Rule", "Name"),
    ("AWS::Kinesis::Stream", "Name"),
    ("AWS::Lambda::LayerVersion", "LayerName"),
    ("AWS::RDS::DBCluster", "DBClusterIdentifier"),
    ("AWS::RDS::DBInstance", "DBInstanceIdentifier"),
    ("AWS::SecretsManager::Secret", "Name"),
    ("AWS::SSM::Parameter", "Name"),
    ("AWS::ElastiCache::ReplicationGroup", "ReplicationGroupId"),
    ("AWS::Glue::Database", "DatabaseName"),
    ("AWS::Serverless::Function", "FunctionName"),
    ("AWS::Serverless::SimpleTable", "TableName"),
    ("AWS::Serverless::StateMachine", "Name"),
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [task, input] if task == "spec" => match spec(Path::new(input), Path::new("data/spec")) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("usage: xtask spec <path to shared/spec>");
            ExitCode::from(2)
        }
    }
}

type Res<T> = Result<T, String>;

fn read_json(path: &Path) -> Res<Value> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("cannot parse `{}`: {e}", path.display()))
}

/// Every schema file named by an `index.json`, keyed by type name.
fn schemas(dir: &Path) -> Res<BTreeMap<String, PathBuf>> {
    let index = read_json(&dir.join("index.json"))?;
    let index = index.as_object().ok_or("index.json is not an object")?;
    Ok(index
        .iter()
        .filter_map(|(name, file)| Some((name.clone(), dir.join(file.as_str()?))))
        .collect())
}

fn spec(input: &Path, out: &Path) -> Res<()> {
    let legacy = read_json(&input.join("CloudFormationResourceSpecification.json"))?;
    let mut files = schemas(&input.join("schemas/us-east-1"))?;
    files.extend(schemas(&input.join("schemas/sam"))?);
    let mut blob = Vec::new();
    let mut index = String::new();
    let mut raw_total = 0usize;
    for (name, path) in &files {
        let schema = read_json(path)?;
        let doc = compact_type(name, &schema, &legacy)?;
        let raw = serde_json::to_vec(&doc).map_err(|e| e.to_string())?;
        let packed = miniz_oxide::deflate::compress_to_vec(&raw, 9);
        writeln!(
            index,
            "{name}\t{}\t{}\t{}",
            blob.len(),
            packed.len(),
            raw.len()
        )
        .unwrap();
        raw_total += raw.len();
        blob.extend_from_slice(&packed);
    }
    std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
    std::fs::write(out.join("types.bin"), &blob).map_err(|e| e.to_string())?;
    std::fs::write(out.join("index.tsv"), &index).map_err(|e| e.to_string())?;
    eprintln!(
        "wrote {} types: {raw_total} bytes of JSON, {} bytes deflated, index {} bytes",
        files.len(),
        blob.len(),
        index.len()
    );
    Ok(())
}

/// The per-type document: short keys, defaults omitted (see `data/spec/README.md`).
fn compact_type(name: &str, schema: &Value, legacy: &Value) -> Res<Value> {
    let legacy_type = &legacy["ResourceTypes"][name];
    let mut shaper = shape::Shaper::new(schema, legacy, name);
    let mut doc = Map::new();
    let root = shaper.object(schema, legacy_type);
    doc.insert("p".into(), root);
    let defs = shaper.finish();
    if !defs.is_empty() {
        doc.insert("d".into(), Value::Object(defs));
    }
    for (key, short) in [
        ("createOnlyProperties", "co"),
        ("conditionalCreateOnlyProperties", "cco"),
        ("readOnlyProperties", "ro"),
        ("writeOnlyProperties", "wo"),
        ("primaryIdentifier", "pi"),
    ] {
        let paths = pointers(&schema[key]);
        if !paths.is_empty() {
            doc.insert(short.into(), json!(paths));
        }
    }
    let attrs = legacy::attributes(schema, legacy_type);
    if !attrs.is_empty() {
        doc.insert("a".into(), Value::Object(attrs));
    }
    if let Some(prop) = name_property(name, schema) {
        doc.insert("np".into(), json!(prop));
    }
    if schema["replacementStrategy"] == "delete_then_create" {
        doc.insert("rs".into(), json!("d"));
    }
    doc.insert("tg".into(), tagging(schema));
    if let Some(handlers) = schema["handlers"].as_object() {
        let h: Map<String, Value> = handlers
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    json!(v["timeoutInMinutes"].as_u64().unwrap_or(0)),
                )
            })
            .collect();
        doc.insert("h".into(), Value::Object(h));
    }
    Ok(Value::Object(doc))
}

/// JSON pointers `/properties/A/B` as dotted paths `A.B`, sorted.
fn pointers(list: &Value) -> Vec<String> {
    let mut out: Vec<String> = list
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p.as_str())
        .map(pointer_path)
        .collect();
    out.sort();
    out.dedup();
    out
}

fn pointer_path(pointer: &str) -> String {
    let rest = pointer.strip_prefix("/properties/").unwrap_or(pointer);
    rest.split('/')
        .filter(|s| *s != "*")
        .collect::<Vec<_>>()
        .join(".")
}

fn tagging(schema: &Value) -> Value {
    let t = &schema["tagging"];
    let has_tags = schema["properties"].get("Tags").is_some();
    let taggable = t["taggable"]
        .as_bool()
        .or(schema["taggable"].as_bool())
        .unwrap_or(has_tags);
    let updatable = t["tagUpdatable"].as_bool().unwrap_or(taggable);
    let prop = t["tagProperty"]
        .as_str()
        .map(pointer_path)
        .unwrap_or_else(|| "Tags".into());
    json!({"t": taggable, "u": updatable, "p": prop})
}

/// The property that names the physical resource: the override table, else `<Last segment>Name` when it is a
/// create-only string property.
fn name_property(name: &str, schema: &Value) -> Option<String> {
    let props = schema["properties"].as_object()?;
    if let Some((_, prop)) = NAME_OVERRIDES.iter().find(|(t, _)| *t == name) {
        return props.contains_key(*prop).then(|| prop.to_string());
    }
    let last = name.rsplit("::").next()?;
    let candidate = format!("{last}Name");
    let create_only = pointers(&schema["createOnlyProperties"]);
    let is_string = props
        .get(&candidate)
        .is_some_and(|p| p["type"] == "string" || p.get("$ref").is_some());
    (is_string && create_only.contains(&candidate)).then_some(candidate)
}
