//! A state machine's `AutoPublishAlias`: an `AWS::StepFunctions::StateMachineVersion` of each revision and
//! an `AWS::StepFunctions::StateMachineAlias` deploying it (all at once unless a `DeploymentPreference`
//! says how). With `UseAliasAsEventTarget` the state machine's events start executions through the alias.
//! It never builds the state machine itself (`state_machine.rs` does).

use crate::source::Node;

use super::build::{B, Res, get, to_obj};
use super::errors::SamError;
use super::function::as_bool;
use super::{Ctx, Serverless};

/// The logical id a state machine's events target: its alias when `UseAliasAsEventTarget` asks for it.
pub(super) fn event_target(id: &str, resource: &Node) -> String {
    let props = get(resource, "Properties");
    let prop = |k: &str| props.and_then(|p| get(p, k));
    match prop("AutoPublishAlias").and_then(Node::as_str) {
        Some(alias) if prop("UseAliasAsEventTarget").and_then(as_bool) == Some(true) => {
            format!("{id}Alias{alias}")
        }
        _ => id.to_owned(),
    }
}

/// Checks the alias properties; the error, if any, concerns the state machine.
pub(super) fn check(r: &Serverless) -> Result<(), SamError> {
    let alias = r.prop("AutoPublishAlias");
    for key in ["DeploymentPreference", "UseAliasAsEventTarget"] {
        if let Some(n) = r.prop(key)
            && alias.is_none()
            && (key == "DeploymentPreference" || as_bool(n) == Some(true))
        {
            return Err(SamError::resource(
                r.id,
                n.span,
                format!("'{key}' requires 'AutoPublishAlias' property to be specified."),
            ));
        }
    }
    if let Some(a) = alias
        && a.as_str()
            .is_none_or(|s| s.is_empty() || !s.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        return Err(SamError::resource(
            r.id,
            a.span,
            "'AutoPublishAlias' must be a string of letters and digits.",
        ));
    }
    Ok(())
}

/// Adds the version and the alias of a state machine with `AutoPublishAlias`.
pub(super) fn publish(ctx: &mut Ctx, r: &Serverless) {
    let Some(name) = r.prop("AutoPublishAlias").and_then(Node::as_str) else {
        return;
    };
    let b = B::new(r.span_of("AutoPublishAlias"));
    let version_id = format!("{}Version", r.id);
    let mut version = Res::new("AWS::StepFunctions::StateMachineVersion", b.span)
        .prop("StateMachineArn", b.r#ref(r.id))
        .prop(
            "StateMachineRevisionId",
            b.get_att(r.id, "StateMachineRevisionId"),
        );
    version.attrs = r.passed_attrs(&["Condition"]);
    // Versions outlive the stack unless the state machine says otherwise.
    for key in ["DeletionPolicy", "UpdateReplacePolicy"] {
        version.attrs.insert(
            key.into(),
            r.attr(key).cloned().unwrap_or_else(|| b.s("Retain")),
        );
    }
    let mut preference = r
        .prop("DeploymentPreference")
        .map(to_obj)
        .unwrap_or_else(|| {
            let mut o = super::build::Obj::new();
            o.insert("Type".into(), b.s("ALL_AT_ONCE"));
            o
        });
    preference.insert("StateMachineVersionArn".into(), b.r#ref(&version_id));
    let mut alias = Res::new("AWS::StepFunctions::StateMachineAlias", b.span)
        .prop("Name", b.s(name))
        .prop("DeploymentPreference", b.obj(preference));
    alias.attrs = r.passed_attrs(&["Condition", "DeletionPolicy", "UpdateReplacePolicy"]);
    ctx.add(r.id, version_id, version);
    ctx.add(r.id, format!("{}Alias{name}", r.id), alias);
}

#[cfg(test)]
mod tests {

    use super::super::build;

    use crate::transform::sam::test_support::expand_text as run;

    const HEAD: &str = "Resources:\n  S:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      Definition: {StartAt: A, States: {A: {Type: Pass, End: true}}}\n      Role: arn:r\n";

    #[test]
    fn an_alias_targets_the_published_version_and_events_use_it() {
        let text = format!(
            "{HEAD}      AutoPublishAlias: live\n      UseAliasAsEventTarget: true\n      Events:\n        E: {{Type: Schedule, Properties: {{Schedule: rate(1 minute)}}}}\n"
        );
        let out = run(&text).unwrap();
        let resources = build::get(&out.root, "Resources").unwrap();
        let version = build::get(resources, "SVersion").unwrap();
        assert_eq!(
            build::get(version, "DeletionPolicy").and_then(|d| d.as_str()),
            Some("Retain")
        );
        let alias = build::get(resources, "SAliaslive").unwrap();
        let props = build::get(alias, "Properties").unwrap();
        let pref = build::get(props, "DeploymentPreference").unwrap();
        assert_eq!(
            build::get(pref, "Type").and_then(|t| t.as_str()),
            Some("ALL_AT_ONCE")
        );
        let rule = build::get(build::get(resources, "SE").unwrap(), "Properties").unwrap();
        let target = &build::get(rule, "Targets").unwrap().as_seq().unwrap()[0];
        let arn = build::get(target, "Arn").unwrap();
        assert_eq!(
            build::get(arn, "Ref").and_then(|r| r.as_str()),
            Some("SAliaslive")
        );
    }

    #[test]
    fn use_alias_as_event_target_without_an_alias_is_refused_at_the_property() {
        let text = format!("{HEAD}      UseAliasAsEventTarget: true\n");
        let errors = run(&text).unwrap_err();
        let start = text.rfind("true").unwrap();
        assert_eq!(errors[0].span.start as usize, start);
    }
}
