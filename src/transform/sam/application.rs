//! `AWS::Serverless::Application`: nested applications become an `AWS::CloudFormation::Stack`. A
//! `Location` URL is the stack's template; an application of the Serverless Application Repository
//! (`ApplicationId` and `SemanticVersion`, given directly, by parameter or by mapping) is looked up through
//! the [`ApplicationLookup`] the caller provides. Without one, such an application is reported as not
//! expanded: the transform never calls AWS itself.

use std::fmt;
use std::sync::Arc;

use crate::source::{Node, NodeKind};

use super::build::{B, Res, get, is_intrinsic};
use super::errors::SamError;
use super::function::CREATED_BY;
use super::{Ctx, Serverless};

/// The Serverless Application Repository's answer for an application id and semantic version: the URL
/// of the template to deploy, or the sentence saying why the application cannot be used
/// (`Cannot access application: X.`).
#[derive(Clone)]
pub struct ApplicationLookup(pub Arc<LookupFn>);

/// `(application id, semantic version) → template URL or the reason it cannot be used`.
pub type LookupFn = dyn Fn(&str, &str) -> Result<String, String> + Send + Sync;

impl fmt::Debug for ApplicationLookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApplicationLookup(..)")
    }
}

impl PartialEq for ApplicationLookup {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Resource attributes the stack keeps.
const ATTRS: &[&str] = &[
    "Condition",
    "DependsOn",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "Metadata",
];

pub(super) fn expand(ctx: &mut Ctx, r: &Serverless) {
    if let Err(m) = check(r) {
        ctx.errors
            .push(SamError::resource(r.id, r.span_of("Location"), m));
        return;
    }
    let b = r.b();
    let Some(location) = r.prop("Location") else {
        return;
    };
    let mut tags = vec![b.tag(b.s(CREATED_BY), b.s("SAM"))];
    let url = if location.as_map().is_none() || is_intrinsic(location) {
        location.clone()
    } else {
        let mut resolved = Vec::new();
        for key in ["ApplicationId", "SemanticVersion"] {
            let Some(v) = get(location, key) else {
                return;
            };
            match resolve(ctx, v) {
                Ok(Some(text)) => resolved.push(text),
                Ok(None) => {
                    ctx.errors.push(SamError::needs_input(
                        r.id,
                        v.span,
                        format!("`Location.{key}` needs a value the transform can resolve"),
                    ));
                    return;
                }
                Err(m) => {
                    ctx.errors.push(SamError::structure(v.span, m));
                    return;
                }
            }
        }
        let [app, version] = [&resolved[0], &resolved[1]];
        let Some(lookup) = ctx.applications.clone() else {
            ctx.errors.push(SamError::unsupported(
                r.id,
                location.span,
                "nested applications of the Serverless Application Repository are not expanded without a repository look-up",
            ));
            return;
        };
        match (lookup.0)(app, version) {
            Ok(url) => {
                tags.push(b.tag(b.s("serverlessrepo:applicationId"), b.s(app.as_str())));
                tags.push(b.tag(b.s("serverlessrepo:semanticVersion"), b.s(version.as_str())));
                b.s(url)
            }
            Err(m) => {
                ctx.errors.push(SamError::resource(r.id, location.span, m));
                return;
            }
        }
    };
    let mut stack = Res::new("AWS::CloudFormation::Stack", r.node.span).prop("TemplateURL", url);
    for key in ["Parameters", "NotificationARNs"] {
        if let Some(v) = r.prop(key) {
            stack = stack.prop(key, v.clone());
        }
    }
    if let Some(t) = r.prop("Tags").and_then(Node::as_map) {
        for (k, e) in t.iter() {
            if k == CREATED_BY {
                ctx.errors.push(SamError::resource(
                    r.id,
                    e.key_span,
                    format!("{CREATED_BY} is a reserved Tag key name and cannot be set on your resource. Please change the tag key in the input."),
                ));
                return;
            }
            let tb = B::new(e.value.span);
            tags.push(tb.tag(tb.s(k), e.value.clone()));
        }
    }
    stack = stack.prop("Tags", b.seq(tags));
    if let Some(v) = r.prop("TimeoutInMinutes") {
        stack = stack.prop("TimeoutInMinutes", v.clone());
    }
    stack.attrs = r.passed_attrs(ATTRS);
    ctx.add(r.id, r.id.to_owned(), stack);
}

/// The text of a location value: written, a parameter's value or a mapping's entry (`None` when not
/// known; an error when the mapping cannot be read).
fn resolve(ctx: &Ctx, v: &Node) -> Result<Option<String>, String> {
    if let Some(args) = get(v, "Fn::FindInMap") {
        return Ok(ctx
            .params
            .find_in_map(args)?
            .and_then(|n| n.scalar_text().map(|t| t.into_owned())));
    }
    Ok(ctx.params.resolve(v).scalar_text().map(|t| t.into_owned()))
}

fn check(r: &Serverless) -> Result<(), String> {
    let Some(location) = r.prop("Location") else {
        return Err("Resource is missing the required [Location] property.".into());
    };
    if !matches!(location.kind, NodeKind::String(_) | NodeKind::Map(_)) {
        return Err("Type of property 'Location' is invalid.".into());
    }
    // A text or an intrinsic function is a template URL; another map names an application.
    let Some(m) = location.as_map().filter(|_| !is_intrinsic(location)) else {
        return Ok(());
    };
    for (key, what) in [
        ("ApplicationId", "ApplicationId"),
        ("SemanticVersion", "SemanticVersion"),
    ] {
        match m.get(key) {
            None => {
                return Err(format!(
                    "Resource is missing the required [{what}] property."
                ));
            }
            Some(Node {
                kind: NodeKind::Null,
                ..
            }) if key == "ApplicationId" => {
                return Err("Property 'ApplicationId' is required.".into());
            }
            Some(Node {
                kind: NodeKind::Null,
                ..
            }) => {
                return Err("Property 'SemanticVersion' cannot be blank.".into());
            }
            Some(v) if v.as_map().is_some() => {
                let name = v
                    .as_map()
                    .and_then(|m| m.single())
                    .map(|(k, _)| k)
                    .unwrap_or("");
                if name != "Ref" && name != "Fn::FindInMap" {
                    return Err(format!(
                        "Property '{key}' cannot be resolved. Only FindInMap and Ref intrinsic functions are supported."
                    ));
                }
            }
            Some(v) if v.as_str().is_some() => {
                if key == "ApplicationId" && v.as_str().is_some_and(|s| s.starts_with("{{resolve:"))
                {
                    return Err("Serverless Application Repostiory does not support dynamic reference in 'ApplicationId' property.".into());
                }
            }
            Some(_) => return Err(format!("Property 'Location.{key}' should be a string.")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::transform::sam::test_support::expand_with;
    use std::sync::Arc;

    use crate::source::{Diagnostic, Document};
    use crate::transform::ExpandOptions;

    use super::super::{build, codes};
    use super::ApplicationLookup;

    fn run(text: &str, options: &ExpandOptions) -> Result<Document, Vec<Diagnostic>> {
        expand_with(text, options)
    }

    const TEXT: &str = "Parameters:\n  V: {Type: String, Default: 1.2.3}\nResources:\n  A:\n    Type: AWS::Serverless::Application\n    Properties:\n      Location: {ApplicationId: arn:app, SemanticVersion: !Ref V}\n";

    #[test]
    fn a_repository_application_becomes_a_stack_of_the_looked_up_template() {
        let options = ExpandOptions {
            applications: Some(ApplicationLookup(Arc::new(|app: &str, version: &str| {
                Ok(format!("https://t/{app}/{version}"))
            }))),
            ..ExpandOptions::default()
        };
        let out = run(TEXT, &options).unwrap();
        let stack = build::get(build::get(&out.root, "Resources").unwrap(), "A").unwrap();
        let props = build::get(stack, "Properties").unwrap();
        assert_eq!(
            build::get(props, "TemplateURL").and_then(|u| u.as_str()),
            Some("https://t/arn:app/1.2.3")
        );
    }

    #[test]
    fn without_a_look_up_a_repository_application_is_not_expanded() {
        let errors = run(TEXT, &ExpandOptions::default()).unwrap_err();
        assert_eq!(errors[0].code, codes::UNSUPPORTED);
        assert_eq!(
            errors[0].span.start as usize,
            TEXT.find("{ApplicationId").unwrap()
        );
    }
}
