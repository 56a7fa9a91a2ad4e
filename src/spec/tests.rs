use super::*;

fn ty(name: &str) -> &'static ResourceType {
    resource_type(name).unwrap_or_else(|| panic!("`{name}` is in the spec"))
}

fn attribute_names(t: &ResourceType) -> Vec<&str> {
    t.attributes().keys().map(String::as_str).collect()
}

#[test]
fn every_embedded_type_decodes() {
    let names: Vec<&str> = type_names().collect();
    assert_eq!(names.len(), 1868);
    assert!(names.windows(2).all(|w| w[0] < w[1]), "index is sorted");
    for name in names {
        assert_eq!(decode_uncached(name).map(|t| t.name()), Some(name));
    }
}

#[test]
fn unknown_types_are_none() {
    assert!(resource_type("AWS::S3::Bukket").is_none());
    assert!(resource_type("Custom::Thing").is_none());
    assert!(resource_type("").is_none());
}

#[test]
fn s3_bucket() {
    let t = ty("AWS::S3::Bucket");
    let name = t.property("BucketName").unwrap();
    assert!(name.create_only && !name.required);
    assert_eq!(name.kind, Kind::String);
    assert_eq!(name.update_type, Some(UpdateType::Immutable));
    assert_eq!(t.name_property(), Some("BucketName"));
    let attrs = attribute_names(t);
    assert!(attrs.contains(&"Arn") && attrs.contains(&"DomainName"));
    assert_eq!(t.attribute("Arn").unwrap().source(), AttributeSource::Both);
    assert_eq!(t.primary_identifier(), ["BucketName"]);
    assert!(t.taggable() && t.has_update_handler());
    assert_eq!(
        t.replacement_strategy(),
        ReplacementStrategy::CreateThenDelete
    );
}

#[test]
fn nested_property_lookup() {
    let t = ty("AWS::S3::Bucket");
    let status = t
        .property_at(&["VersioningConfiguration", "Status"])
        .unwrap();
    assert_eq!(status.enum_values, ["Enabled", "Suspended"]);
    assert!(status.required);
    let versioning = t.property("VersioningConfiguration").unwrap();
    assert_eq!(versioning.kind, Kind::Object);
    assert!(t.object_of(versioning).unwrap().closed);
    assert!(
        t.property_at(&["VersioningConfiguration", "Nope"])
            .is_none()
    );
    assert!(t.property_at(&[]).is_none());
    // Array items are stepped through.
    let key = ty("AWS::SQS::Queue").property_at(&["Tags", "Key"]).unwrap();
    assert_eq!(
        (key.kind, key.required, key.max_length),
        (Kind::String, true, Some(128))
    );
}

#[test]
fn sqs_queue() {
    let t = ty("AWS::SQS::Queue");
    assert!(t.property("QueueName").unwrap().create_only);
    assert_eq!(t.name_property(), Some("QueueName"));
    assert_eq!(attribute_names(t), ["Arn", "QueueName", "QueueUrl"]);
    assert_eq!(
        t.attribute("QueueName").unwrap().source(),
        AttributeSource::Legacy
    );
    assert_eq!(t.primary_identifier(), ["QueueUrl"]);
    let delay = t.property("DelaySeconds").unwrap();
    assert_eq!(
        (delay.kind, delay.minimum, delay.maximum),
        (Kind::Integer, Some(0.0), Some(900.0))
    );
    let tags = t.property("Tags").unwrap();
    assert_eq!(
        (tags.kind, tags.insertion_order),
        (Kind::Array, Some(false))
    );
    assert!(t.root().closed);
}

#[test]
fn lambda_function() {
    let t = ty("AWS::Lambda::Function");
    assert!(t.property("Code").unwrap().required && t.property("Role").unwrap().required);
    assert_eq!(t.root().required, ["Code", "Role"]);
    assert_eq!(
        t.property("PackageType").unwrap().enum_values,
        ["Image", "Zip"]
    );
    assert!(
        t.property("Runtime")
            .unwrap()
            .enum_values
            .iter()
            .any(|r| r == "python3.12")
    );
    let arch = t.property("Architectures").unwrap();
    assert_eq!(
        (arch.unique_items, arch.item.as_ref().map(|i| i.kind)),
        (Some(true), Some(Kind::String))
    );
    assert!(t.property("DurableConfig").unwrap().conditional_create_only);
    assert_eq!(t.timeouts().collect::<Vec<_>>(), [("update", 180)]);
}

#[test]
fn dynamodb_table() {
    let t = ty("AWS::DynamoDB::Table");
    assert!(t.property("KeySchema").unwrap().required);
    assert!(t.is_conditional_create_only("KeySchema"));
    assert_eq!(t.name_property(), Some("TableName"));
    assert!(t.attributes().contains_key("StreamArn"));
    assert!(t.timeouts().any(|(h, m)| h == "create" && m == 720));
}

#[test]
fn iam_role() {
    let t = ty("AWS::IAM::Role");
    let doc = t.property("AssumeRolePolicyDocument").unwrap();
    assert!(doc.required);
    assert_eq!(doc.kind, Kind::Json);
    assert_eq!(t.name_property(), Some("RoleName"));
    assert_eq!(attribute_names(t), ["Arn", "RoleId"]);
}

#[test]
fn ec2_vpc_and_subnet() {
    let vpc = ty("AWS::EC2::VPC");
    assert!(vpc.property("CidrBlock").unwrap().create_only);
    assert_eq!(vpc.primary_identifier(), ["VpcId"]);
    assert_eq!(vpc.name_property(), None);
    let subnet = ty("AWS::EC2::Subnet");
    let vpc_id = subnet.property("VpcId").unwrap();
    assert!(vpc_id.required && vpc_id.create_only);
    assert!(subnet.is_create_only("CidrBlock"));
    assert!(
        subnet.root().dependent_excluded["AvailabilityZone"]
            .contains(&"AvailabilityZoneId".to_string())
    );
}

#[test]
fn sns_topic() {
    let t = ty("AWS::SNS::Topic");
    assert_eq!(t.name_property(), Some("TopicName"));
    assert!(t.attributes().contains_key("TopicArn"));
    assert_eq!(t.primary_identifier(), ["TopicArn"]);
}

#[test]
fn delete_then_create() {
    let t = ty("AWS::CloudFront::FieldLevelEncryptionProfile");
    assert_eq!(
        t.replacement_strategy(),
        ReplacementStrategy::DeleteThenCreate
    );
    assert!(!t.taggable());
    // A create-only path under a named definition is still answered by path.
    assert!(t.is_create_only("FieldLevelEncryptionProfileConfig.CallerReference"));
    assert!(!t.is_create_only("FieldLevelEncryptionProfileConfig"));
}

#[test]
fn sam_function() {
    let t = ty("AWS::Serverless::Function");
    assert_eq!(t.name_property(), Some("FunctionName"));
    assert_eq!(t.property("Runtime").unwrap().kind, Kind::String);
    assert!(t.attributes().contains_key("Arn"));
    assert!(
        type_names()
            .filter(|n| n.starts_with("AWS::Serverless::"))
            .count()
            >= 14
    );
}

#[test]
fn attribute_list_types() {
    let ipv6 = ty("AWS::EC2::Subnet").attribute("Ipv6CidrBlocks").unwrap();
    assert_eq!((ipv6.kind, ipv6.item), (Kind::Array, Some(Kind::String)));
}

#[test]
fn physical_name_properties() {
    for (name, prop) in [
        ("AWS::S3::Bucket", "BucketName"),
        ("AWS::SQS::Queue", "QueueName"),
        ("AWS::Lambda::Function", "FunctionName"),
        ("AWS::IAM::Role", "RoleName"),
        ("AWS::DynamoDB::Table", "TableName"),
        ("AWS::SNS::Topic", "TopicName"),
        ("AWS::Logs::LogGroup", "LogGroupName"),
        ("AWS::ECS::Cluster", "ClusterName"),
        ("AWS::Events::Rule", "Name"),
        ("AWS::RDS::DBInstance", "DBInstanceIdentifier"),
        ("AWS::EC2::SecurityGroup", "GroupName"),
        ("AWS::SecretsManager::Secret", "Name"),
        ("AWS::Lambda::LayerVersion", "LayerName"),
        ("AWS::StepFunctions::StateMachine", "StateMachineName"),
    ] {
        assert_eq!(ty(name).name_property(), Some(prop), "{name}");
    }
    assert_eq!(ty("AWS::ApiGateway::RestApi").name_property(), None);
}

#[test]
fn required_xor_in_a_named_definition() {
    let t = ty("AWS::AutoScaling::LaunchConfiguration");
    let mappings = t.property("BlockDeviceMappings").unwrap();
    assert_eq!(mappings.update_type, Some(UpdateType::Immutable));
    let mapping = t.object_of(mappings).unwrap();
    assert_eq!(mapping.required_xor, ["VirtualName", "Ebs", "NoDevice"]);
    assert!(t.property_at(&["BlockDeviceMappings", "Ebs"]).is_some());
}
