//! Round trips of every record, the order of resources and events, exports and their conflicts.

use super::*;
use crate::state::{StateError, StateStore};

#[test]
fn stacks_round_trip_and_list_by_name() {
    let dir = TempDir::new("stacks");
    let store = open(&dir.db());
    assert_eq!(store.stack("web").unwrap(), None);
    for name in ["web", "api", "net"] {
        store.put_stack(&stack(name)).unwrap();
    }
    assert_eq!(store.stack("web").unwrap(), Some(stack("web")));
    let names: Vec<_> = store
        .stacks()
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["api", "net", "web"]);

    let mut updated = stack("web");
    updated.status = StackStatus::UPDATE_ROLLBACK_COMPLETE;
    updated.status_reason = None;
    updated.serial = u64::from(u32::MAX) + 1;
    updated.parameters.clear();
    updated.tags.clear();
    store.put_stack(&updated).unwrap();
    assert_eq!(store.stack("web").unwrap(), Some(updated));
    assert_eq!(store.stacks().unwrap().len(), 3);
}

#[test]
fn every_status_round_trips() {
    let dir = TempDir::new("statuses");
    let store = open(&dir.db());
    for &status in StackStatus::ALL {
        let s = StackRecord {
            status,
            ..stack("s")
        };
        store.put_stack(&s).unwrap();
        assert_eq!(store.stack("s").unwrap(), Some(s));
    }
    for &status in ResourceStatus::ALL {
        let r = ResourceRecord {
            status,
            ..resource("R")
        };
        store.put_resource("s", &r).unwrap();
        assert_eq!(store.resources("s").unwrap(), [r]);
    }
}

#[test]
fn resources_keep_the_order_they_were_first_recorded_in() {
    let dir = TempDir::new("resources");
    let store = open(&dir.db());
    for id in ["Zeta", "Alpha", "Mid"] {
        store.put_resource("app", &resource(id)).unwrap();
    }
    store.put_resource("other", &resource("Alpha")).unwrap();

    let mut alpha = resource("Alpha");
    alpha.physical_id = None;
    alpha.token = None;
    alpha.status = ResourceStatus::UPDATE_FAILED;
    alpha.status_reason = Some("bucket name taken".to_owned());
    store.put_resource("app", &alpha).unwrap();
    assert_eq!(
        store.resources("app").unwrap(),
        [resource("Zeta"), alpha.clone(), resource("Mid")]
    );

    store.remove_resource("app", "Zeta").unwrap();
    store.remove_resource("app", "Missing").unwrap();
    store.put_resource("app", &resource("Zeta")).unwrap();
    assert_eq!(logical_ids(&store, "app"), ["Alpha", "Mid", "Zeta"]);
    assert_eq!(store.resources("other").unwrap(), [resource("Alpha")]);
    assert!(store.resources("none").unwrap().is_empty());
}

#[test]
fn events_come_back_oldest_first_per_stack() {
    let dir = TempDir::new("events");
    let store = open(&dir.db());
    for n in 0..20_usize {
        store
            .append_event(&event(if n.is_multiple_of(3) { "b" } else { "a" }, n))
            .unwrap();
    }
    let a = store.events("a").unwrap();
    let expected: Vec<_> = (0..20_usize)
        .filter(|n| !n.is_multiple_of(3))
        .map(|n| event("a", n))
        .collect();
    assert_eq!(a, expected);
    assert_eq!(store.events("b").unwrap().len(), 7);
    assert!(store.events("c").unwrap().is_empty());
}

#[test]
fn exports_are_listed_by_name_and_replaced_per_stack() {
    let dir = TempDir::new("exports");
    let store = open(&dir.db());
    store
        .set_exports("net", &[export("net-vpc", "net"), export("net-a", "net")])
        .unwrap();
    store
        .set_exports("app", &[export("app-url", "app")])
        .unwrap();
    assert_eq!(
        store.exports().unwrap(),
        [
            export("app-url", "app"),
            export("net-a", "net"),
            export("net-vpc", "net")
        ]
    );

    store
        .set_exports(
            "net",
            &[export("net-subnet", "net"), export("net-vpc", "net")],
        )
        .unwrap();
    assert_eq!(
        store.exports().unwrap(),
        [
            export("app-url", "app"),
            export("net-subnet", "net"),
            export("net-vpc", "net")
        ]
    );
    store.set_exports("net", &[]).unwrap();
    assert_eq!(store.exports().unwrap(), [export("app-url", "app")]);
}

#[test]
fn an_export_name_taken_by_another_stack_is_a_conflict() {
    let dir = TempDir::new("conflict");
    let store = open(&dir.db());
    store
        .set_exports("net", &[export("vpc-id", "net")])
        .unwrap();
    store
        .set_exports("app", &[export("app-url", "app")])
        .unwrap();

    let err = store
        .set_exports("app", &[export("app-url2", "app"), export("vpc-id", "app")])
        .unwrap_err();
    assert!(
        matches!(&err, StateError::ExportConflict { name, owner } if name == "vpc-id" && owner == "net"),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "export `vpc-id` is already exported by stack `net`"
    );
    // Nothing of the refused call was written.
    assert_eq!(
        store.exports().unwrap(),
        [export("app-url", "app"), export("vpc-id", "net")]
    );

    let err = store
        .set_exports("app", &[export("twice", "app"), export("twice", "app")])
        .unwrap_err();
    assert!(
        matches!(&err, StateError::ExportConflict { name, owner } if name == "twice" && owner == "app")
    );
}

#[test]
fn forget_stack_removes_everything_of_that_stack_only() {
    let dir = TempDir::new("forget");
    let store = open(&dir.db());
    for name in ["gone", "kept"] {
        store.put_stack(&stack(name)).unwrap();
        store.put_resource(name, &resource("Bucket")).unwrap();
        store.append_event(&event(name, 1)).unwrap();
        store
            .set_exports(name, &[export(&format!("{name}-x"), name)])
            .unwrap();
    }
    store.lock(&lock("gone", "op-9")).unwrap();
    store.forget_stack("gone").unwrap();

    assert_eq!(store.stack("gone").unwrap(), None);
    assert!(store.resources("gone").unwrap().is_empty());
    assert!(store.events("gone").unwrap().is_empty());
    assert_eq!(store.exports().unwrap(), [export("kept-x", "kept")]);
    assert_eq!(store.lock_of("gone").unwrap(), Some(lock("gone", "op-9")));
    assert_eq!(store.stack("kept").unwrap(), Some(stack("kept")));
    assert_eq!(store.resources("kept").unwrap().len(), 1);
    assert_eq!(store.events("kept").unwrap().len(), 1);
}

fn logical_ids(store: &SqliteStore, stack: &str) -> Vec<String> {
    store
        .resources(stack)
        .unwrap()
        .into_iter()
        .map(|r| r.logical_id)
        .collect()
}

#[test]
fn imports_are_listed_per_live_stack() {
    let dir = TempDir::new("imports");
    let store = open(&dir.db());
    let mut consumer = stack("consumer");
    consumer.imports = vec!["net-vpc".into(), "net-subnets".into()];
    let mut gone = stack("gone");
    gone.status = StackStatus::DELETE_COMPLETE;
    let mut plain = stack("plain");
    plain.imports.clear();
    for s in [&consumer, &gone, &plain] {
        store.put_stack(s).unwrap();
    }
    assert_eq!(
        store.imports().unwrap(),
        vec![
            ("consumer".to_owned(), consumer.imports.clone()),
            ("plain".to_owned(), Vec::new()),
        ]
    );
}

#[test]
fn a_resource_state_keeps_the_row_s_properties() {
    let dir = TempDir::new("resource-state");
    let store = open(&dir.db());
    store.put_stack(&stack("s")).unwrap();
    let mut r = resource("Bucket");
    r.status = ResourceStatus::CREATE_IN_PROGRESS;
    r.physical_id = None;
    store
        .record(crate::state::Change::Resource("s", &r), &event("s", 1))
        .unwrap();
    // Everything but the properties is written; the properties stay the row's.
    let mut done = resource("Bucket");
    done.properties = json!({"BucketName": "not written"});
    done.pending.clear();
    store
        .record_deferred(
            crate::state::Change::ResourceState("s", &done),
            &event("s", 2),
        )
        .unwrap();
    store.flush().unwrap();
    let [read] = store.resources("s").unwrap().try_into().unwrap();
    assert_eq!(read.properties, r.properties);
    assert_eq!(read.status, ResourceStatus::CREATE_COMPLETE);
    assert_eq!(read.physical_id, done.physical_id);
    assert_eq!(read.attributes, done.attributes);
    assert!(read.pending.is_empty());
    assert_eq!(store.events("s").unwrap().len(), 2);
    // A resource without a row is refused, naming it, and nothing of the batch is written.
    let e = store
        .record(
            crate::state::Change::ResourceState("s", &resource("Missing")),
            &event("s", 3),
        )
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("resource `Missing` of stack `s` has no row"),
        "{e}"
    );
    assert_eq!(store.events("s").unwrap().len(), 2);
}

#[test]
fn a_write_commits_the_deferred_transitions_with_it_even_when_refused() {
    let dir = TempDir::new("deferred-write");
    let store = open(&dir.db());
    store.put_stack(&stack("s")).unwrap();
    store
        .set_exports("other", &[export("taken", "other")])
        .unwrap();
    let defer = |logical_id: &str, n: usize| {
        store
            .record_deferred(
                crate::state::Change::Resource("s", &resource(logical_id)),
                &event("s", n),
            )
            .unwrap();
    };
    // The write and the transition before it are both written.
    defer("A", 1);
    store.set_exports("s", &[export("mine", "s")]).unwrap();
    assert_eq!(logical_ids(&store, "s"), ["A"]);
    assert_eq!(store.exports().unwrap().len(), 2);
    // A refused write leaves the transition committed, and is refused as it would be alone.
    defer("B", 2);
    let e = store.set_exports("s", &[export("taken", "s")]).unwrap_err();
    assert!(matches!(e, StateError::ExportConflict { .. }), "{e}");
    assert_eq!(logical_ids(&store, "s"), ["A", "B"]);
    assert_eq!(
        store.exports().unwrap(),
        [export("mine", "s"), export("taken", "other")]
    );
    assert_eq!(store.events("s").unwrap().len(), 2);
    // A transition that cannot be written fails the write, which does not run.
    store
        .record_deferred(
            crate::state::Change::ResourceState("s", &resource("Missing")),
            &event("s", 3),
        )
        .unwrap();
    let e = store.set_exports("s", &[]).unwrap_err();
    assert!(e.to_string().contains("resource `Missing`"), "{e}");
    assert_eq!(store.exports().unwrap().len(), 2);
    // Nothing is left queued: the next write is a write.
    store.set_exports("s", &[]).unwrap();
    assert_eq!(store.exports().unwrap().len(), 1);
}

#[test]
fn exports_and_a_transition_are_written_together_or_not_at_all() {
    use crate::state::{Change, StackStatus};
    let dir = TempDir::new("record-with-exports");
    let store = open(&dir.db());
    store.put_stack(&stack("s")).unwrap();
    store
        .set_exports("other", &[export("taken", "other")])
        .unwrap();
    let mut done = stack("s");
    done.status = StackStatus::UPDATE_COMPLETE;
    let e = store
        .record_with_exports(
            "s",
            &[export("mine", "s"), export("taken", "s")],
            Change::Stack(&done),
            &event("s", 1),
        )
        .unwrap_err();
    assert!(
        matches!(&e, StateError::ExportConflict { name, owner } if name == "taken" && owner == "other"),
        "{e}"
    );
    assert_eq!(
        store.stack("s").unwrap().unwrap().status,
        StackStatus::CREATE_COMPLETE
    );
    assert_eq!(store.exports().unwrap(), [export("taken", "other")]);
    assert!(store.events("s").unwrap().is_empty());
    store
        .record_with_exports(
            "s",
            &[export("mine", "s")],
            Change::Stack(&done),
            &event("s", 2),
        )
        .unwrap();
    assert_eq!(
        store.stack("s").unwrap().unwrap().status,
        StackStatus::UPDATE_COMPLETE
    );
    assert_eq!(
        store.exports().unwrap(),
        [export("mine", "s"), export("taken", "other")]
    );
    assert_eq!(store.events("s").unwrap().len(), 1);
}

#[test]
fn a_stack_status_keeps_the_recorded_template() {
    use crate::state::{Change, StackStatus};
    let dir = TempDir::new("stack-status");
    let store = open(&dir.db());
    let first = stack("s");
    store.record(Change::Stack(&first), &event("s", 1)).unwrap();
    let mut next = stack("s");
    next.status = StackStatus::UPDATE_COMPLETE;
    next.serial += 1;
    next.template = "not written".into();
    store
        .record(Change::StackStatus(&next), &event("s", 2))
        .unwrap();
    let read = store.stack("s").unwrap().unwrap();
    assert_eq!(read.template, first.template);
    assert_eq!(read.status, StackStatus::UPDATE_COMPLETE);
    assert_eq!(read.serial, next.serial);
    // A stack without a recorded template is refused, naming it, and nothing is written.
    let e = store
        .record(Change::StackStatus(&stack("other")), &event("other", 1))
        .unwrap_err();
    assert!(
        e.to_string().contains("stack `other` has no template"),
        "{e}"
    );
    assert_eq!(store.stack("other").unwrap(), None);
    assert!(store.events("other").unwrap().is_empty());
}

#[test]
fn resource_states_are_the_resources_without_their_properties() {
    let dir = TempDir::new("resource-states");
    let store = open(&dir.db());
    store.put_resource("s", &resource("A")).unwrap();
    store.put_resource("s", &resource("B")).unwrap();
    let whole = store.resources("s").unwrap();
    let states = store.resource_states("s").unwrap();
    assert_eq!(states.len(), 2);
    for (w, st) in whole.into_iter().zip(states) {
        assert!(!w.properties.is_null());
        assert_eq!(st.properties, serde_json::Value::Null);
        assert_eq!(
            ResourceRecord {
                properties: serde_json::Value::Null,
                ..w
            },
            st
        );
    }
}
