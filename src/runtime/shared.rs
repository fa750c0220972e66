//! The part of a loop that other threads may touch: the remote queue and the unparker.

use std::future::Future;
use std::mem;
use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use super::context;
use super::core::Core;
use super::diagnostics::{report_unobserved_panic, Diagnostics};
use super::driver::{TimerKey, Unparker};
use super::task::raw::{Header, PanicPayload};
use super::task::{allocate, JoinRef, Notified, Schedule};
use crate::loom::Arc;
use crate::util::{lock_static, Mutex};

/// Numbers loops (and worker pools), so a task can name its owner in 4 bytes of its header.
static NEXT_LOOP_ID: AtomicU32 = AtomicU32::new(1);

/// The open loops by number, so a `Sleep` armed on one loop and dropped elsewhere (a `Send`
/// task that moved between workers) can cancel its timer knowing only the loop's number. A
/// loop is listed from `Core::new` until its `Core` is dropped.
static OPEN_LOOPS: std::sync::Mutex<Vec<(u32, Arc<Shared>)>> = std::sync::Mutex::new(Vec::new());

/// A fresh owner number for a loop or a worker pool.
pub(crate) fn next_owner_id() -> u32 {
    NEXT_LOOP_ID.fetch_add(1, Ordering::Relaxed)
}

/// Shared between the loop and every thread holding one of its wakers, tasks or `LoopHandle`s.
pub(crate) struct Shared {
    remote: Mutex<Remote>,
    /// Whether other threads have something for the loop, and whether it is parked.
    flags: ParkFlags,
    /// `stop()` was called: `run_forever` returns after the current iteration.
    stop_requested: AtomicBool,
    unparker: Unparker,
    /// This loop's number (the high half of its tasks' ids).
    id: u32,
    /// The number of the last task spawned on this loop (the low half of their ids).
    last_task_number: AtomicU32,
    /// Debug mode's options and the exception handler (shared with a pool's other workers).
    diagnostics: Arc<Diagnostics>,
}

#[derive(Default)]
struct Remote {
    /// Tasks woken or spawned from other threads (or off-loop on this one).
    tasks: Vec<Notified>,
    /// Timers whose `Sleep` was dropped away from the running loop.
    cancelled_timers: Vec<TimerKey>,
    /// Requests from other threads to look at the loop between polls (a task dump, metrics).
    inspections: Vec<Inspection>,
    /// A thread is running the loop (`Core::enter`), so queued inspections will be answered.
    running: bool,
    /// The loop closed: nothing will drain this queue again.
    closed: bool,
}

/// How often a thread that runs a loop and waits for another loop's answer looks at its own
/// loop's requests (two loops inspecting each other must not wait on each other forever).
const ANSWER_POLL: Duration = Duration::from_millis(1);

/// A request to run on the loop's thread, between polls, with the loop's `Core`.
pub(crate) type Inspection = Box<dyn FnOnce(&Core) + Send + 'static>;

/// Why an inspection was not answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum InspectError {
    NotRunning,
    Closed,
    TimedOut,
}

/// What the loop took from the remote queue.
#[derive(Default)]
pub(crate) struct RemoteBatch {
    pub(crate) tasks: Vec<Notified>,
    pub(crate) cancelled_timers: Vec<TimerKey>,
    pub(crate) inspections: Vec<Inspection>,
}

impl Shared {
    pub(crate) fn new(unparker: Unparker, diagnostics: Arc<Diagnostics>) -> Shared {
        Shared {
            diagnostics,
            remote: Mutex::new(Remote::default()),
            flags: ParkFlags::default(),
            stop_requested: AtomicBool::new(false),
            unparker,
            id: next_owner_id(),
            last_task_number: AtomicU32::new(0),
        }
    }

    /// Lists `this` among the open loops (see `OPEN_LOOPS`).
    pub(crate) fn list_open(this: &Arc<Shared>) {
        lock_static(&OPEN_LOOPS).push((this.id, this.clone()));
    }

    /// Takes this loop off the open loops (its `Core` is dropped).
    pub(crate) fn unlist(&self) {
        let removed = {
            let mut open = lock_static(&OPEN_LOOPS);
            open.iter()
                .position(|(id, _)| *id == self.id)
                .map(|at| open.swap_remove(at))
        };
        drop(removed); // after the lock: it may be the last reference
    }

    /// Every open loop, by number (a dump of the whole process).
    pub(crate) fn open_loops() -> Vec<(u32, Arc<Shared>)> {
        lock_static(&OPEN_LOOPS).clone()
    }

    /// The open loop numbered `id`, if it is still open.
    pub(crate) fn find_open(id: u32) -> Option<Arc<Shared>> {
        lock_static(&OPEN_LOOPS)
            .iter()
            .find(|(open, _)| *open == id)
            .map(|(_, shared)| shared.clone())
    }

    /// Debug mode's options and the exception handler.
    #[inline]
    pub(crate) fn diagnostics(&self) -> &Arc<Diagnostics> {
        &self.diagnostics
    }

    /// Runs `inspect` on the loop's thread between two polls and returns its answer, waiting at
    /// most `limit` (`None`: as long as the loop runs). On the loop's own thread it runs at once.
    /// A thread running another loop keeps answering its own loop's inspections while it waits,
    /// so two loops inspecting each other cannot deadlock.
    pub(crate) fn inspect<R: Send + 'static>(
        &self,
        inspect: impl FnOnce(&Core) -> R + Send + 'static,
        limit: Option<Duration>,
    ) -> Result<R, InspectError> {
        if self.is_current() {
            return Ok(context::try_with_core(|core| {
                inspect(core.expect("`is_current` found this loop running here"))
            }));
        }
        let (answer, answered) = std::sync::mpsc::sync_channel(1);
        let request: Inspection = Box::new(move |core| {
            let _ = answer.send(inspect(core));
        });
        {
            let mut remote = self.remote.lock();
            if remote.closed {
                return Err(InspectError::Closed);
            }
            if !remote.running {
                return Err(InspectError::NotRunning);
            }
            remote.inspections.push(request);
        }
        self.notify();
        let deadline = limit.and_then(|limit| Instant::now().checked_add(limit));
        // A thread running a loop of its own looks at that loop's requests every millisecond;
        // any other thread just waits.
        let on_a_loop = context::try_with_core(|core| core.is_some());
        loop {
            let left = deadline.map(|deadline| deadline.saturating_duration_since(Instant::now()));
            let wait = match (on_a_loop, left) {
                (true, left) => left.map_or(ANSWER_POLL, |left| left.min(ANSWER_POLL)),
                (false, Some(left)) => left,
                (false, None) => Duration::MAX,
            };
            let answer = if wait == Duration::MAX {
                answered.recv().map_err(|_| RecvTimeoutError::Disconnected)
            } else {
                answered.recv_timeout(wait)
            };
            match answer {
                Ok(answer) => return Ok(answer),
                // The request was dropped unanswered: the loop closed.
                Err(RecvTimeoutError::Disconnected) => return Err(InspectError::Closed),
                Err(RecvTimeoutError::Timeout) => {}
            }
            if on_a_loop {
                context::try_with_core(|core| core.map(Core::answer_inspections));
            }
            if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                return Err(InspectError::TimedOut);
            }
        }
    }

    /// Marks the loop running: its thread answers inspections from now on.
    pub(crate) fn start_running(&self) {
        self.remote.lock().running = true;
    }

    /// Marks the loop no longer running, and returns the inspections still queued, for the
    /// loop to answer before it goes; later ones are refused (`NotRunning`).
    pub(crate) fn stop_running(&self) -> Vec<Inspection> {
        let mut remote = self.remote.lock();
        remote.running = false;
        mem::take(&mut remote.inspections)
    }

    /// Takes the inspections queued so far. Loop thread only.
    pub(crate) fn take_inspections(&self) -> Vec<Inspection> {
        mem::take(&mut self.remote.lock().inspections)
    }

    /// This loop's number, as its tasks' ids record it.
    pub(crate) fn id(&self) -> u32 {
        self.id
    }

    /// The number of the next task spawned on this loop, from 1, wrapping after 2³².
    pub(crate) fn next_task_number(&self) -> u32 {
        self.last_task_number
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_add(1)
    }

    /// Makes a task of `future` from a thread that is not running this loop: it waits in the
    /// remote queue until the loop adopts it, or is cancelled at once if the loop has closed.
    pub(crate) fn spawn_remote<F>(
        this: &Arc<Shared>,
        future: F,
        site: &'static Location<'static>,
    ) -> JoinRef<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (join, owned, queued) = allocate(future, this.clone(), this.next_task_number(), site);
        // The loop takes its owned reference when it adopts the task.
        drop(owned);
        queued.mark_awaiting_adoption();
        if let Err(queued) = this.push_remote(queued) {
            queued.release_rejected();
        }
        join
    }

    /// Hands a task to the loop from a thread that is not running it. Returns the task back if
    /// the loop has closed.
    pub(crate) fn push_remote(&self, task: Notified) -> Result<(), Notified> {
        {
            let mut remote = self.remote.lock();
            if remote.closed {
                return Err(task);
            }
            remote.tasks.push(task);
        }
        self.notify();
        Ok(())
    }

    pub(crate) fn cancel_timer_remote(&self, key: TimerKey) {
        {
            let mut remote = self.remote.lock();
            if remote.closed {
                return;
            }
            remote.cancelled_timers.push(key);
        }
        self.notify();
    }

    /// Tells the loop that something is queued for it, and wakes it if it is parked (or about
    /// to park).
    pub(crate) fn notify(&self) {
        if self.flags.notify() {
            self.unparker.unpark();
        }
    }

    pub(crate) fn is_notified(&self) -> bool {
        self.flags.is_notified()
    }

    /// The loop is about to park: from now on a `notify` unparks it. The caller looks for work
    /// once more after this (`is_notified`) and calls `end_parking` when it is awake.
    pub(crate) fn begin_parking(&self) {
        self.flags.begin_parking();
    }

    pub(crate) fn end_parking(&self) {
        self.flags.end_parking();
    }

    /// Takes everything other threads queued. Loop thread only.
    pub(crate) fn take_remote(&self, batch: &mut RemoteBatch) {
        self.flags.clear_notified();
        let mut remote = self.remote.lock();
        mem::swap(&mut remote.tasks, &mut batch.tasks);
        mem::swap(&mut remote.cancelled_timers, &mut batch.cancelled_timers);
        mem::swap(&mut remote.inspections, &mut batch.inspections);
    }

    /// Refuses further remote work and returns what was queued. Loop thread only (shutdown).
    pub(crate) fn close_remote(&self) -> Vec<Notified> {
        let mut remote = self.remote.lock();
        remote.closed = true;
        remote.cancelled_timers.clear();
        // Dropped unanswered: their requesters see the loop closed.
        drop(mem::take(&mut remote.inspections));
        mem::take(&mut remote.tasks)
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.remote.lock().closed
    }

    pub(crate) fn request_stop(&self) {
        self.stop_requested.store(true, Ordering::Release);
        self.notify();
    }

    pub(crate) fn take_stop_request(&self) -> bool {
        self.stop_requested.swap(false, Ordering::AcqRel)
    }

    pub(crate) fn stop_requested(&self) -> bool {
        self.stop_requested.load(Ordering::Acquire)
    }

    /// True when called on the thread where this loop is running.
    pub(crate) fn is_current(&self) -> bool {
        context::try_with_core(|core| core.is_some_and(|core| std::ptr::eq(&**core.shared(), self)))
    }
}

/// The handshake between threads that queue work for a loop and the loop going to sleep.
///
/// `notified` says something is queued (the loop clears it just before it drains); `parked`
/// says the loop is parked or about to park. A notifier sets `notified`, then unparks the loop
/// only if it flipped `notified` and the loop is parked — a busy loop costs its notifiers no
/// syscall, and a burst of notifications costs one unpark. The loop sets `parked`, then looks
/// at `notified` once more before it blocks. Both pairs are sequentially consistent, so one of
/// the two always sees the other: no wake-up is lost (loom model below).
#[derive(Default)]
struct ParkFlags {
    notified: AtomicBool,
    parked: AtomicBool,
}

impl ParkFlags {
    /// Records a notification; true if the caller must unpark the loop.
    fn notify(&self) -> bool {
        !self.notified.swap(true, Ordering::SeqCst) && self.parked.load(Ordering::SeqCst)
    }

    fn is_notified(&self) -> bool {
        self.notified.load(Ordering::SeqCst)
    }

    fn clear_notified(&self) {
        self.notified.store(false, Ordering::SeqCst);
    }

    fn begin_parking(&self) {
        self.parked.store(true, Ordering::SeqCst);
    }

    fn end_parking(&self) {
        self.parked.store(false, Ordering::Relaxed);
    }
}

/// The single loop's side of the schedule seam: a woken task goes onto the local queue on the
/// loop's own thread, onto the remote queue (and an unpark) anywhere else.
impl Schedule for Arc<Shared> {
    fn owner_id(&self) -> u32 {
        self.id
    }

    fn report_unobserved_panic(&self, task: &Header, payload: &PanicPayload) {
        report_unobserved_panic(&self.diagnostics, self.id, task, payload);
    }

    fn schedule(&self, task: Notified) -> Result<(), Notified> {
        let task = context::try_with_core(|core| match core {
            Some(core) if Arc::ptr_eq(core.shared(), self) => {
                core.push(task);
                None
            }
            _ => Some(task),
        });
        match task {
            None => Ok(()),
            // Closed: the task was already completed by shutdown (or, if it was spawned
            // remotely and never adopted, the raw task cancels it) and the entry is dropped.
            Some(task) => self.push_remote(task),
        }
    }
}

#[cfg(all(test, baton_loom))]
mod loom_models {
    use loom::sync::Arc;
    use loom::thread;

    use super::ParkFlags;

    /// A notification racing the loop going to park: the loop sees it before it blocks, or
    /// the notifier unparks it. Never neither (the loop would sleep with work queued).
    #[test]
    fn a_notification_racing_a_park_is_never_lost() {
        loom::model(|| {
            let flags = Arc::new(ParkFlags::default());
            let notifier = {
                let flags = flags.clone();
                thread::spawn(move || flags.notify())
            };
            flags.begin_parking();
            let saw_it = flags.is_notified();
            let unparked = notifier.join().unwrap();
            assert!(saw_it || unparked, "the notification was lost");
            flags.end_parking();
        });
    }

    /// A notification while the loop is busy (after it drained): no unpark, and the loop sees
    /// it on its next look.
    #[test]
    fn a_notification_to_a_busy_loop_costs_no_unpark() {
        loom::model(|| {
            let flags = Arc::new(ParkFlags::default());
            flags.clear_notified();
            let notifier = {
                let flags = flags.clone();
                thread::spawn(move || flags.notify())
            };
            let unparked = notifier.join().unwrap();
            assert!(!unparked);
            assert!(flags.is_notified());
        });
    }
}
