//! Resource dependency cycles: resources that need each other through `Ref`, `Fn::GetAtt`, `Fn::Sub`
//! variables and `DependsOn`, reported with the whole path and each edge's span. (Without parameter values,
//! both branches of every `Fn::If` count.)

use crate::source::{Diagnostic, codes};
use crate::template::{Expr, ExprKind, SubPart, Template};

use super::cycles::{self, Edge};

pub fn check(t: &Template, out: &mut Vec<Diagnostic>) {
    let mut edges = Vec::new();
    for (name, r) in &t.resources {
        for d in &r.depends_on {
            if d.value != *name {
                edges.push(Edge {
                    from: name,
                    to: &d.value,
                    span: d.span,
                });
            }
        }
        for e in [
            &r.properties,
            &r.metadata,
            &r.update_policy,
            &r.creation_policy,
        ]
        .into_iter()
        .flatten()
        {
            references(e, &mut |to, span| {
                edges.push(Edge {
                    from: name,
                    to,
                    span,
                });
            });
        }
    }
    for cycle in cycles::find(t.resources.keys().map(String::as_str), edges) {
        let first = &cycle[0];
        let message = if cycle.len() == 1 {
            format!("resource `{}` refers to itself", first.from)
        } else {
            format!(
                "resources depend on each other in a cycle: {}",
                cycles::describe(&cycle)
            )
        };
        let mut d = Diagnostic::error(codes::DEPENDENCY_CYCLE, first.span, message)
        .with_help("CloudFormation cannot create any of them; break the cycle, for example with a separate attachment resource");
        for e in &cycle[1..] {
            d = d.with_label(e.span, format!("`{}` depends on `{}` here", e.from, e.to));
        }
        out.push(d);
    }
}

/// Calls `f` with every resource-like name an expression refers to (Ref, GetAtt, Sub variables).
pub fn references<'a>(e: &'a Expr, f: &mut impl FnMut(&'a str, crate::source::Span)) {
    e.walk(&mut |x: &'a Expr| match &x.kind {
        ExprKind::Ref(n) => f(&n.value, n.span),
        ExprKind::GetAtt { resource, .. } => f(&resource.value, resource.span),
        ExprKind::Sub(sub) => {
            for p in &sub.parts {
                if let SubPart::Var { name, span } = p
                    && !sub.variables.contains_key(name)
                {
                    f(name.split('.').next().unwrap_or(name), *span);
                }
            }
        }
        _ => {}
    });
}
