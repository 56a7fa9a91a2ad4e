//! Every module diagnostic, with the exact text its span covers.

use crate::source::{Limits, SourceMap, load_file};
use crate::transform::ProjectOptions;
use crate::transform::codes;

use super::{BUCKET, Project};

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
    let ds = super::super::expand(doc, &mut sources, &options).unwrap_err();
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
    let ds = super::super::expand(doc, &mut sources, &options).unwrap_err();
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
