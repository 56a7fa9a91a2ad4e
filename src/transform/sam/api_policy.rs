//! A REST API's resource policy, the definition's `x-amazon-apigateway-policy`, from
//! `Auth.ResourcePolicy` (the API's, and each `Api` event's own). Account, IP range and VPC lists become
//! statements on the methods of one path (an event's path, or every path for the API's policy) at the
//! API's stage: accounts an `Allow` or `Deny` for those principals, IP ranges and VPCs an `Allow` for
//! everyone and a `Deny` under a condition (an allow list denies what is not listed, a block list denies
//! what is). `CustomStatements` are added as written. A statement already there is not repeated, except
//! account statements, which the translator always appends. It never creates resources.

use crate::source::{Node, NodeKind};

use super::build::{get, is_intrinsic};
use super::swagger::Sw;

/// The definition key that holds the policy.
const KEY: &str = "x-amazon-apigateway-policy";

/// The translator's checks of a resource policy (its sentences; they concern the template's structure).
pub(super) fn check(policy: &Node) -> Result<(), String> {
    let Some(m) = policy.as_map().filter(|_| !is_intrinsic(policy)) else {
        return Err("ResourcePolicy must be a map (ResourcePolicyStatement).".into());
    };
    for key in ["SourceVpcWhitelist", "SourceVpcBlacklist"] {
        if let Some(list) = m.get(key)
            && list
                .as_seq()
                .is_none_or(|items| items.iter().any(|i| i.as_str().is_none()))
        {
            let intrinsic = key.replace("Source", "Intrinsic");
            return Err(format!(
                "{key} must be a list of strings. Use {intrinsic} instead for values that use Intrinsic Functions"
            ));
        }
    }
    for key in ["AwsAccountWhitelist", "AwsAccountBlacklist"] {
        if let Some(v) = m.get(key)
            && let Some(text) = v.scalar_text()
            && !is_empty(v)
        {
            return Err(format!("Type of '{text}' must be a list or dictionary"));
        }
    }
    Ok(())
}

/// True for a resource policy that sets nothing (the translator skips an empty one).
pub(super) fn is_empty(policy: &Node) -> bool {
    match &policy.kind {
        NodeKind::Map(m) => m.is_empty(),
        NodeKind::Seq(items) => items.is_empty(),
        NodeKind::String(s) => s.is_empty(),
        NodeKind::Null | NodeKind::Bool(false) => true,
        _ => false,
    }
}

/// Adds the API's own policy: the generated statements for every path of the definition, then its
/// custom statements. `stage` is the API's stage name as the translator held it.
/// `written`: the definition is the API's `DefinitionBody` (its mappings have been copied once more by
/// then, which decides the order of the methods in a statement).
pub(super) fn add_for_api(definition: &mut Sw, policy: &Node, stage: &Sw, written: bool) {
    let paths: Vec<String> = definition
        .get("paths")
        .map(|p| p.keys_in_order().into_iter().map(str::to_owned).collect())
        .unwrap_or_default();
    for path in &paths {
        add_for_path(definition, policy, path, stage, written);
    }
    add_custom(definition, policy);
}

/// Adds the statements `policy` generates for the methods of `path`, then its custom statements (an
/// event's policy).
pub(super) fn add_for_event(definition: &mut Sw, policy: &Node, path: &str, stage: &Sw) {
    add_for_path(definition, policy, path, stage, false);
    add_custom(definition, policy);
}

/// The generated statements of `policy` for `path`; the policy key is set even when none is generated.
fn add_for_path(definition: &mut Sw, policy: &Node, path: &str, stage: &Sw, written: bool) {
    let setting = |k: &str| get(policy, k).filter(|v| !matches!(v.kind, NodeKind::Null));
    let resources = resources(definition, path, stage, written);
    let mut doc = current(definition);
    if let Some(accounts) = setting("AwsAccountWhitelist") {
        accounts_statement(&mut doc, accounts, "Allow", &resources);
    }
    if let Some(accounts) = setting("AwsAccountBlacklist") {
        accounts_statement(&mut doc, accounts, "Deny", &resources);
    }
    if let Some(ranges) = setting("IpRangeWhitelist") {
        ip_statements(&mut doc, ranges, "NotIpAddress", &resources);
    }
    if let Some(ranges) = setting("IpRangeBlacklist") {
        ip_statements(&mut doc, ranges, "IpAddress", &resources);
    }
    for (list, intrinsic_vpc, intrinsic_vpce, operator) in [
        (
            "SourceVpcBlacklist",
            "IntrinsicVpcBlacklist",
            "IntrinsicVpceBlacklist",
            "StringEquals",
        ),
        (
            "SourceVpcWhitelist",
            "IntrinsicVpcWhitelist",
            "IntrinsicVpceWhitelist",
            "StringNotEquals",
        ),
    ] {
        let condition = vpc_condition(
            setting(list),
            setting(intrinsic_vpc),
            setting(intrinsic_vpce),
        );
        if let Some(condition) = condition {
            let deny_condition = Sw::ordered(vec![(operator, condition)]);
            conditioned_statements(&mut doc, deny_condition, &resources);
        }
    }
    definition.set(KEY, false, doc);
}

/// Adds `CustomStatements` of `policy`, skipping statements already there.
fn add_custom(definition: &mut Sw, policy: &Node) {
    let Some(custom) = get(policy, "CustomStatements").filter(|c| !is_empty(c)) else {
        return;
    };
    let mut doc = current(definition);
    set_version(&mut doc);
    let new = Sw::from_node(custom);
    match take_statements(&mut doc) {
        None => doc.set("Statement", false, new),
        Some(mut items) => {
            let more = match new {
                Sw::Seq(more) => more,
                one => vec![one],
            };
            for s in more {
                if !contains(&items, &s) {
                    items.push(s);
                }
            }
            doc.set("Statement", false, Sw::Seq(items));
        }
    }
    definition.set(KEY, false, doc);
}

/// The policy the definition holds so far (written in `DefinitionBody`, or added by an earlier step).
fn current(definition: &Sw) -> Sw {
    match definition.get(KEY) {
        Some(p @ Sw::Map(entries)) if !entries.is_empty() => p.clone(),
        Some(Sw::Written(n)) if n.as_map().is_some_and(|m| !m.is_empty()) => Sw::from_node(n),
        _ => Sw::Map(Vec::new()),
    }
}

fn set_version(doc: &mut Sw) {
    doc.set("Version", false, Sw::c("2012-10-17"));
}

/// The statements so far as a list (one statement written alone becomes a list of one); none when there
/// is no `Statement` yet.
fn take_statements(doc: &mut Sw) -> Option<Vec<Sw>> {
    match doc.get("Statement")? {
        Sw::Seq(items) => Some(items.clone()),
        Sw::Written(n) if matches!(n.kind, NodeKind::Null) => None,
        one => Some(vec![one.clone()]),
    }
}

/// `execute-api:/${__Stage__}/METHOD/path` for every method of `path` (`*` for any method), path
/// parameters written `*` (API Gateway matches them so).
fn resources(definition: &Sw, path: &str, stage: &Sw, written: bool) -> Vec<Sw> {
    let Some(item) = definition.get("paths").and_then(|p| p.get(path)) else {
        return Vec::new();
    };
    let mut methods: Vec<String> = Vec::new();
    for branch in conditional_contents(item) {
        let mut branch = branch.clone();
        if written {
            branch.recopy();
        }
        methods.extend(branch.keys_in_order().into_iter().map(str::to_owned));
    }
    let path = greedy_to_star(path);
    methods
        .iter()
        .map(|m| {
            let lower = m.to_ascii_lowercase();
            let method = if lower == "x-amazon-apigateway-any-method" || lower == "any" {
                "*".to_owned()
            } else {
                m.to_uppercase()
            };
            Sw::ordered(vec![(
                "Fn::Sub",
                Sw::Seq(vec![
                    Sw::Text(format!("execute-api:/${{__Stage__}}/{method}{path}"), true),
                    Sw::ordered(vec![("__Stage__", stage.clone())]),
                ]),
            )])
        })
        .collect()
}

/// A path item, or the branches of an `Fn::If` written in its place (a `Ref: AWS::NoValue` branch stands
/// for none).
fn conditional_contents(item: &Sw) -> Vec<&Sw> {
    match item.get("Fn::If") {
        Some(Sw::Seq(args)) => args.iter().skip(1).filter(|a| !is_no_value(a)).collect(),
        Some(Sw::Written(n)) => match &n.kind {
            NodeKind::Seq(_) => Vec::new(),
            _ => vec![item],
        },
        _ => vec![item],
    }
}

fn is_no_value(sw: &Sw) -> bool {
    match sw {
        Sw::Map(_) | Sw::Ordered(_) => {
            matches!(sw.get("Ref"), Some(Sw::Text(t, _)) if t == "AWS::NoValue")
                || matches!(sw.get("Ref"), Some(Sw::Written(n)) if n.as_str() == Some("AWS::NoValue"))
        }
        Sw::Written(n) => get(n, "Ref").and_then(Node::as_str) == Some("AWS::NoValue"),
        _ => false,
    }
}

/// `{name}`, `{name+}` and `{proxy+}` path parameters written `*`.
fn greedy_to_star(path: &str) -> String {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name_len = after.find(|c: char| !allowed(c)).unwrap_or(after.len());
        let tail = &after[name_len..];
        let close = if tail.starts_with("+}") {
            Some(2)
        } else if tail.starts_with('}') {
            Some(1)
        } else {
            None
        };
        match close {
            Some(n) if name_len > 0 => {
                out.push('*');
                rest = &tail[n..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A statement of the generated kind.
fn statement(effect: &str, resources: &[Sw], principal: Sw, condition: Option<Sw>) -> Sw {
    let mut entries = vec![
        ("Effect", Sw::c(effect)),
        ("Action", Sw::c("execute-api:Invoke")),
        ("Resource", Sw::Seq(resources.to_vec())),
        ("Principal", principal),
    ];
    if let Some(c) = condition {
        entries.push(("Condition", c));
    }
    Sw::map(entries)
}

/// One statement for the accounts of `accounts` (a list, or one value); the first statement of a policy
/// stands alone, later ones make a list.
fn accounts_statement(doc: &mut Sw, accounts: &Node, effect: &str, resources: &[Sw]) {
    if is_empty(accounts) {
        return;
    }
    let list = match Sw::from_node(accounts) {
        Sw::Seq(items) => Sw::Seq(items),
        one => Sw::Seq(vec![one]),
    };
    set_version(doc);
    let new = statement(effect, resources, Sw::map(vec![("AWS", list)]), None);
    match take_statements(doc) {
        None => doc.set("Statement", false, new),
        Some(mut items) => {
            items.push(new);
            doc.set("Statement", false, Sw::Seq(items));
        }
    }
}

/// An `Allow` for everyone and a `Deny` when the source IP is (`IpAddress`) or is not (`NotIpAddress`) in
/// `ranges`.
fn ip_statements(doc: &mut Sw, ranges: &Node, operator: &str, resources: &[Sw]) {
    if is_empty(ranges) {
        return;
    }
    let list = match Sw::from_node(ranges) {
        Sw::Seq(items) => Sw::Seq(items),
        one => Sw::Seq(vec![one]),
    };
    let condition = Sw::ordered(vec![(operator, Sw::ordered(vec![("aws:SourceIp", list)]))]);
    conditioned_statements(doc, condition, resources);
}

/// The `aws:SourceVpc` / `aws:SourceVpce` condition of a VPC setting: endpoints of the plain list sorted
/// by their prefix (`vpc-`, `vpce-`), the intrinsic lists taken as they are; none when both are empty.
fn vpc_condition(list: Option<&Node>, vpcs: Option<&Node>, vpces: Option<&Node>) -> Option<Sw> {
    let mut vpc: Option<Vec<Sw>> = None;
    let mut vpce: Option<Vec<Sw>> = None;
    let mut order: Vec<&str> = Vec::new();
    let mut extend = |slot: &mut Option<Vec<Sw>>, name: &'static str, items: Vec<Sw>| {
        if slot.is_none() {
            *slot = Some(Vec::new());
            order.push(name);
        }
        if let Some(s) = slot.as_mut() {
            s.extend(items);
        }
    };
    if let Some(items) = list.and_then(Node::as_seq) {
        let pick = |prefix: &str| -> Vec<Sw> {
            items
                .iter()
                .filter(|i| i.as_str().is_some_and(|s| s.starts_with(prefix)))
                .map(Sw::from_node)
                .collect()
        };
        let (v, ve) = (pick("vpc-"), pick("vpce-"));
        if !v.is_empty() {
            extend(&mut vpc, "aws:SourceVpc", v);
        }
        if !ve.is_empty() {
            extend(&mut vpce, "aws:SourceVpce", ve);
        }
    }
    let items = |n: &Node| match Sw::from_node(n) {
        Sw::Seq(items) => items,
        one => vec![one],
    };
    if let Some(n) = vpcs {
        extend(&mut vpc, "aws:SourceVpc", items(n));
    }
    if let Some(n) = vpces {
        extend(&mut vpce, "aws:SourceVpce", items(n));
    }
    if vpc.as_ref().is_none_or(Vec::is_empty) && vpce.as_ref().is_none_or(Vec::is_empty) {
        return None;
    }
    let entries = order
        .into_iter()
        .map(|name| {
            let list = if name == "aws:SourceVpc" {
                vpc.take()
            } else {
                vpce.take()
            };
            (name, Sw::Seq(list.unwrap_or_default()))
        })
        .collect();
    Some(Sw::map(entries))
}

/// An `Allow` for everyone and a `Deny` under `condition`, each added unless already there.
fn conditioned_statements(doc: &mut Sw, condition: Sw, resources: &[Sw]) {
    set_version(doc);
    let allow = statement("Allow", resources, Sw::c("*"), None);
    let deny = statement("Deny", resources, Sw::c("*"), Some(condition));
    let items = match take_statements(doc) {
        None => vec![allow, deny],
        Some(mut items) => {
            for s in [allow, deny] {
                if !contains(&items, &s) {
                    items.push(s);
                }
            }
            items
        }
    };
    doc.set("Statement", false, Sw::Seq(items));
}

/// True when `items` holds a statement equal to `item` (as values: key order and text kind aside).
fn contains(items: &[Sw], item: &Sw) -> bool {
    let span = crate::source::Span::default();
    let wanted = item.node(span);
    items.iter().any(|i| equal(&i.node(span), &wanted))
}

fn equal(a: &Node, b: &Node) -> bool {
    match (&a.kind, &b.kind) {
        (NodeKind::Map(x), NodeKind::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, e)| y.get(k).is_some_and(|v| equal(&e.value, v)))
        }
        (NodeKind::Seq(x), NodeKind::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q))
        }
        (x, y) => x == y,
    }
}

#[cfg(test)]
mod tests;
