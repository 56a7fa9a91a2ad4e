//! Polled event sources: SQS, Kinesis, DynamoDB streams, MSK, Amazon MQ, DocumentDB and self-managed Kafka
//! become an `AWS::Lambda::EventSourceMapping` named `<Function><Event>`, and add to the function's role the
//! managed policy (or inline policy) that lets Lambda read the source.

use crate::source::{Node, NodeKind};

use super::super::build::{Obj, Res, get, is_intrinsic};
use super::super::errors::SamError;
use super::super::function::Target;
use super::super::policies::managed_arn;
use super::super::{Ctx, Serverless};
use super::{Event, copy};

/// Event properties copied to the mapping as they are.
const PASSTHROUGH: &[&str] = &[
    "BatchSize",
    "Enabled",
    "StartingPosition",
    "StartingPositionTimestamp",
    "MaximumBatchingWindowInSeconds",
    "MaximumRetryAttempts",
    "BisectBatchOnFunctionError",
    "MaximumRecordAgeInSeconds",
    "ParallelizationFactor",
    "Topics",
    "Queues",
    "SourceAccessConfigurations",
    "TumblingWindowInSeconds",
    "FunctionResponseTypes",
    "FilterCriteria",
    "ScalingConfig",
    "KmsKeyArn",
    "MetricsConfig",
    "ProvisionedPollerConfig",
    "SelfManagedEventSource",
    "SelfManagedKafkaEventSourceConfig",
    "AmazonManagedKafkaEventSourceConfig",
    "DocumentDBEventSourceConfig",
    "LoggingConfig",
];

pub(in super::super) fn mapping(
    ctx: &mut Ctx,
    r: &Serverless,
    target: &mut Target,
    ev: &Event,
    ty: &str,
) -> Result<(), String> {
    let (source_key, policy) = match ty {
        "SQS" => ("Queue", Some("service-role/AWSLambdaSQSQueueExecutionRole")),
        "Kinesis" => ("Stream", Some("service-role/AWSLambdaKinesisExecutionRole")),
        "DynamoDB" => (
            "Stream",
            Some("service-role/AWSLambdaDynamoDBExecutionRole"),
        ),
        "MSK" => ("Stream", Some("service-role/AWSLambdaMSKExecutionRole")),
        "MQ" => ("Broker", None),
        "DocumentDB" => ("Cluster", None),
        _ => ("", None),
    };
    if let Some(sac) = ev.prop("SourceAccessConfigurations")
        && !matches!(sac.kind, NodeKind::Seq(_))
        && !is_intrinsic(sac)
    {
        // The translator names the mapping, not the event, in this error.
        ctx.errors.push(SamError::resource(
            &format!("{}{}", target.id, ev.name),
            sac.span,
            "Type of property 'SourceAccessConfigurations' is invalid.",
        ));
        return Ok(());
    }
    if let Some(f) = ev.prop("FilterCriteria")
        && !is_intrinsic(f)
        && f.as_map()
            .is_none_or(|m| m.iter().any(|(k, _)| k != "Filters"))
    {
        return Err("FilterCriteria field has a wrong format".into());
    }
    if let Some(s) = ev.prop("SchemaRegistryConfig") {
        for key in [
            "SchemaRegistryURI",
            "EventRecordFormat",
            "SchemaValidationConfigs",
        ] {
            if get(s, key).is_none() {
                return Err(format!(
                    "Missing required field {key} in SchemaRegistryConfig"
                ));
            }
        }
    }
    if ty == "SelfManagedKafka" {
        return self_managed_kafka(ctx, r, target, ev);
    }
    if ty == "MQ" {
        mq_policy(target, ev)?;
    }
    if ty == "DocumentDB" {
        return super::documentdb::documentdb(ctx, r, target, ev);
    }
    let Some(source) = ev.prop(source_key).cloned() else {
        // The translator names the mapping, not the event, in this error.
        ctx.errors.push(SamError::resource(
            &format!("{}{}", target.id, ev.name),
            ev.span,
            format!("Missing required property '{source_key}'."),
        ));
        return Ok(());
    };
    let mut props = Obj::new();
    props.insert("EventSourceArn".into(), source);
    props.insert("FunctionName".into(), target.name.clone());
    for key in PASSTHROUGH {
        copy(&mut props, ev, &[(key, key)]);
    }
    if let Some(config) = ev.prop("DestinationConfig") {
        match on_failure(target, ev, config) {
            Ok(d) => {
                props.insert("DestinationConfig".into(), d);
            }
            Err(m) => {
                // The translator names the mapping, not the event, in this error.
                let esm = format!("{}{}", target.id, ev.name);
                ctx.errors.push(super::super::errors::SamError::event(
                    r.id,
                    &esm,
                    config.span,
                    m,
                ));
                return Ok(());
            }
        }
    }
    if let Some(config) = kafka_config(ev) {
        let key = if ty == "MSK" {
            "AmazonManagedKafkaEventSourceConfig"
        } else {
            "SelfManagedKafkaEventSourceConfig"
        };
        props.insert(key.into(), config);
    }
    let mut esm = Res::new("AWS::Lambda::EventSourceMapping", ev.span);
    esm.props = props;
    esm.attrs = target.attrs.clone();
    if ty == "MSK" {
        msk_policy(target, ev);
    }
    if let Some(p) = policy {
        let arn = ev.b().s(managed_arn(&ctx.partition, p));
        if !target.managed.iter().any(|m| m == &arn) {
            target.managed.push(arn);
        }
    }
    ctx.add(r.id, format!("{}{}", target.id, ev.name), esm);
    Ok(())
}

/// The source access types whose `URI` is a Secrets Manager secret the function must read.
const SECRET_TYPES: &[&str] = &[
    "BASIC_AUTH",
    "SASL_SCRAM_256_AUTH",
    "SASL_SCRAM_512_AUTH",
    "CLIENT_CERTIFICATE_TLS_AUTH",
    "SERVER_ROOT_CA_CERTIFICATE",
];

/// A self-managed Kafka cluster: the mapping names its brokers, and the role may read the secrets and
/// reach the VPC its access configurations name.
fn self_managed_kafka(
    ctx: &mut Ctx,
    r: &Serverless,
    target: &mut Target,
    ev: &Event,
) -> Result<(), String> {
    let b = ev.b();
    let servers = ev
        .prop("KafkaBootstrapServers")
        .cloned()
        .ok_or("No KafkaBootstrapServers provided for self managed kafka as an event source")?;
    let access = ev
        .prop("SourceAccessConfigurations")
        .and_then(Node::as_seq)
        .ok_or("No SourceAccessConfigurations for self managed kafka event provided.")?
        .to_vec();
    if let Some(k) = ev.prop("SecretsManagerKmsKeyId")
        && k.as_str().is_none()
    {
        return Err("Property 'SecretsManagerKmsKeyId' should be a string.".into());
    }
    let mut props = Obj::new();
    props.insert("FunctionName".into(), target.name.clone());
    props.insert(
        "SelfManagedEventSource".into(),
        b.map([("Endpoints", b.map([("KafkaBootstrapServers", servers)]))]),
    );
    for key in PASSTHROUGH {
        copy(&mut props, ev, &[(key, key)]);
    }
    if let Some(config) = kafka_config(ev) {
        props.insert("SelfManagedKafkaEventSourceConfig".into(), config);
    }
    let mut statements = Vec::new();
    let mut vpc = false;
    let registry_access: Vec<Node> = ev
        .prop("SchemaRegistryConfig")
        .and_then(|s| get(s, "AccessConfigs"))
        .and_then(Node::as_seq)
        .map(<[Node]>::to_vec)
        .unwrap_or_default();
    // The translator grants the root certificate's statement on the authentication secret.
    let auth_secret = access
        .iter()
        .find(|a| {
            let kind = get(a, "Type").and_then(Node::as_str).unwrap_or("");
            SECRET_TYPES.contains(&kind) && kind != "SERVER_ROOT_CA_CERTIFICATE"
        })
        .and_then(|a| get(a, "URI"))
        .cloned();
    for a in access.iter().chain(&registry_access) {
        let kind = a
            .as_map()
            .and_then(|m| m.get("Type"))
            .and_then(Node::as_str)
            .unwrap_or("");
        let mut uri = a.as_map().and_then(|m| m.get("URI")).cloned();
        if kind == "SERVER_ROOT_CA_CERTIFICATE" && auth_secret.is_some() {
            uri = auth_secret.clone();
        }
        if SECRET_TYPES.contains(&kind)
            && let Some(uri) = uri
        {
            statements.push(b.map([
                ("Action", b.strs(&["secretsmanager:GetSecretValue"])),
                ("Effect", b.s("Allow")),
                ("Resource", uri),
            ]));
        }
        vpc |= kind == "VPC_SUBNET" || kind == "VPC_SECURITY_GROUP";
    }
    statements.extend(glue_registry(ev));
    if let Some(k) = ev.prop("SecretsManagerKmsKeyId").and_then(Node::as_str) {
        let key =
            format!("arn:${{AWS::Partition}}:kms:${{AWS::Region}}:${{AWS::AccountId}}:key/{k}");
        statements.push(b.map([
            ("Action", b.strs(&["kms:Decrypt"])),
            ("Effect", b.s("Allow")),
            ("Resource", b.call("Fn::Sub", b.s(key))),
        ]));
    }
    if vpc {
        statements.push(b.map([
            (
                "Action",
                b.strs(&[
                    "ec2:CreateNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DeleteNetworkInterface",
                    "ec2:DescribeVpcs",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeSecurityGroups",
                ]),
            ),
            ("Effect", b.s("Allow")),
            ("Resource", b.s("*")),
        ]));
    }
    if !statements.is_empty() {
        target.inline.push(b.map([
            ("PolicyName", b.s("SelfManagedKafkaExecutionRolePolicy")),
            (
                "PolicyDocument",
                b.map([
                    ("Statement", b.seq(statements)),
                    ("Version", b.s("2012-10-17")),
                ]),
            ),
        ]));
    }
    let mut esm = Res::new("AWS::Lambda::EventSourceMapping", ev.span);
    esm.props = props;
    esm.attrs = target.attrs.clone();
    ctx.add(r.id, format!("{}{}", target.id, ev.name), esm);
    Ok(())
}

/// An Amazon MQ broker: the role may read the broker's credentials and describe it.
fn mq_policy(target: &mut Target, ev: &Event) -> Result<(), String> {
    let b = ev.b();
    let access = ev
        .prop("SourceAccessConfigurations")
        .and_then(Node::as_seq)
        .filter(|a| !a.is_empty())
        .ok_or("No SourceAccessConfigurations for Amazon MQ event provided.")?;
    let mut secret = None;
    for a in access {
        let kind = a
            .as_map()
            .and_then(|m| m.get("Type"))
            .and_then(Node::as_str)
            .unwrap_or("");
        match kind {
            "BASIC_AUTH" => secret = a.as_map().and_then(|m| m.get("URI")).cloned(),
            "VIRTUAL_HOST" => {}
            _ => {
                return Err("Invalid property Type specified in SourceAccessConfigurations. The supported values are: ['BASIC_AUTH', 'VIRTUAL_HOST'].".into());
            }
        }
    }
    let secret =
        secret.ok_or("No BASIC_AUTH URI property specified in SourceAccessConfigurations.")?;
    let broker = ev
        .prop("Broker")
        .cloned()
        .ok_or("Missing required property 'Broker'.")?;
    let dynamic = ev
        .prop("DynamicPolicyName")
        .and_then(super::super::function::as_bool)
        == Some(true);
    let name = if dynamic {
        format!("{}{}AMQPolicy", target.id, ev.name)
    } else {
        "SamAutoGeneratedAMQPolicy".to_owned()
    };
    let statements = vec![
        b.map([
            ("Action", b.strs(&["secretsmanager:GetSecretValue"])),
            ("Effect", b.s("Allow")),
            ("Resource", secret),
        ]),
        b.map([
            ("Action", b.strs(&["mq:DescribeBroker"])),
            ("Effect", b.s("Allow")),
            ("Resource", broker),
        ]),
    ];
    target.inline.push(b.map([
        ("PolicyName", b.s(name)),
        ("PolicyDocument", b.map([("Statement", b.seq(statements))])),
    ]));
    Ok(())
}

/// A stream's `DestinationConfig`: `OnFailure: {Type, Destination}` becomes the mapping's
/// `OnFailure.Destination`, and the role may send there.
fn on_failure(target: &mut Target, ev: &Event, config: &Node) -> Result<Node, String> {
    let b = ev.b();
    let Some(failure) = config
        .as_map()
        .and_then(|m| m.get("OnFailure"))
        .filter(|f| f.as_map().is_some())
    else {
        return Err("Property 'DestinationConfig.OnFailure' should be a map.".into());
    };
    let get = |k: &str| failure.as_map().and_then(|m| m.get(k));
    let destination = get("Destination")
        .cloned()
        .ok_or("Missing required property 'Destination'.")?;
    let statement = |action: &str, resource: Node| {
        b.map([
            ("Action", b.s(action)),
            ("Effect", b.s("Allow")),
            ("Resource", resource),
        ])
    };
    let policy = match get("Type").and_then(Node::as_str) {
        Some("SQS") => Some((
            "SQSPolicy",
            vec![statement("sqs:SendMessage", destination.clone())],
        )),
        Some("SNS") => Some((
            "SNSPolicy",
            vec![statement("sns:publish", destination.clone())],
        )),
        Some("S3") => Some((
            "S3Policy",
            vec![
                statement(
                    "s3:PutObject",
                    b.call(
                        "Fn::Join",
                        b.seq(vec![b.s("/"), b.seq(vec![destination.clone(), b.s("*")])]),
                    ),
                ),
                statement("s3:ListBucket", destination.clone()),
            ],
        )),
        None => None,
        Some(other) => {
            return Err(format!(
                "The only valid values for 'Type' are 'SQS', 'SNS' and 'S3', not '{other}'."
            ));
        }
    };
    if let Some((suffix, statements)) = policy {
        target.inline.push(b.map([
            (
                "PolicyName",
                b.s(format!("{}{}{suffix}", target.id, ev.name)),
            ),
            ("PolicyDocument", b.map([("Statement", b.seq(statements))])),
        ]));
    }
    Ok(b.map([("OnFailure", b.map([("Destination", destination)]))]))
}

/// A Kafka source's event source config: its consumer group and schema registry, when given.
fn kafka_config(ev: &Event) -> Option<Node> {
    let mut config = Obj::new();
    copy(
        &mut config,
        ev,
        &[
            ("ConsumerGroupId", "ConsumerGroupId"),
            ("SchemaRegistryConfig", "SchemaRegistryConfig"),
        ],
    );
    (!config.is_empty()).then(|| ev.b().obj(config))
}

/// An MSK cluster reached with a client certificate: the role may read the certificate's secret.
fn msk_policy(target: &mut Target, ev: &Event) {
    let b = ev.b();
    let registry_access: Vec<Node> = ev
        .prop("SchemaRegistryConfig")
        .and_then(|s| get(s, "AccessConfigs"))
        .and_then(Node::as_seq)
        .map(<[Node]>::to_vec)
        .unwrap_or_default();
    let mut statements: Vec<Node> = ev
        .prop("SourceAccessConfigurations")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter(|a| get(a, "Type").and_then(Node::as_str) == Some("CLIENT_CERTIFICATE_TLS_AUTH"))
        .chain(registry_access.iter().filter(|a| {
            get(a, "Type")
                .and_then(Node::as_str)
                .is_some_and(|t| SECRET_TYPES.contains(&t))
        }))
        .filter_map(|a| get(a, "URI"))
        .map(|uri| {
            b.map([
                ("Action", b.strs(&["secretsmanager:GetSecretValue"])),
                ("Effect", b.s("Allow")),
                ("Resource", uri.clone()),
            ])
        })
        .collect();
    statements.extend(glue_registry(ev));
    if statements.is_empty() {
        return;
    }
    target.inline.push(b.map([
        ("PolicyName", b.s("MSKExecutionRolePolicy")),
        ("PolicyDocument", b.map([("Statement", b.seq(statements))])),
    ]));
}

/// A Kafka source whose schema registry is in AWS Glue: the role may read the registry and its schemas.
fn glue_registry(ev: &Event) -> Vec<Node> {
    let b = ev.b();
    let Some(uri) = ev
        .prop("SchemaRegistryConfig")
        .and_then(|s| get(s, "SchemaRegistryURI"))
    else {
        return Vec::new();
    };
    let Some(name) = uri
        .as_str()
        .filter(|u| u.starts_with("arn:") && u.contains(":glue:"))
        .and_then(|u| u.split_once(":registry/"))
        .map(|(_, n)| n.to_owned())
    else {
        return Vec::new();
    };
    let schemas = format!(
        "arn:${{AWS::Partition}}:glue:${{AWS::Region}}:${{AWS::AccountId}}:schema/{name}/*"
    );
    vec![
        b.map([
            ("Action", b.strs(&["glue:GetRegistry"])),
            ("Effect", b.s("Allow")),
            ("Resource", uri.clone()),
        ]),
        b.map([
            ("Action", b.strs(&["glue:GetSchemaVersion"])),
            ("Effect", b.s("Allow")),
            ("Resource", b.seq(vec![b.call("Fn::Sub", b.s(schemas))])),
        ]),
    ]
}

#[cfg(test)]
mod tests {

    use super::super::super::reference_message;

    use crate::transform::sam::test_support::expand_text as run;

    fn template(event: &str) -> String {
        format!(
            "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: s3://b/k\n      Handler: h\n      Runtime: python3.12\n      Events:\n        E:\n{event}"
        )
    }

    #[test]
    fn filter_criteria_other_than_filters_is_refused() {
        let text = template(
            "          Type: SQS\n          Properties:\n            Queue: arn:q\n            FilterCriteria: {FiltersToUse: []}\n",
        );
        let errors = run(&text).unwrap_err();
        assert!(reference_message(&errors).unwrap().ends_with(
            "Resource with id [F] is invalid. Event with id [E] is invalid. FilterCriteria field has a wrong format"
        ));
    }

    #[test]
    fn filter_criteria_on_a_pushed_source_is_refused_at_the_property() {
        let text = template(
            "          Type: SNS\n          Properties:\n            Topic: arn:t\n            FilterCriteria: {Filters: []}\n",
        );
        let errors = run(&text).unwrap_err();
        assert_eq!(
            errors[0].span.start as usize,
            text.find("{Filters").unwrap()
        );
        assert!(reference_message(&errors).unwrap().ends_with(
            "Resource with id [FE] is invalid. property FilterCriteria not defined for resource of type SNS"
        ));
    }

    #[test]
    fn a_schema_registry_goes_into_the_kafka_source_config() {
        let text = template(
            "          Type: MSK\n          Properties:\n            Stream: arn:m\n            Topics: [t]\n            StartingPosition: LATEST\n            SchemaRegistryConfig: {SchemaRegistryURI: u, EventRecordFormat: JSON}\n",
        );
        let errors = run(&text).unwrap_err();
        assert!(
            reference_message(&errors).unwrap().ends_with(
                "Missing required field SchemaValidationConfigs in SchemaRegistryConfig"
            )
        );
    }

    #[test]
    fn an_unknown_event_type_is_invalid() {
        let text = template("          Type: API\n          Properties: {Path: /, Method: get}\n");
        let errors = run(&text).unwrap_err();
        assert!(reference_message(&errors).unwrap().ends_with(
            "Event with id [E] is invalid. Resource dict has missing or invalid value for key Type. Event Type is: API."
        ));
    }

    #[test]
    fn a_glue_schema_registry_is_readable_by_the_role() {
        let text = template(
            "          Type: MSK\n          Properties:\n            Stream: arn:m\n            Topics: [t]\n            StartingPosition: LATEST\n            SchemaRegistryConfig: {SchemaRegistryURI: 'arn:aws:glue:r:1:registry/reg', EventRecordFormat: JSON, SchemaValidationConfigs: []}\n",
        );
        let out = run(&text).unwrap();
        let resources = super::super::super::build::get(&out.root, "Resources").unwrap();
        let role = super::super::super::build::get(resources, "FRole").unwrap();
        let text = crate::source::emit::to_json(role);
        assert!(text.contains("MSKExecutionRolePolicy"));
        assert!(text.contains("glue:GetRegistry"));
        assert!(text.contains(":schema/reg/*"));
    }
}
