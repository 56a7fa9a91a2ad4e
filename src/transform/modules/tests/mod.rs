//! Module expansion on small projects written to a temporary folder: what comes out (here) and every
//! diagnostic with its exact span (`errors.rs`).

mod errors;

use std::path::{Path, PathBuf};

use crate::source::{Diagnostic, Document, Limits, Node, SourceMap, load_file};
use crate::transform::ProjectOptions;

/// A project folder holding the given files; `t.yaml` is the template.
pub(super) struct Project {
    pub(super) root: PathBuf,
}

impl Project {
    pub(super) fn new(test: &str, files: &[(&str, &str)]) -> Project {
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

    pub(super) fn run(&self) -> (Result<Document, Vec<Diagnostic>>, SourceMap) {
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
    pub(super) fn error(&self) -> (Diagnostic, String) {
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

pub(super) fn get<'a>(node: &'a Node, path: &[&str]) -> &'a Node {
    path.iter().fold(node, |n, k| {
        n.as_map()
            .and_then(|m| m.get(k))
            .unwrap_or_else(|| panic!("no `{k}` in {}", crate::source::emit::to_yaml(n)))
    })
}

pub(super) const BUCKET: &str = "Parameters:\n  Name:\n    Type: String\n    AllowedValues: [a, b]\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Ref Name\nOutputs:\n  Arn:\n    Value: !GetAtt Bucket.Arn\n";

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
