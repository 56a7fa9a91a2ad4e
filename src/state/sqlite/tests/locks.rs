//! Stack locks, alone and raced by threads and by handles on one file.

use std::sync::{Arc, Barrier};
use std::thread;

use super::*;
use crate::state::{StateError, StateStore};

#[test]
fn store_is_shareable_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<SqliteStore>();
}

#[test]
fn a_held_lock_is_reported_with_its_holder() {
    let dir = TempDir::new("lock");
    let store = open(&dir.db());
    assert_eq!(store.lock_of("app").unwrap(), None);
    store.lock(&lock("app", "op-1")).unwrap();
    assert_eq!(store.lock_of("app").unwrap(), Some(lock("app", "op-1")));

    let err = store.lock(&lock("app", "op-2")).unwrap_err();
    assert!(
        matches!(&err, StateError::Locked(held) if *held == lock("app", "op-1")),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("stack `app` is locked by operation `op-1` (apply, process 4242)")
    );

    // Other stacks lock independently.
    store.lock(&lock("net", "op-2")).unwrap();

    // Only the holder's unlock releases it.
    store.unlock("app", "op-2").unwrap();
    assert_eq!(store.lock_of("app").unwrap(), Some(lock("app", "op-1")));
    store.unlock("app", "op-1").unwrap();
    assert_eq!(store.lock_of("app").unwrap(), None);
    store.unlock("app", "op-1").unwrap();
    store.lock(&lock("app", "op-3")).unwrap();
    assert_eq!(store.lock_of("net").unwrap(), Some(lock("net", "op-2")));
}

#[test]
fn force_unlock_returns_what_was_held() {
    let dir = TempDir::new("force");
    let store = open(&dir.db());
    assert_eq!(store.force_unlock("app").unwrap(), None);
    store.lock(&lock("app", "op-1")).unwrap();
    assert_eq!(
        store.force_unlock("app").unwrap(),
        Some(lock("app", "op-1"))
    );
    assert_eq!(store.lock_of("app").unwrap(), None);
    store.lock(&lock("app", "op-2")).unwrap();
}

#[test]
fn a_stale_lock_is_taken_over_once() {
    // Two operations find the same stale lock: the first to take it over holds the stack; the second
    // is told who holds it now instead of removing that lock too.
    let dir = TempDir::new("take-over");
    let store = open(&dir.db());
    let stale = lock("app", "crashed");
    store.lock(&stale).unwrap();
    store.take_over(&stale, &lock("app", "op-1")).unwrap();
    match store.take_over(&stale, &lock("app", "op-2")) {
        Err(StateError::Locked(held)) => assert_eq!(held.operation_id, "op-1"),
        other => panic!("{other:?}"),
    }
    assert_eq!(store.lock_of("app").unwrap(), Some(lock("app", "op-1")));
    // Taking over a lock that was released meanwhile simply locks.
    store.unlock("app", "op-1").unwrap();
    store.take_over(&stale, &lock("app", "op-3")).unwrap();
    assert_eq!(store.lock_of("app").unwrap(), Some(lock("app", "op-3")));
}

/// Runs `contenders` attempts to lock the same stack at once and returns which operations won.
fn race(contenders: Vec<(Arc<SqliteStore>, String)>) -> Vec<String> {
    let barrier = Arc::new(Barrier::new(contenders.len()));
    let handles: Vec<_> = contenders
        .into_iter()
        .map(|(store, op)| {
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || {
                barrier.wait();
                match store.lock(&lock("app", &op)) {
                    Ok(()) => Some(op),
                    Err(StateError::Locked(held)) => {
                        assert_ne!(held.operation_id, op);
                        None
                    }
                    Err(e) => panic!("{e}"),
                }
            })
        })
        .collect();
    handles
        .into_iter()
        .filter_map(|h| h.join().unwrap())
        .collect()
}

#[test]
fn racing_threads_on_one_handle_get_one_lock() {
    let dir = TempDir::new("race-threads");
    let store = Arc::new(open(&dir.db()));
    for round in 0..10 {
        let ops = (0..4)
            .map(|t| (Arc::clone(&store), format!("op-{round}-{t}")))
            .collect();
        let winners = race(ops);
        assert_eq!(winners.len(), 1, "{winners:?}");
        assert_eq!(
            store.force_unlock("app").unwrap().map(|l| l.operation_id),
            winners.first().cloned()
        );
    }
}

#[test]
fn racing_handles_on_one_file_get_one_lock() {
    let dir = TempDir::new("race-handles");
    let stores: Vec<_> = (0..4).map(|_| Arc::new(open(&dir.db()))).collect();
    for round in 0..10 {
        let ops = stores
            .iter()
            .enumerate()
            .map(|(t, s)| (Arc::clone(s), format!("op-{round}-{t}")))
            .collect();
        let winners = race(ops);
        assert_eq!(winners.len(), 1, "{winners:?}");
        // Every handle sees the winner.
        for store in &stores {
            assert_eq!(
                store.lock_of("app").unwrap().map(|l| l.operation_id),
                winners.first().cloned()
            );
        }
        stores[round % 4].force_unlock("app").unwrap();
    }
}

#[test]
fn concurrent_writers_on_several_handles_lose_nothing() {
    let dir = TempDir::new("writers");
    let path = dir.db();
    open(&path);
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let path = path.clone();
            thread::spawn(move || {
                let store = open(&path);
                for n in 0..25 {
                    store.append_event(&event(&format!("s{t}"), n)).unwrap();
                    store
                        .put_resource(&format!("s{t}"), &resource(&format!("R{n}")))
                        .unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let store = open(&path);
    for t in 0..4 {
        let events = store.events(&format!("s{t}")).unwrap();
        assert_eq!(
            events,
            (0..25)
                .map(|n| event(&format!("s{t}"), n))
                .collect::<Vec<_>>()
        );
        assert_eq!(store.resources(&format!("s{t}")).unwrap().len(), 25);
    }
}
