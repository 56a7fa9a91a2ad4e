//! Group commit for [`StateStore::record`](crate::state::StateStore::record): the engine records a status
//! transition from many threads at once (every resource of a wave finishes its provider call at about the
//! same time). Each caller queues its write and waits; one of them, the leader, commits everything queued
//! in a single transaction and wakes the others. Every caller still returns only once its own write is
//! committed, so the contract "committed before the next provider call" holds; the commits are just
//! shared.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, PoisonError};

use crate::state::{EventRecord, ResourceRecord, StackRecord};

/// A queued write, owned (the caller's borrows end when it returns).
pub(super) enum Write {
    Stack(StackRecord),
    Resource(String, ResourceRecord),
    RemoveResource(String, String),
    Nothing,
}

#[derive(Default)]
struct Queue {
    pending: Vec<(u64, Write, EventRecord)>,
    next: u64,
    /// Every ticket up to this one is committed (or failed).
    done_upto: u64,
    leader: bool,
    /// Tickets whose batch failed, with the reason.
    failed: HashMap<u64, String>,
}

#[derive(Default)]
pub(super) struct Group {
    queue: Mutex<Queue>,
    wake: Condvar,
}

impl Group {
    /// Queues a write and returns once it is committed: `commit` runs a batch in one transaction.
    pub(super) fn submit(
        &self,
        write: Write,
        event: EventRecord,
        commit: impl Fn(&[(u64, Write, EventRecord)]) -> Result<(), String>,
    ) -> Result<(), String> {
        let lock = || self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        let mut q = lock();
        q.next += 1;
        let ticket = q.next;
        q.pending.push((ticket, write, event));
        loop {
            if q.done_upto >= ticket {
                return match q.failed.remove(&ticket) {
                    Some(reason) => Err(reason),
                    None => Ok(()),
                };
            }
            if q.leader {
                q = self.wake.wait(q).unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            q.leader = true;
            let batch = std::mem::take(&mut q.pending);
            drop(q);
            let result = commit(&batch);
            q = lock();
            let last = batch.last().map_or(q.done_upto, |(t, _, _)| *t);
            if let Err(reason) = result {
                for (t, _, _) in &batch {
                    q.failed.insert(*t, reason.clone());
                }
            }
            q.done_upto = q.done_upto.max(last);
            q.leader = false;
            self.wake.notify_all();
        }
    }
}
