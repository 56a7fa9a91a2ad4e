//! Orders over the graph: dependency cycles (with the whole path and each edge's span), creation waves
//! (sets of resources that can be created in parallel), the deletion order, and the critical path for
//! given per-resource latencies.

use petgraph::Direction;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use serde::Serialize;

use crate::check::cycles;
use crate::source::{Diagnostic, SourceMap, codes};

use super::{DependencyGraph, NodeKind};

/// The longest chain of dependent operations, for given latencies.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CriticalPath {
    /// Total latency along the path.
    pub total: u64,
    /// Resources along the path, first created first.
    pub resources: Vec<String>,
}

impl DependencyGraph {
    /// One diagnostic per dependency cycle: `Bucket → Policy via !Ref at app.yaml:12:9 → Bucket via
    /// DependsOn at app.yaml:30:7`, pointing at the first edge, with the others as labels.
    pub fn cycle_diagnostics(&self, sources: &SourceMap) -> Vec<Diagnostic> {
        let g = &self.graph;
        let mut out = Vec::new();
        for cycle in cycles::find(g, |n| n.id.as_str()) {
            let (first_from, _, first) = cycle[0];
            let message = if cycle.len() == 1 {
                format!(
                    "resource `{}` refers to itself via {} at {}",
                    g[first_from].id,
                    first.kind.written(),
                    at(sources, first.span)
                )
            } else {
                let mut s = g[first_from].id.clone();
                for (_, to, e) in &cycle {
                    s.push_str(&format!(
                        " → {} via {} at {}",
                        g[*to].id,
                        e.kind.written(),
                        at(sources, e.span)
                    ));
                }
                format!("resources depend on each other in a cycle: {s}")
            };
            let mut d = Diagnostic::error(codes::DEPENDENCY_CYCLE, first.span, message)
                .with_help("CloudFormation cannot create any of them; break the cycle, for example with a separate attachment resource");
            for (from, to, e) in &cycle[1..] {
                d = d.with_label(
                    e.span,
                    format!("`{}` depends on `{}` here", g[*from].id, g[*to].id),
                );
            }
            out.push(d);
        }
        out
    }

    /// Creation waves: wave 0 needs nothing, wave k needs only resources of earlier waves. Within a wave,
    /// resources keep template order. `None` when the graph has a cycle.
    pub fn waves(&self) -> Option<Vec<Vec<String>>> {
        let g = &self.graph;
        let mut remaining: Vec<usize> = vec![0; g.node_count()];
        for (i, n) in self.resources() {
            remaining[i.index()] = g
                .edges_directed(i, Direction::Outgoing)
                .filter(|e| g[e.target()].kind == NodeKind::Resource)
                .count();
            let _ = n;
        }
        let mut current: Vec<NodeIndex> = self
            .resources()
            .filter(|(i, _)| remaining[i.index()] == 0)
            .map(|(i, _)| i)
            .collect();
        let total = self.resources().count();
        let mut placed = 0;
        let mut waves = Vec::new();
        while !current.is_empty() {
            placed += current.len();
            let mut next = Vec::new();
            for &n in &current {
                for e in g.edges_directed(n, Direction::Incoming) {
                    let dependent = e.source();
                    if g[dependent].kind != NodeKind::Resource {
                        continue;
                    }
                    remaining[dependent.index()] -= 1;
                    if remaining[dependent.index()] == 0 {
                        next.push(dependent);
                    }
                }
            }
            next.sort_unstable();
            next.dedup();
            waves.push(current.iter().map(|&i| g[i].id.clone()).collect());
            current = next;
        }
        (placed == total).then_some(waves)
    }

    /// The order in which resources are deleted: dependents first (the creation waves reversed).
    pub fn deletion_order(&self) -> Option<Vec<String>> {
        let waves = self.waves()?;
        Some(
            waves
                .into_iter()
                .rev()
                .flat_map(|w| w.into_iter().rev())
                .collect(),
        )
    }

    /// The critical path when creating a resource takes `latency(resource type)`: the chain whose latencies
    /// add up to the longest time, which is the fastest an apply with unlimited parallelism can finish.
    pub fn critical_path(&self, latency: impl Fn(&str) -> u64) -> Option<CriticalPath> {
        let waves = self.waves()?;
        let g = &self.graph;
        let mut finish: Vec<u64> = vec![0; g.node_count()];
        let mut via: Vec<Option<NodeIndex>> = vec![None; g.node_count()];
        for wave in &waves {
            for id in wave {
                let i = self.node(id).expect("wave members are nodes");
                let mut start = 0;
                for e in g.edges_directed(i, Direction::Outgoing) {
                    let dep = e.target();
                    if g[dep].kind == NodeKind::Resource && finish[dep.index()] > start {
                        start = finish[dep.index()];
                        via[i.index()] = Some(dep);
                    }
                }
                finish[i.index()] = start + latency(&g[i].resource_type);
            }
        }
        let Some((end, _)) = self
            .resources()
            .max_by_key(|(i, n)| (finish[i.index()], std::cmp::Reverse(n.span)))
        else {
            return Some(CriticalPath {
                total: 0,
                resources: vec![],
            });
        };
        let mut resources = vec![g[end].id.clone()];
        let mut cur = end;
        while let Some(p) = via[cur.index()] {
            resources.push(g[p].id.clone());
            cur = p;
        }
        resources.reverse();
        Some(CriticalPath {
            total: finish[end.index()],
            resources,
        })
    }
}

fn at(sources: &SourceMap, span: crate::source::Span) -> String {
    let lc = sources.start(span);
    format!("{}:{}:{}", sources.name(span.file), lc.line, lc.column)
}

#[cfg(test)]
mod tests {
    use crate::source::{Format, Limits, SourceMap, load_text};

    fn graph(text: &str) -> (crate::graph::DependencyGraph, SourceMap) {
        let mut sources = SourceMap::new();
        let f = sources.add("app.yaml", text);
        let doc = load_text(f, text, Format::Yaml, &Limits::default())
            .document
            .unwrap();
        let (t, _) = crate::template::lower(&doc, &sources);
        (crate::graph::build_all(&t), sources)
    }

    const STACK: &str = "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n  Subnet:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref Vpc\n  Sg:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      VpcId: !GetAtt Vpc.VpcId\n  Instance:\n    Type: AWS::EC2::Instance\n    DependsOn: Sg\n    Properties:\n      SubnetId: !Sub '${Subnet}'\n  Topic:\n    Type: AWS::SNS::Topic\nOutputs:\n  Id:\n    Value: !Ref Instance\n";

    #[test]
    fn waves_and_deletion_order() {
        let (g, _) = graph(STACK);
        assert_eq!(
            g.waves().unwrap(),
            vec![vec!["Vpc", "Topic"], vec!["Subnet", "Sg"], vec!["Instance"]]
        );
        assert_eq!(
            g.deletion_order().unwrap(),
            ["Instance", "Sg", "Subnet", "Topic", "Vpc"]
        );
        let kinds: Vec<_> = g
            .edges()
            .map(|(a, b, e)| (a.id.as_str(), b.id.as_str(), e.kind))
            .collect();
        assert_eq!(kinds.len(), 5);
    }

    #[test]
    fn critical_path_follows_the_slowest_chain() {
        let (g, _) = graph(STACK);
        let cp = g
            .critical_path(|t| match t {
                "AWS::EC2::VPC" => 10,
                "AWS::EC2::SecurityGroup" => 30,
                "AWS::EC2::Instance" => 60,
                _ => 5,
            })
            .unwrap();
        assert_eq!(cp.total, 100);
        assert_eq!(cp.resources, ["Vpc", "Sg", "Instance"]);
    }

    #[test]
    fn cycles_name_every_edge_with_its_position() {
        let text = "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      Name: !Ref Policy\n  Policy:\n    Type: AWS::S3::BucketPolicy\n    DependsOn: Bucket\n";
        let (g, sources) = graph(text);
        assert!(g.waves().is_none());
        let d = g.cycle_diagnostics(&sources);
        assert_eq!(d.len(), 1);
        assert_eq!(
            d[0].message,
            "resources depend on each other in a cycle: Bucket → Policy via !Ref at app.yaml:5:18 → Bucket via DependsOn at app.yaml:8:16"
        );
    }

    #[test]
    fn a_false_condition_removes_nodes_and_untaken_branches_remove_edges() {
        let text = "Conditions:\n  No: !Equals [a, b]\nResources:\n  A:\n    Type: AWS::SNS::Topic\n    Properties:\n      X: !If [No, !Ref B, !Ref AWS::NoValue]\n  B:\n    Type: AWS::SNS::Topic\n    Properties:\n      Y: !Ref A\n  C:\n    Type: AWS::SNS::Topic\n    Condition: No\n";
        let mut sources = SourceMap::new();
        let f = sources.add("app.yaml", text);
        let doc = load_text(f, text, Format::Yaml, &Limits::default())
            .document
            .unwrap();
        let (t, _) = crate::template::lower(&doc, &sources);
        assert!(
            crate::graph::build_all(&t).waves().is_none(),
            "every branch: A ⇄ B"
        );
        let mut conditions = indexmap::IndexMap::new();
        conditions.insert("No".to_owned(), false);
        let g = crate::graph::build(&t, &conditions);
        assert_eq!(g.waves().unwrap(), vec![vec!["A"], vec!["B"]]);
        assert!(g.node("C").is_none());
    }
}
