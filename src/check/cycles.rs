//! Finding cycles in a small directed graph of named nodes (conditions referring to conditions,
//! resources depending on resources). One cycle is reported per strongly connected component: the shortest
//! one through the component's alphabetically first member, so the report is deterministic and polynomial
//! even where the number of distinct cycles is not.

use std::collections::{BTreeMap, VecDeque};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::source::Span;

/// An edge `from → to`, with the span of the reference that makes it.
pub struct Edge<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub span: Span,
}

/// A cycle as the list of its edges, starting at its canonical (smallest) node.
pub type Cycle<'a> = Vec<Edge<'a>>;

pub fn find<'a>(nodes: impl IntoIterator<Item = &'a str>, edges: Vec<Edge<'a>>) -> Vec<Cycle<'a>> {
    let mut g: DiGraph<&str, Span> = DiGraph::new();
    let mut index: BTreeMap<&str, NodeIndex> = BTreeMap::new();
    for n in nodes {
        index.entry(n).or_insert_with(|| g.add_node(n));
    }
    for e in &edges {
        if let (Some(&a), Some(&b)) = (index.get(e.from), index.get(e.to)) {
            g.add_edge(a, b, e.span);
        }
    }
    let mut cycles = Vec::new();
    for scc in tarjan_scc(&g) {
        let start = *scc
            .iter()
            .min_by_key(|&&n| g[n])
            .expect("components are never empty");
        let self_loop = g.edges_connecting(start, start).next();
        if scc.len() == 1 && self_loop.is_none() {
            continue;
        }
        if let Some(e) = self_loop {
            cycles.push(vec![Edge {
                from: g[start],
                to: g[start],
                span: *e.weight(),
            }]);
            continue;
        }
        // Breadth-first search inside the component for the shortest way back to `start`.
        let members: std::collections::HashSet<NodeIndex> = scc.iter().copied().collect();
        let mut prev: BTreeMap<NodeIndex, (NodeIndex, Span)> = BTreeMap::new();
        let mut queue = VecDeque::from([start]);
        let mut closing = None;
        'bfs: while let Some(n) = queue.pop_front() {
            let mut next: Vec<_> = g
                .edges(n)
                .map(|e| (petgraph::visit::EdgeRef::target(&e), *e.weight()))
                .collect();
            next.sort_by_key(|(t, s)| (g[*t], *s));
            for (t, span) in next {
                if !members.contains(&t) {
                    continue;
                }
                if t == start {
                    closing = Some((n, span));
                    break 'bfs;
                }
                if t != start && !prev.contains_key(&t) {
                    prev.insert(t, (n, span));
                    queue.push_back(t);
                }
            }
        }
        let Some((last, span)) = closing else {
            continue;
        };
        let mut path = vec![Edge {
            from: g[last],
            to: g[start],
            span,
        }];
        let mut cur = last;
        while cur != start {
            let (p, s) = prev[&cur];
            path.push(Edge {
                from: g[p],
                to: g[cur],
                span: s,
            });
            cur = p;
        }
        path.reverse();
        cycles.push(path);
    }
    cycles.sort_by(|a, b| a[0].from.cmp(b[0].from));
    cycles
}

/// `A → B → C → A`
pub fn describe(cycle: &Cycle<'_>) -> String {
    let mut s: Vec<&str> = cycle.iter().map(|e| e.from).collect();
    s.push(cycle[0].from);
    s.join(" → ")
}
