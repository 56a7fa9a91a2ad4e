//! `cairn fmt`: snapshots of the fixtures in `tests/fixtures/fmt` (YAML fixtures as they are, JSON ones with
//! `--format yaml`); idempotence and round trip of both writers on every YAML and JSON file of
//! `tests/fixtures` and `../shared/corpus`; the cfn-flip twins converted with `--format`; and the modes
//! (`--check`, `--write`, `--force`, comments, load errors).

use std::path::{Path, PathBuf};

use cairn::source::emit::{same_tree, to_json, to_serde, to_yaml_short};
use cairn::source::{Format, Limits, Node, SourceMap, load_any};
use serde_json::Value as J;

use crate::{Cairn, fixture_files, root, stdout};

fn relative(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn fmt_fixtures_match_snapshots() {
    for f in fixture_files(&root().join("tests/fixtures/fmt")) {
        let json = f.extension().is_some_and(|e| e == "json");
        let args: &[&str] = if json { &["--format", "yaml"] } else { &[] };
        let out = Cairn::new().arg("fmt").args(args).arg(relative(&f)).run();
        let shown = format!(
            "args: {args:?}\nexit: {}\n--- stdout\n{}--- stderr\n{}",
            out.status.code().unwrap_or(-1),
            stdout(&out),
            stderr(&out)
        );
        let name = relative(&f).replace(['/', '.'], "_");
        insta::assert_snapshot!(name, shown);
    }
}

/// Every `.yaml`, `.yml` and `.json` file under `dir`, sorted; hidden folders (held-out cases) are skipped.
fn data_files(dir: &Path, into: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.map(|e| e.expect("dir entry").path()).collect();
    paths.sort();
    for p in paths {
        let name = p.file_name().unwrap_or_default().to_string_lossy();
        if p.is_dir() && !name.starts_with('.') {
            data_files(&p, into);
        } else if ["yaml", "yml", "json"]
            .iter()
            .any(|e| p.extension().is_some_and(|x| x == *e))
        {
            into.push(p);
        }
    }
}

fn load(name: &str, text: &str, format: Format) -> Result<Node, String> {
    let mut sources = SourceMap::new();
    let f = sources.add(name, text);
    let r = load_any(f, text, format, &Limits::default());
    match r.document {
        Some(d) if !r.diagnostics.iter().any(|d| d.is_error()) => Ok(d.root),
        _ => Err(r
            .diagnostics
            .iter()
            .map(|d| d.message.clone())
            .collect::<Vec<_>>()
            .join("; ")),
    }
}

/// Formats a loaded tree both ways; returns what went wrong, if anything.
fn fmt_problem(name: &str, root: &Node) -> Option<String> {
    let yaml = to_yaml_short(root);
    let again = match load(name, &yaml, Format::Yaml) {
        Ok(n) => n,
        Err(e) => return Some(format!("the YAML output does not load: {e}\n{yaml}")),
    };
    if !same_tree(root, &again) {
        return Some(format!("the YAML output loads to another tree:\n{yaml}"));
    }
    if to_yaml_short(&again) != yaml {
        return Some("YAML formatting is not idempotent".to_owned());
    }
    let json = to_json(root);
    let again = match load(name, &json, Format::Json) {
        Ok(n) => n,
        Err(e) => return Some(format!("the JSON output does not load: {e}")),
    };
    // JSON has no `0755` numbers: they come back as strings, which `to_serde` also makes of them. Compared
    // as text, so that key order counts.
    let text = |n: &Node| serde_json::to_string(&to_serde(n)).expect("JSON values serialize");
    if text(root) != text(&again) {
        return Some("the JSON output loads to another tree".to_owned());
    }
    (to_json(&again) != json).then(|| "JSON formatting is not idempotent".to_owned())
}

#[test]
fn fmt_is_idempotent_and_round_trips_on_every_fixture_and_corpus_file() {
    let mut files = Vec::new();
    data_files(&root().join("tests/fixtures"), &mut files);
    let corpus = root().join("../shared/corpus");
    if corpus.is_dir() {
        data_files(&corpus, &mut files);
    } else {
        eprintln!("skipping ../shared/corpus: not found");
    }
    let (mut formatted, mut not_loading) = (0, 0);
    let mut problems = Vec::new();
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            not_loading += 1;
            continue;
        };
        let name = f.display().to_string();
        let Ok(root) = load(&name, &text, Format::detect(f, &text)) else {
            not_loading += 1;
            continue;
        };
        formatted += 1;
        if let Some(p) = fmt_problem(&name, &root) {
            problems.push(format!("{name}: {p}"));
        }
    }
    eprintln!(
        "fmt: {formatted} files formatted and loaded back, {not_loading} skipped (they do not load)"
    );
    assert!(formatted >= 30, "only {formatted} files loaded");
    assert!(
        problems.is_empty(),
        "{} of {formatted} files:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// cfn-flip cases that `cairn fmt --format` does not pass, and why.
const FLIP_EXCEPTIONS: &[(&str, &str)] = &[
    (
        "test-json-to-yaml-clean",
        "cfn-flip's `clean_up` rewrites `Fn::Join` into `Fn::Sub`; fmt never changes the template's meaning or shape",
    ),
    (
        "test-yaml-to-json-clean",
        "cfn-flip's `clean_up` rewrites `Fn::Join` into `Fn::Sub`; fmt never changes the template's meaning or shape",
    ),
    (
        "test-json-to-yaml-long-form",
        "the expected YAML has no tags (cfn-flip's `long_form`); fmt always uses short forms (`cairn render` writes long form)",
    ),
    (
        "json-literal-to-yaml",
        "cfn-flip turns a state machine's `DefinitionString` object into a JSON string; fmt keeps every value as it is",
    ),
    (
        "long-json-to-yaml",
        "the values match, but the case asks for cfn-flip's folded (`>-`) and double-quoted styles; fmt writes literal blocks",
    ),
];

/// Runs one cfn-flip case; `Err` says why it does not pass.
fn flip_case(dir: &Path, case: &J) -> Result<(), String> {
    let input = dir.join(case["input"].as_str().expect("input"));
    let (flag, format) = match case["operation"].as_str() {
        Some("to_yaml") => ("yaml", Format::Yaml),
        _ => ("json", Format::Json),
    };
    let out = Cairn::new()
        .args(["fmt", "--format", flag])
        .arg(&input)
        .run();
    if case["expect_error"] == J::Bool(true) {
        let reported = stderr(&out).contains("error[");
        return match (out.status.code(), reported) {
            (Some(1), true) => Ok(()),
            _ => Err("the input is not rejected with a diagnostic".to_owned()),
        };
    }
    if !out.status.success() {
        return Err(format!("fmt fails: {}", stderr(&out)));
    }
    let text = stdout(&out);
    let output = to_serde(&load("output", &text, format)?);
    if case["options"]["long_form"] == J::Bool(true)
        && text
            .lines()
            .any(|l| l.trim_start().starts_with("- !") || l.contains(": !"))
    {
        return Err("the output has short-form tags".to_owned());
    }
    if let Some(expected) = case["expected"].as_str() {
        let path = dir.join(expected);
        let want = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
        let want = to_serde(&load(expected, &want, Format::detect(&path, &want))?);
        if output != want {
            return Err("the output is not structurally equal to the twin".to_owned());
        }
    }
    for a in case["assertions"].as_array().into_iter().flatten() {
        if a["output_is_not_json"] == J::Bool(true) && serde_json::from_str::<J>(&text).is_ok() {
            return Err("the output is JSON".to_owned());
        }
        if let Some(path) = a["path"].as_array() {
            let mut v = &output;
            for k in path {
                v = &v[k.as_str().expect("key")];
            }
            if *v != a["equals"] {
                return Err(format!("{path:?} is {v}, not {}", a["equals"]));
            }
        }
        if let Some(s) = a["output_text_contains"].as_str()
            && !text.contains(s)
        {
            return Err(format!("the output does not contain `{s}`"));
        }
    }
    Ok(())
}

#[test]
fn cfn_flip_twins_convert_into_each_other() {
    let dir = root().join("../shared/corpus/flip");
    let Ok(cases) = std::fs::read_to_string(dir.join("cases.json")) else {
        eprintln!("skipping the cfn-flip cases: ../shared/corpus/flip not found");
        return;
    };
    let cases: J = serde_json::from_str(&cases).expect("cases.json");
    let cases = cases["cases"].as_array().expect("cases");
    let mut passed = 0;
    let mut unexpected = Vec::new();
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let excepted = FLIP_EXCEPTIONS.iter().any(|(n, _)| *n == name);
        match (flip_case(&dir, case), excepted) {
            (Ok(()), false) => passed += 1,
            (Err(_), true) => {}
            (Ok(()), true) => {
                unexpected.push(format!("{name} passes: remove it from the exceptions"))
            }
            (Err(e), false) => unexpected.push(format!("{name}: {e}")),
        }
    }
    eprintln!("cfn-flip: {passed} of {} cases pass", cases.len());
    assert!(unexpected.is_empty(), "{}", unexpected.join("\n"));
    assert_eq!(passed + FLIP_EXCEPTIONS.len(), cases.len());
}

/// A fresh copy of a fixture in a temporary folder.
fn scratch(fixture: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cairn-fmt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let to = dir.join(name);
    std::fs::copy(root().join(fixture), &to).expect("copy");
    to
}

#[test]
fn check_names_what_would_change_and_write_rewrites_only_that() {
    let f = scratch("tests/fixtures/fmt/long_form.yaml", "check.yaml");
    let check = || Cairn::new().args(["fmt", "--check"]).arg(&f).run();
    let before = check();
    assert_eq!(before.status.code(), Some(1));
    assert!(
        stdout(&before).contains("would reformat `"),
        "{}",
        stdout(&before)
    );
    let write = Cairn::new().args(["fmt", "--write"]).arg(&f).run();
    assert_eq!(write.status.code(), Some(0), "{}", stderr(&write));
    assert!(stdout(&write).contains("reformatted `"));
    let after = check();
    assert_eq!(after.status.code(), Some(0));
    assert_eq!(stdout(&after), "");
    let again = Cairn::new().args(["fmt", "--write"]).arg(&f).run();
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(stdout(&again), "", "an unchanged file is not rewritten");
}

#[test]
fn write_keeps_comments_unless_forced() {
    let f = scratch("tests/fixtures/fmt/comments.yaml", "comments.yaml");
    let original = std::fs::read_to_string(&f).unwrap();
    let refused = Cairn::new().args(["fmt", "--write"]).arg(&f).run();
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("its comments (the first on line 1) would be lost"));
    assert_eq!(std::fs::read_to_string(&f).unwrap(), original);
    let forced = Cairn::new()
        .args(["fmt", "--write", "--force"])
        .arg(&f)
        .run();
    assert_eq!(forced.status.code(), Some(0));
    assert!(stderr(&forced).contains("does not preserve"));
    assert!(
        !std::fs::read_to_string(&f)
            .unwrap()
            .contains("# the only resource")
    );
    let check = Cairn::new().args(["fmt", "--check"]).arg(&f).run();
    assert_eq!(check.status.code(), Some(0));
}

#[test]
fn write_keeps_each_files_syntax() {
    let f = scratch("tests/fixtures/fmt/long_form.yaml", "syntax.yaml");
    let out = Cairn::new()
        .args(["fmt", "--write", "--format", "json"])
        .arg(&f)
        .run();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("in another syntax"));
}

#[test]
fn files_that_do_not_load_are_diagnostics() {
    let out = Cairn::new()
        .args([
            "fmt",
            "tests/fixtures/fmt/long_form.yaml",
            "tests/fixtures/validate/bad/yaml_syntax.yaml",
        ])
        .run();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("error[E"), "{}", stderr(&out));
    assert!(stderr(&out).contains("yaml_syntax.yaml:"));
    assert!(stdout(&out).starts_with("---\nAWSTemplateFormatVersion"));
}

#[test]
fn help_says_comments_are_not_preserved() {
    let out = Cairn::new().args(["fmt", "--help"]).run();
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("Comments are not preserved"));
    let usage = Cairn::new().args(["fmt", "--force", "x.yaml"]).run();
    assert_eq!(usage.status.code(), Some(64));
}
