//! Where each intrinsic function may stand and what may nest inside it, following CloudFormation's
//! "supported functions" lists: condition functions only in Conditions and Rules, `Fn::If` only in resource
//! properties, metadata and policies and in Outputs, nothing resource-dependent in Conditions, no functions
//! in Mappings, the literal-only arguments (`Fn::Join`/`Fn::Split` delimiters), `Fn::ImportValue` that cannot
//! depend on a resource, `Ref AWS::NoValue` outside Outputs, and the functions that need
//! `AWS::LanguageExtensions`.

use crate::source::{Diagnostic, NodeKind, codes};
use crate::template::{Expr, ExprKind, Template};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Place {
    /// Resource properties, resource Metadata, UpdatePolicy, CreationPolicy, hook properties.
    Resource,
    /// DeletionPolicy / UpdateReplacePolicy.
    Policy,
    Condition,
    Output,
    Rule,
}

const CONDITION_FUNCTIONS: &[&str] = &["Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not", "Condition"];
const RULE_FUNCTIONS: &[&str] = &[
    "Fn::Contains",
    "Fn::EachMemberEquals",
    "Fn::EachMemberIn",
    "Fn::RefAll",
    "Fn::ValueOf",
    "Fn::ValueOfAll",
];

pub fn check(t: &Template, out: &mut Vec<Diagnostic>) {
    let mut cx = Cx {
        t,
        out,
        langext: t.has_transform("AWS::LanguageExtensions"),
    };
    for r in t.resources.values() {
        for e in [
            &r.properties,
            &r.metadata,
            &r.update_policy,
            &r.creation_policy,
        ]
        .into_iter()
        .flatten()
        {
            cx.walk(e, Place::Resource, false);
        }
        for e in [&r.deletion_policy, &r.update_replace_policy]
            .into_iter()
            .flatten()
        {
            cx.policy(e);
        }
    }
    for h in t.hooks.values() {
        if let Some(p) = &h.properties {
            cx.walk(p, Place::Resource, false);
        }
    }
    for (name, c) in &t.conditions {
        if !matches!(c.expr.kind, ExprKind::Invalid)
            && !matches!(c.expr.function_name(), Some(f) if CONDITION_FUNCTIONS.contains(&f))
        {
            cx.out.push(
                Diagnostic::error(
                    codes::FUNCTION_NOT_ALLOWED,
                    c.expr.span,
                    format!(
                        "condition `{name}` must be a condition function, found {}",
                        describe(&c.expr)
                    ),
                )
                .with_help("use `Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not` or `Condition`"),
            );
        }
        cx.walk(&c.expr, Place::Condition, true);
    }
    for o in t.outputs.values() {
        for e in [&o.value, &o.export_name, &o.description]
            .into_iter()
            .flatten()
        {
            cx.walk(e, Place::Output, false);
        }
    }
    for r in t.rules.values() {
        for e in r
            .rule_condition
            .iter()
            .chain(r.assertions.iter().map(|a| &a.assert))
        {
            cx.walk(e, Place::Rule, true);
        }
    }
    for (name, m) in &t.mappings {
        for top in m.entries.values() {
            for (k, (_, v)) in &top.values {
                if let NodeKind::Map(vm) = &v.kind
                    && let Some((f, e)) = vm.single()
                    && (f == "Ref" || f.starts_with("Fn::"))
                {
                    cx.out.push(
                        Diagnostic::error(codes::FUNCTION_NOT_ALLOWED, e.key_span, format!("`{f}` in mapping `{name}` (key `{k}`): the Mappings section takes literal values only"))
                            .with_help("move the logic to where the mapping is read, around `Fn::FindInMap`"),
                    );
                }
            }
        }
    }
}

fn describe(e: &Expr) -> String {
    match e.function_name() {
        Some(f) => format!("`{f}`"),
        None => match &e.kind {
            ExprKind::String(_) | ExprKind::Dynamic(_) => "a string".to_owned(),
            ExprKind::List(_) => "a list".to_owned(),
            ExprKind::Map(_) => "a mapping".to_owned(),
            ExprKind::Bool(_) => "a boolean".to_owned(),
            ExprKind::Number(_) => "a number".to_owned(),
            _ => "a value".to_owned(),
        },
    }
}

struct Cx<'a> {
    t: &'a Template,
    out: &'a mut Vec<Diagnostic>,
    langext: bool,
}

impl Cx<'_> {
    fn not_allowed(&mut self, e: &Expr, message: String, help: Option<&str>) {
        let mut d = Diagnostic::error(codes::FUNCTION_NOT_ALLOWED, e.span, message);
        if let Some(h) = help {
            d = d.with_help(h);
        }
        self.out.push(d);
    }

    fn policy(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::String(s) => {
                if !["Delete", "Retain", "RetainExceptOnCreate", "Snapshot"].contains(&s.as_str()) {
                    self.out.push(
                        Diagnostic::error(
                            codes::BAD_POLICY,
                            e.span,
                            format!("unknown policy `{s}`"),
                        )
                        .with_help_opt(crate::source::suggest(
                            s,
                            ["Delete", "Retain", "RetainExceptOnCreate", "Snapshot"],
                        ))
                        .with_note(
                            "valid policies: Delete, Retain, RetainExceptOnCreate, Snapshot",
                        ),
                    );
                }
            }
            _ if e.function_name().is_some() => self.walk(e, Place::Policy, false),
            _ => self.out.push(Diagnostic::error(
                codes::BAD_SHAPE,
                e.span,
                format!("a policy must be a string, found {}", describe(e)),
            )),
        }
    }

    /// Checks `e` standing in `place`. `cond_ok` is true where condition functions may appear.
    fn walk(&mut self, e: &Expr, place: Place, cond_ok: bool) {
        let Some(f) = e.function_name() else {
            // Plain data: look inside, keeping the place.
            let nested_cond_ok = cond_ok && place == Place::Rule;
            match &e.kind {
                ExprKind::List(items) => items
                    .iter()
                    .for_each(|i| self.walk(i, place, nested_cond_ok)),
                ExprKind::Map(m) => m.values().for_each(|(_, v)| self.walk(v, place, false)),
                _ => {}
            }
            return;
        };
        if CONDITION_FUNCTIONS.contains(&f) && !cond_ok {
            let help = if place == Place::Resource || place == Place::Output {
                Some(
                    "define the condition in the Conditions section and use it with `Fn::If` or the `Condition` attribute",
                )
            } else {
                None
            };
            self.not_allowed(
                e,
                format!("`{f}` can only be used in the Conditions and Rules sections"),
                help,
            );
        }
        if RULE_FUNCTIONS.contains(&f) && place != Place::Rule {
            self.not_allowed(
                e,
                format!("`{f}` can only be used in the Rules section"),
                None,
            );
        }
        if ["Fn::Length", "Fn::ToJsonString", "Fn::ForEach"].contains(&f) && !self.langext {
            self.out.push(
                Diagnostic::error(
                    codes::TRANSFORM_REQUIRED,
                    e.span,
                    format!("`{f}` needs `Transform: AWS::LanguageExtensions`"),
                )
                .with_help("add `Transform: AWS::LanguageExtensions` at the top level"),
            );
        }
        match &e.kind {
            ExprKind::If {
                then, otherwise, ..
            } => {
                if place == Place::Condition {
                    self.not_allowed(
                        e,
                        "`Fn::If` is not allowed here: use it in resource properties, Metadata, UpdatePolicy or Outputs".to_owned(),
                        (place == Place::Condition).then_some("combine conditions with `Fn::And`, `Fn::Or` and `Fn::Not`"),
                    );
                }
                for branch in [then, otherwise] {
                    if place == Place::Policy {
                        self.policy(branch);
                    } else {
                        self.walk(branch, place, cond_ok || place == Place::Rule);
                    }
                }
            }
            ExprKind::Ref(n) => {
                if matches!(place, Place::Condition | Place::Rule)
                    && self.t.resources.contains_key(&n.value)
                {
                    self.not_allowed(
                        e,
                        format!(
                            "`Ref` to resource `{}` in {}: only parameters can be referenced there",
                            n.value,
                            place_name(place)
                        ),
                        Some("conditions and rules are evaluated before any resource exists"),
                    );
                }
                if n.value == "AWS::NoValue" && place == Place::Output {
                    self.out.push(
                        Diagnostic::error(
                            codes::NOVALUE_IN_OUTPUTS,
                            e.span,
                            "`Ref AWS::NoValue` cannot be used in Outputs",
                        )
                        .with_help("give the output a `Condition` instead of removing its value"),
                    );
                }
            }
            ExprKind::GetAtt { attribute, .. } => {
                if matches!(place, Place::Condition | Place::Rule) {
                    self.not_allowed(e, format!("`Fn::GetAtt` in {}: resource attributes do not exist when it is evaluated", place_name(place)), None);
                }
                if attribute.function_name().is_some_and(|f| f != "Ref") {
                    self.not_allowed(
                        attribute,
                        format!(
                            "the attribute of `Fn::GetAtt` can only be a string or `Ref`, found {}",
                            describe(attribute)
                        ),
                        None,
                    );
                }
                self.walk(attribute, place, false);
            }
            ExprKind::Join { delimiter, list } => {
                self.literal_only(delimiter, "the delimiter of `Fn::Join`");
                self.walk(list, place, false);
            }
            ExprKind::Split { delimiter, source } => {
                self.literal_only(delimiter, "the delimiter of `Fn::Split`");
                self.walk(source, place, false);
            }
            ExprKind::Select { index, list } => {
                if !self.langext
                    && let Some(f) = index.function_name()
                    && !["Ref", "Fn::FindInMap"].contains(&f)
                {
                    self.not_allowed(index, format!("`{f}` cannot compute the index of `Fn::Select`: use a number, `Ref` or `Fn::FindInMap`"), None);
                }
                self.walk(index, place, false);
                self.walk(list, place, false);
            }
            ExprKind::FindInMap {
                map,
                top_key,
                second_key,
                default,
            } => {
                for k in [map, top_key, second_key] {
                    if !self.langext
                        && let Some(f) = k.function_name()
                        && !["Ref", "Fn::FindInMap"].contains(&f)
                    {
                        self.not_allowed(k, format!("`{f}` inside `Fn::FindInMap`: only `Ref` and `Fn::FindInMap` can compute a mapping name or key"), Some("other functions here need `Transform: AWS::LanguageExtensions`"));
                    }
                    self.walk(k, place, false);
                }
                if let Some(d) = default {
                    if !self.langext {
                        self.out.push(
                            Diagnostic::error(codes::TRANSFORM_REQUIRED, d.span, "`DefaultValue` in `Fn::FindInMap` needs `Transform: AWS::LanguageExtensions`")
                                .with_help("add `Transform: AWS::LanguageExtensions` at the top level"),
                        );
                    }
                    self.walk(d, place, false);
                }
            }
            ExprKind::GetAZs(arg) => {
                if let Some(f) = arg.function_name()
                    && f != "Ref"
                {
                    self.not_allowed(
                        arg,
                        format!(
                            "`{f}` inside `Fn::GetAZs`: only a region name or `Ref` is allowed"
                        ),
                        None,
                    );
                }
                self.walk(arg, place, false);
            }
            ExprKind::ImportValue(arg) => {
                if matches!(place, Place::Condition | Place::Rule) {
                    self.not_allowed(
                        e,
                        format!("`Fn::ImportValue` in {}", place_name(place)),
                        None,
                    );
                }
                self.import_arg(arg);
                self.walk(arg, place, false);
            }
            ExprKind::Equals(a, b) => {
                self.walk(a, place, false);
                self.walk(b, place, false);
            }
            ExprKind::And(items) | ExprKind::Or(items) => {
                for i in items {
                    self.condition_operand(i, f);
                    self.walk(i, place, true);
                }
            }
            ExprKind::Not(i) => {
                self.condition_operand(i, f);
                self.walk(i, place, true);
            }
            _ => {
                let cond_ok = place == Place::Rule && f != "Fn::Sub";
                e.for_each_child(&mut |c| self.walk(c, place, cond_ok));
            }
        }
    }

    fn condition_operand(&mut self, e: &Expr, parent: &str) {
        let ok = match e.function_name() {
            Some(f) => {
                CONDITION_FUNCTIONS.contains(&f) || RULE_FUNCTIONS.contains(&f) || f == "Fn::If"
            }
            None => matches!(e.kind, ExprKind::Bool(_) | ExprKind::Invalid),
        };
        if !ok {
            self.not_allowed(
                e,
                format!("`{parent}` takes conditions, found {}", describe(e)),
                Some("use a condition function or `Condition: Name`"),
            );
        }
    }

    fn literal_only(&mut self, e: &Expr, what: &str) {
        if let Some(f) = e.function_name() {
            self.not_allowed(
                e,
                format!("{what} must be a literal string, found `{f}`"),
                None,
            );
        }
    }

    /// `Fn::ImportValue`'s argument cannot depend on a resource.
    fn import_arg(&mut self, arg: &Expr) {
        arg.walk(&mut |x: &Expr| {
            let bad = match &x.kind {
                ExprKind::Ref(n) => self.t.resources.contains_key(&n.value).then(|| format!("`Ref` to resource `{}`", n.value)),
                ExprKind::GetAtt { .. } => Some("`Fn::GetAtt`".to_owned()),
                ExprKind::ImportValue(_) if !std::ptr::eq(x, arg) => Some("`Fn::ImportValue`".to_owned()),
                ExprKind::Sub(sub) => sub.parts.iter().find_map(|p| match p {
                    crate::template::SubPart::Var { name, .. }
                        if !sub.variables.contains_key(name)
                            && (self.t.resources.contains_key(name.split('.').next().unwrap_or(name))) =>
                    {
                        Some(format!("`${{{name}}}`"))
                    }
                    _ => None,
                }),
                _ => None,
            };
            if let Some(b) = bad {
                self.out.push(
                    Diagnostic::error(codes::FUNCTION_NOT_ALLOWED, x.span, format!("the name given to `Fn::ImportValue` cannot depend on a resource, found {b}"))
                        .with_help("build the export name from parameters, pseudo parameters and literals"),
                );
            }
        });
    }
}

fn place_name(p: Place) -> &'static str {
    match p {
        Place::Condition => "a condition",
        Place::Rule => "a rule",
        Place::Output => "an output",
        Place::Policy => "a policy",
        Place::Resource => "a resource",
    }
}
