//! `AWS::Serverless::Application`: nested applications. The transform checks the `Location` the way the
//! translator does; resolving an application of the Serverless Application Repository needs a look-up this
//! version does not make, so a valid application is reported as not expanded yet.

use crate::source::{Node, NodeKind};

use super::build::is_intrinsic;
use super::errors::SamError;
use super::{Ctx, Serverless};

pub(super) fn expand(ctx: &mut Ctx, r: &Serverless) {
    match check(r) {
        Err(m) => ctx
            .errors
            .push(SamError::resource(r.id, r.span_of("Location"), m)),
        Ok(()) => ctx.errors.push(SamError::unsupported(
            r.id,
            r.span_of("Location"),
            "nested applications (AWS::Serverless::Application) are not expanded yet",
        )),
    }
}

fn check(r: &Serverless) -> Result<(), String> {
    let Some(location) = r.prop("Location") else {
        return Err("Resource is missing the required [Location] property.".into());
    };
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
            Some(v) if is_intrinsic(v) => {
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
