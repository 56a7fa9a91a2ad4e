//! Building the graph from a template: one node per kept resource and output, one edge per distinct
//! `(from, to, kind)` reference, in source order.

use indexmap::IndexMap;

use crate::source::Span;
use crate::template::{Expr, ExprKind, SubPart, Template};

use super::{DependencyGraph, EdgeKind, GraphEdge, GraphNode, NodeKind};

/// The graph of the stack the template yields for these condition values: resources whose condition is
/// false have no node, and only the taken branch of each `Fn::If` adds edges.
pub fn build(t: &Template, conditions: &IndexMap<String, bool>) -> DependencyGraph {
    Builder {
        t,
        conditions: Some(conditions),
    }
    .run()
}

/// The graph of every resource and every branch, for checks made without parameter values.
pub fn build_all(t: &Template) -> DependencyGraph {
    Builder {
        t,
        conditions: None,
    }
    .run()
}

struct Builder<'a> {
    t: &'a Template,
    conditions: Option<&'a IndexMap<String, bool>>,
}

impl Builder<'_> {
    fn kept(&self, condition: Option<&crate::template::Name>) -> bool {
        match (condition, self.conditions) {
            (Some(c), Some(values)) => values.get(&c.value).copied().unwrap_or(false),
            _ => true,
        }
    }

    fn run(&self) -> DependencyGraph {
        let mut g = DependencyGraph::default();
        for (name, r) in &self.t.resources {
            if self.kept(r.condition.as_ref()) {
                g.add_node(GraphNode {
                    id: name.clone(),
                    kind: NodeKind::Resource,
                    resource_type: r
                        .resource_type
                        .as_ref()
                        .map(|t| t.value.clone())
                        .unwrap_or_default(),
                    module: module_of(r),
                    span: r.key_span,
                });
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (name, r) in &self.t.resources {
            let Some(from) = g.node(name) else { continue };
            let mut refs = Vec::new();
            // A resource naming itself in DependsOn is reported by `check` (E2007), not as a cycle.
            for d in r.depends_on.iter().filter(|d| d.value != *name) {
                refs.push((d.value.as_str(), EdgeKind::DependsOn, d.span));
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
                self.references(e, &mut refs);
            }
            for (to, kind, span) in refs {
                if let Some(to) = g.node(to)
                    && seen.insert((from, to, kind))
                {
                    g.graph.add_edge(from, to, GraphEdge { kind, span });
                }
            }
        }
        for (name, o) in &self.t.outputs {
            if !self.kept(o.condition.as_ref()) {
                continue;
            }
            let from = g.graph.add_node(GraphNode {
                id: name.clone(),
                kind: NodeKind::Output,
                resource_type: String::new(),
                module: None,
                span: o.key_span,
            });
            let mut refs = Vec::new();
            for e in [&o.value, &o.export_name].into_iter().flatten() {
                self.references(e, &mut refs);
            }
            for (to, kind, span) in refs {
                if let Some(to) = g.node(to)
                    && seen.insert((from, to, kind))
                {
                    g.graph.add_edge(from, to, GraphEdge { kind, span });
                }
            }
        }
        g
    }

    /// Collects `(resource-like name, kind, span)` for every reference in `e`, following only the taken
    /// branch of each `Fn::If` when condition values are known.
    fn references<'e>(&self, e: &'e Expr, out: &mut Vec<(&'e str, EdgeKind, Span)>) {
        match &e.kind {
            ExprKind::Ref(n) => out.push((&n.value, EdgeKind::Ref, n.span)),
            ExprKind::GetAtt { resource, .. } => {
                out.push((&resource.value, EdgeKind::GetAtt, resource.span))
            }
            ExprKind::Sub(sub) => {
                for p in &sub.parts {
                    if let SubPart::Var { name, span } = p
                        && !sub.variables.contains_key(name)
                    {
                        out.push((name.split('.').next().unwrap_or(name), EdgeKind::Sub, *span));
                    }
                }
            }
            ExprKind::If {
                condition,
                then,
                otherwise,
            } => {
                if let Some(values) = self.conditions {
                    let taken = if values.get(&condition.value).copied().unwrap_or(false) {
                        then
                    } else {
                        otherwise
                    };
                    self.references(taken, out);
                    return;
                }
            }
            _ => {}
        }
        e.for_each_child(&mut |c| self.references(c, out));
    }
}

/// The top-level module of a resource that came from a module (`AWS::CloudFormation::Module` metadata with
/// a `LogicalIdHierarchy` such as `Network.Vpc`).
fn module_of(r: &crate::template::Resource) -> Option<String> {
    let ExprKind::Map(m) = &r.metadata.as_ref()?.kind else {
        return None;
    };
    let (_, module) = m.get("AWS::CloudFormation::Module")?;
    let ExprKind::Map(mm) = &module.kind else {
        return None;
    };
    let (_, h) = mm.get("LogicalIdHierarchy")?;
    h.as_str()
        .map(|s| s.split('.').next().unwrap_or(s).to_owned())
}
