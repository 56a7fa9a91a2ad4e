//! The `Globals` section: properties shared by every serverless resource of a kind, merged into each
//! resource before it expands. Maps merge key by key (the resource's value wins, recursively), lists
//! concatenate (globals first), any other value (scalars, intrinsic functions) is replaced by the
//! resource's own. It never expands resources.

use indexmap::IndexMap;

use crate::source::{Mapping, Node, NodeKind};

use super::build::is_intrinsic;
use super::errors::SamError;

/// Which properties each section of `Globals` accepts, as documented for the SAM specification.
const SECTIONS: &[(&str, &str, &[&str])] = &[
    (
        "Api",
        "AWS::Serverless::Api",
        &[
            "Auth",
            "Name",
            "DefinitionUri",
            "CacheClusterEnabled",
            "CacheClusterSize",
            "MergeDefinitions",
            "Variables",
            "EndpointConfiguration",
            "MethodSettings",
            "BinaryMediaTypes",
            "MinimumCompressionSize",
            "Cors",
            "GatewayResponses",
            "AccessLogSetting",
            "CanarySetting",
            "TracingEnabled",
            "OpenApiVersion",
            "Domain",
            "AlwaysDeploy",
            "PropagateTags",
            "SecurityPolicy",
            "EndpointAccessMode",
        ],
    ),
    (
        "CapacityProvider",
        "AWS::Serverless::CapacityProvider",
        &[
            "VpcConfig",
            "OperatorRole",
            "Tags",
            "InstanceRequirements",
            "ScalingConfig",
            "KmsKeyArn",
            "PropagateTags",
        ],
    ),
    (
        "Function",
        "AWS::Serverless::Function",
        &[
            "Handler",
            "Runtime",
            "CodeUri",
            "DeadLetterQueue",
            "Description",
            "MemorySize",
            "Timeout",
            "VpcConfig",
            "Environment",
            "Tags",
            "PropagateTags",
            "Tracing",
            "KmsKeyArn",
            "AutoPublishAlias",
            "AutoPublishAliasAllProperties",
            "Layers",
            "DeploymentPreference",
            "RolePath",
            "PermissionsBoundary",
            "ReservedConcurrentExecutions",
            "ProvisionedConcurrencyConfig",
            "AssumeRolePolicyDocument",
            "EventInvokeConfig",
            "FileSystemConfigs",
            "CodeSigningConfigArn",
            "Architectures",
            "SnapStart",
            "EphemeralStorage",
            "FunctionUrlConfig",
            "RuntimeManagementConfig",
            "LoggingConfig",
            "RecursiveLoop",
            "SourceKMSKeyArn",
            "TenancyConfig",
            "DurableConfig",
            "CapacityProviderConfig",
            "FunctionScalingConfig",
            "PublishToLatestPublished",
            "VersionDeletionPolicy",
        ],
    ),
    (
        "HttpApi",
        "AWS::Serverless::HttpApi",
        &[
            "Auth",
            "AccessLogSettings",
            "StageVariables",
            "Tags",
            "CorsConfiguration",
            "DefaultRouteSettings",
            "Domain",
            "RouteSettings",
            "FailOnWarnings",
            "PropagateTags",
        ],
    ),
    (
        "LayerVersion",
        "AWS::Serverless::LayerVersion",
        &["PublishLambdaVersion"],
    ),
    (
        "SimpleTable",
        "AWS::Serverless::SimpleTable",
        &["SSESpecification"],
    ),
    (
        "StateMachine",
        "AWS::Serverless::StateMachine",
        &["PropagateTags"],
    ),
    (
        "WebSocketApi",
        "AWS::Serverless::WebSocketApi",
        &[
            "AccessLogSettings",
            "ApiKeySelectionExpression",
            "DefaultRouteSettings",
            "DisableExecuteApiEndpoint",
            "DisableSchemaValidation",
            "Domain",
            "FailOnWarnings",
            "IpAddressType",
            "PropagateTags",
            "RouteSelectionExpression",
            "RouteSettings",
            "StageVariables",
            "Tags",
        ],
    ),
];

/// The parsed `Globals` section: for each serverless resource type, the properties to merge in.
#[derive(Debug, Default)]
pub(super) struct Globals {
    by_type: IndexMap<&'static str, Mapping>,
}

impl Globals {
    /// Reads the section; unknown sections and properties are errors.
    pub fn parse(section: Option<&Node>) -> Result<Globals, Vec<SamError>> {
        let mut globals = Globals::default();
        let Some(section) = section else {
            return Ok(globals);
        };
        let Some(map) = section.as_map() else {
            return Err(vec![SamError::globals(
                section.span,
                "It must be a non-empty dictionary",
            )]);
        };
        let mut errors = Vec::new();
        for (name, entry) in map.iter() {
            let Some((_, ty, allowed)) = SECTIONS.iter().find(|(n, _, _)| *n == name) else {
                let names: Vec<&str> = SECTIONS.iter().map(|(n, _, _)| *n).collect();
                errors.push(SamError::globals(
                    entry.key_span,
                    format!(
                        "'{name}' is not supported. Must be one of the following values - {}",
                        py_list(&names)
                    ),
                ));
                continue;
            };
            let Some(props) = entry.value.as_map() else {
                errors.push(SamError::globals(
                    entry.value.span,
                    "Value of ${section} must be a dictionary".to_owned(),
                ));
                continue;
            };
            for (key, e) in props.iter() {
                if !allowed.contains(&key) {
                    errors.push(SamError::globals(
                        e.key_span,
                        format!(
                            "'{key}' is not a supported property of '{name}'. Must be one of the following values - {}",
                            py_list(allowed)
                        ),
                    ));
                }
            }
            globals.by_type.insert(ty, props.clone());
        }
        if errors.is_empty() {
            Ok(globals)
        } else {
            // The translator stops at the first problem of the section.
            errors.truncate(1);
            Err(errors)
        }
    }

    /// `properties` of a resource of type `ty` with the globals merged in; `ignore` names globals the
    /// resource opts out of (`IgnoreGlobals`), `None` meaning all of them.
    pub fn apply(&self, ty: &str, properties: &Node, ignore: Option<&[String]>) -> Node {
        let Some(globals) = self.by_type.get(ty) else {
            return properties.clone();
        };
        let Some(local) = properties.as_map() else {
            return properties.clone();
        };
        let Some(ignore) = ignore else {
            return properties.clone();
        };
        let mut out = Mapping::new();
        for (k, e) in globals.iter() {
            if ignore.iter().any(|i| i == k) {
                continue;
            }
            let value = match local.get(k) {
                Some(mine) => merge(&e.value, mine),
                None => e.value.clone(),
            };
            let key_span = local.get_entry(k).map_or(e.key_span, |l| l.key_span);
            let _ = out.insert(k.to_owned(), key_span, value);
        }
        for (k, e) in local.iter() {
            if out.get(k).is_none() {
                let _ = out.insert(k.to_owned(), e.key_span, e.value.clone());
            }
        }
        Node::new(properties.span, NodeKind::Map(out))
    }
}

/// One global value merged with a resource's own value for the same property.
fn merge(global: &Node, local: &Node) -> Node {
    if is_intrinsic(global) || is_intrinsic(local) {
        return local.clone();
    }
    match (&global.kind, &local.kind) {
        (NodeKind::Map(g), NodeKind::Map(l)) => {
            let mut out = Mapping::new();
            for (k, e) in g.iter() {
                let value = match l.get(k) {
                    Some(mine) => merge(&e.value, mine),
                    None => e.value.clone(),
                };
                let _ = out.insert(k.to_owned(), e.key_span, value);
            }
            for (k, e) in l.iter() {
                if g.get(k).is_none() {
                    let _ = out.insert(k.to_owned(), e.key_span, e.value.clone());
                }
            }
            Node::new(local.span, NodeKind::Map(out))
        }
        (NodeKind::Seq(g), NodeKind::Seq(l)) => {
            let items = g.iter().chain(l.iter()).cloned().collect();
            Node::new(local.span, NodeKind::Seq(items))
        }
        _ => local.clone(),
    }
}

/// A list of names written the way the translator's messages write them: `['A', 'B']`.
pub(super) fn py_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    format!("[{}]", quoted.join(", "))
}
