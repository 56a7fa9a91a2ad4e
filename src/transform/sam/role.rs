//! The IAM role SAM generates for a function (or state machine) that names no `Role`: the trust policy,
//! managed policies, inline policies, `Path`, `PermissionsBoundary` and tags. It never reads `Policies`
//! itself (`policies.rs` does) and never decides which extra policies an event source needs.

use crate::source::Node;

use super::build::{B, Obj, Res};

/// What goes into a generated role.
pub(super) struct RoleParts {
    /// The service allowed to assume it (`lambda.amazonaws.com`, `states.amazonaws.com`).
    pub service: &'static str,
    pub assume: Option<Node>,
    pub managed: Vec<Node>,
    pub inline: Vec<Node>,
    pub path: Option<Node>,
    pub boundary: Option<Node>,
    pub tags: Vec<Node>,
    pub attrs: Obj,
}

/// The default trust policy for `service`.
pub(super) fn trust_policy(b: B, service: &str) -> Node {
    b.map([
        ("Version", b.s("2012-10-17")),
        (
            "Statement",
            b.seq(vec![b.map([
                ("Action", b.strs(&["sts:AssumeRole"])),
                ("Effect", b.s("Allow")),
                ("Principal", b.map([("Service", b.strs(&[service]))])),
            ])]),
        ),
    ])
}

/// The role resource.
pub(super) fn build(b: B, parts: RoleParts) -> Res {
    let mut res = Res::new("AWS::IAM::Role", b.span);
    let assume = parts
        .assume
        .unwrap_or_else(|| trust_policy(b, parts.service));
    res = res.prop("AssumeRolePolicyDocument", assume);
    // A policy named twice (by the transform and in `Policies`) is attached once.
    let mut managed: Vec<Node> = Vec::with_capacity(parts.managed.len());
    for m in parts.managed {
        if !managed.iter().any(|d| d.kind == m.kind) {
            managed.push(m);
        }
    }
    res = res.prop("ManagedPolicyArns", b.seq(managed));
    if !parts.inline.is_empty() {
        res = res.prop("Policies", b.seq(parts.inline));
    }
    if let Some(p) = parts.path {
        res = res.prop("Path", p);
    }
    if let Some(p) = parts.boundary {
        res = res.prop("PermissionsBoundary", p);
    }
    res = res.prop("Tags", b.seq(parts.tags));
    res.attrs = parts.attrs;
    res
}
