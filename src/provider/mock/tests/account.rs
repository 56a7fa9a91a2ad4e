//! The store across opens, the account's defaults and the parameter store.

use super::*;

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
    let nested = dir.0.join(".cairn").join("mock.db");
    MockCloud::open(&nested, MockOptions::default()).unwrap();
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
    let options = MockOptions {
        fail_rate: 1.5,
        ..MockOptions::default()
    };
    let err = MockCloud::open(&dir.db(), options).err().unwrap();
    assert_eq!(
        err.message,
        "the mock fail rate must be between 0 and 1, got 1.5"
    );

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
        assert!(cloud.exists("List<AWS::EC2::Subnet::Id>", &subnet.physical_id));
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
