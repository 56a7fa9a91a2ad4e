//! A REST API's `Auth.UsagePlan`: with `CreateUsagePlan: PER_API` the API gets its own usage plan, API key
//! and usage plan key; with `SHARED` every such API joins the template's one `ServerlessUsagePlan` (its
//! stages and dependencies accumulate); `NONE` creates nothing. It never touches the API's definition.

use crate::source::{Node, NodeKind, Span};

use super::Ctx;
use super::build::{B, Obj, Res, get, is_intrinsic, to_obj};

/// Usage plan settings copied to the plan.
const PLAN_PROPERTIES: &[&str] = &["Description", "Quota", "Tags", "Throttle", "UsagePlanName"];
/// The properties `UsagePlan` may have.
const KEYS: &[&str] = &[
    "CreateUsagePlan",
    "Description",
    "Quota",
    "Tags",
    "Throttle",
    "UsagePlanName",
];
/// The logical id prefix of the shared plan's resources.
const SHARED: &str = "Serverless";

/// Expands `plan` for API `api` deployed by stage `stage_id`; errors are the translator's sentences.
/// `attrs`: the API's `Condition`, `DeletionPolicy` and `UpdateReplacePolicy`; a shared plan takes the
/// policies of the last API that sets them, and no condition.
pub(super) fn expand(
    ctx: &mut Ctx,
    api: &str,
    stage_id: &str,
    plan: &Node,
    attrs: &Obj,
    span: Span,
) -> Result<(), String> {
    let Some(m) = plan.as_map().filter(|_| !is_intrinsic(plan)) else {
        return Err("'UsagePlan' must be a dictionary".into());
    };
    if m.keys().any(|k| !KEYS.contains(&k)) {
        return Err("Invalid property for 'UsagePlan'".into());
    }
    let Some(create) = m.get("CreateUsagePlan") else {
        return Err("'CreateUsagePlan' is a required field for UsagePlan.".into());
    };
    let mode = create.as_str().unwrap_or_default();
    let b = B::new(span);
    let stage = b.map([("ApiId", b.r#ref(api)), ("Stage", b.r#ref(stage_id))]);
    let key_stage = b.map([
        ("RestApiId", b.r#ref(api)),
        ("StageName", b.r#ref(stage_id)),
    ]);
    let prefix = match mode {
        "NONE" => return Ok(()),
        "PER_API" => api.to_owned(),
        "SHARED" => SHARED.to_owned(),
        _ => {
            return Err("'CreateUsagePlan' accepts only NONE, PER_API and SHARED values.".into());
        }
    };
    let plan_id = format!("{prefix}UsagePlan");
    let key_id = format!("{prefix}ApiKey");
    let plan_key_id = format!("{prefix}UsagePlanKey");
    ctx.refs.insert(format!("{api}.UsagePlan"), plan_id.clone());
    ctx.refs.insert(format!("{api}.ApiKey"), key_id.clone());
    ctx.refs
        .insert(format!("{api}.UsagePlanKey"), plan_key_id.clone());
    let mut attrs = attrs.clone();
    if mode == "SHARED" {
        attrs.shift_remove("Condition");
    }
    if mode == "SHARED" && ctx.out.contains_key(&plan_id) {
        append(ctx, &plan_id, "ApiStages", stage, b.s(api), &attrs, b);
        append(ctx, &key_id, "StageKeys", key_stage, b.s(""), &attrs, b);
        append_attrs(ctx, &plan_key_id, &attrs, b);
        return Ok(());
    }
    let mut res =
        Res::new("AWS::ApiGateway::UsagePlan", span).prop("ApiStages", b.seq(vec![stage]));
    for k in PLAN_PROPERTIES {
        if let Some(v) = m.get(k) {
            res = res.prop(k, v.clone());
        }
    }
    res.attrs = attrs.clone();
    res.attrs.insert("DependsOn".into(), b.seq(vec![b.s(api)]));
    ctx.add(api, plan_id.clone(), res);
    let mut key = Res::new("AWS::ApiGateway::ApiKey", span)
        .prop("Enabled", b.bool(true))
        .prop("StageKeys", b.seq(vec![key_stage]));
    key.attrs = attrs.clone();
    key.attrs
        .insert("DependsOn".into(), b.seq(vec![b.s(plan_id.as_str())]));
    ctx.add(api, key_id.clone(), key);
    let mut plan_key = Res::new("AWS::ApiGateway::UsagePlanKey", span)
        .prop("KeyId", b.r#ref(&key_id))
        .prop("KeyType", b.s("API_KEY"))
        .prop("UsagePlanId", b.r#ref(&plan_id));
    plan_key.attrs = attrs;
    plan_key
        .attrs
        .insert("DependsOn".into(), b.seq(vec![b.s(key_id.as_str())]));
    ctx.add(api, plan_key_id, plan_key);
    Ok(())
}

/// Adds `item` to list property `list` of generated resource `id`, and `depends` (unless empty) to its
/// `DependsOn`.
fn append(ctx: &mut Ctx, id: &str, list: &str, item: Node, depends: Node, attrs: &Obj, b: B) {
    let Some(existing) = ctx.out.get(id) else {
        return;
    };
    let mut top: Obj = to_obj(existing);
    let mut props = top.get("Properties").map(to_obj).unwrap_or_default();
    let mut items = props
        .get(list)
        .and_then(Node::as_seq)
        .map(<[Node]>::to_vec)
        .unwrap_or_default();
    items.push(item);
    props.insert(list.into(), b.seq(items));
    top.insert("Properties".into(), b.obj(props));
    if !matches!(&depends.kind, NodeKind::String(s) if s.is_empty()) {
        let mut on = top
            .get("DependsOn")
            .and_then(Node::as_seq)
            .map(<[Node]>::to_vec)
            .unwrap_or_default();
        on.push(depends);
        top.insert("DependsOn".into(), b.seq(on));
    }
    ctx.out.insert(id.to_owned(), b.obj(top));
    append_attrs(ctx, id, attrs, b);
}

/// Sets `attrs` on generated resource `id` (the last API's policies win).
fn append_attrs(ctx: &mut Ctx, id: &str, attrs: &Obj, b: B) {
    if attrs.is_empty() {
        return;
    }
    let Some(existing) = ctx.out.get(id) else {
        return;
    };
    let mut top: Obj = to_obj(existing);
    for (k, v) in attrs {
        top.insert(k.clone(), v.clone());
    }
    ctx.out.insert(id.to_owned(), b.obj(top));
}

/// `Auth.UsagePlan` of an API's properties, if any.
pub(super) fn of(auth: Option<&Node>) -> Option<&Node> {
    auth.and_then(|a| get(a, "UsagePlan"))
}

#[cfg(test)]
mod tests {

    use super::super::build::get;
    use super::super::codes;

    use crate::transform::sam::test_support::expand_text as run;

    fn api(id: &str, plan: &str) -> String {
        format!(
            "  {id}:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: Prod\n      Auth:\n        UsagePlan:\n{plan}"
        )
    }

    #[test]
    fn shared_plans_collect_every_api_stage() {
        let text = format!(
            "Resources:\n{}{}Outputs:\n  K:\n    Value: !Ref A.ApiKey\n",
            api("A", "          CreateUsagePlan: SHARED\n"),
            api("B", "          CreateUsagePlan: SHARED\n")
        );
        let out = run(&text).unwrap();
        let resources = get(&out.root, "Resources").unwrap();
        let plan = get(resources, "ServerlessUsagePlan").unwrap();
        let stages = get(get(plan, "Properties").unwrap(), "ApiStages").unwrap();
        assert_eq!(stages.as_seq().unwrap().len(), 2);
        assert_eq!(get(plan, "DependsOn").unwrap().as_seq().unwrap().len(), 2);
        let value = get(
            get(get(&out.root, "Outputs").unwrap(), "K").unwrap(),
            "Value",
        )
        .unwrap();
        assert_eq!(
            get(value, "Ref").unwrap().as_str(),
            Some("ServerlessApiKey")
        );
    }

    #[test]
    fn an_unknown_plan_property_is_reported_at_the_plan() {
        let text = format!("Resources:\n{}", api("A", "          Create: SHARED\n"));
        let errors = run(&text).unwrap_err();
        assert_eq!(errors[0].code, codes::INVALID_RESOURCE);
        let start = text.find("Create:").unwrap();
        assert_eq!(
            (errors[0].span.start as usize, errors[0].span.end as usize),
            (start, start + "Create: SHARED".len())
        );
    }
}
