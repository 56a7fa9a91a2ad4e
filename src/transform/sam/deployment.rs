//! `DeploymentPreference`: gradual traffic shifting of a function's alias through CodeDeploy. Adds, once per
//! template, the `ServerlessDeploymentApplication` and (unless a preference names its own `Role`) the
//! `CodeDeployServiceRole`; per function a `<Function>DeploymentGroup` (predefined configurations named
//! `CodeDeployDefault.Lambda<Type>`, alarms, triggers) and the alias' `CodeDeployLambdaAliasUpdate` update
//! policy with the PreTraffic / PostTraffic hooks (the Lambda side of BeforeAllowTraffic /
//! AfterAllowTraffic). A disabled preference adds nothing.

use crate::source::{Node, NodeKind};

use super::build::{B, Obj, Res, get, to_obj};
use super::errors::SamError;
use super::function::{Target, as_bool};
use super::policies::managed_arn;
use super::{Ctx, Serverless};

const APPLICATION: &str = "ServerlessDeploymentApplication";
const SERVICE_ROLE: &str = "CodeDeployServiceRole";

/// The deployment configurations CodeDeploy predefines for Lambda, by the name SAM's `Type` uses.
const PREDEFINED: &[&str] = &[
    "Canary10Percent30Minutes",
    "Canary10Percent5Minutes",
    "Canary10Percent10Minutes",
    "Canary10Percent15Minutes",
    "Linear10PercentEvery10Minutes",
    "Linear10PercentEvery1Minute",
    "Linear10PercentEvery2Minutes",
    "Linear10PercentEvery3Minutes",
    "AllAtOnce",
];

pub(super) fn expand(ctx: &mut Ctx, r: &Serverless, target: &Target) {
    let Some(pref) = r.prop("DeploymentPreference") else {
        return;
    };
    let enabled = get(pref, "Enabled").map(|e| ctx.params.resolve(e));
    if enabled.as_ref().and_then(as_bool) == Some(false) {
        return;
    }
    if enabled.as_ref().is_some_and(|e| as_bool(e).is_none()) {
        ctx.errors.push(SamError::unsupported(
            r.id,
            pref.span,
            "a DeploymentPreference enabled by an intrinsic function is not expanded yet",
        ));
        return;
    }
    let Some(alias) = target.alias.clone() else {
        ctx.errors.push(SamError::resource(
            r.id,
            pref.span,
            "'DeploymentPreference' requires AutoPublishAlias property to be specified.",
        ));
        return;
    };
    let b = B::new(pref.span);
    let Some(ty) = get(pref, "Type") else {
        ctx.errors.push(SamError::resource(
            r.id,
            pref.span,
            "'DeploymentPreference' is missing required Property 'Type'",
        ));
        return;
    };
    let alarms = match get(pref, "Alarms") {
        None => None,
        Some(Node {
            kind: NodeKind::Seq(items),
            ..
        }) => Some(items.clone()),
        Some(a) => {
            ctx.errors
                .push(SamError::resource(r.id, a.span, "Alarms must be a list"));
            return;
        }
    };
    if !ctx.out.contains_key(APPLICATION) {
        let app = Res::new("AWS::CodeDeploy::Application", pref.span)
            .prop("ComputePlatform", b.s("Lambda"));
        ctx.out.insert(APPLICATION.to_owned(), app.node());
    }
    let service_role = match get(pref, "Role") {
        Some(role) => role.clone(),
        None => {
            if !ctx.out.contains_key(SERVICE_ROLE) {
                let role = Res::new("AWS::IAM::Role", pref.span)
                    .prop(
                        "AssumeRolePolicyDocument",
                        super::role::trust_policy(b, "codedeploy.amazonaws.com"),
                    )
                    .prop(
                        "ManagedPolicyArns",
                        b.seq(vec![b.s(managed_arn(
                            &ctx.partition,
                            "service-role/AWSCodeDeployRoleForLambda",
                        ))]),
                    );
                ctx.out.insert(SERVICE_ROLE.to_owned(), role.node());
            }
            b.get_att(SERVICE_ROLE, "Arn")
        }
    };
    let config = match ty.as_str() {
        Some(t) if PREDEFINED.contains(&t) => b.call(
            "Fn::Sub",
            b.seq(vec![
                b.s("CodeDeployDefault.Lambda${ConfigName}"),
                b.map([("ConfigName", ty.clone())]),
            ]),
        ),
        _ => ty.clone(),
    };
    let group_id = format!("{}DeploymentGroup", r.id);
    let mut group = Res::new("AWS::CodeDeploy::DeploymentGroup", pref.span)
        .prop("ApplicationName", b.r#ref(APPLICATION))
        .prop(
            "AutoRollbackConfiguration",
            b.map([
                ("Enabled", b.bool(true)),
                (
                    "Events",
                    b.strs(&[
                        "DEPLOYMENT_FAILURE",
                        "DEPLOYMENT_STOP_ON_ALARM",
                        "DEPLOYMENT_STOP_ON_REQUEST",
                    ]),
                ),
            ]),
        )
        .prop("DeploymentConfigName", config)
        .prop(
            "DeploymentStyle",
            b.map([
                ("DeploymentOption", b.s("WITH_TRAFFIC_CONTROL")),
                ("DeploymentType", b.s("BLUE_GREEN")),
            ]),
        )
        .prop("ServiceRoleArn", service_role);
    if let Some(alarms) = alarms.filter(|a| !a.is_empty()) {
        let list = alarms.into_iter().map(|a| b.map([("Name", a)])).collect();
        group = group.prop(
            "AlarmConfiguration",
            b.map([("Alarms", b.seq(list)), ("Enabled", b.bool(true))]),
        );
    }
    if let Some(t) = get(pref, "TriggerConfigurations") {
        group = group.prop("TriggerConfigurations", t.clone());
    }
    group.attrs = target.attrs.clone();
    group.attrs.shift_remove("DeletionPolicy");
    group.attrs.shift_remove("UpdateReplacePolicy");
    ctx.add(r.id, group_id.clone(), group);
    let mut update = Obj::new();
    update.insert("ApplicationName".into(), b.r#ref(APPLICATION));
    update.insert("DeploymentGroupName".into(), b.r#ref(&group_id));
    if let Some(hooks) = get(pref, "Hooks") {
        if let Some(h) = get(hooks, "PreTraffic") {
            update.insert("BeforeAllowTrafficHook".into(), h.clone());
        }
        if let Some(h) = get(hooks, "PostTraffic") {
            update.insert("AfterAllowTrafficHook".into(), h.clone());
        }
    }
    if let Some(node) = ctx.out.get(&alias) {
        let ab = B::new(node.span);
        let mut top = to_obj(node);
        top.insert(
            "UpdatePolicy".into(),
            ab.map([("CodeDeployLambdaAliasUpdate", ab.obj(update))]),
        );
        ctx.out.insert(alias, ab.obj(top));
    }
}
