//! Module expansion on small projects written to a temporary folder: what comes out, and every diagnostic
//! with its exact span.

use std::path::{Path, PathBuf};

use crate::source::{Diagnostic, Document, Limits, Node, SourceMap, load_file};
use crate::transform::ProjectOptions;
use crate::transform::codes;

/// A project folder holding the given files; `t.yaml` is the template.
struct Project {
    root: PathBuf,
}

impl Project {
    fn new(test: &str, files: &[(&str, &str)]) -> Project {
        let root =
            std::env::temp_dir().join(format!("cairn-modules-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for (name, text) in files {
            let p = root.join(name);
            std::fs::create_dir_all(p.parent().expect("a parent")).expect("mkdir");
            std::fs::write(&p, text).expect("write");
        }
        Project { root }
    }

    fn run(&self) -> (Result<Document, Vec<Diagnostic>>, SourceMap) {
        self.run_with_root(&self.root)
    }

    fn run_with_root(&self, root: &Path) -> (Result<Document, Vec<Diagnostic>>, SourceMap) {
        let mut sources = SourceMap::new();
        let loaded = load_file(&self.root.join("t.yaml"), &mut sources, &Limits::default());
        let doc = loaded.document.expect("the template loads");
        let options = ProjectOptions {
            project_root: Some(root.to_path_buf()),
            ..ProjectOptions::default()
        };
        (super::expand(doc, &mut sources, &options), sources)
    }

    /// The single error of a failing run: its code and the text its span covers.
    fn error(&self) -> (Diagnostic, String) {
        let (r, sources) = self.run();
        let ds = r.expect_err("the expansion fails");
        assert_eq!(ds.len(), 1, "one error expected: {ds:?}");
        let snippet = sources.snippet(ds[0].span).to_owned();
        (ds[0].clone(), snippet)
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn get<'a>(node: &'a Node, path: &[&str]) -> &'a Node {
    path.iter().fold(node, |n, k| {
        n.as_map()
            .and_then(|m| m.get(k))
            .unwrap_or_else(|| panic!("no `{k}` in {}", crate::source::emit::to_yaml(n)))
    })
}

const BUCKET: &str = "Parameters:\n  Name:\n    Type: String\n    AllowedValues: [a, b]\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Ref Name\nOutputs:\n  Arn:\n    Value: !GetAtt Bucket.Arn\n";

#[test]
fn resources_take_the_module_name_and_keep_their_spans() {
    let p = Project::new(
        "basic",
        &[
            ("m/bucket.yaml", BUCKET),
            (
                "t.yaml",
                "Modules:\n  Logs:\n    Source: ./m/bucket.yaml\n    Properties: {Name: a}\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      Arn: !GetAtt Logs.Arn\n    DependsOn: Logs\n",
            ),
        ],
    );
    let (r, sources) = p.run();
    let doc = r.expect("expands");
    let bucket = get(&doc.root, &["Resources", "LogsBucket"]);
    assert_eq!(
        get(bucket, &["Properties", "BucketName"]).as_str(),
        Some("a")
    );
    assert!(sources.name(bucket.span.file).ends_with("m/bucket.yaml"));
    let arn = get(
        &doc.root,
        &["Resources", "Q", "Properties", "Arn", "Fn::GetAtt"],
    );
    let parts: Vec<_> = arn
        .as_seq()
        .unwrap()
        .iter()
        .filter_map(Node::as_str)
        .collect();
    assert_eq!(parts, ["LogsBucket", "Arn"]);
    let depends = get(&doc.root, &["Resources", "Q", "DependsOn"]);
    assert_eq!(depends.as_seq().unwrap()[0].as_str(), Some("LogsBucket"));
    assert!(doc.root.as_map().unwrap().get("Modules").is_none());
}

#[test]
fn templates_without_modules_come_back_unchanged() {
    let text = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n";
    let p = Project::new("none", &[("t.yaml", text)]);
    let (r, _) = p.run();
    let doc = r.expect("expands");
    assert_eq!(crate::source::emit::to_yaml(&doc.root), text);
}

#[test]
fn a_missing_source_points_at_the_path() {
    let p = Project::new(
        "missing",
        &[("t.yaml", "Modules:\n  A:\n    Source: ./nope.yaml\n")],
    );
    let (d, at) = p.error();
    assert_eq!(d.code, codes::MODULE_SOURCE_MISSING);
    assert_eq!(at, "./nope.yaml");
}

#[test]
fn sources_outside_the_project_root_are_refused() {
    let p = Project::new(
        "escape",
        &[
            ("outside.yaml", BUCKET),
            (
                "proj/t.yaml",
                "Modules:\n  A:\n    Source: ../outside.yaml\n",
            ),
        ],
    );
    let mut sources = SourceMap::new();
    let doc = load_file(
        &p.root.join("proj/t.yaml"),
        &mut sources,
        &Limits::default(),
    )
    .document
    .unwrap();
    let options = ProjectOptions {
        project_root: Some(p.root.join("proj")),
        ..ProjectOptions::default()
    };
    let ds = super::expand(doc, &mut sources, &options).unwrap_err();
    assert_eq!(ds[0].code, codes::MODULE_OUTSIDE_ROOT);
    assert_eq!(sources.snippet(ds[0].span), "../outside.yaml");
}

#[cfg(unix)]
#[test]
fn symlinks_pointing_out_are_refused() {
    let p = Project::new(
        "symlink",
        &[
            ("outside.yaml", BUCKET),
            ("proj/t.yaml", "Modules:\n  A:\n    Source: link.yaml\n"),
        ],
    );
    std::os::unix::fs::symlink(p.root.join("outside.yaml"), p.root.join("proj/link.yaml"))
        .expect("symlink");
    let mut sources = SourceMap::new();
    let doc = load_file(
        &p.root.join("proj/t.yaml"),
        &mut sources,
        &Limits::default(),
    )
    .document
    .unwrap();
    let options = ProjectOptions {
        project_root: Some(p.root.join("proj")),
        ..ProjectOptions::default()
    };
    let ds = super::expand(doc, &mut sources, &options).unwrap_err();
    assert_eq!(ds[0].code, codes::MODULE_OUTSIDE_ROOT);
    assert_eq!(sources.snippet(ds[0].span), "link.yaml");
}

#[test]
fn cycles_list_the_chain() {
    let p = Project::new(
        "cycle",
        &[
            (
                "a.yaml",
                "Modules:\n  B:\n    Source: b.yaml\nResources: {}\n",
            ),
            (
                "b.yaml",
                "Modules:\n  A:\n    Source: a.yaml\nResources: {}\n",
            ),
            ("t.yaml", "Modules:\n  A:\n    Source: a.yaml\n"),
        ],
    );
    let (d, at) = p.error();
    assert_eq!(d.code, codes::MODULE_CYCLE);
    assert_eq!(at, "a.yaml");
    let chain: Vec<&str> = d.message.split(" -> ").collect();
    assert_eq!(chain.len(), 3, "{}", d.message);
    assert!(
        chain[0].ends_with("/a.yaml")
            && chain[1].ends_with("/b.yaml")
            && chain[2].ends_with("/a.yaml")
    );
}

#[test]
fn nesting_deeper_than_sixteen_is_refused() {
    let mut files: Vec<(String, String)> = (0..20)
        .map(|i| {
            (
                format!("m{i}.yaml"),
                format!(
                    "Modules:\n  N:\n    Source: m{}.yaml\nResources: {{}}\n",
                    i + 1
                ),
            )
        })
        .collect();
    files.push((
        "t.yaml".into(),
        "Modules:\n  N:\n    Source: m0.yaml\n".into(),
    ));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let p = Project::new("deep", &refs);
    let (d, at) = p.error();
    assert_eq!(d.code, codes::MODULE_TOO_DEEP);
    assert_eq!(at, "m16.yaml");
}

#[test]
fn unknown_properties_suggest_a_parameter() {
    let p = Project::new(
        "unknown-prop",
        &[
            ("b.yaml", BUCKET),
            (
                "t.yaml",
                "Modules:\n  A:\n    Source: b.yaml\n    Properties:\n      Nam: a\n      Name: a\n",
            ),
        ],
    );
    let (d, at) = p.error();
    assert_eq!(d.code, codes::MODULE_UNKNOWN_PROPERTY);
    assert_eq!(at, "Nam");
    assert_eq!(d.help.as_deref(), Some("did you mean `Name`?"));
}

#[test]
fn a_referenced_parameter_without_a_value_points_into_the_module() {
    let p = Project::new(
        "missing-prop",
        &[
            ("b.yaml", BUCKET),
            ("t.yaml", "Modules:\n  A:\n    Source: b.yaml\n"),
        ],
    );
    let (d, at) = p.error();
    assert_eq!(d.code, codes::MODULE_MISSING_PROPERTY);
    assert_eq!(at, "!Ref Name");
    assert_eq!(d.labels[0].message, "module `A` used here");
}

#[test]
fn properties_are_checked_against_constraints() {
    let p = Project::new(
        "constraint",
        &[
            ("b.yaml", BUCKET),
            (
                "t.yaml",
                "Modules:\n  A:\n    Source: b.yaml\n    Properties:\n      Name: c\n",
            ),
        ],
    );
    let (d, at) = p.error();
    assert_eq!(d.code, codes::MODULE_BAD_PROPERTY);
    assert_eq!(at, "c");
    assert_eq!(
        d.message,
        "property `Name` is `c`, not one of the allowed values `a`, `b`"
    );
}

#[test]
fn unknown_outputs_suggest_one() {
    let p = Project::new(
        "unknown-output",
        &[
            ("b.yaml", BUCKET),
            (
                "t.yaml",
                "Modules:\n  A:\n    Source: b.yaml\n    Properties: {Name: a}\nOutputs:\n  X:\n    Value: !GetAtt A.Ar\n",
            ),
        ],
    );
    let (d, at) = p.error();
    assert_eq!(d.code, codes::MODULE_UNKNOWN_OUTPUT);
    assert_eq!(at, "!GetAtt A.Ar");
    assert_eq!(d.help.as_deref(), Some("did you mean `Arn`?"));
}

#[test]
fn a_declaration_without_source_is_a_layout_error() {
    let p = Project::new(
        "no-source",
        &[("t.yaml", "Modules:\n  A:\n    Properties: {}\n")],
    );
    let (d, at) = p.error();
    assert_eq!(d.code, codes::MODULE_LAYOUT);
    assert_eq!(at, "A");
}

#[test]
fn overrides_must_name_a_module_resource() {
    let p = Project::new(
        "override",
        &[
            ("b.yaml", BUCKET),
            (
                "t.yaml",
                "Modules:\n  A:\n    Source: b.yaml\n    Properties: {Name: a}\n    Overrides:\n      Bukket: {Properties: {X: 1}}\n",
            ),
        ],
    );
    let (d, at) = p.error();
    assert_eq!(d.code, codes::MODULE_UNKNOWN_OVERRIDE);
    assert_eq!(at, "Bukket");
    assert_eq!(d.help.as_deref(), Some("did you mean `Bucket`?"));
}

#[test]
fn names_a_module_adds_must_be_new() {
    let p = Project::new(
        "conflict",
        &[
            ("b.yaml", BUCKET),
            (
                "t.yaml",
                "Modules:\n  A:\n    Source: b.yaml\n    Properties: {Name: a}\nResources:\n  ABucket:\n    Type: X::Y::Z\n",
            ),
        ],
    );
    let (d, at) = p.error();
    assert_eq!(d.code, codes::MODULE_NAME_CONFLICT);
    assert_eq!(at, "Bucket");
}

#[test]
fn a_loop_over_modules_needs_a_list() {
    let p = Project::new(
        "foreach",
        &[
            ("b.yaml", BUCKET),
            (
                "t.yaml",
                "Modules:\n  A:\n    Source: b.yaml\n    ForEach: {x: y}\n",
            ),
        ],
    );
    let (d, at) = p.error();
    assert_eq!(d.code, codes::MODULE_FOREACH);
    assert_eq!(at, "{x: y}");
}

#[test]
fn invoke_needs_three_arguments() {
    let p = Project::new(
        "invoke",
        &[
            ("b.yaml", BUCKET),
            (
                "t.yaml",
                "Modules:\n  A:\n    Source: b.yaml\n    Properties: {Name: a}\nOutputs:\n  X:\n    Value: !Invoke [A, Arn]\n",
            ),
        ],
    );
    let (d, at) = p.error();
    assert_eq!(d.code, codes::MODULE_FUNCTION);
    assert_eq!(at, "[A, Arn]");
}

#[test]
fn a_module_file_is_read_once_however_often_it_is_used() {
    let p = Project::new(
        "once",
        &[
            ("b.yaml", BUCKET),
            (
                "t.yaml",
                "Modules:\n  A:\n    Source: b.yaml\n    ForEach: [a, b, a, b]\n    Properties: {Name: $Identifier}\n",
            ),
        ],
    );
    let (r, sources) = p.run();
    let doc = r.expect("expands");
    let resources = get(&doc.root, &["Resources"]).as_map().unwrap();
    assert_eq!(
        resources.keys().collect::<Vec<_>>(),
        ["A0Bucket", "A1Bucket", "A2Bucket", "A3Bucket"]
    );
    // The template and the module, nothing else: the next file added gets id 2.
    let mut sources = sources;
    assert_eq!(sources.add("probe", ""), crate::source::FileId(2));
    assert!(sources.name(crate::source::FileId(1)).ends_with("b.yaml"));
}

#[test]
fn an_unknown_package_alias_is_named() {
    let p = Project::new(
        "package",
        &[(
            "t.yaml",
            "Packages:\n  lib:\n    Source: lib.zip\nModules:\n  A:\n    Source: $lb/m.yaml\n",
        )],
    );
    std::fs::write(p.root.join("lib.zip"), b"").expect("write");
    let (d, at) = p.error();
    assert_eq!(d.code, codes::MODULE_SOURCE_MISSING);
    assert_eq!(at, "$lb/m.yaml");
    assert_eq!(d.message, "no package `lb` in `Packages`");
    assert_eq!(d.help.as_deref(), Some("did you mean `lib`?"));
}

#[test]
fn an_override_may_not_replace_what_a_property_sets() {
    let p = Project::new(
        "override-conflict",
        &[
            ("b.yaml", BUCKET),
            (
                "t.yaml",
                "Modules:\n  A:\n    Source: b.yaml\n    Properties: {Name: a}\n    Overrides:\n      Bucket: {Properties: {BucketName: z}}\n",
            ),
        ],
    );
    let (d, at) = p.error();
    assert_eq!(d.code, codes::MODULE_OVERRIDE_CONFLICT);
    assert_eq!(at, "z");
    assert_eq!(
        d.message,
        "the override of `Bucket.Properties.BucketName` replaces the value property `Name` sets"
    );
}

#[test]
fn rain_module_resources_are_module_uses() {
    let p = Project::new(
        "legacy",
        &[
            ("b.yaml", BUCKET),
            (
                "t.yaml",
                "Resources:\n  A:\n    Type: !Rain::Module b.yaml\n    Properties: {Name: b}\n",
            ),
        ],
    );
    let (r, _) = p.run();
    let doc = r.expect("expands");
    let name = get(
        &doc.root,
        &["Resources", "ABucket", "Properties", "BucketName"],
    );
    assert_eq!(name.as_str(), Some("b"));
}

#[test]
fn loops_inside_a_module_take_its_prefix_and_list_properties_split() {
    let p = Project::new(
        "module-loop",
        &[
            (
                "m.yaml",
                "Parameters:\n  Names:\n    Type: CommaDelimitedList\nResources:\n  Fn::ForEach::Topics:\n    - N\n    - !Ref Names\n    - Topic${N}:\n        Type: AWS::SNS::Topic\n",
            ),
            (
                "t.yaml",
                "Transform: AWS::LanguageExtensions\nModules:\n  A:\n    Source: m.yaml\n    Properties: {Names: 'x, y'}\n",
            ),
        ],
    );
    let (r, _) = p.run();
    let doc = r.expect("expands");
    let lp = get(&doc.root, &["Resources", "Fn::ForEach::ATopics"]);
    let items = lp.as_seq().unwrap();
    let names: Vec<_> = items[1]
        .as_seq()
        .unwrap()
        .iter()
        .filter_map(Node::as_str)
        .collect();
    assert_eq!(names, ["x", "y"]);
    assert!(items[2].as_map().unwrap().get("ATopic${N}").is_some());
}

#[test]
fn rain_constants_reach_into_modules_and_embed_reads_a_file() {
    let p = Project::new(
        "rain-constants",
        &[
            (
                "m.yaml",
                "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Sub '${Rain::name}'\n",
            ),
            ("note.txt", "hello\n"),
            (
                "t.yaml",
                "Rain:\n  Constants:\n    name: logs\nResources:\n  M:\n    Type: !Rain::Module m.yaml\n  W:\n    Type: AWS::CloudFormation::WaitConditionHandle\n    Metadata:\n      Note: !Rain::Embed note.txt\n",
            ),
        ],
    );
    let (r, _) = p.run();
    let doc = r.expect("expands");
    let name = get(&doc.root, &["Resources", "MB", "Properties", "BucketName"]);
    assert_eq!(name.as_str(), Some("logs"));
    let note = get(&doc.root, &["Resources", "W", "Metadata", "Note"]);
    assert_eq!(note.as_str(), Some("hello"));
    assert!(doc.root.as_map().unwrap().get("Rain").is_none());
}

#[test]
fn a_module_that_does_not_load_is_reported_once() {
    let p = Project::new(
        "broken",
        &[
            ("b.yaml", "Resources:\n  B: [unclosed\n"),
            (
                "t.yaml",
                "Modules:\n  A:\n    Source: b.yaml\n    ForEach: [x, y, z]\n",
            ),
        ],
    );
    let (r, sources) = p.run();
    let ds = r.expect_err("the module does not load");
    assert_eq!(ds.len(), 1, "{ds:?}");
    assert!(sources.name(ds[0].span.file).ends_with("b.yaml"));
    assert_eq!(ds[0].labels[0].message, "module `A0` used here");
}

#[test]
fn loops_of_loops_stop_at_ten_thousand_uses() {
    let items = (0..101)
        .map(|i| format!("i{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let inner =
        format!("Modules:\n  L:\n    Source: leaf.yaml\n    ForEach: [{items}]\nResources: {{}}\n");
    let outer = format!("Modules:\n  M:\n    Source: inner.yaml\n    ForEach: [{items}]\n");
    let p = Project::new(
        "many-uses",
        &[
            ("leaf.yaml", "Resources: {}\n"),
            ("inner.yaml", &inner),
            ("t.yaml", &outer),
        ],
    );
    let (d, at) = p.error();
    assert_eq!(d.code, codes::MODULE_TOO_DEEP);
    assert_eq!(d.message, "modules expand to more than 10000 module uses");
    assert_eq!(at, "L");
}

#[test]
fn sources_are_never_fetched_over_the_network() {
    let p = Project::new(
        "http",
        &[(
            "t.yaml",
            "Modules:\n  A:\n    Source: https://example.com/m.yaml\n",
        )],
    );
    let (d, at) = p.error();
    assert_eq!(d.code, codes::MODULE_SOURCE_MISSING);
    assert_eq!(at, "https://example.com/m.yaml");
    assert_eq!(
        d.message,
        "cannot read `https://example.com/m.yaml`: sources are never fetched over the network"
    );
}

#[test]
fn s3_sources_read_the_local_mirror() {
    let p = Project::new(
        "s3",
        &[
            ("mirror/bucket/m.yaml", BUCKET),
            (
                "t.yaml",
                "Modules:\n  A:\n    Source: s3://bucket/m.yaml\n    Properties: {Name: a}\n",
            ),
        ],
    );
    let mut sources = SourceMap::new();
    let doc = load_file(&p.root.join("t.yaml"), &mut sources, &Limits::default())
        .document
        .unwrap();
    let options = ProjectOptions {
        project_root: Some(p.root.clone()),
        s3_root: Some(p.root.join("mirror")),
        ..ProjectOptions::default()
    };
    let doc = super::expand(doc, &mut sources, &options).expect("expands");
    assert!(get(&doc.root, &["Resources", "ABucket"]).as_map().is_some());
}

#[test]
fn a_declaration_condition_and_depends_on_apply_to_each_resource() {
    let p = Project::new(
        "attach",
        &[
            ("b.yaml", BUCKET),
            (
                "t.yaml",
                "Parameters:\n  Env: {Type: String}\nConditions:\n  Prod: !Equals [!Ref Env, prod]\nModules:\n  A:\n    Source: b.yaml\n    Condition: Prod\n    DependsOn: Q\n    Properties: {Name: a}\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n",
            ),
        ],
    );
    let (r, _) = p.run();
    let doc = r.expect("expands");
    let bucket = get(&doc.root, &["Resources", "ABucket"]);
    assert_eq!(get(bucket, &["Condition"]).as_str(), Some("Prod"));
    assert_eq!(get(bucket, &["DependsOn"]).as_str(), Some("Q"));
}
