//! Conformance against AWS's own `AWS::LanguageExtensions` templates (`../shared/corpus/langext`, every
//! case described in `cases.json`). Each case runs `transform::expand` on its input (text substitutions
//! applied, parameters and pseudo parameters given as the case says, plus its extra runs) and checks the
//! outcome: failure when `expect_error` is true; otherwise success, the output equal to the expected file
//! (as JSON values, key order ignored; the whole document or the sub-tree `compare` names), and the case's
//! assertions. Cases whose outcome upstream never established (`expect_error: null`) only have to run.
//!
//! Every case must pass except the listed ones, a list that may only shrink, and the number that pass may
//! only go up. The rates (all cases, the `Fn::ForEach` cases of `forEach/`, the others) are printed and
//! written to `target/conformance-langext.txt`.
//!
//! Upstream's driver hands every input to the processor whatever its `Transform` says (many say
//! `LanguageExtensionsDev`, AWS's name for a development build, or nothing), so each input here declares
//! `AWS::LanguageExtensions` before `expand` runs, and gets its own `Transform` back before comparing.

use std::path::Path;

use cairn::source::{Document, Format, Limits, Mapping, Node, NodeKind, SourceMap, load_text};
use cairn::transform::{ExpandOptions, LANGUAGE_EXTENSIONS, expand};
use serde_json::Value as J;

use crate::root;

/// The number of cases that pass (`Fn::ForEach` ones included); it may only go up.
const MIN_PASSED: usize = 118;

/// Cases that do not pass yet, and why.
const KNOWN_FAILURES: &[(&str, &str)] = &[
    (
        "forEach/conditions/fnForEachWithCollectionWithNumericValues",
        "expects `[1, 2]` refused while fnForEachPrimitiveTypesTest expands `[1, true]`; no documented rule tells them apart (upstream never runs it)",
    ),
    (
        "forEach/outputs/fnForEachWithCollectionWithNumericValues",
        "expects `[1, 2]` refused while fnForEachPrimitiveTypesTest expands `[1, true]`; no documented rule tells them apart (upstream never runs it)",
    ),
];

enum Outcome {
    /// With the first diagnostic when the case expects the transform to fail.
    Pass(Option<String>),
    Fail(String),
    /// The expected outcome is unknown; the case ran (`true`: the transform succeeded).
    Unknown(bool),
}

#[test]
fn langext_corpus() {
    let dir = root().join("../shared/corpus/langext");
    let Ok(text) = std::fs::read_to_string(dir.join("cases.json")) else {
        println!(
            "conformance: ../shared/corpus/langext/cases.json is absent; the LanguageExtensions conformance test was skipped"
        );
        return;
    };
    let cases: J = serde_json::from_str(&text).expect("cases.json is JSON");
    let cases = cases["cases"].as_array().expect("a `cases` list");
    let (mut passed, mut total, mut for_each, mut for_each_passed) = (0, 0, 0, 0);
    let mut failures: Vec<(String, String)> = Vec::new();
    let mut report = String::new();
    for case in cases {
        let name = case["name"].as_str().expect("a case name");
        let outcome = run_case(&dir, case);
        let (verdict, reason) = match &outcome {
            Outcome::Pass(note) => ("pass", note.clone().unwrap_or_default()),
            Outcome::Fail(r) => ("FAIL", r.clone()),
            Outcome::Unknown(ok) => (
                "unknown",
                format!(
                    "expected outcome unknown; {}",
                    if *ok { "succeeded" } else { "failed" }
                ),
            ),
        };
        report.push_str(&format!("{verdict:7} {name} {reason}\n"));
        if name.starts_with("forEach/") && !matches!(outcome, Outcome::Unknown(_)) {
            for_each += 1;
            for_each_passed += usize::from(matches!(outcome, Outcome::Pass(_)));
        }
        match outcome {
            Outcome::Pass(_) => {
                passed += 1;
                total += 1;
            }
            Outcome::Fail(r) => {
                total += 1;
                failures.push((name.to_owned(), r));
            }
            Outcome::Unknown(_) => {}
        }
    }
    let summary = format!(
        "langext conformance: {passed}/{total} cases pass ({:.1}%): {for_each_passed}/{for_each} Fn::ForEach cases, {}/{} others\n",
        100.0 * passed as f64 / total.max(1) as f64,
        passed - for_each_passed,
        total - for_each,
    );
    println!("{summary}{report}");
    let out = root().join("target");
    std::fs::create_dir_all(&out).expect("target dir");
    std::fs::write(
        out.join("conformance-langext.txt"),
        format!("{summary}{report}"),
    )
    .expect("write the conformance report");

    let unexpected: Vec<String> = failures
        .iter()
        .filter(|(n, _)| !KNOWN_FAILURES.iter().any(|(k, _)| k == n))
        .map(|(n, r)| format!("{n}: {r}"))
        .collect();
    assert!(
        unexpected.is_empty(),
        "cases that fail:\n{}",
        unexpected.join("\n")
    );
    let fixed: Vec<&str> = KNOWN_FAILURES
        .iter()
        .filter(|(k, _)| !failures.iter().any(|(n, _)| n == k))
        .map(|(k, _)| *k)
        .collect();
    assert!(
        fixed.is_empty(),
        "these cases pass now, remove them from KNOWN_FAILURES: {fixed:?}"
    );
    assert!(
        passed >= MIN_PASSED,
        "{passed} cases pass, fewer than {MIN_PASSED}"
    );
}

fn run_case(dir: &Path, case: &J) -> Outcome {
    let input = case["input"].as_str().expect("an input path");
    let mut text = std::fs::read_to_string(dir.join(input)).expect("the input file");
    for (from, to) in case["substitutions"].as_object().into_iter().flatten() {
        text = text.replace(from, to.as_str().expect("a substitution text"));
    }
    let format = if input.ends_with(".json") {
        Format::Json
    } else {
        Format::Yaml
    };
    let mut sources = SourceMap::new();
    let file = sources.add(input, text.as_str());
    let loaded = load_text(file, &text, format, &Limits::default());
    let Some(doc) = loaded.document else {
        return match case["expect_error"].as_bool() {
            Some(true) => {
                Outcome::Pass(Some(format!("rejected: {}", loaded.diagnostics[0].message)))
            }
            Some(false) => {
                Outcome::Fail(format!("does not load: {}", loaded.diagnostics[0].message))
            }
            None => Outcome::Unknown(false),
        };
    };
    let original_transform = json(&doc.root).get("Transform").cloned();
    let doc = declaring_the_transform(doc);
    let mut runs = vec![(&case["parameters"], &case["expect_error"], true)];
    for extra in case["extra_runs"].as_array().into_iter().flatten() {
        runs.push((&extra["parameters"], &extra["expect_error"], false));
    }
    let mut note = None;
    for (parameters, expect_error, main) in runs {
        let options = options(parameters, &case["pseudo_parameters"]);
        let result = expand(&doc, &sources, &options);
        let output = match (result, expect_error.as_bool()) {
            (Ok(_), Some(true)) => {
                return Outcome::Fail("the transform succeeded; an error was expected".into());
            }
            (Err(e), Some(true)) => {
                note = Some(format!("rejected: {} ({})", e[0].message, e[0].code));
                continue;
            }
            (Err(e), Some(false)) => {
                return Outcome::Fail(format!(
                    "unexpected error: {} ({})",
                    e[0].message, e[0].code
                ));
            }
            (r, None) => return Outcome::Unknown(r.is_ok()),
            (Ok(out), Some(false)) => out,
        };
        let mut output = json(&output.root);
        match &original_transform {
            Some(t) => output["Transform"] = t.clone(),
            None => {
                output
                    .as_object_mut()
                    .expect("a mapping")
                    .remove("Transform");
            }
        }
        if main && let Err(reason) = check_output(dir, case, &output) {
            return Outcome::Fail(reason);
        }
    }
    Outcome::Pass(note)
}

/// The expected file (or the sub-tree `compare` names) and the assertions.
fn check_output(dir: &Path, case: &J, output: &J) -> Result<(), String> {
    if let (Some(expected), Some(keys)) = (case["expected"].as_str(), case["compare"].as_array()) {
        let text = std::fs::read_to_string(dir.join(expected)).expect("the expected file");
        let expected: J = serde_json::from_str(&text).expect("the expected file is JSON");
        let keys: Vec<&str> = keys.iter().filter_map(J::as_str).collect();
        let (want, got) = (at(&expected, &keys), at(output, &keys));
        if want != got {
            return Err(format!(
                "output differs from {expected_name} at /{path}: got {got}",
                expected_name = case["expected"],
                path = keys.join("/"),
                got = got.map_or("nothing".to_owned(), |g| g.to_string())
            ));
        }
    }
    for a in case["assertions"].as_array().into_iter().flatten() {
        let path: Vec<&str> = a["path"]
            .as_array()
            .expect("a path")
            .iter()
            .filter_map(J::as_str)
            .collect();
        let got = at(output, &path);
        let ok = match (a.get("equals"), a.get("contains").and_then(J::as_str)) {
            (Some(want), _) => got == Some(want),
            (None, Some(part)) => got.and_then(J::as_str).is_some_and(|s| s.contains(part)),
            _ => panic!("an assertion without `equals` or `contains`: {a}"),
        };
        if !ok {
            return Err(format!(
                "assertion {a} failed: got {}",
                got.map_or("nothing".to_owned(), |g| g.to_string())
            ));
        }
    }
    Ok(())
}

fn at<'j>(v: &'j J, keys: &[&str]) -> Option<&'j J> {
    keys.iter().try_fold(v, |v, k| v.get(k))
}

fn options(parameters: &J, pseudo: &J) -> ExpandOptions {
    let mut o = ExpandOptions::default();
    for (k, v) in parameters.as_object().into_iter().flatten() {
        let text = match v {
            J::String(s) => s.clone(),
            J::Array(items) => items.iter().map(text_of).collect::<Vec<_>>().join(","),
            other => text_of(other),
        };
        o.parameters.insert(k.clone(), text);
    }
    let p = &mut o.pseudo;
    for (k, v) in pseudo.as_object().into_iter().flatten() {
        let text = Some(text_of(v));
        match k.as_str() {
            "AWS::Region" => p.region = text,
            "AWS::AccountId" => p.account_id = text,
            "AWS::StackName" => p.stack_name = text,
            "AWS::StackId" => p.stack_id = text,
            "AWS::Partition" => p.partition = text,
            "AWS::URLSuffix" => p.url_suffix = text,
            "AWS::NotificationARNs" => {
                p.notification_arns = v.as_array().map(|a| a.iter().map(text_of).collect());
            }
            other => panic!("unknown pseudo parameter `{other}` in cases.json"),
        }
    }
    o
}

fn text_of(v: &J) -> String {
    match v {
        J::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The document with `Transform: AWS::LanguageExtensions` (replacing whatever it declared).
fn declaring_the_transform(doc: Document) -> Document {
    let Node { span, kind } = doc.root;
    let NodeKind::Map(m) = kind else {
        return Document {
            root: Node { span, kind },
        };
    };
    let name = Node::new(span, NodeKind::String(LANGUAGE_EXTENSIONS.to_owned()));
    let mut out = Mapping::with_capacity(m.len() + 1);
    let _ = out.insert("Transform".to_owned(), span, name);
    for (k, e) in m.into_entries().filter(|(k, _)| k != "Transform") {
        let _ = out.insert(k, e.key_span, e.value);
    }
    Document {
        root: Node::new(span, NodeKind::Map(out)),
    }
}

/// The node as JSON, numbers read from their lexeme.
fn json(n: &Node) -> J {
    match &n.kind {
        NodeKind::Null => J::Null,
        NodeKind::Bool(b) => J::Bool(*b),
        NodeKind::Number(t) => serde_json::from_str(t).unwrap_or_else(|_| J::String(t.clone())),
        NodeKind::String(s) => J::String(s.clone()),
        NodeKind::Seq(items) => J::Array(items.iter().map(json).collect()),
        NodeKind::Map(m) => J::Object(
            m.iter()
                .map(|(k, e)| (k.to_owned(), json(&e.value)))
                .collect(),
        ),
    }
}
