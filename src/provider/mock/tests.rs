use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::json;

use super::*;

/// A directory removed on drop.
struct Dir(PathBuf);

impl Dir {
    fn new() -> Dir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("cairn-mock-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        Dir(path)
    }

    fn db(&self) -> PathBuf {
        self.0.join("mock.db")
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn open_with(options: MockOptions) -> (Dir, MockCloud) {
    let dir = Dir::new();
    let cloud = MockCloud::open(&dir.db(), options).unwrap();
    (dir, cloud)
}

fn open() -> (Dir, MockCloud) {
    open_with(MockOptions::default())
}

fn create_req(logical: &str, ty: &str, properties: Value) -> CreateRequest {
    CreateRequest {
        stack_name: "demo".into(),
        logical_id: logical.into(),
        resource_type: ty.into(),
        properties,
        token: format!("tok-{logical}"),
    }
}

fn delete_req(state: &ResourceState, logical: &str) -> DeleteRequest {
    DeleteRequest {
        stack_name: "demo".into(),
        logical_id: logical.into(),
        resource_type: state.resource_type.clone(),
        physical_id: state.physical_id.clone(),
        snapshot: false,
        token: format!("del-{logical}"),
    }
}

fn update_req(state: &ResourceState, logical: &str, properties: Value) -> UpdateRequest {
    UpdateRequest {
        stack_name: "demo".into(),
        logical_id: logical.into(),
        resource_type: state.resource_type.clone(),
        physical_id: state.physical_id.clone(),
        previous: state.properties.clone(),
        properties,
        token: format!("upd-{logical}"),
    }
}

fn attr<'a>(state: &'a ResourceState, name: &str) -> &'a str {
    state.attributes[name].as_str().unwrap()
}

fn invalid(cloud: &MockCloud, logical: &str, ty: &str, properties: Value) -> String {
    let err = cloud
        .create(&create_req(logical, ty, properties))
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidRequest, "{err}");
    err.message
}

fn is_hex_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|h| h.len() == 17 && h.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')))
}

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
}

#[test]
fn validation_messages() {
    let (_dir, cloud) = open();
    let prefix = "Properties validation failed for resource";
    assert_eq!(
        invalid(
            &cloud,
            "Fn",
            "AWS::Lambda::Function",
            json!({"Role": "arn:aws:iam::123456789012:role/x"})
        ),
        format!("{prefix} Fn with message: #: required key [Code] not found")
    );
    assert_eq!(
        invalid(
            &cloud,
            "B",
            "AWS::S3::Bucket",
            json!({"BucketName": "a".repeat(70)})
        ),
        format!("{prefix} B with message: #/BucketName: expected maxLength: 63, actual: 70")
    );
    assert_eq!(
        invalid(&cloud, "B", "AWS::S3::Bucket", json!({"Foo": 1})),
        format!("{prefix} B with message: #/Foo: extraneous key [Foo] is not permitted")
    );
    assert_eq!(
        invalid(
            &cloud,
            "B",
            "AWS::S3::Bucket",
            json!({"Arn": "arn:aws:s3:::x"})
        ),
        format!("{prefix} B with message: #/Arn: extraneous key [Arn] is not permitted")
    );
    assert_eq!(
        invalid(
            &cloud,
            "B",
            "AWS::S3::Bucket",
            json!({"VersioningConfiguration": {"Status": "On"}})
        ),
        format!(
            "{prefix} B with message: #/VersioningConfiguration/Status: On is not a valid enum value"
        )
    );
    assert_eq!(
        invalid(
            &cloud,
            "Q",
            "AWS::SQS::Queue",
            json!({"DelaySeconds": "soon"})
        ),
        format!("{prefix} Q with message: #/DelaySeconds: expected type: Integer, found: String")
    );
    assert_eq!(
        invalid(
            &cloud,
            "Q",
            "AWS::SQS::Queue",
            json!({"DelaySeconds": 901, "Tags": [{"Key": "k"}]})
        ),
        format!(
            "{prefix} Q with message: [#/DelaySeconds: 901 is not less or equal to 900, \
             #/Tags/0: required key [Value] not found]"
        )
    );
    let message = invalid(
        &cloud,
        "B",
        "AWS::S3::Bucket",
        json!({"BucketName": "Bad_Name"}),
    );
    assert!(message.ends_with("#/BucketName: string [Bad_Name] does not match pattern ^([a-z0-9][a-z0-9.-]*[a-z0-9])?$"), "{message}");
    // Numbers and booleans may arrive as strings.
    cloud
        .create(&create_req(
            "Q",
            "AWS::SQS::Queue",
            json!({"DelaySeconds": "5", "FifoQueue": "false"}),
        ))
        .unwrap();
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
fn create_is_idempotent_by_token() {
    let (_dir, cloud) = open();
    let request = create_req("Q", "AWS::SQS::Queue", json!({}));
    assert_eq!(cloud.find_by_token(&request.token).unwrap(), None);
    let first = cloud.create(&request).unwrap();
    let again = cloud.create(&request).unwrap();
    assert_eq!(first, again);
    assert_eq!(
        cloud.find_by_token(&request.token).unwrap(),
        Some(first.clone())
    );
    assert_eq!(
        cloud
            .list()
            .unwrap()
            .iter()
            .filter(|r| r.resource_type == "AWS::SQS::Queue")
            .count(),
        1
    );
    cloud.delete(&delete_req(&first, "Q")).unwrap();
    assert_eq!(cloud.find_by_token(&request.token).unwrap(), None);
    assert_eq!(
        cloud.read("AWS::SQS::Queue", &first.physical_id).unwrap(),
        None
    );
}

#[test]
fn vpc_with_subnets_cannot_be_deleted() {
    let (_dir, cloud) = open();
    let vpc = cloud
        .create(&create_req(
            "Vpc",
            "AWS::EC2::VPC",
            json!({"CidrBlock": "10.0.0.0/16"}),
        ))
        .unwrap();
    let subnet = cloud
        .create(&create_req(
            "Subnet",
            "AWS::EC2::Subnet",
            json!({"VpcId": vpc.ref_value, "CidrBlock": "10.0.1.0/24"}),
        ))
        .unwrap();
    assert!(is_hex_id(&subnet.physical_id, "subnet"));
    let err = cloud.delete(&delete_req(&vpc, "Vpc")).unwrap_err();
    assert_eq!(err.kind, ErrorKind::ResourceConflict);
    assert_eq!(
        err.message,
        format!(
            "DependencyViolation: The vpc '{}' has dependencies and cannot be deleted.",
            vpc.physical_id
        )
    );
    cloud.delete(&delete_req(&subnet, "Subnet")).unwrap();
    cloud.delete(&delete_req(&vpc, "Vpc")).unwrap();
    let err = cloud.delete(&delete_req(&vpc, "Vpc")).unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
}

#[test]
fn non_empty_bucket_cannot_be_deleted() {
    let (_dir, cloud) = open();
    let bucket = cloud
        .create(&create_req("B", "AWS::S3::Bucket", json!({})))
        .unwrap();
    cloud
        .set_property(&bucket.physical_id, "ObjectCount", json!(3))
        .unwrap();
    let err = cloud.delete(&delete_req(&bucket, "B")).unwrap_err();
    assert_eq!(
        (err.kind, err.message.as_str()),
        (
            ErrorKind::ResourceConflict,
            "The bucket you tried to delete is not empty"
        )
    );
    assert_eq!(
        cloud
            .read("AWS::S3::Bucket", &bucket.physical_id)
            .unwrap()
            .unwrap()
            .properties,
        json!({})
    );
    cloud.set_object_count(&bucket.physical_id, 0).unwrap();
    cloud.delete(&delete_req(&bucket, "B")).unwrap();
}

#[test]
fn delete_with_snapshot_records_it() {
    let (_dir, cloud) = open();
    let db = cloud
        .create(&create_req(
            "Db",
            "AWS::RDS::DBInstance",
            json!({"Engine": "postgres"}),
        ))
        .unwrap();
    assert_eq!(db.physical_id, db.physical_id.to_lowercase());
    assert_eq!(db.attributes["Endpoint.Port"], json!("5432"));
    assert!(attr(&db, "Endpoint.Address").starts_with(&format!("{}.", db.physical_id)));
    assert_eq!(db.attributes["Endpoint"]["Port"], json!("5432"));
    let mut request = delete_req(&db, "Db");
    request.snapshot = true;
    cloud.delete(&request).unwrap();
    let snapshots = cloud.snapshots().unwrap();
    assert_eq!(snapshots.len(), 1);
    assert_eq!(snapshots[0].source_physical_id, db.physical_id);
    assert_eq!(snapshots[0].resource_type, "AWS::RDS::DBInstance");
    assert!(
        snapshots[0]
            .snapshot_id
            .starts_with(&format!("{}-snapshot-", db.physical_id))
    );
}

#[test]
fn fail_rules_inject_failures_before_writing() {
    let (_dir, cloud) = open_with(MockOptions {
        fail: vec!["Queue:create".parse().unwrap(), "Topic".parse().unwrap()],
        ..MockOptions::default()
    });
    let err = cloud
        .create(&create_req("Queue", "AWS::SQS::Queue", json!({})))
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Injected);
    assert_eq!(
        err.message,
        "Resource handler returned message: \"injected failure (--mock-fail Queue:create)\""
    );
    assert!(
        cloud
            .list()
            .unwrap()
            .iter()
            .all(|r| r.logical_id != "Queue")
    );
    assert_eq!(cloud.find_by_token("tok-Queue").unwrap(), None);
    let err = cloud
        .create(&create_req("Topic", "AWS::SNS::Topic", json!({})))
        .unwrap_err();
    assert!(err.message.contains("(--mock-fail Topic)"), "{err}");
    // The rule for Queue is create only: other resources and operations pass.
    let other = cloud
        .create(&create_req("Other", "AWS::SQS::Queue", json!({})))
        .unwrap();
    cloud
        .update(&update_req(&other, "Queue", json!({"DelaySeconds": 1})))
        .unwrap();
    assert!("Queue:explode".parse::<FailRule>().is_err());
}

#[test]
fn fail_rate_is_seeded() {
    let outcomes = |seed, rate| {
        let (_dir, cloud) = open_with(MockOptions {
            seed,
            fail_rate: rate,
            ..MockOptions::default()
        });
        (0..40)
            .map(|i| {
                cloud
                    .create(&create_req(&format!("Q{i}"), "AWS::SQS::Queue", json!({})))
                    .is_err()
            })
            .collect::<Vec<bool>>()
    };
    let half = outcomes(3, 0.5);
    assert_eq!(half, outcomes(3, 0.5));
    let failed = half.iter().filter(|f| **f).count();
    assert!((8..=32).contains(&failed), "{failed} of 40 failed");
    assert!(outcomes(3, 1.0).iter().all(|f| *f));
    assert!(outcomes(3, 0.0).iter().all(|f| !*f));
}

#[test]
fn the_store_persists_across_opens() {
    let dir = Dir::new();
    let created = {
        let cloud = MockCloud::open(&dir.db(), MockOptions::default()).unwrap();
        cloud.ssm_put("/app/version", "42").unwrap();
        cloud
            .create(&create_req("Q", "AWS::SQS::Queue", json!({})))
            .unwrap()
    };
    let cloud = MockCloud::open(&dir.db(), MockOptions::default()).unwrap();
    assert_eq!(
        cloud.read("AWS::SQS::Queue", &created.physical_id).unwrap(),
        Some(created.clone())
    );
    assert_eq!(cloud.find_by_token("tok-Q").unwrap(), Some(created));
    assert_eq!(
        cloud.ssm_get("/app/version").unwrap().as_deref(),
        Some("42")
    );
    let defaults = cloud
        .list()
        .unwrap()
        .into_iter()
        .filter(|r| r.stack_name.is_none())
        .count();
    assert_eq!(defaults, 5, "the default VPC is made once");
}

#[test]
fn newer_or_foreign_files_are_refused() {
    let dir = Dir::new();
    {
        let conn = Connection::open(dir.db()).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let err = MockCloud::open(&dir.db(), MockOptions::default())
        .err()
        .unwrap();
    assert!(err.message.contains("schema version 99"), "{err}");
    let junk = dir.0.join("junk.db");
    std::fs::write(&junk, b"this is not a database, not at all, no sir").unwrap();
    let err = MockCloud::open(&junk, MockOptions::default())
        .err()
        .unwrap();
    assert_eq!(err.kind, ErrorKind::Internal);
    assert!(
        err.message.contains("not a mock cloud store or is corrupt"),
        "{err}"
    );
}

#[test]
fn ssm_and_the_default_vpc() {
    let (_dir, cloud) = open();
    let vpc = cloud.default_vpc_id();
    assert!(is_hex_id(&vpc, "vpc"));
    assert!(cloud.exists("AWS::EC2::VPC::Id", &vpc));
    assert!(cloud.exists("AWS::EC2::VPC", &vpc));
    assert!(!cloud.exists("AWS::EC2::VPC::Id", "vpc-00000000000000000"));
    let subnets: Vec<MockResource> = cloud
        .list()
        .unwrap()
        .into_iter()
        .filter(|r| r.resource_type == "AWS::EC2::Subnet")
        .collect();
    assert_eq!(subnets.len(), 3);
    for subnet in &subnets {
        assert!(cloud.exists("AWS::EC2::Subnet::Id", &subnet.physical_id));
        assert_eq!(subnet.attributes["VpcId"], json!(vpc));
    }
    assert!(cloud.exists("AWS::EC2::SecurityGroup::GroupName", "default"));
    assert!(cloud.exists("AWS::EC2::AvailabilityZone::Name", "us-east-1b"));
    assert!(!cloud.exists("AWS::EC2::AvailabilityZone::Name", "eu-west-1a"));
    // An instance without a VpcId lands in the default VPC.
    let instance = cloud
        .create(&create_req("Web", "AWS::EC2::Instance", json!({})))
        .unwrap();
    assert!(is_hex_id(&instance.physical_id, "i"));
    assert_eq!(attr(&instance, "VpcId"), vpc);
    assert!(attr(&instance, "PrivateDnsName").ends_with(".ec2.internal"));

    assert!(!cloud.exists("AWS::SSM::Parameter::Name", "/a"));
    cloud.ssm_put("/a", "1").unwrap();
    cloud.ssm_put("/a", "2").unwrap();
    let param = cloud
        .create(&create_req(
            "P",
            "AWS::SSM::Parameter",
            json!({"Name": "/b", "Type": "String", "Value": 3}),
        ))
        .unwrap();
    assert_eq!(param.ref_value, "/b");
    assert_eq!(
        attr(&param, "Arn"),
        "arn:aws:ssm:us-east-1:123456789012:parameter/b"
    );
    assert_eq!(
        cloud.ssm_list().unwrap(),
        [
            ("/a".to_string(), "2".to_string()),
            ("/b".to_string(), "3".to_string())
        ]
    );
    assert!(cloud.exists("AWS::SSM::Parameter::Name", "/b"));
    cloud.delete(&delete_req(&param, "P")).unwrap();
    assert_eq!(cloud.ssm_get("/b").unwrap(), None);
}

#[test]
fn update_changes_properties_and_attributes() {
    let (_dir, cloud) = open();
    let vpc = cloud
        .create(&create_req(
            "Vpc",
            "AWS::EC2::VPC",
            json!({"CidrBlock": "10.0.0.0/16"}),
        ))
        .unwrap();
    let updated = cloud
        .update(&update_req(
            &vpc,
            "Vpc",
            json!({"CidrBlock": "10.1.0.0/16"}),
        ))
        .unwrap();
    assert_eq!(updated.physical_id, vpc.physical_id);
    assert_eq!(attr(&updated, "CidrBlock"), "10.1.0.0/16");
    assert_eq!(
        attr(&updated, "DefaultSecurityGroup"),
        attr(&vpc, "DefaultSecurityGroup")
    );
    assert_eq!(
        cloud.read("AWS::EC2::VPC", &vpc.physical_id).unwrap(),
        Some(updated)
    );

    let bucket = cloud
        .create(&create_req(
            "B",
            "AWS::S3::Bucket",
            json!({"BucketName": "one"}),
        ))
        .unwrap();
    let err = cloud
        .update(&update_req(&bucket, "B", json!({"BucketName": "two"})))
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidRequest);
    let err = cloud
        .update(&update_req(
            &bucket,
            "B",
            json!({"BucketName": "one", "Nope": 1}),
        ))
        .unwrap_err();
    assert!(
        err.message
            .ends_with("#/Nope: extraneous key [Nope] is not permitted"),
        "{err}"
    );
}

#[test]
fn changes_behind_cairns_back() {
    let (_dir, cloud) = open();
    let queue = cloud
        .create(&create_req(
            "Q",
            "AWS::SQS::Queue",
            json!({"Tags": [{"Key": "team", "Value": "a"}]}),
        ))
        .unwrap();
    cloud
        .set_property(&queue.physical_id, "Tags.0.Value", json!("b"))
        .unwrap();
    cloud
        .set_property(&queue.physical_id, "VisibilityTimeout", json!(60))
        .unwrap();
    let read = cloud
        .read("AWS::SQS::Queue", &queue.physical_id)
        .unwrap()
        .unwrap();
    assert_eq!(
        read.properties,
        json!({"Tags": [{"Key": "team", "Value": "b"}], "VisibilityTimeout": 60})
    );
    cloud
        .set_property(&queue.physical_id, "VisibilityTimeout", Value::Null)
        .unwrap();
    cloud.delete_behind_back(&queue.physical_id).unwrap();
    assert_eq!(
        cloud.read("AWS::SQS::Queue", &queue.physical_id).unwrap(),
        None
    );
    assert_eq!(
        cloud
            .delete_behind_back(&queue.physical_id)
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );
}

#[test]
fn custom_and_unknown_types_are_taken_as_they_are() {
    let (_dir, cloud) = open();
    let custom = cloud
        .create(&create_req(
            "Seed",
            "Custom::Seeder",
            json!({"ServiceToken": "arn:aws:lambda:x", "Rows": 3}),
        ))
        .unwrap();
    assert!(custom.physical_id.starts_with("demo-Seed-"));
    assert_eq!(
        custom.attributes,
        BTreeMap::from([("Rows".to_string(), json!(3))])
    );
    cloud
        .create(&create_req(
            "Cr",
            "AWS::CloudFormation::CustomResource",
            json!({"Anything": true}),
        ))
        .unwrap();
}

#[test]
fn latency_per_type() {
    assert_eq!(Latency::Zero.for_type("AWS::EC2::Instance"), Duration::ZERO);
    assert_eq!(
        Latency::Realistic.for_type("AWS::S3::Bucket"),
        Duration::from_secs(2)
    );
    assert_eq!(
        Latency::Realistic.for_type("AWS::SQS::Queue"),
        Duration::from_secs(1)
    );
    assert_eq!(
        Latency::Realistic.for_type("AWS::EC2::VPC"),
        Duration::from_secs(3)
    );
    assert_eq!(
        Latency::Realistic.for_type("AWS::EC2::Instance"),
        Duration::from_secs(30)
    );
    assert_eq!(
        Latency::Realistic.for_type("AWS::RDS::DBInstance"),
        Duration::from_secs(300)
    );
    assert_eq!(
        Latency::Fast.for_type("AWS::SQS::Queue"),
        Duration::from_millis(50)
    );
    assert_eq!(
        Latency::Fast.for_type("AWS::RDS::DBInstance"),
        Duration::from_millis(150)
    );
    let fixed = Latency::Fixed(Duration::from_millis(7));
    assert_eq!(fixed.for_type("Custom::X"), Duration::from_millis(7));
}
