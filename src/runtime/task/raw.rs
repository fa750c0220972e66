//! The type-erased task: one allocation holding a header, then the future and later its output.
//!
//! ```text
//! Cell<F, S> (#[repr(C)], one heap allocation)
//! +-----------------------------+
//! | Header (64 bytes)           |  state word, vtable, awaiter waker, owned slot, number;
//! |                             |  then the cold trace: spawn site, awaiter, polls, busy time
//! |                             |  (+16 with the `tracing` feature: the console span)
//! +-----------------------------+
//! | S: Schedule                 |  who runs the task (a loop's `Arc<Shared>`; a worker pool)
//! +-----------------------------+
//! | Stage<F> (a union)          |  the future while incomplete; then its output, or a panic
//! |                             |  payload, or nothing (which one: the state flags say)
//! +-----------------------------+
//! ```
//!
//! The header is all that code outside this file sees; the vtable's functions know `F` and `S`
//! and reach the scheduler and the stage. `TaskRef` is a counted pointer to the header; the
//! references with a role are typed over it (`refs.rs`): `Notified` (a queue entry),
//! `OwnedTask` (the owner's hold) and `JoinRef<T>` (the handle's).
//!
//! # The schedule seam
//!
//! A task knows nothing of the loop that runs it: waking it calls its [`Schedule`]
//! implementation through the vtable. The single loop's is `runtime::Shared`; a worker pool
//! supplies another, and the same raw task runs under either.

use std::any::Any;
use std::cell::UnsafeCell;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::Location;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::atomic::AtomicU32;
use std::task::{Context, Poll, Waker};

use super::console;
use super::error::TaskError;
use super::meta;
use super::refs::{JoinRef, Notified, OwnedTask};
use super::state::{self, Completed, Idle, Outcome, Start, State};
use super::trace::Trace;
use super::waker::borrowed_waker;
use super::TaskId;
use crate::panic::{contain, drop_payload, drop_quietly};

/// A panic payload, boxed once more so the stage stays one pointer wide for it.
pub(crate) type PanicPayload = Box<dyn Any + Send + 'static>;

/// Marks a task not (or no longer) in its loop's owned-task set.
pub(crate) const NOT_OWNED: u32 = u32::MAX;

/// Marks a task spawned from another thread that its loop has not yet put in its owned set.
pub(crate) const AWAITING_ADOPTION: u32 = u32::MAX - 1;

/// The first slot number an owned set cannot hand out (the two above are markers).
pub(crate) const NOT_ADOPTABLE: u32 = AWAITING_ADOPTION;

/// Who runs a task: the seam between the raw task and a scheduler.
///
/// `schedule` is called by the task's wakers and by `cancel`, on any thread, with the reference
/// of a new queue entry. A scheduler that can no longer run tasks (a closed loop) hands the task
/// back; the raw task then cancels it if it never reached an owner, and releases the entry.
pub(crate) trait Schedule: Send + Sync + 'static {
    /// Queues `task` to run.
    ///
    /// # Errors
    /// Gives the task back when this scheduler has shut down.
    fn schedule(&self, task: Notified) -> Result<(), Notified>;

    /// The number of the loop (or worker) that owns the task: the high half of its `TaskId`.
    fn owner_id(&self) -> u32;

    /// The task panicked and its payload is being dropped without anyone having taken it
    /// (asyncio's "Task exception was never retrieved"): report it. Called on whatever thread
    /// drops it, with no lock held.
    fn report_unobserved_panic(&self, task: &Header, payload: &PanicPayload);
}

/// The part of a task every owner of a `TaskRef` may read.
pub(crate) struct Header {
    pub(crate) state: State,
    vtable: &'static Vtable,
    /// The `Task<T>` handle's waker. Written only by the handle while `AWAITER` is clear; read
    /// only by the loop at completion while `AWAITER` is set (see `state.rs`).
    pub(crate) awaiter: UnsafeCell<Option<Waker>>,
    /// The task's key in its owner's owned set, `NOT_OWNED` or `AWAITING_ADOPTION`. Touched
    /// only on the owner's thread; an atomic only so the header stays `Sync` without a lock.
    pub(crate) owned_slot: AtomicU32,
    /// The task's number among its owner's tasks, in spawn order: the low half of its
    /// `TaskId` (the owner's number, the high half, is the scheduler's). 32 bits, so the header
    /// is 40 bytes and a task with a two-word future fits an 80-byte allocation.
    pub(crate) number: u32,
    /// Cold: what a task dump reads (spawn site, awaiter, polls, busy time).
    pub(crate) trace: Trace,
    /// tokio-console's span (`console.rs`), with the `tracing` feature only.
    #[cfg(feature = "tracing")]
    pub(crate) console: console::TaskSpan,
}

/// What a task does, erased over its future type.
struct Vtable {
    /// Polls (or, with `force_cancel`, cancels) the task. Loop thread only.
    run: unsafe fn(NonNull<Header>, bool) -> RunOutcome,
    /// Moves the output out as `Result<T, TaskError>` into `*mut Option<Result<T, TaskError>>`.
    take_output: unsafe fn(NonNull<Header>, *mut ()),
    /// Drops an output nobody took.
    drop_output: unsafe fn(NonNull<Header>),
    /// Hands the task to its scheduler, taking over one counted reference (a queue entry's).
    schedule: unsafe fn(NonNull<Header>),
    /// The owner's number (`Schedule::owner_id`).
    owner_id: unsafe fn(NonNull<Header>) -> u32,
    /// Frees the allocation.
    dealloc: unsafe fn(NonNull<Header>),
}

/// How a run of a task ended.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum RunOutcome {
    /// Waiting for a waker.
    Pending,
    /// Woken while it ran: queue it again.
    Requeue,
    /// Done (returned, panicked or cancelled): remove it from the owned set, then wake its
    /// awaiter with [`TaskRef::notify_awaiter`].
    Complete(Completion),
    /// Was already complete; nothing ran.
    Skipped,
}

/// A task that just completed and whose awaiting handle may still have to be woken. That waker is
/// user code, so the loop wakes it last, once its own bookkeeping (current task, owned set, done
/// callbacks) is finished.
#[must_use = "wake the task's awaiter with `TaskRef::notify_awaiter`"]
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Completion {
    wake_awaiter: bool,
}

#[repr(C)]
struct Cell<F: Future, S> {
    header: Header,
    scheduler: S,
    stage: UnsafeCell<Stage<F>>,
}

union Stage<F: Future> {
    future: ManuallyDrop<F>,
    output: ManuallyDrop<F::Output>,
    panic: ManuallyDrop<Box<PanicPayload>>,
}

/// A counted reference to a task. Dropping it releases the reference.
pub(crate) struct TaskRef(pub(super) NonNull<Header>);

// SAFETY: a `TaskRef` only touches the header's atomics and, on the last reference, frees the
// allocation. Freeing drops the future only if it never completed, which for tasks with `!Send`
// futures cannot happen away from their loop: the loop's owned set holds a reference until the
// task completes, and `close` completes every owned task on the loop thread (see `task/mod.rs`).
unsafe impl Send for TaskRef {}
// SAFETY: as for `Send`; shared access goes through atomics only.
unsafe impl Sync for TaskRef {}

/// Allocates task number `number` of `scheduler`'s for `future`, spawned at `site`, already
/// scheduled and with a handle. Returns its three references: the handle's, the owner's, and the
/// queue entry's.
pub(crate) fn allocate<F, S>(
    future: F,
    scheduler: S,
    number: u32,
    site: &'static Location<'static>,
) -> (JoinRef<F::Output>, OwnedTask, Notified)
where
    F: Future + 'static,
    S: Schedule,
{
    let cell = Box::new(Cell {
        header: Header {
            state: State::new_scheduled(3),
            vtable: &Vtable {
                run: run::<F, S>,
                take_output: take_output::<F, S>,
                drop_output: drop_output::<F, S>,
                schedule: schedule::<F, S>,
                owner_id: owner_id::<F, S>,
                dealloc: dealloc::<F, S>,
            },
            awaiter: UnsafeCell::new(None),
            owned_slot: AtomicU32::new(NOT_OWNED),
            number,
            trace: Trace::new(site),
            #[cfg(feature = "tracing")]
            console: console::TaskSpan::new(),
        },
        scheduler,
        stage: UnsafeCell::new(Stage {
            future: ManuallyDrop::new(future),
        }),
    });
    let ptr = NonNull::from(Box::leak(cell)).cast::<Header>();
    (
        JoinRef::new(TaskRef(ptr)),
        OwnedTask(TaskRef(ptr)),
        Notified(TaskRef(ptr)),
    )
}

impl TaskRef {
    /// Adopts a reference that was counted for a raw pointer (a `Waker`'s).
    ///
    /// # Safety
    /// `ptr` points at a live task header and the caller gives up one counted reference to it.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> TaskRef {
        TaskRef(ptr)
    }

    /// Takes a new counted reference to a task someone else holds one to.
    ///
    /// # Safety
    /// `ptr` points at a live task header, kept alive by another reference for this call.
    pub(crate) unsafe fn clone_from_ptr(ptr: NonNull<Header>) -> TaskRef {
        // SAFETY: by the caller's contract the header is live.
        unsafe { ptr.as_ref() }.state.ref_inc();
        TaskRef(ptr)
    }

    /// Finished: returned, panicked or cancelled.
    pub(crate) fn is_done(&self) -> bool {
        self.header().state.load().has(state::COMPLETE)
    }

    /// Finished with this outcome flag (`CANCELLED` or `PANICKED`).
    pub(crate) fn finished_by(&self, flag: usize) -> bool {
        let s = self.header().state.load();
        s.has(state::COMPLETE) && s.has(flag)
    }

    /// The task's id: its owner's number and its own.
    pub(crate) fn id(&self) -> TaskId {
        // SAFETY: the vtable matches the cell; `self` keeps it alive.
        let owner = unsafe { (self.header().vtable.owner_id)(self.0) };
        TaskId::new(owner, self.header().number)
    }

    /// The id of the task at `ptr`, without taking a reference.
    ///
    /// # Safety
    /// `ptr` points at a live task header, kept alive by another reference for this call.
    pub(crate) unsafe fn id_at(ptr: NonNull<Header>) -> TaskId {
        // SAFETY: by the caller's contract the header is live; the vtable matches its cell.
        unsafe {
            let header = ptr.as_ref();
            TaskId::new((header.vtable.owner_id)(ptr), header.number)
        }
    }

    /// Whether both refer to the same task.
    pub(crate) fn ptr_eq(&self, other: &TaskRef) -> bool {
        self.0 == other.0
    }

    pub(crate) fn as_ptr(&self) -> NonNull<Header> {
        self.0
    }

    pub(crate) fn header(&self) -> &Header {
        // SAFETY: this reference keeps the allocation alive, and the header is only ever read
        // through shared references (its mutable parts are atomics and the guarded awaiter).
        unsafe { self.0.as_ref() }
    }

    /// Hands this reference, as a queue entry, to the task's scheduler. The caller counted it
    /// for the entry (`State::wake_*` or `State::cancel` said `Submit`).
    pub(crate) fn schedule(self) {
        let ptr = self.0;
        std::mem::forget(self);
        // SAFETY: the vtable matches the cell; the forgotten reference passes to the call.
        unsafe { (ptr.as_ref().vtable.schedule)(ptr) }
    }

    /// Polls the task once, or drops its future if it was asked to cancel. Loop thread only: it
    /// may poll or drop a `!Send` future.
    pub(super) fn poll_once(&self) -> RunOutcome {
        // SAFETY: the vtable matches the cell it was created with; the caller is the task's loop
        // (the owned set and queues that hold `TaskRef`s live only on it).
        unsafe { (self.header().vtable.run)(self.0, false) }
    }

    /// Completes the task as cancelled here and now, dropping its future without polling it;
    /// the caller wakes the awaiter with the completion (after its own bookkeeping). For a task
    /// no loop will run again: shutdown's, on the loop's thread, or one that never reached its
    /// loop, on any thread (its future is `Send`).
    pub(crate) fn cancel_in_place(&self) -> RunOutcome {
        // SAFETY: as for `poll_once`.
        unsafe { (self.header().vtable.run)(self.0, true) }
    }

    /// [`cancel_in_place`](Self::cancel_in_place), then wakes the awaiter.
    pub(crate) fn cancel_now(&self) {
        if let RunOutcome::Complete(done) = self.cancel_in_place() {
            self.notify_awaiter(done);
        }
    }

    /// Wakes the handle that awaits this just-completed task, if one registered a waker. A panic
    /// from that waker is contained (see `crate::panic`): the loop's state is already whole.
    pub(crate) fn notify_awaiter(&self, completion: Completion) {
        if completion.wake_awaiter {
            // SAFETY: `wake_awaiter` said AWAITER was set at completion; `self` keeps the
            // allocation alive.
            unsafe { wake_awaiter(self.header()) };
        }
    }

    /// Moves the finished output out. Only the handle calls this, after seeing `COMPLETE`
    /// without `STAGE_EMPTY`, and it marks the stage empty itself.
    ///
    /// # Safety
    /// `T` is the task's output type.
    pub(super) unsafe fn take_output<T>(&self) -> Result<T, TaskError> {
        let mut out: Option<Result<T, TaskError>> = None;
        // SAFETY: `T` matches by the caller's contract; the handle has exclusive access to the
        // stage once it saw `COMPLETE` (the loop never touches it again).
        unsafe { (self.header().vtable.take_output)(self.0, (&mut out as *mut Option<_>).cast()) };
        out.expect("take_output wrote the output")
    }

    /// Drops an output that nobody took (the handle is going away).
    pub(super) fn drop_output(&self) {
        // SAFETY: only `Task::drop` calls this, when `drop_handle` reported an output was left.
        unsafe { (self.header().vtable.drop_output)(self.0) }
    }
}

impl Clone for TaskRef {
    fn clone(&self) -> TaskRef {
        self.header().state.ref_inc();
        TaskRef(self.0)
    }
}

impl Drop for TaskRef {
    fn drop(&mut self) {
        if self.header().state.ref_dec() {
            // SAFETY: that was the last reference; nobody else can reach the allocation.
            unsafe { (self.header().vtable.dealloc)(self.0) }
        }
    }
}

/// Frees a task whose last reference a waker held.
///
/// # Safety
/// The caller held the last reference to `ptr`.
pub(crate) unsafe fn dealloc_raw(ptr: NonNull<Header>) {
    // SAFETY: by the caller's contract the allocation is live and unreachable by anyone else.
    unsafe { (ptr.as_ref().vtable.dealloc)(ptr) }
}

/// # Safety
/// `ptr` is a live `Cell<F, S>` and the caller gives up one counted reference to it.
unsafe fn schedule<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    let task = Notified(TaskRef(ptr));
    let rejected = {
        // SAFETY: `ptr` points at a `Cell<F, S>` (the vtable was built for it), kept alive by
        // `task` for as long as the scheduler is borrowed: a rejected task comes back out and
        // is released only after the borrow ends.
        let cell = unsafe { ptr.cast::<Cell<F, S>>().as_ref() };
        cell.scheduler.schedule(task)
    };
    if let Err(task) = rejected {
        task.release_rejected();
    }
}

/// # Safety
/// `ptr` is a live `Cell<F, S>` on which the caller holds a reference.
unsafe fn owner_id<F: Future, S: Schedule>(ptr: NonNull<Header>) -> u32 {
    // SAFETY: by the caller's contract; the scheduler is only ever read through `&`.
    unsafe { ptr.cast::<Cell<F, S>>().as_ref() }
        .scheduler
        .owner_id()
}

/// # Safety
/// `ptr` is a live `Cell<F, S>`, called on its loop's thread, and the caller holds a reference.
unsafe fn run<F: Future, S: Schedule>(ptr: NonNull<Header>, force_cancel: bool) -> RunOutcome {
    // SAFETY: `ptr` points at a `Cell<F, S>` (the vtable was built for it) kept alive by the
    // caller.
    let cell = unsafe { ptr.cast::<Cell<F, S>>().as_ref() };
    let stage = cell.stage.get();
    match cell.header.state.start(force_cancel) {
        Start::Skip => RunOutcome::Skipped,
        Start::Cancel => {
            let unwinding = CompleteOnUnwind(cell);
            // SAFETY: `start` set RUNNING on an incomplete task, so the stage holds the future and
            // no one else touches it until `complete`.
            unsafe { drop_future_quietly(&mut (*stage).future) };
            std::mem::forget(unwinding);
            finish(cell, Outcome::Cancelled)
        }
        Start::Poll => {
            let unwinding = CompleteOnUnwind(cell);
            let waker = borrowed_waker(ptr);
            let mut cx = Context::from_waker(&waker);
            // SAFETY: RUNNING gives this call exclusive access to the future, which stays at
            // this address until it is dropped in place: it is pinned.
            let future = unsafe { Pin::new_unchecked(&mut *(*stage).future) };
            let id = || TaskId::new(cell.scheduler.owner_id(), cell.header.number);
            let poll = || catch_unwind(AssertUnwindSafe(|| future.poll(&mut cx)));
            // SAFETY: `start` set RUNNING for this thread.
            let polled =
                unsafe { console::in_span(&cell.header, id, std::mem::size_of::<F>(), poll) };
            let outcome = match polled {
                Ok(Poll::Pending) => {
                    std::mem::forget(unwinding);
                    return match cell.header.state.finish_pending() {
                        Idle::Waiting => RunOutcome::Pending,
                        Idle::Requeue => RunOutcome::Requeue,
                    };
                }
                Ok(Poll::Ready(output)) => {
                    // SAFETY: still RUNNING; the future is live and is replaced by its output.
                    unsafe {
                        drop_future_quietly(&mut (*stage).future);
                        (*stage).output = ManuallyDrop::new(output);
                    }
                    Outcome::Returned
                }
                Err(payload) => {
                    crate::panic::explain(&*payload);
                    // SAFETY: as above; a future that panicked is dropped, not polled again.
                    unsafe {
                        drop_future_quietly(&mut (*stage).future);
                        (*stage).panic = ManuallyDrop::new(Box::new(payload));
                    }
                    Outcome::Panicked
                }
            };
            std::mem::forget(unwinding);
            finish(cell, outcome)
        }
    }
}

/// Ends a run that unwound (a bug in baton itself: every call into user code above is caught) in
/// a terminal state: the task completes as cancelled with its stage marked empty, so whatever the
/// stage holds is leaked rather than dropped a second time by shutdown or the last reference. Its
/// awaiter is woken so that nobody waits forever. Disarmed with `mem::forget` on every normal path.
struct CompleteOnUnwind<'a, F: Future, S>(&'a Cell<F, S>);

impl<F: Future, S> Drop for CompleteOnUnwind<'_, F, S> {
    fn drop(&mut self) {
        if self
            .0
            .header
            .state
            .complete(Outcome::Cancelled)
            .wake_awaiter
        {
            // SAFETY: `complete` reported AWAITER set; the caller of `run` holds a reference.
            unsafe { wake_awaiter(&self.0.header) };
        }
    }
}

/// Wakes the waker the handle left in the awaiter slot; a panic from it is contained.
///
/// # Safety
/// `AWAITER` was set when the task completed, so the handle wrote the slot and never touches it
/// again (`state.rs`), and the header stays alive for the call.
unsafe fn wake_awaiter(header: &Header) {
    // SAFETY: by the caller's contract the slot is ours to read.
    if let Some(waker) = unsafe { &*header.awaiter.get() } {
        contain(|| waker.wake_by_ref());
    }
}

/// Drops a future in place; a panic from its `Drop` is contained (see `crate::panic`), so one
/// task's faulty destructor cannot unwind through the loop.
///
/// # Safety
/// `future` is live and is not used again.
unsafe fn drop_future_quietly<F>(future: &mut ManuallyDrop<F>) {
    // SAFETY: by the caller's contract.
    contain(|| unsafe { ManuallyDrop::drop(future) });
}

/// Marks the task complete and drops what nobody will take (an output or payload without a
/// handle, or the output of a task cancelled as it returned). The awaiter is woken by the caller.
fn finish<F: Future, S: Schedule>(cell: &Cell<F, S>, outcome: Outcome) -> RunOutcome {
    // SAFETY: the caller (`run`) still holds RUNNING, and the span is no longer entered.
    unsafe { console::close(&cell.header) };
    let Completed {
        drop_stage,
        wake_awaiter,
        drop_awaiter,
    } = cell.header.state.complete(outcome);
    if drop_stage {
        // SAFETY: `complete` set STAGE_EMPTY on our behalf, so nobody else will touch the stage,
        // which holds what `outcome` says.
        unsafe { drop_stage_output::<F, S>(cell, outcome == Outcome::Panicked) };
    }
    if drop_awaiter {
        // SAFETY: the handle published the slot (AWAITER, with release) and was dropped before
        // the completion (HANDLE clear), and a dropped handle never touches the slot again;
        // the loop reads it only when the handle still exists. So it is ours alone.
        let waker = unsafe { (*cell.header.awaiter.get()).take() };
        drop_quietly(waker);
    }
    RunOutcome::Complete(Completion { wake_awaiter })
}

/// Drops the stage's output (or panic payload), containing any panic from its `Drop`.
///
/// # Safety
/// The stage holds an output (or a payload if `panicked`) that no one else will touch.
unsafe fn drop_stage_output<F: Future, S: Schedule>(cell: &Cell<F, S>, panicked: bool) {
    let stage = cell.stage.get();
    // SAFETY: by the caller's contract; the value is moved out once and dropped.
    unsafe {
        if panicked {
            let payload = *ManuallyDrop::take(&mut (*stage).panic);
            // Nobody took it: whoever drops it says so first.
            cell.scheduler
                .report_unobserved_panic(&cell.header, &payload);
            drop_payload(payload);
        } else {
            drop_quietly(ManuallyDrop::take(&mut (*stage).output));
        }
    }
}

/// # Safety
/// `ptr` is a live `Cell<F, S>` whose stage holds an output or payload the caller owns
/// exclusively; `out` points at an `Option<Result<F::Output, TaskError>>`.
unsafe fn take_output<F: Future, S: Schedule>(ptr: NonNull<Header>, out: *mut ()) {
    // SAFETY: by the caller's contract.
    unsafe {
        let cell = ptr.cast::<Cell<F, S>>().as_ref();
        let snapshot = cell.header.state.load();
        let result = if snapshot.has(state::CANCELLED) {
            Err(TaskError::Cancelled(meta::take_cancel_message(
                &cell.header,
            )))
        } else if snapshot.has(state::PANICKED) {
            Err(TaskError::Panicked(*ManuallyDrop::take(
                &mut (*cell.stage.get()).panic,
            )))
        } else {
            Ok(ManuallyDrop::take(&mut (*cell.stage.get()).output))
        };
        cell.header.state.take_stage();
        *out.cast::<Option<Result<F::Output, TaskError>>>() = Some(result);
    }
}

/// # Safety
/// As for `take_output`: the caller owns the stage's output exclusively.
unsafe fn drop_output<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: by the caller's contract.
    unsafe {
        let cell = ptr.cast::<Cell<F, S>>().as_ref();
        let snapshot = cell.header.state.load();
        if !snapshot.has(state::CANCELLED) {
            drop_stage_output::<F, S>(cell, snapshot.has(state::PANICKED));
        }
    }
}

/// # Safety
/// The last reference to the `Cell<F, S>` at `ptr` is gone.
unsafe fn dealloc<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: nobody else can reach the cell; it was made by `Box::new` in `allocate`.
    let mut cell = unsafe { Box::from_raw(ptr.cast::<Cell<F, S>>().as_ptr()) };
    let snapshot = cell.header.state.load();
    if !snapshot.has(state::STAGE_EMPTY) {
        // SAFETY: the flags say what the stage holds, and we own it now. An incomplete future
        // here belongs to a task that never reached a loop (its loop closed before taking it),
        // which only `LoopHandle::spawn` can create, with a `Send` future.
        unsafe {
            if !snapshot.has(state::COMPLETE) {
                drop_future_quietly(&mut (*cell.stage.get()).future);
            } else {
                drop_stage_output::<F, S>(&cell, snapshot.has(state::PANICKED));
            }
        }
    }
    if snapshot.has(state::META) {
        meta::forget(&cell.header);
    }
    // The awaiter's waker is user code; drop it where its panic is contained.
    drop_quietly(cell.header.awaiter.get_mut().take());
    drop(cell);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The single loop's scheduler: one pointer, as in `Cell<F, Arc<Shared>>`.
    type LoopScheduler = std::sync::Arc<()>;

    #[test]
    #[cfg(not(feature = "tracing"))]
    fn empty_task_fits_in_80_bytes() {
        async fn nothing() {}
        let fut = nothing();
        assert!(std::mem::size_of_val(&fut) <= 8);
        fn cell_size<F: Future>(_: &F) -> usize {
            std::mem::size_of::<Cell<F, LoopScheduler>>()
        }
        assert_eq!(cell_size(&fut), 80);
        assert_eq!(cell_size(&async {}), 80);
        // One cache line: the hot 40 bytes, then the 24-byte trace a dump reads.
        assert_eq!(std::mem::size_of::<Header>(), 64);
        // A task sleeping in a two-word `Sleep` fits glibc's 96-byte size class.
        let sleeper = async { crate::time::sleep(std::time::Duration::from_secs(1)).await };
        assert_eq!(cell_size(&sleeper), 96);
    }

    /// The `tracing` feature adds the console span's id and pointer to the header, no more.
    #[test]
    #[cfg(feature = "tracing")]
    fn the_console_span_costs_16_bytes() {
        assert_eq!(std::mem::size_of::<Header>(), 64 + 16);
        fn cell_size<F: Future>(_: &F) -> usize {
            std::mem::size_of::<Cell<F, LoopScheduler>>()
        }
        assert_eq!(cell_size(&async {}), 80 + 16);
    }
}
