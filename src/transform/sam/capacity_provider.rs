//! `AWS::Serverless::CapacityProvider` → an `AWS::Lambda::CapacityProvider` (Lambda managed instances) and,
//! unless `OperatorRole` names one, the operator role Lambda assumes to manage the instances. It also maps
//! a function's `CapacityProviderConfig` to the Lambda function's form. It never checks what the capacity
//! provider's values mean to EC2 (instance type names, vCPU limits).

use crate::source::{Node, NodeKind};

use super::build::{B, Obj, Res, get};
use super::errors::SamError;
use super::{Ctx, Serverless, function, policies, role};

/// Resource attributes the capacity provider keeps.
const ATTRS: &[&str] = &[
    "Condition",
    "DependsOn",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "Metadata",
];

/// The managed policy of the generated operator role.
const OPERATOR_POLICY: &str = "AWSLambdaManagedEC2ResourceOperator";

pub(super) fn expand(ctx: &mut Ctx, r: &Serverless) {
    let b = r.b();
    let Some(vpc) = r.prop("VpcConfig") else {
        ctx.errors.push(SamError::resource(
            r.id,
            r.node.span,
            "Missing required property 'VpcConfig'.",
        ));
        return;
    };
    let mut cp = Res::new("AWS::Lambda::CapacityProvider", r.node.span);
    if let Some(n) = r.prop("CapacityProviderName") {
        cp = cp.prop("CapacityProviderName", n.clone());
    }
    cp = cp.prop("VpcConfig", vpc.clone());
    match instance_requirements(r.prop("InstanceRequirements")) {
        Ok(Some(req)) => cp = cp.prop("InstanceRequirements", req),
        Ok(None) => {}
        Err(m) => {
            ctx.errors.push(SamError::resource(
                r.id,
                r.span_of("InstanceRequirements"),
                m,
            ));
            return;
        }
    }
    if let Some(s) = r.prop("ScalingConfig") {
        cp = cp.prop("CapacityProviderScalingConfig", scaling(s));
    }
    if let Some(k) = r.prop("KmsKeyArn") {
        cp = cp.prop("KmsKeyArn", k.clone());
    }
    let tags = match function::tag_list(r) {
        Ok(t) => t,
        Err(m) => {
            ctx.errors
                .push(SamError::resource(r.id, r.span_of("Tags"), m));
            return;
        }
    };
    cp = cp.prop("Tags", b.seq(tags.clone()));
    let role_id = format!("{}OperatorRole", r.id);
    let operator = r
        .prop("OperatorRole")
        .cloned()
        .unwrap_or_else(|| b.get_att(&role_id, "Arn"));
    cp = cp.prop(
        "PermissionsConfig",
        b.map([("CapacityProviderOperatorRoleArn", operator)]),
    );
    cp.attrs = r.passed_attrs(ATTRS);
    ctx.add(r.id, r.id.to_owned(), cp);
    if r.prop("OperatorRole").is_some() {
        return;
    }
    let propagate = r.prop("PropagateTags").and_then(function::as_bool) == Some(true);
    let role_tags = if propagate {
        tags
    } else {
        tags.into_iter().take(1).collect()
    };
    let parts = role::RoleParts {
        service: "lambda.amazonaws.com",
        assume: None,
        managed: vec![b.s(policies::managed_arn(&ctx.partition, OPERATOR_POLICY))],
        inline: Vec::new(),
        path: None,
        boundary: None,
        tags: role_tags,
        attrs: r.passed_attrs(function::INHERITED_ATTRS),
    };
    ctx.add(r.id, role_id, role::build(b, parts));
}

/// `InstanceRequirements: {Architectures, AllowedTypes, ExcludedTypes}` → Lambda's names for them.
fn instance_requirements(req: Option<&Node>) -> Result<Option<Node>, String> {
    let Some(req) = req else {
        return Ok(None);
    };
    let Some(m) = req.as_map() else {
        return Ok(Some(req.clone()));
    };
    if m.get("AllowedTypes").is_some() && m.get("ExcludedTypes").is_some() {
        return Err(
            "Cannot specify 'InstanceRequirements.AllowedTypes' and 'InstanceRequirements.ExcludedTypes' together."
                .into(),
        );
    }
    let mut out = Obj::new();
    for (k, e) in m.iter() {
        let name = match k {
            "AllowedTypes" => "AllowedInstanceTypes",
            "ExcludedTypes" => "ExcludedInstanceTypes",
            other => other,
        };
        out.insert(name.to_owned(), e.value.clone());
    }
    Ok(Some(B::new(req.span).obj(out)))
}

/// `ScalingConfig: {MaxVCpuCount, AverageCPUUtilization}` → `CapacityProviderScalingConfig`: a target
/// CPU utilisation is a manual scaling policy, without one Lambda scales on its own (`Auto`).
fn scaling(s: &Node) -> Node {
    let b = B::new(s.span);
    let mut out = Obj::new();
    if let Some(max) = get(s, "MaxVCpuCount") {
        out.insert("MaxVCpuCount".into(), max.clone());
    }
    match get(s, "AverageCPUUtilization") {
        Some(target) => {
            out.insert("ScalingMode".into(), b.s("Manual"));
            out.insert(
                "ScalingPolicies".into(),
                b.seq(vec![b.map([
                    (
                        "PredefinedMetricType",
                        b.s("LambdaCapacityProviderAverageCPUUtilization"),
                    ),
                    ("TargetValue", target.clone()),
                ])]),
            );
        }
        None => {
            out.insert("ScalingMode".into(), b.s("Auto"));
        }
    }
    b.obj(out)
}

/// A function's `CapacityProviderConfig: {Arn, ...}` → `{LambdaManagedInstancesCapacityProviderConfig:
/// {CapacityProviderArn, ...}}`.
pub(super) fn function_config(config: &Node) -> Node {
    let b = B::new(config.span);
    let NodeKind::Map(m) = &config.kind else {
        return config.clone();
    };
    let mut inner = Obj::new();
    for (k, e) in m.iter() {
        let name = if k == "Arn" { "CapacityProviderArn" } else { k };
        inner.insert(name.to_owned(), e.value.clone());
    }
    b.map([("LambdaManagedInstancesCapacityProviderConfig", b.obj(inner))])
}

#[cfg(test)]
mod tests {

    use super::super::{build, reference_message};

    use crate::transform::sam::test_support::expand_text as run;

    const HEAD: &str = "Transform: AWS::Serverless-2016-10-31\nResources:\n  CP:\n    Type: AWS::Serverless::CapacityProvider\n    Properties:\n";

    #[test]
    fn a_capacity_provider_gets_an_operator_role_and_lambda_names() {
        let text = format!(
            "{HEAD}      VpcConfig: {{SubnetIds: [s]}}\n      InstanceRequirements: {{ExcludedTypes: [t]}}\n      ScalingConfig: {{MaxVCpuCount: 4}}\n"
        );
        let out = run(&text).unwrap();
        let resources = build::get(&out.root, "Resources").unwrap();
        let props = build::get(build::get(resources, "CP").unwrap(), "Properties").unwrap();
        let req = build::get(props, "InstanceRequirements").unwrap();
        assert!(build::get(req, "ExcludedInstanceTypes").is_some());
        let scaling = build::get(props, "CapacityProviderScalingConfig").unwrap();
        assert_eq!(
            build::get(scaling, "ScalingMode").and_then(|m| m.as_str()),
            Some("Auto")
        );
        assert!(build::get(resources, "CPOperatorRole").is_some());
    }

    #[test]
    fn allowed_and_excluded_types_together_are_refused_at_the_requirements() {
        let text = format!(
            "{HEAD}      VpcConfig: {{SubnetIds: [s]}}\n      InstanceRequirements: {{AllowedTypes: [a], ExcludedTypes: [b]}}\n"
        );
        let errors = run(&text).unwrap_err();
        let start = text.find("{AllowedTypes").unwrap();
        assert_eq!(errors[0].span.start as usize, start);
        assert_eq!(
            reference_message(&errors).unwrap(),
            "Invalid Serverless Application Specification document. Number of errors found: 1. Resource with id [CP] is invalid. Cannot specify 'InstanceRequirements.AllowedTypes' and 'InstanceRequirements.ExcludedTypes' together."
        );
    }

    #[test]
    fn a_function_on_a_capacity_provider_refuses_provisioned_concurrency() {
        let text = "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: s3://b/k\n      Handler: h\n      Runtime: python3.12\n      AutoPublishAlias: live\n      CapacityProviderConfig: {Arn: arn:cp}\n      ProvisionedConcurrencyConfig: {ProvisionedConcurrentExecutions: 1}\n";
        let errors = run(text).unwrap_err();
        assert_eq!(
            errors[0].span.start as usize,
            text.find("{Provisioned").unwrap()
        );
        assert!(reference_message(&errors).unwrap().ends_with(
            "Cannot specify 'CapacityProviderConfig' and 'ProvisionedConcurrencyConfig' together."
        ));
    }
}
