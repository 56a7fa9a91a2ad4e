//! Condition cycles: a condition that refers to itself, directly or through others, reported with the
//! whole path.

use crate::source::{Diagnostic, codes};
use crate::template::{Expr, ExprKind, Template};

use super::cycles::{self, Edge};

pub fn check(t: &Template, out: &mut Vec<Diagnostic>) {
    let mut edges = Vec::new();
    for (name, c) in &t.conditions {
        c.expr.walk(&mut |e: &Expr| {
            if let ExprKind::Condition(n) | ExprKind::If { condition: n, .. } = &e.kind
                && let Some((k, _)) = t.conditions.get_key_value(&n.value)
            {
                edges.push(Edge {
                    from: name.as_str(),
                    to: k.as_str(),
                    span: n.span,
                });
            }
        });
    }
    for cycle in cycles::find(t.conditions.keys().map(String::as_str), edges) {
        let msg = if cycle.len() == 1 {
            format!("condition `{}` refers to itself", cycle[0].from)
        } else {
            format!(
                "conditions refer to each other in a cycle: {}",
                cycles::describe(&cycle)
            )
        };
        let last = cycle.last().expect("a cycle has edges");
        let mut d = Diagnostic::error(codes::CONDITION_CYCLE, last.span, msg);
        for e in &cycle[..cycle.len() - 1] {
            d = d.with_label(e.span, format!("`{}` refers to `{}` here", e.from, e.to));
        }
        out.push(d);
    }
}
