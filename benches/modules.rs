//! Benchmark of the expansion that runs before a template is modelled: `transform::prepare` (modules)
//! followed by `transform::expand` (`AWS::LanguageExtensions`, here its `Fn::ForEach` loops), on a generated
//! project (see `benches/README.md`). The project is written to `target/bench-modules/` first, and expanded
//! once untimed to check it yields 2,000 resources without errors.
//!
//! Each timed run starts from the loaded template and a fresh source map, so every module file is read and
//! parsed again (once per run, as `cairn validate` would).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cairn::source::{Document, Format, Limits, SourceMap, load_text};
use cairn::transform::{ExpandOptions, ProjectOptions, expand, prepare};
use divan::Bencher;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Module uses: 10 written out, plus 2 declarations looping over 20 names each.
const PLAIN_USES: usize = 10;
const LOOPED_USES: usize = 20;
/// Resources per module use: 16 of the service module and 4 of the alarm module it uses.
const SERVICE_RESOURCES: usize = 16;
/// `Fn::ForEach` loops in the template, each over 50 names.
const LOOPS: usize = 20;
const LOOP_ITEMS: usize = 50;

fn main() {
    let dir = write_project();
    let (doc, text) = load(&dir);
    let (out, _) = run(&dir, &doc, &text);
    let resources = out
        .root
        .as_map()
        .and_then(|m| m.get("Resources"))
        .and_then(|r| r.as_map())
        .map_or(0, |r| r.len());
    assert_eq!(
        resources, 2_000,
        "the generated project expands to 2,000 resources"
    );
    divan::main();
}

#[divan::bench(max_time = 10)]
fn prepare_and_expand(bencher: Bencher) {
    let dir = project_dir();
    let (doc, text) = load(&dir);
    bencher.bench(|| run(&dir, &doc, &text));
}

/// The module expansion alone, for comparison.
#[divan::bench(max_time = 10)]
fn prepare_only(bencher: Bencher) {
    let dir = project_dir();
    let (doc, text) = load(&dir);
    bencher.bench(|| {
        let mut sources = SourceMap::new();
        sources.add(
            dir.join("template.yaml").display().to_string(),
            Arc::clone(&text),
        );
        let options = ProjectOptions {
            project_root: Some(dir.clone()),
            ..ProjectOptions::default()
        };
        prepare(doc.clone(), &mut sources, &options).expect("modules expand")
    });
}

fn run(dir: &Path, doc: &Document, text: &Arc<str>) -> (Document, SourceMap) {
    let mut sources = SourceMap::new();
    sources.add(
        dir.join("template.yaml").display().to_string(),
        Arc::clone(text),
    );
    let options = ProjectOptions {
        project_root: Some(dir.to_path_buf()),
        ..ProjectOptions::default()
    };
    let prepared = prepare(doc.clone(), &mut sources, &options).expect("modules expand");
    let expanded = expand(&prepared, &sources, &ExpandOptions::default()).expect("loops expand");
    (expanded, sources)
}

fn load(dir: &Path) -> (Document, Arc<str>) {
    let path = dir.join("template.yaml");
    let text: Arc<str> = std::fs::read_to_string(&path).expect("the template").into();
    let mut sources = SourceMap::new();
    let file = sources.add(path.display().to_string(), Arc::clone(&text));
    let doc = load_text(file, &text, Format::Yaml, &Limits::default())
        .document
        .expect("the template loads");
    (doc, text)
}

fn project_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-modules")
}

fn write_project() -> PathBuf {
    let dir = project_dir();
    std::fs::create_dir_all(dir.join("modules")).expect("the bench folder");
    let write =
        |name: &str, text: String| std::fs::write(dir.join(name), text).expect("a bench file");
    write("modules/service.yaml", service_module());
    write("modules/alarm.yaml", alarm_module());
    write("template.yaml", template());
    dir
}

/// A module of 16 resources chained by `Ref`, `GetAtt`, `Sub` and `DependsOn`, one condition folded from a
/// property, and an inner module.
fn service_module() -> String {
    let mut s = String::from(
        "Parameters:\n  Name:\n    Type: String\n  Env:\n    Type: String\n    AllowedValues: [dev, prod]\n    Default: dev\n\
         Conditions:\n  IsProd: !Equals [!Ref Env, prod]\n\
         Modules:\n  Alarm:\n    Source: ./alarm.yaml\n    Properties:\n      Target: !GetAtt Queue0.Arn\n\
         Resources:\n",
    );
    for i in 0..SERVICE_RESOURCES {
        let _ = write!(
            s,
            "  Queue{i}:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Sub '${{Name}}-{i}'\n      \
             DelaySeconds: !If [IsProd, 0, 5]\n"
        );
        if i > 0 {
            let _ = write!(
                s,
                "      RedrivePolicy:\n        deadLetterTargetArn: !GetAtt Queue{}.Arn\n        maxReceiveCount: 3\n      \
                 Tags:\n        - Key: peer\n          Value: !Sub '${{Queue{}.QueueName}}'\n    DependsOn: Queue{}\n",
                i - 1,
                i - 1,
                i - 1
            );
        }
    }
    s.push_str("Outputs:\n  Arn:\n    Value: !GetAtt Queue0.Arn\n  Alarm:\n    Value: !GetAtt Alarm.Name\n");
    s
}

fn alarm_module() -> String {
    let mut s = String::from("Parameters:\n  Target:\n    Type: String\nResources:\n");
    for i in 0..4 {
        let _ = write!(
            s,
            "  Alarm{i}:\n    Type: AWS::CloudWatch::Alarm\n    Properties:\n      AlarmName: !Sub 'alarm-{i}-${{Target}}'\n      \
             MetricName: ApproximateAgeOfOldestMessage\n      Namespace: AWS/SQS\n      Statistic: Maximum\n      \
             Period: 60\n      EvaluationPeriods: 1\n      Threshold: 300\n      ComparisonOperator: GreaterThanThreshold\n"
        );
    }
    s.push_str("Outputs:\n  Name:\n    Value: !Ref Alarm0\n");
    s
}

fn template() -> String {
    let mut s = String::from("Transform: AWS::LanguageExtensions\nModules:\n");
    for i in 0..PLAIN_USES {
        let env = if i % 2 == 0 { "prod" } else { "dev" };
        let _ = write!(
            s,
            "  Svc{i}:\n    Source: ./modules/service.yaml\n    Properties:\n      Name: svc-{i}\n      Env: {env}\n"
        );
    }
    for g in 0..2 {
        let names: Vec<String> = (0..LOOPED_USES).map(|i| format!("n{g}x{i}")).collect();
        let _ = write!(
            s,
            "  Fleet{g}:\n    Source: ./modules/service.yaml\n    ForEach: [{}]\n    Properties:\n      Name: fleet-$Identifier\n",
            names.join(", ")
        );
    }
    s.push_str("Resources:\n");
    for l in 0..LOOPS {
        let names: Vec<String> = (0..LOOP_ITEMS).map(|i| format!("t{i}")).collect();
        let _ = write!(
            s,
            "  Fn::ForEach::Topics{l}:\n    - Name\n    - [{}]\n    - Topic{l}${{Name}}:\n        Type: AWS::SNS::Topic\n        \
             Properties:\n          TopicName: !Sub 'topic-{l}-${{Name}}'\n          DisplayName: !GetAtt Svc{}.Arn\n",
            names.join(", "),
            l % PLAIN_USES
        );
    }
    s.push_str("Outputs:\n  FirstAlarm:\n    Value: !GetAtt Fleet0[0].Alarm\n");
    s
}
