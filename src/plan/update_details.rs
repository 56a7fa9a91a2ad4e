//! The details of a Modify: for each changed value, what causes it (the template itself, a parameter, a
//! resource that changes) and whether it is known now, in CloudFormation's `ResourceChangeDetail` terms;
//! and the changes to a resource's template attributes (Metadata, policies) that touch no property.

use std::collections::HashSet;

use crate::evaluate::Value;
use crate::spec::ResourceType;
use crate::template::{ExprKind, SubPart, Template};

use super::diff::{PropertyDiff, requires_recreation};
use super::update::referenced;
use super::{Detail, Target};

/// What a detail needs to know about the resource and the update.
pub(super) struct Context<'a> {
    pub id: &'a str,
    pub rt: Option<&'static ResourceType>,
    pub old_json: &'a serde_json::Value,
    pub new_json: &'a serde_json::Value,
    pub template: &'a Template,
    pub changed_parameters: &'a [String],
    pub no_echo: &'a HashSet<String>,
    /// Whether a resource gets a new physical id in this update (replaced or added).
    pub fates_replaced: &'a dyn Fn(&str) -> bool,
}

/// Whether a dynamic change is certain to replace the resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Causes {
    Maybe,
    /// A create-only property refers to a resource that gets a new physical id: its value will change.
    CertainReplacement,
}

const MASK: &str = "****";

/// One detail (or more) per changed value.
pub(super) fn property_details(ctx: &Context<'_>, diffs: &[PropertyDiff]) -> (Vec<Detail>, Causes) {
    let mut out = Vec::new();
    let mut causes = Causes::Maybe;
    for d in diffs {
        let prop = d.property();
        let rr = requires_recreation(ctx.rt, &d.path);
        let params = parameters_of(ctx, prop);
        let masked = params.iter().any(|p| ctx.no_echo.contains(p));
        let shown = |v: &Option<Value>| {
            v.as_ref().map(|v| {
                if masked {
                    serde_json::Value::String(MASK.into())
                } else {
                    v.to_serde()
                }
            })
        };
        let target = Target {
            attribute: if prop == "Tags" { "Tags" } else { "Properties" }.to_owned(),
            name: Some(prop.to_owned()),
            path: Some(d.pointer()),
            requires_recreation: rr.to_owned(),
            attribute_change_type: d.change_type().to_owned(),
            before_value: shown(&d.before),
            after_value: shown(&d.after),
        };
        let detail = |evaluation: &str, source: &str, entity: Option<String>| Detail {
            target: target.clone(),
            evaluation: evaluation.to_owned(),
            change_source: source.to_owned(),
            causing_entity: entity,
        };
        let written_differently = expression_changed(ctx, prop);
        if d.dynamic() {
            let refs = d.after.as_ref().map(referenced).unwrap_or_default();
            if written_differently || refs.is_empty() {
                out.push(detail("Dynamic", "DirectModification", None));
            }
            let mut seen = HashSet::new();
            for (res, attr) in refs {
                if !seen.insert((res.clone(), attr.clone())) {
                    continue;
                }
                if rr == "Always" && attr.is_none() && (ctx.fates_replaced)(&res) {
                    causes = Causes::CertainReplacement;
                }
                out.push(match attr {
                    None => detail("Dynamic", "ResourceReference", Some(res)),
                    Some(a) => detail("Dynamic", "ResourceAttribute", Some(format!("{res}.{a}"))),
                });
            }
            continue;
        }
        let changed: Vec<&String> = params
            .iter()
            .filter(|p| ctx.changed_parameters.contains(p))
            .collect();
        if written_differently || changed.is_empty() {
            out.push(detail("Static", "DirectModification", None));
        } else {
            // As CloudFormation reports a parameter's change: the property is modified (dynamic: through
            // the parameter), and the parameter is the static cause.
            out.push(detail("Dynamic", "DirectModification", None));
            for p in changed {
                out.push(detail("Static", "ParameterReference", Some(p.clone())));
            }
        }
    }
    (out, causes)
}

/// Changes to the resource's template attributes that are not properties.
pub(super) fn attribute_details(ctx: &Context<'_>) -> Vec<Detail> {
    const ATTRIBUTES: [&str; 5] = [
        "Metadata",
        "DeletionPolicy",
        "UpdateReplacePolicy",
        "CreationPolicy",
        "UpdatePolicy",
    ];
    let mut out = Vec::new();
    for a in ATTRIBUTES {
        let before = resource_part(ctx.old_json, ctx.id, a);
        let after = resource_part(ctx.new_json, ctx.id, a);
        if before == after {
            continue;
        }
        out.push(Detail {
            target: Target {
                attribute: a.to_owned(),
                name: None,
                path: Some(format!("/{a}")),
                requires_recreation: "Never".to_owned(),
                attribute_change_type: match (before, after) {
                    (None, _) => "Add",
                    (_, None) => "Remove",
                    _ => "Modify",
                }
                .to_owned(),
                before_value: before.cloned(),
                after_value: after.cloned(),
            },
            evaluation: "Static".to_owned(),
            change_source: "DirectModification".to_owned(),
            causing_entity: None,
        });
    }
    out
}

/// The change's scope: the attributes its details touch, in CloudFormation's order.
pub(super) fn scopes(details: &[Detail]) -> Vec<String> {
    const ORDER: [&str; 7] = [
        "Properties",
        "Metadata",
        "CreationPolicy",
        "UpdatePolicy",
        "DeletionPolicy",
        "UpdateReplacePolicy",
        "Tags",
    ];
    ORDER
        .iter()
        .filter(|a| details.iter().any(|d| d.target.attribute == **a))
        .map(|a| (*a).to_owned())
        .collect()
}

/// `True` when a create-only value changes and is known now, `Conditional` when it may, else `False`.
pub(super) fn replacement(details: &[Detail]) -> &'static str {
    let mut best = "False";
    for d in details {
        match (d.target.requires_recreation.as_str(), d.evaluation.as_str()) {
            ("Always", "Static") => return "True",
            ("Always", _) | ("Conditionally", _) => best = "Conditional",
            _ => {}
        }
    }
    best
}

/// The names of resources a deferred value refers to.
pub(super) fn deferred_targets(v: &Value) -> Vec<String> {
    referenced(v).into_iter().map(|(r, _)| r).collect()
}

fn resource_part<'j>(
    json: &'j serde_json::Value,
    id: &str,
    part: &str,
) -> Option<&'j serde_json::Value> {
    json.get("Resources")?.get(id)?.get(part)
}

/// Whether the template writes property `prop` differently than the stored template did.
fn expression_changed(ctx: &Context<'_>, prop: &str) -> bool {
    let get = |j: &serde_json::Value| {
        resource_part(j, ctx.id, "Properties")
            .and_then(|p| p.get(prop))
            .cloned()
    };
    get(ctx.old_json) != get(ctx.new_json)
}

/// The parameters the new template's property `prop` refers to (`Ref` and `Fn::Sub` variables).
fn parameters_of(ctx: &Context<'_>, prop: &str) -> Vec<String> {
    let t = ctx.template;
    let Some(expr) = t
        .resources
        .get(ctx.id)
        .and_then(|r| r.properties.as_ref())
        .and_then(|p| match &p.kind {
            ExprKind::Map(m) => m.get(prop).map(|(_, e)| e),
            _ => None,
        })
    else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    let mut seen_conditions: Vec<&str> = Vec::new();
    collect_parameters(t, expr, &mut out, &mut seen_conditions);
    out
}

/// Parameters `expr` refers to: through `Ref`, `Fn::Sub` variables, and the conditions of `Fn::If`
/// (recursively through `Condition`).
fn collect_parameters<'t>(
    t: &'t Template,
    expr: &'t crate::template::Expr,
    out: &mut Vec<String>,
    seen_conditions: &mut Vec<&'t str>,
) {
    let mut conditions: Vec<&'t str> = Vec::new();
    expr.walk(&mut |e| match &e.kind {
        ExprKind::Ref(n) => add_parameter(t, &n.value, out),
        ExprKind::Sub(call) => {
            for part in &call.parts {
                if let SubPart::Var { name, .. } = part {
                    add_parameter(t, name, out);
                }
            }
        }
        ExprKind::If { condition, .. } | ExprKind::Condition(condition) => {
            conditions.push(&condition.value)
        }
        _ => {}
    });
    for c in conditions {
        if seen_conditions.contains(&c) {
            continue;
        }
        seen_conditions.push(c);
        if let Some(def) = t.conditions.get(c) {
            collect_parameters(t, &def.expr, out, seen_conditions);
        }
    }
}

fn add_parameter(t: &Template, name: &str, out: &mut Vec<String>) {
    if t.parameters.contains_key(name) && !out.iter().any(|o| o == name) {
        out.push(name.to_owned());
    }
}
