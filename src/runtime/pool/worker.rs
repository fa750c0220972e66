//! A worker's side of the pool: its end of its ring, whether it is searching or asleep, and
//! how it picks the next pool task. The worker's thread runs [`run_worker`]: its loop's
//! iterations (`Core::tick_with`) with this worker as the second source of tasks.

use std::cell::{Cell, RefCell};
use std::ptr;

use super::local_queue::Local;
use super::{Pool, SendTask};
use crate::loom::Arc;
use crate::runtime::core::{Core, PoolWork};
use crate::runtime::task::{Notified, RunOutcome};

/// Look at the injection queue before the worker's own ring once every this many pool tasks,
/// so tasks queued from outside are not starved by a worker whose ring never empties (tokio's
/// number: prime, so it does not beat with other periodic work).
const INJECTOR_INTERVAL: u32 = 61;

/// How many tasks in a row may run from the LIFO slot before the worker turns to its ring: a
/// pair of tasks that keep waking each other would otherwise run forever ahead of it.
const MAX_LIFO_RUNS: u32 = 3;

thread_local! {
    /// The worker running on this thread (null: none), for the pool's `schedule`.
    static CURRENT: Cell<*const Worker> = const { Cell::new(ptr::null()) };
}

/// One worker of a pool, on its own thread.
pub(crate) struct Worker {
    pool: Arc<Pool>,
    index: usize,
    local: RefCell<Local<SendTask>>,
    /// The task woken last by the task running now, run next (message passing: the receiver
    /// runs while the message is warm in cache). Not stealable.
    lifo: Cell<Option<SendTask>>,
    /// Tasks run from the LIFO slot in a row.
    lifo_runs: Cell<u32>,
    /// A pool task is being polled on this worker.
    polling: Cell<bool>,
    /// Pool tasks taken since the worker last looked at the injection queue first.
    tick: Cell<u32>,
    /// Counted in `Idle::searching`.
    searching: Cell<bool>,
    /// Recorded in `Idle::sleepers`.
    asleep: Cell<bool>,
    /// State of the xorshift that picks where stealing starts.
    rng: Cell<u32>,
}

/// Runs worker `index` of `pool` on this thread with `core` as its loop, until the pool shuts
/// down; then cancels the worker's own tasks and drops what its ring still holds.
pub(crate) fn run_worker(pool: Arc<Pool>, index: usize, local: Local<SendTask>, core: &Core) {
    let worker = Worker {
        pool,
        index,
        local: RefCell::new(local),
        lifo: Cell::new(None),
        lifo_runs: Cell::new(0),
        polling: Cell::new(false),
        tick: Cell::new(0),
        searching: Cell::new(false),
        asleep: Cell::new(false),
        rng: Cell::new(0x9e37_79b9 ^ (index as u32).wrapping_mul(0x85eb_ca6b) | 1),
    };
    let _enter = core.enter();
    let _current = CurrentWorker::enter(&worker);
    let pool = &worker.pool;
    while !pool.is_shutting_down() {
        core.tick_with(&|| pool.is_shutting_down(), Some(&worker));
    }
    if worker.asleep.get() {
        worker.after_park();
    }
    core.shutdown();
    // What is left are queue entries of pool tasks; the tasks stay owned by the pool, which
    // cancels them once every worker has stopped.
    drop(worker.lifo.take());
    loop {
        let task = worker.local.borrow_mut().pop();
        match task {
            Some(task) => drop(task),
            None => break,
        }
    }
}

/// Pushes `task` onto the ring of the worker running on this thread if it belongs to `pool`;
/// otherwise hands it back.
pub(super) fn push_if_worker_of(pool: &Arc<Pool>, task: Notified) -> Option<Notified> {
    CURRENT.with(|current| {
        // SAFETY: a non-null pointer was set by `CurrentWorker::enter` from a `&Worker` that
        // outlives the guard, which clears it; the worker is only used through `&` meanwhile.
        match unsafe { current.get().as_ref() } {
            Some(worker) if Arc::ptr_eq(&worker.pool, pool) => {
                worker.push_woken(task);
                None
            }
            _ => Some(task),
        }
    })
}

/// The pool of the worker running on this thread, if any.
pub(crate) fn current_pool() -> Option<Arc<Pool>> {
    with_current_pool(|pool| pool.cloned())
}

/// Calls `f` with the pool of the worker running on this thread, if any, without touching the
/// pool's reference count (`spawn_send` asks on every spawn).
pub(crate) fn with_current_pool<R>(f: impl FnOnce(Option<&Arc<Pool>>) -> R) -> R {
    CURRENT.with(|current| {
        // SAFETY: as in `push_if_worker_of`.
        f(unsafe { current.get().as_ref() }.map(|worker| &worker.pool))
    })
}

impl Worker {
    /// Queues a pool task woken on this worker: into the LIFO slot if a pool task woke it
    /// (the slot's previous task goes to the ring), else onto the ring.
    fn push_woken(&self, task: Notified) {
        if self.polling.get() && self.pool.lifo_slot {
            if let Some(previous) = self.lifo.replace(Some(SendTask(task))) {
                self.push(previous.0);
            }
        } else {
            self.push(task);
        }
    }

    /// Queues a pool task on this worker's ring; a full ring moves half of itself to the
    /// injection queue, and a sleeping worker is woken to take it from there.
    fn push(&self, task: Notified) {
        let rejected = {
            let mut local = self.local.borrow_mut();
            let rejected = match local.push_back(SendTask(task)) {
                None => return,
                Some(overflow) => match self.pool.injector.push_batch(overflow) {
                    Ok(()) => None,
                    // The pool closed: the tasks stay owned (shutdown cancels them); their
                    // entries go after the borrow, since the last reference may free a task.
                    Err(rest) => Some(rest.collect::<Vec<_>>()),
                },
            };
            rejected
        };
        match rejected {
            None => self.pool.notify_one(),
            Some(entries) => drop(entries),
        }
    }

    /// The next pool task for this worker: the injection queue first every
    /// `INJECTOR_INTERVAL` tasks, then its own ring, the injection queue, other workers'
    /// rings.
    fn next_task(&self) -> Option<SendTask> {
        if self.lifo_runs.get() < MAX_LIFO_RUNS {
            if let Some(task) = self.lifo.take() {
                self.lifo_runs.set(self.lifo_runs.get() + 1);
                return Some(task);
            }
        } else if let Some(task) = self.lifo.take() {
            // Its turn is over: it waits behind the ring like any task.
            self.push(task.0);
        }
        self.lifo_runs.set(0);
        let tick = self.tick.get().wrapping_add(1);
        self.tick.set(tick);
        if tick % INJECTOR_INTERVAL == 0 {
            if let Some(task) = self.take_from_injector() {
                return Some(task);
            }
        }
        let task = self.local.borrow_mut().pop();
        if task.is_some() {
            return task;
        }
        self.take_from_injector().or_else(|| self.steal())
    }

    /// A batch from the injection queue: a fair share of it, as much as the ring has room for.
    fn take_from_injector(&self) -> Option<SendTask> {
        let injector = &self.pool.injector;
        if injector.is_empty() {
            return None;
        }
        let share = injector.len() / self.pool.workers() + 1;
        injector.pop_into(&mut self.local.borrow_mut(), share)
    }

    /// Steals half of another worker's ring, starting at a random worker, if stealing is on
    /// and not too many workers are searching already.
    fn steal(&self) -> Option<SendTask> {
        let workers = &self.pool.workers;
        if !self.pool.stealing || workers.len() < 2 {
            return None;
        }
        if !self.searching.get() {
            if !self.pool.idle.try_start_searching() {
                return None;
            }
            self.searching.set(true);
        }
        let start = self.next_random() as usize % workers.len();
        for offset in 0..workers.len() {
            let victim = (start + offset) % workers.len();
            if victim == self.index {
                continue;
            }
            let stolen = workers[victim]
                .steal
                .steal_into(&mut self.local.borrow_mut());
            if stolen.is_some() {
                return stolen;
            }
        }
        None
    }

    fn has_lifo(&self) -> bool {
        let task = self.lifo.take();
        let has = task.is_some();
        self.lifo.set(task);
        has
    }

    fn next_random(&self) -> u32 {
        let mut x = self.rng.get();
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng.set(x);
        x
    }

    /// Runs one pool task and files it by how the run ended; returns the work it did.
    fn run(&self, core: &Core, task: SendTask) -> usize {
        let task = task.0;
        self.polling.set(true);
        let (outcome, spent) = core.poll_task(&task);
        self.polling.set(false);
        match outcome {
            RunOutcome::Pending | RunOutcome::Skipped => drop(task),
            RunOutcome::Requeue => self.push(task),
            RunOutcome::Complete(done) => {
                self.pool.disown(&task);
                task.notify_awaiter(done);
                drop(task);
            }
        }
        spent
    }
}

impl PoolWork for Worker {
    fn run_batch(&self, core: &Core, budget: usize) -> usize {
        let mut work = 0;
        while work < budget {
            let Some(task) = self.next_task() else {
                break;
            };
            if self.searching.replace(false) {
                // The last searcher found work: wake another worker to look for more.
                if self.pool.idle.stop_searching() {
                    self.pool.notify_one();
                }
            } else if self.pool.idle.may_want_work()
                && (!self.local.borrow().is_empty() || self.has_lifo())
            {
                // More is queued behind this task: let a sleeping worker steal it meanwhile.
                // (This worker runs it anyway, so a stale look only delays the spreading.)
                self.pool.notify_one();
            }
            work += 1 + self.run(core, task);
        }
        work
    }

    fn has_work(&self) -> bool {
        !self.local.borrow().is_empty() || self.has_lifo()
    }

    fn before_park(&self) -> bool {
        let pool = &self.pool;
        pool.idle.sleep(self.index, self.searching.replace(false));
        self.asleep.set(true);
        if pool.has_queued_work() || pool.is_shutting_down() {
            self.after_park();
            return false;
        }
        true
    }

    fn after_park(&self) {
        if self.asleep.replace(false) && self.pool.idle.wake(self.index) {
            self.searching.set(true);
        }
    }
}

/// Marks a worker as running on this thread until dropped (also on unwind).
struct CurrentWorker {
    prev: *const Worker,
}

impl CurrentWorker {
    fn enter(worker: &Worker) -> CurrentWorker {
        CurrentWorker {
            prev: CURRENT.with(|current| current.replace(worker)),
        }
    }
}

impl Drop for CurrentWorker {
    fn drop(&mut self) {
        CURRENT.with(|current| current.set(self.prev));
    }
}
