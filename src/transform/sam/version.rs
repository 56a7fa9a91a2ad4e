//! `AutoPublishAlias`: a `AWS::Lambda::Version` whose logical id carries a hash of the function's code (so
//! a new version is published exactly when the code changes) and an `AWS::Lambda::Alias` pointing at it.
//! It never decides where traffic shifts: `deployment.rs` adds CodeDeploy's side.

use crate::source::Node;

use super::build::{B, Res};
use super::errors::SamError;
use super::function::Target;
use super::{Ctx, Serverless, ids};

/// Adds the version and the alias when the function has `AutoPublishAlias`; returns the alias' logical id.
pub(super) fn publish(
    ctx: &mut Ctx,
    r: &Serverless,
    lambda: &Res,
    target: &Target,
) -> Option<String> {
    let written = r.prop("AutoPublishAlias");
    if written.is_none() {
        for key in ["VersionDeletionPolicy", "ProvisionedConcurrencyConfig"] {
            if let Some(n) = r.prop(key) {
                let message = if key == "VersionDeletionPolicy" {
                    "'VersionDeletionPolicy' requires 'AutoPublishAlias'."
                } else {
                    "To set ProvisionedConcurrencyConfig AutoPublishALias must be defined on the function"
                };
                ctx.errors.push(SamError::resource(r.id, n.span, message));
            }
        }
        return None;
    }
    let deletion = match r.prop("VersionDeletionPolicy") {
        None => None,
        Some(p) if matches!(p.as_str(), Some("Delete" | "Retain")) => Some(p.clone()),
        Some(p) => {
            ctx.errors.push(SamError::resource(
                r.id,
                p.span,
                "Property 'VersionDeletionPolicy' should be a one of the strings: 'Delete' or 'Retain'.",
            ));
            return None;
        }
    };
    let written = written?;
    let resolved = ctx.params.resolve(written);
    if let Some(param) = super::build::get(&resolved, "Ref").and_then(Node::as_str)
        && ctx.params.declares(param)
    {
        ctx.errors.push(SamError::needs_input(
            r.id,
            written.span,
            format!("`AutoPublishAlias` needs the value of parameter `{param}`"),
        ));
        return None;
    }
    let Some(name) = resolved.as_str().map(str::to_owned) else {
        ctx.errors.push(SamError::resource(
            r.id,
            written.span,
            "'AutoPublishAlias' must be a string or a Ref to a template parameter",
        ));
        return None;
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        ctx.errors.push(SamError::resource(
            r.id,
            written.span,
            "AutoPublishAlias must contain only alphanumeric characters, hyphens, or underscores matching (?!^[0-9]+$)([a-zA-Z0-9-_]+)",
        ));
        return None;
    }
    let b = B::new(written.span);
    let version_id = version_id(ctx, r, lambda);
    let mut version = Res::new("AWS::Lambda::Version", written.span);
    version = version.prop("FunctionName", b.r#ref(r.id));
    if let Some(d) = r.prop("VersionDescription") {
        version = version.prop("Description", d.clone());
    }
    if let Some(c) = r.prop("FunctionScalingConfig") {
        version = version.prop("FunctionScalingConfig", c.clone());
    }
    version.attrs = target.attrs.clone();
    version.attrs.insert(
        "DeletionPolicy".into(),
        // Versions of functions on Lambda managed instances hold instances: they go with the stack.
        deletion.unwrap_or_else(|| {
            b.s(if r.prop("CapacityProviderConfig").is_some() {
                "Delete"
            } else {
                "Retain"
            })
        }),
    );
    let alias_id = alias_id(r.id, &name);
    let mut alias = Res::new("AWS::Lambda::Alias", written.span);
    alias = alias
        .prop("Name", b.s(name.as_str()))
        .prop("FunctionName", b.r#ref(r.id))
        .prop("FunctionVersion", b.get_att(&version_id, "Version"));
    if let Some(p) = r.prop("ProvisionedConcurrencyConfig") {
        alias = alias.prop("ProvisionedConcurrencyConfig", p.clone());
    }
    alias.attrs = target.attrs.clone();
    ctx.refs
        .insert(format!("{}.Version", r.id), version_id.clone());
    ctx.refs.insert(format!("{}.Alias", r.id), alias_id.clone());
    ctx.add(r.id, version_id, version);
    ctx.add(r.id, alias_id.clone(), alias);
    Some(alias_id)
}

/// `<Function>Version<hash>`: the hash covers the function's code with known parameters substituted, or is
/// the start of `AutoPublishCodeSha256` when the template gives one.
/// The logical id of function `function`'s alias `name` (`AutoPublishAlias`). Logical ids are
/// alphanumeric: dashes are written `D` and underscores `U`.
pub(super) fn alias_id(function: &str, name: &str) -> String {
    format!(
        "{function}Alias{}",
        name.replace('-', "D").replace('_', "U")
    )
}

/// What an event invokes: the function's alias when it publishes one, else the function (`Fn.Arn`).
pub(super) fn invoke_target(ctx: &Ctx, function: &str, props: &crate::source::Node) -> String {
    super::build::get(props, "AutoPublishAlias")
        .map(|a| ctx.params.resolve(a))
        .and_then(|a| a.as_str().map(|n| alias_id(function, n)))
        .unwrap_or_else(|| format!("{function}.Arn"))
}

fn version_id(ctx: &Ctx, r: &Serverless, lambda: &Res) -> String {
    let prefix = format!("{}Version", r.id);
    if let Some(sha) = r
        .prop("AutoPublishCodeSha256")
        .map(|s| ctx.params.resolve(s))
        && let Some(text) = sha.as_str()
    {
        return format!("{prefix}{}", text.chars().take(10).collect::<String>());
    }
    let b = B::new(r.node.span);
    if r.prop("AutoPublishAliasAllProperties")
        .and_then(super::function::as_bool)
        == Some(true)
    {
        // Every property of the function, except a role the transform generates.
        let mut props = lambda.props.clone();
        if r.prop("Role").is_none() {
            props.shift_remove("Role");
        }
        return ids::hashed_id(
            &prefix,
            &ctx.params.resolve_template_parameters(&b.obj(props)),
        );
    }
    // The code location, with the memory size, environment and SnapStart settings that also change what a
    // version runs.
    let mut data = lambda
        .props
        .get("Code")
        .map(super::build::to_obj)
        .unwrap_or_default();
    if let Some(m) = lambda.props.get("MemorySize") {
        data.insert("MemorySize".into(), m.clone());
    }
    if let Some(env) = lambda.props.get("Environment").and_then(Node::as_map) {
        for (k, e) in env.iter() {
            data.insert(k.to_owned(), e.value.clone());
        }
    }
    // SnapStart changes what a version runs only when it applies to published versions.
    if let Some(s) = lambda.props.get("SnapStart")
        && super::build::get(s, "ApplyOn").and_then(Node::as_str) != Some("None")
    {
        data.insert("SnapStart".into(), s.clone());
    }
    ids::hashed_id(
        &prefix,
        &ctx.params.resolve_template_parameters(&b.obj(data)),
    )
}
