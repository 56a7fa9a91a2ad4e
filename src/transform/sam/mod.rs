//! `AWS::Serverless-2016-10-31`: expands SAM's serverless resources (`AWS::Serverless::Function`, `Api`,
//! `HttpApi`, `WebSocketApi`, `StateMachine`, `SimpleTable`, `LayerVersion`, `Connector`...) into the plain
//! CloudFormation AWS's translator would produce, with the same generated logical ids (including the hashed
//! ones), so a SAM application validates, plans and deploys like any other stack. Each concept has its own
//! file: `globals.rs` merges the `Globals` section, `properties.rs` checks each type's properties,
//! `function.rs` expands a function (with `code.rs`, `role.rs`, `policies.rs`, `version.rs`,
//! `deployment.rs`, `function_url.rs`, `event_invoke.rs`, and `events/` for its event sources), `api.rs`,
//! `api_body.rs`, `api_conditions.rs`, `api_definition.rs`, `api_auth.rs`, `api_authorizer.rs`, `api_domain.rs`,
//! `api_implicit.rs`, `api_policy.rs`, `api_merge.rs`, `api_models.rs`, `api_openapi.rs` and `api_usage_plan.rs` REST APIs,
//! `httpapi.rs` (with `httpapi_auth.rs`, `httpapi_cors.rs`, `httpapi_definition.rs` and
//! `httpapi_routes.rs`), `websocket.rs`, `state_machine.rs` (with `state_machine_alias.rs`),
//! `simple_table.rs`, `layer.rs`, `application.rs`, `capacity_provider.rs`, `graphql.rs` (with
//! `graphql_pipeline.rs`) and `connector.rs` (with `connector_ends.rs`) the other types, `implicit_api.rs`
//! what functions and state machines pass on to the implicit APIs (tags, deletion policies), `refs.rs`
//! the `Resource.Property` references, `ids.rs`, `py27.rs` and `swagger.rs` the hashed logical ids,
//! `errors.rs` the translator's error sentences.
//!
//! It runs after `AWS::LanguageExtensions` and never evaluates the template: it resolves only what the
//! translator resolves itself (parameter values in a few properties), leaves every other intrinsic in
//! place, and gives each node it creates the span of the SAM resource or property it comes from.
//!
//! Diagnostics of this stage:
//!
//! | code | meaning |
//! | --- | --- |
//! | `E6301` | a serverless resource is invalid (the translator's "Resource with id [X] is invalid") |
//! | `E6302` | an event source of a serverless resource is invalid |
//! | `E6303` | the template's structure is invalid for the SAM transform |
//! | `E6304` | the `Globals` section is invalid |
//! | `E6305` | a SAM resource type or feature this version does not expand yet |
//! | `E6306` | a generated resource whose logical id is taken already |
//! | `E6307` | a value the transform needs that is not known yet (a parameter without a value, a local path) |

mod api;
mod api_auth;
mod api_authorizer;
mod api_body;
mod api_conditions;
mod api_definition;
mod api_domain;
mod api_implicit;
mod api_merge;
mod api_models;
mod api_openapi;
mod api_policy;
mod api_usage_plan;
mod application;
mod build;
mod capacity_provider;
mod code;
pub mod codes;
mod connector;
mod connector_ends;
mod deployment;
mod errors;
mod event_invoke;
mod events;
mod function;
mod function_url;
mod globals;
mod graphql;
mod graphql_pipeline;
mod httpapi;
mod httpapi_auth;
mod httpapi_conditions;
mod httpapi_cors;
mod httpapi_definition;
mod httpapi_routes;
mod ids;
mod implicit_api;
mod layer;
mod params;
mod policies;
mod properties;
mod py27;
mod refs;
mod role;
mod simple_table;
mod state_machine;
mod state_machine_alias;
mod swagger;
#[cfg(test)]
mod test_support;
mod version;
mod websocket;

use indexmap::IndexMap;

pub use application::ApplicationLookup;
pub use errors::reference_message;

use crate::source::{Diagnostic, Document, Mapping, Node, NodeKind, SourceMap, Span};

use super::ExpandOptions;
use build::B;
use errors::SamError;
use globals::Globals;

/// The transform name this module applies.
pub const SERVERLESS: &str = "AWS::Serverless-2016-10-31";

/// Everything one expansion reads and writes.
struct Ctx<'a> {
    /// The template's resources as written.
    pub input: &'a Mapping,
    pub params: params::Params,
    pub partition: String,
    pub globals: Globals,
    /// The output resources, in order.
    pub out: IndexMap<String, Node>,
    pub errors: Vec<SamError>,
    /// Changes event sources ask of resources written in the template.
    pub pending: events::Pending,
    /// Serverless layers by logical id → the id of the layer version generated for them.
    pub layers: IndexMap<String, String>,
    /// SAM resource references (`Function.Alias`) → the generated ids they stand for.
    pub refs: refs::RefMap,
    /// `Api` events of every function, by the API they attach to.
    pub api_events: IndexMap<String, Vec<api::ApiEvent>>,
    /// `HttpApi` events of every function, by the HTTP API they attach to.
    pub http_events: IndexMap<String, Vec<httpapi::HttpEvent>>,
    /// Connector policies from a source to a function, for the event source mappings that must wait on them.
    pub mapping_links: Vec<(String, String, String)>,
    /// Answers for nested applications of the Serverless Application Repository, when the caller has them.
    pub applications: Option<ApplicationLookup>,
    /// Conditions the transform adds to the template's `Conditions`.
    pub conditions: IndexMap<String, Node>,
    /// Every generated resource takes on the `Metadata` of the serverless resource it comes from.
    pub passthrough_metadata: bool,
}

impl Ctx<'_> {
    /// Adds a generated resource; an id already taken is an error on `origin`.
    pub fn add(&mut self, origin: &str, id: String, res: build::Res) {
        if self.out.contains_key(&id) || (self.input.get(&id).is_some() && id != origin) {
            let span = res.span;
            let ty = res.ty.clone();
            self.errors.push(SamError {
                code: codes::ID_CLASH,
                subject: errors::Subject::Structure,
                message: format!(
                    "Transforming resource with id [{origin}] attempts to create a new resource with id [{id}] and type \"{ty}\". A resource with that id already exists within this template. Please use a different id for that resource."
                ),
                span,
            });
            return;
        }
        let mut res = res;
        if self.passthrough_metadata
            && !res.attrs.contains_key("Metadata")
            // The deployment group belongs to the function's deployment preference.
            && res.ty != "AWS::CodeDeploy::DeploymentGroup"
            && let Some(m) = self.input.get(origin).and_then(|r| build::get(r, "Metadata"))
            && self.input_type(origin).is_some_and(|t| t.starts_with("AWS::Serverless::"))
        {
            res.attrs.insert("Metadata".into(), m.clone());
        }
        self.out.insert(id, res.node());
    }

    /// The type of input resource `id`, if it exists.
    pub fn input_type(&self, id: &str) -> Option<&str> {
        self.input
            .get(id)
            .and_then(|r| build::get(r, "Type"))
            .and_then(Node::as_str)
    }
}

/// Expands every serverless resource of `doc`. The result keeps all other sections and resources as
/// written, without `Transform` and `Globals`.
pub fn expand(
    doc: &Document,
    _sources: &SourceMap,
    options: &ExpandOptions,
) -> Result<Document, Vec<Diagnostic>> {
    let root_span = doc.root.span;
    let Some(root) = doc.root.as_map() else {
        return Err(errors::into_diagnostics(vec![SamError::structure(
            root_span,
            "'Resources' section is required",
        )]));
    };
    let input = match root.get("Resources") {
        Some(Node {
            kind: NodeKind::Map(m),
            ..
        }) if !m.is_empty() => m,
        other => {
            let span = other.map_or(root_span, |n| n.span);
            return Err(errors::into_diagnostics(vec![SamError::structure(
                span,
                "'Resources' section is required",
            )]));
        }
    };
    // The translator refuses some templates before expanding anything, reporting only that.
    if let Some(e) = properties::first_unmapped_properties(input) {
        return Err(errors::into_diagnostics(vec![e]));
    }
    for early in [events::check_api_events, events::check_http_events] {
        let errors = early(input);
        if !errors.is_empty() {
            return Err(errors::into_diagnostics(errors));
        }
    }
    let globals = Globals::parse(root.get("Globals")).map_err(errors::into_diagnostics)?;
    let params = params::Params::new(root, options).map_err(errors::into_diagnostics)?;
    let partition = params.partition();
    let mut ctx = Ctx {
        input,
        params,
        partition,
        globals,
        out: IndexMap::new(),
        errors: Vec::new(),
        pending: events::Pending::default(),
        layers: IndexMap::new(),
        refs: refs::RefMap::new(),
        api_events: IndexMap::new(),
        http_events: IndexMap::new(),
        mapping_links: Vec::new(),
        applications: options.applications.clone(),
        conditions: IndexMap::new(),
        passthrough_metadata: options.sam_passthrough_metadata,
    };
    ctx.api_events = api::collect(&ctx);
    ctx.http_events = httpapi::collect(&ctx);
    for (id, entry) in input.iter() {
        // A resource written with the id of an implicit API that events create gives way to that API.
        if (id == api::IMPLICIT && ctx.api_events.contains_key(id))
            || (id == httpapi::IMPLICIT && ctx.http_events.contains_key(id))
        {
            continue;
        }
        expand_one(&mut ctx, id, &entry.value);
    }
    api::finish(&mut ctx);
    httpapi::finish(&mut ctx);
    events::finish(&mut ctx);
    connector::order_mappings(&mut ctx);
    if !ctx.errors.is_empty() {
        return Err(errors::into_diagnostics(ctx.errors));
    }
    let mut out = ctx.out;
    if !ctx.layers.is_empty() {
        for node in out.values_mut() {
            *node = layer::rewrite_resource(node, &ctx.layers);
        }
    }
    if !ctx.refs.is_empty() {
        for node in out.values_mut() {
            *node = refs::rewrite(node, &ctx.refs);
        }
    }
    Ok(Document {
        root: assemble(root, root_span, out, ctx.conditions, &ctx.refs),
    })
}

/// Expands one input resource into `ctx.out` (or copies it when it is not a serverless resource).
fn expand_one(ctx: &mut Ctx, id: &str, resource: &Node) {
    let ty = build::get(resource, "Type")
        .and_then(Node::as_str)
        .unwrap_or("");
    if build::get(resource, "Connectors").is_some() {
        connector::expand_embedded(ctx, id, resource);
    }
    if !ty.starts_with("AWS::Serverless::") {
        if !ctx.out.contains_key(id) {
            ctx.out.insert(id.to_owned(), without_connectors(resource));
        }
        return;
    }
    let props = match build::get(resource, "Properties") {
        None => Node::new(resource.span, NodeKind::Map(Mapping::new())),
        Some(p) if p.as_map().is_some() => p.clone(),
        Some(p) => {
            // Types the translator reads with its newer parser word it differently.
            let message = match ty {
                "AWS::Serverless::Connector" | "AWS::Serverless::GraphQLApi" => {
                    "Properties of a resource must be an object."
                }
                _ => "Attribute 'Properties' should be a map.",
            };
            ctx.errors.push(SamError::resource(id, p.span, message));
            return;
        }
    };
    // `IgnoreGlobals` is a resource attribute (also accepted among the properties).
    let ignore = match build::get(resource, "IgnoreGlobals") {
        Some(attr) => ignored_globals(&B::new(attr.span).map([("IgnoreGlobals", attr.clone())])),
        None => ignored_globals(&props),
    };
    let props = ctx.globals.apply(ty, &props, ignore.as_deref());
    let r = Serverless {
        id,
        node: resource,
        props: &props,
    };
    if let Some(e) = properties::check(&r, ty) {
        ctx.errors.push(e);
        return;
    }
    match ty {
        "AWS::Serverless::Function" => function::expand(ctx, &r),
        "AWS::Serverless::SimpleTable" => simple_table::expand(ctx, &r),
        "AWS::Serverless::LayerVersion" => layer::expand(ctx, &r),
        "AWS::Serverless::Api" => api::expand(ctx, &r),
        "AWS::Serverless::StateMachine" => state_machine::expand(ctx, &r),
        "AWS::Serverless::HttpApi" => httpapi::expand(ctx, &r),
        "AWS::Serverless::Connector" => connector::expand(ctx, &r),
        "AWS::Serverless::WebSocketApi" => websocket::expand(ctx, &r),
        "AWS::Serverless::Application" => application::expand(ctx, &r),
        "AWS::Serverless::CapacityProvider" => capacity_provider::expand(ctx, &r),
        "AWS::Serverless::GraphQLApi" => graphql::expand(ctx, &r),
        _ => ctx.errors.push(SamError::unsupported(
            id,
            build::get(resource, "Type").map_or(resource.span, |t| t.span),
            format!("resource type {ty} is not expanded yet"),
        )),
    }
}

/// A resource without its embedded `Connectors` (they expand into resources of their own).
fn without_connectors(resource: &Node) -> Node {
    if build::get(resource, "Connectors").is_none() {
        return resource.clone();
    }
    let mut top = build::to_obj(resource);
    top.shift_remove("Connectors");
    B::new(resource.span).obj(top)
}

/// The globals a resource opts out of with `IgnoreGlobals`: `None` for `'*'` (all of them).
fn ignored_globals(props: &Node) -> Option<Vec<String>> {
    match build::get(props, "IgnoreGlobals") {
        Some(n) if n.as_str() == Some("*") => None,
        Some(n) => Some(
            n.as_seq()
                .unwrap_or_default()
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect(),
        ),
        None => Some(Vec::new()),
    }
}

/// One serverless resource being expanded: its logical id, its node and its properties (globals merged).
struct Serverless<'a> {
    pub id: &'a str,
    pub node: &'a Node,
    pub props: &'a Node,
}

impl Serverless<'_> {
    pub fn prop(&self, key: &str) -> Option<&Node> {
        build::get(self.props, key)
    }

    /// The span of property `key`, or of the resource when it is absent.
    pub fn span_of(&self, key: &str) -> Span {
        self.prop(key).map_or(self.node.span, |n| n.span)
    }

    pub fn attr(&self, key: &str) -> Option<&Node> {
        build::get(self.node, key)
    }

    /// The resource attributes copied onto every resource generated from this one.
    pub fn passed_attrs(&self, keys: &[&str]) -> build::Obj {
        keys.iter()
            .filter_map(|k| self.attr(k).map(|v| ((*k).to_owned(), v.clone())))
            .collect()
    }

    pub fn b(&self) -> B {
        B::new(self.node.span)
    }
}

/// The output template: the input's sections in order, `Resources` replaced, `Transform` and `Globals`
/// dropped.
fn assemble(
    root: &Mapping,
    span: Span,
    resources: IndexMap<String, Node>,
    conditions: IndexMap<String, Node>,
    refs: &refs::RefMap,
) -> Node {
    let mut out = Mapping::new();
    for (k, e) in root.iter() {
        match k {
            "Transform" | "Globals" => {}
            "Conditions" if !conditions.is_empty() => {
                let mut all = build::to_obj(&e.value);
                all.extend(conditions.clone());
                let b = B::new(e.value.span);
                let _ = out.insert(k.to_owned(), e.key_span, b.obj(all));
            }
            "Resources" => {
                let b = B::new(e.value.span);
                let _ = out.insert(k.to_owned(), e.key_span, b.map(resources.clone()));
            }
            // Outputs may name what the transform generated (`!Ref MyFunction.Alias`).
            "Outputs" if !refs.is_empty() => {
                let _ = out.insert(k.to_owned(), e.key_span, refs::rewrite(&e.value, refs));
            }
            _ => {
                let _ = out.insert(k.to_owned(), e.key_span, e.value.clone());
            }
        }
    }
    Node::new(span, NodeKind::Map(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::transform::sam::test_support::expand_text as run;

    fn resource<'a>(doc: &'a Document, id: &str) -> &'a Node {
        build::get(build::get(&doc.root, "Resources").unwrap(), id).unwrap()
    }

    const HEAD: &str = "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: h\n      Runtime: python3.12\n";

    #[test]
    fn a_function_expands_into_a_function_and_its_role_with_the_resource_span() {
        let text = format!("{HEAD}      CodeUri: s3://b/k.zip\n");
        let out = run(&text).unwrap();
        let f = resource(&out, "F");
        assert_eq!(
            build::get(f, "Type").unwrap().as_str(),
            Some("AWS::Lambda::Function")
        );
        assert_eq!(resource(&out, "FRole").span, f.span);
        let start = text.find("Type: AWS::Serverless::Function").unwrap();
        assert_eq!(f.span.start as usize, start);
        assert!(build::get(&out.root, "Transform").is_none());
    }

    #[test]
    fn an_invalid_code_uri_is_reported_at_the_property() {
        let text = format!("{HEAD}      CodeUri: http://example.com/k.zip\n");
        let errors = run(&text).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code, codes::INVALID_RESOURCE);
        let start = text.find("http://").unwrap();
        assert_eq!(
            (errors[0].span.start as usize, errors[0].span.end as usize),
            (start, start + 24)
        );
        assert_eq!(
            reference_message(&errors).unwrap(),
            "Invalid Serverless Application Specification document. Number of errors found: 1. Resource with id [F] is invalid. 'CodeUri' is not a valid S3 Uri of the form 's3://bucket/key' with optional versionId query parameter."
        );
    }

    #[test]
    fn an_unknown_global_is_reported_at_its_key() {
        let text = format!("Globals:\n  Function:\n    Nope: 1\n{HEAD}      CodeUri: s3://b/k\n");
        let errors = run(&text).unwrap_err();
        assert_eq!(errors[0].code, codes::INVALID_GLOBALS);
        let start = text.find("Nope").unwrap();
        assert_eq!(
            (errors[0].span.start as usize, errors[0].span.end as usize),
            (start, start + 4)
        );
    }

    #[test]
    fn globals_merge_maps_concatenate_lists_and_let_the_resource_win() {
        let text = format!(
            "Globals:\n  Function:\n    Timeout: 3\n    Layers: [g]\n    Environment: {{Variables: {{A: g, B: g}}}}\n{HEAD}      CodeUri: s3://b/k\n      Timeout: 9\n      Layers: [l]\n      Environment: {{Variables: {{B: l}}}}\n"
        );
        let out = run(&text).unwrap();
        let props = build::get(resource(&out, "F"), "Properties").unwrap();
        assert_eq!(
            build::get(props, "Timeout")
                .unwrap()
                .scalar_text()
                .as_deref(),
            Some("9")
        );
        let layers: Vec<_> = build::get(props, "Layers")
            .unwrap()
            .as_seq()
            .unwrap()
            .iter()
            .filter_map(Node::as_str)
            .collect();
        assert_eq!(layers, ["g", "l"]);
        let vars = build::get(build::get(props, "Environment").unwrap(), "Variables").unwrap();
        assert_eq!(build::get(vars, "A").unwrap().as_str(), Some("g"));
        assert_eq!(build::get(vars, "B").unwrap().as_str(), Some("l"));
    }

    #[test]
    fn a_local_code_path_is_a_warning_not_an_error() {
        let text = format!("{HEAD}      CodeUri: ./src\n");
        let errors = run(&text).unwrap_err();
        assert_eq!(errors[0].code, codes::NEEDS_INPUT);
        assert!(!errors[0].is_error());
    }

    #[test]
    fn ignore_globals_is_read_as_a_resource_attribute() {
        let text = "Globals:\n  Function:\n    Timeout: 3\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    IgnoreGlobals: [Timeout]\n    Properties:\n      Handler: h\n      Runtime: python3.12\n      CodeUri: s3://b/k\n";
        let out = run(text).unwrap();
        let props = build::get(resource(&out, "F"), "Properties").unwrap();
        assert!(build::get(props, "Timeout").is_none());
        assert!(build::get(resource(&out, "F"), "IgnoreGlobals").is_none());
    }

    #[test]
    fn a_role_given_only_in_one_branch_is_generated_under_the_other() {
        let text = "Parameters:\n  R: {Type: String}\nConditions:\n  C: !Equals ['', !Ref R]\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: h\n      Runtime: python3.12\n      CodeUri: s3://b/k\n      Role: !If [C, !Ref R, !Ref AWS::NoValue]\n";
        let out = run(text).unwrap();
        let role = resource(&out, "FRole");
        assert_eq!(
            build::get(role, "Condition").and_then(Node::as_str),
            Some("NOTC")
        );
        let conditions = build::get(&out.root, "Conditions").unwrap();
        assert!(build::get(conditions, "NOTC").is_some());
    }

    #[test]
    fn outputs_naming_a_generated_alias_are_rewritten() {
        let text = format!(
            "{HEAD}      CodeUri: s3://b/k\n      AutoPublishAlias: live\nOutputs:\n  A:\n    Value: !Ref F.Alias\n  N:\n    Value: !Sub '${{F.Alias.Name}}'\n"
        );
        let out = run(&text).unwrap();
        let outputs = build::get(&out.root, "Outputs").unwrap();
        let a = build::get(build::get(outputs, "A").unwrap(), "Value").unwrap();
        assert_eq!(
            build::get(a, "Ref").and_then(Node::as_str),
            Some("FAliaslive")
        );
        let n = build::get(build::get(outputs, "N").unwrap(), "Value").unwrap();
        assert_eq!(
            build::get(n, "Fn::Sub").and_then(Node::as_str),
            Some("${FAliaslive.Name}")
        );
    }
}
