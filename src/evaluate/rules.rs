//! The `Rules` section: each rule's `RuleCondition`, then its `Assertions`; a false assertion is an error
//! carrying its `AssertDescription`. Also the rules-only functions `Fn::Contains`, `Fn::EachMemberEquals`,
//! `Fn::EachMemberIn`, `Fn::RefAll`, and `Fn::ValueOf`/`Fn::ValueOfAll`, which read resource attributes
//! from the cloud and so are refused here: no provider is consulted.

use crate::source::Diagnostic;
use crate::template::{Expr, ExprKind};

use super::codes;
use super::conditions::equal;
use super::intrinsics::{Eval, Evaluator};
use super::value::Value;

impl Evaluator<'_> {
    /// Checks every rule whose condition holds; failures are recorded as diagnostics.
    pub fn evaluate_rules(&mut self) {
        let t = self.template;
        for (name, rule) in &t.rules {
            let applies = match &rule.rule_condition {
                Some(c) => self.truth(c),
                None => Ok(true),
            };
            if applies != Ok(true) {
                continue;
            }
            for a in &rule.assertions {
                if self.truth(&a.assert) == Ok(false) {
                    let message = match &a.description {
                        Some(d) => d.value.clone(),
                        None => format!("an assertion of rule `{name}` is false"),
                    };
                    self.report(
                        Diagnostic::error(codes::ASSERTION_FAILED, a.assert.span, message)
                            .with_label(rule.key_span, format!("in rule `{name}`")),
                    );
                }
            }
        }
    }

    /// Dispatches the rules-only functions.
    pub(super) fn rules_function(&mut self, e: &Expr) -> Eval<Value> {
        match &e.kind {
            ExprKind::Contains { list, value } => {
                let items = self.items(list, "Fn::Contains")?;
                let v = self.value(value)?;
                Ok(Value::Bool(items.iter().any(|i| equal(i, &v))))
            }
            ExprKind::EachMemberEquals { list, value } => {
                let items = self.items(list, "Fn::EachMemberEquals")?;
                let v = self.value(value)?;
                Ok(Value::Bool(items.iter().all(|i| equal(i, &v))))
            }
            ExprKind::EachMemberIn { list, values } => {
                let items = self.items(list, "Fn::EachMemberIn")?;
                let allowed = self.items(values, "Fn::EachMemberIn")?;
                Ok(Value::Bool(
                    items.iter().all(|i| allowed.iter().any(|a| equal(i, a))),
                ))
            }
            ExprKind::RefAll(ty) => {
                let ty = self.known_text(ty, "the parameter type of `Fn::RefAll`")?;
                let mut out = Vec::new();
                for (name, t) in &self.parameters.types {
                    // A `List<T>` parameter holds values of type `T` too.
                    let declared = t.to_string();
                    if declared != ty && declared != format!("List<{ty}>") {
                        continue;
                    }
                    match self.parameters.get(name) {
                        Some(Value::List(items)) => out.extend(items.iter().cloned()),
                        Some(v) => out.push(v.clone()),
                        None => {}
                    }
                }
                Ok(Value::List(out))
            }
            ExprKind::ValueOf {
                parameter,
                attribute,
            }
            | ExprKind::ValueOfAll {
                parameter_type: parameter,
                attribute,
            } => {
                let func = e.function_name().unwrap_or("Fn::ValueOf");
                let p = self.known_text(parameter, "an argument")?;
                let a = self.known_text(attribute, "an argument")?;
                Err(self.fail(
                    codes::NEEDS_PROVIDER,
                    e.span,
                    format!(
                        "`{func}` is not supported without a provider: attribute `{a}` of `{p}` is read from the cloud"
                    ),
                ))
            }
            _ => panic!(
                "this is a bug: `{}` is not a rules function",
                e.function_name().unwrap_or("data")
            ),
        }
    }

    /// A list argument; a single value counts as a list of one.
    fn items(&mut self, e: &Expr, func: &str) -> Eval<Vec<Value>> {
        match self.value(e)? {
            Value::List(items) => Ok(items),
            v @ (Value::Map(_) | Value::Deferred(_)) => Err(self.fail(
                codes::WRONG_KIND,
                e.span,
                format!("`{func}` takes a list, found {}", v.describe()),
            )),
            v => Ok(vec![v]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::evaluate;
    use super::super::test_support::{inputs, pointed, template};

    const BASE: &str = "Parameters:\n  Env:\n    Type: String\n    Default: prod\n  Size:\n    Type: String\n    Default: small\n  Subnets:\n    Type: List<AWS::EC2::Subnet::Id>\n    Default: subnet-1,subnet-2\n  Other:\n    Type: AWS::EC2::Subnet::Id\n    Default: subnet-3\nResources:\n  R:\n    Type: AWS::SNS::Topic\n";

    fn errors(rules: &str, params: &[(&str, &str)]) -> Vec<(String, String)> {
        let text = format!("{BASE}Rules:\n{rules}");
        let (t, src) = template(&text);
        match evaluate(&t, &inputs(params)) {
            Ok(_) => Vec::new(),
            Err(e) => e
                .iter()
                .map(|d| (d.message.clone(), pointed(&src, d).to_owned()))
                .collect(),
        }
    }

    const PROD_RULE: &str = "  ProdSize:\n    RuleCondition: !Equals [!Ref Env, prod]\n    Assertions:\n      - Assert: {'Fn::Contains': [[large, xlarge], !Ref Size]}\n        AssertDescription: production needs a large size\n";

    #[test]
    fn failed_assertions_carry_their_description() {
        assert_eq!(
            errors(PROD_RULE, &[]),
            [(
                "production needs a large size".to_owned(),
                "{'Fn::Contains': [[large, xlarge], !Ref Size]}".to_owned()
            )]
        );
        assert!(errors(PROD_RULE, &[("Size", "large")]).is_empty());
    }

    #[test]
    fn rule_condition_false_skips_assertions() {
        assert!(errors(PROD_RULE, &[("Env", "dev")]).is_empty());
    }

    #[test]
    fn each_member_functions_and_ref_all() {
        let rules = "  Subnets:\n    Assertions:\n      - Assert: {'Fn::EachMemberIn': [!Ref Subnets, [subnet-1, subnet-2, subnet-3]]}\n      - Assert: {'Fn::EachMemberEquals': [!Ref Subnets, subnet-1]}\n        AssertDescription: all subnets must be subnet-1\n      - Assert: {'Fn::Contains': [{'Fn::RefAll': AWS::EC2::Subnet::Id}, subnet-3]}\n      - Assert: {'Fn::EachMemberIn': [!Ref Subnets, {'Fn::RefAll': AWS::EC2::Subnet::Id}]}\n      - Assert: !Not [{'Fn::Contains': [{'Fn::RefAll': 'List<AWS::EC2::Subnet::Id>'}, subnet-3]}]\n";
        assert_eq!(
            errors(rules, &[]),
            [(
                "all subnets must be subnet-1".to_owned(),
                "{'Fn::EachMemberEquals': [!Ref Subnets, subnet-1]}".to_owned()
            )]
        );
    }

    #[test]
    fn value_of_needs_a_provider() {
        let rules = "  Vpc:\n    Assertions:\n      - Assert: !Equals [{'Fn::ValueOf': [Other, VpcId]}, vpc-1]\n";
        let e = errors(rules, &[]);
        assert_eq!(
            e[0].0,
            "`Fn::ValueOf` is not supported without a provider: attribute `VpcId` of `Other` is read from the cloud"
        );
    }
}
