//! Running steps in dependency order on a pool of threads: a step starts as soon as every step it waits
//! for is done, with at most `parallelism` steps in flight. Of the steps ready at once, those with the
//! longest chain of steps after them start first, so the graph's critical path is never kept waiting
//! behind steps that have time to spare. Threads are started as work becomes ready (a wide graph gets as
//! many as it can use, a chain only one: the calling thread). A worker may take several ready steps at
//! once (a batch, for a provider that takes them in one call). After the first failure no new step
//! starts; steps in flight finish.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

/// What one step did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepResult {
    Done,
    Failed(String),
}

/// What a run did, in completion order.
#[derive(Debug, Default)]
pub struct Schedule {
    pub done: Vec<String>,
    pub failed: Vec<(String, String)>,
    /// Steps never started because an earlier step failed.
    pub not_started: Vec<String>,
}

struct State {
    /// Ready steps, longest chain after them first, then in `ids` order.
    ready: BinaryHeap<(usize, Reverse<usize>)>,
    waiting_on: Vec<usize>,
    /// Steps in flight.
    running: usize,
    /// Worker threads started, and those waiting for work.
    workers: usize,
    idle: usize,
    stop: bool,
    started: Vec<bool>,
    schedule: Schedule,
}

/// Runs `work` for each id of `ids` (in order of readiness; among steps ready together, the one with the
/// longest chain of dependents first, ties in `ids` order). `after[i]` are the ids step `i` waits for (ids
/// not in `ids` are ignored). `parallelism` 0 means unlimited.
pub fn run<F>(ids: &[String], after: &[Vec<String>], parallelism: usize, work: F) -> Schedule
where
    F: Fn(&str) -> StepResult + Sync,
{
    let pool = Pool {
        parallelism,
        batch: 1,
        calls_wait: true,
    };
    run_batched(ids, after, pool, |batch, done| {
        done(vec![(0, work(&batch[0]))])
    })
}

/// Where a batch's work reports results: index in the batch and result, for the steps that finished
/// together.
pub type Report<'a> = &'a dyn Fn(Vec<(usize, StepResult)>);

/// How steps are handed to workers.
#[derive(Clone, Copy, Debug)]
pub struct Pool {
    /// Steps in flight at most; 0 means unlimited.
    pub parallelism: usize,
    /// Steps one worker takes at once at most.
    pub batch: usize,
    /// Whether work waits (for a cloud) rather than computes: workers are then started for whatever
    /// becomes ready while others wait; otherwise no more workers than the machine has cores.
    pub calls_wait: bool,
}

/// Like [`run`], but a worker takes up to `pool.batch` ready steps at once (longest chain after them
/// first) and `work` does them together, reporting steps' results to `done`
/// (index in the batch and result; the steps that finish together in one report) as soon as it has them:
/// the steps waiting for them may start at once. `work` reports every step of its batch exactly once.
pub fn run_batched<F>(ids: &[String], after: &[Vec<String>], pool: Pool, work: F) -> Schedule
where
    F: Fn(&[String], Report<'_>) + Sync,
{
    let index: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); ids.len()];
    let mut waiting_on = vec![0usize; ids.len()];
    for (i, deps) in after.iter().enumerate() {
        for d in deps {
            if let Some(&j) = index.get(d.as_str())
                && j != i
            {
                dependents[j].push(i);
                waiting_on[i] += 1;
            }
        }
    }
    let height = chain_lengths(&dependents, &waiting_on);
    let ready: BinaryHeap<(usize, Reverse<usize>)> = (0..ids.len())
        .filter(|&i| waiting_on[i] == 0)
        .map(|i| (height[i], Reverse(i)))
        .collect();
    let state = Mutex::new(State {
        ready,
        waiting_on,
        running: 0,
        workers: 0,
        idle: 0,
        stop: false,
        started: vec![false; ids.len()],
        schedule: Schedule::default(),
    });
    let limit = match pool.parallelism {
        0 => ids.len(),
        n => n.min(ids.len()),
    }
    .clamp(1, 512);
    let max_workers = if pool.calls_wait {
        limit
    } else {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        limit.min(cores)
    };
    let shared = Shared {
        ids,
        dependents: &dependents,
        height: &height,
        state: &state,
        wake: &Condvar::new(),
        work: &work,
        limit,
        batch: pool.batch.max(1),
        max_workers,
        calls_wait: pool.calls_wait,
    };
    // The calling thread is the first worker: a run that needs only one (a chain, or calls that take
    // whole levels at once) starts no thread and ends without waiting for one to exit.
    std::thread::scope(|s| {
        {
            let mut st = shared.lock();
            st.workers = 1;
        }
        worker(s, &shared);
    });
    let mut st = state
        .into_inner()
        .expect("no worker panicked while holding the lock");
    st.schedule.not_started = (0..ids.len())
        .filter(|&i| !st.started[i])
        .map(|i| ids[i].clone())
        .collect();
    st.schedule
}

/// For each step, how many steps the longest chain starting at it holds (1 for a step nothing waits
/// for). Steps in a cycle (never ready) count 1.
fn chain_lengths(dependents: &[Vec<usize>], waiting_on: &[usize]) -> Vec<usize> {
    // Kahn's order, then lengths from the end.
    let mut remaining = waiting_on.to_vec();
    let mut order: Vec<usize> = (0..dependents.len())
        .filter(|&i| remaining[i] == 0)
        .collect();
    let mut k = 0;
    while k < order.len() {
        for &d in &dependents[order[k]] {
            remaining[d] -= 1;
            if remaining[d] == 0 {
                order.push(d);
            }
        }
        k += 1;
    }
    let mut height = vec![1usize; dependents.len()];
    for &i in order.iter().rev() {
        height[i] = 1 + dependents[i].iter().map(|&d| height[d]).max().unwrap_or(0);
    }
    height
}

/// What every worker reads.
struct Shared<'a, F> {
    ids: &'a [String],
    dependents: &'a [Vec<usize>],
    height: &'a [usize],
    state: &'a Mutex<State>,
    wake: &'a Condvar,
    work: &'a F,
    /// At most this many steps in flight.
    limit: usize,
    /// At most this many steps taken at once by one worker.
    batch: usize,
    /// At most this many workers.
    max_workers: usize,
    calls_wait: bool,
}

impl<F> Shared<'_, F> {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .expect("scheduler lock poisoned: a step panicked (this is a bug)")
    }
}

fn worker<'scope, 'env, F>(s: &'scope std::thread::Scope<'scope, 'env>, sh: &'scope Shared<'env, F>)
where
    F: Fn(&[String], Report<'_>) + Sync,
{
    loop {
        let taken: Vec<usize> = {
            let mut st = sh.lock();
            loop {
                if st.stop || (st.ready.is_empty() && st.running == 0) {
                    return;
                }
                let taken = take(sh, &mut st);
                if !taken.is_empty() {
                    // More ready than this worker took: another worker takes the next share.
                    help(s, sh, &mut st);
                    break taken;
                }
                st.idle += 1;
                st = sh.wake.wait(st).expect("scheduler lock poisoned");
                st.idle -= 1;
            }
        };
        let names: Vec<String> = taken.iter().map(|&i| sh.ids[i].clone()).collect();
        let reported: Vec<AtomicBool> = taken.iter().map(|_| AtomicBool::new(false)).collect();
        let unreported = AtomicUsize::new(taken.len());
        let done = |results: Vec<(usize, StepResult)>| {
            let results: Vec<(usize, StepResult)> = results
                .into_iter()
                .filter(|(k, _)| {
                    let first = !reported[*k].swap(true, Ordering::SeqCst);
                    debug_assert!(first, "step `{}` reported twice", names[*k]);
                    first
                })
                .map(|(k, r)| (taken[k], r))
                .collect();
            // After the batch's last report this worker is about to take more work itself.
            let last = unreported.fetch_sub(results.len(), Ordering::SeqCst) == results.len();
            complete(s, sh, results, !last);
        };
        (sh.work)(&names, &done);
        for (k, r) in reported.iter().enumerate() {
            if !r.load(Ordering::SeqCst) {
                debug_assert!(false, "step `{}` ended without a result", names[k]);
                let failed = StepResult::Failed("the step ended without a result (a bug)".into());
                complete(s, sh, vec![(taken[k], failed)], false);
            }
        }
    }
}

/// Takes the next steps for one worker, longest chain after them first, within the batch size and the
/// steps still allowed in flight. When work waits, everything ready that fits (one evaluation, one commit
/// and one provider call for all the steps that became ready together: batches per chain length would
/// each pay a commit of their own, and on a small machine those commits compete for the processor with
/// the critical path's); when work computes, a fair share of what is ready (the other cores take the
/// rest).
fn take<F>(sh: &Shared<'_, F>, st: &mut State) -> Vec<usize> {
    let room = sh.limit - st.running;
    let mut n = sh.batch.min(room);
    if !sh.calls_wait {
        // Each core's worker gets its part of what is ready and of the steps allowed in flight, so that
        // one commits while the other computes.
        let share = st.ready.len().min(sh.limit).div_ceil(sh.max_workers);
        n = n.min(share);
    }
    let mut taken = Vec::with_capacity(n.min(st.ready.len()));
    while taken.len() < n {
        let Some((_, Reverse(i))) = st.ready.pop() else {
            break;
        };
        taken.push(i);
    }
    st.running += taken.len();
    for &i in &taken {
        st.started[i] = true;
    }
    taken
}

/// Records steps' results and makes the steps waiting only for them ready; with `find_worker`, finds them
/// a worker (without, the reporting worker is about to look for work itself).
fn complete<'scope, 'env, F>(
    s: &'scope std::thread::Scope<'scope, 'env>,
    sh: &'scope Shared<'env, F>,
    results: Vec<(usize, StepResult)>,
    find_worker: bool,
) where
    F: Fn(&[String], Report<'_>) + Sync,
{
    let mut st = sh.lock();
    for (i, result) in results {
        st.running -= 1;
        match result {
            StepResult::Done => {
                st.schedule.done.push(sh.ids[i].clone());
                for &d in &sh.dependents[i] {
                    st.waiting_on[d] -= 1;
                    if st.waiting_on[d] == 0 {
                        st.ready.push((sh.height[d], Reverse(d)));
                    }
                }
            }
            StepResult::Failed(reason) => {
                st.schedule.failed.push((sh.ids[i].clone(), reason));
                st.stop = true;
            }
        }
    }
    if st.stop || (st.ready.is_empty() && st.running == 0) {
        sh.wake.notify_all();
        return;
    }
    if find_worker {
        help(s, sh, &mut st);
    }
}

/// When steps are ready and may start, wakes an idle worker for them or starts one (within the limit).
fn help<'scope, 'env, F>(
    s: &'scope std::thread::Scope<'scope, 'env>,
    sh: &'scope Shared<'env, F>,
    st: &mut State,
) where
    F: Fn(&[String], Report<'_>) + Sync,
{
    if st.ready.is_empty() || st.running >= sh.limit {
        return;
    }
    if st.idle > 0 {
        sh.wake.notify_one();
    } else if st.workers < sh.max_workers {
        st.workers += 1;
        s.spawn(move || worker(s, sh));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unlimited parallelism, batches of up to 8, calls that wait.
    const WAITING: Pool = Pool {
        parallelism: 0,
        batch: 8,
        calls_wait: true,
    };

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn threads_start_as_work_becomes_ready() {
        let threads = |after: Vec<Vec<String>>, n: usize| {
            let seen = Mutex::new(std::collections::HashSet::new());
            let names: Vec<String> = (0..n).map(|i| format!("s{i}")).collect();
            let s = run(&names, &after, 0, |_| {
                seen.lock().unwrap().insert(std::thread::current().id());
                std::thread::sleep(std::time::Duration::from_millis(2));
                StepResult::Done
            });
            assert_eq!(s.done.len(), n);
            seen.into_inner().unwrap()
        };
        // A chain of 20 needs one thread at a time: the caller's.
        let chain: Vec<Vec<String>> = (0..20)
            .map(|i| {
                if i == 0 {
                    vec![]
                } else {
                    vec![format!("s{}", i - 1)]
                }
            })
            .collect();
        let caller = std::thread::current().id();
        assert_eq!(threads(chain, 20), [caller].into());
        // One root with 8 dependents: more threads start when they become ready.
        let fan: Vec<Vec<String>> = (0..9)
            .map(|i| {
                if i == 0 {
                    vec![]
                } else {
                    vec!["s0".to_owned()]
                }
            })
            .collect();
        assert!(threads(fan, 9).len() > 1);
    }

    #[test]
    fn respects_dependencies_and_parallelism() {
        let order = Mutex::new(Vec::new());
        let in_flight = AtomicUsize::new(0);
        let max = AtomicUsize::new(0);
        let s = run(
            &ids(&["a", "b", "c", "d"]),
            &[
                vec![],
                vec!["a".into()],
                vec!["a".into()],
                vec!["b".into(), "c".into()],
            ],
            2,
            |id| {
                let n = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                max.fetch_max(n, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(5));
                order.lock().unwrap().push(id.to_owned());
                in_flight.fetch_sub(1, Ordering::SeqCst);
                StepResult::Done
            },
        );
        let order = order.into_inner().unwrap();
        assert_eq!(order.first().map(String::as_str), Some("a"));
        assert_eq!(order.last().map(String::as_str), Some("d"));
        assert_eq!(s.done.len(), 4);
        assert!(max.load(Ordering::SeqCst) <= 2);
    }

    #[test]
    fn a_failure_stops_new_steps() {
        let s = run(
            &ids(&["a", "b", "c"]),
            &[vec![], vec!["a".into()], vec!["b".into()]],
            0,
            |id| {
                if id == "b" {
                    StepResult::Failed("boom".into())
                } else {
                    StepResult::Done
                }
            },
        );
        assert_eq!(s.done, ["a"]);
        assert_eq!(s.failed, [("b".to_owned(), "boom".to_owned())]);
        assert_eq!(s.not_started, ["c"]);
    }

    #[test]
    fn the_longest_chain_starts_first() {
        // `c` heads a chain of three; `a` and `b` stand alone and come first in `ids`.
        let order = Mutex::new(Vec::new());
        run(
            &ids(&["a", "b", "c", "d", "e"]),
            &[vec![], vec![], vec![], vec!["c".into()], vec!["d".into()]],
            1,
            |id| {
                order.lock().unwrap().push(id.to_owned());
                StepResult::Done
            },
        );
        // Then `d` (a chain of two), then the ones left in `ids` order.
        assert_eq!(order.into_inner().unwrap(), ["c", "d", "a", "b", "e"]);
        assert_eq!(
            chain_lengths(&[vec![1], vec![2], vec![]], &[0, 1, 1]),
            [3, 2, 1]
        );
    }

    #[test]
    fn batches_report_as_they_go() {
        // `a` and `b` (each heading a chain of two) go in one batch; `c` waits only for `a` and starts
        // while `b` is still running; `d` waits for `b`.
        let names = ids(&["a", "b", "c", "d"]);
        let after = [vec![], vec![], vec!["a".into()], vec!["b".into()]];
        let b_may_finish = (Mutex::new(false), Condvar::new());
        let batches = Mutex::new(Vec::new());
        let s = run_batched(&names, &after, WAITING, |batch, done| {
            batches.lock().unwrap().push(batch.to_vec());
            if batch.len() == 2 {
                done(vec![(0, StepResult::Done)]);
                let (lock, cv) = &b_may_finish;
                let mut may = lock.lock().unwrap();
                while !*may {
                    may = cv.wait(may).unwrap();
                }
                done(vec![(1, StepResult::Done)]);
            } else {
                done(vec![(0, StepResult::Done)]);
                if batch == ["c"] {
                    *b_may_finish.0.lock().unwrap() = true;
                    b_may_finish.1.notify_all();
                }
            }
        });
        assert_eq!(s.done, ["a", "c", "b", "d"]);
        assert_eq!(
            batches.into_inner().unwrap(),
            [ids(&["a", "b"]), ids(&["c"]), ids(&["d"])]
        );
    }

    #[test]
    fn a_waiting_batch_takes_every_ready_step_longest_chain_first() {
        // `a` and `c` stand alone, `b` heads a chain of two: when calls wait, one worker takes all three
        // at once (one commit and one call for them), `b` first, then `d` once `b` is done.
        let names = ids(&["a", "b", "c", "d"]);
        let after = [vec![], vec![], vec![], vec!["b".into()]];
        let batches = Mutex::new(Vec::new());
        let s = run_batched(&names, &after, WAITING, |batch, done| {
            batches.lock().unwrap().push(batch.to_vec());
            done((0..batch.len()).map(|k| (k, StepResult::Done)).collect());
        });
        assert_eq!(s.done.len(), 4);
        assert_eq!(
            batches.into_inner().unwrap(),
            [ids(&["b", "a", "c"]), ids(&["d"])]
        );
    }

    #[test]
    fn batches_respect_parallelism_and_failures() {
        let in_flight = AtomicUsize::new(0);
        let max = AtomicUsize::new(0);
        let names: Vec<String> = (0..20).map(|i| format!("s{i}")).collect();
        let after = vec![Vec::new(); 20];
        let pool = Pool {
            parallelism: 3,
            batch: 8,
            calls_wait: false,
        };
        let s = run_batched(&names, &after, pool, |batch, done| {
            let n = in_flight.fetch_add(batch.len(), Ordering::SeqCst) + batch.len();
            max.fetch_max(n, Ordering::SeqCst);
            in_flight.fetch_sub(batch.len(), Ordering::SeqCst);
            let results = batch
                .iter()
                .enumerate()
                .map(|(k, id)| {
                    let r = if id == "s4" {
                        StepResult::Failed("boom".into())
                    } else {
                        StepResult::Done
                    };
                    (k, r)
                })
                .collect();
            done(results);
        });
        assert!(max.load(Ordering::SeqCst) <= 3);
        assert_eq!(s.failed, [("s4".to_owned(), "boom".to_owned())]);
        // Nothing starts after the failure; everything is accounted for.
        assert_eq!(s.done.len() + s.failed.len() + s.not_started.len(), 20);
        assert!(!s.not_started.is_empty());
    }
}
