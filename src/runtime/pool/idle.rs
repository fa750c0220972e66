//! Which workers are asleep and how many are searching: the handshake that lets an idle pool
//! use no CPU without ever leaving a queued task unnoticed.
//!
//! The rule (tokio's): whoever queues work, then looks here (`worker_to_notify`); a worker
//! that runs out of work records itself asleep here (`sleep`), then looks at the queues once
//! more before it parks. All four steps are sequentially consistent, so of a queuer and a
//! worker going to sleep at the same moment, at least one sees the other: the queuer wakes a
//! sleeper, or the worker finds the task.
//!
//! Searching workers (stealing) are counted so that a burst of wakes wakes one worker, not all:
//! while one searches, queuers wake nobody, and a searcher that finds work wakes the next one
//! (`Worker::found_work`). At most half the workers search at a time.

use crate::loom::atomic::{fence, AtomicUsize, Ordering::Relaxed, Ordering::SeqCst};
use crate::util::Mutex;

pub(super) struct Idle {
    /// Workers looking for work to steal right now (a woken sleeper counts from its wake).
    searching: AtomicUsize,
    /// How many workers are asleep: `sleepers.len()`, readable without the lock.
    asleep: AtomicUsize,
    /// The sleeping workers' indices, the most recent last (woken first: its caches are warm).
    sleepers: Mutex<Vec<usize>>,
    workers: usize,
}

impl Idle {
    pub(super) fn new(workers: usize) -> Idle {
        Idle {
            searching: AtomicUsize::new(0),
            asleep: AtomicUsize::new(0),
            sleepers: Mutex::new(Vec::with_capacity(workers)),
            workers,
        }
    }

    /// Work was queued: the sleeping worker to wake, if no worker is searching (a searcher
    /// will find the work). The woken worker counts as searching from here.
    pub(super) fn worker_to_notify(&self) -> Option<usize> {
        fence(SeqCst);
        if self.searching.load(SeqCst) != 0 || self.asleep.load(SeqCst) == 0 {
            return None;
        }
        let mut sleepers = self.sleepers.lock();
        let index = sleepers.pop()?;
        self.asleep.fetch_sub(1, SeqCst);
        self.searching.fetch_add(1, SeqCst);
        Some(index)
    }

    /// A cheap, possibly stale look (no fence): is some worker asleep while none searches?
    /// For wakes that only spread work a busy worker would run anyway; a wake that a queued
    /// task depends on goes through `worker_to_notify`'s full handshake.
    pub(super) fn may_want_work(&self) -> bool {
        self.asleep.load(Relaxed) != 0 && self.searching.load(Relaxed) == 0
    }

    /// Whether a worker may start stealing: fewer than half the workers are searching (so a
    /// crowd of idle workers does not contend on one busy worker's queue).
    pub(super) fn try_start_searching(&self) -> bool {
        let searching = self.searching.load(SeqCst);
        if 2 * searching >= self.workers.max(2) {
            return false;
        }
        self.searching.fetch_add(1, SeqCst);
        true
    }

    /// A searching worker found work (or gave up): true if it was the last one searching.
    pub(super) fn stop_searching(&self) -> bool {
        self.searching.fetch_sub(1, SeqCst) == 1
    }

    /// Records worker `index` asleep, no longer searching if it was. The caller then looks at
    /// the queues once more before it parks.
    pub(super) fn sleep(&self, index: usize, was_searching: bool) {
        let mut sleepers = self.sleepers.lock();
        sleepers.push(index);
        self.asleep.fetch_add(1, SeqCst);
        if was_searching {
            self.searching.fetch_sub(1, SeqCst);
        }
        drop(sleepers);
        fence(SeqCst);
    }

    /// Worker `index` is awake: takes it off the sleepers if it still is on. True if a queuer
    /// had taken it off already (`worker_to_notify`): it was woken to search, and counts as
    /// searching.
    pub(super) fn wake(&self, index: usize) -> bool {
        let mut sleepers = self.sleepers.lock();
        match sleepers.iter().position(|&i| i == index) {
            Some(at) => {
                sleepers.remove(at);
                self.asleep.fetch_sub(1, SeqCst);
                false
            }
            None => true,
        }
    }
}

#[cfg(all(test, baton_loom))]
mod loom_models {
    use super::*;
    use crate::loom::atomic::AtomicBool;
    use crate::loom::Arc;

    /// Worker 0 goes to sleep (searching or not) while another thread queues a task and looks
    /// for a worker to wake. Returns whether the worker's last look found the task, and whom
    /// the queuer woke.
    fn queue_racing_sleep(idle: &Arc<Idle>, was_searching: bool) -> (bool, Option<usize>) {
        let queued = Arc::new(AtomicBool::new(false));
        let queuer = {
            let idle = idle.clone();
            let queued = queued.clone();
            loom::thread::spawn(move || {
                queued.store(true, SeqCst);
                idle.worker_to_notify()
            })
        };
        idle.sleep(0, was_searching);
        let found = queued.load(SeqCst);
        (found, queuer.join().unwrap())
    }

    /// A worker going to sleep while a task is queued: the worker finds the task on its last
    /// look, or the queuer wakes it — never neither (a lost wake-up would strand the task).
    #[test]
    fn a_queued_task_is_never_stranded_by_a_worker_going_to_sleep() {
        loom::model(|| {
            let idle = Arc::new(Idle::new(2));
            let (found, woken) = queue_racing_sleep(&idle, false);
            assert!(found || woken == Some(0), "the task was stranded");
            if woken == Some(0) {
                // The woken worker counts as searching until it finds work or sleeps again.
                assert!(idle.wake(0));
                assert!(idle.stop_searching());
            }
        });
    }

    /// A searching worker that gives up (sleeps) while a task is queued by a queuer that may
    /// have seen it searching (and so woken nobody): the worker's last look finds the task, or
    /// the queuer woke it.
    #[test]
    fn a_searcher_giving_up_sees_work_queued_while_it_searched() {
        loom::model(|| {
            let idle = Arc::new(Idle::new(2));
            assert!(idle.try_start_searching());
            let (found, woken) = queue_racing_sleep(&idle, true);
            assert!(found || woken == Some(0), "the task was stranded");
        });
    }
}
