//! Running steps in dependency order on a pool of threads: a step starts as soon as every step it waits
//! for is done, with at most `parallelism` steps in flight. Threads are started as work becomes ready (a
//! wide graph gets as many as it can use, a chain only one). After the first failure no new step starts;
//! steps in flight finish.

use std::collections::{HashMap, VecDeque};
use std::sync::{Condvar, Mutex};

/// What one step did.
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
    ready: VecDeque<usize>,
    waiting_on: Vec<usize>,
    running: usize,
    /// Worker threads started, and those waiting for work.
    workers: usize,
    idle: usize,
    stop: bool,
    started: Vec<bool>,
    schedule: Schedule,
}

/// Runs `work` for each id of `ids` (in order of readiness, ties in `ids` order). `after[i]` are the ids
/// step `i` waits for (ids not in `ids` are ignored). `parallelism` 0 means unlimited.
pub fn run<F>(ids: &[String], after: &[Vec<String>], parallelism: usize, work: F) -> Schedule
where
    F: Fn(&str) -> StepResult + Sync,
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
    let ready: VecDeque<usize> = (0..ids.len()).filter(|&i| waiting_on[i] == 0).collect();
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
    let limit = match parallelism {
        0 => ids.len(),
        n => n.min(ids.len()),
    }
    .clamp(1, 512);
    let shared = Shared {
        ids,
        dependents: &dependents,
        state: &state,
        wake: &Condvar::new(),
        work: &work,
        limit,
    };
    std::thread::scope(|s| {
        let first = {
            let mut st = shared.lock();
            let n = st.ready.len().clamp(1, limit);
            st.workers = n;
            n
        };
        for _ in 0..first {
            s.spawn(|| worker(s, &shared));
        }
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

/// What every worker reads.
struct Shared<'a, F> {
    ids: &'a [String],
    dependents: &'a [Vec<usize>],
    state: &'a Mutex<State>,
    wake: &'a Condvar,
    work: &'a F,
    /// At most this many workers.
    limit: usize,
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
    F: Fn(&str) -> StepResult + Sync,
{
    loop {
        let i = {
            let mut st = sh.lock();
            loop {
                if st.stop || (st.ready.is_empty() && st.running == 0) {
                    return;
                }
                if let Some(i) = st.ready.pop_front() {
                    st.running += 1;
                    st.started[i] = true;
                    break i;
                }
                st.idle += 1;
                st = sh.wake.wait(st).expect("scheduler lock poisoned");
                st.idle -= 1;
            }
        };
        let result = (sh.work)(&sh.ids[i]);
        let mut st = sh.lock();
        st.running -= 1;
        // Wake only as many idle workers as there is new work (a wake-up for every completion would
        // wake every idle thread each time), start more when none is idle; wake them all at the end.
        let mut newly_ready: usize = 0;
        match result {
            StepResult::Done => {
                st.schedule.done.push(sh.ids[i].clone());
                for &d in &sh.dependents[i] {
                    st.waiting_on[d] -= 1;
                    if st.waiting_on[d] == 0 {
                        st.ready.push_back(d);
                        newly_ready += 1;
                    }
                }
            }
            StepResult::Failed(reason) => {
                st.schedule.failed.push((sh.ids[i].clone(), reason));
                st.stop = true;
            }
        }
        if st.stop || (st.ready.is_empty() && st.running == 0) {
            sh.wake.notify_all();
            continue;
        }
        // This worker takes one of the new steps itself.
        let others = newly_ready.saturating_sub(1);
        let woken = others.min(st.idle);
        for _ in 0..woken {
            sh.wake.notify_one();
        }
        let more = (others - woken).min(sh.limit - st.workers);
        st.workers += more;
        drop(st);
        for _ in 0..more {
            s.spawn(move || worker(s, sh));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

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
            seen.into_inner().unwrap().len()
        };
        // A chain of 20 needs one thread at a time.
        let chain: Vec<Vec<String>> = (0..20)
            .map(|i| {
                if i == 0 {
                    vec![]
                } else {
                    vec![format!("s{}", i - 1)]
                }
            })
            .collect();
        assert_eq!(threads(chain, 20), 1);
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
        assert!(threads(fan, 9) > 1);
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
}
