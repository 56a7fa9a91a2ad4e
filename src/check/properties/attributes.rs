//! `Fn::GetAtt` and `${Resource.Attribute}` in `Fn::Sub` against the attributes the resource's type has.
//! Whether the resource exists at all is the references pass's job; types the spec does not describe
//! (custom, module, allowed or unknown) accept any attribute, and so do SAM's `AWS::Serverless::*` types.

use crate::source::{Diagnostic, Span, codes, suggest};
use crate::spec::{Kind, ResourceType};
use crate::template::{Expr, ExprKind, SubPart, Template};

use super::TypeSpec;

/// Types whose `Outputs.Name` attributes are the outputs of another stack.
const STACK_OUTPUT_TYPES: &[&str] = &[
    "AWS::CloudFormation::Stack",
    "AWS::ServiceCatalog::CloudFormationProvisionedProduct",
];

pub(super) fn check(t: &Template, spec_of: &dyn Fn(&str) -> TypeSpec, out: &mut Vec<Diagnostic>) {
    let mut visit = |e: &Expr| {
        e.walk(&mut |x| match &x.kind {
            ExprKind::GetAtt {
                resource,
                attribute,
            } => {
                if let Some(attr) = attribute.as_str() {
                    one(&resource.value, attr, attribute.span, spec_of, out);
                }
            }
            ExprKind::Sub(sub) => {
                for part in &sub.parts {
                    if let SubPart::Var { name, span } = part
                        && let Some((res, attr)) = name.split_once('.')
                        && !sub.variables.contains_key(name)
                        && !sub.variables.contains_key(res)
                    {
                        one(res, attr, *span, spec_of, out);
                    }
                }
            }
            _ => {}
        })
    };
    for r in t.resources.values() {
        for e in [
            &r.properties,
            &r.metadata,
            &r.creation_policy,
            &r.update_policy,
        ]
        .into_iter()
        .flatten()
        {
            visit(e);
        }
    }
    for o in t.outputs.values() {
        for e in [&o.value, &o.export_name, &o.description]
            .into_iter()
            .flatten()
        {
            visit(e);
        }
    }
    for h in t.hooks.values() {
        if let Some(p) = &h.properties {
            visit(p);
        }
    }
}

fn one(
    resource: &str,
    attr: &str,
    span: Span,
    spec_of: &dyn Fn(&str) -> TypeSpec,
    out: &mut Vec<Diagnostic>,
) {
    let TypeSpec::Known(ty) = spec_of(resource) else {
        return;
    };
    // SAM resources also answer for the resources the transform generates (`Function.Alias`, `Api.Stage`).
    if ty.name().starts_with("AWS::Serverless::") {
        return;
    }
    if has_attribute(ty, attr) {
        return;
    }
    let mut d = Diagnostic::error(
        codes::UNKNOWN_GETATT_ATTRIBUTE,
        span,
        format!(
            "resource `{resource}` (`{}`) has no attribute `{attr}`",
            ty.name()
        ),
    )
    .with_help_opt(suggest(attr, ty.attributes().keys().map(String::as_str)));
    if ty.attributes().is_empty() {
        d = d.with_note(format!("`{}` has no attributes", ty.name()));
    }
    out.push(d);
}

fn has_attribute(ty: &ResourceType, attr: &str) -> bool {
    if ty.attribute(attr).is_some() {
        return true;
    }
    // `Outputs.Name` of a nested stack, or a key under an attribute that is a map.
    attr.split_once('.').is_some_and(|(head, _)| {
        (head == "Outputs" && STACK_OUTPUT_TYPES.contains(&ty.name()))
            || ty
                .attribute(head)
                .is_some_and(|a| matches!(a.kind, Kind::Map | Kind::Json | Kind::Object))
    })
}
