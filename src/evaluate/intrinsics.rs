//! The evaluator: turns an [`Expr`] into a [`Value`] with CloudFormation's semantics. This file owns the
//! evaluator's state, the dispatch over intrinsic functions, plain data, `Ref`, `Fn::GetAtt`, `Fn::If` and
//! dynamic references; each other function lives in its own file (`functions.rs`, `sub.rs`, `cidr.rs`,
//! `conditions.rs`, `rules.rs`). Resources are never created here: what depends on them stays
//! [`Deferred`].

use indexmap::IndexMap;

use crate::source::{Diagnostic, Span, suggest};
use crate::template::{DynamicPart, Expr, ExprKind, Name, Template};

use super::Known;
use super::codes;
use super::parameters::ResolvedParameters;
use super::pseudo::{Context, Pseudo};
use super::value::{Deferred, Value};

/// An evaluation failed; its diagnostic has already been recorded in the evaluator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failed;

pub type Eval<T> = Result<T, Failed>;

pub struct Evaluator<'a> {
    pub template: &'a Template,
    pub parameters: &'a ResolvedParameters,
    pub context: &'a Context,
    pub ssm: &'a IndexMap<String, String>,
    /// Resources that exist and exports that can be imported: their `Ref`, `Fn::GetAtt` and
    /// `Fn::ImportValue` resolve instead of staying deferred.
    pub known: Option<&'a Known>,
    /// The export names `Fn::ImportValue` read, in order of first use.
    pub imports: Vec<String>,
    /// The SSM parameters `{{resolve:ssm:...}}` read (as referenced) and the values read.
    pub ssm_read: IndexMap<String, String>,
    /// Memoized conditions: `None` when a condition failed (its diagnostic is already reported).
    pub(super) conditions: IndexMap<String, Option<bool>>,
    /// Conditions already evaluated for these inputs (a [`super::Prepared`]'s), read before
    /// `conditions`: borrowed, so that evaluating one resource does not copy every condition.
    pub(super) settled: Option<&'a IndexMap<String, bool>>,
    /// Conditions being evaluated, innermost last: a guard against cycles.
    pub(super) visiting: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> Evaluator<'a> {
    pub fn new(
        template: &'a Template,
        parameters: &'a ResolvedParameters,
        context: &'a Context,
        ssm: &'a IndexMap<String, String>,
    ) -> Evaluator<'a> {
        Evaluator {
            template,
            parameters,
            context,
            ssm,
            known: None,
            imports: Vec::new(),
            ssm_read: IndexMap::new(),
            conditions: IndexMap::new(),
            settled: None,
            visiting: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// `Fn::ImportValue` of a resolved name: the export's value when exports are known.
    pub(super) fn import(&mut self, span: Span, name: String) -> Eval<Value> {
        if !self.imports.contains(&name) {
            self.imports.push(name.clone());
        }
        match self.known.and_then(|k| k.exports.as_ref()) {
            None => Ok(Value::Deferred(Deferred::ImportValue(name))),
            Some(exports) => match exports.get(&name) {
                Some(v) => Ok(Value::String(v.clone())),
                None => Err(self.fail(
                    codes::UNRESOLVED_NAME,
                    span,
                    format!("No export named {name} found."),
                )),
            },
        }
    }

    /// Records an error and returns the failure to propagate.
    pub fn fail(&mut self, code: &'static str, span: Span, message: impl Into<String>) -> Failed {
        self.report(Diagnostic::error(code, span, message))
    }

    pub fn report(&mut self, d: Diagnostic) -> Failed {
        self.diagnostics.push(d);
        Failed
    }

    /// Evaluates `e`; `None` is `Ref AWS::NoValue` (or an `Fn::If` branch yielding it): the enclosing
    /// property or list item is removed.
    pub fn eval(&mut self, e: &Expr) -> Eval<Option<Value>> {
        use ExprKind as K;
        let v = match &e.kind {
            K::Null => Value::Null,
            K::Bool(b) => Value::Bool(*b),
            K::Number(n) => Value::Number(n.clone()),
            K::String(s) => Value::String(s.clone()),
            K::Dynamic(parts) => self.dynamic(e.span, parts)?,
            K::List(items) => self.list(items)?,
            K::Map(m) => {
                let mut out = IndexMap::with_capacity(m.len());
                let mut failed = false;
                for (k, (_, item)) in m {
                    match self.eval(item) {
                        Ok(Some(v)) => {
                            out.insert(k.clone(), v);
                        }
                        Ok(None) => {}
                        Err(Failed) => failed = true,
                    }
                }
                if failed {
                    return Err(Failed);
                }
                Value::Map(out)
            }
            K::Ref(name) => return self.reference(name),
            K::GetAtt {
                resource,
                attribute,
            } => self.get_att(resource, attribute)?,
            K::If {
                condition,
                then,
                otherwise,
            } => {
                let chosen = if self.condition(condition)? {
                    then
                } else {
                    otherwise
                };
                return self.eval(chosen);
            }
            K::Sub(sub) => self.sub(e.span, &sub.parts, &sub.variables)?,
            K::Equals(..) | K::And(_) | K::Or(_) | K::Not(_) | K::Condition(_) => {
                Value::Bool(self.truth(e)?)
            }
            K::Contains { .. }
            | K::EachMemberEquals { .. }
            | K::EachMemberIn { .. }
            | K::RefAll(_)
            | K::ValueOf { .. }
            | K::ValueOfAll { .. } => self.rules_function(e)?,
            K::Transform { .. } => {
                return Err(self.fail(
                    codes::NOT_EVALUABLE,
                    e.span,
                    "`Fn::Transform` cannot be evaluated: transforms are not expanded by this version of Cairn",
                ));
            }
            K::ForEach { .. } => {
                return Err(self.fail(
                    codes::NOT_EVALUABLE,
                    e.span,
                    "`Fn::ForEach` cannot be evaluated: loops are not expanded by this version of Cairn",
                ));
            }
            K::Invalid => {
                return Err(self.fail(
                    codes::NOT_EVALUABLE,
                    e.span,
                    "this call is malformed and cannot be evaluated",
                ));
            }
            _ => self.function(e)?,
        };
        Ok(Some(v))
    }

    /// Evaluates `e` where a value is required: `AWS::NoValue` is an error.
    pub fn value(&mut self, e: &Expr) -> Eval<Value> {
        match self.eval(e)? {
            Some(v) => Ok(v),
            None => Err(self.fail(
                codes::NOVALUE_NOT_ALLOWED,
                e.span,
                "`AWS::NoValue` is used where a value is required",
            )),
        }
    }

    /// Evaluates `e` to a string known now: numbers and booleans read as their text; lists, maps and
    /// values that wait for resources are errors naming `what`.
    pub fn known_text(&mut self, e: &Expr, what: &str) -> Eval<String> {
        let v = self.value(e)?;
        self.text_of(e.span, &v, what)
    }

    pub fn text_of(&mut self, span: Span, v: &Value, what: &str) -> Eval<String> {
        match v {
            Value::Deferred(_) => Err(self.fail(
                codes::NEEDS_RESOURCE,
                span,
                format!("{what} must be known before resources are created, found {v}"),
            )),
            _ => match v.as_text() {
                Some(t) => Ok(t.into_owned()),
                None => Err(self.fail(
                    codes::WRONG_KIND,
                    span,
                    format!("{what} must be a string, found {}", v.describe()),
                )),
            },
        }
    }

    /// A list: items that are `AWS::NoValue` are removed. Every item is evaluated, so one run reports
    /// every failing item.
    fn list(&mut self, items: &[Expr]) -> Eval<Value> {
        let mut out = Vec::with_capacity(items.len());
        let mut failed = false;
        for item in items {
            match self.eval(item) {
                Ok(Some(v)) => out.push(v),
                Ok(None) => {}
                Err(Failed) => failed = true,
            }
        }
        if failed {
            Err(Failed)
        } else {
            Ok(Value::List(out))
        }
    }

    /// `Ref`: a parameter's value, a pseudo parameter, or a resource (deferred).
    fn reference(&mut self, name: &Name) -> Eval<Option<Value>> {
        let n = name.value.as_str();
        if let Some(v) = self.parameters.get(n) {
            return Ok(Some(v.clone()));
        }
        match self.context.pseudo(n) {
            Some(Pseudo::Value(v)) => return Ok(Some(v)),
            Some(Pseudo::NoValue) => return Ok(None),
            None => {}
        }
        if self.template.resources.contains_key(n) {
            if let Some(r) = self.known.and_then(|k| k.resources.get(n)) {
                return Ok(Some(Value::String(r.ref_value.clone())));
            }
            return Ok(Some(Value::Deferred(Deferred::Ref(n.to_owned()))));
        }
        let t = self.template;
        let candidates = t
            .parameters
            .keys()
            .chain(t.resources.keys())
            .map(String::as_str)
            .chain(crate::check::PSEUDO_PARAMETERS.iter().copied());
        let help = suggest(n, candidates);
        Err(self.report(
            Diagnostic::error(
                codes::UNRESOLVED_NAME,
                name.span,
                format!("`Ref` to `{n}`, which is not a parameter, pseudo parameter or resource"),
            )
            .with_help_opt(help),
        ))
    }

    /// `Fn::GetAtt`: always deferred; the attribute name may come from a parameter.
    fn get_att(&mut self, resource: &Name, attribute: &Expr) -> Eval<Value> {
        if !self.template.resources.contains_key(&resource.value) {
            let help = suggest(
                &resource.value,
                self.template.resources.keys().map(String::as_str),
            );
            return Err(self.report(
                Diagnostic::error(
                    codes::UNRESOLVED_NAME,
                    resource.span,
                    format!(
                        "`Fn::GetAtt` on `{}`, which is not a resource",
                        resource.value
                    ),
                )
                .with_help_opt(help),
            ));
        }
        let attribute = self.known_text(attribute, "the attribute name of `Fn::GetAtt`")?;
        if let Some(r) = self
            .known
            .and_then(|k| k.resources.get(&resource.value))
            .filter(|r| !r.attributes_pending)
        {
            return match r.attributes.get(&attribute) {
                Some(v) => Ok(v.clone()),
                None => Err(self.fail(
                    codes::UNRESOLVED_NAME,
                    resource.span,
                    format!(
                        "resource `{}` has no attribute `{attribute}`",
                        resource.value
                    ),
                )),
            };
        }
        Ok(Value::Deferred(Deferred::GetAtt(
            resource.value.clone(),
            attribute,
        )))
    }

    /// A string with `{{resolve:...}}` references: `ssm` ones are read from the SSM store; `ssm-secure`
    /// and `secretsmanager` ones stay as written (secrets are resolved by the service and masked by callers).
    fn dynamic(&mut self, span: Span, parts: &[DynamicPart]) -> Eval<Value> {
        let mut out = String::new();
        for part in parts {
            match part {
                DynamicPart::Text(t) => out.push_str(t),
                DynamicPart::Resolve(r) if r.service == "ssm" => match self.ssm_value(&r.reference)
                {
                    Some(v) => {
                        out.push_str(v);
                        self.ssm_read
                            .entry(r.reference.clone())
                            .or_insert_with(|| v.clone());
                    }
                    None => {
                        return Err(self.fail(
                            codes::SSM_PARAMETER_MISSING,
                            span,
                            format!(
                                "dynamic reference `{{{{resolve:ssm:{}}}}}` names an SSM parameter that is not in the parameter store",
                                r.reference
                            ),
                        ));
                    }
                },
                DynamicPart::Resolve(r) => {
                    out.push_str(&format!("{{{{resolve:{}:{}}}}}", r.service, r.reference));
                }
            }
        }
        Ok(Value::String(out))
    }

    /// A computed string (a `Fn::Sub` or `Fn::Join` result): the `{{resolve:...}}` references it holds
    /// are resolved as literal ones are, since CloudFormation resolves them after the functions.
    pub(super) fn computed_string(&mut self, span: Span, s: String) -> Eval<Value> {
        if !s.contains("{{resolve:") {
            return Ok(Value::String(s));
        }
        match crate::template::parse_dynamic(&s) {
            Ok(parts) => self.dynamic(span, &parts),
            Err(_) => Ok(Value::String(s)),
        }
    }

    /// `name` or `name:version` (the store holds current values, so a version reads the same value).
    fn ssm_value(&self, reference: &str) -> Option<&'a String> {
        self.ssm.get(reference).or_else(|| {
            let (name, version) = reference.rsplit_once(':')?;
            version
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| self.ssm.get(name))
                .flatten()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{output, output_error, run};
    use super::*;

    const PARAMS: &str = "Parameters:\n  Env:\n    Type: String\n    Default: prod\n  Zones:\n    Type: CommaDelimitedList\n    Default: a,b\n";

    #[test]
    fn refs_to_parameters_pseudo_parameters_and_resources() {
        assert_eq!(output(PARAMS, "!Ref Env").unwrap(), Value::string("prod"));
        assert_eq!(
            output(PARAMS, "!Ref AWS::Region").unwrap(),
            Value::string("us-east-1")
        );
        assert_eq!(
            output(PARAMS, "!Ref R").unwrap(),
            Value::Deferred(Deferred::Ref("R".into()))
        );
        assert_eq!(
            output(PARAMS, "!GetAtt R.TopicName").unwrap(),
            Value::Deferred(Deferred::GetAtt("R".into(), "TopicName".into()))
        );
    }

    #[test]
    fn unknown_ref_points_at_the_name() {
        let e = output_error(PARAMS, "!Ref Evn");
        assert_eq!(e[0].1, "Evn");
        assert!(e[0].0.contains("`Evn`"), "{}", e[0].0);
    }

    #[test]
    fn novalue_removes_properties_and_list_items() {
        let text = "Resources:\n  R:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Ref AWS::NoValue\n      Tags:\n        - Key: a\n          Value: b\n        - !Ref AWS::NoValue\n";
        let r = run(text, &[]).unwrap();
        let props = &r.resources["R"].properties;
        let Value::Map(m) = props else {
            panic!("{props:?}")
        };
        assert!(!m.contains_key("TopicName"));
        let Value::List(tags) = &m["Tags"] else {
            panic!()
        };
        assert_eq!(tags.len(), 1);
    }

    #[test]
    fn novalue_where_a_value_is_required_is_an_error() {
        let e = output_error("", "!Ref AWS::NoValue");
        assert_eq!(e[0].1, "!Ref AWS::NoValue");
    }

    #[test]
    fn if_evaluates_only_the_chosen_branch() {
        let c = "Conditions:\n  Yes: !Equals [a, a]\n";
        assert_eq!(
            output(c, "!If [Yes, ok, !Select [9, []]]").unwrap(),
            Value::string("ok")
        );
        assert_eq!(
            output(c, "!Join [',', [a, !If [Yes, !Ref AWS::NoValue, b], c]]").unwrap(),
            Value::string("a,c")
        );
        let e = output_error(c, "!If [No, a, b]");
        assert_eq!(e[0].1, "No");
    }

    #[test]
    fn get_att_attribute_from_a_parameter() {
        let p = "Parameters:\n  Attr:\n    Type: String\n    Default: TopicArn\n";
        assert_eq!(
            output(p, "!GetAtt [R, !Ref Attr]").unwrap(),
            Value::Deferred(Deferred::GetAtt("R".into(), "TopicArn".into()))
        );
    }

    #[test]
    fn pseudo_parameters_follow_the_context() {
        use super::super::test_support::{inputs, template};
        let text = "Resources:\n  R:\n    Type: AWS::SNS::Topic\nOutputs:\n  Out:\n    Value: !Sub '${AWS::Partition}|${AWS::URLSuffix}|${AWS::Region}|${AWS::AccountId}|${AWS::StackName}'\n  Arns:\n    Value: !Join [',', !Ref AWS::NotificationARNs]\n";
        let (t, _) = template(text);
        for (region, expected) in [
            ("eu-west-1", "aws|amazonaws.com|eu-west-1"),
            ("cn-north-1", "aws-cn|amazonaws.com.cn|cn-north-1"),
            ("us-gov-east-1", "aws-us-gov|amazonaws.com|us-gov-east-1"),
        ] {
            let mut i = inputs(&[]);
            i.context = Context {
                region: region.into(),
                account_id: "111122223333".into(),
                stack_name: "web".into(),
                stack_id: None,
                notification_arns: vec!["arn:x".into(), "arn:y".into()],
            };
            let e = super::super::evaluate(&t, &i).unwrap();
            assert_eq!(
                e.outputs["Out"].value,
                Value::String(format!("{expected}|111122223333|web"))
            );
            assert_eq!(e.outputs["Arns"].value, Value::string("arn:x,arn:y"));
        }
    }

    #[test]
    fn dynamic_references() {
        assert_eq!(
            output("", "\"x-{{resolve:ssm:/app/name:3}}-y\"").unwrap(),
            Value::string("x-cairn-y")
        );
        assert_eq!(
            output("", "\"{{resolve:secretsmanager:db:SecretString:pw}}\"").unwrap(),
            Value::string("{{resolve:secretsmanager:db:SecretString:pw}}")
        );
        let e = output_error("", "\"{{resolve:ssm:/nope}}\"");
        assert!(e[0].0.contains("/nope"), "{}", e[0].0);
    }
}
