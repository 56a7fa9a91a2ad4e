//! `AWS::Serverless::LayerVersion` → an `AWS::Lambda::LayerVersion` whose logical id carries a hash of its
//! properties (so changed content publishes a new version), retained on delete unless `RetentionPolicy:
//! Delete`. References to the layer elsewhere in the template are rewritten to the hashed id.

use crate::source::{Node, NodeKind};

use super::build::{Obj, Res};
use super::errors::SamError;
use super::{Ctx, Serverless, code, ids};

pub(super) fn expand(ctx: &mut Ctx, r: &Serverless) {
    let b = r.b();
    let mut props = Obj::new();
    match r.prop("ContentUri") {
        Some(c) => {
            match code::s3_location("ContentUri", c, ["S3Bucket", "S3Key", "S3ObjectVersion"]) {
                Ok(content) => {
                    props.insert("Content".into(), content);
                }
                Err(m) => {
                    ctx.errors.push(match c.as_str().filter(|u| !u.contains("://")) {
                        Some(path) => SamError::needs_input(
                            r.id,
                            c.span,
                            format!(
                                "`ContentUri` `{path}` is a local path: package the layer to S3 first"
                            ),
                        ),
                        // The translator names the layer version in this error.
                        None => SamError::resource(&layer_id(ctx, r), c.span, m),
                    });
                    return;
                }
            }
        }
        None => {
            ctx.errors.push(SamError::resource(
                r.id,
                r.node.span,
                "Missing required property 'ContentUri'.",
            ));
            return;
        }
    }
    for (from, to) in [
        ("Description", "Description"),
        ("LayerName", "LayerName"),
        ("CompatibleRuntimes", "CompatibleRuntimes"),
        ("CompatibleArchitectures", "CompatibleArchitectures"),
        ("LicenseInfo", "LicenseInfo"),
    ] {
        if let Some(v) = r.prop(from) {
            props.insert(to.into(), v.clone());
        }
    }
    if !props.contains_key("LayerName") {
        props.insert("LayerName".into(), b.s(r.id));
    }
    let deletion = match r.prop("RetentionPolicy").map(|p| ctx.params.resolve(p)) {
        None => b.s("Retain"),
        Some(p) => match p.as_str().map(str::to_ascii_lowercase).as_deref() {
            Some("retain") => b.s("Retain"),
            Some("delete") => b.s("Delete"),
            _ => {
                ctx.errors.push(SamError::resource(
                    r.id,
                    r.span_of("RetentionPolicy"),
                    "'RetentionPolicy' must be one of the following options: ['Retain', 'Delete'].",
                ));
                return;
            }
        },
    };
    let props = resolved(ctx, props);
    let id = layer_id(ctx, r);
    let mut layer = Res::new("AWS::Lambda::LayerVersion", r.node.span);
    layer.props = props;
    layer.attrs = r.passed_attrs(&["Condition", "DependsOn", "UpdateReplacePolicy", "Metadata"]);
    layer.attrs.insert("DeletionPolicy".into(), deletion);
    ctx.add(r.id, id.clone(), layer);
    ctx.layers.insert(r.id.to_owned(), id);
}

/// Known parameters substituted, except in the lists of runtimes and architectures.
fn resolved(ctx: &Ctx, o: Obj) -> Obj {
    o.into_iter()
        .map(|(k, v)| {
            let v = if k.starts_with("Compatible") {
                v
            } else {
                ctx.params.resolve(&v)
            };
            (k, v)
        })
        .collect()
}

/// The layer version's logical id: a hash of the serverless resource as written (parameters
/// substituted), keyed by its id.
fn layer_id(ctx: &Ctx, r: &Serverless) -> String {
    let b = r.b();
    let mut written = super::build::to_obj(r.node);
    written.insert(
        "Properties".into(),
        b.obj(resolved(ctx, super::build::to_obj(r.props))),
    );
    ids::hashed_id(r.id, &b.map([(r.id, b.obj(written))]))
}

/// A resource with `Ref`s to serverless layers (and `DependsOn` naming them) rewritten to the generated ids.
pub(super) fn rewrite_resource(node: &Node, layers: &indexmap::IndexMap<String, String>) -> Node {
    let node = rewrite_refs(node, layers);
    let Some(depends) = super::build::get(&node, "DependsOn") else {
        return node;
    };
    let b = super::build::B::new(depends.span);
    let rename = |n: &Node| match n.as_str().and_then(|id| layers.get(id)) {
        Some(new) => b.s(new.as_str()),
        None => n.clone(),
    };
    let renamed = match &depends.kind {
        NodeKind::Seq(items) => b.seq(items.iter().map(rename).collect()),
        _ => rename(depends),
    };
    let mut top = super::build::to_obj(&node);
    top.insert("DependsOn".into(), renamed);
    super::build::B::new(node.span).obj(top)
}

/// `node` with `Ref`s to serverless layers rewritten to their generated ids.
fn rewrite_refs(node: &Node, layers: &indexmap::IndexMap<String, String>) -> Node {
    match &node.kind {
        NodeKind::Map(m) => {
            if let Some((k, e)) = m.single()
                && k == "Ref"
                && let Some(new) = e.value.as_str().and_then(|id| layers.get(id))
            {
                return super::build::B::new(node.span).r#ref(new);
            }
            let b = super::build::B::new(node.span);
            b.map(m.iter().map(|(k, e)| (k, rewrite_refs(&e.value, layers))))
        }
        NodeKind::Seq(items) => Node::new(
            node.span,
            NodeKind::Seq(items.iter().map(|i| rewrite_refs(i, layers)).collect()),
        ),
        _ => node.clone(),
    }
}
