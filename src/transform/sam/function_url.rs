//! `FunctionUrlConfig`: an `AWS::Lambda::Url` (`<Function>Url`) for the function or its alias, and for
//! `AuthType: NONE` the public permissions (`<Function>UrlPublicPermissions` for the URL,
//! `<Function>URLInvokeAllowPublicAccess` for invoking through it) that let anyone call it.

use super::build::{B, Res, get};
use super::errors::SamError;
use super::function::Target;
use super::{Ctx, Serverless};

pub(super) fn expand(ctx: &mut Ctx, r: &Serverless, target: &Target) {
    // An empty configuration is no configuration.
    let Some(config) = r
        .prop("FunctionUrlConfig")
        .filter(|c| c.as_map().is_none_or(|m| !m.is_empty()))
    else {
        return;
    };
    let b = B::new(config.span);
    // A written auth type must be one of the two (an intrinsic function is left to CloudFormation).
    let Some(auth) = get(config, "AuthType").filter(|a| {
        super::build::is_intrinsic(a) || matches!(a.as_str(), Some("AWS_IAM" | "NONE"))
    }) else {
        ctx.errors.push(SamError::resource(
            r.id,
            config.span,
            "AuthType is required to configure function property `FunctionUrlConfig`. Please provide either AWS_IAM or NONE.",
        ));
        return;
    };
    if let Some(max_age) = get(config, "Cors").and_then(|c| get(c, "MaxAge"))
        && !matches!(max_age.kind, crate::source::NodeKind::Number(_))
        && !super::build::is_intrinsic(max_age)
    {
        ctx.errors.push(SamError::resource(
            r.id,
            max_age.span,
            "MaxAge must be of type int.",
        ));
        return;
    }
    let mut url = Res::new("AWS::Lambda::Url", config.span)
        .prop("AuthType", auth.clone())
        .prop("TargetFunctionArn", target.name.clone());
    for key in ["Cors", "InvokeMode"] {
        if let Some(v) = get(config, key) {
            url = url.prop(key, v.clone());
        }
    }
    url.attrs = target.attrs.clone();
    ctx.add(r.id, format!("{}Url", r.id), url);
    if auth.as_str() == Some("NONE") {
        let mut permission = Res::new("AWS::Lambda::Permission", config.span)
            .prop("Action", b.s("lambda:InvokeFunctionUrl"))
            .prop("FunctionName", target.name.clone())
            .prop("FunctionUrlAuthType", b.s("NONE"))
            .prop("Principal", b.s("*"));
        permission.attrs = target.attrs.clone();
        ctx.add(r.id, format!("{}UrlPublicPermissions", r.id), permission);
        // Public URLs also need `lambda:InvokeFunction` through the URL.
        let mut invoke = Res::new("AWS::Lambda::Permission", config.span)
            .prop("Action", b.s("lambda:InvokeFunction"))
            .prop("FunctionName", target.name.clone())
            .prop("InvokedViaFunctionUrl", b.bool(true))
            .prop("Principal", b.s("*"));
        invoke.attrs = target.attrs.clone();
        ctx.add(r.id, format!("{}URLInvokeAllowPublicAccess", r.id), invoke);
    }
}
