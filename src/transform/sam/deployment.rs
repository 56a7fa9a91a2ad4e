//! `DeploymentPreference`: gradual traffic shifting of a function's alias through CodeDeploy. Adds, once per
//! template, the `ServerlessDeploymentApplication` and (unless a preference names its own `Role`) the
//! `CodeDeployServiceRole`; per function a `<Function>DeploymentGroup` (predefined configurations named
//! `CodeDeployDefault.Lambda<Type>`, alarms, triggers) and the alias' `CodeDeployLambdaAliasUpdate` update
//! policy with the PreTraffic / PostTraffic hooks (the Lambda side of BeforeAllowTraffic /
//! AfterAllowTraffic). A disabled preference adds nothing.

use crate::source::{Node, NodeKind};

use super::build::{B, Obj, Res, get, to_obj};
use super::errors::SamError;
use super::function::{Target, as_bool, with_tags};
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
        let app = with_tags(app, &target.propagated);
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
                let role = with_tags(role, &target.propagated);
                ctx.out.insert(SERVICE_ROLE.to_owned(), role.node());
            }
            b.get_att(SERVICE_ROLE, "Arn")
        }
    };
    let config = config_name(ctx, ty);
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
    let passthrough = match passthrough_condition(ctx, get(pref, "PassthroughCondition")) {
        Ok(p) => p,
        Err(m) => {
            ctx.errors.push(SamError::resource(r.id, pref.span, m));
            return;
        }
    };
    group.attrs = target.attrs.clone();
    group.attrs.shift_remove("DeletionPolicy");
    group.attrs.shift_remove("UpdateReplacePolicy");
    // The group keeps the function's condition only when the preference passes it through.
    if !passthrough {
        group.attrs.shift_remove("Condition");
    }
    let group = with_tags(group, &target.propagated);
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

/// `PassthroughCondition`: a boolean, or a parameter `Ref` / `Fn::FindInMap` the transform resolves.
fn passthrough_condition(ctx: &Ctx, value: Option<&Node>) -> Result<bool, String> {
    let Some(value) = value else {
        return Ok(false);
    };
    let invalid = || "Invalid value for property PassthroughCondition.".to_owned();
    let resolved = match value.as_map().and_then(|m| m.single()) {
        Some(("Ref", _)) => ctx.params.resolve(value),
        Some(("Fn::FindInMap", args)) => {
            ctx.params.find_in_map(&args.value)?.ok_or_else(invalid)?
        }
        Some((name, _)) if name == "Condition" || name.starts_with("Fn::") => {
            return Err("Unsupported intrinsic: the only intrinsic functions supported for property PassthroughCondition are FindInMap and parameter Refs.".into());
        }
        _ => value.clone(),
    };
    as_bool(&resolved).ok_or_else(invalid)
}

/// The deployment configuration a preference's `Type` names: a predefined configuration becomes
/// `CodeDeployDefault.Lambda<Type>`. Parameter `Ref`s, `Fn::Sub` and `Fn::FindInMap` are resolved first, and
/// each branch of an `Fn::If` is treated alone.
fn config_name(ctx: &Ctx, ty: &Node) -> Node {
    let b = B::new(ty.span);
    let predefined = |name: &Node| {
        b.call(
            "Fn::Sub",
            b.seq(vec![
                b.s("CodeDeployDefault.Lambda${ConfigName}"),
                b.map([("ConfigName", name.clone())]),
            ]),
        )
    };
    if let Some(t) = ty.as_str() {
        return if PREDEFINED.contains(&t) {
            predefined(ty)
        } else {
            ty.clone()
        };
    }
    let Some((name, arg)) = ty.as_map().and_then(|m| m.single()) else {
        return ty.clone();
    };
    match name {
        "Fn::If" => match arg.value.as_seq() {
            Some([c, yes, no]) => b.call(
                "Fn::If",
                b.seq(vec![c.clone(), config_name(ctx, yes), config_name(ctx, no)]),
            ),
            _ => ty.clone(),
        },
        "Ref" => {
            let v = ctx.params.resolve(ty);
            if v.as_str().is_some() {
                config_name(ctx, &v)
            } else {
                ty.clone()
            }
        }
        "Fn::FindInMap" => match ctx.params.find_in_map(&arg.value) {
            Ok(Some(v)) if v.as_str().is_some() => config_name(ctx, &v),
            _ => ty.clone(),
        },
        "Fn::Sub" => {
            let v = ctx.params.resolve(ty);
            match get(&v, "Fn::Sub") {
                Some(text) if text.as_str().is_some_and(|t| PREDEFINED.contains(&t)) => {
                    predefined(text)
                }
                _ => v,
            }
        }
        _ => ty.clone(),
    }
}

#[cfg(test)]
mod tests {
    use crate::source::Document;

    use super::super::{build, reference_message};

    use crate::transform::sam::test_support::expand_text as run;

    fn template(preference: &str) -> String {
        format!(
            "Parameters:\n  Kind: {{Type: String, Default: AllAtOnce}}\nConditions:\n  C: !Equals [a, a]\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Condition: C\n    Properties:\n      CodeUri: s3://b/k\n      Handler: h\n      Runtime: python3.12\n      AutoPublishAlias: live\n      DeploymentPreference:\n{preference}"
        )
    }

    fn group(out: &Document) -> &crate::source::Node {
        build::get(
            build::get(&out.root, "Resources").unwrap(),
            "FDeploymentGroup",
        )
        .unwrap()
    }

    #[test]
    fn the_group_keeps_the_function_condition_only_when_passed_through() {
        let out = run(&template("        Type: !Ref Kind\n")).unwrap();
        assert!(build::get(group(&out), "Condition").is_none());
        let props = build::get(group(&out), "Properties").unwrap();
        let name = build::get(props, "DeploymentConfigName").unwrap();
        assert!(build::get(name, "Fn::Sub").is_some());
        let out = run(&template(
            "        Type: AllAtOnce\n        PassthroughCondition: true\n",
        ))
        .unwrap();
        assert_eq!(
            build::get(group(&out), "Condition").and_then(|c| c.as_str()),
            Some("C")
        );
    }

    #[test]
    fn a_passthrough_condition_of_another_intrinsic_is_refused() {
        let text = template(
            "        Type: AllAtOnce\n        PassthroughCondition: !If [C, true, false]\n",
        );
        let errors = run(&text).unwrap_err();
        let start = text.find("Type: AllAtOnce").unwrap();
        assert_eq!(errors[0].span.start as usize, start);
        assert!(reference_message(&errors).unwrap().ends_with(
            "Resource with id [F] is invalid. Unsupported intrinsic: the only intrinsic functions supported for property PassthroughCondition are FindInMap and parameter Refs."
        ));
    }

    #[test]
    fn propagated_tags_reach_the_codedeploy_resources_and_replace_the_sam_tag() {
        let text =
            template("        Type: AllAtOnce\n      PropagateTags: true\n      Tags: {Team: a}\n");
        let out = run(&text).unwrap();
        let resources = build::get(&out.root, "Resources").unwrap();
        for id in [
            "F",
            "FRole",
            "FDeploymentGroup",
            "ServerlessDeploymentApplication",
        ] {
            let props = build::get(build::get(resources, id).unwrap(), "Properties").unwrap();
            let tags = build::get(props, "Tags").and_then(|t| t.as_seq()).unwrap();
            let keys: Vec<_> = tags
                .iter()
                .filter_map(|t| build::get(t, "Key").and_then(|k| k.as_str()))
                .collect();
            assert_eq!(keys, ["Team"], "{id}");
        }
    }
}
