//! Stage `graph`: the dependency DAG of a stack's resources (petgraph), with outputs as sinks. Edges are
//! typed (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `DependsOn`) and keep the span that makes them. Built after
//! conditions: only the taken branch of each `Fn::If` adds an edge and resources whose condition is false
//! have no node (or, without condition values, every branch and resource counts). Computes cycles with
//! their whole path, creation waves, the deletion order and the critical path for given latencies. It
//! never evaluates values and never talks to a provider.

mod build;
mod order;

use std::collections::HashMap;

use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;

use crate::source::Span;

pub use build::{build, build_all};
pub use order::CriticalPath;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum EdgeKind {
    Ref,
    GetAtt,
    Sub,
    DependsOn,
}

impl EdgeKind {
    /// How the edge is written in a template.
    pub fn written(self) -> &'static str {
        match self {
            EdgeKind::Ref => "!Ref",
            EdgeKind::GetAtt => "!GetAtt",
            EdgeKind::Sub => "!Sub",
            EdgeKind::DependsOn => "DependsOn",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    Resource,
    Output,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GraphNode {
    pub id: String,
    pub kind: NodeKind,
    /// The resource type (empty for outputs).
    #[serde(rename = "type")]
    pub resource_type: String,
    /// The module a resource came from, when it carries `AWS::CloudFormation::Module` metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    #[serde(skip)]
    pub span: Span,
}

/// `from` needs `to`: `to` is created first and deleted last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct GraphEdge {
    pub kind: EdgeKind,
    pub span: Span,
}

/// The dependency graph of one stack.
#[derive(Clone, Debug, Default)]
pub struct DependencyGraph {
    pub graph: DiGraph<GraphNode, GraphEdge>,
    index: HashMap<String, NodeIndex>,
}

impl DependencyGraph {
    pub fn node(&self, id: &str) -> Option<NodeIndex> {
        self.index.get(id).copied()
    }

    pub fn resources(&self) -> impl Iterator<Item = (NodeIndex, &GraphNode)> {
        self.graph
            .node_indices()
            .map(|i| (i, &self.graph[i]))
            .filter(|(_, n)| n.kind == NodeKind::Resource)
    }

    /// Every edge as `(from, to, edge)`, in insertion order.
    pub fn edges(&self) -> impl Iterator<Item = (&GraphNode, &GraphNode, &GraphEdge)> {
        self.graph
            .raw_edges()
            .iter()
            .map(|e| (&self.graph[e.source()], &self.graph[e.target()], &e.weight))
    }

    fn add_node(&mut self, node: GraphNode) -> NodeIndex {
        let id = node.id.clone();
        let i = self.graph.add_node(node);
        self.index.insert(id, i);
        i
    }
}
