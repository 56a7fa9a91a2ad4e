//! `AWS::Serverless::SimpleTable` → an `AWS::DynamoDB::Table` with one string (or given-type) hash key,
//! on-demand billing unless `ProvisionedThroughput` is given, and the table's own properties copied.

use super::build::{Res, get};
use super::errors::SamError;
use super::{Ctx, Serverless};

/// Resource attributes the table keeps.
const ATTRS: &[&str] = &[
    "Condition",
    "DependsOn",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "Metadata",
];

pub(super) fn expand(ctx: &mut Ctx, r: &Serverless) {
    let b = r.b();
    let (name, ty) = match r.prop("PrimaryKey") {
        None => (b.s("id"), b.s("S")),
        Some(pk) => {
            let Some(name) = get(pk, "Name") else {
                ctx.errors.push(SamError::resource(
                    r.id,
                    pk.span,
                    "Property 'PrimaryKey.Name' is required.",
                ));
                return;
            };
            let Some(ty) = get(pk, "Type") else {
                ctx.errors.push(SamError::resource(
                    r.id,
                    pk.span,
                    "Property 'PrimaryKey.Type' is required.",
                ));
                return;
            };
            let ty = match ty.as_str() {
                Some("String") => b.s("S"),
                Some("Number") => b.s("N"),
                Some("Binary") => b.s("B"),
                Some(other) => {
                    ctx.errors.push(SamError::resource(
                        r.id,
                        ty.span,
                        format!("Invalid 'Type' \"{other}\"."),
                    ));
                    return;
                }
                None => ty.clone(),
            };
            (name.clone(), ty)
        }
    };
    let mut table = Res::new("AWS::DynamoDB::Table", r.node.span)
        .prop(
            "AttributeDefinitions",
            b.seq(vec![b.map([
                ("AttributeName", name.clone()),
                ("AttributeType", ty),
            ])]),
        )
        .prop(
            "KeySchema",
            b.seq(vec![
                b.map([("AttributeName", name), ("KeyType", b.s("HASH"))]),
            ]),
        );
    match r.prop("ProvisionedThroughput") {
        Some(p) => table = table.prop("ProvisionedThroughput", p.clone()),
        None => table = table.prop("BillingMode", b.s("PAY_PER_REQUEST")),
    }
    for key in [
        "TableName",
        "SSESpecification",
        "PointInTimeRecoverySpecification",
    ] {
        if let Some(v) = r.prop(key) {
            table = table.prop(key, v.clone());
        }
    }
    if let Some(tags) = r.prop("Tags") {
        let Some(m) = tags.as_map() else {
            ctx.errors.push(SamError::resource(
                r.id,
                tags.span,
                "Type of property 'Tags' is invalid.",
            ));
            return;
        };
        let list = m
            .iter()
            .map(|(k, e)| b.tag(b.s(k), e.value.clone()))
            .collect();
        table = table.prop("Tags", b.seq(list));
    }
    table.attrs = r.passed_attrs(ATTRS);
    ctx.add(r.id, r.id.to_owned(), table);
}
