//! References: every `Ref`, `Fn::GetAtt`, `Fn::Sub` variable, `DependsOn`, `Condition` attribute,
//! `Fn::If` and `Condition` name, and `Fn::FindInMap` with literal names must name something that exists.
//! Where a reference may point (a resource from a condition, say) is the placement pass's job.

use crate::source::{Diagnostic, codes, suggest};
use crate::template::{Expr, ExprKind, Name, SubPart, Template};

/// CloudFormation's pseudo parameters.
pub const PSEUDO_PARAMETERS: &[&str] = &[
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
];

pub fn check(t: &Template, out: &mut Vec<Diagnostic>) {
    let modules = t
        .resources
        .iter()
        .filter(|(_, r)| {
            r.resource_type
                .as_ref()
                .is_some_and(|ty| ty.value.ends_with("::MODULE"))
        })
        .map(|(id, _)| id.as_str())
        .collect();
    let mut cx = Refs { t, out, modules };
    for (name, r) in &t.resources {
        for d in &r.depends_on {
            if d.value == *name {
                cx.out.push(
                    Diagnostic::error(
                        codes::SELF_DEPENDS_ON,
                        d.span,
                        format!("resource `{name}` depends on itself"),
                    )
                    .with_help("remove it from its own `DependsOn`"),
                );
            } else if !t.resources.contains_key(&d.value) {
                cx.out.push(
                    Diagnostic::error(
                        codes::UNRESOLVED_DEPENDS_ON,
                        d.span,
                        format!("`DependsOn` names unknown resource `{}`", d.value),
                    )
                    .with_help_opt(suggest(&d.value, t.resources.keys().map(String::as_str))),
                );
            }
        }
        if let Some(c) = &r.condition {
            cx.condition_name(c);
        }
        for e in [
            &r.properties,
            &r.metadata,
            &r.update_policy,
            &r.creation_policy,
            &r.deletion_policy,
            &r.update_replace_policy,
        ]
        .into_iter()
        .flatten()
        {
            cx.expr(e);
        }
    }
    for c in t.conditions.values() {
        cx.expr(&c.expr);
    }
    for o in t.outputs.values() {
        if let Some(c) = &o.condition {
            cx.condition_name(c);
        }
        for e in [&o.value, &o.export_name, &o.description]
            .into_iter()
            .flatten()
        {
            cx.expr(e);
        }
    }
    for r in t.rules.values() {
        for e in r
            .rule_condition
            .iter()
            .chain(r.assertions.iter().map(|a| &a.assert))
        {
            cx.expr(e);
        }
    }
    for h in t.hooks.values() {
        if let Some(p) = &h.properties {
            cx.expr(p);
        }
    }
}

struct Refs<'a> {
    t: &'a Template,
    out: &'a mut Vec<Diagnostic>,
    /// Logical ids of module resources (`Type: ...::MODULE`), whose resources carry them as a prefix.
    modules: Vec<&'a str>,
}

impl Refs<'_> {
    fn is_target(&self, name: &str) -> bool {
        self.t.parameters.contains_key(name)
            || PSEUDO_PARAMETERS.contains(&name)
            || self.is_resource(name)
    }

    /// A resource of the template, or one a module resource (`Type: ...::MODULE`) brings in: the module's
    /// resources are named with the module's logical id as a prefix.
    fn is_resource(&self, name: &str) -> bool {
        self.t.resources.contains_key(name) || self.modules.iter().any(|m| name.starts_with(m))
    }

    fn targets(&self) -> impl Iterator<Item = &str> {
        self.t
            .parameters
            .keys()
            .chain(self.t.resources.keys())
            .map(String::as_str)
            .chain(PSEUDO_PARAMETERS.iter().copied())
    }

    fn condition_name(&mut self, c: &Name) {
        if !self.t.conditions.contains_key(&c.value) {
            self.out.push(
                Diagnostic::error(
                    codes::UNKNOWN_CONDITION,
                    c.span,
                    format!("unknown condition `{}`", c.value),
                )
                .with_help_opt(suggest(
                    &c.value,
                    self.t.conditions.keys().map(String::as_str),
                )),
            );
        }
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::String(s) if s.contains("${") => self.sub_outside_sub(s, e),
            ExprKind::Ref(n) => self.reference(n),
            ExprKind::GetAtt { resource, .. } => self.getatt(resource),
            ExprKind::Sub(sub) => {
                let variables = &sub.variables;
                for p in &sub.parts {
                    let SubPart::Var { name, span } = p else {
                        continue;
                    };
                    if variables.contains_key(name) || self.is_target(name) {
                        continue;
                    }
                    match name.split_once('.') {
                        Some((res, _)) if self.is_resource(res) => {}
                        Some((res, _)) if self.t.parameters.contains_key(res) => {
                            self.out.push(Diagnostic::error(
                                codes::UNRESOLVED_SUB,
                                *span,
                                format!("`${{{name}}}` asks for an attribute of parameter `{res}`: only resources have attributes"),
                            ));
                        }
                        _ => {
                            let candidates: Vec<&str> = self
                                .targets()
                                .chain(variables.keys().map(String::as_str))
                                .collect();
                            self.out.push(
                                Diagnostic::error(codes::UNRESOLVED_SUB, *span, format!("`Fn::Sub` variable `{name}` is not a parameter, resource, pseudo parameter or variable"))
                                    .with_help_opt(suggest(name.split('.').next().unwrap_or(name), candidates))
                                    .with_note("write `${!Literal}` for a literal `${Literal}`"),
                            );
                        }
                    }
                }
            }
            ExprKind::If { condition, .. } | ExprKind::Condition(condition) => {
                self.condition_name(condition)
            }
            ExprKind::FindInMap {
                map,
                top_key,
                second_key,
                default,
            } => self.find_in_map(map, top_key, second_key, default.is_some()),
            _ => {}
        }
        e.for_each_child(&mut |c| self.expr(c));
    }

    /// `"${Param}"` outside `Fn::Sub` is passed on literally: almost always a forgotten `!Sub`.
    fn sub_outside_sub(&mut self, s: &str, e: &Expr) {
        let names = crate::template::parse_sub(s, e.span, "");
        for p in names {
            if let SubPart::Var { name, .. } = p {
                let head = name.split('.').next().unwrap_or(&name);
                if self.t.parameters.contains_key(head)
                    || self.is_resource(head)
                    || PSEUDO_PARAMETERS.contains(&head)
                {
                    self.out.push(
                        Diagnostic::error(codes::SUB_VARIABLE_OUTSIDE_SUB, e.span, format!("`${{{name}}}` is in a string that is not in `Fn::Sub`: CloudFormation passes it on literally"))
                            .with_help("wrap the string in `!Sub`, or write `${!Literal}` inside `Fn::Sub` for a literal"),
                    );
                    return;
                }
            }
        }
    }

    fn reference(&mut self, n: &Name) {
        if self.is_target(&n.value) {
            return;
        }
        let help = suggest(&n.value, self.targets());
        let mut d = Diagnostic::error(
            codes::UNRESOLVED_REF,
            n.span,
            format!("`Ref` to unknown name `{}`", n.value),
        )
        .with_help_opt(help);
        if self.t.conditions.contains_key(&n.value) {
            d = d.with_note(format!(
                "`{}` is a condition: use `Condition: {}` or `Fn::If`",
                n.value, n.value
            ));
        } else if self.t.mappings.contains_key(&n.value) {
            d = d.with_note(format!(
                "`{}` is a mapping: read it with `Fn::FindInMap`",
                n.value
            ));
        }
        self.out.push(d);
    }

    fn getatt(&mut self, resource: &Name) {
        if self.is_resource(&resource.value) {
            return;
        }
        let mut d = Diagnostic::error(
            codes::UNRESOLVED_GETATT,
            resource.span,
            format!("`Fn::GetAtt` on unknown resource `{}`", resource.value),
        )
        .with_help_opt(suggest(
            &resource.value,
            self.t.resources.keys().map(String::as_str),
        ));
        if self.t.parameters.contains_key(&resource.value) {
            d = d.with_note(format!("`{}` is a parameter: use `Ref`", resource.value));
        }
        self.out.push(d);
    }

    fn find_in_map(&mut self, map: &Expr, top: &Expr, second: &Expr, has_default: bool) {
        let Some(map_name) = map.as_str() else {
            return;
        };
        let Some(m) = self.t.mappings.get(map_name) else {
            if !has_default {
                self.out.push(
                    Diagnostic::error(
                        codes::UNKNOWN_MAPPING,
                        map.span,
                        format!("unknown mapping `{map_name}`"),
                    )
                    .with_help_opt(suggest(
                        map_name,
                        self.t.mappings.keys().map(String::as_str),
                    )),
                );
            }
            return;
        };
        if has_default {
            return;
        }
        let Some(top_name) = top.as_str() else {
            return;
        };
        let Some(entry) = m.entries.get(top_name) else {
            self.out.push(
                Diagnostic::error(
                    codes::UNKNOWN_MAPPING,
                    top.span,
                    format!("mapping `{map_name}` has no key `{top_name}`"),
                )
                .with_help_opt(suggest(top_name, m.entries.keys().map(String::as_str))),
            );
            return;
        };
        if let Some(second_name) = second.as_str()
            && !entry.values.contains_key(second_name)
        {
            self.out.push(
                Diagnostic::error(
                    codes::UNKNOWN_MAPPING,
                    second.span,
                    format!("mapping `{map_name}` has no key `{second_name}` under `{top_name}`"),
                )
                .with_help_opt(suggest(
                    second_name,
                    entry.values.keys().map(String::as_str),
                )),
            );
        }
    }
}
