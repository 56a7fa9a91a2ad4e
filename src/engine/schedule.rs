//! Running steps in dependency order on a pool of threads: a step starts as soon as every step it waits
//! for is done, with at most `parallelism` steps in flight. After the first failure no new step starts;
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
        stop: false,
        started: vec![false; ids.len()],
        schedule: Schedule::default(),
    });
    let wake = Condvar::new();
    let workers = match parallelism {
        0 => ids.len(),
        n => n.min(ids.len()),
    }
    .clamp(1, 512);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| worker(ids, &dependents, &state, &wake, &work));
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

fn worker<F>(
    ids: &[String],
    dependents: &[Vec<usize>],
    state: &Mutex<State>,
    wake: &Condvar,
    work: &F,
) where
    F: Fn(&str) -> StepResult + Sync,
{
    let lock = || {
        state
            .lock()
            .expect("scheduler lock poisoned: a step panicked (this is a bug)")
    };
    loop {
        let i = {
            let mut st = lock();
            loop {
                if st.stop || (st.ready.is_empty() && st.running == 0) {
                    return;
                }
                if let Some(i) = st.ready.pop_front() {
                    st.running += 1;
                    st.started[i] = true;
                    break i;
                }
                st = wake.wait(st).expect("scheduler lock poisoned");
            }
        };
        let result = work(&ids[i]);
        let mut st = lock();
        st.running -= 1;
        // Wake only as many idle workers as there is new work (a wake-up for every completion would
        // wake every idle thread each time); wake them all when the run is over.
        let mut newly_ready = 0;
        match result {
            StepResult::Done => {
                st.schedule.done.push(ids[i].clone());
                for &d in &dependents[i] {
                    st.waiting_on[d] -= 1;
                    if st.waiting_on[d] == 0 {
                        st.ready.push_back(d);
                        newly_ready += 1;
                    }
                }
            }
            StepResult::Failed(reason) => {
                st.schedule.failed.push((ids[i].clone(), reason));
                st.stop = true;
            }
        }
        if st.stop || (st.ready.is_empty() && st.running == 0) {
            wake.notify_all();
        } else {
            // This worker takes one of the new steps itself.
            for _ in 1..newly_ready {
                wake.notify_one();
            }
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
