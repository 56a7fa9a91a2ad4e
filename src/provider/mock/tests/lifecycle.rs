//! Create, update, delete and the cloud's constraints, failure injection and latency.

use super::*;

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
    assert_eq!("fast".parse(), Ok(Latency::Fast));
    assert_eq!("2s".parse(), Ok(Latency::Fixed(Duration::from_secs(2))));
    assert_eq!(
        Latency::Fixed(Duration::from_millis(250)).to_string(),
        "250ms"
    );
    assert!("slow".parse::<Latency>().is_err());
    let fixed = Latency::Fixed(Duration::from_millis(7));
    assert_eq!(fixed.for_type("Custom::X"), Duration::from_millis(7));
}

#[test]
fn operations_sleep_in_parallel() {
    let (_dir, cloud) = open_with(MockOptions {
        latency: Latency::Fixed(Duration::from_millis(200)),
        ..MockOptions::default()
    });
    let started = std::time::Instant::now();
    std::thread::scope(|s| {
        for i in 0..4 {
            let cloud = &cloud;
            s.spawn(move || {
                let logical = format!("Q{i}");
                cloud
                    .create(&create_req(&logical, "AWS::SQS::Queue", json!({})))
                    .unwrap();
            });
        }
    });
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(200));
    assert!(
        elapsed < Duration::from_millis(700),
        "{elapsed:?}: the store lock was held while sleeping"
    );
}

#[test]
fn create_many_and_delete_many_report_each_request_once() {
    let (_dir, cloud) = open_with(MockOptions {
        fail: vec!["Bad:create".parse().unwrap()],
        ..MockOptions::default()
    });
    let requests = vec![
        create_req("A", "AWS::SQS::Queue", json!({})),
        create_req("Bad", "AWS::SQS::Queue", json!({})),
        create_req(
            "Invalid",
            "AWS::SQS::Queue",
            json!({"DelaySeconds": "soon"}),
        ),
        create_req("B", "AWS::SNS::Topic", json!({})),
    ];
    let reports = Mutex::new(Vec::new());
    cloud.create_many(&requests, &|group| reports.lock().unwrap().push(group));
    let mut results: Vec<(usize, Result<ResourceState>)> = reports
        .into_inner()
        .unwrap()
        .into_iter()
        .flatten()
        .collect();
    results.sort_by_key(|(i, _)| *i);
    assert_eq!(
        results.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    assert_eq!(results[1].1.as_ref().unwrap_err().kind, ErrorKind::Injected);
    assert_eq!(
        results[2].1.as_ref().unwrap_err().kind,
        ErrorKind::InvalidRequest
    );
    // The failures undid nothing of the others: both are in the cloud, committed.
    let made: Vec<ResourceState> = [0, 3]
        .iter()
        .map(|&i| results[i].1.clone().unwrap())
        .collect();
    let listed = || -> Vec<String> {
        cloud
            .list()
            .unwrap()
            .into_iter()
            .map(|r| r.logical_id)
            .collect()
    };
    let now = listed();
    assert!(now.contains(&"A".to_owned()) && now.contains(&"B".to_owned()));
    assert!(!now.contains(&"Bad".to_owned()));
    // The same tokens again give the same resources.
    let again = Mutex::new(Vec::new());
    cloud.create_many(&requests[..1], &|group| again.lock().unwrap().extend(group));
    assert_eq!(again.into_inner().unwrap()[0].1.as_ref().unwrap(), &made[0]);

    let deletes: Vec<DeleteRequest> = vec![delete_req(&made[0], "A"), delete_req(&made[1], "B")];
    let deleted = Mutex::new(Vec::new());
    cloud.delete_many(&deletes, &|group| deleted.lock().unwrap().extend(group));
    let mut deleted = deleted.into_inner().unwrap();
    deleted.sort_by_key(|(i, _)| *i);
    assert!(deleted.iter().all(|(_, r)| r.is_ok()), "{deleted:?}");
    assert_eq!(deleted.len(), 2);
    let now = listed();
    assert!(!now.contains(&"A".to_owned()) && !now.contains(&"B".to_owned()));
    // A second delete of what is gone reports NotFound.
    let gone = Mutex::new(Vec::new());
    cloud.delete_many(&deletes, &|group| gone.lock().unwrap().extend(group));
    assert!(
        gone.into_inner()
            .unwrap()
            .iter()
            .all(|(_, r)| r.as_ref().unwrap_err().kind == ErrorKind::NotFound)
    );
}

#[test]
fn create_many_reports_in_order_of_latency() {
    // `fast`: a queue takes 50 ms, a bucket 100 ms. The queue is reported on its own, first.
    let (_dir, cloud) = open_with(MockOptions {
        latency: Latency::Fast,
        ..MockOptions::default()
    });
    assert!(cloud.batch_limit() > 1 && cloud.calls_wait());
    let requests = vec![
        create_req("Bucket", "AWS::S3::Bucket", json!({})),
        create_req("Queue", "AWS::SQS::Queue", json!({})),
        create_req("Queue2", "AWS::SQS::Queue", json!({})),
    ];
    let started = std::time::Instant::now();
    let reports = Mutex::new(Vec::new());
    cloud.create_many(&requests, &|group| {
        let ids: Vec<usize> = group.iter().map(|(i, _)| *i).collect();
        assert!(group.iter().all(|(_, r)| r.is_ok()));
        reports.lock().unwrap().push(ids);
    });
    assert_eq!(reports.into_inner().unwrap(), [vec![1, 2], vec![0]]);
    assert!(started.elapsed() >= Duration::from_millis(100));
}

#[test]
fn a_change_is_made_at_the_request_and_answered_when_its_latency_is_over() {
    // As in the real cloud, the queue exists while its create is in progress; the answer (and the
    // batch's, and the delete's) still comes only once the latency is over.
    let latency = Duration::from_millis(300);
    let (_dir, cloud) = open_with(MockOptions {
        latency: Latency::Fixed(latency),
        ..MockOptions::default()
    });
    let seen_during = |call: &(dyn Fn() + Sync)| {
        let started = std::time::Instant::now();
        let during = std::thread::scope(|s| {
            let watcher = s.spawn(|| {
                std::thread::sleep(Duration::from_millis(150));
                stack_resources(&cloud).len()
            });
            call();
            watcher.join().unwrap()
        });
        assert!(started.elapsed() >= latency);
        during
    };
    assert_eq!(
        seen_during(&|| {
            cloud
                .create(&create_req("Q", "AWS::SQS::Queue", json!({})))
                .unwrap();
        }),
        1
    );
    let requests = [
        create_req("T", "AWS::SNS::Topic", json!({})),
        create_req("B", "AWS::S3::Bucket", json!({})),
    ];
    assert_eq!(
        seen_during(&|| cloud.create_many(&requests, &|group| {
            assert!(group.iter().all(|(_, r)| r.is_ok()));
        })),
        3
    );
    let q = stack_resources(&cloud).remove(0);
    let delete = DeleteRequest {
        stack_name: "s".into(),
        logical_id: q.logical_id.clone(),
        resource_type: q.resource_type.clone(),
        physical_id: q.physical_id.clone(),
        snapshot: false,
        token: "t-delete".into(),
    };
    assert_eq!(seen_during(&|| cloud.delete(&delete).unwrap()), 2);
}

/// What the mock cloud holds besides the account's own resources.
fn stack_resources(cloud: &MockCloud) -> Vec<crate::provider::mock::MockResource> {
    let mut all = cloud.list().unwrap();
    all.retain(|r| r.stack_name.is_some());
    all
}
