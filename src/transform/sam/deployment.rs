//! `DeploymentPreference`: gradual traffic shifting of a function's alias through CodeDeploy. This version
//! does not generate the CodeDeploy application, deployment group and role yet, so a function that enables
//! it is reported (never silently deployed without its safety net). A disabled preference is accepted.

use super::build::get;
use super::errors::SamError;
use super::function::{Target, as_bool};
use super::{Ctx, Serverless};

pub(super) fn expand(ctx: &mut Ctx, r: &Serverless, target: &Target) {
    let Some(pref) = r.prop("DeploymentPreference") else {
        return;
    };
    if get(pref, "Enabled").and_then(as_bool) == Some(false) {
        return;
    }
    if target.alias.is_none() {
        ctx.errors.push(SamError::resource(
            r.id,
            pref.span,
            "'DeploymentPreference' requires AutoPublishAlias property to be specified.",
        ));
        return;
    }
    ctx.errors.push(SamError::unsupported(
        r.id,
        pref.span,
        "DeploymentPreference (CodeDeploy traffic shifting) is not expanded yet",
    ));
}
