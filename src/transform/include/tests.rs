//! Includes and snippets on small projects written to a temporary directory.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::source::{Diagnostic, Document, Limits, Node, SourceMap, emit, load_file};
use crate::transform::{ProjectOptions, codes, prepare};

/// A fresh project directory holding `files` (path, text).
fn project(files: &[(&str, &str)]) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "cairn-include-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

fn options(dir: &Path) -> ProjectOptions {
    ProjectOptions {
        project_root: Some(dir.to_owned()),
        s3_root: Some(dir.join("mirror")),
        ..ProjectOptions::default()
    }
}

fn run_with(
    dir: &Path,
    template: &str,
    options: &ProjectOptions,
) -> (Result<Document, Vec<Diagnostic>>, SourceMap) {
    let mut sources = SourceMap::new();
    let loaded = load_file(&dir.join(template), &mut sources, &Limits::default());
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    let doc = loaded.document.unwrap();
    (prepare(doc, &mut sources, options), sources)
}

fn run(dir: &Path, template: &str) -> (Result<Document, Vec<Diagnostic>>, SourceMap) {
    run_with(dir, template, &options(dir))
}

fn yaml(doc: &Document) -> String {
    emit::to_yaml(&doc.root)
}

fn get<'a>(node: &'a Node, path: &[&str]) -> &'a Node {
    path.iter()
        .fold(node, |n, k| n.as_map().unwrap().get(k).unwrap())
}

const QUEUE: &str = "{#- cairn\ndescription: a queue\ninputs:\n  name: {type: string}\n  delay: {type: number, default: 0}\n-#}\nType: AWS::SQS::Queue\nProperties:\n  QueueName: {{ name | tojson }}\n  DelaySeconds: {{ delay }}\n";

#[test]
fn a_value_include_is_replaced_by_the_file_and_keeps_its_spans() {
    let dir = project(&[
        (
            "t.yaml",
            "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      Fn::Transform:\n        Name: AWS::Include\n        Parameters:\n          Location: parts/props.yaml\n",
        ),
        ("parts/props.yaml", "BucketName: logs\n"),
    ]);
    let (doc, sources) = run(&dir, "t.yaml");
    let doc = doc.unwrap();
    let name = get(&doc.root, &["Resources", "B", "Properties", "BucketName"]);
    assert_eq!(name.as_str(), Some("logs"));
    assert_eq!(sources.name(name.span.file), "parts/props.yaml");
    let site = sources.include_chain(name.span.file)[0];
    assert_eq!(sources.snippet(site), "parts/props.yaml");
    assert_eq!(sources.start(site).line, 8);
}

#[test]
fn includes_beside_other_keys_merge_and_lists_include_each() {
    let dir = project(&[
        (
            "t.yaml",
            "Resources:\n  A:\n    Type: AWS::SNS::Topic\n  Fn::Transform:\n    - {Name: AWS::Include, Parameters: {Location: a.yaml}}\n    - {Name: AWS::Include, Parameters: {Location: b.json}}\n",
        ),
        ("a.yaml", "B:\n  Type: AWS::SNS::Topic\n"),
        ("b.json", "{\"C\": {\"Type\": \"AWS::SNS::Topic\"}}"),
    ]);
    let doc = run(&dir, "t.yaml").0.unwrap();
    let keys: Vec<&str> = get(&doc.root, &["Resources"])
        .as_map()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(keys, ["A", "B", "C"]);
}

#[test]
fn top_level_includes_merge_sections_and_leave_other_transforms() {
    let dir = project(&[
        (
            "t.yaml",
            "Transform:\n  - AWS::LanguageExtensions\n  - Name: AWS::Include\n    Parameters: {Location: 's3://bucket/common.yaml'}\nResources:\n  A: {Type: AWS::SNS::Topic}\n",
        ),
        (
            "mirror/bucket/common.yaml",
            "Resources:\n  B: {Type: AWS::SNS::Topic}\nOutputs:\n  O: {Value: x}\n",
        ),
    ]);
    let doc = run(&dir, "t.yaml").0.unwrap();
    assert_eq!(
        yaml(&doc),
        "Transform:\n  - AWS::LanguageExtensions\nResources:\n  A:\n    Type: AWS::SNS::Topic\n  B:\n    Type: AWS::SNS::Topic\nOutputs:\n  O:\n    Value: x\n"
    );
}

#[test]
fn snippets_render_with_their_inputs_and_defaults() {
    let dir = project(&[
        (
            "t.yaml",
            "Resources:\n  Q:\n    Fn::Transform:\n      Name: AWS::Include\n      Parameters:\n        Location: queue.yaml.j2\n        name: !Ref AWS::StackName\n",
        ),
        ("snippets/queue.yaml.j2", QUEUE),
    ]);
    let (doc, sources) = run(&dir, "t.yaml");
    let doc = doc.unwrap();
    let q = get(&doc.root, &["Resources", "Q"]);
    assert_eq!(
        emit::to_yaml(q),
        "Type: AWS::SQS::Queue\nProperties:\n  QueueName:\n    Ref: AWS::StackName\n  DelaySeconds: 0\n"
    );
    assert_eq!(
        sources.name(q.span.file),
        "snippets/queue.yaml.j2 (rendered)"
    );
}

#[test]
fn a_snippet_used_many_times_compiles_once() {
    let mut text = String::from("Resources:\n");
    for i in 0..20 {
        text.push_str(&format!(
            "  Q{i}:\n    Fn::Transform: {{Name: AWS::Include, Parameters: {{Location: queue.yaml.j2, name: q{i}}}}}\n"
        ));
    }
    let dir = project(&[("t.yaml", &text), ("snippets/queue.yaml.j2", QUEUE)]);
    let options = options(&dir);
    let doc = run_with(&dir, "t.yaml", &options).0.unwrap();
    assert_eq!(get(&doc.root, &["Resources"]).as_map().unwrap().len(), 20);
    // A second file of the same run reuses the compiled snippet.
    run_with(&dir, "t.yaml", &options).0.unwrap();
    assert_eq!(options.snippets.compile_count(), 1);
}

fn errors(files: &[(&str, &str)]) -> (Vec<Diagnostic>, SourceMap) {
    let dir = project(files);
    let (r, sources) = run(&dir, "t.yaml");
    (r.unwrap_err(), sources)
}

fn include(location: &str) -> String {
    format!(
        "Resources:\n  A:\n    Fn::Transform: {{Name: AWS::Include, Parameters: {{Location: '{location}'}}}}\n"
    )
}

#[test]
fn traversal_and_other_forms_are_refused_at_the_location() {
    let (e, sources) = errors(&[("t.yaml", &include("../../../../../etc/passwd"))]);
    assert_eq!(e[0].code, codes::INCLUDE_OUTSIDE_ROOTS);
    assert_eq!(sources.snippet(e[0].span), "'../../../../../etc/passwd'");
    let (e, _) = errors(&[("t.yaml", &include("https://example.com/x.yaml"))]);
    assert_eq!(e[0].code, codes::INCLUDE_LOCATION);
    assert!(e[0].help.as_deref().unwrap().contains("s3://bucket/key"));
    let (e, _) = errors(&[("t.yaml", &include("nothing.yaml.j2"))]);
    assert_eq!(e[0].code, codes::INCLUDE_NOT_FOUND);
}

#[cfg(unix)]
#[test]
fn symbolic_links_pointing_out_are_refused() {
    let outside = project(&[("secret.yaml", "A: 1\n")]);
    let dir = project(&[("t.yaml", &include("link.yaml"))]);
    std::os::unix::fs::symlink(outside.join("secret.yaml"), dir.join("link.yaml")).unwrap();
    let e = run(&dir, "t.yaml").0.unwrap_err();
    assert_eq!(e[0].code, codes::INCLUDE_OUTSIDE_ROOTS);
}

#[test]
fn cycles_list_the_chain() {
    let (e, sources) = errors(&[
        ("t.yaml", &include("a.yaml")),
        (
            "a.yaml",
            "Fn::Transform: {Name: AWS::Include, Parameters: {Location: b.yaml}}\n",
        ),
        (
            "b.yaml",
            "Fn::Transform: {Name: AWS::Include, Parameters: {Location: a.yaml}}\n",
        ),
    ]);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].code, codes::INCLUDE_CYCLE);
    assert_eq!(sources.name(e[0].span.file), "b.yaml");
    assert_eq!(e[0].message, "include cycle: `a.yaml` includes itself");
    assert_eq!(
        e[0].notes[0],
        "include chain: `t.yaml` -> `a.yaml` -> `b.yaml`"
    );
}

#[test]
fn includes_deeper_than_sixteen_are_refused() {
    let mut files: Vec<(String, String)> = vec![("t.yaml".into(), include("f0.yaml"))];
    for i in 0..20 {
        files.push((
            format!("f{i}.yaml"),
            format!(
                "Fn::Transform: {{Name: AWS::Include, Parameters: {{Location: f{}.yaml}}}}\n",
                i + 1
            ),
        ));
    }
    files.push(("f20.yaml".into(), "A: 1\n".into()));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let (e, sources) = errors(&refs);
    assert_eq!(e[0].code, codes::INCLUDE_TOO_DEEP);
    assert_eq!(sources.name(e[0].span.file), "f15.yaml");
}

#[test]
fn includes_in_parameters_are_refused() {
    let (e, sources) = errors(&[
        (
            "t.yaml",
            "Parameters:\n  Fn::Transform: {Name: AWS::Include, Parameters: {Location: p.yaml}}\nResources: {}\n",
        ),
        ("p.yaml", "P: {Type: String}\n"),
    ]);
    assert_eq!(e[0].code, codes::INCLUDE_LAYOUT);
    assert_eq!(sources.snippet(e[0].span), "Fn::Transform");
}

#[test]
fn merged_keys_that_exist_already_are_refused() {
    let (e, sources) = errors(&[
        (
            "t.yaml",
            "Resources:\n  A: {Type: AWS::SNS::Topic}\n  Fn::Transform: {Name: AWS::Include, Parameters: {Location: a.yaml}}\n",
        ),
        ("a.yaml", "A: {Type: AWS::SQS::Queue}\n"),
    ]);
    assert_eq!(e[0].code, codes::INCLUDE_MERGE);
    assert_eq!(sources.name(e[0].span.file), "a.yaml");
    assert_eq!(sources.snippet(e[0].labels[0].span), "A");
}

#[test]
fn rendered_text_that_is_not_yaml_points_into_the_rendered_text() {
    let (e, sources) = errors(&[
        ("t.yaml", &include("bad.yaml.j2")),
        (
            "snippets/bad.yaml.j2",
            "{#- cairn\ndescription: broken\n-#}\nA: [1, 2\n",
        ),
    ]);
    assert_eq!(
        sources.name(e[0].span.file),
        "snippets/bad.yaml.j2 (rendered)"
    );
    assert!(e[0].notes[0].contains("snippet `snippets/bad.yaml.j2`"));
}

#[test]
fn endless_loops_run_out_of_fuel() {
    let (e, sources) = errors(&[
        ("t.yaml", &include("loop.yaml.j2")),
        (
            "snippets/loop.yaml.j2",
            "{#- cairn\ndescription: endless\n-#}\n{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}A: 1\n",
        ),
    ]);
    assert_eq!(e[0].code, codes::SNIPPET_FUEL);
    assert_eq!(sources.name(e[0].span.file), "snippets/loop.yaml.j2");
}

#[test]
fn undefined_variables_are_errors_in_the_snippet() {
    let (e, sources) = errors(&[
        ("t.yaml", &include("u.yaml.j2")),
        (
            "snippets/u.yaml.j2",
            "{#- cairn\ndescription: undefined\n-#}\nA: {{ nope.x }}\n",
        ),
    ]);
    assert_eq!(e[0].code, codes::SNIPPET_RENDER);
    assert_eq!(sources.start(e[0].span).line, 4);
    assert!(e[0].message.contains("undefined"), "{}", e[0].message);
}

#[test]
fn bad_inputs_are_errors_at_the_use_site() {
    let (e, sources) = errors(&[
        (
            "t.yaml",
            "Resources:\n  Q:\n    Fn::Transform:\n      Name: AWS::Include\n      Parameters:\n        Location: queue.yaml.j2\n        delay: soon\n        colour: red\n",
        ),
        ("snippets/queue.yaml.j2", QUEUE),
    ]);
    let at: Vec<&str> = e.iter().map(|d| sources.snippet(d.span)).collect();
    assert_eq!(at, ["colour", "queue.yaml.j2", "soon"]);
    assert!(e.iter().all(|d| d.code == codes::SNIPPET_INPUT));
}

#[test]
fn plain_files_take_no_inputs() {
    let (e, sources) = errors(&[
        (
            "t.yaml",
            "Resources:\n  A:\n    Fn::Transform: {Name: AWS::Include, Parameters: {Location: a.yaml, x: 1}}\n",
        ),
        ("a.yaml", "Type: AWS::SNS::Topic\n"),
    ]);
    assert_eq!(e[0].code, codes::INCLUDE_LAYOUT);
    assert_eq!(sources.snippet(e[0].span), "x");
}

#[test]
fn oversized_output_is_refused() {
    let (e, _) = errors(&[
        ("t.yaml", &include("big.yaml.j2")),
        (
            "snippets/big.yaml.j2",
            "{#- cairn\ndescription: huge\n-#}\n{% for i in range(20) %}{{ 'x' * 1000000 }}{% endfor %}\n",
        ),
    ]);
    assert_eq!(e[0].code, codes::SNIPPET_RENDER);
    assert!(
        e[0].message.contains("renders more than"),
        "{}",
        e[0].message
    );
}

#[test]
fn jinja_includes_read_only_from_the_snippet_roots() {
    let (doc, _) = run(
        &project(&[
            ("t.yaml", &include("uses.yaml.j2")),
            (
                "snippets/uses.yaml.j2",
                "{#- cairn\ndescription: uses a macro file\n-#}\n{% import 'lib/names.j2' as names %}Type: {{ names.topic() }}\n",
            ),
            (
                "snippets/lib/names.j2",
                "{% macro topic() %}AWS::SNS::Topic{% endmacro %}",
            ),
        ]),
        "t.yaml",
    );
    let doc = doc.unwrap();
    assert_eq!(
        get(&doc.root, &["Resources", "A", "Type"]).as_str(),
        Some("AWS::SNS::Topic")
    );
    let (e, _) = errors(&[
        ("t.yaml", &include("escape.yaml.j2")),
        ("secret.txt", "A: 1\n"),
        (
            "snippets/escape.yaml.j2",
            "{#- cairn\ndescription: reads outside\n-#}\n{% include '../secret.txt' %}\n",
        ),
    ]);
    assert_eq!(e[0].code, codes::SNIPPET_RENDER);
    assert!(
        e[0].message.contains("template not found"),
        "{}",
        e[0].message
    );
}

#[test]
fn includes_with_a_computed_location_stay_as_written() {
    let text = "Parameters:\n  Base: {Type: String}\nResources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties:\n      Fn::Transform:\n        Name: AWS::Include\n        Parameters:\n          Location: !Sub '${Base}/props.yaml'\n";
    let dir = project(&[("t.yaml", text)]);
    let (doc, sources) = run(&dir, "t.yaml");
    let doc = doc.unwrap();
    let call = get(
        &doc.root,
        &["Resources", "T", "Properties", "Fn::Transform"],
    );
    assert_eq!(sources.start(call.span).line, 8);
    let report = crate::validate::validate_paths(
        &[dir.join("t.yaml")],
        &crate::validate::Options {
            project: options(&dir),
            ..Default::default()
        },
    );
    let d: Vec<_> = report.diagnostics.iter().collect();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, crate::source::codes::TRANSFORM_NOT_EXPANDED);
    assert!(
        d[0].message
            .starts_with("`AWS::Include` with a `Location` computed")
    );
}
