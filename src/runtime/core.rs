//! `Core`: one loop's scheduler — what runs next, and when to park. It ties together the ready
//! queue (`ready_queue.rs`), the owned tasks (`owned.rs`), the done callbacks
//! (`done_callbacks.rs`), the driver it parks in (`driver/`) and the part other threads touch
//! (`shared.rs`). Everything here is touched only on the loop's thread.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe, Location};
use std::ptr::NonNull;
use std::time::{Duration, Instant};

use super::context::{self, EnterGuard};
use super::diagnostics::{report_pending_at_close, task_info, Diagnostics};
use super::done_callbacks::{DoneCallback, DoneCallbacks};
use super::driver::{Clock, Driver, Io};
use super::metrics::{Gauges, LoopMetrics, Running};
use super::owned::OwnedTasks;
use super::ready_queue::ReadyQueue;
use super::shared::{RemoteBatch, Shared};
use super::snapshot::snapshot;
use super::task::raw::Header;
use super::task::{allocate, meta, JoinRef, Notified, RunOutcome, TaskRef};
use crate::coop;
use crate::debug::{Metrics, TaskInfo, TaskSnapshot};
use crate::loom::Arc;
use crate::util::SplitMix64;

/// How much work one iteration does before the loop looks at timers, other threads and I/O
/// again: each task run counts one, plus the work it reported from its cooperative budget
/// (`coop.rs`: one per socket operation, one per eight messages, permits or timers). Bounds
/// how long a crowd of ready tasks — or a few busy ones, each spending its whole budget — can
/// delay a due timer or a ready socket.
const TICK_WORK: usize = 256;

pub(crate) struct Core {
    shared: Arc<Shared>,
    ready: ReadyQueue,
    /// Every task not yet complete; the loop's strong hold on them (asyncio keeps weak ones).
    owned: OwnedTasks,
    driver: Driver,
    done_callbacks: DoneCallbacks,
    /// Work done since the driver was last polled for I/O; at `TICK_WORK` a busy loop looks for
    /// I/O without waiting, so ready tasks cannot starve sockets.
    work_since_io: Cell<usize>,
    /// Reused buffers, so a steady state allocates nothing.
    remote_batch: RefCell<RemoteBatch>,
    /// Shutdown has begun: new tasks are cancelled as soon as they are made.
    closing: Cell<bool>,
    /// The task being polled right now (`current_task`).
    current: Cell<Option<NonNull<Header>>>,
    /// Seeded scheduling: the generator that shuffles each iteration's ready tasks (`None`: FIFO).
    shuffle: Option<Cell<SplitMix64>>,
    /// What the loop counts about itself (`metrics`).
    metrics: LoopMetrics,
    /// Debug mode, copied from the diagnostics so a poll reads one field to know it.
    debug: bool,
}

impl Core {
    /// A loop parking in `io` on `clock`, reporting through `diagnostics`; with a `seed`, tasks
    /// ready in the same iteration run in an order drawn from it.
    pub(crate) fn new(
        io: Io,
        clock: Clock,
        diagnostics: Arc<Diagnostics>,
        seed: Option<u64>,
    ) -> Core {
        let driver = Driver::new(io, clock);
        let debug = diagnostics.debug();
        let shared = Arc::new(Shared::new(driver.unparker(), diagnostics));
        Shared::list_open(&shared);
        Core {
            shared,
            ready: ReadyQueue::default(),
            owned: OwnedTasks::default(),
            driver,
            done_callbacks: DoneCallbacks::default(),
            work_since_io: Cell::new(0),
            remote_batch: RefCell::new(RemoteBatch::default()),
            closing: Cell::new(false),
            current: Cell::new(None),
            shuffle: seed.map(|seed| Cell::new(SplitMix64::new(seed))),
            metrics: LoopMetrics::default(),
            debug,
        }
    }

    /// Marks this loop as running on this thread (and times the run) until the guards drop.
    ///
    /// # Panics
    /// If a loop is already running on this thread (a nested `run_until_complete`).
    #[track_caller]
    pub(crate) fn enter(&self) -> RunGuard<'_> {
        let enter = context::enter(self);
        self.shared.start_running();
        RunGuard {
            core: self,
            _enter: enter,
            _running: self.metrics.running(),
        }
    }

    /// Answers the inspections (task dumps, metrics) other threads queued.
    pub(crate) fn answer_inspections(&self) {
        for inspection in self.shared.take_inspections() {
            inspection(self);
        }
    }

    /// The part of the loop other threads touch.
    #[inline]
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// The clock, timers and I/O driver this loop parks in.
    #[inline]
    pub(crate) fn driver(&self) -> &Driver {
        &self.driver
    }

    /// Makes a task of `future`, spawned at `site`, queued to run on this loop.
    pub(crate) fn spawn<F>(&self, future: F, site: &'static Location<'static>) -> JoinRef<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let (join, owned, queued) = allocate(
            future,
            self.shared.clone(),
            self.shared.next_task_number(),
            site,
        );
        if self.debug {
            meta::set_spawned_at(owned.header(), self.driver.now());
        }
        if self.closing.get() {
            // Shutdown is dropping tasks; one made now (say, by a `Drop` impl) is cancelled at once.
            drop(owned);
            queued.cancel_now();
        } else {
            self.owned.adopt(owned);
            self.metrics.task_spawned();
            self.push(queued);
        }
        join
    }

    /// Queues a task on the local ready queue.
    #[inline]
    pub(crate) fn push(&self, task: Notified) {
        self.ready.push(task);
    }

    /// Runs one task and files it by how the run ended; returns the work it did (socket
    /// operations, or eight operations in memory, each). The current task is restored by a
    /// guard, and a completed task's awaiter (user code) is woken only once the bookkeeping is
    /// done.
    fn run_task(&self, task: Notified) -> usize {
        let (outcome, spent) = self.poll_task(&task);
        match outcome {
            RunOutcome::Pending | RunOutcome::Skipped => drop(task),
            RunOutcome::Requeue => self.push(task),
            RunOutcome::Complete(done) => {
                self.owned.disown(&task);
                self.metrics.task_completed();
                self.schedule_done_callbacks(&task);
                task.notify_awaiter(done);
                drop(task);
            }
        }
        spent
    }

    /// Polls `task` once as this loop's current task, under a fresh cooperative budget; returns
    /// how the run ended and the work it reported. The caller files the task by the outcome:
    /// `run_task` for this loop's tasks, a pool worker (`pool/worker.rs`) for the pool's.
    ///
    /// This is the one place a task is polled: hooks that watch polls (a task dump, debug mode's
    /// slow-poll warning) go here.
    #[inline]
    pub(crate) fn poll_task(&self, task: &Notified) -> (RunOutcome, usize) {
        let start = self.debug.then(|| self.driver.now());
        let (outcome, spent) = {
            let _current = CurrentTask::enter(self, task);
            self.metrics.polled();
            let budget = coop::Budgeted::start();
            let outcome = task.run();
            (outcome, usize::from(budget.finish()))
        };
        let busy = start.map(|start| self.end_timed_poll(start, || Some(task_info(task))));
        task.header().trace.record_poll(busy);
        (outcome, spent)
    }

    /// Polls the future `run_until_complete` drives (through `poll`), under a fresh cooperative
    /// budget; in debug mode, timed and reported if slow, as a task's poll is.
    #[inline]
    pub(crate) fn poll_main<R>(&self, poll: impl FnOnce() -> R) -> R {
        let start = self.debug.then(|| self.driver.now());
        let budget = coop::Budgeted::start();
        let output = match catch_unwind(AssertUnwindSafe(poll)) {
            Ok(output) => output,
            Err(payload) => {
                crate::panic::explain(&*payload);
                resume_unwind(payload)
            }
        };
        budget.finish();
        if let Some(start) = start {
            self.end_timed_poll(start, || None);
        }
        output
    }

    /// Debug mode, after a poll that began at `start`: reports it (about `task()`, read only
    /// then: a name costs the side table's lock) if it was slow; returns how long it took.
    #[cold]
    fn end_timed_poll(&self, start: Instant, task: impl FnOnce() -> Option<TaskInfo>) -> Duration {
        let took = self.driver.now().saturating_duration_since(start);
        if self.diagnostics().report_if_slow(task, took) {
            self.metrics.record_slow_poll();
        }
        took
    }

    /// Debug mode's options and the exception handler.
    #[inline]
    pub(crate) fn diagnostics(&self) -> &Arc<Diagnostics> {
        self.shared.diagnostics()
    }

    /// A snapshot of every task of this loop for a dump; `worker` labels them.
    pub(crate) fn task_snapshots(&self, worker: Option<usize>) -> Vec<TaskSnapshot> {
        let now = self.driver.now();
        self.owned
            .snapshot()
            .iter()
            .map(|task| snapshot(task, now, worker))
            .collect()
    }

    /// The task being polled, if the caller runs inside one.
    pub(crate) fn current_task(&self) -> Option<TaskRef> {
        let ptr = self.current.get()?;
        // SAFETY: `current` is set only while `run_task` holds a reference to this task.
        Some(unsafe { TaskRef::clone_from_ptr(ptr) })
    }

    /// The task being polled, or the main future, as an awaiter: its owner and number (0 for
    /// the main future).
    #[inline]
    pub(crate) fn awaiter_here(&self) -> (u32, u32) {
        match self.current.get() {
            None => (self.shared.id(), 0),
            Some(ptr) => {
                // SAFETY: `current` is set only while `poll_task` holds a reference to this task.
                let id = unsafe { TaskRef::id_at(ptr) };
                (id.owner(), id.number())
            }
        }
    }

    /// Every task of this loop that has not completed.
    pub(crate) fn all_tasks(&self) -> Vec<TaskRef> {
        self.owned.snapshot()
    }

    /// A snapshot of this loop's counters (`EventLoop::metrics`). Loop thread only.
    pub(crate) fn metrics(&self) -> Metrics {
        self.metrics.snapshot(Gauges {
            ready: self.ready.len(),
            timers_pending: self.driver.timers_pending(),
            io_events: self.driver.io_events(),
        })
    }

    /// Runs `callback` (as a loop callback) once `task` completes, or soon if it has.
    ///
    /// # Panics
    /// If `task` belongs to another loop.
    #[track_caller]
    pub(crate) fn add_done_callback(&self, task: &TaskRef, callback: DoneCallback) {
        assert!(
            task.owner() == self.shared.id(),
            "add_done_callback must be called on the task's own event loop (a `spawn_send` task \
             of a Runtime has none: await its handle instead)"
        );
        if task.is_done() {
            drop(self.spawn(async move { callback() }, Location::caller()));
        } else {
            self.done_callbacks.add(task.key(), callback);
        }
    }

    #[inline]
    fn schedule_done_callbacks(&self, task: &TaskRef) {
        for callback in self.done_callbacks.take(task.key()).into_iter().flatten() {
            drop(self.spawn(async move { callback() }, task.header().trace.site));
        }
    }

    /// One iteration of the loop: take remote work, fire due timers, run a batch of ready tasks,
    /// and park if nothing is left to do. `main_ready` says whether the future the loop is
    /// driving was woken (then the loop must not park).
    #[inline]
    pub(crate) fn tick(&self, main_ready: &dyn Fn() -> bool) {
        self.tick_with(main_ready, None);
    }

    /// [`tick`](Self::tick) for a loop that is also a worker of a pool: after its own ready
    /// tasks it runs the pool's (`pool`), and before parking it lets the pool look for work
    /// elsewhere and record it as asleep.
    pub(crate) fn tick_with(&self, main_ready: &dyn Fn() -> bool, pool: Option<&dyn PoolWork>) {
        if self.shared.is_notified() {
            self.drain_remote();
        }
        self.driver.fire_timers();
        // Tasks queued now run this iteration; those they wake or requeue wait for the next.
        let queued = self.ready.len();
        if let Some(shuffle) = &self.shuffle {
            let mut rng = shuffle.get();
            self.ready.shuffle_front(queued, &mut rng);
            shuffle.set(rng);
        }
        self.metrics.ready_depth(queued);
        let mut work = 0;
        for _ in 0..queued {
            match self.ready.pop() {
                Some(task) => work += 1 + self.run_task(task),
                None => break,
            }
            if work >= TICK_WORK {
                break;
            }
        }
        if let Some(pool) = pool {
            if work < TICK_WORK {
                work += pool.run_batch(self, TICK_WORK - work);
            }
        }
        let has_work = || {
            !self.ready.is_empty()
                || main_ready()
                || self.shared.is_notified()
                || self.shared.stop_requested()
                || pool.is_some_and(|pool| pool.has_work())
        };
        if !has_work() {
            self.work_since_io.set(0);
            // From here other threads unpark the loop; the looks below catch what they queued
            // before it (`shared.rs`: `ParkFlags`).
            self.shared.begin_parking();
            match pool {
                None => {
                    if !has_work() {
                        self.metrics.park(|| self.driver.park(&has_work));
                    }
                }
                Some(pool) => {
                    if pool.before_park() && !has_work() {
                        self.metrics.park(|| self.driver.park(&has_work));
                    }
                    pool.after_park();
                }
            }
            self.shared.end_parking();
        } else {
            let work = self.work_since_io.get() + work.max(1);
            if work >= TICK_WORK {
                self.work_since_io.set(0);
                self.driver.poll_io_now();
            } else {
                self.work_since_io.set(work);
            }
        }
    }

    fn drain_remote(&self) {
        let mut batch = std::mem::take(&mut *self.remote_batch.borrow_mut());
        self.shared.take_remote(&mut batch);
        self.metrics.remote_tasks(batch.tasks.len());
        if !batch.cancelled_timers.is_empty() {
            self.driver.cancel_timers(batch.cancelled_timers.drain(..));
        }
        for task in batch.tasks.drain(..) {
            if task.awaits_adoption() {
                self.owned.adopt(task.to_owned_task());
                self.metrics.task_spawned();
            }
            self.push(task);
        }
        let inspections = std::mem::take(&mut batch.inspections);
        *self.remote_batch.borrow_mut() = batch;
        for inspection in inspections {
            inspection(self);
        }
    }

    /// Cancels every task, dropping the futures on this thread. Runs once, when the loop is
    /// dropped, with this loop entered (`enter_for_shutdown`). Every drop of user data here
    /// (futures, outputs, wakers, callbacks) is contained, so one faulty `Drop` cannot keep the
    /// rest from being dropped.
    pub(crate) fn shutdown(&self) {
        let _enter = context::enter_for_shutdown(self);
        self.closing.set(true);
        if self.debug {
            report_pending_at_close(self.diagnostics(), &self.owned.snapshot());
        }
        for task in self.shared.close_remote() {
            if task.awaits_adoption() {
                self.owned.adopt(task.to_owned_task());
            }
        }
        loop {
            let tasks = self.owned.snapshot();
            if tasks.is_empty() {
                break;
            }
            for task in tasks {
                let outcome = task.cancel_in_place();
                self.owned.disown(&task);
                if let RunOutcome::Complete(done) = outcome {
                    task.notify_awaiter(done);
                }
            }
        }
        drop(self.ready.take_all());
        self.driver.clear();
        // Callbacks of tasks that shutdown cancelled do not run (asyncio's `close` drops them too).
        self.done_callbacks.clear();
    }
}

/// The loop is running on this thread until this drops: it answers inspections meanwhile, and
/// the ones still queued as it leaves.
pub(crate) struct RunGuard<'a> {
    core: &'a Core,
    _enter: EnterGuard,
    /// Times the run for the loop's busy time (`metrics.rs`).
    _running: Running<'a>,
}

impl Drop for RunGuard<'_> {
    fn drop(&mut self) {
        for inspection in self.core.shared.stop_running() {
            inspection(self.core);
        }
    }
}

impl Drop for Core {
    fn drop(&mut self) {
        // Here, not in `shutdown`: every `Core` is dropped, whether or not it ran a shutdown.
        self.shared.unlist();
    }
}

/// The pool's side of a loop that is one of its workers (`pool/worker.rs`): `Core` runs the
/// pool's tasks through this without knowing the pool.
pub(crate) trait PoolWork {
    /// Runs pool tasks on `core` (through [`Core::poll_task`]) until `budget` units of work are
    /// done or none is found, here or elsewhere; returns the work done.
    fn run_batch(&self, core: &Core, budget: usize) -> usize;

    /// Whether pool tasks wait in this worker's own queue.
    fn has_work(&self) -> bool;

    /// The loop found nothing to do: record the worker as asleep, then look once more for
    /// pool work. False if there is some (then the loop does not park).
    fn before_park(&self) -> bool;

    /// The loop is awake again (parked or not): the worker is no longer asleep.
    fn after_park(&self);
}

/// The loop's "task being polled" for the length of one run; restored when dropped, also if the
/// run unwinds, so `current_task` never names a task that is not running.
struct CurrentTask<'a> {
    core: &'a Core,
    outer: Option<NonNull<Header>>,
}

impl<'a> CurrentTask<'a> {
    fn enter(core: &'a Core, task: &TaskRef) -> CurrentTask<'a> {
        let outer = core.current.replace(Some(task.as_ptr()));
        CurrentTask { core, outer }
    }
}

impl Drop for CurrentTask<'_> {
    fn drop(&mut self) {
        self.core.current.set(self.outer);
    }
}
