//! The loop's own state and its scheduling step: the ready queue, the owned tasks, the timers,
//! the clock and the reactor. Everything here is touched only on the loop's thread.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::ptr::NonNull;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::owned::OwnedTasks;
use super::shared::{RemoteBatch, Shared};
use crate::coop;
use crate::loom::Arc;
use crate::panic::{drop_each_quietly, wake_all};
use crate::runtime::driver::reactor::Reactor;
use crate::runtime::driver::{Clock, Timers};
use crate::runtime::task::raw::{self, Header, RunOutcome, TaskRef, NOT_OWNED};
use crate::task::{Task, TaskHandle, TaskId};

/// Marks a task spawned from another thread that the loop has not yet put in its owned set.
pub(crate) const AWAITING_ADOPTION: u32 = u32::MAX - 1;

/// How much work one iteration does before the loop looks at timers, other threads and I/O
/// again: each task run counts one, plus the work it reported from its cooperative budget
/// (`task/coop.rs`: one per socket operation, one per eight messages, permits or timers). Bounds
/// how long a crowd of ready tasks — or a few busy ones, each spending its whole budget — can
/// delay a due timer or a ready socket.
const TICK_WORK: usize = 256;

pub(crate) struct Core {
    pub(crate) shared: Arc<Shared>,
    /// Tasks ready to run, in the order they became ready. Each entry owns a reference.
    run_queue: RefCell<VecDeque<TaskRef>>,
    /// Every task not yet complete; the loop's strong hold on them (asyncio keeps weak ones).
    owned: RefCell<OwnedTasks>,
    pub(crate) timers: RefCell<Timers>,
    pub(crate) clock: Clock,
    reactor: RefCell<Reactor>,
    /// Work done since the reactor was last polled; at `TICK_WORK` a busy loop looks for I/O
    /// without waiting, so ready tasks cannot starve sockets.
    work_since_io: Cell<usize>,
    /// Reused buffers, so a steady state allocates nothing.
    remote_batch: RefCell<RemoteBatch>,
    /// Wakers of due timers or of ready I/O, woken once the timers or the reactor are released.
    fired: RefCell<Vec<std::task::Waker>>,
    /// Shutdown has begun: new tasks are cancelled as soon as they are made.
    closing: Cell<bool>,
    /// The task being polled right now (`current_task`).
    current: Cell<Option<NonNull<Header>>>,
    /// `Task::add_done_callback` callbacks of tasks not yet complete.
    done_callbacks: RefCell<HashMap<TaskId, Vec<DoneCallback>>>,
}

/// A callback to run (as a callback on the loop) once a task completes.
pub(crate) type DoneCallback = Box<dyn FnOnce(TaskHandle)>;

impl Core {
    pub(crate) fn new(reactor: Reactor, clock: Clock) -> Core {
        Core {
            shared: Arc::new(Shared::new(reactor.unparker())),
            run_queue: RefCell::new(VecDeque::new()),
            owned: RefCell::new(OwnedTasks::default()),
            timers: RefCell::new(Timers::new()),
            clock,
            reactor: RefCell::new(reactor),
            work_since_io: Cell::new(0),
            remote_batch: RefCell::new(RemoteBatch::default()),
            fired: RefCell::new(Vec::new()),
            closing: Cell::new(false),
            current: Cell::new(None),
            done_callbacks: RefCell::new(HashMap::new()),
        }
    }

    /// Makes a task of `future`, queued to run on this loop.
    pub(crate) fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let (handle, owned, queued) = raw::allocate(future, self.shared.clone());
        if self.closing.get() {
            // Shutdown is dropping tasks; one made now (say, by a `Drop` impl) is cancelled at once.
            queued.cancel_now();
        } else {
            self.adopt(owned);
            self.push(queued);
        }
        Task::new(handle)
    }

    /// Puts a task in the owned set, keeping `owned`'s reference there.
    fn adopt(&self, owned: TaskRef) {
        let header = owned.as_ptr();
        let slot = self.owned.borrow_mut().insert(owned);
        // SAFETY: the owned set now holds a reference, keeping the header alive.
        unsafe { header.as_ref() }
            .owned_slot
            .store(slot, Ordering::Relaxed);
    }

    /// Removes a completed task from the owned set.
    fn disown(&self, task: &TaskRef) {
        let slot = task.header().owned_slot.swap(NOT_OWNED, Ordering::Relaxed);
        if slot != NOT_OWNED && slot != AWAITING_ADOPTION {
            let entry = self.owned.borrow_mut().remove(slot);
            drop(entry); // after the borrow ends: freeing a task may run user `Drop` code
        }
    }

    /// Queues a task on the local ready queue.
    pub(crate) fn push(&self, task: TaskRef) {
        self.run_queue.borrow_mut().push_back(task);
    }

    pub(crate) fn has_ready_tasks(&self) -> bool {
        !self.run_queue.borrow().is_empty()
    }

    /// Runs one task and files it by how the run ended; returns the work it did (socket
    /// operations, or eight operations in memory, each). The current task is restored by a
    /// guard, and a completed task's awaiter (user code) is woken only once the bookkeeping is
    /// done.
    fn run_task(&self, task: TaskRef) -> usize {
        let (outcome, spent) = {
            let _current = CurrentTask::enter(self, &task);
            let budget = coop::Budgeted::start();
            let outcome = task.run(false);
            (outcome, budget.finish())
        };
        match outcome {
            RunOutcome::Pending | RunOutcome::Skipped => drop(task),
            RunOutcome::Requeue => self.push(task),
            RunOutcome::Complete(done) => {
                self.disown(&task);
                if !self.done_callbacks.borrow().is_empty() {
                    self.schedule_done_callbacks(&task);
                }
                task.notify_awaiter(done);
                drop(task);
            }
        }
        usize::from(spent)
    }

    /// The task being polled, if the caller runs inside one.
    pub(crate) fn current_task(&self) -> Option<TaskHandle> {
        let ptr = self.current.get()?;
        // SAFETY: `current` is set only while `run_task` holds a reference to this task.
        Some(TaskHandle::new(unsafe { TaskRef::clone_from_ptr(ptr) }))
    }

    /// Every task of this loop that has not completed.
    pub(crate) fn all_tasks(&self) -> Vec<TaskHandle> {
        self.owned
            .borrow()
            .iter()
            .map(|task| TaskHandle::new(task.clone()))
            .collect()
    }

    /// Runs `callback` (as a loop callback) once `task` completes, or soon if it has.
    pub(crate) fn add_done_callback(&self, task: &TaskRef, callback: DoneCallback) {
        assert!(
            Arc::ptr_eq(&task.header().shared, &self.shared),
            "add_done_callback must be called on the task's own event loop"
        );
        if task.is_done() {
            let handle = TaskHandle::new(task.clone());
            drop(self.spawn(async move { callback(handle) }));
        } else {
            self.done_callbacks
                .borrow_mut()
                .entry(task.header().id)
                .or_default()
                .push(callback);
        }
    }

    fn schedule_done_callbacks(&self, task: &TaskRef) {
        let callbacks = self.done_callbacks.borrow_mut().remove(&task.header().id);
        for callback in callbacks.into_iter().flatten() {
            let handle = TaskHandle::new(task.clone());
            drop(self.spawn(async move { callback(handle) }));
        }
    }

    /// One iteration of the loop: take remote work, fire due timers, run a batch of ready tasks,
    /// and park if nothing is left to do. `main_ready` says whether the future the loop is
    /// driving was woken (then the loop must not park).
    pub(crate) fn tick(&self, main_ready: &dyn Fn() -> bool) {
        if self.shared.is_notified() {
            self.drain_remote();
        }
        self.fire_timers();
        // Tasks queued now run this iteration; those they wake or requeue wait for the next.
        let queued = self.run_queue.borrow().len();
        let mut work = 0;
        for _ in 0..queued {
            let next = self.run_queue.borrow_mut().pop_front();
            match next {
                Some(task) => work += 1 + self.run_task(task),
                None => break,
            }
            if work >= TICK_WORK {
                break;
            }
        }
        if !self.has_ready_tasks()
            && !main_ready()
            && !self.shared.is_notified()
            && !self.shared.stop_requested()
        {
            self.work_since_io.set(0);
            self.park(main_ready);
        } else {
            let work = self.work_since_io.get() + work.max(1);
            if work >= TICK_WORK {
                self.work_since_io.set(0);
                self.poll_io(Some(Duration::ZERO));
            } else {
                self.work_since_io.set(work);
            }
        }
    }

    /// Calls `f` with the reactor (sockets register through it).
    pub(crate) fn with_reactor<R>(&self, f: impl FnOnce(&Reactor) -> R) -> R {
        f(&self.reactor.borrow())
    }

    /// Parks in the reactor for at most `timeout`, then wakes the tasks whose I/O is ready.
    fn poll_io(&self, timeout: Option<Duration>) {
        let mut woken = std::mem::take(&mut *self.fired.borrow_mut());
        self.reactor.borrow_mut().park(timeout, &mut woken);
        // Wake after releasing the reactor: a waker may run code that touches it.
        wake_all(&mut woken);
        *self.fired.borrow_mut() = woken;
    }

    fn drain_remote(&self) {
        let mut batch = std::mem::take(&mut *self.remote_batch.borrow_mut());
        self.shared.take_remote(&mut batch);
        if !batch.cancelled_timers.is_empty() {
            let mut timers = self.timers.borrow_mut();
            let wakers: Vec<_> = batch
                .cancelled_timers
                .drain(..)
                .filter_map(|key| timers.cancel(key))
                .collect();
            drop(timers);
            drop_each_quietly(wakers); // after the borrow: a waker's drop is user code
        }
        for task in batch.tasks.drain(..) {
            if task.header().owned_slot.load(Ordering::Relaxed) == AWAITING_ADOPTION {
                self.adopt(task.clone());
            }
            self.push(task);
        }
        *self.remote_batch.borrow_mut() = batch;
    }

    /// Wakes the tasks whose timers are due.
    fn fire_timers(&self) {
        let mut timers = self.timers.borrow_mut();
        let Some(next) = timers.next_deadline() else {
            return;
        };
        let now = self.clock.now_ticks();
        if next > now {
            return;
        }
        // Only now take the reusable buffer: returning early above keeps its capacity in place.
        let mut fired = std::mem::take(&mut *self.fired.borrow_mut());
        timers.fire_until(now, &mut fired);
        drop(timers);
        // Wake after releasing the timers: a waker may run code that touches them.
        wake_all(&mut fired);
        *self.fired.borrow_mut() = fired;
    }

    /// Waits for a timer, a remote wake or I/O. Under the paused clock, time jumps to the next
    /// timer instead of passing — also to a deadline at the end of the clock's range (about 584
    /// years of nanoseconds), where every later deadline saturates: such sleeps end there.
    fn park(&self, main_ready: &dyn Fn() -> bool) {
        let next = self.timers.borrow_mut().next_deadline();
        if self.clock.is_paused() {
            match next {
                Some(deadline) => {
                    // Look (without waiting) for remote work and ready I/O first: it runs before
                    // time moves.
                    self.poll_io(Some(Duration::ZERO));
                    if !self.shared.is_notified() && !main_ready() && !self.has_ready_tasks() {
                        self.clock.advance_to_ticks(deadline);
                    }
                }
                None => self.poll_io(None),
            }
        } else {
            let timeout = next.map(|deadline| {
                Duration::from_nanos(deadline - self.clock.now_ticks().min(deadline))
            });
            self.poll_io(timeout);
        }
    }

    /// Cancels every task, dropping the futures on this thread. Runs once, from `EventLoop`'s
    /// `Drop`, with this loop entered. Every drop of user data here (futures, outputs, wakers,
    /// callbacks) is contained, so one faulty `Drop` cannot keep the rest from being dropped.
    pub(crate) fn shutdown(&self) {
        self.closing.set(true);
        for task in self.shared.close_remote() {
            if task.header().owned_slot.load(Ordering::Relaxed) == AWAITING_ADOPTION {
                self.adopt(task.clone());
            }
        }
        loop {
            let tasks: Vec<TaskRef> = self.owned.borrow().iter().cloned().collect();
            if tasks.is_empty() {
                break;
            }
            for task in tasks {
                let outcome = task.run(true);
                self.disown(&task);
                if let RunOutcome::Complete(done) = outcome {
                    task.notify_awaiter(done);
                }
            }
        }
        let queue = std::mem::take(&mut *self.run_queue.borrow_mut());
        drop(queue);
        let fired = std::mem::take(&mut *self.fired.borrow_mut());
        drop_each_quietly(fired);
        let timer_wakers = self.timers.borrow_mut().clear();
        drop_each_quietly(timer_wakers);
        // Callbacks of tasks that shutdown cancelled do not run (asyncio's `close` drops them too).
        let callbacks = std::mem::take(&mut *self.done_callbacks.borrow_mut());
        drop_each_quietly(callbacks.into_values().flatten());
    }
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

/// A task the closed loop will never take: cancel it here if it never reached the loop (only
/// `LoopHandle::spawn` makes those, with `Send` futures), then release the entry.
pub(crate) fn cancel_orphan(task: TaskRef) {
    if task.header().owned_slot.load(Ordering::Relaxed) == AWAITING_ADOPTION {
        task.header().owned_slot.store(NOT_OWNED, Ordering::Relaxed);
        task.cancel_now();
    }
}
