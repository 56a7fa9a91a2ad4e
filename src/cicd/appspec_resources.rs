//! The `resources` section of Lambda and ECS AppSpec files: a list of one-key mappings from a name to the
//! `Type` and `Properties` of the function or service to deploy (the user guide's "AppSpec 'resources'
//! section"). CodeDeploy reads these keys without regard to case.

use super::appspec::CODES;
use super::events::Platform;
use super::fields::{Fields, scalar, scalar_list, seq, single};
use crate::source::{Diagnostic, Node, NodeKind, codes, suggest};

pub(crate) const LAMBDA_TYPE: &str = "AWS::Lambda::Function";
pub(crate) const ECS_TYPE: &str = "AWS::ECS::Service";

const RESOURCE_KEYS: &[&str] = &["Type", "Properties"];
const LAMBDA_KEYS: &[&str] = &["Name", "Alias", "CurrentVersion", "TargetVersion"];
const ECS_KEYS: &[&str] = &[
    "TaskDefinition",
    "LoadBalancerInfo",
    "PlatformVersion",
    "NetworkConfiguration",
    "CapacityProviderStrategy",
];
const LOAD_BALANCER_KEYS: &[&str] = &["ContainerName", "ContainerPort"];
const NETWORK_KEYS: &[&str] = &["AwsvpcConfiguration"];
const AWSVPC_KEYS: &[&str] = &["Subnets", "SecurityGroups", "AssignPublicIp"];
const CAPACITY_KEYS: &[&str] = &["Base", "CapacityProvider", "Weight"];

pub(crate) fn check(node: &Node, platform: Platform, out: &mut Vec<Diagnostic>) {
    let Some(items) = seq(node, "`resources`", CODES.bad_shape, out) else {
        return;
    };
    if items.is_empty() {
        out.push(Diagnostic::error(
            codes::APPSPEC_MISSING_KEY,
            node.span,
            format!(
                "`resources` is empty: name the {} to deploy",
                noun(platform)
            ),
        ));
    }
    for item in items {
        let Some((name, entry)) = single(item, "a resource", CODES.bad_shape, out) else {
            continue;
        };
        let what = format!("resource `{name}`");
        let Some(r) = Fields::check(
            &entry.value,
            entry.key_span,
            &what,
            RESOURCE_KEYS,
            true,
            CODES,
            out,
        ) else {
            continue;
        };
        let expected = match platform {
            Platform::Ecs => ECS_TYPE,
            _ => LAMBDA_TYPE,
        };
        if let Some(ty) = r.require("Type", out)
            && let Some(text) = scalar(ty, "`Type`", CODES.bad_shape, out)
            && text != expected
        {
            out.push(
                Diagnostic::error(
                    codes::APPSPEC_PLATFORM,
                    ty.span,
                    format!(
                        "a {} AppSpec file deploys `{expected}`, found `{text}`",
                        platform.title()
                    ),
                )
                .with_help_opt(suggest(&text, [expected])),
            );
        }
        let Some(props) = r.require("Properties", out) else {
            continue;
        };
        let owner = r.key_span("Properties").unwrap_or(props.span);
        match platform {
            Platform::Ecs => ecs(props, owner, out),
            _ => lambda(props, owner, out),
        }
    }
}

fn noun(platform: Platform) -> &'static str {
    match platform {
        Platform::Ecs => "Amazon ECS service",
        _ => "Lambda function",
    }
}

fn lambda(props: &Node, owner: crate::source::Span, out: &mut Vec<Diagnostic>) {
    let Some(p) = Fields::check(
        props,
        owner,
        "the `Properties` of a Lambda function",
        LAMBDA_KEYS,
        true,
        CODES,
        out,
    ) else {
        return;
    };
    for key in LAMBDA_KEYS {
        if let Some(n) = p.require(key, out) {
            scalar(n, &format!("`{key}`"), CODES.bad_shape, out);
        }
    }
}

fn ecs(props: &Node, owner: crate::source::Span, out: &mut Vec<Diagnostic>) {
    let Some(p) = Fields::check(
        props,
        owner,
        "the `Properties` of an ECS service",
        ECS_KEYS,
        true,
        CODES,
        out,
    ) else {
        return;
    };
    if let Some(n) = p.require("TaskDefinition", out) {
        scalar(n, "`TaskDefinition`", CODES.bad_shape, out);
    }
    if let Some(n) = p.require("LoadBalancerInfo", out) {
        let owner = p.key_span("LoadBalancerInfo").unwrap_or(n.span);
        if let Some(lb) = Fields::check(
            n,
            owner,
            "`LoadBalancerInfo`",
            LOAD_BALANCER_KEYS,
            true,
            CODES,
            out,
        ) {
            if let Some(name) = lb.require("ContainerName", out) {
                scalar(name, "`ContainerName`", CODES.bad_shape, out);
            }
            if let Some(port) = lb.require("ContainerPort", out) {
                container_port(port, out);
            }
        }
    }
    if let Some(n) = p.get("PlatformVersion") {
        scalar(n, "`PlatformVersion`", CODES.bad_shape, out);
    }
    if let Some(n) = p.get("NetworkConfiguration") {
        network(n, p.key_span("NetworkConfiguration").unwrap_or(n.span), out);
    }
    if let Some(n) = p.get("CapacityProviderStrategy")
        && let Some(items) = seq(n, "`CapacityProviderStrategy`", CODES.bad_shape, out)
    {
        for item in items {
            if let Some(c) = Fields::check(
                item,
                item.span,
                "a capacity provider strategy",
                CAPACITY_KEYS,
                true,
                CODES,
                out,
            ) && let Some(name) = c.require("CapacityProvider", out)
            {
                scalar(name, "`CapacityProvider`", CODES.bad_shape, out);
            }
        }
    }
}

/// A port number: CodeDeploy wants a number here, not a string.
fn container_port(node: &Node, out: &mut Vec<Diagnostic>) {
    let ok = match &node.kind {
        NodeKind::Number(n) => n.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p)),
        _ => false,
    };
    if !ok {
        let found = node
            .scalar_text()
            .map(|t| format!("`{t}`"))
            .unwrap_or_else(|| node.describe().to_owned());
        out.push(Diagnostic::error(
            codes::APPSPEC_BAD_VALUE,
            node.span,
            format!("`ContainerPort` must be a port number from 1 to 65535, found {found}"),
        ));
    }
}

/// `AwsvpcConfiguration` takes all of `Subnets`, `SecurityGroups` and `AssignPublicIp`, or none.
fn network(node: &Node, owner: crate::source::Span, out: &mut Vec<Diagnostic>) {
    let Some(net) = Fields::check(
        node,
        owner,
        "`NetworkConfiguration`",
        NETWORK_KEYS,
        true,
        CODES,
        out,
    ) else {
        return;
    };
    let Some(vpc) = net.get("AwsvpcConfiguration") else {
        return;
    };
    let owner = net.key_span("AwsvpcConfiguration").unwrap_or(vpc.span);
    let Some(v) = Fields::check(
        vpc,
        owner,
        "`AwsvpcConfiguration`",
        AWSVPC_KEYS,
        true,
        CODES,
        out,
    ) else {
        return;
    };
    for key in ["Subnets", "SecurityGroups"] {
        if let Some(n) = v.get(key) {
            scalar_list(n, &format!("`{key}`"), CODES.bad_shape, out);
        }
    }
    if let Some(n) = v.get("AssignPublicIp")
        && let Some(text) = scalar(n, "`AssignPublicIp`", CODES.bad_shape, out)
        && text != "ENABLED"
        && text != "DISABLED"
    {
        out.push(
            Diagnostic::error(
                codes::APPSPEC_BAD_VALUE,
                n.span,
                format!("`AssignPublicIp` must be `ENABLED` or `DISABLED`, found `{text}`"),
            )
            .with_help_opt(suggest(&text, ["ENABLED", "DISABLED"])),
        );
    }
    let missing: Vec<&str> = AWSVPC_KEYS
        .iter()
        .copied()
        .filter(|k| v.get(k).is_none())
        .collect();
    if !missing.is_empty() {
        out.push(Diagnostic::error(
            codes::APPSPEC_MISSING_KEY,
            owner,
            format!(
                "`AwsvpcConfiguration` needs all of its settings or none: {} missing",
                super::fields::list(&missing)
            ),
        ));
    }
}
