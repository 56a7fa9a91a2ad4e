//! Condition cycles: a condition that refers to itself, directly or through others, reported with the
//! whole path.

use petgraph::graph::DiGraph;

use crate::source::{Diagnostic, Span, codes};
use crate::template::{Expr, ExprKind, Template};

use super::cycles;

pub fn check(t: &Template, out: &mut Vec<Diagnostic>) {
    let mut g: DiGraph<&str, Span> = DiGraph::new();
    let index: std::collections::HashMap<&str, _> = t
        .conditions
        .keys()
        .map(|k| (k.as_str(), g.add_node(k.as_str())))
        .collect();
    for (name, c) in &t.conditions {
        c.expr.walk(&mut |e: &Expr| {
            if let ExprKind::Condition(n) | ExprKind::If { condition: n, .. } = &e.kind
                && let Some(&to) = index.get(n.value.as_str())
            {
                g.add_edge(index[name.as_str()], to, n.span);
            }
        });
    }
    for cycle in cycles::find(&g, |n| n) {
        let msg = if cycle.len() == 1 {
            format!("condition `{}` refers to itself", g[cycle[0].0])
        } else {
            format!(
                "conditions refer to each other in a cycle: {}",
                cycles::describe(&g, &cycle, |n| n)
            )
        };
        let (_, _, last) = *cycle.last().expect("a cycle has edges");
        let mut d = Diagnostic::error(codes::CONDITION_CYCLE, last, msg);
        for (from, to, span) in &cycle[..cycle.len() - 1] {
            d = d.with_label(*span, format!("`{}` refers to `{}` here", g[*from], g[*to]));
        }
        out.push(d);
    }
}
