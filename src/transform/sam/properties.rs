//! The properties each serverless resource type accepts (as the SAM specification lists them) and the
//! checks every resource gets before it expands: unknown properties, `IgnoreGlobals`, resource attributes
//! of the wrong kind. It never expands anything.

use crate::source::{Mapping, Node, NodeKind};

use super::errors::SamError;
use super::{Serverless, build::get, build::is_intrinsic};

/// Types whose `Properties` must be a mapping before anything else is looked at: the first resource (in
/// template order) breaking it is the only error the translator reports. Connectors and GraphQL APIs
/// are checked with the other resources.
const PARSED_FIRST: &[&str] = &[
    "AWS::Serverless::Function",
    "AWS::Serverless::Api",
    "AWS::Serverless::HttpApi",
    "AWS::Serverless::WebSocketApi",
    "AWS::Serverless::StateMachine",
    "AWS::Serverless::SimpleTable",
    "AWS::Serverless::LayerVersion",
    "AWS::Serverless::Application",
    "AWS::Serverless::CapacityProvider",
];

/// The first resource of a type in [`PARSED_FIRST`] whose `Properties` are written but not a mapping.
pub(super) fn first_unmapped_properties(input: &Mapping) -> Option<SamError> {
    input.iter().find_map(|(id, entry)| {
        let ty = get(&entry.value, "Type").and_then(Node::as_str)?;
        let props = get(&entry.value, "Properties")?;
        (PARSED_FIRST.contains(&ty) && props.as_map().is_none())
            .then(|| SamError::resource(id, props.span, "Attribute 'Properties' should be a map."))
    })
}

/// Accepted properties by type; types not listed are not checked here.
const PROPERTIES: &[(&str, &[&str])] = &[
    (
        "AWS::Serverless::CapacityProvider",
        &[
            "CapacityProviderName",
            "InstanceRequirements",
            "KmsKeyArn",
            "OperatorRole",
            "PropagateTags",
            "ScalingConfig",
            "Tags",
            "VpcConfig",
        ],
    ),
    (
        "AWS::Serverless::Function",
        &[
            "Architectures",
            "AssumeRolePolicyDocument",
            "AutoPublishAlias",
            "AutoPublishAliasAllProperties",
            "AutoPublishCodeSha256",
            "CapacityProviderConfig",
            "CodeSigningConfigArn",
            "CodeUri",
            "DeadLetterQueue",
            "DeploymentPreference",
            "Description",
            "DurableConfig",
            "Environment",
            "EphemeralStorage",
            "EventInvokeConfig",
            "Events",
            "FileSystemConfigs",
            "FunctionName",
            "FunctionScalingConfig",
            "FunctionUrlConfig",
            "Handler",
            "ImageConfig",
            "ImageUri",
            "InlineCode",
            "KmsKeyArn",
            "Layers",
            "LoggingConfig",
            "MemorySize",
            "PackageType",
            "PermissionsBoundary",
            "Policies",
            "PropagateTags",
            "ProvisionedConcurrencyConfig",
            "PublishToLatestPublished",
            "RecursiveLoop",
            "ReservedConcurrentExecutions",
            "Role",
            "RolePath",
            "Runtime",
            "RuntimeManagementConfig",
            "SnapStart",
            "SourceKMSKeyArn",
            "Tags",
            "TenancyConfig",
            "Timeout",
            "Tracing",
            "VersionDeletionPolicy",
            "VersionDescription",
            "VpcConfig",
            "IgnoreGlobals",
        ],
    ),
    (
        "AWS::Serverless::Api",
        &[
            "AccessLogSetting",
            "AlwaysDeploy",
            "ApiKeySourceType",
            "Auth",
            "BinaryMediaTypes",
            "CacheClusterEnabled",
            "CacheClusterSize",
            "CanarySetting",
            "Cors",
            "DefinitionBody",
            "DefinitionUri",
            "Description",
            "DisableExecuteApiEndpoint",
            "Domain",
            "EndpointAccessMode",
            "EndpointConfiguration",
            "FailOnWarnings",
            "GatewayResponses",
            "MergeDefinitions",
            "MethodSettings",
            "MinimumCompressionSize",
            "Mode",
            "Models",
            "Name",
            "OpenApiVersion",
            "Policy",
            "PropagateTags",
            "SecurityPolicy",
            "StageName",
            "Tags",
            "TracingEnabled",
            "Variables",
            "IgnoreGlobals",
        ],
    ),
    (
        "AWS::Serverless::SimpleTable",
        &[
            "PointInTimeRecoverySpecification",
            "PrimaryKey",
            "ProvisionedThroughput",
            "SSESpecification",
            "TableName",
            "Tags",
            "IgnoreGlobals",
        ],
    ),
    (
        "AWS::Serverless::LayerVersion",
        &[
            "CompatibleArchitectures",
            "CompatibleRuntimes",
            "ContentUri",
            "Description",
            "LayerName",
            "LicenseInfo",
            "PublishLambdaVersion",
            "RetentionPolicy",
            "IgnoreGlobals",
        ],
    ),
    (
        "AWS::Serverless::WebSocketApi",
        &[
            "AccessLogSettings",
            "ApiKeySelectionExpression",
            "Auth",
            "DefaultRouteSettings",
            "Description",
            "DisableExecuteApiEndpoint",
            "DisableSchemaValidation",
            "Domain",
            "FailOnWarnings",
            "IpAddressType",
            "Name",
            "PropagateTags",
            "RouteSelectionExpression",
            "RouteSettings",
            "Routes",
            "StageName",
            "StageVariables",
            "Tags",
            "IgnoreGlobals",
        ],
    ),
    (
        "AWS::Serverless::HttpApi",
        &[
            "AccessLogSettings",
            "Auth",
            "CorsConfiguration",
            "DefaultRouteSettings",
            "DefinitionBody",
            "DefinitionUri",
            "Description",
            "DisableExecuteApiEndpoint",
            "Domain",
            "FailOnWarnings",
            "IpAddressType",
            "Name",
            "PropagateTags",
            "RouteSettings",
            "StageName",
            "StageVariables",
            "Tags",
            "IgnoreGlobals",
        ],
    ),
    (
        "AWS::Serverless::Connector",
        &["Source", "Destination", "Permissions", "SourceReference"],
    ),
    (
        "AWS::Serverless::StateMachine",
        &[
            "AutoPublishAlias",
            "Definition",
            "DefinitionSubstitutions",
            "DefinitionUri",
            "DeploymentPreference",
            "Events",
            "Logging",
            "Name",
            "PermissionsBoundary",
            "Policies",
            "PropagateTags",
            "Role",
            "RolePath",
            "Tags",
            "Tracing",
            "Type",
            "UseAliasAsEventTarget",
            "IgnoreGlobals",
        ],
    ),
];

/// Properties whose value must be a list, or a mapping, when written literally.
const LISTS: &[&str] = &[
    "Layers",
    "Architectures",
    "CompatibleRuntimes",
    "CompatibleArchitectures",
];
const MAPS: &[&str] = &["Events"];
const BOOLEANS: &[&str] = &["AutoPublishAliasAllProperties"];
/// Properties that must be a mapping when written literally, checked with this wording, by type.
const MAPS_BY_TYPE: &[(&str, &[&str])] = &[
    ("AWS::Serverless::Function", &["DeadLetterQueue", "Tags"]),
    ("AWS::Serverless::StateMachine", &["Logging", "Tracing"]),
    ("AWS::Serverless::WebSocketApi", &["Tags"]),
    (
        "AWS::Serverless::HttpApi",
        &[
            "AccessLogSettings",
            "DefaultRouteSettings",
            "RouteSettings",
            "StageVariables",
            "Tags",
            "Domain",
        ],
    ),
];

/// The first problem with resource `r` of type `ty`, if any.
pub(super) fn check(r: &Serverless, ty: &str) -> Option<SamError> {
    if let Some(e) = check_attributes(r) {
        return Some(e);
    }
    let allowed = PROPERTIES.iter().find(|(t, _)| *t == ty)?.1;
    let props = r.props.as_map()?;
    for (key, entry) in props.iter() {
        if !allowed.contains(&key) {
            return Some(SamError::resource(
                r.id,
                entry.key_span,
                format!("property {key} not defined for resource of type {ty}"),
            ));
        }
        let v = &entry.value;
        // Booleans are read as written: an intrinsic function there is not a boolean.
        if is_intrinsic(v) && !BOOLEANS.contains(&key) {
            continue;
        }
        if MAPS_BY_TYPE
            .iter()
            .any(|(t, keys)| *t == ty && keys.contains(&key))
            && !matches!(v.kind, NodeKind::Map(_))
        {
            return Some(SamError::resource(
                r.id,
                v.span,
                format!("Property '{key}' should be a map."),
            ));
        }
        if ty == "AWS::Serverless::Function" && key == "Role" && v.as_str().is_none() {
            return Some(SamError::resource(
                r.id,
                v.span,
                "Property 'Role' should be a string.",
            ));
        }
        let scalar = matches!(v.kind, NodeKind::String(_) | NodeKind::Map(_));
        let function = ty == "AWS::Serverless::Function";
        let wrong = (LISTS.contains(&key) && !matches!(v.kind, NodeKind::Seq(_)))
            || (function && key == "AutoPublishAlias" && !scalar)
            || (function && key == "Environment" && !matches!(v.kind, NodeKind::Map(_)))
            || (ty == "AWS::Serverless::HttpApi" && http_api_kind_wrong(key, &v.kind))
            || (ty == "AWS::Serverless::WebSocketApi"
                && key == "StageName"
                && !matches!(v.kind, NodeKind::String(_)))
            || (ty == "AWS::Serverless::SimpleTable"
                && matches!(
                    key,
                    "PrimaryKey" | "ProvisionedThroughput" | "SSESpecification"
                )
                && !matches!(v.kind, NodeKind::Map(_)))
            || (function
                && key == "Policies"
                && !matches!(
                    v.kind,
                    NodeKind::String(_) | NodeKind::Seq(_) | NodeKind::Map(_)
                ))
            || (MAPS.contains(&key) && !matches!(v.kind, NodeKind::Map(_) | NodeKind::Null))
            || (BOOLEANS.contains(&key) && !matches!(v.kind, NodeKind::Bool(_)));
        if wrong {
            return Some(SamError::resource(
                r.id,
                v.span,
                format!("Type of property '{key}' is invalid."),
            ));
        }
    }
    None
}

/// `Condition` must name a condition, `DependsOn` one resource or a list of them.
fn check_attributes(r: &Serverless) -> Option<SamError> {
    if let Some(c) = r.attr("Condition")
        && c.as_str().is_none()
    {
        return Some(SamError::structure(
            c.span,
            "Every Condition member must be a string.",
        ));
    }
    if let Some(d) = r.attr("DependsOn") {
        let ok = match &d.kind {
            NodeKind::String(_) => true,
            NodeKind::Seq(items) => items.iter().all(|i| i.as_str().is_some()),
            _ => false,
        };
        if !ok {
            return Some(SamError::resource(
                r.id,
                d.span,
                "Invalid type for field 'DependsOn'. Expected a string or list of strings.",
            ));
        }
    }
    None
}

/// Whether an HTTP API property checked with "Type of property" wording has the wrong kind of value.
fn http_api_kind_wrong(key: &str, v: &NodeKind) -> bool {
    match key {
        "CorsConfiguration" => !matches!(v, NodeKind::Bool(_) | NodeKind::Map(_)),
        "StageName" => !matches!(v, NodeKind::String(_)),
        "FailOnWarnings" => !matches!(v, NodeKind::Bool(_)),
        "DefinitionUri" => !matches!(v, NodeKind::String(_) | NodeKind::Map(_)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::first_unmapped_properties;
    use crate::transform::sam::test_support::loaded;

    #[test]
    fn the_first_serverless_resource_with_unmapped_properties_is_reported_at_them() {
        let text = "C:\n  Type: AWS::Serverless::Connector\n  Properties: 1\nA:\n  Type: AWS::Serverless::Api\n  Properties: [x]\nB:\n  Type: AWS::Serverless::Function\n  Properties: 5\n";
        let doc = loaded(text);
        let e = first_unmapped_properties(doc.root.as_map().expect("a mapping")).expect("found");
        let start = text.find("[x]").unwrap();
        assert_eq!(
            (e.span.start as usize, e.span.end as usize),
            (start, start + 3)
        );
        assert_eq!(e.message, "Attribute 'Properties' should be a map.");
    }
}
