//! Polled event sources: SQS, Kinesis, DynamoDB streams, MSK, Amazon MQ, DocumentDB and self-managed Kafka
//! become an `AWS::Lambda::EventSourceMapping` named `<Function><Event>`, and add to the function's role the
//! managed policy (or inline policy) that lets Lambda read the source.

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
    "DestinationConfig",
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
    if ty == "MQ" || ty == "DocumentDB" || ty == "SelfManagedKafka" {
        ctx.errors.push(super::super::errors::SamError::unsupported(
            r.id,
            ev.span,
            format!("{ty} event sources are not expanded yet"),
        ));
        return Ok(());
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
