//! The worker pool: the scheduler of a multi-core `Runtime`.
//!
//! Every worker thread is a full event loop (a `Core` with its own ready queue, timers and
//! reactor) that runs its own `!Send` tasks as an `EventLoop` does, plus — through
//! [`PoolWork`](super::core::PoolWork) — the pool's `Send` tasks, which any worker may run
//! and idle workers steal. The design follows tokio's multi-thread scheduler:
//!
//! - each worker has a bounded ring of 256 ready `Send` tasks (`local_queue.rs`); other
//!   workers steal half of it at a time; a full ring moves half of itself to the
//! - injection queue (`injector.rs`), where tasks spawned or woken away from the workers land;
//!   a worker looks there when its ring is empty, and first every 61 tasks, so the injection
//!   queue never starves;
//! - a task woken on a worker goes onto that worker's ring; one woken anywhere else goes onto
//!   the injection queue and wakes a sleeping worker;
//! - at most half the workers search (steal) at once, and a worker that finds nothing
//!   records itself asleep (`idle.rs`), looks once more, then parks in its own reactor — so
//!   an idle pool uses no CPU.
//!
//! A `Send` task runs on one worker at a time (its state's `RUNNING` bit) and only moves
//! between polls, when it sits in a queue.

mod idle;
mod injector;
mod local_queue;
mod worker;

use std::future::Future;
use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

use self::idle::Idle;
use self::injector::Injector;
use self::local_queue::{Local, Steal};
pub(crate) use self::worker::{current_pool, run_worker, with_current_pool};
use super::context;
use super::diagnostics::{report_pending_at_close, report_unobserved_panic, Diagnostics};
use super::owned::OwnedTable;
use super::shared::{next_owner_id, Shared};
use super::snapshot::snapshot;
use super::task::raw::{Header, PanicPayload};
use super::task::{allocate, meta, JoinRef, Notified, Schedule, TaskRef};
use crate::debug::TaskSnapshot;
use crate::loom::Arc;
#[cfg(not(baton_loom))]
use crate::util::lock_static;
use crate::util::Mutex;
#[cfg(not(baton_loom))]
use std::sync::Weak;

/// The pools alive, weakly, so a process-wide dump (`SIGUSR1`) finds their tasks.
#[cfg(not(baton_loom))]
static OPEN_POOLS: std::sync::Mutex<Vec<Weak<Pool>>> = std::sync::Mutex::new(Vec::new());

/// A queue entry of a pool task, which any worker may run.
pub(crate) struct SendTask(Notified);

// SAFETY: a `SendTask` is made only for tasks whose scheduler is an `Arc<Pool>`, and `Pool::spawn`
// makes those only from `Send` futures with `Send` outputs, so polling or dropping the task on
// any worker thread is sound; the `RUNNING` bit keeps it to one thread at a time.
unsafe impl Send for SendTask {}

/// What the workers of one pool share.
pub(crate) struct Pool {
    /// The owner number of the pool's tasks (the high half of their ids).
    id: u32,
    last_task_number: AtomicU32,
    workers: Box<[WorkerSlot]>,
    injector: Injector<SendTask>,
    idle: Idle,
    /// Every pool task not yet complete, so shutdown can cancel them all.
    owned: Mutex<Owned>,
    /// Whether idle workers steal from busy ones (off: thread-per-core).
    stealing: bool,
    /// Whether a task woken by a running pool task runs next on that worker (`worker.rs`).
    lifo_slot: bool,
    /// Shutdown has begun: workers leave their loops.
    shutting_down: AtomicBool,
    /// Debug mode's options and the exception handler, shared with every worker's loop.
    diagnostics: Arc<Diagnostics>,
}

/// What other workers reach of one worker.
struct WorkerSlot {
    steal: Steal<SendTask>,
    /// The worker's loop, set once its thread has made it: how the pool wakes that worker.
    shared: OnceLock<Arc<Shared>>,
}

#[derive(Default)]
struct Owned {
    table: OwnedTable,
    closed: bool,
}

impl Pool {
    /// A pool of `workers` workers, and each worker's own end of its queue.
    pub(crate) fn new(
        workers: usize,
        stealing: bool,
        lifo_slot: bool,
        diagnostics: Arc<Diagnostics>,
    ) -> (Arc<Pool>, Vec<Local<SendTask>>) {
        assert!(workers > 0, "a pool needs at least one worker");
        let (locals, slots): (Vec<_>, Vec<_>) = (0..workers)
            .map(|_| {
                let (local, steal) = local_queue::local();
                let slot = WorkerSlot {
                    steal,
                    shared: OnceLock::new(),
                };
                (local, slot)
            })
            .unzip();
        let pool = Pool {
            id: next_owner_id(),
            last_task_number: AtomicU32::new(0),
            workers: slots.into_boxed_slice(),
            injector: Injector::new(),
            idle: Idle::new(workers),
            owned: Mutex::new(Owned::default()),
            stealing,
            lifo_slot,
            shutting_down: AtomicBool::new(false),
            diagnostics,
        };
        let pool = Arc::new(pool);
        // Loom's `Arc` has no weak references; no model dumps the process.
        #[cfg(not(baton_loom))]
        lock_static(&OPEN_POOLS).push(Arc::downgrade(&pool));
        (pool, locals)
    }

    /// Every pool still alive (a dump of the whole process).
    #[cfg(not(baton_loom))]
    pub(crate) fn open_pools() -> Vec<Arc<Pool>> {
        let mut open = lock_static(&OPEN_POOLS);
        open.retain(|pool| pool.strong_count() > 0);
        open.iter().filter_map(Weak::upgrade).collect()
    }

    /// Under loom no pool is listed (its `Arc` has no weak references).
    #[cfg(baton_loom)]
    pub(crate) fn open_pools() -> Vec<Arc<Pool>> {
        Vec::new()
    }

    /// Debug mode's options and the exception handler of the whole runtime.
    pub(crate) fn diagnostics(&self) -> &Arc<Diagnostics> {
        &self.diagnostics
    }

    pub(crate) fn workers(&self) -> usize {
        self.workers.len()
    }

    /// Records worker `index`'s loop (its thread calls this once, before running).
    pub(crate) fn attach(&self, index: usize, shared: Arc<Shared>) {
        assert!(
            self.workers[index].shared.set(shared).is_ok(),
            "worker attached twice"
        );
    }

    /// Worker `index`'s loop, once its thread has started.
    pub(crate) fn worker_loop(&self, index: usize) -> Option<&Arc<Shared>> {
        self.workers.get(index)?.shared.get()
    }

    /// Makes a pool task of `future`, from a worker (onto its own queue) or from anywhere else
    /// (onto the injection queue). After shutdown began, the task is cancelled at once.
    pub(crate) fn spawn<F>(
        this: &Arc<Pool>,
        future: F,
        site: &'static Location<'static>,
    ) -> JoinRef<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let number = this
            .last_task_number
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_add(1);
        let (join, owned, queued) = allocate(future, this.clone(), number, site);
        if this.diagnostics.debug() {
            let now = context::try_with(|cx| cx.map(|cx| cx.now())).unwrap_or_else(Instant::now);
            meta::set_spawned_at(owned.header(), now);
        }
        let refused = {
            let mut set = this.owned.lock();
            if set.closed {
                Some(owned)
            } else {
                set.table.adopt(owned);
                None
            }
        };
        if let Some(owned) = refused {
            drop(owned);
            queued.cancel_now();
        } else if let Err(queued) = this.schedule(queued) {
            // The pool closed meanwhile: the task stays owned, and shutdown cancels it.
            queued.release_rejected();
        }
        join
    }

    /// Lets go of a completed pool task.
    fn disown(&self, task: &TaskRef) {
        let entry = self.owned.lock().table.disown(task);
        drop(entry); // after the lock: freeing a task may run user `Drop` code
    }

    /// Queues a pool task from a thread that is not one of the pool's workers.
    fn push_remote(&self, task: Notified) -> Result<(), Notified> {
        self.injector.push(SendTask(task)).map_err(|task| task.0)?;
        self.notify_one();
        Ok(())
    }

    /// Wakes a sleeping worker to look for work, unless one is searching already.
    fn notify_one(&self) {
        if let Some(index) = self.idle.worker_to_notify() {
            if let Some(shared) = self.worker_loop(index) {
                shared.notify();
            }
        }
    }

    /// Whether some worker's ring or the injection queue holds a task (a sleeping worker's
    /// last look).
    fn has_queued_work(&self) -> bool {
        !self.injector.is_empty()
            || (self.stealing && self.workers.iter().any(|w| !w.steal.is_empty()))
    }

    /// A dump's view of every pool task not yet complete, at `now` on the workers' clock.
    pub(crate) fn task_snapshots(&self, now: Instant) -> Vec<TaskSnapshot> {
        let tasks = self.owned.lock().table.snapshot();
        tasks.iter().map(|task| snapshot(task, now, None)).collect()
    }

    pub(crate) fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Acquire)
    }

    /// Asks every worker to leave its loop (they then cancel their own tasks).
    pub(crate) fn begin_shutdown(&self) {
        self.shutting_down.store(true, Ordering::Release);
        for worker in self.workers.iter() {
            if let Some(shared) = worker.shared.get() {
                shared.notify();
            }
        }
    }

    /// Cancels every pool task and empties the injection queue. Call once every worker thread
    /// has ended, so no pool task is running: the futures are dropped here, on the caller's
    /// thread (they are `Send`), each drop contained.
    pub(crate) fn cancel_all(&self) {
        let queued = self.injector.close();
        drop(queued);
        if self.diagnostics.debug() {
            let tasks = self.owned.lock().table.snapshot();
            report_pending_at_close(&self.diagnostics, &tasks);
        }
        loop {
            let tasks = {
                let mut set = self.owned.lock();
                set.closed = true;
                set.table.snapshot()
            };
            if tasks.is_empty() {
                break;
            }
            for task in tasks {
                let outcome = task.cancel_in_place();
                self.disown(&task);
                if let super::task::RunOutcome::Complete(done) = outcome {
                    task.notify_awaiter(done);
                }
            }
        }
    }
}

/// The pool's side of the schedule seam: a task woken on one of the pool's workers goes onto
/// that worker's ring; woken anywhere else, onto the injection queue, waking a sleeping worker.
impl Schedule for Arc<Pool> {
    fn owner_id(&self) -> u32 {
        self.id
    }

    fn report_unobserved_panic(&self, task: &Header, payload: &PanicPayload) {
        report_unobserved_panic(&self.diagnostics, self.id, task, payload);
    }

    fn schedule(&self, task: Notified) -> Result<(), Notified> {
        match worker::push_if_worker_of(self, task) {
            None => Ok(()),
            Some(task) => self.push_remote(task),
        }
    }
}

#[cfg(all(test, baton_loom))]
mod loom_models {
    use loom::sync::Arc;
    use loom::thread;

    use super::local_queue::local;
    use crate::runtime::task::state::{Idle, Start, State, Wake, SCHEDULED};

    /// A queued task's run: the poll begins and returns `Pending`.
    fn run(task: &State) -> Idle {
        assert_eq!(task.start(false), Start::Poll);
        task.finish_pending()
    }

    /// A wake racing a steal: while the owner pops and a thief steals the same queued task,
    /// another thread wakes it. Exactly one of them runs it, and the wake is neither lost nor
    /// doubled: before the poll began, the poll consumes it; during or after, the task is
    /// queued exactly once more (requeued by its runner or submitted by the waker).
    #[test]
    fn a_wake_racing_a_steal_is_neither_lost_nor_doubled() {
        loom::model(|| {
            let task = Arc::new(State::new_scheduled(2)); // the handle's and the entry's
            let (mut owner, steal) = local::<Arc<State>>();
            assert!(owner.push_back(task.clone()).is_none());
            task.ref_inc(); // the waker's
            let thief = thread::spawn(move || {
                let (mut mine, _) = local::<Arc<State>>();
                steal.steal_into(&mut mine).map(|stolen| run(&stolen))
            });
            let waker = {
                let task = task.clone();
                thread::spawn(move || task.wake_by_val())
            };
            let by_owner = owner.pop().map(|popped| run(&popped));
            let by_thief = thief.join().unwrap();
            let wake = waker.join().unwrap();
            let runs = usize::from(by_owner.is_some()) + usize::from(by_thief.is_some());
            assert_eq!(runs, 1, "the task ran {runs} times");
            let idle = by_owner.or(by_thief).unwrap();
            let queued_again =
                usize::from(idle == Idle::Requeue) + usize::from(wake == Wake::Submit);
            assert!(queued_again <= 1, "the wake was doubled");
            assert_eq!(
                task.load().has(SCHEDULED),
                queued_again == 1,
                "the wake was lost"
            );
        });
    }
}
