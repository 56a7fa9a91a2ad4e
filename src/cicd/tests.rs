//! Unit tests of the AppSpec and buildspec checks: each error at its exact span.

use super::*;
use crate::source::{Format, Limits, load_any};

/// `(code, start, end)` of each diagnostic, sorted by position.
fn run(
    text: &str,
    format: Format,
    check: impl Fn(&Document) -> Vec<Diagnostic>,
) -> Vec<(&'static str, usize, usize)> {
    let mut sources = SourceMap::new();
    let file = sources.add("t", text);
    let loaded = load_any(file, text, format, &Limits::default());
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    let doc = loaded.document.expect("a document");
    let mut v: Vec<_> = check(&doc)
        .into_iter()
        .map(|d| (d.code, d.span.start as usize, d.span.end as usize))
        .collect();
    v.sort_by_key(|&(c, s, e)| (s, e, c));
    v
}

fn appspec(text: &str) -> Vec<(&'static str, usize, usize)> {
    run(text, Format::Yaml, |d| {
        appspec::check(d, Format::Yaml, None).1
    })
}

fn buildspec(text: &str) -> Vec<(&'static str, usize, usize)> {
    run(text, Format::Yaml, buildspec::check)
}

/// The span of the `n`th (0-based) occurrence of `needle`.
fn at(text: &str, needle: &str, n: usize) -> (usize, usize) {
    let start = text
        .match_indices(needle)
        .nth(n)
        .unwrap_or_else(|| panic!("`{needle}` #{n} in the text"))
        .0;
    (start, start + needle.len())
}

fn d(code: &'static str, span: (usize, usize)) -> (&'static str, usize, usize) {
    (code, span.0, span.1)
}

#[test]
fn a_reserved_event_is_named_at_its_key() {
    let text = "version: 0.0\nos: linux\nhooks:\n  DownloadBundle:\n    - location: a.sh\n";
    assert_eq!(
        appspec(text),
        [d(
            codes::APPSPEC_RESERVED_EVENT,
            at(text, "DownloadBundle", 0)
        )]
    );
}

#[test]
fn timeouts_are_checked_one_by_one_and_per_event() {
    let text = "version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: a.sh\n      timeout: 3000\n    - location: b.sh\n      timeout: 601\n    - location: c.sh\n      timeout: -1\n";
    assert_eq!(
        appspec(text),
        [
            d(codes::APPSPEC_BAD_TIMEOUT, at(text, "AfterInstall", 0)),
            d(codes::APPSPEC_BAD_TIMEOUT, at(text, "-1", 0)),
        ]
    );
}

#[test]
fn a_quoted_version_is_refused_on_ec2_only() {
    let server = "version: \"0.0\"\nos: linux\n";
    assert_eq!(
        appspec(server),
        [d(codes::APPSPEC_BAD_VERSION, at(server, "\"0.0\"", 0))]
    );
    let lambda = "version: \"0.0\"\nresources:\n  - f:\n      type: AWS::Lambda::Function\n      properties: {name: f, alias: a, currentversion: 1, targetversion: 2}\n";
    assert_eq!(appspec(lambda), []);
}

#[test]
fn lambda_keys_are_read_without_regard_to_case_but_must_exist() {
    let text = "VERSION: 0.0\nRESOURCES:\n  - f:\n      TYPE: AWS::Lambda::Function\n      PROPERTIES:\n        NAME: f\n        ALIAS: live\n        CURRENTVERSION: 1\n";
    assert_eq!(
        appspec(text),
        [d(codes::APPSPEC_MISSING_KEY, at(text, "PROPERTIES", 0))]
    );
}

#[test]
fn octal_modes_are_read_as_the_agent_reads_them() {
    let text = "version: 0.0\nos: linux\npermissions:\n  - object: /a\n    mode: 0640\n  - object: /b\n    mode: 0777\n  - object: /c\n    mode: \"0640\"\n";
    assert_eq!(
        appspec(text),
        // The agent applies 0640 as mode 416 and 0777 as mode 511: modes, but not the ones written. A quoted
        // "0640" stays a string and is read as written.
        [
            d(codes::APPSPEC_AGENT_QUIRK, at(text, "0640", 0)),
            d(codes::APPSPEC_AGENT_QUIRK, at(text, "0777", 0)),
        ]
    );
}

#[test]
fn a_section_of_another_platform_is_named_as_such() {
    let text = "version: 0.0\nResources:\n  - svc:\n      Type: AWS::ECS::Service\n      Properties:\n        TaskDefinition: td\n        LoadBalancerInfo: {ContainerName: web, ContainerPort: 80}\nos: linux\n";
    assert_eq!(
        appspec(text),
        [
            d(codes::APPSPEC_PLATFORM, at(text, "Resources", 0)),
            d(codes::APPSPEC_WRONG_PLATFORM, at(text, "os", 0)),
        ]
    );
}

#[test]
fn a_json_file_cannot_be_an_ec2_appspec() {
    let text = "{\"version\": 0.0, \"os\": \"linux\"}";
    let found = run(text, Format::Json, |doc| {
        appspec::check(doc, Format::Json, None).1
    });
    assert_eq!(found, [d(codes::APPSPEC_WRONG_PLATFORM, (0, 0))]);
}

#[test]
fn the_given_platform_overrides_the_sections() {
    let text = "version: 0.0\nhooks:\n  - BeforeAllowTraffic: f\n";
    let found = run(text, Format::Yaml, |doc| {
        appspec::check(doc, Format::Yaml, Some(Platform::Lambda)).1
    });
    // `resources` is required, and blamed at the start of the file.
    assert_eq!(found, [d(codes::APPSPEC_MISSING_KEY, (0, 0))]);
}

#[test]
fn order_places_the_hooks_and_marks_traffic_events() {
    let text = "version: 0.0\nos: linux\nhooks:\n  AfterBlockTraffic:\n    - location: a.sh\n  ApplicationStart:\n    - location: b.sh\n    - location: c.sh\n";
    let mut sources = SourceMap::new();
    let file = sources.add("t", text);
    let doc = load_any(file, text, Format::Yaml, &Limits::default())
        .document
        .unwrap();
    let (spec, diags) = appspec::check(&doc, Format::Yaml, None);
    assert!(diags.is_empty());
    let o = order(&spec, None).unwrap();
    assert_eq!(o.deployment, Deployment::InPlace);
    let names: Vec<_> = o.steps.iter().map(|s| s.event).collect();
    assert_eq!(names.first(), Some(&"Start"));
    assert_eq!(names.last(), Some(&"End"));
    let after_block = o
        .steps
        .iter()
        .find(|s| s.event == "AfterBlockTraffic")
        .unwrap();
    assert_eq!(after_block.only_when, Some(events::OnlyWhen::LoadBalancer));
    let start = o
        .steps
        .iter()
        .find(|s| s.event == "ApplicationStart")
        .unwrap();
    let targets: Vec<_> = start.hooks.iter().map(|h| h.target.as_str()).collect();
    assert_eq!(targets, ["b.sh", "c.sh"]);
    let bg = order(&spec, Some(Deployment::BlueGreen)).unwrap();
    let pos = |n: &str| bg.steps.iter().position(|s| s.event == n).unwrap();
    assert!(pos("AfterAllowTraffic") < pos("BeforeBlockTraffic"));
    spec.platform.expect("told");
    let lambda = AppSpec {
        platform: Some(Platform::Lambda),
        hooks: Vec::new(),
    };
    assert_eq!(
        order(&lambda, Some(Deployment::InPlace)).unwrap_err(),
        OrderError::InPlaceNotSupported(Platform::Lambda)
    );
}

#[test]
fn buildspec_phases_report_at_their_keys() {
    let text = "version: 0.2\nphases:\n  build:\n    commands: [make]\n  test:\n    commands: [make test]\n";
    assert_eq!(
        buildspec(text),
        [d(codes::BUILDSPEC_UNKNOWN_KEY, at(text, "test", 0))]
    );
}

#[test]
fn runtime_versions_belong_to_install() {
    let text = "version: 0.2\nphases:\n  build:\n    runtime-versions:\n      java: 17\n    commands: [make]\n";
    assert_eq!(
        buildspec(text),
        [d(
            codes::BUILDSPEC_MISPLACED,
            at(text, "runtime-versions", 0)
        )]
    );
}

#[test]
fn reserved_variable_names_are_refused() {
    let text = "version: 0.2\nenv:\n  variables:\n    CODEBUILD_X: 1\n  exported-variables: [AWS_X, OK]\nphases:\n  build:\n    commands: [make]\n";
    assert_eq!(
        buildspec(text),
        [
            d(codes::BUILDSPEC_RESERVED_NAME, at(text, "CODEBUILD_X", 0)),
            d(codes::BUILDSPEC_RESERVED_NAME, at(text, "AWS_X", 0)),
        ]
    );
}

#[test]
fn yes_and_no_are_booleans() {
    let text = "version: 0.2\nphases:\n  build:\n    commands: [make]\nartifacts:\n  files: [a]\n  discard-paths: yes\n  enable-symlinks: TRUE\nproxy:\n  logs: sometimes\n";
    assert_eq!(
        buildspec(text),
        [d(codes::BUILDSPEC_BAD_VALUE, at(text, "sometimes", 0))]
    );
}

#[test]
fn spans_are_in_the_file() {
    // A zero-length span at the start of the root is where file-level problems go.
    let text = "version: 0.2\n";
    assert_eq!(buildspec(text), [d(codes::BUILDSPEC_MISSING_KEY, (0, 0))]);
}
