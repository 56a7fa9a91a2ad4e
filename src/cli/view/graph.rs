//! Views of a dependency graph: Graphviz DOT, Mermaid (pastes into a README), and JSON (nodes, edges with
//! kind and position, waves). Edges point from the dependent to what it needs.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use crate::graph::{DependencyGraph, GraphNode, NodeKind};
use crate::source::SourceMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ClusterBy {
    /// One cluster per resource type.
    Type,
    /// One cluster per module the resources came from.
    Module,
}

fn cluster_of(n: &GraphNode, by: Option<ClusterBy>) -> Option<String> {
    match by? {
        ClusterBy::Type if n.kind == NodeKind::Resource => Some(n.resource_type.clone()),
        ClusterBy::Module => n.module.clone(),
        _ => None,
    }
}

/// Node ids grouped by cluster (`None`: outside any cluster), each group in graph order.
fn clusters(
    g: &DependencyGraph,
    by: Option<ClusterBy>,
) -> BTreeMap<Option<String>, Vec<&GraphNode>> {
    let mut m: BTreeMap<Option<String>, Vec<&GraphNode>> = BTreeMap::new();
    for i in g.graph.node_indices() {
        let n = &g.graph[i];
        m.entry(cluster_of(n, by)).or_default().push(n);
    }
    m
}

fn node_label(n: &GraphNode) -> String {
    match n.kind {
        NodeKind::Resource => format!("{}\\n{}", n.id, n.resource_type),
        NodeKind::Output => format!("{}\\n(output)", n.id),
    }
}

fn node_key(n: &GraphNode) -> String {
    match n.kind {
        NodeKind::Resource => n.id.clone(),
        NodeKind::Output => format!("output:{}", n.id),
    }
}

pub fn dot(g: &DependencyGraph, by: Option<ClusterBy>) -> String {
    let mut out = String::from(
        "digraph stack {\n  rankdir=BT;\n  node [shape=box, fontname=\"Helvetica\"];\n",
    );
    for (i, (cluster, nodes)) in clusters(g, by).iter().enumerate() {
        let indent = if cluster.is_some() { "    " } else { "  " };
        if let Some(c) = cluster {
            let _ = writeln!(out, "  subgraph cluster_{i} {{\n    label={:?};", c);
        }
        for n in nodes {
            let shape = if n.kind == NodeKind::Output {
                ", shape=note"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "{indent}{:?} [label={:?}{shape}];",
                node_key(n),
                node_label(n).replace("\\n", "\n")
            );
        }
        if cluster.is_some() {
            out.push_str("  }\n");
        }
    }
    for (from, to, e) in g.edges() {
        let _ = writeln!(
            out,
            "  {:?} -> {:?} [label={:?}];",
            node_key(from),
            node_key(to),
            e.kind.written()
        );
    }
    out.push_str("}\n");
    out
}

pub fn mermaid(g: &DependencyGraph, by: Option<ClusterBy>) -> String {
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    for (i, n) in g.graph.node_weights().enumerate() {
        ids.insert(node_key(n), format!("n{i}"));
    }
    let mut out = String::from("flowchart BT\n");
    for (i, (cluster, nodes)) in clusters(g, by).into_iter().enumerate() {
        let indent = if cluster.is_some() { "    " } else { "  " };
        if let Some(c) = &cluster {
            let _ = writeln!(out, "  subgraph c{i} [\"{c}\"]");
        }
        for n in nodes {
            let label = node_label(n).replace("\\n", "<br/>");
            let (open, close) = if n.kind == NodeKind::Output {
                ("([", "])")
            } else {
                ("[", "]")
            };
            let _ = writeln!(out, "{indent}{}{open}\"{label}\"{close}", ids[&node_key(n)]);
        }
        if cluster.is_some() {
            out.push_str("  end\n");
        }
    }
    for (from, to, e) in g.edges() {
        let _ = writeln!(
            out,
            "  {} -->|{}| {}",
            ids[&node_key(from)],
            e.kind.written(),
            ids[&node_key(to)]
        );
    }
    out
}

#[derive(Serialize)]
struct JsonGraph<'a> {
    nodes: Vec<&'a GraphNode>,
    edges: Vec<JsonEdge<'a>>,
    waves: Option<Vec<Vec<String>>>,
    /// The longest chain of creations, in seconds, with the mock cloud's realistic latency per type.
    critical_path: Option<crate::graph::CriticalPath>,
}

#[derive(Serialize)]
struct JsonEdge<'a> {
    from: &'a str,
    to: &'a str,
    kind: crate::graph::EdgeKind,
    file: &'a str,
    line: usize,
    column: usize,
}

pub fn json(g: &DependencyGraph, sources: &SourceMap) -> String {
    let edges = g
        .edges()
        .map(|(from, to, e)| {
            let at = sources.start(e.span);
            JsonEdge {
                from: &from.id,
                to: &to.id,
                kind: e.kind,
                file: sources.name(e.span.file),
                line: at.line,
                column: at.column,
            }
        })
        .collect();
    let doc = JsonGraph {
        nodes: g.graph.node_weights().collect(),
        edges,
        waves: g.waves(),
        critical_path: g
            .critical_path(|t| crate::provider::Latency::Realistic.for_type(t).as_secs()),
    };
    let mut s = serde_json::to_string_pretty(&doc).expect("graphs serialize: this is a bug");
    s.push('\n');
    s
}
