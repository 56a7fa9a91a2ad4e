//! The desired stack written back as a template: what `cairn render --resolve` prints. Parameters,
//! conditions, mappings and rules are gone (they are resolved), resources and outputs whose condition is
//! false are dropped, and only what waits for resources stays as long-form `Ref`, `Fn::GetAtt`, `Fn::Sub`...
//! The result loads again as a template that resolves to itself.

use crate::source::{Document, Mapping, Node, NodeKind, Span};
use crate::template::Template;

use super::Evaluated;
use super::value::Value;

pub fn resolved_document(t: &Template, e: &Evaluated) -> Document {
    let mut root = Mapping::new();
    let here = |span: Span, s: &str| Node::new(span, NodeKind::String(s.to_owned()));
    if let Some(v) = &t.format_version {
        let _ = root.insert(
            "AWSTemplateFormatVersion".into(),
            v.span,
            here(v.span, &v.value),
        );
    }
    if let Some(d) = &t.description
        && let Some(s) = d.as_str()
    {
        let _ = root.insert("Description".into(), d.span, here(d.span, s));
    }
    let mut resources = Mapping::with_capacity(e.resources.len());
    for (name, r) in &e.resources {
        let src = &t.resources[name];
        let span = src.span;
        let mut m = Mapping::new();
        let _ = m.insert("Type".into(), span, here(span, &r.resource_type));
        if matches!(&r.properties, Value::Map(p) if !p.is_empty()) {
            let pspan = src.properties.as_ref().map_or(span, |p| p.span);
            let _ = m.insert("Properties".into(), pspan, r.properties.to_node(pspan));
        }
        if !r.depends_on.is_empty() {
            let items = r.depends_on.iter().map(|d| here(span, d)).collect();
            let _ = m.insert(
                "DependsOn".into(),
                span,
                Node::new(span, NodeKind::Seq(items)),
            );
        }
        for (key, v) in [
            ("DeletionPolicy", &r.deletion_policy),
            ("UpdateReplacePolicy", &r.update_replace_policy),
        ] {
            if let Some(v) = v {
                let _ = m.insert(key.into(), span, here(span, v));
            }
        }
        for (key, v) in [
            ("CreationPolicy", &r.creation_policy),
            ("UpdatePolicy", &r.update_policy),
            ("Metadata", &r.metadata),
        ] {
            if let Some(v) = v {
                let _ = m.insert(key.into(), span, v.to_node(span));
            }
        }
        let _ = resources.insert(
            name.clone(),
            src.key_span,
            Node::new(span, NodeKind::Map(m)),
        );
    }
    let rspan = t.sections.get("Resources").copied().unwrap_or_default();
    let _ = root.insert(
        "Resources".into(),
        rspan,
        Node::new(rspan, NodeKind::Map(resources)),
    );
    if !e.outputs.is_empty() {
        let mut outputs = Mapping::with_capacity(e.outputs.len());
        for (name, o) in &e.outputs {
            let src = &t.outputs[name];
            let span = src.span;
            let mut m = Mapping::new();
            if let Some(d) = &o.description {
                let _ = m.insert("Description".into(), span, here(span, d));
            }
            let vspan = src.value.as_ref().map_or(span, |v| v.span);
            let _ = m.insert("Value".into(), vspan, o.value.to_node(vspan));
            if let Some(x) = &o.export_name {
                let mut ex = Mapping::with_capacity(1);
                let _ = ex.insert("Name".into(), span, x.to_node(span));
                let _ = m.insert("Export".into(), span, Node::new(span, NodeKind::Map(ex)));
            }
            let _ = outputs.insert(
                name.clone(),
                src.key_span,
                Node::new(span, NodeKind::Map(m)),
            );
        }
        let ospan = t.sections.get("Outputs").copied().unwrap_or_default();
        let _ = root.insert(
            "Outputs".into(),
            ospan,
            Node::new(ospan, NodeKind::Map(outputs)),
        );
    }
    let span = Span::new(t.file, 0, 0);
    Document {
        root: Node::new(span, NodeKind::Map(root)),
    }
}
