//! Property validation and its messages.

use super::*;

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
fn typical_template_properties_pass() {
    let (_dir, cloud) = open();
    let role_arn = "arn:aws:iam::123456789012:role/app";
    let cases = [
        (
            "AWS::Lambda::Function",
            json!({
                "Runtime": "python3.12", "Handler": "app.handler", "Role": role_arn,
                "Code": {"ZipFile": "def handler(e, c): return 1"}, "Timeout": "30", "MemorySize": 128,
                "Environment": {"Variables": {"TABLE": "t", "DEBUG": "1"}},
                "Tags": [{"Key": "team", "Value": "core"}],
            }),
        ),
        (
            "AWS::SQS::Queue",
            json!({
                "VisibilityTimeout": 60, "MessageRetentionPeriod": "345600",
                "RedrivePolicy": {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:dlq", "maxReceiveCount": 5},
            }),
        ),
        (
            "AWS::IAM::Role",
            json!({
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
                "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"],
                "Policies": [{"PolicyName": "inline", "PolicyDocument": {"Statement": []}}],
            }),
        ),
        (
            "AWS::DynamoDB::Table",
            json!({
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
            }),
        ),
        (
            "AWS::S3::Bucket",
            json!({
                "VersioningConfiguration": {"Status": "Enabled"},
                "BucketEncryption": {"ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
                "PublicAccessBlockConfiguration": {"BlockPublicAcls": "true", "RestrictPublicBuckets": true},
            }),
        ),
        (
            "AWS::EC2::SecurityGroup",
            json!({
                "GroupDescription": "web",
                "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": "443", "ToPort": 443, "CidrIp": "0.0.0.0/0"}],
            }),
        ),
    ];
    for (i, (ty, properties)) in cases.into_iter().enumerate() {
        let result = cloud.create(&create_req(&format!("R{i}"), ty, properties));
        assert!(result.is_ok(), "{ty}: {}", result.unwrap_err());
    }
}
