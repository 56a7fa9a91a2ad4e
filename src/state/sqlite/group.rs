//! Group commit for [`StateStore::record`](crate::state::StateStore::record): the engine records a status
//! transition from many threads at once (every resource of a wave finishes its provider call at about the
//! same time). Each caller queues its write and waits; one of them, the leader, commits everything queued
//! in a single transaction and wakes the others. Every caller still returns only once its own write is
//! committed, so the contract "committed before the next provider call" holds; the commits are just
//! shared.
//!
//! A write may also be *deferred* ([`Group::defer`]): queued without waiting, it is committed with the next
//! write anyone submits (or by [`Group::flush`]). The engine defers a resource's COMPLETE transition, which
//! then shares the commit of the next IN_PROGRESS: every transition is still committed before the next
//! provider call, and a crash in between is settled by recovery (creates are idempotent by token, a
//! resource the provider no longer has is deleted).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};

use crate::state::{EventRecord, ResourceRecord, StackRecord};

/// A queued write, owned (the caller's borrows end when it returns).
pub(super) enum Write {
    Stack(StackRecord),
    /// Everything but the template (left empty: the store keeps its own).
    StackStatus(StackRecord),
    Resource(String, ResourceRecord),
    /// Everything but the properties (left `Null`: the row keeps its own).
    ResourceState(String, ResourceRecord),
    RemoveResource(String, String),
    Nothing,
}

/// One queued write with its event.
pub(super) type Item = (u64, Write, Option<EventRecord>);

impl Write {
    pub(super) fn of(change: crate::state::Change<'_>) -> Write {
        use crate::state::Change;
        match change {
            Change::Stack(s) => Write::Stack(s.clone()),
            Change::StackStatus(s) => Write::StackStatus(StackRecord {
                name: s.name.clone(),
                id: s.id.clone(),
                region: s.region.clone(),
                status: s.status,
                status_reason: s.status_reason.clone(),
                template: String::new(),
                parameters: s.parameters.clone(),
                outputs: s.outputs.clone(),
                tags: s.tags.clone(),
                imports: s.imports.clone(),
                lineage: s.lineage.clone(),
                serial: s.serial,
                created_at: s.created_at.clone(),
                updated_at: s.updated_at.clone(),
            }),
            Change::Resource(stack, r) => Write::Resource(stack.to_owned(), r.clone()),
            Change::ResourceState(stack, r) => Write::ResourceState(
                stack.to_owned(),
                ResourceRecord {
                    logical_id: r.logical_id.clone(),
                    resource_type: r.resource_type.clone(),
                    physical_id: r.physical_id.clone(),
                    token: r.token.clone(),
                    properties: serde_json::Value::Null,
                    attributes: r.attributes.clone(),
                    status: r.status,
                    status_reason: r.status_reason.clone(),
                    ref_value: r.ref_value.clone(),
                    pending: r.pending.clone(),
                },
            ),
            Change::RemoveResource(stack, id) => {
                Write::RemoveResource(stack.to_owned(), id.to_owned())
            }
            Change::Nothing => Write::Nothing,
        }
    }
}

#[derive(Default)]
struct Queue {
    pending: Vec<Item>,
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
    /// Set while deferred writes may be queued.
    deferred: AtomicBool,
}

impl Group {
    /// Queues a write to be committed with the next one submitted; returns at once.
    pub(super) fn defer(&self, write: Write, event: EventRecord) {
        let mut q = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        q.next += 1;
        let ticket = q.next;
        q.pending.push((ticket, write, Some(event)));
        self.deferred.store(true, Ordering::Release);
    }

    /// Whether deferred writes may be waiting (a cheap check before [`Group::flush`]).
    pub(super) fn has_deferred(&self) -> bool {
        self.deferred.load(Ordering::Acquire)
    }

    /// Commits every write queued so far (deferred ones included); returns once they are committed,
    /// including those a leader took and is committing now.
    pub(super) fn flush(
        &self,
        commit: impl Fn(&[Item]) -> Result<(), String>,
    ) -> Result<(), String> {
        let mut q = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        if !q.pending.is_empty() {
            drop(q);
            return self.submit_item(Write::Nothing, None, commit);
        }
        // Nothing waits to be taken; wait for the batch in flight, if any.
        let (from, upto) = (q.done_upto, q.next);
        while q.done_upto < upto {
            q = self.wake.wait(q).unwrap_or_else(PoisonError::into_inner);
        }
        match q
            .failed
            .iter()
            .find(|(t, _)| (from + 1..=upto).contains(*t))
        {
            Some((_, reason)) => Err(reason.clone()),
            None => Ok(()),
        }
    }

    /// Queues a write and returns once it is committed: `commit` runs a batch in one transaction.
    pub(super) fn submit(
        &self,
        write: Write,
        event: EventRecord,
        commit: impl Fn(&[Item]) -> Result<(), String>,
    ) -> Result<(), String> {
        self.submit_item(write, Some(event), commit)
    }

    fn submit_item(
        &self,
        write: Write,
        event: Option<EventRecord>,
        commit: impl Fn(&[Item]) -> Result<(), String>,
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
            self.deferred.store(false, Ordering::Release);
            drop(q);
            let result = commit(&batch);
            q = self.settle(&batch, result);
        }
    }

    /// Runs `write` as the leader with every write queued so far (deferred ones included; there may be
    /// none), once no other leader is committing: `write` commits them in a transaction of its own
    /// making and answers whether they were committed, with its own result.
    pub(super) fn lead<T>(&self, write: impl FnOnce(&[Item]) -> (Result<(), String>, T)) -> T {
        let mut q = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        while q.leader {
            q = self.wake.wait(q).unwrap_or_else(PoisonError::into_inner);
        }
        q.leader = true;
        let batch = std::mem::take(&mut q.pending);
        self.deferred.store(false, Ordering::Release);
        drop(q);
        let (result, out) = write(&batch);
        drop(self.settle(&batch, result));
        out
    }

    /// Records how a leader's batch ended and wakes the callers waiting for it; the queue, locked again.
    fn settle(
        &self,
        batch: &[Item],
        result: Result<(), String>,
    ) -> std::sync::MutexGuard<'_, Queue> {
        let mut q = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        let last = batch.last().map_or(q.done_upto, |(t, _, _)| *t);
        if let Err(reason) = result {
            for (t, _, _) in batch {
                q.failed.insert(*t, reason.clone());
            }
        }
        q.done_upto = q.done_upto.max(last);
        q.leader = false;
        self.wake.notify_all();
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    fn event(n: usize) -> EventRecord {
        EventRecord {
            event_id: format!("e{n}"),
            operation_id: "op".into(),
            stack_name: "s".into(),
            timestamp: String::new(),
            logical_id: format!("R{n}"),
            physical_id: None,
            resource_type: "AWS::SQS::Queue".into(),
            status: "CREATE_IN_PROGRESS".into(),
            status_reason: None,
        }
    }

    #[test]
    fn flush_waits_for_the_batch_another_thread_is_committing() {
        let group = Group::default();
        let committed = AtomicBool::new(false);
        let (started_tx, started_rx) = mpsc::channel();
        std::thread::scope(|s| {
            s.spawn(|| {
                group.defer(Write::Nothing, event(1));
                group
                    .submit(Write::Nothing, event(2), |batch| {
                        assert_eq!(batch.len(), 2);
                        started_tx.send(()).unwrap();
                        std::thread::sleep(Duration::from_millis(50));
                        committed.store(true, Ordering::SeqCst);
                        Ok(())
                    })
                    .unwrap();
            });
            // The leader took the deferred write and is committing it: nothing is pending, yet the flush
            // must not return before that commit.
            started_rx.recv().unwrap();
            group
                .flush(|_| panic!("nothing is left to commit"))
                .unwrap();
            assert!(committed.load(Ordering::SeqCst));
        });
    }

    #[test]
    fn flush_reports_the_failure_of_the_batch_it_waited_for() {
        let group = Group::default();
        let (started_tx, started_rx) = mpsc::channel();
        std::thread::scope(|s| {
            s.spawn(|| {
                group.defer(Write::Nothing, event(1));
                let r = group.submit(Write::Nothing, event(2), |_| {
                    started_tx.send(()).unwrap();
                    std::thread::sleep(Duration::from_millis(20));
                    Err("disk full".into())
                });
                assert_eq!(r, Err("disk full".to_owned()));
            });
            started_rx.recv().unwrap();
            assert_eq!(group.flush(|_| Ok(())), Err("disk full".to_owned()));
        });
        // A later flush with nothing in flight is fine.
        assert_eq!(group.flush(|_| Ok(())), Ok(()));
    }
}
