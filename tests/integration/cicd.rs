//! AppSpec and buildspec files: every `good/` file checks clean; every `bad/` file reports exactly the
//! diagnostics its lines announce with `# ERROR: CODE` / `# WARNING: CODE`, and its rendered text matches
//! the snapshot; `appspec order` output is pinned per platform and deployment type.

use std::path::Path;

use cairn::cicd::FileKind;
use cairn::validate::{Options, validate_paths};

use crate::{Cairn, fixture_files, root, stdout};

fn options(kind: FileKind) -> Options {
    Options {
        kind: Some(kind),
        ..Options::default()
    }
}

/// `(line, code)` pairs announced by the file's comments.
fn expected(text: &str) -> Vec<(usize, String)> {
    let mut v = Vec::new();
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

fn relative(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}

fn check_folder(folder: &str, kind: FileKind, flag: &str) {
    for f in fixture_files(&root().join(folder).join("good")) {
        let report = validate_paths(std::slice::from_ref(&f), &options(kind));
        let found: Vec<String> = report
            .diagnostics
            .iter()
            .map(|d| format!("{} {}", d.code, d.message))
            .collect();
        assert!(found.is_empty(), "{}: {found:#?}", f.display());
    }
    let bad = fixture_files(&root().join(folder).join("bad"));
    assert!(bad.len() >= 4, "{folder}: too few bad fixtures");
    for f in bad {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        let want = expected(&text);
        assert!(!want.is_empty(), "{} marks no diagnostic", f.display());
        let report = validate_paths(std::slice::from_ref(&f), &options(kind));
        let mut got: Vec<(usize, String)> = report
            .diagnostics
            .iter()
            .map(|d| (report.sources.start(d.span).line, d.code.to_owned()))
            .collect();
        got.sort();
        assert_eq!(got, want, "{}", f.display());
        let name = format!(
            "{folder}_{}",
            f.file_name().unwrap().to_string_lossy().replace('.', "_")
        )
        .replace("tests/fixtures/", "")
        .replace('/', "_");
        let rel = relative(&f);
        let out = Cairn::new().args(["validate", "--kind", flag, &rel]).run();
        assert_eq!(
            out.status.code(),
            Some(if report.diagnostics.has_errors() {
                1
            } else {
                0
            })
        );
        insta::assert_snapshot!(name, stdout(&out));
    }
}

#[test]
fn appspec_fixtures_report_exactly_the_marked_diagnostics() {
    check_folder("tests/fixtures/appspec", FileKind::AppSpec, "appspec");
}

#[test]
fn buildspec_fixtures_report_exactly_the_marked_diagnostics() {
    check_folder("tests/fixtures/buildspec", FileKind::Buildspec, "buildspec");
}

#[test]
fn files_are_recognised_by_name() {
    let good = Cairn::new()
        .args([
            "validate",
            "examples/appspec/appspec.yml",
            "examples/appspec/buildspec.yml",
        ])
        .run();
    assert!(good.status.success(), "{}", stdout(&good));
    assert!(stdout(&good).contains("2 files validated, no problems found"));
    let bad = Cairn::new()
        .args([
            "--output",
            "json",
            "validate",
            "examples/appspec/broken/appspec.yml",
        ])
        .run();
    assert_eq!(bad.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&bad.stdout).expect("JSON output");
    let codes: Vec<&str> = v["diagnostics"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert!(
        codes
            .iter()
            .all(|c| c.starts_with("E80") || c.starts_with("W80")),
        "{codes:?}"
    );
}

#[test]
fn sarif_names_the_appspec_rules() {
    let out = Cairn::new()
        .args([
            "--output",
            "sarif",
            "validate",
            "examples/appspec/broken/appspec.yml",
        ])
        .run();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    let result = &v["runs"][0]["results"][0];
    let index = result["ruleIndex"].as_u64().expect("a known rule") as usize;
    assert_eq!(
        v["runs"][0]["tool"]["driver"]["rules"][index]["id"],
        result["ruleId"]
    );
}

fn order(args: &[&str]) -> String {
    let out = Cairn::new().arg("appspec").arg("order").args(args).run();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout(&out)
}

#[test]
fn order_is_pinned_per_platform_and_deployment() {
    let server = "tests/fixtures/appspec/good/server_linux.yaml";
    insta::assert_snapshot!("order_server_in_place", order(&[server]));
    insta::assert_snapshot!(
        "order_server_blue_green",
        order(&[server, "--deployment", "blue-green"])
    );
    insta::assert_snapshot!(
        "order_lambda",
        order(&["tests/fixtures/appspec/good/lambda.yaml"])
    );
    insta::assert_snapshot!(
        "order_ecs_json",
        order(&["--output", "json", "tests/fixtures/appspec/good/ecs.yaml"])
    );
}

#[test]
fn order_refuses_what_codedeploy_cannot_do() {
    let in_place = Cairn::new()
        .args([
            "appspec",
            "order",
            "tests/fixtures/appspec/good/lambda.yaml",
            "--deployment",
            "in-place",
        ])
        .run();
    assert_eq!(in_place.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&in_place.stderr).contains("blue/green only"));
    let broken = Cairn::new()
        .args([
            "appspec",
            "order",
            "tests/fixtures/appspec/bad/server_events.yaml",
        ])
        .run();
    assert_eq!(broken.status.code(), Some(1));
    assert!(broken.stdout.is_empty());
    assert!(String::from_utf8_lossy(&broken.stderr).contains("error[E8007]"));
}
