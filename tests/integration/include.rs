//! `AWS::Include` and snippets end to end: every library snippet validates cleanly from a template that
//! uses it, `cairn snippet list` / `render` show the library, and every refused input is a clear error
//! (snapshots of the rendered diagnostics).

use cairn::source::SourceMap;
use cairn::transform::ProjectOptions;
use cairn::transform::include::list_snippets;
use cairn::validate::{Options, validate_paths};

use crate::{Cairn, fixture_files, root, stdout};

fn project() -> ProjectOptions {
    ProjectOptions {
        project_root: Some(root()),
        ..ProjectOptions::default()
    }
}

#[test]
fn every_library_snippet_validates_cleanly_where_it_is_used() {
    let files = fixture_files(&root().join("tests/fixtures/snippets"));
    assert!(files.len() >= 9);
    let options = Options {
        project: project(),
        ..Options::default()
    };
    for f in &files {
        let report = validate_paths(std::slice::from_ref(f), &options);
        let found: Vec<String> = report
            .diagnostics
            .iter()
            .map(|d| {
                format!(
                    "{} {} at {}",
                    d.code,
                    d.message,
                    report.sources.location(d.span)
                )
            })
            .collect();
        assert!(found.is_empty(), "{}: {found:#?}", f.display());
    }
    // One run compiles each snippet once, however many templates use it.
    let used = options.project.snippets.compile_count();
    assert!((9..=10).contains(&used), "{used} snippets compiled");
}

#[test]
fn every_library_snippet_is_used_by_a_fixture() {
    let mut sources = SourceMap::new();
    let snippets =
        list_snippets(&mut sources, &project()).expect("the library's headers are valid");
    assert!(snippets.len() >= 9, "{snippets:#?}");
    let fixtures: String = fixture_files(&root().join("tests/fixtures/snippets"))
        .iter()
        .map(|f| std::fs::read_to_string(f).expect("fixture"))
        .collect();
    for s in &snippets {
        assert!(fixtures.contains(&s.name), "no fixture uses `{}`", s.name);
        assert!(
            !s.header.description.is_empty(),
            "`{}` has no description",
            s.name
        );
        for (name, spec) in &s.header.inputs {
            assert!(
                spec.description.is_some(),
                "input `{name}` of `{}` is undocumented",
                s.name
            );
        }
    }
    let readme =
        std::fs::read_to_string(root().join("snippets/README.md")).expect("snippets/README.md");
    for s in &snippets {
        assert!(
            readme.contains(&s.name),
            "snippets/README.md does not document `{}`",
            s.name
        );
    }
}

#[test]
fn snippet_list_names_the_library_with_its_inputs() {
    let out = Cairn::new()
        .args(["--output", "json", "snippet", "list"])
        .run();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON list");
    let queue = v
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "messaging/sqs-queue.yaml.j2")
        .expect("the queue snippet is listed");
    assert_eq!(queue["inputs"]["name"]["required"], true);
    assert_eq!(queue["inputs"]["max_receive_count"]["default"], 5);
    let text = stdout(&Cairn::new().args(["snippet", "list"]).run());
    insta::assert_snapshot!("snippet_list", text);
}

#[test]
fn snippet_render_prints_the_fragment_in_long_form() {
    let out = Cairn::new()
        .args([
            "snippet",
            "render",
            "messaging/sqs-queue",
            "-p",
            "name=Jobs",
            "-p",
            "max_receive_count=2",
        ])
        .run();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    insta::assert_snapshot!("render_sqs_queue", stdout(&out));
}

#[test]
fn snippet_render_reports_bad_inputs_at_the_command_line() {
    let out = Cairn::new()
        .args([
            "snippet",
            "render",
            "network/vpc.yaml.j2",
            "-p",
            "az_count=9",
            "-p",
            "nat=false",
        ])
        .run();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    insta::assert_snapshot!(
        "render_vpc_bad_inputs",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn validate(file: &str, format: &str) -> std::process::Output {
    Cairn::new()
        .args([
            "--snippets",
            "tests/fixtures/include/snippets",
            "--output",
            format,
            "validate",
            file,
        ])
        .run()
}

#[test]
fn refused_includes_are_clear_errors() {
    let files = fixture_files(&root().join("tests/fixtures/include/bad"));
    assert!(files.len() >= 8);
    for f in files {
        let rel = f.strip_prefix(root()).unwrap().display().to_string();
        let out = validate(&rel, "text");
        assert_eq!(out.status.code(), Some(1), "{rel}");
        let name = f.file_stem().unwrap().to_string_lossy().replace('-', "_");
        insta::assert_snapshot!(format!("bad_{name}"), stdout(&out));
        // Nothing is written: `render` prints no template, only the errors.
        let render = Cairn::new()
            .args([
                "--snippets",
                "tests/fixtures/include/snippets",
                "render",
                &rel,
            ])
            .run();
        assert_eq!(render.status.code(), Some(1), "{rel}");
        assert!(render.stdout.is_empty(), "{rel}");
        assert!(!render.stderr.is_empty(), "{rel}");
    }
}

#[test]
fn diagnostics_in_included_files_name_the_include_site() {
    let out = validate("tests/fixtures/include/bad/error-in-snippet.yaml", "json");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let d = &v["diagnostics"][0];
    assert_eq!(
        d["file"],
        "tests/fixtures/include/snippets/topic.yaml.j2 (rendered)"
    );
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(5), Some(5))
    );
    assert_eq!(d["path"], "/Resources/Alerts/Properties/DisplayNme");
    assert_eq!(
        d["included_from"][0],
        "tests/fixtures/include/bad/error-in-snippet.yaml:5:17"
    );
    let out = validate("tests/fixtures/include/bad/error-in-snippet.yaml", "sarif");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("SARIF output");
    let related = &v["runs"][0]["results"][0]["relatedLocations"][0];
    assert_eq!(related["message"]["text"], "included from here");
    assert_eq!(related["physicalLocation"]["region"]["startLine"], 5);
}

#[test]
fn every_library_snippet_deploys_to_the_mock_cloud_and_back() {
    let dir = std::env::temp_dir().join(format!("cairn-snippets-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("state dir");
    let state = dir.join("state.db").display().to_string();
    for f in fixture_files(&root().join("tests/fixtures/snippets")) {
        let stack = f.file_stem().unwrap().to_string_lossy().into_owned();
        let rel = f.strip_prefix(root()).unwrap().display().to_string();
        for args in [vec!["apply", &stack, "-t", &rel], vec!["destroy", &stack]] {
            let out = Cairn::new()
                .args(["--state", &state])
                .args(&args)
                .args(["--yes", "--mock-latency", "0"])
                .run();
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
