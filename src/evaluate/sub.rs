//! `Fn::Sub`: substitutes `${Name}` variables into a template string. Variables given in the call shadow
//! parameters, pseudo parameters and resources of the same name; `${Resource.Attribute}` is a deferred
//! `Fn::GetAtt`; `${!Literal}` is the literal `${Literal}` (already unescaped when the string was parsed).
//! A substitution that waits for a resource makes the whole string deferred.

use indexmap::IndexMap;

use crate::source::{Diagnostic, Span, suggest};
use crate::template::{ExprMap, SubPart};

use super::codes;
use super::intrinsics::{Eval, Evaluator, Failed};
use super::pseudo::Pseudo;
use super::value::{Deferred, Value};

impl Evaluator<'_> {
    pub(super) fn sub(
        &mut self,
        span: Span,
        parts: &[SubPart],
        variables: &ExprMap,
    ) -> Eval<Value> {
        // Every variable is evaluated (so each error is reported); a `NoValue` one fails only when used.
        let mut vars: IndexMap<&str, (Span, Option<Value>)> = IndexMap::new();
        let mut failed = false;
        for (k, (_, e)) in variables {
            match self.eval(e) {
                Ok(v) => {
                    vars.insert(k.as_str(), (e.span, v));
                }
                Err(Failed) => failed = true,
            }
        }
        if failed {
            return Err(Failed);
        }
        let mut text = String::new();
        // The same string with literal `${` escaped, and the deferred variables left in it.
        let mut escaped = String::new();
        let mut deferred: IndexMap<String, Value> = IndexMap::new();
        for part in parts {
            match part {
                SubPart::Text(t) => {
                    text.push_str(t);
                    escaped.push_str(&t.replace("${", "${!"));
                }
                SubPart::Var { name, span } => {
                    let value = match vars.get(name.as_str()) {
                        Some((_, Some(v))) => v.clone(),
                        Some((vspan, None)) => {
                            return Err(self.report(
                                Diagnostic::error(
                                    codes::NOVALUE_NOT_ALLOWED,
                                    *span,
                                    format!("`Fn::Sub` variable `{name}` is `AWS::NoValue`"),
                                )
                                .with_label(*vspan, "set here"),
                            ));
                        }
                        None => self.sub_name(name, *span)?,
                    };
                    match value {
                        Value::Deferred(_) => {
                            escaped.push_str(&format!("${{{name}}}"));
                            deferred.insert(name.clone(), value);
                        }
                        v => match v.as_text() {
                            Some(t) => {
                                text.push_str(&t);
                                escaped.push_str(&t.replace("${", "${!"));
                            }
                            None => {
                                return Err(self.fail(
                                    codes::WRONG_KIND,
                                    *span,
                                    format!(
                                        "`Fn::Sub` variable `{name}` is {}; only strings can be substituted",
                                        v.describe()
                                    ),
                                ));
                            }
                        },
                    }
                }
            }
        }
        if deferred.is_empty() {
            self.computed_string(span, text)
        } else {
            Ok(Value::Deferred(Deferred::Sub {
                template: escaped,
                vars: deferred,
            }))
        }
    }

    /// A `${Name}` not given as a variable: a parameter, a pseudo parameter, a resource, or
    /// `Resource.Attribute`.
    fn sub_name(&mut self, name: &str, span: Span) -> Eval<Value> {
        if let Some(v) = self.parameters.get(name) {
            return Ok(v.clone());
        }
        match self.context.pseudo(name) {
            Some(Pseudo::Value(v)) => return Ok(v),
            Some(Pseudo::NoValue) => {
                return Err(self.fail(
                    codes::NOVALUE_NOT_ALLOWED,
                    span,
                    "`AWS::NoValue` cannot be substituted by `Fn::Sub`",
                ));
            }
            None => {}
        }
        let resources = &self.template.resources;
        let known = self.known.map(|k| &k.resources);
        if resources.contains_key(name) {
            if let Some(r) = known.and_then(|k| k.get(name)) {
                return Ok(Value::String(r.ref_value.clone()));
            }
            return Ok(Value::Deferred(Deferred::Ref(name.to_owned())));
        }
        if let Some((r, a)) = name.split_once('.')
            && resources.contains_key(r)
        {
            if let Some(k) = known.and_then(|k| k.get(r)) {
                return match k.attributes.get(a) {
                    Some(v) => Ok(v.clone()),
                    None => Err(self.fail(
                        codes::UNRESOLVED_NAME,
                        span,
                        format!("resource `{r}` has no attribute `{a}`"),
                    )),
                };
            }
            return Ok(Value::Deferred(Deferred::GetAtt(
                r.to_owned(),
                a.to_owned(),
            )));
        }
        let t = self.template;
        let help = suggest(
            name,
            t.parameters
                .keys()
                .chain(t.resources.keys())
                .map(String::as_str)
                .chain(crate::check::PSEUDO_PARAMETERS.iter().copied()),
        );
        Err(self.report(
            Diagnostic::error(
                codes::UNRESOLVED_NAME,
                span,
                format!(
                    "`Fn::Sub` variable `{name}` is not a variable, parameter, pseudo parameter or resource"
                ),
            )
            .with_help_opt(help),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{output, output_error};
    use super::*;

    const P: &str = "Parameters:\n  Env:\n    Type: String\n    Default: prod\n  Zones:\n    Type: CommaDelimitedList\n    Default: a,b\n";

    fn s(x: &str) -> Value {
        Value::string(x)
    }

    #[test]
    fn parameters_and_pseudo_parameters() {
        assert_eq!(
            output(
                P,
                "!Sub 'arn:${AWS::Partition}:s3:::${Env}-bucket/${AWS::AccountId}'"
            )
            .unwrap(),
            s("arn:aws:s3:::prod-bucket/123456789012")
        );
    }

    #[test]
    fn escapes_are_literal() {
        assert_eq!(
            output(P, "!Sub '${!Env} is ${Env}, ${!Literal}'").unwrap(),
            s("${Env} is prod, ${Literal}")
        );
    }

    #[test]
    fn variables_shadow_names() {
        assert_eq!(
            output(
                P,
                "!Sub ['${Env}/${R}/${AWS::Region}', {Env: dev, R: topic, AWS::Region: here}]"
            )
            .unwrap(),
            s("dev/topic/here")
        );
        assert_eq!(
            output(P, "!Sub ['${X}', {X: !Select [1, !Ref Zones]}]").unwrap(),
            s("b")
        );
    }

    #[test]
    fn resources_and_attributes_are_deferred_as_a_whole() {
        let v = output(P, "!Sub '${!Keep}-${Env}-${R}-${R.TopicName}'").unwrap();
        let mut vars = IndexMap::new();
        vars.insert("R".to_owned(), Value::Deferred(Deferred::Ref("R".into())));
        vars.insert(
            "R.TopicName".to_owned(),
            Value::Deferred(Deferred::GetAtt("R".into(), "TopicName".into())),
        );
        assert_eq!(
            v,
            Value::Deferred(Deferred::Sub {
                template: "${!Keep}-prod-${R}-${R.TopicName}".into(),
                vars
            })
        );
    }

    #[test]
    fn list_values_are_errors() {
        let e = output_error(P, "!Sub 'zones: ${Zones}'");
        assert_eq!(e[0].1, "Zones");
        assert!(e[0].0.contains("is a list"), "{}", e[0].0);
        let e = output_error(P, "!Sub ['${X}', {X: [a]}]");
        assert_eq!(e[0].1, "X");
    }

    #[test]
    fn dynamic_references_in_the_result_are_resolved() {
        assert_eq!(
            output(P, "!Sub ['{{resolve:ssm:/app/${N}}}', {N: name}]").unwrap(),
            s("cairn")
        );
    }

    #[test]
    fn unknown_names_point_at_the_variable() {
        let e = output_error(P, "!Sub 'a-${Evn}'");
        assert_eq!(e[0].1, "Evn");
    }
}
