//! The two ends of a connector: a template resource named by `Id` (its CloudFormation type, role and
//! outputs from the connector profiles) or one described by its properties (`Type`, `Arn`, `RoleName`...),
//! and the `%{Source.X}` / `%{Destination.X}` placeholders of the profiles filled from them. It never
//! decides which resources a connector creates (`connector.rs` does).

use serde_json::Value as J;

use crate::source::{Node, NodeKind};

use super::Ctx;
use super::build::{B, Obj, from_json, get, referenced_id};
use super::connector::profiles;

/// One end of a connector, resolved.
pub(super) struct End {
    /// The type for the metadata: as written for an end named by `Id` (`AWS::Serverless::Function`), the
    /// CloudFormation type for one described by its properties.
    pub written_type: String,
    /// The CloudFormation type the profiles know (`AWS::Lambda::Function`).
    pub ty: String,
    /// Values the profiles' `%{Source.X}` / `%{Destination.X}` placeholders take.
    pub outputs: Obj,
    /// The role permissions attach to, when the end has one.
    pub role: Option<Node>,
    /// The logical id, when the end is named by `Id`.
    pub id: Option<String>,
}

/// A connector end: `{Id}` of a template resource, or `{Type, Arn, Name, RoleName, ...}`.
pub(super) fn resolve_end(ctx: &Ctx, end: &Node) -> Result<End, String> {
    let b = B::new(end.span);
    if let Some(idn) = get(end, "Id") {
        let id = idn.as_str().ok_or("'Id' is missing or not a string.")?;
        if end
            .as_map()
            .is_some_and(|m| m.iter().any(|(k, _)| k != "Id" && k != "Qualifier"))
        {
            return Err(
                "Must provide 'Id' (with optional 'Qualifier') or a supported combination of other properties."
                    .into(),
            );
        }
        let resource = ctx
            .input
            .get(id)
            .ok_or_else(|| format!("Unable to find resource with logical ID '{id}'."))?;
        let written = get(resource, "Type")
            .and_then(Node::as_str)
            .ok_or("'Type' is missing or not a string.")?
            .to_owned();
        let (ty, role): (String, Option<Node>) = match written.as_str() {
            "AWS::Serverless::Function" => (
                "AWS::Lambda::Function".into(),
                serverless_role(resource, id, b),
            ),
            "AWS::Serverless::StateMachine" => (
                "AWS::StepFunctions::StateMachine".into(),
                serverless_role(resource, id, b),
            ),
            "AWS::Serverless::SimpleTable" => ("AWS::DynamoDB::Table".into(), None),
            "AWS::Serverless::Api" => ("AWS::ApiGateway::RestApi".into(), None),
            "AWS::Serverless::HttpApi" => ("AWS::ApiGatewayV2::Api".into(), None),
            other => {
                let input = &profiles()["CfnResourceProperties"][other]["Inputs"]["Role"];
                let props = get(resource, "Properties");
                let role_node = match (input.as_str(), input["Function"].as_str()) {
                    (Some(p), _) => props.and_then(|props| get(props, p)),
                    // An EventBridge rule's role is the one its targets use.
                    (None, Some("GetEventsRuleRole")) => props
                        .and_then(|props| get(props, "Targets"))
                        .and_then(Node::as_seq)
                        .and_then(|targets| targets.iter().find_map(|t| get(t, "RoleArn"))),
                    _ => None,
                };
                let role = role_node.and_then(referenced_id).map(|r| b.r#ref(r));
                (other.to_owned(), role)
            }
        };
        let ty = ty.as_str();
        let mut outputs = Obj::new();
        if let Some(o) = profiles()["CfnResourceProperties"][ty]["Outputs"].as_object() {
            for (k, v) in o {
                let text = serde_json::to_string(v)
                    .unwrap_or_default()
                    .replace("%{logicalId}", id);
                if let Ok(v) = serde_json::from_str::<J>(&text) {
                    outputs.insert(k.clone(), from_json(b, &v));
                }
            }
        }
        // A reference may add to what the resource gives (`Qualifier`).
        if let Some(q) = get(end, "Qualifier") {
            outputs.insert("Qualifier".into(), q.clone());
        }
        return Ok(End {
            id: Some(id.to_owned()),
            written_type: written,
            ty: ty.to_owned(),
            outputs,
            role,
        });
    }
    let ty = get(end, "Type")
        .and_then(Node::as_str)
        .ok_or("'Type' is missing or not a string.")?;
    let mut outputs = Obj::new();
    for key in ["Arn", "Name", "QueueUrl", "ResourceId", "Qualifier"] {
        if let Some(v) = get(end, key) {
            let name = if key == "QueueUrl" {
                "Url"
            } else if key == "ResourceId" {
                "Id"
            } else {
                key
            };
            outputs.insert(name.into(), v.clone());
        }
    }
    let role = get(end, "RoleName").cloned();
    let cfn = match ty {
        "AWS::Serverless::Function" => "AWS::Lambda::Function",
        "AWS::Serverless::StateMachine" => "AWS::StepFunctions::StateMachine",
        "AWS::Serverless::SimpleTable" => "AWS::DynamoDB::Table",
        "AWS::Serverless::Api" => "AWS::ApiGateway::RestApi",
        "AWS::Serverless::HttpApi" => "AWS::ApiGatewayV2::Api",
        other => other,
    };
    Ok(End {
        id: None,
        written_type: cfn.to_owned(),
        ty: cfn.to_owned(),
        outputs,
        role,
    })
}

/// The role of a serverless function or state machine: the generated `<id>Role`, or the one its `Role` names.
fn serverless_role(resource: &Node, id: &str, b: B) -> Option<Node> {
    match get(resource, "Properties").and_then(|p| get(p, "Role")) {
        None => Some(b.r#ref(&format!("{id}Role"))),
        Some(role) => referenced_id(role).map(|r| b.r#ref(r)),
    }
}

/// `node` with every `%{Source.X}` / `%{Destination.X}` text replaced by that end's value.
pub(super) fn substitute(node: &Node, source: &End, dest: &End) -> Node {
    let b = B::new(node.span);
    match &node.kind {
        NodeKind::String(s)
            if s.starts_with("%{") && s.ends_with('}') && s.matches("%{").count() == 1 =>
        {
            value_of(&s[2..s.len() - 1], source, dest).unwrap_or_else(|| node.clone())
        }
        // Placeholders inside longer text become a `Fn::Sub` over the values (`${SourceArn}/stream/*`).
        NodeKind::String(s) if s.contains("%{") => {
            let mut text = String::new();
            let mut vars = Obj::new();
            let mut rest = s.as_str();
            while let Some(start) = rest.find("%{") {
                text.push_str(&rest[..start]);
                let Some(end) = rest[start..].find('}') else {
                    break;
                };
                let inner = &rest[start + 2..start + end];
                let var = inner.replace('.', "");
                text.push_str(&format!("${{{var}}}"));
                if let Some(v) = value_of(inner, source, dest) {
                    vars.insert(var, v);
                }
                rest = &rest[start + end + 1..];
            }
            text.push_str(rest);
            b.call("Fn::Sub", b.seq(vec![b.s(text), b.obj(vars)]))
        }
        // A text with `${...}` is a `Fn::Sub` (`SourceAccount: ${AWS::AccountId}`).
        NodeKind::String(s) if s.contains("${") => b.call("Fn::Sub", node.clone()),
        NodeKind::Map(m) => {
            if let Some(NodeKind::Seq(items)) =
                m.get("Fn::Sub").filter(|_| m.len() == 1).map(|n| &n.kind)
            {
                // A `Fn::Sub` of the profile: variables whose value is not known are left out.
                let mut items = items.clone();
                if let Some(vars) = items.get(1).and_then(Node::as_map) {
                    let kept: Vec<(String, Node)> = vars
                        .iter()
                        .map(|(k, e)| (k.to_owned(), substitute(&e.value, source, dest)))
                        .filter(|(_, v)| !v.as_str().is_some_and(|t| t.contains("%{")))
                        .collect();
                    items[1] = b.map(kept);
                }
                return b.call("Fn::Sub", b.seq(items));
            }
            b.map(
                m.iter()
                    .map(|(k, e)| (k, substitute(&e.value, source, dest))),
            )
        }
        NodeKind::Seq(items) => b.seq(items.iter().map(|i| substitute(i, source, dest)).collect()),
        _ => node.clone(),
    }
}

/// The first `%{Source.X}` / `%{Destination.X}` placeholder of `profile` (in document order) whose value
/// is not known.
pub(super) fn first_missing(profile: &J, source: &End, dest: &End) -> Option<String> {
    match profile {
        J::String(s) => {
            let mut rest = s.as_str();
            while let Some(start) = rest.find("%{") {
                let end = rest[start..].find('}')?;
                let inner = &rest[start + 2..start + end];
                if value_of(inner, source, dest).is_none() {
                    return Some(inner.to_owned());
                }
                rest = &rest[start + end + 1..];
            }
            None
        }
        J::Array(items) => items.iter().find_map(|i| first_missing(i, source, dest)),
        J::Object(m) => m.values().find_map(|v| first_missing(v, source, dest)),
        _ => None,
    }
}

/// The value of placeholder `Source.X` / `Destination.X` (`ResourceId` is the end's `Id` output).
fn value_of(name: &str, source: &End, dest: &End) -> Option<Node> {
    let (end, key) = match name.split_once('.')? {
        ("Source", k) => (source, k),
        ("Destination", k) => (dest, k),
        _ => return None,
    };
    let key = if key == "ResourceId" { "Id" } else { key };
    end.outputs.get(key).cloned()
}
