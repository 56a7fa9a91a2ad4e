//! `cairn graph`: DOT, Mermaid and JSON of a mid-sized template, with and without clusters, for the
//! default parameters and for a parameter that turns a condition on.

use crate::{Cairn, stdout};

const APP: &str = "tests/fixtures/graph/app.yaml";

fn graph(args: &[&str]) -> String {
    let out = Cairn::new().arg("graph").args(args).arg(APP).run();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout(&out)
}

#[test]
fn dot() {
    insta::assert_snapshot!(graph(&[]));
    insta::assert_snapshot!("dot_cluster_by_type", graph(&["--cluster-by", "type"]));
}

#[test]
fn mermaid() {
    insta::assert_snapshot!(graph(&["--format", "mermaid", "--cluster-by", "module"]));
}

#[test]
fn json_with_waves_for_a_parameter() {
    insta::assert_snapshot!(graph(&["--format", "json", "-p", "Env=prod"]));
}

#[test]
fn graph_reports_template_errors() {
    let out = Cairn::new()
        .args(["graph", "tests/fixtures/validate/bad/cycle_two.yaml"])
        .run();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[E2008]"));
}
