//! Physical names, ids, ARNs and attributes.

use super::*;

#[test]
fn ids_are_deterministic_for_a_seed() {
    let with_seed = |seed| {
        let (_dir, cloud) = open_with(MockOptions {
            seed,
            ..MockOptions::default()
        });
        let bucket = cloud
            .create(&create_req("Bucket", "AWS::S3::Bucket", json!({})))
            .unwrap();
        let vpc = cloud
            .create(&create_req(
                "Vpc",
                "AWS::EC2::VPC",
                json!({"CidrBlock": "10.0.0.0/16"}),
            ))
            .unwrap();
        (bucket.physical_id, vpc.physical_id, cloud.default_vpc_id())
    };
    let a = with_seed(7);
    assert_eq!(a, with_seed(7));
    let b = with_seed(8);
    assert_ne!(a.0, b.0);
    assert_ne!(a.1, b.1);
    assert_eq!(
        a.2, b.2,
        "the default VPC belongs to the account, not the seed"
    );
    assert!(is_hex_id(&a.1, "vpc"), "{}", a.1);
}

#[test]
fn s3_names_are_lowercase_and_fit_63() {
    let (_dir, cloud) = open();
    let bucket = cloud
        .create(&create_req("AssetsBucket", "AWS::S3::Bucket", json!({})))
        .unwrap();
    let name = &bucket.physical_id;
    assert!(name.starts_with("demo-assetsbucket-"), "{name}");
    assert_eq!(name.len(), "demo-assetsbucket-".len() + 13);
    assert_eq!(*name, name.to_lowercase());

    let mut long = create_req(
        "AVeryLongLogicalIdForTheBucketThatGoesOnAndOn",
        "AWS::S3::Bucket",
        json!({}),
    );
    long.stack_name = "a-stack-name-that-is-also-rather-long-indeed".into();
    let long = cloud.create(&long).unwrap();
    let name = &long.physical_id;
    assert_eq!(name.len(), 63, "{name}");
    assert!(
        name.starts_with("a-stack-name-that-is-als-averylonglogicalidforthe-"),
        "{name}"
    );
    assert!(
        name.chars()
            .all(|c| matches!(c, 'a'..='z' | '0'..='9' | '-'))
    );
}

#[test]
fn other_services_name_rules() {
    let (_dir, cloud) = open();
    let mut role = create_req(
        "R".repeat(60).as_str(),
        "AWS::IAM::Role",
        json!({"AssumeRolePolicyDocument": {}}),
    );
    role.stack_name = "s".repeat(40);
    let role = cloud.create(&role).unwrap();
    assert_eq!(role.physical_id.len(), 64);
    assert!(
        role.physical_id
            .ends_with(|c: char| c.is_ascii_uppercase() || c.is_ascii_digit())
    );

    let fifo = cloud
        .create(&create_req(
            "Jobs",
            "AWS::SQS::Queue",
            json!({"FifoQueue": "true"}),
        ))
        .unwrap();
    let name = attr(&fifo, "QueueName");
    assert!(
        name.starts_with("demo-Jobs-") && name.ends_with(".fifo"),
        "{name}"
    );
    assert!(name.len() <= 80);
}

#[test]
fn custom_names_are_unique_per_type() {
    let (_dir, cloud) = open();
    let props = json!({"BucketName": "my-assets"});
    let first = cloud
        .create(&create_req("A", "AWS::S3::Bucket", props.clone()))
        .unwrap();
    assert_eq!(first.physical_id, "my-assets");
    assert_eq!(first.ref_value, "my-assets");
    let err = cloud
        .create(&create_req("B", "AWS::S3::Bucket", props))
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::AlreadyExists);
    assert_eq!(
        err.message,
        "Resource of type 'AWS::S3::Bucket' with identifier 'my-assets' already exists."
    );
    // Another type may use the same name.
    let queue = cloud
        .create(&create_req(
            "C",
            "AWS::SQS::Queue",
            json!({"QueueName": "my-assets"}),
        ))
        .unwrap();
    assert_eq!(attr(&queue, "QueueName"), "my-assets");
    let function = cloud
        .create(&create_req(
            "D",
            "AWS::Lambda::Function",
            json!({"FunctionName": "my-assets", "Role": "arn:aws:iam::123456789012:role/r", "Code": {}}),
        ))
        .unwrap();
    assert_eq!(function.physical_id, "my-assets");
}

#[test]
fn arns_follow_services_and_partitions() {
    let (_dir, cloud) = open();
    let make = |logical: &str, ty: &str, props: Value| {
        cloud.create(&create_req(logical, ty, props)).unwrap()
    };
    let bucket = make("B", "AWS::S3::Bucket", json!({"BucketName": "b1"}));
    assert_eq!(attr(&bucket, "Arn"), "arn:aws:s3:::b1");
    assert_eq!(attr(&bucket, "DomainName"), "b1.s3.amazonaws.com");
    assert_eq!(
        attr(&bucket, "WebsiteURL"),
        "http://b1.s3-website-us-east-1.amazonaws.com"
    );
    let queue = make("Q", "AWS::SQS::Queue", json!({"QueueName": "q1"}));
    assert_eq!(attr(&queue, "Arn"), "arn:aws:sqs:us-east-1:123456789012:q1");
    assert_eq!(
        attr(&queue, "QueueUrl"),
        "https://sqs.us-east-1.amazonaws.com/123456789012/q1"
    );
    let topic = make("T", "AWS::SNS::Topic", json!({"TopicName": "t1"}));
    assert_eq!(
        attr(&topic, "TopicArn"),
        "arn:aws:sns:us-east-1:123456789012:t1"
    );
    let role = make(
        "R",
        "AWS::IAM::Role",
        json!({"RoleName": "r1", "AssumeRolePolicyDocument": {}}),
    );
    assert_eq!(attr(&role, "Arn"), "arn:aws:iam::123456789012:role/r1");
    assert!(attr(&role, "RoleId").starts_with("AROA"));
    let function = make(
        "F",
        "AWS::Lambda::Function",
        json!({"FunctionName": "f1", "Role": attr(&role, "Arn"), "Code": {"ZipFile": "x"}}),
    );
    assert_eq!(
        attr(&function, "Arn"),
        "arn:aws:lambda:us-east-1:123456789012:function:f1"
    );
    let version = make(
        "V",
        "AWS::Lambda::Version",
        json!({"FunctionName": attr(&function, "Arn")}),
    );
    assert_eq!(
        version.ref_value,
        "arn:aws:lambda:us-east-1:123456789012:function:f1:1"
    );
    // The next version of the same function takes the next number.
    let next = make(
        "V2",
        "AWS::Lambda::Version",
        json!({"FunctionName": attr(&function, "Arn")}),
    );
    assert!(
        next.ref_value.ends_with("function:f1:2"),
        "{}",
        next.ref_value
    );
    assert_eq!(attr(&next, "Version"), "2");
    // Task definitions of one family are its revisions; the family is not a unique name.
    let task = |logical: &str| {
        make(
            logical,
            "AWS::ECS::TaskDefinition",
            json!({"Family": "web", "ContainerDefinitions": [{"Name": "web", "Image": "nginx"}]}),
        )
    };
    let (first, second) = (task("T1"), task("T2"));
    assert!(
        first.ref_value.ends_with("task-definition/web:1"),
        "{}",
        first.ref_value
    );
    assert!(
        second.ref_value.ends_with("task-definition/web:2"),
        "{}",
        second.ref_value
    );
    let table = make(
        "D",
        "AWS::DynamoDB::Table",
        json!({"TableName": "d1", "KeySchema": []}),
    );
    assert_eq!(
        attr(&table, "Arn"),
        "arn:aws:dynamodb:us-east-1:123456789012:table/d1"
    );

    for (region, partition, dns) in [
        ("cn-north-1", "aws-cn", "amazonaws.com.cn"),
        ("us-gov-west-1", "aws-us-gov", "amazonaws.com"),
    ] {
        let (_dir, cloud) = open_with(MockOptions {
            region: region.into(),
            ..MockOptions::default()
        });
        let bucket = cloud
            .create(&create_req(
                "B",
                "AWS::S3::Bucket",
                json!({"BucketName": "b1"}),
            ))
            .unwrap();
        assert_eq!(attr(&bucket, "Arn"), format!("arn:{partition}:s3:::b1"));
        let queue = cloud
            .create(&create_req(
                "Q",
                "AWS::SQS::Queue",
                json!({"QueueName": "q1"}),
            ))
            .unwrap();
        assert_eq!(
            attr(&queue, "Arn"),
            format!("arn:{partition}:sqs:{region}:123456789012:q1")
        );
        assert_eq!(
            queue.ref_value,
            format!("https://sqs.{region}.{dns}/123456789012/q1")
        );
    }
}

#[test]
fn ref_values_and_ec2_ids() {
    let (_dir, cloud) = open();
    let queue = cloud
        .create(&create_req("Q", "AWS::SQS::Queue", json!({})))
        .unwrap();
    assert_eq!(queue.ref_value, attr(&queue, "QueueUrl"));
    assert_eq!(queue.physical_id, queue.ref_value);
    let topic = cloud
        .create(&create_req("T", "AWS::SNS::Topic", json!({})))
        .unwrap();
    assert_eq!(topic.ref_value, attr(&topic, "TopicArn"));
    let vpc = cloud
        .create(&create_req(
            "Vpc",
            "AWS::EC2::VPC",
            json!({"CidrBlock": "10.0.0.0/16"}),
        ))
        .unwrap();
    assert!(is_hex_id(&vpc.ref_value, "vpc"));
    assert_eq!(attr(&vpc, "VpcId"), vpc.ref_value);
    assert_eq!(attr(&vpc, "CidrBlock"), "10.0.0.0/16");
    assert!(is_hex_id(attr(&vpc, "DefaultSecurityGroup"), "sg"));
    let sg = cloud
        .create(&create_req(
            "Sg",
            "AWS::EC2::SecurityGroup",
            json!({"GroupDescription": "web", "VpcId": vpc.ref_value}),
        ))
        .unwrap();
    assert!(is_hex_id(&sg.ref_value, "sg"));
    assert_eq!(attr(&sg, "GroupId"), sg.ref_value);
    assert_eq!(attr(&sg, "VpcId"), vpc.ref_value);
    let key = cloud
        .create(&create_req("Key", "AWS::KMS::Key", json!({})))
        .unwrap();
    assert_eq!(key.ref_value.len(), 36);
    assert_eq!(
        attr(&key, "Arn"),
        format!("arn:aws:kms:us-east-1:123456789012:key/{}", key.ref_value)
    );
}

#[test]
fn every_spec_type_gets_an_identity_and_all_its_attributes() {
    let properties = Map::new();
    for name in spec::type_names().filter(|n| !is_custom(n)) {
        let ty = spec::resource_type(name).unwrap();
        let id = assigned_id(name, 1, "token");
        let shape = Shape {
            resource_type: name,
            spec: Some(ty),
            properties: &properties,
            name: "demo-Thing-ABCDEFGHIJKLM",
            id: id.as_deref(),
            account: "123456789012",
            region: "eu-west-1",
            seed: 1,
            key: "token",
            vpc: "vpc-0123456789abcdef0",
            revision: 1,
        };
        assert!(!shape.primary().is_empty(), "{name}");
        let attributes = shape.attributes();
        for (attribute, spec) in ty.attributes() {
            let value = &attributes[attribute];
            if spec.kind == crate::spec::Kind::String {
                assert!(value.is_string(), "{name}.{attribute}: {value}");
            }
            if attribute.ends_with("Arn") && value.is_string() {
                assert!(
                    value.as_str().unwrap().starts_with("arn:aws:"),
                    "{name}.{attribute}: {value}"
                );
            }
        }
    }
}
