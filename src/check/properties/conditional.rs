//! References (`Ref`, `Fn::GetAtt`, `Fn::Sub` variables) to a resource that has a `Condition`, from a place
//! that may exist when that condition is false: a resource or output with no condition or another one, not
//! inside a `Fn::If` on the condition. CloudFormation then fails the stack operation (cfn-lint's W1001).
//!
//! Whether one condition implies another is decided from their definitions alone (`Fn::And`, `Fn::Or`,
//! `Fn::Not` over `Condition` names); conditions that are only equivalent in value are not compared, so the
//! check stays a warning.

use std::collections::HashMap;

use crate::source::{Diagnostic, Span, codes};
use crate::template::{Expr, ExprKind, SubPart, Template};

/// How deep condition definitions are followed (cycles are reported by the conditions pass).
const MAX_DEPTH: usize = 16;

pub(super) fn check(t: &Template, out: &mut Vec<Diagnostic>) {
    // Each condition's definition as text, once (compared whenever a reference crosses two conditions).
    let canon: HashMap<&str, Option<String>> = t
        .conditions
        .iter()
        .map(|(name, c)| (name.as_str(), canonical(&c.expr)))
        .collect();
    for (id, r) in &t.resources {
        if let Some(p) = &r.properties {
            let mut cx = Cx {
                t,
                canon: &canon,
                out: &mut *out,
                referrer: ("resource", id),
                scope: r
                    .condition
                    .iter()
                    .map(|c| (c.value.as_str(), true))
                    .collect(),
            };
            cx.walk(p);
        }
    }
    for (id, o) in &t.outputs {
        let mut cx = Cx {
            t,
            canon: &canon,
            out: &mut *out,
            referrer: ("output", id),
            scope: o
                .condition
                .iter()
                .map(|c| (c.value.as_str(), true))
                .collect(),
        };
        for e in [&o.value, &o.export_name].into_iter().flatten() {
            cx.walk(e);
        }
    }
}

struct Cx<'a> {
    t: &'a Template,
    /// [`canonical`] of every condition, by name.
    canon: &'a HashMap<&'a str, Option<String>>,
    out: &'a mut Vec<Diagnostic>,
    /// What refers (`resource`, `output`) and its logical id.
    referrer: (&'static str, &'a str),
    /// The conditions known to hold (`true`) or not (`false`) where the walk stands.
    scope: Vec<(&'a str, bool)>,
}

impl<'a> Cx<'a> {
    fn walk(&mut self, e: &'a Expr) {
        match &e.kind {
            ExprKind::If {
                condition,
                then,
                otherwise,
            } => {
                for (branch, truth) in [(then, true), (otherwise, false)] {
                    self.scope.push((condition.value.as_str(), truth));
                    self.walk(branch);
                    self.scope.pop();
                }
                return;
            }
            ExprKind::Ref(n) => self.target(&n.value, n.span),
            ExprKind::GetAtt { resource, .. } => self.target(&resource.value, resource.span),
            ExprKind::Sub(sub) => {
                for part in &sub.parts {
                    if let SubPart::Var { name, span } = part
                        && !sub.variables.contains_key(name)
                    {
                        self.target(name.split('.').next().unwrap_or(name), *span);
                    }
                }
            }
            _ => {}
        }
        e.for_each_child(&mut |c| self.walk(c));
    }

    fn target(&mut self, name: &str, span: Span) {
        let Some(cond) = self
            .t
            .resources
            .get(name)
            .and_then(|r| r.condition.as_ref())
        else {
            return;
        };
        if self.holds(&cond.value, 0) {
            return;
        }
        let c = &cond.value;
        let (kind, id) = self.referrer;
        let referrer = format!("{kind} `{id}`");
        self.out.push(
            Diagnostic::warning(
                codes::CONDITIONAL_REFERENCE,
                span,
                format!(
                    "{referrer} refers to `{name}`, which exists only when condition `{c}` is true"
                ),
            )
            .with_help(format!(
                "give {referrer} the condition `{c}`, or put the reference in `Fn::If: [{c}, ...]`"
            )),
        );
    }

    /// Whether condition `c` is true wherever the scope holds.
    fn holds(&self, c: &str, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        if self
            .scope
            .iter()
            .any(|&(s, truth)| self.implies(s, truth, c, depth))
        {
            return true;
        }
        let Some(def) = self.t.conditions.get(c) else {
            return false;
        };
        match &def.expr.kind {
            ExprKind::Condition(x) => self.holds(&x.value, depth + 1),
            ExprKind::Or(items) => items.iter().any(
                |i| matches!(&i.kind, ExprKind::Condition(x) if self.holds(&x.value, depth + 1)),
            ),
            ExprKind::And(items) => items.iter().all(
                |i| matches!(&i.kind, ExprKind::Condition(x) if self.holds(&x.value, depth + 1)),
            ),
            ExprKind::Equals(a, b) => matches!(
                (literal(a), literal(b)),
                (Some(x), Some(y)) if x == y
            ),
            ExprKind::Not(inner) => {
                matches!(&inner.kind, ExprKind::Condition(x) if self.scope.contains(&(x.value.as_str(), false)))
            }
            _ => false,
        }
    }

    /// Whether knowing that `s` is `truth` makes `c` true.
    fn implies(&self, s: &str, truth: bool, c: &str, depth: usize) -> bool {
        if truth && (s == c || self.same_definition(s, c)) {
            return true;
        }
        if depth > MAX_DEPTH {
            return false;
        }
        let Some(def) = self.t.conditions.get(s) else {
            return false;
        };
        let named = |e: &'a Expr| match &e.kind {
            ExprKind::Condition(x) => Some(x.value.as_str()),
            _ => None,
        };
        match (&def.expr.kind, truth) {
            (ExprKind::Condition(x), _) => self.implies(&x.value, truth, c, depth + 1),
            (ExprKind::Not(inner), _) => {
                named(inner).is_some_and(|x| self.implies(x, !truth, c, depth + 1))
            }
            (ExprKind::And(items), true) | (ExprKind::Or(items), false) => items
                .iter()
                .filter_map(named)
                .any(|x| self.implies(x, truth, c, depth + 1)),
            _ => false,
        }
    }

    /// Two conditions written alike under different names (`IsProd` and `Production`).
    fn same_definition(&self, a: &str, b: &str) -> bool {
        let def = |n: &str| self.canon.get(n).and_then(Option::as_ref);
        matches!((def(a), def(b)), (Some(x), Some(y)) if x == y)
    }
}

/// A literal string or number, as text.
fn literal(e: &Expr) -> Option<&str> {
    match &e.kind {
        ExprKind::String(s) | ExprKind::Number(s) => Some(s),
        _ => None,
    }
}

/// A condition expression as text without spans, for the functions conditions are written with; `None` for
/// anything else.
fn canonical(e: &Expr) -> Option<String> {
    let list = |items: &[Expr]| -> Option<String> {
        items
            .iter()
            .map(canonical)
            .collect::<Option<Vec<_>>>()
            .map(|v| v.join(","))
    };
    Some(match &e.kind {
        ExprKind::String(s) | ExprKind::Number(s) => format!("{s:?}"),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Ref(n) => format!("Ref({})", n.value),
        ExprKind::Condition(n) => format!("Condition({})", n.value),
        ExprKind::Equals(a, b) => format!("Equals({},{})", canonical(a)?, canonical(b)?),
        ExprKind::Not(a) => format!("Not({})", canonical(a)?),
        ExprKind::And(items) => format!("And({})", list(items)?),
        ExprKind::Or(items) => format!("Or({})", list(items)?),
        ExprKind::FindInMap {
            map,
            top_key,
            second_key,
            default: None,
        } => format!(
            "FindInMap({},{},{})",
            canonical(map)?,
            canonical(top_key)?,
            canonical(second_key)?
        ),
        _ => return None,
    })
}
