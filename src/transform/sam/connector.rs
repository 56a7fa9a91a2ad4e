//! `AWS::Serverless::Connector` and the `Connectors` attribute embedded in a resource: the permissions a
//! source needs on a destination, taken from the public profile table (`data/connector_profiles.json`): a
//! managed policy on the source's (or destination's) role, a queue or topic policy, or Lambda permissions.
//! Sources and destinations are named by `Id` (a resource of the template) or described by `Type`, `Arn`,
//! `Name`, `RoleName`. It never grants more than the profile lists for the requested access categories.

use std::sync::OnceLock;

use serde_json::Value as J;

use crate::source::{Node, NodeKind, Span};

use super::build::{B, Obj, Res, from_json, get, referenced_id, to_obj};
use super::connector_ends::{End, first_missing, resolve_end, substitute};
use super::errors::SamError;
use super::{Ctx, Serverless};

static PROFILES: &str = include_str!("data/connector_profiles.json");

pub(super) fn profiles() -> &'static J {
    static P: OnceLock<J> = OnceLock::new();
    P.get_or_init(|| serde_json::from_str(PROFILES).unwrap_or(J::Null))
}

/// The first property of connector `r` missing or of the wrong kind, as the translator words it.
fn check_kinds(r: &Serverless) -> Option<SamError> {
    for key in ["Source", "Destination"] {
        let Some(v) = r.prop(key) else {
            return Some(SamError::resource(
                r.id,
                r.node.span,
                format!("Missing required property '{key}'."),
            ));
        };
        let list = key == "Destination" && matches!(v.kind, NodeKind::Seq(_));
        if !matches!(v.kind, NodeKind::Map(_)) && !list {
            return Some(SamError::resource(
                r.id,
                v.span,
                format!("Type of property '{key}' is invalid."),
            ));
        }
    }
    let p = r.prop("Permissions")?;
    (!matches!(p.kind, NodeKind::Seq(_) | NodeKind::Null))
        .then(|| SamError::resource(r.id, p.span, "Type of property 'Permissions' is invalid."))
}

/// An `AWS::Serverless::Connector` resource.
pub(super) fn expand(ctx: &mut Ctx, r: &Serverless) {
    let attrs = r.passed_attrs(&[
        "Condition",
        "DependsOn",
        "DeletionPolicy",
        "UpdateReplacePolicy",
        "Metadata",
    ]);
    if let Some(e) = check_kinds(r) {
        ctx.errors.push(e);
        return;
    }
    let (Some(source), Some(destination)) = (r.prop("Source"), r.prop("Destination")) else {
        ctx.errors.push(SamError::resource(
            r.id,
            r.node.span,
            "Missing required property 'Source' or 'Destination'.",
        ));
        return;
    };
    connect(
        ctx,
        r.id,
        source,
        destination,
        r.prop("Permissions"),
        attrs,
        r.node.span,
    );
}

/// The connectors embedded in resource `id` (its `Connectors` attribute), named `<id><name>`.
pub(super) fn expand_embedded(ctx: &mut Ctx, id: &str, resource: &Node) {
    let Some(connectors) = get(resource, "Connectors").and_then(Node::as_map) else {
        return;
    };
    for (name, entry) in connectors.iter() {
        let connector_id = format!("{id}{name}");
        let Some(props) = get(&entry.value, "Properties") else {
            ctx.errors.push(SamError::resource(
                &connector_id,
                entry.value.span,
                "'Properties' of an embedded connector is required.",
            ));
            continue;
        };
        let b = B::new(entry.value.span);
        // The resource itself, with what `SourceReference` adds (a `Qualifier`...).
        let mut source = Obj::new();
        source.insert("Id".into(), b.s(id));
        if let Some(extra) = get(props, "SourceReference").and_then(Node::as_map) {
            for (k, e) in extra.iter() {
                source.insert(k.to_owned(), e.value.clone());
            }
        }
        let source = b.obj(source);
        let Some(destination) = get(props, "Destination") else {
            ctx.errors.push(SamError::resource(
                &connector_id,
                props.span,
                "Missing required property 'Destination'.",
            ));
            continue;
        };
        let attrs: Obj = [
            "Condition",
            "DependsOn",
            "DeletionPolicy",
            "UpdateReplacePolicy",
        ]
        .iter()
        .filter_map(|k| get(resource, k).map(|v| ((*k).to_owned(), v.clone())))
        .filter(|(k, _)| k != "DependsOn")
        .collect();
        // The connector's own attributes win over the resource's.
        let mut attrs = attrs;
        for key in [
            "Condition",
            "DependsOn",
            "DeletionPolicy",
            "UpdateReplacePolicy",
            "Metadata",
        ] {
            if let Some(v) = get(&entry.value, key) {
                attrs.insert(key.to_owned(), v.clone());
            }
        }
        connect(
            ctx,
            &connector_id,
            &source,
            destination,
            get(props, "Permissions"),
            attrs,
            entry.value.span,
        );
    }
}

pub(super) fn connect(
    ctx: &mut Ctx,
    id: &str,
    source: &Node,
    destination: &Node,
    permissions: Option<&Node>,
    attrs: Obj,
    span: Span,
) {
    let categories: Vec<String> = match permissions.map(|p| &p.kind) {
        // An empty list is refused once the valid values are known (they depend on the ends).
        Some(NodeKind::Seq(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        None | Some(NodeKind::Null) => {
            ctx.errors.push(SamError::resource(
                id,
                span,
                "Missing required property 'Permissions'.",
            ));
            return;
        }
        _ => {
            ctx.errors.push(SamError::resource(
                id,
                span,
                "'Permissions' must be a non-empty list of 'Read' and 'Write'.",
            ));
            return;
        }
    };
    let source = match resolve_end(ctx, source) {
        Ok(e) => e,
        Err(m) => {
            ctx.errors.push(SamError::resource(id, source.span, m));
            return;
        }
    };
    let destinations: Vec<&Node> = match &destination.kind {
        NodeKind::Seq(items) if items.is_empty() => {
            ctx.errors.push(SamError::resource(
                id,
                destination.span,
                "'Destination' is an empty list",
            ));
            return;
        }
        NodeKind::Seq(items) => items.iter().collect(),
        _ => vec![destination],
    };
    let many = destinations.len() > 1;
    for (i, d) in destinations.into_iter().enumerate() {
        let dest = match resolve_end(ctx, d) {
            Ok(e) => e,
            Err(m) => {
                ctx.errors.push(SamError::resource(id, d.span, m));
                return;
            }
        };
        let suffix = if many {
            format!("Destination{i}")
        } else {
            String::new()
        };
        if let Err(m) = generate(
            ctx,
            id,
            &source,
            &dest,
            &categories,
            &suffix,
            &attrs,
            d.span,
        ) {
            ctx.errors.push(SamError::resource(id, d.span, m));
            return;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn generate(
    ctx: &mut Ctx,
    id: &str,
    source: &End,
    dest: &End,
    categories: &[String],
    suffix: &str,
    attrs: &Obj,
    span: Span,
) -> Result<(), String> {
    let b = B::new(span);
    let profile = &profiles()["Permissions"][&source.ty][&dest.ty];
    if profile.is_null() {
        return Err(format!(
            "Unable to create connector from {} to {}; it's not supported or the template is invalid.",
            source.ty, dest.ty
        ));
    }
    let props = &profile["Properties"];
    let access = &props["AccessCategories"];
    let valid_values = || {
        access
            .as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>().join(", "))
            .unwrap_or_default()
    };
    if categories.is_empty() {
        return Err(format!(
            "'Permissions' cannot be empty; valid values are: {}.",
            valid_values()
        ));
    }
    for c in categories {
        if access.get(c).is_none() {
            return Err(format!(
                "Unsupported 'Permissions' provided for connector from {} to {}; valid values are: {}.",
                source.ty,
                dest.ty,
                access
                    .as_object()
                    .map(|o| o.keys().cloned().collect::<Vec<_>>().join(", "))
                    .unwrap_or_default()
            ));
        }
    }
    if let Some(combinations) = props["ValidAccessCategories"].as_array() {
        let mut wanted: Vec<&str> = categories.iter().map(String::as_str).collect();
        wanted.sort_unstable();
        wanted.dedup();
        let listed: Vec<Vec<&str>> = combinations
            .iter()
            .map(|c| {
                let mut c: Vec<&str> = c
                    .as_array()
                    .map(|a| a.iter().filter_map(J::as_str).collect())
                    .unwrap_or_default();
                c.sort_unstable();
                c
            })
            .collect();
        if !listed.is_empty() && !listed.contains(&wanted) {
            return Err(format!(
                "Unsupported 'Permissions' provided for connector from {} to {}; valid combinations are: {}.",
                source.ty,
                dest.ty,
                listed
                    .iter()
                    .map(|c| c.join(" + "))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    // Every value the permissions name must be known (`Source.Arn`...).
    for c in categories {
        if let Some(name) = first_missing(&access[c], source, dest) {
            return Err(format!("{name} is missing."));
        }
    }
    let fill = |v: &J| substitute(&from_json(b, v), source, dest);
    let metadata = b.map([(
        "aws:sam:connectors",
        b.map([(
            id,
            b.map([
                (
                    "Destination",
                    b.map([("Type", b.s(dest.written_type.as_str()))]),
                ),
                (
                    "Source",
                    b.map([("Type", b.s(source.written_type.as_str()))]),
                ),
            ]),
        )]),
    )]);
    let statements = || -> Vec<Node> {
        categories
            .iter()
            .flat_map(|c| {
                access[c]["Statement"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .map(|s| fill(&s))
            .collect()
    };
    let document = |statements: Vec<Node>| {
        b.map([
            ("Statement", b.seq(statements)),
            ("Version", b.s("2012-10-17")),
        ])
    };
    let mut out: Vec<(String, Res)> = Vec::new();
    match profile["Type"].as_str().unwrap_or("") {
        "AWS_IAM_ROLE_MANAGED_POLICY" => {
            let on_source = props["SourcePolicy"].as_bool().unwrap_or(false);
            let role = if on_source { &source.role } else { &dest.role };
            let Some(role) = role.clone() else {
                let end = if on_source { "Source" } else { "Destination" };
                return Err(format!(
                    "Unable to get IAM role name from '{end}' resource."
                ));
            };
            let res = Res::new("AWS::IAM::ManagedPolicy", span)
                .prop("PolicyDocument", document(statements()))
                .prop("Roles", b.seq(vec![role]));
            let policy_id = format!("{id}Policy{suffix}");
            if let (Some(s), Some(d)) = (&source.id, &dest.id) {
                ctx.mapping_links
                    .push((policy_id.clone(), s.clone(), d.clone()));
            }
            out.push((policy_id, res));
        }
        "AWS_SQS_QUEUE_POLICY" => {
            let url = dest
                .outputs
                .get("Url")
                .cloned()
                .ok_or("The destination queue's URL is not known.")?;
            let res = Res::new("AWS::SQS::QueuePolicy", span)
                .prop("PolicyDocument", document(statements()))
                .prop("Queues", b.seq(vec![url]));
            out.push((format!("{id}QueuePolicy{suffix}"), res));
        }
        "AWS_SNS_TOPIC_POLICY" => {
            let arn = dest
                .outputs
                .get("Arn")
                .cloned()
                .ok_or("The destination topic's ARN is not known.")?;
            let res = Res::new("AWS::SNS::TopicPolicy", span)
                .prop("PolicyDocument", document(statements()))
                .prop("Topics", b.seq(vec![arn]));
            out.push((format!("{id}TopicPolicy{suffix}"), res));
        }
        "AWS_LAMBDA_PERMISSION" => {
            let function = dest
                .outputs
                .get("Arn")
                .cloned()
                .ok_or("The destination function's ARN is not known.")?;
            for c in categories {
                let filled = fill(&access[c]);
                let mut res = Res::new("AWS::Lambda::Permission", span)
                    .prop("FunctionName", function.clone());
                if let Some(m) = filled.as_map() {
                    for (k, e) in m.iter() {
                        res = res.prop(k, e.value.clone());
                    }
                }
                out.push((format!("{id}{c}LambdaPermission{suffix}"), res));
            }
        }
        other => return Err(format!("connector profile type {other} is not known")),
    }
    // The connector's own metadata is kept beside the transform's.
    let metadata = match attrs.get("Metadata").and_then(Node::as_map) {
        Some(own) => {
            let mut all = to_obj(&metadata);
            for (k, e) in own.iter() {
                all.entry(k.to_owned()).or_insert_with(|| e.value.clone());
            }
            b.obj(all)
        }
        None => metadata,
    };
    for (rid, mut res) in out {
        res.attrs = attrs.clone();
        res.attrs.insert("Metadata".into(), metadata.clone());
        ctx.add(id, rid, res);
    }
    Ok(())
}

/// Event source mappings from a connector's source to its destination wait for the connector's policy
/// (the mapping cannot read the source before the role may).
pub(super) fn order_mappings(ctx: &mut Ctx) {
    let links = std::mem::take(&mut ctx.mapping_links);
    for (policy, source, dest) in links {
        let ids: Vec<String> = ctx
            .out
            .iter()
            .filter(|(_, n)| {
                get(n, "Type").and_then(Node::as_str) == Some("AWS::Lambda::EventSourceMapping")
            })
            .filter(|(_, n)| {
                let props = get(n, "Properties");
                let from = props
                    .and_then(|p| get(p, "EventSourceArn"))
                    .and_then(referenced_id);
                let to = props
                    .and_then(|p| get(p, "FunctionName"))
                    .and_then(referenced_id);
                from == Some(source.as_str())
                    && to.is_some_and(|t| t == dest || t.starts_with(&format!("{dest}Alias")))
            })
            .map(|(k, _)| k.clone())
            .collect();
        for id in ids {
            let Some(node) = ctx.out.get(&id) else {
                continue;
            };
            let b = B::new(node.span);
            let mut top = super::build::to_obj(node);
            let mut depends: Vec<Node> = match top.get("DependsOn") {
                Some(Node {
                    kind: NodeKind::Seq(items),
                    ..
                }) => items.clone(),
                Some(n) => vec![n.clone()],
                None => Vec::new(),
            };
            if !depends.iter().any(|d| d.as_str() == Some(policy.as_str())) {
                depends.push(b.s(policy.as_str()));
            }
            top.insert("DependsOn".into(), b.seq(depends));
            ctx.out.insert(id, b.obj(top));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::source::Node;

    use super::super::build;

    use crate::transform::sam::test_support::expand_text as run;

    #[test]
    fn an_embedded_connector_keeps_its_own_attributes_and_metadata() {
        let text = "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Connectors:\n      C:\n        DependsOn: T\n        Metadata: {foo: bar}\n        Properties:\n          Destination: {Id: T}\n          Permissions: [Read]\n    Properties:\n      Handler: h\n      Runtime: python3.12\n      InlineCode: x\n  T:\n    Type: AWS::DynamoDB::Table\n";
        let out = run(text).unwrap();
        let policy = build::get(build::get(&out.root, "Resources").unwrap(), "FCPolicy").unwrap();
        assert_eq!(
            build::get(policy, "DependsOn").and_then(Node::as_str),
            Some("T")
        );
        let metadata = build::get(policy, "Metadata").unwrap();
        assert!(build::get(metadata, "foo").is_some());
        assert!(build::get(metadata, "aws:sam:connectors").is_some());
    }

    #[test]
    fn a_missing_arn_is_named_by_its_placeholder() {
        let text = "Resources:\n  C:\n    Type: AWS::Serverless::Connector\n    Properties:\n      Source: {Type: AWS::Events::Rule}\n      Destination: {Type: AWS::SNS::Topic}\n      Permissions: [Write]\n";
        let errors = run(text).unwrap_err();
        assert_eq!(
            errors[0].span.start as usize,
            text.find("{Type: AWS::SNS").unwrap()
        );
        assert!(
            super::super::reference_message(&errors)
                .unwrap()
                .ends_with("Resource with id [C] is invalid. Destination.Arn is missing.")
        );
    }

    #[test]
    fn a_rule_acts_through_the_role_of_its_targets() {
        let text = "Resources:\n  R:\n    Type: AWS::Events::Rule\n    Connectors:\n      C:\n        Properties:\n          Destination: {Id: B}\n          Permissions: [Write]\n    Properties:\n      Targets:\n      - {Id: t, Arn: arn:x, RoleArn: !GetAtt Role.Arn}\n  B:\n    Type: AWS::Events::EventBus\n    Properties: {Name: b}\n  Role:\n    Type: AWS::IAM::Role\n    Properties: {AssumeRolePolicyDocument: {}}\n";
        let out = run(text).unwrap();
        let policy = build::get(build::get(&out.root, "Resources").unwrap(), "RCPolicy").unwrap();
        let roles = build::get(build::get(policy, "Properties").unwrap(), "Roles").unwrap();
        assert_eq!(
            build::get(&roles.as_seq().unwrap()[0], "Ref").and_then(Node::as_str),
            Some("Role")
        );
    }
}
