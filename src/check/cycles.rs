//! Finding cycles in a directed graph (conditions referring to conditions, resources depending on
//! resources). One cycle is reported per strongly connected component: the shortest one through the
//! component's alphabetically first member, so the report is deterministic and polynomial even where the
//! number of distinct cycles is not.

use std::collections::{BTreeMap, HashSet, VecDeque};

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

/// A cycle as its edges `(from, to, weight)`, starting at its canonical (smallest-named) node.
pub type Cycle<E> = Vec<(NodeIndex, NodeIndex, E)>;

/// Every cycle of `g`, one per strongly connected component, sorted by the name of their first node.
pub fn find<N, E: Copy + Ord>(g: &DiGraph<N, E>, name: impl Fn(&N) -> &str) -> Vec<Cycle<E>> {
    let mut cycles = Vec::new();
    for scc in petgraph::algo::tarjan_scc(g) {
        let start = *scc
            .iter()
            .min_by_key(|&&n| name(&g[n]))
            .expect("components are never empty");
        if let Some(e) = g.edges_connecting(start, start).map(|e| *e.weight()).min() {
            cycles.push(vec![(start, start, e)]);
            continue;
        }
        if scc.len() == 1 {
            continue;
        }
        if let Some(c) = shortest_back(g, &scc, start, &name) {
            cycles.push(c);
        }
    }
    cycles.sort_by(|a, b| name(&g[a[0].0]).cmp(name(&g[b[0].0])));
    cycles
}

/// Breadth-first search inside a component for the shortest way from `start` back to itself, visiting
/// neighbours in name order so the result is deterministic.
fn shortest_back<N, E: Copy + Ord>(
    g: &DiGraph<N, E>,
    scc: &[NodeIndex],
    start: NodeIndex,
    name: &impl Fn(&N) -> &str,
) -> Option<Cycle<E>> {
    let members: HashSet<NodeIndex> = scc.iter().copied().collect();
    let mut prev: BTreeMap<NodeIndex, (NodeIndex, E)> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(n) = queue.pop_front() {
        let mut next: Vec<(NodeIndex, E)> = g.edges(n).map(|e| (e.target(), *e.weight())).collect();
        next.sort_by(|a, b| name(&g[a.0]).cmp(name(&g[b.0])).then(a.1.cmp(&b.1)));
        for (t, w) in next {
            if !members.contains(&t) {
                continue;
            }
            if t == start {
                let mut path = vec![(n, start, w)];
                let mut cur = n;
                while cur != start {
                    let (p, pw) = prev[&cur];
                    path.push((p, cur, pw));
                    cur = p;
                }
                path.reverse();
                return Some(path);
            }
            if let std::collections::btree_map::Entry::Vacant(v) = prev.entry(t) {
                v.insert((n, w));
                queue.push_back(t);
            }
        }
    }
    None
}

/// `A → B → C → A`
pub fn describe<N, E>(
    g: &DiGraph<N, E>,
    cycle: &Cycle<impl Copy>,
    name: impl Fn(&N) -> &str,
) -> String {
    let mut s: Vec<&str> = cycle.iter().map(|(from, _, _)| name(&g[*from])).collect();
    s.push(name(&g[cycle[0].0]));
    s.join(" → ")
}
