//! `AWS::Serverless::GraphQLApi` → an AppSync API (`AWS::AppSync::GraphQLApi`) with its schema, logging
//! role, cache, custom domain, API keys, DynamoDB / Lambda data sources (each with a role and a connector
//! policy); its pipeline functions and resolvers are in `graphql_pipeline.rs`. Lambda authorizers get a connector permission so
//! AppSync may invoke them. It never reads the schema itself.

use crate::source::Node;

use super::build::{B, Obj, Res, get};
use super::errors::SamError;
use super::{Ctx, Serverless, connector, graphql_pipeline as pipeline, role};

/// Resource attributes the API keeps.
const ATTRS: &[&str] = &[
    "Condition",
    "DependsOn",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "Metadata",
];

/// The tag SAM puts on the APIs it creates.
const CREATED_BY: &str = "graphqlapi:createdBy";

/// Authentication types and the property configuring each (`None`: nothing to configure).
const AUTH_TYPES: &[(&str, Option<(&str, &str)>)] = &[
    ("AWS_IAM", None),
    ("API_KEY", None),
    (
        "AWS_LAMBDA",
        Some(("LambdaAuthorizer", "LambdaAuthorizerConfig")),
    ),
    (
        "OPENID_CONNECT",
        Some(("OpenIDConnect", "OpenIDConnectConfig")),
    ),
    (
        "AMAZON_COGNITO_USER_POOLS",
        Some(("UserPool", "UserPoolConfig")),
    ),
];

/// API properties copied as written.
const PASSTHROUGH: &[&str] = &[
    "XrayEnabled",
    "Visibility",
    "OwnerContact",
    "IntrospectionConfig",
    "QueryDepthLimit",
    "ResolverCountLimit",
];

/// A problem found in the API, named after the API or the function / resolver it is in.
pub(super) struct Problem {
    subject: String,
    span: crate::source::Span,
    message: String,
}

pub(super) type Checked<T> = Result<T, Problem>;

pub(super) fn problem(subject: &str, node: &Node, message: impl Into<String>) -> Problem {
    Problem {
        subject: subject.to_owned(),
        span: node.span,
        message: message.into(),
    }
}

/// Adds a resource generated for the API; it exists under the API's condition.
pub(super) fn add(ctx: &mut Ctx, r: &Serverless, id: String, mut res: Res) {
    if let Some(c) = r.attr("Condition") {
        res.attrs.insert("Condition".into(), c.clone());
    }
    ctx.add(r.id, id, res);
}

pub(super) fn expand(ctx: &mut Ctx, r: &Serverless) {
    if let Err(p) = build(ctx, r) {
        ctx.errors
            .push(SamError::resource(&p.subject, p.span, p.message));
    }
}

fn build(ctx: &mut Ctx, r: &Serverless) -> Checked<()> {
    let b = r.b();
    let api_id = || b.get_att(r.id, "ApiId");
    let auth = r
        .prop("Auth")
        .ok_or_else(|| problem(r.id, r.node, "Missing required property 'Auth'."))?;
    let schema = match (r.prop("SchemaInline"), r.prop("SchemaUri")) {
        (Some(_), Some(_)) => {
            return Err(problem(
                r.id,
                r.node,
                "Both 'SchemaInline' and 'SchemaUri' cannot be defined at the same time.",
            ));
        }
        (Some(s), None) => ("Definition", s.clone()),
        (None, Some(s)) => ("DefinitionS3Location", s.clone()),
        (None, None) => {
            return Err(problem(
                r.id,
                r.node,
                "One of 'SchemaInline' or 'SchemaUri' must be set.",
            ));
        }
    };
    let mut api = Res::new("AWS::AppSync::GraphQLApi", r.node.span);
    api = api.prop("Name", r.prop("Name").cloned().unwrap_or_else(|| b.s(r.id)));
    let authorizers = authentication(r, auth, &mut api)?;
    let logging = logging(r, &mut api)?;
    for key in PASSTHROUGH {
        if let Some(v) = r.prop(key) {
            api = api.prop(key, v.clone());
        }
    }
    let mut tags = Vec::new();
    if let Some(t) = r.prop("Tags").and_then(Node::as_map) {
        for (k, e) in t.iter() {
            let tb = B::new(e.value.span);
            tags.push(tb.tag(tb.s(k), e.value.clone()));
        }
    }
    tags.push(b.tag(b.s(CREATED_BY), b.s("SAM")));
    api = api.prop("Tags", b.seq(tags));
    let functions = pipeline::check_functions(r)?;
    pipeline::check_resolvers(r, &functions)?;
    api.attrs = r.passed_attrs(ATTRS);
    add(ctx, r, r.id.to_owned(), api);
    if logging {
        let role = Res::new("AWS::IAM::Role", b.span)
            .prop(
                "AssumeRolePolicyDocument",
                role::trust_policy(b, "appsync.amazonaws.com"),
            )
            .prop(
                "ManagedPolicyArns",
                b.seq(vec![b.call(
                    "Fn::Sub",
                    b.s("arn:${AWS::Partition}:iam::aws:policy/service-role/AWSAppSyncPushToCloudWatchLogs"),
                )]),
            );
        add(ctx, r, format!("{}CloudWatchRole", r.id), role);
    }
    let schema_res = Res::new("AWS::AppSync::GraphQLSchema", schema.1.span)
        .prop("ApiId", api_id())
        .prop(schema.0, schema.1);
    add(ctx, r, format!("{}Schema", r.id), schema_res);
    for (i, uri) in authorizers.into_iter().enumerate() {
        let id = format!("{}ToLambdaAuthConnector{}", r.id, i + 1);
        let ub = B::new(uri.span);
        let source = ub.map([
            ("Type", ub.s("AWS::AppSync::GraphQLApi")),
            ("ResourceId", api_id()),
        ]);
        let dest = ub.map([("Type", ub.s("AWS::Lambda::Function")), ("Arn", uri)]);
        let permissions = ub.strs(&["Write"]);
        connector::connect(
            ctx,
            &id,
            &source,
            &dest,
            Some(&permissions),
            Obj::new(),
            ub.span,
        );
    }
    if let Some(cache) = r.prop("Cache").and_then(Node::as_map) {
        let mut res = Res::new("AWS::AppSync::ApiCache", b.span).prop("ApiId", api_id());
        for (k, e) in cache.iter() {
            res = res.prop(k, e.value.clone());
        }
        add(ctx, r, format!("{}ApiCache", r.id), res);
    }
    if let Some(domain) = r.prop("DomainName").and_then(Node::as_map) {
        let domain_id = format!("{}DomainName", r.id);
        let mut res = Res::new("AWS::AppSync::DomainName", b.span);
        for (k, e) in domain.iter() {
            res = res.prop(k, e.value.clone());
        }
        add(ctx, r, domain_id.clone(), res);
        let assoc = Res::new("AWS::AppSync::DomainNameApiAssociation", b.span)
            .prop("ApiId", api_id())
            .prop("DomainName", b.r#ref(&domain_id));
        add(ctx, r, format!("{domain_id}ApiAssociation"), assoc);
    }
    if let Some(keys) = r.prop("ApiKeys").and_then(Node::as_map) {
        for (name, e) in keys.iter() {
            let mut res = Res::new("AWS::AppSync::ApiKey", e.value.span).prop("ApiId", api_id());
            for (k, v) in e.value.as_map().into_iter().flat_map(|m| m.iter()) {
                let key = if k == "ExpiresOn" { "Expires" } else { k };
                res = res.prop(key, v.value.clone());
            }
            add(ctx, r, format!("{}{name}", r.id), res);
        }
    }
    let sources = data_sources(ctx, r);
    pipeline::functions(ctx, r, &sources);
    pipeline::resolvers(ctx, r);
    Ok(())
}

/// Sets the API's authentication; returns the Lambda authorizers' URIs (default first).
fn authentication(r: &Serverless, auth: &Node, api: &mut Res) -> Checked<Vec<Node>> {
    let mut lambdas = Vec::new();
    let (ty, config) = provider(r, auth, "Auth.Type", false)?;
    api.props.insert("AuthenticationType".into(), ty);
    if let Some((key, value)) = config {
        if key == "LambdaAuthorizerConfig"
            && let Some(uri) = get(&value, "AuthorizerUri")
        {
            lambdas.push(uri.clone());
        }
        api.props.insert(key.to_owned(), value);
    }
    if let Some(additional) = get(auth, "Additional") {
        let Some(items) = additional.as_seq() else {
            return Err(problem(
                r.id,
                additional,
                "Property 'Auth.Additional' is invalid.",
            ));
        };
        let mut list = Vec::new();
        for item in items {
            let (ty, config) = provider(r, item, "Auth.Additional", true)?;
            let ib = B::new(item.span);
            let mut entry = Obj::new();
            entry.insert("AuthenticationType".into(), ty);
            if let Some((key, value)) = config {
                if key == "LambdaAuthorizerConfig"
                    && let Some(uri) = get(&value, "AuthorizerUri")
                {
                    lambdas.push(uri.clone());
                }
                entry.insert(key.to_owned(), value);
            }
            list.push(ib.obj(entry));
        }
        api.props.insert(
            "AdditionalAuthenticationProviders".into(),
            B::new(additional.span).seq(list),
        );
    }
    Ok(lambdas)
}

/// One authentication provider: its type and the AppSync configuration property it needs.
fn provider(
    r: &Serverless,
    auth: &Node,
    what: &str,
    additional: bool,
) -> Checked<(Node, Option<(&'static str, Node)>)> {
    let invalid = |n: &Node| problem(r.id, n, format!("Property '{what}' is invalid."));
    let ty_node = get(auth, "Type").ok_or_else(|| invalid(auth))?;
    let ty = ty_node.as_str().ok_or_else(|| invalid(ty_node))?;
    let Some((_, config)) = AUTH_TYPES.iter().find(|(t, _)| *t == ty) else {
        return Err(problem(
            r.id,
            ty_node,
            format!("Property '{}' is invalid.", "Auth.Type"),
        ));
    };
    let given: Vec<&str> = AUTH_TYPES
        .iter()
        .filter_map(|(_, c)| c.map(|(k, _)| k))
        .filter(|k| get(auth, k).is_some())
        .collect();
    if given.len() > 1 {
        let message = if additional {
            format!("Property '{what}' is invalid.")
        } else {
            "'Auth' has more than one authentication configuration defined.".to_owned()
        };
        return Err(problem(r.id, auth, message));
    }
    let Some((sam_key, cfn_key)) = config else {
        return Ok((ty_node.clone(), None));
    };
    let Some(value) = get(auth, sam_key) else {
        return Err(problem(
            r.id,
            auth,
            format!("'{sam_key}' must be defined if type is '{ty}'."),
        ));
    };
    let mut obj = super::build::to_obj(value);
    // Only the default provider of a user pool has a default action.
    if additional && *sam_key == "UserPool" {
        obj.shift_remove("DefaultAction");
    }
    Ok((
        ty_node.clone(),
        Some((*cfn_key, B::new(value.span).obj(obj))),
    ))
}

/// Sets the API's `LogConfig`; returns whether the logging role must be generated.
fn logging(r: &Serverless, api: &mut Res) -> Checked<bool> {
    let b = r.b();
    let role_ref = || b.get_att(&format!("{}CloudWatchRole", r.id), "Arn");
    let config = match r.prop("Logging") {
        None => None,
        Some(l) if super::function::as_bool(l) == Some(false) => return Ok(false),
        Some(l) if super::function::as_bool(l) == Some(true) => None,
        Some(l) => Some(l),
    };
    let Some(config) = config else {
        api.props.insert(
            "LogConfig".into(),
            b.map([
                ("CloudWatchLogsRoleArn", role_ref()),
                ("FieldLogLevel", b.s("ALL")),
            ]),
        );
        return Ok(true);
    };
    let Some(m) = config.as_map() else {
        return Err(problem(r.id, config, "Property 'Logging' is invalid."));
    };
    for (k, e) in m.iter() {
        if !matches!(
            k,
            "CloudWatchLogsRoleArn" | "FieldLogLevel" | "ExcludeVerboseContent"
        ) {
            return Err(problem(
                r.id,
                &e.value,
                format!("Property 'Logging.{k}' is invalid."),
            ));
        }
    }
    let mut obj = super::build::to_obj(config);
    let generate = !obj.contains_key("CloudWatchLogsRoleArn");
    if generate {
        obj.insert("CloudWatchLogsRoleArn".into(), role_ref());
    }
    if !obj.contains_key("FieldLogLevel") {
        obj.insert("FieldLogLevel".into(), b.s("ALL"));
    }
    api.props
        .insert("LogConfig".into(), B::new(config.span).obj(obj));
    Ok(generate)
}

/// The data sources declared in the API, by name → the logical id of the data source created for them.
fn data_sources(ctx: &mut Ctx, r: &Serverless) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Some(sources) = r.prop("DataSources") else {
        return out;
    };
    for (kind, suffix) in [
        ("DynamoDb", "DynamoDBDataSource"),
        ("Lambda", "LambdaDataSource"),
    ] {
        let Some(m) = get(sources, kind).and_then(Node::as_map) else {
            continue;
        };
        for (name, e) in m.iter() {
            let id = format!("{}{name}{suffix}", r.id);
            data_source(ctx, r, &id, name, &e.value, kind == "Lambda");
            out.push((name.to_owned(), id));
        }
    }
    out
}

fn data_source(ctx: &mut Ctx, r: &Serverless, id: &str, name: &str, ds: &Node, lambda: bool) {
    let b = B::new(ds.span);
    let field = |k: &str| get(ds, k).cloned();
    let api_id = b.get_att(r.id, "ApiId");
    let role_id = format!("{id}Role");
    let mut res = Res::new("AWS::AppSync::DataSource", ds.span)
        .prop("ApiId", api_id)
        .prop("Name", field("Name").unwrap_or_else(|| b.s(name)));
    if let Some(d) = field("Description") {
        res = res.prop("Description", d);
    }
    let (target, target_type) = if lambda {
        let arn = field("FunctionArn");
        res = res.prop("Type", b.s("AWS_LAMBDA"));
        if let Some(a) = &arn {
            res = res.prop("LambdaConfig", b.map([("LambdaFunctionArn", a.clone())]));
        }
        (arn, "AWS::Lambda::Function")
    } else {
        res = res.prop("Type", b.s("AMAZON_DYNAMODB"));
        let mut config = Obj::new();
        config.insert(
            "AwsRegion".into(),
            field("Region").unwrap_or_else(|| b.r#ref("AWS::Region")),
        );
        for (from, to) in [
            ("TableName", "TableName"),
            ("UseCallerCredentials", "UseCallerCredentials"),
            ("Versioned", "Versioned"),
            ("DeltaSync", "DeltaSyncConfig"),
        ] {
            if let Some(v) = field(from) {
                config.insert(to.into(), v);
            }
        }
        res = res.prop("DynamoDBConfig", b.obj(config));
        (field("TableArn"), "AWS::DynamoDB::Table")
    };
    let given_role = field("ServiceRoleArn");
    res = res.prop(
        "ServiceRoleArn",
        given_role
            .clone()
            .unwrap_or_else(|| b.get_att(&role_id, "Arn")),
    );
    add(ctx, r, id.to_owned(), res);
    if given_role.is_some() {
        return;
    }
    let role = Res::new("AWS::IAM::Role", ds.span).prop(
        "AssumeRolePolicyDocument",
        role::trust_policy(b, "appsync.amazonaws.com"),
    );
    add(ctx, r, role_id.clone(), role);
    let Some(target) = target else {
        return;
    };
    let connector_id = format!("{id}To{}Connector", if lambda { "Lambda" } else { "Table" });
    let source = b.map([
        ("Type", b.s("AWS::AppSync::DataSource")),
        ("RoleName", b.r#ref(&role_id)),
    ]);
    let dest = b.map([("Type", b.s(target_type)), ("Arn", target)]);
    let permissions = field("Permissions").unwrap_or_else(|| {
        if lambda {
            b.strs(&["Write"])
        } else {
            b.strs(&["Read", "Write"])
        }
    });
    connector::connect(
        ctx,
        &connector_id,
        &source,
        &dest,
        Some(&permissions),
        Obj::new(),
        ds.span,
    );
}

#[cfg(test)]
mod tests {

    use super::super::{build, reference_message};

    use crate::transform::sam::test_support::expand_text as run;

    const HEAD: &str = "Resources:\n  A:\n    Type: AWS::Serverless::GraphQLApi\n    Properties:\n      SchemaInline: 'type Query { a: String }'\n      Auth: {Type: AWS_IAM}\n";

    #[test]
    fn a_pipeline_resolver_calls_the_api_functions_in_order() {
        let text = format!(
            "{HEAD}      Functions:\n        F: {{DataSource: NONE, InlineCode: c, Runtime: {{Name: APPSYNC_JS, Version: 1.0.0}}}}\n      Resolvers:\n        Query:\n          a: {{Pipeline: [F]}}\n"
        );
        let out = run(&text).unwrap();
        let resources = build::get(&out.root, "Resources").unwrap();
        for id in ["A", "ASchema", "ACloudWatchRole", "AF", "ANoneDataSource"] {
            assert!(build::get(resources, id).is_some(), "{id}");
        }
        let resolver = build::get(resources, "AQuerya").unwrap();
        let props = build::get(resolver, "Properties").unwrap();
        assert_eq!(
            build::get(props, "Kind").and_then(|k| k.as_str()),
            Some("PIPELINE")
        );
    }

    #[test]
    fn a_resolver_naming_an_unknown_function_is_refused_at_the_name() {
        let text =
            format!("{HEAD}      Resolvers:\n        Query:\n          a: {{Pipeline: [Nope]}}\n");
        let errors = run(&text).unwrap_err();
        let start = text.find("Nope").unwrap();
        assert_eq!(errors[0].span.start as usize, start);
        assert!(
            reference_message(&errors)
                .unwrap()
                .ends_with("Resource with id [a] is invalid. Function 'Nope' does not exist.")
        );
    }

    #[test]
    fn the_generated_resources_share_the_api_condition() {
        let text = format!("Conditions:\n  C: !Equals [a, a]\n{HEAD}");
        let text = text.replacen(
            "Type: AWS::Serverless::GraphQLApi\n",
            "Type: AWS::Serverless::GraphQLApi\n    Condition: C\n",
            1,
        );
        let out = run(&text).unwrap();
        let resources = build::get(&out.root, "Resources").unwrap();
        let schema = build::get(resources, "ASchema").unwrap();
        assert_eq!(
            build::get(schema, "Condition").and_then(|c| c.as_str()),
            Some("C")
        );
    }
}
