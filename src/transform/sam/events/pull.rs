//! Polled event sources: SQS, Kinesis, DynamoDB streams, MSK, Amazon MQ, DocumentDB and self-managed Kafka
//! become an `AWS::Lambda::EventSourceMapping` named `<Function><Event>`, and add to the function's role the
//! managed policy (or inline policy) that lets Lambda read the source.

use crate::source::Node;

use super::super::build::{Obj, Res};
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
    if ty == "SelfManagedKafka" {
        return self_managed_kafka(ctx, r, target, ev);
    }
    if ty == "MQ" {
        mq_policy(target, ev)?;
    }
    if ty == "DocumentDB" {
        return super::documentdb::documentdb(ctx, r, target, ev);
    }
    let source = ev
        .prop(source_key)
        .cloned()
        .ok_or_else(|| format!("Missing required property '{source_key}'."))?;
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
    if let Some(group) = ev.prop("ConsumerGroupId") {
        let key = if ty == "MSK" {
            "AmazonManagedKafkaEventSourceConfig"
        } else {
            "SelfManagedKafkaEventSourceConfig"
        };
        props.insert(key.into(), ev.b().map([("ConsumerGroupId", group.clone())]));
    }
    let mut esm = Res::new("AWS::Lambda::EventSourceMapping", ev.span);
    esm.props = props;
    esm.attrs = target.attrs.clone();
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
    if let Some(group) = ev.prop("ConsumerGroupId") {
        props.insert(
            "SelfManagedKafkaEventSourceConfig".into(),
            b.map([("ConsumerGroupId", group.clone())]),
        );
    }
    let mut statements = Vec::new();
    let mut vpc = false;
    for a in &access {
        let kind = a
            .as_map()
            .and_then(|m| m.get("Type"))
            .and_then(Node::as_str)
            .unwrap_or("");
        let uri = a.as_map().and_then(|m| m.get("URI")).cloned();
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
