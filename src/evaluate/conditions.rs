//! Conditions: each entry of the `Conditions` section evaluated exactly once (memoized, so conditions
//! that share sub-conditions never blow up), in dependency order, plus the condition functions `Fn::Equals`,
//! `Fn::And`, `Fn::Or`, `Fn::Not` and `Condition`. Cycles are rejected by `check`; here a visiting set
//! still guards against them so evaluation never loops.

use indexmap::IndexMap;

use crate::source::{Diagnostic, Span, codes as source_codes, suggest};
use crate::template::{Expr, ExprKind, Name};

use super::codes;
use super::intrinsics::{Eval, Evaluator, Failed};
use super::value::Value;

impl Evaluator<'_> {
    /// Evaluates every condition of the template; the result is in declaration order. Conditions that
    /// failed (their diagnostics are recorded) are left out.
    pub fn evaluate_conditions(&mut self) -> IndexMap<String, bool> {
        let t = self.template;
        for (name, def) in &t.conditions {
            let _ = self.condition_named(name, def.key_span);
        }
        t.conditions
            .keys()
            .filter_map(|k| Some((k.clone(), (*self.conditions.get(k)?)?)))
            .collect()
    }

    /// The value of a named condition (`Fn::If`, `Condition`).
    pub fn condition(&mut self, name: &Name) -> Eval<bool> {
        self.condition_named(&name.value, name.span)
    }

    fn condition_named(&mut self, name: &str, span: Span) -> Eval<bool> {
        if let Some(done) = self.settled.and_then(|s| s.get(name)) {
            return Ok(*done);
        }
        if let Some(done) = self.conditions.get(name) {
            return done.ok_or(Failed);
        }
        let t = self.template;
        let Some(def) = t.conditions.get(name) else {
            let help = suggest(name, t.conditions.keys().map(String::as_str));
            return Err(self.report(
                Diagnostic::error(
                    codes::UNRESOLVED_NAME,
                    span,
                    format!("condition `{name}` is not defined in `Conditions`"),
                )
                .with_help_opt(help),
            ));
        };
        if let Some(at) = self.visiting.iter().position(|v| v == name) {
            let mut path: Vec<&str> = self.visiting[at..].iter().map(String::as_str).collect();
            path.push(name);
            let message = format!(
                "conditions refer to each other in a cycle: {}",
                path.join(" -> ")
            );
            return Err(self.fail(source_codes::CONDITION_CYCLE, span, message));
        }
        self.visiting.push(name.to_owned());
        let result = self.truth(&def.expr);
        self.visiting.pop();
        self.conditions.insert(name.to_owned(), result.ok());
        result
    }

    /// Evaluates a condition expression to true or false.
    pub fn truth(&mut self, e: &Expr) -> Eval<bool> {
        match &e.kind {
            ExprKind::Equals(a, b) => {
                let (x, y) = (self.value(a), self.value(b));
                let (x, y) = (x?, y?);
                for (v, side) in [(&x, a), (&y, b)] {
                    if v.contains_deferred() {
                        return Err(self.fail(
                            codes::NEEDS_RESOURCE,
                            side.span,
                            format!("`Fn::Equals` compares values known before resources are created, found {v}"),
                        ));
                    }
                }
                Ok(equal(&x, &y))
            }
            ExprKind::And(items) => Ok(self.all_truths(items)?.iter().all(|b| *b)),
            ExprKind::Or(items) => Ok(self.all_truths(items)?.iter().any(|b| *b)),
            ExprKind::Not(inner) => Ok(!self.truth(inner)?),
            ExprKind::Condition(name) => self.condition(name),
            _ => match self.value(e)? {
                Value::Bool(b) => Ok(b),
                Value::String(s) if s == "true" || s == "false" => Ok(s == "true"),
                v => Err(self.fail(
                    codes::WRONG_KIND,
                    e.span,
                    format!(
                        "a condition must be true or false (`Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not`, `Condition`), found {}",
                        v.describe()
                    ),
                )),
            },
        }
    }

    /// Every operand is evaluated, so each failing one is reported.
    fn all_truths(&mut self, items: &[Expr]) -> Eval<Vec<bool>> {
        let results: Vec<Eval<bool>> = items.iter().map(|i| self.truth(i)).collect();
        results.into_iter().collect()
    }
}

/// Equality as `Fn::Equals` compares: scalars by their string form (`1` equals `"1"`, `true` equals
/// `"true"`), lists and maps item by item.
pub fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
        }
        (Value::Null, Value::Null) => true,
        _ => match (a.as_text(), b.as_text()) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{pointed, run, template};
    use super::*;

    fn conditions(text: &str, params: &[(&str, &str)]) -> IndexMap<String, bool> {
        run(text, params).expect("evaluates").conditions
    }

    const BASE: &str = "Parameters:\n  Env:\n    Type: String\n    Default: prod\n  Count:\n    Type: Number\n    Default: 3\n  Names:\n    Type: CommaDelimitedList\n    Default: a,b\nMappings:\n  M:\n    prod:\n      Big: true\n    dev:\n      Big: false\nResources:\n  R:\n    Type: AWS::SNS::Topic\n";

    #[test]
    fn equals_compares_string_forms() {
        let t = format!(
            "{BASE}Conditions:\n  IsProd: !Equals [!Ref Env, prod]\n  Three: !Equals [!Ref Count, 3]\n  BigProd: !Equals [!FindInMap [M, !Ref Env, Big], 'true']\n  Second: !Equals [!Select [1, !Ref Names], b]\n  Joined: !Equals [!Join ['-', !Ref Names], a-b]\n  Subbed: !Equals [!Sub '${{Env}}-${{AWS::Region}}', prod-us-east-1]\n  Split: !Equals [!Select [0, !Split ['-', !Ref AWS::Region]], us]\n  Other: !Equals [!Ref AWS::AccountId, '999']\n"
        );
        let c = conditions(&t, &[]);
        for k in [
            "IsProd", "Three", "BigProd", "Second", "Joined", "Subbed", "Split",
        ] {
            assert!(c[k], "{k}");
        }
        assert!(!c["Other"]);
        assert!(!conditions(&t, &[("Env", "dev")])["IsProd"]);
    }

    #[test]
    fn and_or_not_and_condition_references() {
        let t = format!(
            "{BASE}Conditions:\n  Both: !And [!Condition IsProd, !Condition Many]\n  Either: !Or [!Not [!Condition IsProd], !Condition Many]\n  IsProd: !Equals [!Ref Env, prod]\n  Many: !Equals [!Ref Count, 3]\n  Neither: !Not [!Condition Either]\n"
        );
        let c = conditions(&t, &[]);
        assert_eq!(
            c.iter().map(|(k, v)| (k.as_str(), *v)).collect::<Vec<_>>(),
            [
                ("Both", true),
                ("Either", true),
                ("IsProd", true),
                ("Many", true),
                ("Neither", false)
            ]
        );
        let c = conditions(&t, &[("Env", "dev"), ("Count", "1")]);
        assert!(!c["Both"] && c["Either"] && !c["Neither"]);
    }

    #[test]
    fn each_condition_is_evaluated_once() {
        // A chain where each condition uses the previous one twice: 2^40 evaluations without memoization.
        let mut t = format!("{BASE}Conditions:\n  C0: !Equals [!Ref Env, prod]\n");
        for i in 1..=40 {
            let p = i - 1;
            t.push_str(&format!(
                "  C{i}: !And [!Condition C{p}, !Or [!Condition C{p}, !Condition C0]]\n"
            ));
        }
        let c = conditions(&t, &[]);
        assert_eq!(c.len(), 41);
        assert!(c["C40"]);
    }

    #[test]
    fn cycles_are_reported_not_followed() {
        let text = format!("{BASE}Conditions:\n  A: !Condition B\n  B: !Not [!Condition A]\n");
        let (t, src) = template(&text);
        let e = super::super::evaluate(&t, &super::super::test_support::inputs(&[])).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(
            e[0].message,
            "conditions refer to each other in a cycle: A -> B -> A"
        );
        assert_eq!(pointed(&src, &e[0]), "A");
    }

    #[test]
    fn conditions_cannot_wait_for_resources() {
        let text = format!("{BASE}Conditions:\n  A: !Equals [!Ref R, x]\n");
        let (t, src) = template(&text);
        let e = super::super::evaluate(&t, &super::super::test_support::inputs(&[])).unwrap_err();
        assert_eq!(e[0].code, codes::NEEDS_RESOURCE);
        assert_eq!(pointed(&src, &e[0]), "!Ref R");
    }

    #[test]
    fn equality_rules() {
        assert!(equal(&Value::Number("1".into()), &Value::string("1")));
        assert!(!equal(&Value::Number("1.0".into()), &Value::string("1")));
        assert!(equal(&Value::Bool(false), &Value::string("false")));
        assert!(equal(
            &Value::List(vec![Value::string("a")]),
            &Value::List(vec![Value::string("a")])
        ));
        assert!(!equal(&Value::List(vec![]), &Value::string("")));
    }
}
