//! Template-wide structure: logical ids (alphanumeric, at most 255 characters, unique across Parameters
//! and Resources) and CloudFormation's service limits, reported as warnings since Cairn itself handles far
//! larger templates.

use std::collections::HashMap;

use crate::source::{Diagnostic, SourceMap, Span, codes};
use crate::template::Template;

/// CloudFormation's documented quotas.
pub const MAX_RESOURCES: usize = 500;
pub const MAX_PARAMETERS: usize = 200;
pub const MAX_OUTPUTS: usize = 200;
pub const MAX_MAPPINGS: usize = 200;
pub const MAX_TEMPLATE_BYTES: usize = 1_000_000;
pub const MAX_LOGICAL_ID: usize = 255;
pub const MAX_DESCRIPTION: usize = 1024;

pub fn check(t: &Template, sources: &SourceMap, out: &mut Vec<Diagnostic>) {
    let sections: [(&str, Vec<(&String, Span)>); 4] = [
        (
            "parameter",
            t.parameters.iter().map(|(k, p)| (k, p.key_span)).collect(),
        ),
        (
            "resource",
            t.resources.iter().map(|(k, r)| (k, r.key_span)).collect(),
        ),
        (
            "output",
            t.outputs.iter().map(|(k, o)| (k, o.key_span)).collect(),
        ),
        (
            "mapping",
            t.mappings.iter().map(|(k, m)| (k, m.key_span)).collect(),
        ),
    ];
    for (what, names) in &sections {
        for (name, span) in names {
            logical_id(what, name, *span, out);
        }
    }
    // Parameters and resources share one namespace: `Ref X` must name exactly one of them.
    let params: HashMap<&str, Span> = t
        .parameters
        .iter()
        .map(|(k, p)| (k.as_str(), p.key_span))
        .collect();
    for (name, r) in &t.resources {
        if let Some(&first) = params.get(name.as_str()) {
            out.push(
                Diagnostic::error(
                    codes::DUPLICATE_LOGICAL_ID,
                    r.key_span,
                    format!("logical id `{name}` is both a parameter and a resource"),
                )
                .with_label(first, "parameter declared here")
                .with_help("logical ids must be unique across Parameters and Resources"),
            );
        }
    }
    modules(t, out);
    limits(t, sources, out);
}

fn logical_id(what: &str, name: &str, span: Span, out: &mut Vec<Diagnostic>) {
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
        out.push(
            Diagnostic::error(
                codes::BAD_LOGICAL_ID,
                span,
                format!("{what} logical id `{name}` must be alphanumeric (A-Z, a-z, 0-9)"),
            )
            .with_help_opt(
                (!name.is_empty())
                    .then(|| {
                        let fixed: String =
                            name.chars().filter(char::is_ascii_alphanumeric).collect();
                        format!("for example `{fixed}`")
                    })
                    .filter(|h| h != "for example ``"),
            ),
        );
    } else if name.len() > MAX_LOGICAL_ID {
        out.push(Diagnostic::error(
            codes::BAD_LOGICAL_ID,
            span,
            format!(
                "{what} logical id is {} characters long, more than {MAX_LOGICAL_ID}",
                name.len()
            ),
        ));
    }
}

fn limits(t: &Template, sources: &SourceMap, out: &mut Vec<Diagnostic>) {
    let counts = [
        ("Resources", t.resources.len(), MAX_RESOURCES),
        ("Parameters", t.parameters.len(), MAX_PARAMETERS),
        ("Outputs", t.outputs.len(), MAX_OUTPUTS),
        ("Mappings", t.mappings.len(), MAX_MAPPINGS),
    ];
    for (section, n, max) in counts {
        if n > max {
            let span = t.sections.get(section).copied().unwrap_or_default();
            out.push(Diagnostic::warning(
                codes::LIMIT_WARNING,
                span,
                format!("{n} entries in `{section}`: CloudFormation allows at most {max}"),
            ));
        }
    }
    let size = sources.file(t.file).text.len();
    if size > MAX_TEMPLATE_BYTES {
        out.push(
            Diagnostic::warning(codes::LIMIT_WARNING, Span::new(t.file, 0, 0), format!("the template is {size} bytes: CloudFormation accepts at most {MAX_TEMPLATE_BYTES} bytes from S3 (51,200 in the request body)"))
                .with_help("split it into nested stacks"),
        );
    }
    if let Some(d) = &t.description
        && let Some(s) = d.as_str()
        && s.len() > MAX_DESCRIPTION
    {
        out.push(Diagnostic::warning(
            codes::LIMIT_WARNING,
            d.span,
            format!(
                "the description is {} bytes: CloudFormation allows at most {MAX_DESCRIPTION}",
                s.len()
            ),
        ));
    }
}

/// Module resources (`Type: Org::Service::Name::MODULE`) take only Properties, DependsOn, Condition,
/// DeletionPolicy, UpdateReplacePolicy and Metadata; no `Tags`, and the `AWS::CloudFormation::Module` metadata
/// key is reserved for CloudFormation.
pub fn modules(t: &Template, out: &mut Vec<Diagnostic>) {
    use crate::template::ExprKind;
    for (name, r) in &t.resources {
        if !r
            .resource_type
            .as_ref()
            .is_some_and(|ty| ty.value.ends_with("::MODULE"))
        {
            continue;
        }
        for (attr, e) in [
            ("CreationPolicy", &r.creation_policy),
            ("UpdatePolicy", &r.update_policy),
        ] {
            if let Some(e) = e {
                out.push(Diagnostic::error(
                    codes::MODULE_ATTRIBUTE,
                    e.span,
                    format!("module resource `{name}` cannot have `{attr}`"),
                ));
            }
        }
        if let Some(p) = &r.properties
            && let ExprKind::Map(m) = &p.kind
            && let Some((span, _)) = m.get("Tags")
        {
            out.push(
                Diagnostic::error(
                    codes::MODULE_ATTRIBUTE,
                    *span,
                    format!("module resource `{name}` cannot have `Tags`"),
                )
                .with_help("tag the resources inside the module instead"),
            );
        }
        if let Some(md) = &r.metadata
            && let ExprKind::Map(m) = &md.kind
            && let Some((span, _)) = m.get("AWS::CloudFormation::Module")
        {
            out.push(Diagnostic::error(codes::MODULE_ATTRIBUTE, *span, format!("the metadata key `AWS::CloudFormation::Module` of `{name}` is reserved for CloudFormation")));
        }
    }
}
