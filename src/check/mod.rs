//! Stage `check`: validation passes over a [`Template`]. Each pass returns diagnostics and none stops at the
//! first error. Passes: structure (logical ids, limits), references, intrinsic placement, condition cycles,
//! parameters, and resources against the resource spec (`properties`). Checks that depend on a transform
//! Cairn does not expand yet are skipped with a warning rather than guessed.

mod conditions;
pub mod cycles;
mod parameters;
mod placement;
mod properties;
mod refs;
mod structure;

use crate::source::{Diagnostic, SourceMap, codes};
use crate::template::Template;

pub use parameters::{compile_pattern, default_text};
pub use refs::PSEUDO_PARAMETERS;

/// Transforms whose expansion changes which names exist (they add resources, rename or generate ids).
const EXPANDING_TRANSFORMS: &[&str] = &[
    "AWS::Serverless-2016-10-31",
    "AWS::Include",
    "AWS::CodeDeployBlueGreen",
];

/// True when the template's names are final: no transform or loop left that would add or rename
/// resources. Reference and dependency checks only make sense then.
pub fn names_are_final(t: &Template) -> bool {
    pending_transforms(t).is_empty()
}

/// Runs every check on a template.
pub fn check(t: &Template, sources: &SourceMap) -> Vec<Diagnostic> {
    check_with(t, sources, &[])
}

/// Runs every check on a template; resources whose type matches one of `allow_types` (`*` wildcards, e.g.
/// `MyOrg::*`) accept any property and attribute.
pub fn check_with(t: &Template, sources: &SourceMap, allow_types: &[String]) -> Vec<Diagnostic> {
    let pending = pending_transforms(t);
    let names_final = pending.is_empty();
    // The property checks and the conditional-reference check (most of the work on a large template) on
    // one side, the other passes on the other; the diagnostics are joined in the order of one thread:
    // structure, parameters, conditions, transforms, properties, attributes, conditional references,
    // references, placement.
    let properties = || {
        let (mut props, mut conditional) = (Vec::new(), Vec::new());
        properties::check(t, allow_types, names_final, &mut props);
        if names_final {
            properties::check_conditional(t, &mut conditional);
        }
        (props, conditional)
    };
    let others = || {
        let (mut out, mut attrs, mut late) = (Vec::new(), Vec::new(), Vec::new());
        structure::check(t, sources, &mut out);
        parameters::check(t, &mut out);
        conditions::check(t, &mut out);
        unknown_transforms(t, &mut out);
        if names_final {
            properties::check_attributes(t, allow_types, &mut attrs);
            refs::check(t, &mut late);
            placement::check(t, &mut late);
        }
        (out, attrs, late)
    };
    let ((mut out, mut attrs, mut late), (mut props, mut conditional)) =
        if t.resources.len() >= crate::template::PARALLEL_RESOURCES {
            std::thread::scope(|s| {
                // The lighter side goes to the new thread: it starts a little late.
                let half = s.spawn(others);
                let props = properties();
                // A panic there is a bug; it is passed on as it would be on one thread.
                let rest = half.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
                (rest, props)
            })
        } else {
            (others(), properties())
        };
    out.append(&mut props);
    out.append(&mut attrs);
    out.append(&mut conditional);
    out.append(&mut late);
    for (span, why) in pending {
        out.push(
            Diagnostic::warning(codes::TRANSFORM_NOT_EXPANDED, span, why)
                .with_note("reference and placement checks are skipped for this template until the transform is expanded"),
        );
    }
    out
}

/// AWS's own transforms: a name in the `AWS::` namespace that is not one of them cannot be a macro either
/// (macros may not use it), so it is a mistake.
const AWS_TRANSFORMS: &[&str] = &[
    "AWS::Include",
    "AWS::LanguageExtensions",
    "AWS::Serverless-2016-10-31",
    "AWS::CodeDeployBlueGreen",
    "AWS::SecretsManager-2020-07-23",
];

fn unknown_transforms(t: &Template, out: &mut Vec<Diagnostic>) {
    for tr in &t.transform {
        let name = tr.name.value.as_str();
        if name.starts_with("AWS::") && !AWS_TRANSFORMS.contains(&name) {
            out.push(
                Diagnostic::error(
                    codes::UNKNOWN_TRANSFORM,
                    tr.name.span,
                    format!("unknown transform `{name}`"),
                )
                .with_help_opt(crate::source::suggest(name, AWS_TRANSFORMS.iter().copied()))
                .with_note("AWS's transforms are AWS::Include, AWS::LanguageExtensions, AWS::Serverless-2016-10-31, AWS::CodeDeployBlueGreen and AWS::SecretsManager-2020-07-23; other names are macros of the account"),
            );
        }
    }
}

/// Transforms in the template that Cairn does not expand yet, with the reason to report.
fn pending_transforms(t: &Template) -> Vec<(crate::source::Span, String)> {
    let mut v = Vec::new();
    for tr in &t.transform {
        let name = tr.name.value.as_str();
        if name == "AWS::LanguageExtensions"
            || (name.starts_with("AWS::") && !AWS_TRANSFORMS.contains(&name))
        {
            continue;
        }
        let why = if EXPANDING_TRANSFORMS.contains(&name) {
            format!("transform `{name}` is not expanded by this version of Cairn")
        } else {
            format!(
                "transform `{name}` is not known to Cairn (a macro); its output cannot be checked"
            )
        };
        v.push((tr.name.span, why));
    }
    if let Some(fe) = t.for_each.first() {
        v.push((
            fe.name.span,
            "`Fn::ForEach` loops cannot be expanded without parameter values".to_owned(),
        ));
    }
    if let Some((span, name)) = embedded_transform(t) {
        let why = if name.as_deref() == Some("AWS::Include") {
            // Every other include was expanded before modelling.
            "`AWS::Include` with a `Location` computed by a function cannot be read before parameter values are known".to_owned()
        } else {
            "`Fn::Transform` is not expanded by this version of Cairn".to_owned()
        };
        v.push((span, why));
    }
    v
}

/// The first embedded `Fn::Transform` (or `Fn::ForEach`) left in the template, with the transform's name.
fn embedded_transform(t: &Template) -> Option<(crate::source::Span, Option<String>)> {
    let mut found = None;
    let mut visit = |e: &crate::template::Expr| {
        e.walk(&mut |x| {
            if found.is_some() {
                return;
            }
            match &x.kind {
                crate::template::ExprKind::Transform { name, .. } => {
                    found = Some((x.span, name.as_str().map(str::to_owned)));
                }
                crate::template::ExprKind::ForEach { .. } => found = Some((x.span, None)),
                _ => {}
            }
        })
    };
    for r in t.resources.values() {
        for e in [&r.properties, &r.metadata].into_iter().flatten() {
            visit(e);
        }
    }
    for o in t.outputs.values() {
        for e in [&o.value, &o.export_name].into_iter().flatten() {
            visit(e);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use crate::source::{Format, Limits, SourceMap, load_text};

    /// A template large enough to be lowered and checked on two threads, with one mistake of each kind
    /// in each half: the diagnostics and the resources come out in the order one thread gives.
    #[test]
    fn large_templates_keep_the_sequential_order() {
        let mut yaml = String::from("Resources:\n");
        for i in 0..300 {
            yaml.push_str(&format!("  Q{i}:\n    Type: AWS::SQS::Queue\n"));
            if i == 5 || i == 150 {
                yaml.push_str("    Bogus: 1\n");
            }
            yaml.push_str("    Properties:\n      DelaySeconds: 1\n");
            if i == 7 || i == 160 {
                yaml.push_str("      NoSuchProperty: 1\n");
            }
            if i == 9 || i == 170 {
                yaml.push_str("      QueueName: !Ref Missing\n");
            }
        }
        let mut sources = SourceMap::new();
        let file = sources.add("t.yaml", yaml.clone());
        let doc = load_text(file, &yaml, Format::Yaml, &Limits::default())
            .document
            .expect("loads");
        let (t, lowered) = crate::template::lower(&doc, &sources);
        let ids: Vec<&str> = t.resources.keys().map(String::as_str).collect();
        let expected: Vec<String> = (0..300).map(|i| format!("Q{i}")).collect();
        assert_eq!(ids, expected);
        let line = |d: &crate::source::Diagnostic| sources.start(d.span).line;
        let lowered: Vec<usize> = lowered.iter().map(line).collect();
        assert_eq!(lowered.len(), 2, "{lowered:?}");
        assert!(lowered[0] < lowered[1]);
        let checked = super::check(&t, &sources);
        let by_code = |code: &str| -> Vec<usize> {
            checked
                .iter()
                .filter(|d| d.code == code)
                .map(line)
                .collect()
        };
        let unknown = by_code(crate::source::codes::UNKNOWN_PROPERTY);
        let unresolved = by_code(crate::source::codes::UNRESOLVED_REF);
        assert_eq!((unknown.len(), unresolved.len()), (2, 2), "{checked:?}");
        assert!(unknown[0] < unknown[1] && unresolved[0] < unresolved[1]);
        // The property pass comes before the reference pass, as on one thread.
        let first_unresolved = checked
            .iter()
            .position(|d| d.code == crate::source::codes::UNRESOLVED_REF);
        let last_unknown = checked
            .iter()
            .rposition(|d| d.code == crate::source::codes::UNKNOWN_PROPERTY);
        assert!(last_unknown < first_unresolved);
    }
}
