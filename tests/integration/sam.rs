//! Conformance against AWS's SAM translator test cases (`../shared/corpus/sam`): every input is expanded
//! with the partition, region, account and parameters the expected outputs assume, and compared with
//! `output/X.json` structurally (key order ignored, every list compared as a multiset). `error_*` cases must
//! be rejected; the rebuilt reference message is compared with the expected `errorMessage`.
//!
//! Prints the counts and the failing cases grouped by their first difference, writes the full list to
//! `target/conformance-sam.txt`, and fails when a count drops below the floor reached so far.

use std::collections::BTreeMap;
use std::path::Path;

use cairn::source::{
    Document, Format, Limits, Mapping, Node, NodeKind, SourceMap, emit, load_text,
};
use cairn::transform::{ExpandOptions, PseudoParameters, expand, sam};
use serde_json::Value as J;

use crate::root;

/// Floors: the counts reached so far; they may only go up.
const MIN_TRANSFORMED: usize = 272;
const MIN_EXACT: usize = 271;
const MIN_REJECTED: usize = 144;
const MIN_RIGHT_MESSAGE: usize = 143;

/// The settings of the translator's test run (its parameters, region, account and partition, and the
/// application repository the expected outputs assume).
pub(crate) fn options() -> ExpandOptions {
    let mut o = ExpandOptions::default();
    o.parameters.insert("param1".into(), "value1".into());
    o.parameters.insert("param2".into(), "value2".into());
    o.pseudo = PseudoParameters {
        region: Some("ap-southeast-1".into()),
        account_id: Some("123456789012".into()),
        partition: Some("aws".into()),
        ..PseudoParameters::default()
    };
    o.applications = Some(sam::ApplicationLookup(std::sync::Arc::new(repository_stub)));
    o
}

/// The Serverless Application Repository as the expected outputs assume it (the corpus README): every
/// application answers with one signed URL, except the ones named as failing.
fn repository_stub(application: &str, _version: &str) -> Result<String, String> {
    match application {
        "no-access" | "non-existent" | "invalid-semver" => {
            Err(format!("Cannot access application: {application}."))
        }
        "1" => Err("Type of property 'ApplicationId' is invalid.".into()),
        _ => Ok("https://awsserverlessrepo-changesets-xxx.s3.amazonaws.com/signed-url".into()),
    }
}

/// `doc` declaring the SAM transform (the translator's tests call it on inputs that may not say so, or
/// that name a stand-in such as `AWS::Serverless-2016-10-31-test`).
fn with_transform(doc: Document) -> Document {
    let Some(m) = doc.root.as_map() else {
        return doc;
    };
    match m.get("Transform").map(|t| &t.kind) {
        Some(NodeKind::String(s)) if s == sam::SERVERLESS || !s.starts_with("AWS::Serverless") => {
            return doc;
        }
        Some(NodeKind::Seq(_)) => return doc,
        _ => {}
    }
    let mut out = Mapping::new();
    let span = doc.root.span;
    let _ = out.insert(
        "Transform".into(),
        span,
        Node::new(span, NodeKind::String(sam::SERVERLESS.into())),
    );
    for (k, e) in m.iter().filter(|(k, _)| *k != "Transform") {
        let _ = out.insert(k.to_owned(), e.key_span, e.value.clone());
    }
    Document {
        root: Node::new(span, NodeKind::Map(out)),
    }
}

/// Every list sorted by the canonical text of its (normalised) items.
pub(crate) fn normalise(v: &J) -> J {
    match v {
        J::Array(items) => {
            let mut items: Vec<J> = items.iter().map(normalise).collect();
            items.sort_by_cached_key(canonical);
            J::Array(items)
        }
        J::Object(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), normalise(v))).collect()),
        other => other.clone(),
    }
}

fn canonical(v: &J) -> String {
    match v {
        J::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| format!("{}:{}", J::String((*k).clone()), canonical(&m[*k])))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        J::Array(items) => format!(
            "[{}]",
            items.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        J::Number(n) => n.as_f64().map_or_else(|| n.to_string(), |f| f.to_string()),
        other => other.to_string(),
    }
}

fn same(a: &J, b: &J) -> bool {
    canonical(a) == canonical(b)
}

/// The first difference between `got` and `want` (both normalised), as a short group name.
fn first_difference(got: &J, want: &J) -> String {
    let (Some(g), Some(w)) = (got["Resources"].as_object(), want["Resources"].as_object()) else {
        return "no Resources".into();
    };
    for (id, wr) in w {
        let ty = wr["Type"].as_str().unwrap_or("?");
        let Some(gr) = g.get(id) else {
            return format!("missing {ty}");
        };
        if !same(gr, wr) {
            for key in [
                "Type",
                "Properties",
                "DependsOn",
                "Condition",
                "DeletionPolicy",
                "UpdatePolicy",
                "Metadata",
            ] {
                if !same(&gr[key], &wr[key]) {
                    if key == "Properties" {
                        let (gp, wp) = (&gr[key], &wr[key]);
                        let mut names: Vec<&String> = wp
                            .as_object()
                            .map(|m| m.keys().collect())
                            .unwrap_or_default();
                        names.extend(
                            gp.as_object()
                                .map(|m| m.keys().collect::<Vec<_>>())
                                .unwrap_or_default(),
                        );
                        for p in names {
                            if !same(&gp[p], &wp[p]) {
                                return format!("{ty}.{p}");
                            }
                        }
                    }
                    return format!("{ty} {key}");
                }
            }
            return format!("{ty} other attribute");
        }
    }
    for (id, gr) in g {
        if !w.contains_key(id) {
            return format!("extra {}", gr["Type"].as_str().unwrap_or("?"));
        }
    }
    "outside Resources".into()
}

enum Outcome {
    Exact,
    Differs(String),
    Rejected(String),
    ErrorOk(bool, String),
    ErrorMissed,
}

fn run(dir: &Path, name: &str) -> Outcome {
    let text =
        std::fs::read_to_string(dir.join("input").join(format!("{name}.yaml"))).expect("input");
    let want: J = serde_json::from_str(
        &std::fs::read_to_string(dir.join("output").join(format!("{name}.json"))).expect("output"),
    )
    .expect("expected output is JSON");
    let mut sources = SourceMap::new();
    let file = sources.add(format!("{name}.yaml"), text.as_str());
    let loaded = load_text(file, &text, Format::Yaml, &Limits::default());
    let error_case = name.starts_with("error_");
    let Some(doc) = loaded.document else {
        let first = loaded
            .diagnostics
            .first()
            .map(|d| d.message.clone())
            .unwrap_or_default();
        return if error_case {
            Outcome::ErrorOk(false, "rejected by the loader".into())
        } else {
            Outcome::Rejected(format!("load: {first}"))
        };
    };
    let mut options = options();
    // The translator's own test runs this case with `passthrough_metadata` (the corpus README).
    options.sam_passthrough_metadata = name == "translate_convert_metadata";
    let result = expand(&with_transform(doc), &sources, &options);
    match (result, error_case) {
        (Ok(_), true) => Outcome::ErrorMissed,
        (Err(d), true) => {
            if d.iter().all(|d| !d.is_error()) {
                return Outcome::ErrorMissed;
            }
            let message = sam::reference_message(&d).unwrap_or_default();
            let expected = want["errorMessage"].as_str().unwrap_or_default();
            Outcome::ErrorOk(message == expected, message)
        }
        (Err(d), false) => {
            let first = d.first().map(|d| d.message.clone()).unwrap_or_default();
            // Group by what was refused, not by which resource.
            let what = first.split_once(": ").map_or(first.as_str(), |(_, w)| w);
            Outcome::Rejected(what.chars().take(90).collect())
        }
        (Ok(out), false) => {
            if std::env::var("SAM_DUMP").is_ok_and(|n| n == name) {
                let _ = std::fs::write(
                    root().join("target/sam-dump.json"),
                    emit::to_json(&out.root),
                );
            }
            let got = normalise(&emit::to_serde(&out.root));
            let want = normalise(&want);
            if same(&got, &want) {
                Outcome::Exact
            } else {
                Outcome::Differs(first_difference(&got, &want))
            }
        }
    }
}

#[test]
fn sam_translator_cases() {
    let dir = root().join("../shared/corpus/sam");
    let Ok(entries) = std::fs::read_dir(dir.join("input")) else {
        println!(
            "sam conformance: ../shared/corpus/sam is absent; the SAM conformance test was skipped"
        );
        return;
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".yaml"))
                .map(str::to_owned)
        })
        .collect();
    names.sort();
    let (mut cases, mut transformed, mut exact, mut errors, mut rejected, mut right) =
        (0, 0, 0, 0, 0, 0);
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut report = String::new();
    for name in &names {
        let outcome = run(&dir, name);
        let line = match &outcome {
            Outcome::Exact => "exact".to_owned(),
            Outcome::Differs(g) => format!("differs: {g}"),
            Outcome::Rejected(m) => format!("rejected: {m}"),
            Outcome::ErrorOk(ok, m) => format!(
                "error rejected (message {}): {m}",
                if *ok { "right" } else { "wrong" }
            ),
            Outcome::ErrorMissed => "error not rejected".to_owned(),
        };
        report.push_str(&format!("{name}: {line}\n"));
        match outcome {
            Outcome::Exact => {
                cases += 1;
                transformed += 1;
                exact += 1;
            }
            Outcome::Differs(g) => {
                cases += 1;
                transformed += 1;
                groups
                    .entry(format!("differs: {g}"))
                    .or_default()
                    .push(name.clone());
            }
            Outcome::Rejected(m) => {
                cases += 1;
                let key: String = m.chars().take(70).collect();
                groups
                    .entry(format!("rejected: {key}"))
                    .or_default()
                    .push(name.clone());
            }
            Outcome::ErrorOk(ok, _) => {
                errors += 1;
                rejected += 1;
                right += usize::from(ok);
            }
            Outcome::ErrorMissed => {
                errors += 1;
                groups
                    .entry("error case not rejected".into())
                    .or_default()
                    .push(name.clone());
            }
        }
    }
    let summary = format!(
        "sam conformance: transformed {transformed}/{cases}, exact {exact}/{cases}, errors rejected {rejected}/{errors} (right message {right})"
    );
    println!("{summary}");
    let mut sorted: Vec<(&String, &Vec<String>)> = groups.iter().collect();
    sorted.sort_by_key(|(_, v)| std::cmp::Reverse(v.len()));
    for (group, members) in sorted {
        let shown: Vec<&str> = members.iter().take(4).map(String::as_str).collect();
        println!(
            "  {:4} {group}: {}{}",
            members.len(),
            shown.join(", "),
            if members.len() > 4 { ", ..." } else { "" }
        );
    }
    let _ = std::fs::write(
        root().join("target/conformance-sam.txt"),
        format!("{summary}\n{report}"),
    );
    assert!(
        transformed >= MIN_TRANSFORMED,
        "{summary}: fewer transformed than {MIN_TRANSFORMED}"
    );
    assert!(
        exact >= MIN_EXACT,
        "{summary}: fewer exact than {MIN_EXACT}"
    );
    assert!(
        rejected >= MIN_REJECTED,
        "{summary}: fewer rejected than {MIN_REJECTED}"
    );
    assert!(
        right >= MIN_RIGHT_MESSAGE,
        "{summary}: fewer right messages than {MIN_RIGHT_MESSAGE}"
    );
}

/// The representative application validates, renders its expanded template and applies to the mock cloud.
#[test]
fn a_sam_application_validates_renders_and_applies() {
    let dir = std::env::temp_dir().join(format!("cairn-sam-app-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    let state = dir.join("state.db").display().to_string();
    let cairn = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_cairn"))
            .current_dir(root())
            .env("NO_COLOR", "1")
            .args(["--state", state.as_str()])
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("cairn runs")
    };
    let fixture = "tests/fixtures/sam/app.yaml";
    let out = cairn(&["validate", fixture]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cairn(&["render", fixture, "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rendered: J = serde_json::from_slice(&out.stdout).expect("json");
    let resources = rendered["Resources"].as_object().expect("resources");
    assert_eq!(
        resources["ServerlessRestApi"]["Type"],
        "AWS::ApiGateway::RestApi"
    );
    assert_eq!(
        resources["CreateOrderAliaslive"]["Type"],
        "AWS::Lambda::Alias"
    );
    assert_eq!(
        resources["Fulfilment"]["Type"],
        "AWS::StepFunctions::StateMachine"
    );
    assert!(rendered.get("Transform").is_none() && rendered.get("Globals").is_none());
    let out = cairn(&[
        "apply",
        "orders",
        "-t",
        fixture,
        "--yes",
        "--mock-latency",
        "0",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("CREATE_COMPLETE"));
    let _ = std::fs::remove_dir_all(&dir);
}
