//! Conformance against rain's own module golden tests (`../shared/corpus/modules/rain`, every case listed in
//! its `cases.json`). Each case loads its input, runs `transform::prepare` with the case folder as the project
//! root, and compares the result with the expected file structurally (as JSON values, mapping key order
//! ignored). Cases that expect an error must be refused; an empty expected file (a case upstream never runs,
//! whose module references a parameter that is never given) counts as an expected error too.
//!
//! The number of passing cases may only go up; it is printed with the failing cases and their reasons.

use std::path::Path;

use cairn::source::{Limits, SourceMap, emit, load_file};
use cairn::transform::{ProjectOptions, prepare};
use serde_json::Value as J;

use crate::root;

/// The number of cases that pass; it may only go up.
const MIN_PASSED: usize = 49;

/// Cases that do not pass, and why.
const KNOWN_FAILURES: &[(&str, &str)] = &[
    (
        "constant2",
        "rain turns `!Sub ${!leavemealone}` into the plain text `${!leavemealone}`, which changes its value (CloudFormation's `Fn::Sub` gives `${leavemealone}`); Cairn leaves the `Fn::Sub`",
    ),
    (
        "test",
        "the template uses the tag `!Equals:` (with a colon), which is no CloudFormation tag; the loader refuses it",
    ),
];

#[test]
fn rain_modules_corpus() {
    let dir = root().join("../shared/corpus/modules/rain");
    let Ok(text) = std::fs::read_to_string(dir.join("cases.json")) else {
        println!(
            "modules conformance: ../shared/corpus/modules/rain/cases.json is absent; the test was skipped"
        );
        return;
    };
    let cases: J = serde_json::from_str(&text).expect("cases.json is JSON");
    let cases = cases["cases"].as_array().expect("a `cases` list");
    let mut passed = 0;
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().expect("a case name");
        match run_case(&dir, case) {
            Ok(()) => passed += 1,
            Err(reason) => {
                let known = KNOWN_FAILURES.iter().find(|(n, _)| *n == name);
                let why = known.map_or(reason, |(_, why)| format!("known: {why}"));
                failures.push(format!("  {name}: {why}"));
            }
        }
    }
    println!(
        "modules conformance: {passed}/{} pass\n{}",
        cases.len(),
        failures.join("\n")
    );
    assert!(
        passed >= MIN_PASSED,
        "modules conformance went down: {passed} < {MIN_PASSED}"
    );
}

fn run_case(dir: &Path, case: &J) -> Result<(), String> {
    let input = dir.join(case["input"].as_str().ok_or("no input")?);
    let expected = case["expected"].as_str().map(|e| dir.join(e));
    let expected_text = expected
        .as_ref()
        .map(|p| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display())))
        .transpose()?;
    let expect_error = case["expect_error"].as_bool() == Some(true)
        || expected_text
            .as_deref()
            .is_some_and(|t| t.trim().is_empty());
    let mut sources = SourceMap::new();
    let loaded = load_file(&input, &mut sources, &Limits::default());
    let Some(doc) = loaded.document else {
        return Err(format!(
            "input does not load: {}",
            first(&loaded.diagnostics)
        ));
    };
    let options = ProjectOptions {
        project_root: Some(dir.to_path_buf()),
        ..ProjectOptions::default()
    };
    let result = prepare(doc, &mut sources, &options);
    match (result, expect_error) {
        (Err(_), true) => Ok(()),
        (Ok(_), true) => Err("expected an error, got a template".into()),
        (Err(ds), false) => Err(format!("refused: {}", first(&ds))),
        (Ok(out), false) => {
            let path = expected.ok_or("no expected file")?;
            let mut esources = SourceMap::new();
            let want = load_file(&path, &mut esources, &Limits::default());
            let want = want.document.ok_or("expected file does not load")?;
            let (got, want) = (emit::to_serde(&out.root), emit::to_serde(&want.root));
            if got == want {
                Ok(())
            } else {
                Err(format!(
                    "differs\n    got:  {}\n    want: {}",
                    serde_json::to_string(&got).unwrap_or_default(),
                    serde_json::to_string(&want).unwrap_or_default()
                ))
            }
        }
    }
}

fn first(ds: &[cairn::source::Diagnostic]) -> String {
    ds.first()
        .map(|d| format!("{} {}", d.code, d.message))
        .unwrap_or_default()
}

/// A project using modules validates, and renders with the modules expanded.
#[test]
fn a_project_with_modules_validates_and_renders_expanded() {
    let out = crate::Cairn::new()
        .args(["validate", "tests/fixtures/modules/app.yaml"])
        .run();
    assert!(out.status.success(), "{}", crate::stdout(&out));
    let out = crate::Cairn::new()
        .args(["render", "tests/fixtures/modules/app.yaml"])
        .run();
    assert!(out.status.success());
    insta::assert_snapshot!("modules_app_rendered", crate::stdout(&out));
}

/// Errors point at the use site, or into the module file with a label at the use site.
#[test]
fn module_errors_point_into_the_right_file() {
    let out = crate::Cairn::new()
        .args(["validate", "tests/fixtures/modules/bad_property.yaml"])
        .run();
    assert_eq!(out.status.code(), Some(1));
    let text = crate::stdout(&out);
    assert!(
        text.contains("error[E6205]: module `Logs` has no parameter `Nam`"),
        "{text}"
    );
    assert!(
        text.contains("--> tests/fixtures/modules/bad_property.yaml:5:7"),
        "{text}"
    );
    assert!(text.contains("error[E6207]"), "{text}");
    assert!(
        text.contains("tests/fixtures/modules/modules/bucket.yaml:4:5"),
        "{text}"
    );

    let out = crate::Cairn::new()
        .args(["validate", "tests/fixtures/modules/bad_missing.yaml"])
        .run();
    assert_eq!(out.status.code(), Some(1));
    let text = crate::stdout(&out);
    assert!(
        text.contains("error[E6206]: module parameter `Name` has no value"),
        "{text}"
    );
    assert!(
        text.contains("--> tests/fixtures/modules/modules/bucket.yaml:15:19"),
        "{text}"
    );
    assert!(text.contains("module `Logs` used here"), "{text}");
}

/// A `.j2` snippet of the library as a module source: Properties are its inputs.
#[test]
fn a_snippet_is_a_module_source() {
    let out = crate::Cairn::new()
        .args(["render", "tests/fixtures/modules/snippet_module.yaml"])
        .run();
    assert!(out.status.success(), "{}", crate::stdout(&out));
    let text = crate::stdout(&out);
    assert!(
        text.contains("  WorkJobs:\n    Type: AWS::SQS::Queue"),
        "{text}"
    );
    assert!(text.contains("  WorkJobsDeadLetterQueue:"), "{text}");
    assert!(text.contains("maxReceiveCount: 3"), "{text}");
    let out = crate::Cairn::new()
        .args(["validate", "tests/fixtures/modules/bad_snippet_input.yaml"])
        .run();
    assert_eq!(out.status.code(), Some(1));
    let text = crate::stdout(&out);
    assert!(text.contains("error[E6109]: unknown input `nme`"), "{text}");
    assert!(text.contains("module `Work` used here"), "{text}");
}
