//! Parameter values: the values given for a stack merged with the template's defaults, checked against
//! each parameter's type and constraints with CloudFormation's own messages, SSM parameter types read from
//! the given SSM store, lists split. The result is what `Ref` to a parameter yields. This file does not
//! validate the declarations themselves (that is `check`'s job): a bad `AllowedPattern` is skipped here.

use indexmap::{IndexMap, IndexSet};

use crate::source::{Diagnostic, Span};
use crate::template::{Parameter, ParameterType, Template};

use super::aws_types;
use super::codes;
use super::constraints::{check_constraints, is_number, shown, whole_allowed};
use super::value::Value;

/// The value of every parameter, in declaration order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResolvedParameters {
    /// What `Ref` yields: a string, or a list of strings for list types. Numbers stay strings, as
    /// CloudFormation passes them on.
    pub values: IndexMap<String, Value>,
    /// `NoEcho` parameters: callers show their values as `****`.
    pub no_echo: IndexSet<String>,
    /// The declared type of each parameter (for `Fn::RefAll`).
    pub types: IndexMap<String, ParameterType>,
    /// Parameters of `AWS::SSM::Parameter::Value<...>` types: the name of the SSM parameter each was
    /// given (what a stack records) and the value read from the store (what `Ref` yields).
    pub from_ssm: IndexMap<String, (String, String)>,
}

/// What callers show instead of a `NoEcho` value.
pub const MASK: &str = "****";

impl ResolvedParameters {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    pub fn is_no_echo(&self, name: &str) -> bool {
        self.no_echo.contains(name)
    }

    /// A copy where every `NoEcho` value is `****` (each item of a list).
    pub fn masked(&self) -> ResolvedParameters {
        let mut m = self.clone();
        for name in &self.no_echo {
            if let Some(v) = m.values.get_mut(name) {
                *v = match v {
                    Value::List(items) => Value::List(vec![Value::string(MASK); items.len()]),
                    _ => Value::string(MASK),
                };
            }
        }
        m
    }

    /// The value to show a person: `****` for `NoEcho` parameters.
    pub fn shown(&self, name: &str) -> Option<Value> {
        let v = self.values.get(name)?;
        Some(if self.is_no_echo(name) {
            Value::string(MASK)
        } else {
            v.clone()
        })
    }
}

/// Resolves every parameter of `t` from `given` values and defaults; `ssm` is the parameter store read by
/// `AWS::SSM::Parameter::Value<...>` types.
pub fn resolve(
    t: &Template,
    given: &IndexMap<String, String>,
    ssm: &IndexMap<String, String>,
) -> Result<ResolvedParameters, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let section = t
        .sections
        .get("Parameters")
        .copied()
        .unwrap_or_else(|| Span::new(t.file, 0, 0));
    let unknown: Vec<&str> = given
        .keys()
        .filter(|k| !t.parameters.contains_key(*k))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        diagnostics.push(Diagnostic::error(
            codes::UNKNOWN_PARAMETERS,
            section,
            format!(
                "Parameters: [{}] do not exist in the template",
                unknown.join(", ")
            ),
        ));
    }
    let missing: Vec<(&str, &Parameter)> = t
        .parameters
        .iter()
        .filter(|(k, p)| !given.contains_key(*k) && p.default.is_none())
        .map(|(k, p)| (k.as_str(), p))
        .collect();
    if let Some((_, first)) = missing.first() {
        let names: Vec<&str> = missing.iter().map(|(k, _)| *k).collect();
        let mut d = Diagnostic::error(
            codes::MISSING_PARAMETER_VALUES,
            first.key_span,
            format!("Parameters: [{}] must have values", names.join(", ")),
        );
        for (k, p) in &missing[1..] {
            d = d.with_label(p.key_span, format!("`{k}` has no value and no `Default`"));
        }
        diagnostics.push(d.with_help("give them values or declare a `Default`"));
    }
    let mut out = ResolvedParameters::default();
    for (name, p) in &t.parameters {
        let ty = p
            .parameter_type
            .as_ref()
            .map_or(ParameterType::String, |(_, t)| t.clone());
        let text = match given.get(name) {
            Some(v) => v.clone(),
            None => match p.default.as_ref().and_then(crate::check::default_text) {
                Some(v) => v,
                None => continue,
            },
        };
        match value_of(name, p, &ty, &text, ssm) {
            Ok(v) => {
                if let (ParameterType::SsmValue(_), Some(read)) = (&ty, ssm.get(&text)) {
                    out.from_ssm
                        .insert(name.clone(), (text.clone(), read.clone()));
                }
                out.values.insert(name.clone(), v);
            }
            Err(d) => diagnostics.push(*d),
        }
        if p.no_echo {
            out.no_echo.insert(name.clone());
        }
        out.types.insert(name.clone(), ty);
    }
    if diagnostics.is_empty() {
        Ok(out)
    } else {
        Err(diagnostics)
    }
}

/// The value of one parameter from its text, checked.
fn value_of(
    name: &str,
    p: &Parameter,
    ty: &ParameterType,
    text: &str,
    ssm: &IndexMap<String, String>,
) -> Result<Value, Box<Diagnostic>> {
    let type_span = p.parameter_type.as_ref().map_or(p.key_span, |(s, _)| *s);
    let (ty, text) = match ty {
        ParameterType::SsmValue(inner) => match ssm.get(text) {
            Some(v) => {
                // Constraints apply to what was given: the name of the SSM parameter.
                check_constraints(name, p, false, &[text])?;
                return typed_value(name, p, inner, v, type_span, false);
            }
            None => {
                return Err(Box::new(Diagnostic::error(
                    codes::SSM_PARAMETER_MISSING,
                    type_span,
                    format!(
                        "parameter `{name}` reads SSM parameter `{text}`, which is not in the parameter store"
                    ),
                )
                .with_note(format!(
                    "CloudFormation reports: Unable to fetch parameters [{text}] from parameter store for this account"
                ))));
            }
        },
        other => (other, text),
    };
    typed_value(name, p, ty, text, type_span, true)
}

/// Splits list types, checks items against the type and (when `constrained`) the constraints.
fn typed_value(
    name: &str,
    p: &Parameter,
    ty: &ParameterType,
    text: &str,
    type_span: Span,
    constrained: bool,
) -> Result<Value, Box<Diagnostic>> {
    let items: Vec<&str> = if !ty.is_list() {
        vec![text]
    } else if text.is_empty() && matches!(ty, ParameterType::AwsList(_)) {
        Vec::new()
    } else {
        text.split(',').map(str::trim).collect()
    };
    let numeric = ty.is_numeric();
    for item in &items {
        if numeric && !is_number(item) {
            return Err(Box::new(
                Diagnostic::error(
                    codes::PARAMETER_CONSTRAINT,
                    type_span,
                    format!("Parameter '{name}' must be a number"),
                )
                .with_label(p.key_span, format!("`{}` is not a number", shown(p, item))),
            ));
        }
        let aws = match ty {
            ParameterType::Aws(t) | ParameterType::AwsList(t) => Some(t.as_str()),
            _ => None,
        };
        if let Some(aws) = aws
            && let Err(expected) = aws_types::check(aws, item)
        {
            return Err(Box::new(Diagnostic::error(
                codes::PARAMETER_CONSTRAINT,
                type_span,
                format!(
                    "Parameter validation failed: parameter value {} for parameter name {name} is not a valid {aws}",
                    shown(p, item)
                ),
            )
            .with_help(format!("a `{aws}` is {expected}"))));
        }
    }
    if constrained && !(ty.is_list() && whole_allowed(p, text)) {
        check_constraints(name, p, numeric, &items)?;
    }
    Ok(if ty.is_list() {
        Value::List(items.into_iter().map(Value::string).collect())
    } else {
        Value::string(text)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::test_support::template;

    fn given(pairs: &[(&str, &str)]) -> IndexMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn resolve_with(
        text: &str,
        pairs: &[(&str, &str)],
    ) -> Result<ResolvedParameters, Vec<Diagnostic>> {
        let (t, _) = template(text);
        resolve(
            &t,
            &given(pairs),
            &given(&[
                ("/ami/latest", "ami-0abc1234"),
                ("/subnets", "subnet-1, subnet-2"),
            ]),
        )
    }

    fn message(text: &str, pairs: &[(&str, &str)]) -> String {
        let e = resolve_with(text, pairs).expect_err("an error");
        e.iter()
            .map(|d| d.message.clone())
            .collect::<Vec<_>>()
            .join("\n")
    }

    const RES: &str = "Resources:\n  R:\n    Type: AWS::SNS::Topic\n";

    #[test]
    fn missing_values_are_listed_in_declaration_order() {
        let t = format!(
            "Parameters:\n  B:\n    Type: String\n  A:\n    Type: String\n  C:\n    Type: String\n    Default: c\n{RES}"
        );
        assert_eq!(message(&t, &[]), "Parameters: [B, A] must have values");
        let (tpl, src) = template(&t);
        let e = resolve(&tpl, &IndexMap::new(), &IndexMap::new()).unwrap_err();
        assert_eq!(&src[e[0].span.start as usize..e[0].span.end as usize], "B");
    }

    #[test]
    fn unknown_keys_are_reported() {
        let t = format!("Parameters:\n  A:\n    Type: String\n{RES}");
        assert_eq!(
            message(&t, &[("A", "x"), ("X", "1"), ("Y", "2")]),
            "Parameters: [X, Y] do not exist in the template"
        );
    }

    #[test]
    fn defaults_and_given_values() {
        let t = format!(
            "Parameters:\n  A:\n    Type: String\n    Default: a\n  N:\n    Type: Number\n    Default: 5\n  L:\n    Type: CommaDelimitedList\n    Default: [x, y]\n{RES}"
        );
        let r = resolve_with(&t, &[("A", "given")]).unwrap();
        assert_eq!(r.values["A"], Value::string("given"));
        assert_eq!(r.values["N"], Value::string("5"));
        assert_eq!(
            r.values["L"],
            Value::List(vec![Value::string("x"), Value::string("y")])
        );
    }

    #[test]
    fn numbers_are_validated() {
        let t = format!("Parameters:\n  N:\n    Type: Number\n  L:\n    Type: List<Number>\n{RES}");
        assert_eq!(
            message(&t, &[("N", "abc"), ("L", "1")]),
            "Parameter 'N' must be a number"
        );
        assert_eq!(
            message(&t, &[("N", "1.5"), ("L", "1, x")]),
            "Parameter 'L' must be a number"
        );
        let r = resolve_with(&t, &[("N", "-2e3"), ("L", "1 , 2,3")]).unwrap();
        assert_eq!(
            r.values["L"],
            Value::List(vec![
                Value::string("1"),
                Value::string("2"),
                Value::string("3")
            ])
        );
        assert!(!is_number("") && !is_number("inf") && !is_number("NaN") && !is_number("1 "));
    }

    #[test]
    fn list_types_split_and_trim() {
        let t = format!(
            "Parameters:\n  C:\n    Type: CommaDelimitedList\n  S:\n    Type: List<String>\n  E:\n    Type: CommaDelimitedList\n{RES}"
        );
        let r = resolve_with(&t, &[("C", " a ,b"), ("S", "x,y "), ("E", "")]).unwrap();
        assert_eq!(
            r.values["C"],
            Value::List(vec![Value::string("a"), Value::string("b")])
        );
        assert_eq!(
            r.values["S"],
            Value::List(vec![Value::string("x"), Value::string("y")])
        );
        assert_eq!(r.values["E"], Value::List(vec![Value::string("")]));
    }

    #[test]
    fn constraint_messages() {
        let t = format!(
            "Parameters:\n  Env:\n    Type: String\n    AllowedValues: [dev, prod]\n  Name:\n    Type: String\n    AllowedPattern: '[a-z]+'\n    MinLength: 2\n    MaxLength: 4\n  Size:\n    Type: Number\n    MinValue: 1\n    MaxValue: 10\n  Zones:\n    Type: CommaDelimitedList\n    AllowedValues: [a, b]\n{RES}"
        );
        let ok = [
            ("Env", "dev"),
            ("Name", "abc"),
            ("Size", "10"),
            ("Zones", "a,b"),
        ];
        let with = |k: &str, v: &str| {
            let mut pairs: Vec<(&str, &str)> =
                ok.iter().copied().filter(|(n, _)| *n != k).collect();
            pairs.push((k, v));
            message(&t, &pairs)
        };
        assert!(resolve_with(&t, &ok).is_ok());
        assert_eq!(
            with("Env", "test"),
            "Parameter 'Env' must be one of AllowedValues"
        );
        assert_eq!(
            with("Name", "ab1"),
            "Parameter 'Name' must match pattern [a-z]+"
        );
        assert_eq!(
            with("Name", "abc1"),
            "Parameter 'Name' must match pattern [a-z]+"
        );
        assert_eq!(
            with("Name", "a"),
            "Parameter 'Name' must contain at least 2 characters"
        );
        assert_eq!(
            with("Name", "abcde"),
            "Parameter 'Name' must contain at most 4 characters"
        );
        assert_eq!(
            with("Size", "0"),
            "Parameter 'Size' must be a number not less than 1"
        );
        assert_eq!(
            with("Size", "10.5"),
            "Parameter 'Size' must be a number not greater than 10"
        );
        assert_eq!(
            with("Zones", "a, c"),
            "Parameter 'Zones' must be one of AllowedValues"
        );
    }

    #[test]
    fn constraint_description_replaces_the_message() {
        let t = format!(
            "Parameters:\n  Env:\n    Type: String\n    AllowedValues: [dev, prod]\n    ConstraintDescription: must be dev or prod\n{RES}"
        );
        assert_eq!(
            message(&t, &[("Env", "qa")]),
            "Parameter 'Env' failed to satisfy constraint: must be dev or prod"
        );
        let (tpl, src) = template(&t);
        let e = resolve(&tpl, &given(&[("Env", "qa")]), &IndexMap::new()).unwrap_err();
        assert_eq!(
            &src[e[0].span.start as usize..e[0].span.end as usize],
            "[dev, prod]"
        );
    }

    #[test]
    fn aws_types_are_checked_for_shape() {
        let t = format!(
            "Parameters:\n  Vpc:\n    Type: AWS::EC2::VPC::Id\n  Subnets:\n    Type: List<AWS::EC2::Subnet::Id>\n  Zone:\n    Type: AWS::Route53::HostedZone::Id\n  Az:\n    Type: AWS::EC2::AvailabilityZone::Name\n{RES}"
        );
        let ok = [
            ("Vpc", "vpc-0a1b2c3d"),
            ("Subnets", "subnet-1a, subnet-2b"),
            ("Zone", "Z1D633PJN98FT9"),
            ("Az", "eu-west-1a"),
        ];
        assert!(resolve_with(&t, &ok).is_ok());
        let m = message(
            &t,
            &[
                ("Vpc", "sg-123"),
                ("Subnets", ""),
                ("Zone", "Z1"),
                ("Az", "eu-west-1a"),
            ],
        );
        assert_eq!(
            m,
            "Parameter validation failed: parameter value sg-123 for parameter name Vpc is not a valid AWS::EC2::VPC::Id"
        );
        let m = message(
            &t,
            &[
                ("Vpc", "vpc-1"),
                ("Subnets", "subnet-1,subnet-xyz"),
                ("Zone", "Z1"),
                ("Az", "eu-west-1"),
            ],
        );
        assert!(m.contains("subnet-xyz for parameter name Subnets"), "{m}");
        assert!(m.contains("eu-west-1 for parameter name Az"), "{m}");
    }

    #[test]
    fn ssm_types_read_the_store() {
        let t = format!(
            "Parameters:\n  Ami:\n    Type: AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>\n    Default: /ami/latest\n  Subnets:\n    Type: AWS::SSM::Parameter::Value<List<String>>\n    Default: /subnets\n{RES}"
        );
        let r = resolve_with(&t, &[]).unwrap();
        assert_eq!(r.values["Ami"], Value::string("ami-0abc1234"));
        assert_eq!(
            r.values["Subnets"],
            Value::List(vec![Value::string("subnet-1"), Value::string("subnet-2")])
        );
        // What was given and what was read, for the stack's record and for apply.
        assert_eq!(
            r.from_ssm["Ami"],
            ("/ami/latest".to_owned(), "ami-0abc1234".to_owned())
        );
        assert_eq!(
            r.from_ssm["Subnets"],
            ("/subnets".to_owned(), "subnet-1, subnet-2".to_owned())
        );
        let m = message(&t, &[("Ami", "/ami/missing")]);
        assert!(
            m.contains("parameter `Ami` reads SSM parameter `/ami/missing`"),
            "{m}"
        );
    }

    #[test]
    fn no_echo_parameters_are_masked() {
        let t = format!(
            "Parameters:\n  Secret:\n    Type: String\n    NoEcho: true\n  Plain:\n    Type: String\n{RES}"
        );
        let r = resolve_with(&t, &[("Secret", "hunter2"), ("Plain", "p")]).unwrap();
        assert!(r.is_no_echo("Secret") && !r.is_no_echo("Plain"));
        assert_eq!(r.values["Secret"], Value::string("hunter2"));
        assert_eq!(r.shown("Secret"), Some(Value::string("****")));
        assert_eq!(r.shown("Plain"), Some(Value::string("p")));
    }

    #[test]
    fn no_echo_values_stay_out_of_messages() {
        let t = format!(
            "Parameters:\n  Secret:\n    Type: String\n    NoEcho: true\n    MinLength: 8\n{RES}"
        );
        let (tpl, _) = template(&t);
        let e = resolve(&tpl, &given(&[("Secret", "hunter2")]), &IndexMap::new()).unwrap_err();
        assert_eq!(
            e[0].message,
            "Parameter 'Secret' must contain at least 8 characters"
        );
        assert!(e[0].labels.iter().all(|l| !l.message.contains("hunter2")));
        assert_eq!(e[0].labels[0].message, "the value of `Secret` is `****`");
    }
}
