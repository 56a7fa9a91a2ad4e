//! Resources against the embedded resource spec: the resource type exists, its `Properties` are known, typed
//! and within their constraints ([`values`]), `Fn::GetAtt` asks for an attribute the type has
//! ([`attributes`]), and a reference to a conditional resource is guarded by its condition
//! ([`conditional`]).
//!
//! Custom resources (`Custom::*`, `AWS::CloudFormation::CustomResource`), modules (`*::MODULE`) and the types
//! matching `--allow-type` accept any property and attribute. Values computed by intrinsic functions are not
//! checked against enums or patterns, only where the function's result can never fit (a string where a list
//! is expected). This pass never evaluates a condition: both branches of `Fn::If` are checked.

mod attributes;
mod conditional;
mod shape;
mod values;

use crate::source::{Diagnostic, codes, suggest};
use crate::spec::{self, ResourceType};
use crate::template::Template;

/// The transforms whose input still uses the plain CloudFormation type names, so unknown types can be reported
/// before they are expanded.
const TYPE_PRESERVING_TRANSFORMS: &[&str] = &[
    "AWS::Serverless-2016-10-31",
    "AWS::Include",
    "AWS::CodeDeployBlueGreen",
    "AWS::LanguageExtensions",
];

/// What the spec knows of a resource's type.
#[derive(Clone, Copy)]
pub(crate) enum TypeSpec {
    Known(&'static ResourceType),
    /// Custom resources, modules and allowed types: any property or attribute.
    Free,
    /// Not in the spec (reported once, by [`check`]).
    Unknown,
}

/// Runs the spec checks. `names_final` is false while a transform or loop Cairn does not expand would still
/// add, rename or rewrite resources: then only resource type names are checked, and only when the pending
/// transforms are AWS ones that keep them.
pub fn check(t: &Template, allow_types: &[String], names_final: bool, out: &mut Vec<Diagnostic>) {
    let types_final = names_final
        || t.transform
            .iter()
            .all(|tr| TYPE_PRESERVING_TRANSFORMS.contains(&tr.name.value.as_str()));
    if types_final {
        for r in t.resources.values() {
            if let Some(ty) = &r.resource_type
                && matches!(type_spec(&ty.value, allow_types), TypeSpec::Unknown)
            {
                out.push(unknown_type(ty));
            }
        }
    }
    // SAM's types exist only for the SAM transform: without it CloudFormation rejects them.
    if !t.has_transform(crate::template::SAM_TRANSFORM) {
        for r in t.resources.values() {
            if let Some(ty) = &r.resource_type
                && ty.value.starts_with("AWS::Serverless::")
            {
                out.push(
                    Diagnostic::error(
                        crate::source::codes::TRANSFORM_REQUIRED,
                        ty.span,
                        format!(
                            "resource type `{}` needs `Transform: AWS::Serverless-2016-10-31`",
                            ty.value
                        ),
                    )
                    .with_help("add `Transform: AWS::Serverless-2016-10-31` at the top level"),
                );
            }
        }
    }
    if !names_final {
        return;
    }
    let spec_of = |id: &str| {
        t.resources
            .get(id)
            .and_then(|r| r.resource_type.as_ref())
            .map_or(TypeSpec::Unknown, |ty| type_spec(&ty.value, allow_types))
    };
    for (id, r) in &t.resources {
        if let (Some(ty), TypeSpec::Known(spec)) = (&r.resource_type, spec_of(id)) {
            values::resource(t, id, r, ty, spec, out);
        }
    }
}

/// `Fn::GetAtt` attributes (and `${Resource.Attribute}` in `Fn::Sub`) against the target's type. Runs after
/// [`check`] (its diagnostics come after), and only when logical ids are final.
pub fn check_attributes(t: &Template, allow_types: &[String], out: &mut Vec<Diagnostic>) {
    let spec_of = |id: &str| {
        t.resources
            .get(id)
            .and_then(|r| r.resource_type.as_ref())
            .map_or(TypeSpec::Unknown, |ty| type_spec(&ty.value, allow_types))
    };
    attributes::check(t, &spec_of, out);
}

/// References to resources that may not exist under the referrer's condition. Runs after
/// [`check_attributes`], and only when logical ids are final.
pub fn check_conditional(t: &Template, out: &mut Vec<Diagnostic>) {
    conditional::check(t, out);
}

pub(crate) fn type_spec(name: &str, allow_types: &[String]) -> TypeSpec {
    if name.starts_with("Custom::")
        || name == "AWS::CloudFormation::CustomResource"
        || name.ends_with("::MODULE")
        || allow_types.iter().any(|p| glob(p, name))
    {
        return TypeSpec::Free;
    }
    spec::resource_type(name).map_or(TypeSpec::Unknown, TypeSpec::Known)
}

fn unknown_type(ty: &crate::template::Name) -> Diagnostic {
    Diagnostic::error(
        codes::UNKNOWN_RESOURCE_TYPE,
        ty.span,
        format!("unknown resource type `{}`", ty.value),
    )
    .with_help_opt(suggest(&ty.value, spec::type_names()))
    .with_note("a third-party or private type can be accepted with `--allow-type`")
}

/// Matches `text` against `pattern`, where `*` stands for any run of characters (`MyOrg::*`).
pub fn glob(pattern: &str, text: &str) -> bool {
    let Some((head, rest)) = pattern.split_once('*') else {
        return pattern == text;
    };
    let Some(mut text) = text.strip_prefix(head) else {
        return false;
    };
    let mut parts: Vec<&str> = rest.split('*').collect();
    let tail = parts.pop().unwrap_or_default();
    for part in parts {
        match text.find(part) {
            Some(i) => text = &text[i + part.len()..],
            None => return false,
        }
    }
    text.len() >= tail.len() && text.ends_with(tail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Format, Limits, SourceMap};

    /// The spec diagnostics of a YAML template, as `(code, the source text under the span)`.
    fn run(yaml: &str, allow: &[&str]) -> Vec<(&'static str, String)> {
        let mut sources = SourceMap::new();
        let yaml = yaml.trim_start_matches('\n');
        let file = sources.add("t.yaml", yaml.to_owned());
        let doc = crate::source::load_text(file, yaml, Format::Yaml, &Limits::default())
            .document
            .expect("the test template loads");
        let (t, _) = crate::template::lower(&doc, &sources);
        let allow: Vec<String> = allow.iter().map(|s| (*s).to_owned()).collect();
        let mut out = Vec::new();
        check(&t, &allow, true, &mut out);
        check_attributes(&t, &allow, &mut out);
        check_conditional(&t, &mut out);
        out.iter()
            .map(|d| (d.code, sources.snippet(d.span).to_owned()))
            .collect()
    }

    #[test]
    fn spans_point_at_the_offending_key_or_value() {
        let found = run(
            r#"
Resources:
  B:
    Type: AWS::S3::Bucket
    Properties:
      BucketNme: x
      VersioningConfiguration: { Status: On }
  F:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt B.Arnn
      Code: { ZipFile: x }
      Timeout: "9999"
"#,
            &[],
        );
        assert_eq!(
            found,
            vec![
                (codes::UNKNOWN_PROPERTY, "BucketNme".to_owned()),
                (codes::VALUE_NOT_IN_ENUM, "On".to_owned()),
                (codes::VALUE_OUT_OF_BOUNDS, "\"9999\"".to_owned()),
                (codes::UNKNOWN_GETATT_ATTRIBUTE, "Arnn".to_owned()),
            ]
        );
    }

    #[test]
    fn allowed_types_take_anything() {
        let yaml = r#"
Resources:
  T:
    Type: MyOrg::Service::Thing
    Properties: { Any: 1 }
  U:
    Type: AWS::SSM::Parameter
    Properties: { Type: String, Value: !GetAtt T.Whatever }
"#;
        assert_eq!(
            run(yaml, &[]),
            vec![(
                codes::UNKNOWN_RESOURCE_TYPE,
                "MyOrg::Service::Thing".to_owned()
            )]
        );
        assert!(run(yaml, &["MyOrg::*"]).is_empty());
    }

    #[test]
    fn conditions_written_alike_or_always_true_guard_references() {
        let yaml = r#"
Parameters:
  Env: { Type: String }
Conditions:
  A: !Equals [!Ref Env, prod]
  Same: !Equals [!Ref Env, prod]
  Always: !Equals [x, x]
Resources:
  T:
    Type: AWS::SNS::Topic
    Condition: A
  U:
    Type: AWS::SNS::Topic
    Condition: Always
  P:
    Type: AWS::SSM::Parameter
    Condition: Same
    Properties: { Type: String, Value: !Ref T, Description: !GetAtt U.TopicName }
"#;
        assert!(run(yaml, &[]).is_empty());
    }

    #[test]
    fn a_guarded_reference_to_a_conditional_resource_is_quiet() {
        let yaml = r#"
Conditions:
  A: !Equals [a, b]
  B: !Not [!Condition A]
Resources:
  T:
    Type: AWS::SNS::Topic
    Condition: A
  P:
    Type: AWS::SSM::Parameter
    Properties:
      Type: String
      Value: !If [B, none, !Ref T]
      Description: !Ref T
"#;
        assert_eq!(
            run(yaml, &[]),
            vec![(codes::CONDITIONAL_REFERENCE, "T".to_owned())]
        );
    }

    #[test]
    fn globs_match_with_wildcards() {
        assert!(glob("MyOrg::*", "MyOrg::Service::Thing"));
        assert!(glob("*::Thing", "MyOrg::Service::Thing"));
        assert!(glob("My*::*::Thing", "MyOrg::Service::Thing"));
        assert!(glob("MyOrg::Service::Thing", "MyOrg::Service::Thing"));
        assert!(!glob("MyOrg::*", "Other::Service::Thing"));
        assert!(!glob("*::Thing", "MyOrg::Thing::Other"));
        assert!(!glob("A*A", "A"));
    }

    #[test]
    fn custom_module_and_allowed_types_are_free() {
        let allow = ["MyOrg::*".to_owned()];
        for name in [
            "Custom::Thing",
            "AWS::CloudFormation::CustomResource",
            "Org::Service::Name::MODULE",
            "MyOrg::Service::Thing",
        ] {
            assert!(matches!(type_spec(name, &allow), TypeSpec::Free), "{name}");
        }
        assert!(matches!(
            type_spec("AWS::S3::Bucket", &allow),
            TypeSpec::Known(_)
        ));
        assert!(matches!(
            type_spec("AWS::S3::Bukket", &allow),
            TypeSpec::Unknown
        ));
    }
}
