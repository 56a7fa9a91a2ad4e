//! Fixture tests: every `good/` template validates with no diagnostic; every `bad/` template reports
//! exactly the diagnostics its lines announce with `# ERROR: CODE` / `# WARNING: CODE` comments, and its
//! rendered text and JSON output match the snapshots.

use std::path::Path;

use cairn::validate::{Options, validate_paths};

use crate::{Cairn, fixture_files, root, stdout};

fn relative(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}

/// `(line, code)` pairs announced by the fixture's comments, or for JSON (which has no comments) by the
/// lines `LINE CODE` of a sibling `NAME.json.expect` file.
fn expected(path: &Path, text: &str) -> Vec<(usize, String)> {
    let mut v = Vec::new();
    let sidecar = path.with_extension("json.expect");
    if path.extension().is_some_and(|e| e == "json") {
        let s = std::fs::read_to_string(&sidecar).unwrap_or_default();
        for l in s.lines().filter(|l| !l.trim().is_empty()) {
            let (line, code) = l.split_once(' ').expect("`LINE CODE`");
            v.push((line.parse().expect("line number"), code.trim().to_owned()));
        }
        v.sort();
        return v;
    }
    for (i, line) in text.lines().enumerate() {
        for marker in ["# ERROR:", "# WARNING:"] {
            if let Some(pos) = line.find(marker) {
                for code in line[pos + marker.len()..].split(',') {
                    v.push((i + 1, code.trim().to_owned()));
                }
            }
        }
    }
    v.sort();
    v
}

#[test]
fn good_templates_have_no_diagnostics() {
    let files = fixture_files(&root().join("tests/fixtures/validate/good"));
    assert!(files.len() >= 5);
    for f in files {
        let report = validate_paths(std::slice::from_ref(&f), &Options::default());
        let found: Vec<String> = report
            .diagnostics
            .iter()
            .map(|d| format!("{} {}", d.code, d.message))
            .collect();
        assert!(found.is_empty(), "{}: {found:#?}", f.display());
    }
}

#[test]
fn bad_templates_report_exactly_the_marked_diagnostics() {
    let files: Vec<_> = fixture_files(&root().join("tests/fixtures/validate/bad"))
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e != "expect"))
        .collect();
    assert!(files.len() >= 10);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        let want = expected(&f, &text);
        assert!(!want.is_empty(), "{} marks no diagnostic", f.display());
        let report = validate_paths(std::slice::from_ref(&f), &Options::default());
        let mut got: Vec<(usize, String)> = report
            .diagnostics
            .iter()
            .map(|d| (report.sources.start(d.span).line, d.code.to_owned()))
            .collect();
        got.sort();
        assert_eq!(got, want, "{}", f.display());
    }
}

#[test]
fn rendered_diagnostics_match_snapshots() {
    for f in fixture_files(&root().join("tests/fixtures/validate/bad")) {
        if f.extension().is_some_and(|e| e == "expect") {
            continue;
        }
        let name = f.file_name().unwrap().to_string_lossy().replace('.', "_");
        let rel = relative(&f);
        let text = stdout(&Cairn::new().args(["validate", &rel]).run());
        insta::assert_snapshot!(format!("{name}.text"), text);
        let json = stdout(
            &Cairn::new()
                .args(["--output", "json", "validate", &rel])
                .run(),
        );
        insta::assert_snapshot!(format!("{name}.json"), json);
    }
}

#[test]
fn sarif_output_is_sarif_2_1_0() {
    let out = Cairn::new()
        .args([
            "validate",
            "--output",
            "sarif",
            "tests/fixtures/validate/bad/references.yaml",
        ])
        .run();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    assert_eq!(v["version"], "2.1.0");
    let results = v["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 10);
    let first = &results[0];
    assert_eq!(first["ruleId"], "E2005");
    assert_eq!(
        first["locations"][0]["physicalLocation"]["region"]["startLine"],
        11
    );
    assert_eq!(
        first["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "/Resources/Bucket/Condition"
    );
}

#[test]
fn json_output_carries_positions_and_template_paths() {
    let out = Cairn::new()
        .args([
            "validate",
            "--output",
            "json",
            "tests/fixtures/validate/bad/references.yaml",
        ])
        .run();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let d = &v["diagnostics"][1];
    assert_eq!(d["code"], "E2001");
    assert_eq!(d["path"], "/Resources/Bucket/Properties/BucketName/Ref");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(13), Some(24))
    );
    assert_eq!(
        (d["end_line"].as_u64(), d["end_column"].as_u64()),
        (Some(13), Some(27))
    );
    assert_eq!(v["summary"]["errors"], 10);
}

#[test]
fn text_output_is_capped() {
    let out = Cairn::new()
        .args([
            "validate",
            "--max-diagnostics",
            "2",
            "tests/fixtures/validate/bad/functions.yaml",
        ])
        .run();
    let text = stdout(&out);
    assert_eq!(text.matches("error[").count(), 2);
    assert!(text.contains("and 13 more not shown"), "{text}");
}

#[test]
fn strict_turns_stacked_tags_into_an_error() {
    let file = "tests/fixtures/validate/bad/stacked_tags.yaml";
    assert!(Cairn::new().args(["validate", file]).run().status.success());
    let out = Cairn::new().args(["validate", "--strict", file]).run();
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("error[W0001]"));
}
