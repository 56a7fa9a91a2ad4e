//! The mock cloud's connection, shared by the threads of one apply, with shared commits: an operation's
//! write runs in a savepoint of the write transaction that is open, and whoever releases the connection
//! while no other thread waits for it commits that transaction. Operations that arrive together (a wave
//! of resources requested at the same moment) so share one commit, and each still returns only once its
//! own write is committed: the cloud never answers with a resource it could lose. A batch
//! ([`Shared::write_many`], the operations of one `create_many` / `delete_many`) is one commit of its
//! own.
//!
//! A transaction stays open only while another thread is already waiting for the connection, so the file's
//! write lock is never held across an operation's simulated latency; and it is committed after at most
//! [`MAX_BATCH`] writes or [`MAX_OPEN`], so that a steady stream of operations cannot keep the first ones
//! waiting for their commit.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::store::internal;
use crate::provider::Result;

/// Writes in one shared commit at most.
const MAX_BATCH: usize = 64;

/// How long a shared commit may wait for more writes.
const MAX_OPEN: Duration = Duration::from_millis(1);

/// The connection and its open transaction.
struct Slot {
    conn: Connection,
    /// The batch number of the open transaction, if one is open.
    open: Option<u64>,
    next: u64,
    /// When the open transaction began and how many writes it holds.
    since: Instant,
    writes: usize,
}

/// Which batches are committed.
#[derive(Default)]
struct Durable {
    /// Every batch up to this one is committed or failed (batches commit in order: one is open at a time).
    upto: u64,
    failed: HashMap<u64, String>,
}

pub(super) struct Shared {
    slot: Mutex<Slot>,
    /// Threads waiting to take the connection.
    waiting: AtomicUsize,
    durable: Mutex<Durable>,
    committed: Condvar,
}

/// The connection, held. Reads see the open transaction's writes (the same connection). Dropping it
/// commits the open transaction unless another thread is waiting to take the connection.
pub(super) struct Guard<'a> {
    shared: &'a Shared,
    slot: MutexGuard<'a, Slot>,
}

impl std::ops::Deref for Guard<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.slot.conn
    }
}

impl std::ops::DerefMut for Guard<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.slot.conn
    }
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        if self.slot.open.is_some()
            && (self.shared.waiting.load(Ordering::SeqCst) == 0
                || self.slot.writes >= MAX_BATCH
                || self.slot.since.elapsed() >= MAX_OPEN)
        {
            self.commit();
        }
    }
}

impl Guard<'_> {
    /// Commits the open transaction (if any) and tells the threads waiting for it.
    fn commit(&mut self) -> Option<String> {
        let batch = self.slot.open.take()?;
        let failure = match run(&self.slot.conn, "COMMIT") {
            Ok(()) => None,
            Err(e) => {
                let _ = self.slot.conn.execute_batch("ROLLBACK");
                Some(format!("mock cloud store: commit: {e}"))
            }
        };
        let mut d = self.shared.durable();
        if let Some(reason) = &failure {
            d.failed.insert(batch, reason.clone());
        }
        d.upto = d.upto.max(batch);
        self.shared.committed.notify_all();
        failure
    }
}

impl Shared {
    pub(super) fn new(conn: Connection) -> Shared {
        Shared {
            slot: Mutex::new(Slot {
                conn,
                open: None,
                next: 0,
                since: Instant::now(),
                writes: 0,
            }),
            waiting: AtomicUsize::new(0),
            durable: Mutex::new(Durable::default()),
            committed: Condvar::new(),
        }
    }

    fn durable(&self) -> MutexGuard<'_, Durable> {
        self.durable.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes the connection (for reads and single statements, which join the open transaction if any).
    pub(super) fn lock(&self) -> Guard<'_> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        // A panic while holding the lock is a bug; the writes it made are committed with the batch or not at
        // all, and no caller was told they were.
        let slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        Guard { shared: self, slot }
    }

    /// Takes the connection with no transaction open, for code that runs its own transaction.
    pub(super) fn lock_alone(&self) -> Result<Guard<'_>> {
        let mut g = self.lock();
        match g.commit() {
            Some(reason) => Err(internal("commit", reason)),
            None => Ok(g),
        }
    }

    /// Runs `f` as one atomic write (a savepoint: an error undoes all of it) and returns once it is
    /// committed, possibly together with the writes of other threads.
    pub(super) fn write<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let mut g = self.lock();
        let batch = g.open()?;
        g.slot.writes += 1;
        let result = atomically(&g.slot.conn, f);
        drop(g);
        let value = result?;
        self.committed(batch).map(|()| value)
    }

    /// Runs `f` for each item, each as one atomic write like [`Shared::write`], all in the same
    /// transaction; returns once they are committed, one result per item.
    pub(super) fn write_many<I, T>(
        &self,
        items: &[I],
        f: impl Fn(&Connection, &I) -> Result<T>,
    ) -> Vec<Result<T>> {
        if items.is_empty() {
            return Vec::new();
        }
        let mut g = self.lock();
        let batch = match g.open() {
            Ok(b) => b,
            Err(e) => return items.iter().map(|_| Err(e.clone())).collect(),
        };
        g.slot.writes += items.len();
        let results: Vec<Result<T>> = items
            .iter()
            .map(|item| atomically(&g.slot.conn, |conn| f(conn, item)))
            .collect();
        // A batch is a group of its own: committed now rather than kept open for the writes of others
        // (its results may be what the critical path waits for).
        g.commit();
        drop(g);
        match self.committed(batch) {
            Ok(()) => results,
            Err(e) => results
                .into_iter()
                .map(|r| r.and_then(|_| Err(e.clone())))
                .collect(),
        }
    }

    /// Waits until `batch` is committed.
    fn committed(&self, batch: u64) -> Result<()> {
        let mut d = self.durable();
        while d.upto < batch {
            d = self
                .committed
                .wait(d)
                .unwrap_or_else(PoisonError::into_inner);
        }
        match d.failed.get(&batch) {
            Some(reason) => Err(internal("commit", reason)),
            None => Ok(()),
        }
    }
}

impl Guard<'_> {
    /// The open write transaction's batch number, beginning one if none is open.
    fn open(&mut self) -> Result<u64> {
        if let Some(b) = self.slot.open {
            return Ok(b);
        }
        run(&self.slot.conn, "BEGIN IMMEDIATE").map_err(|e| internal("begin", e))?;
        self.slot.next += 1;
        let b = self.slot.next;
        self.slot.open = Some(b);
        self.slot.since = Instant::now();
        self.slot.writes = 0;
        Ok(b)
    }
}

/// Runs `f` in a savepoint of the open transaction: an error undoes all it wrote.
fn atomically<T>(conn: &Connection, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
    run(conn, "SAVEPOINT operation").map_err(|e| internal("savepoint", e))?;
    let result = f(conn);
    if result.is_err() {
        run(conn, "ROLLBACK TO operation").map_err(|e| internal("savepoint", e))?;
    }
    run(conn, "RELEASE operation").map_err(|e| internal("savepoint", e))?;
    result
}

/// Runs one statement without arguments, prepared once per connection (they run on every operation).
fn run(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared() -> Shared {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (n INTEGER PRIMARY KEY)")
            .unwrap();
        Shared::new(conn)
    }

    fn count(s: &Shared) -> i64 {
        s.lock()
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_write_is_committed_when_it_returns() {
        let s = shared();
        s.write(|c| {
            c.execute("INSERT INTO t VALUES (1)", [])
                .map_err(|e| internal("insert", e))
        })
        .unwrap();
        assert!(s.slot.lock().unwrap().open.is_none());
        assert_eq!(count(&s), 1);
    }

    #[test]
    fn a_failed_write_leaves_nothing_and_others_commit() {
        let s = shared();
        let r: Result<()> = s.write(|c| {
            c.execute("INSERT INTO t VALUES (1)", [])
                .map_err(|e| internal("insert", e))?;
            Err(internal("refused", "no"))
        });
        assert!(r.is_err());
        assert_eq!(count(&s), 0);
        s.write(|c| {
            c.execute("INSERT INTO t VALUES (2)", [])
                .map_err(|e| internal("insert", e))
        })
        .unwrap();
        assert_eq!(count(&s), 1);
    }

    #[test]
    fn concurrent_writes_all_commit() {
        let s = shared();
        std::thread::scope(|scope| {
            for t in 0..8 {
                let s = &s;
                scope.spawn(move || {
                    for i in 0..50 {
                        s.write(|c| {
                            c.execute("INSERT INTO t VALUES (?1)", [t * 1000 + i])
                                .map_err(|e| internal("insert", e))
                        })
                        .unwrap();
                    }
                });
            }
        });
        assert!(s.slot.lock().unwrap().open.is_none());
        assert_eq!(count(&s), 400);
    }

    #[test]
    fn lock_alone_commits_the_open_transaction_first() {
        let s = shared();
        {
            let mut g = s.lock();
            g.slot.conn.execute_batch("BEGIN IMMEDIATE").unwrap();
            g.slot.open = Some(1);
            g.slot.next = 1;
            g.slot.conn.execute("INSERT INTO t VALUES (7)", []).unwrap();
            // Pretend another thread waits, so the release leaves the transaction open.
            s.waiting.fetch_add(1, Ordering::SeqCst);
        }
        s.waiting.fetch_sub(1, Ordering::SeqCst);
        let mut g = s.lock_alone().unwrap();
        assert!(g.slot.open.is_none());
        let tx = g.transaction().unwrap();
        tx.commit().unwrap();
        drop(g);
        assert_eq!(count(&s), 1);
    }
}
