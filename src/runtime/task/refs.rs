//! The references to a task that have a role, typed over the untyped counted [`TaskRef`]:
//!
//! | type | held by | may |
//! |---|---|---|
//! | [`Notified`] | a ready queue, between a wake and the run it asks for | run the task (owner thread) |
//! | [`OwnedTask`] | the owner's owned set, until the task completes | cancel it at shutdown (owner thread) |
//! | [`JoinRef<T>`] | the `Task<T>` handle | await the output, take it, drop it |
//! | [`TaskRef`] | wakers, `TaskHandle`, task groups | read the flags, name or cancel it |
//!
//! Everything unsafe about the handle — the awaiter protocol of `state.rs`, the output's type,
//! the last reference — lives here, so the user-facing handle code needs none.

use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

use super::error::TaskError;
use super::meta;
use super::raw::{dealloc_raw, RunOutcome, TaskRef, AWAITING_ADOPTION, NOT_OWNED};
use super::state::{self, Cancel};

/// A queue entry: the reference a wake (or a spawn) counted for the run it asks for.
pub(crate) struct Notified(pub(super) TaskRef);

/// The owner's hold on an incomplete task: the loop's owned set keeps one per task.
pub(crate) struct OwnedTask(pub(super) TaskRef);

/// The `Task<T>` handle's reference: typed by the output, released by its own protocol
/// (`State::drop_handle`), which also drops an output nobody took.
pub(crate) struct JoinRef<T> {
    raw: ManuallyDrop<TaskRef>,
    _output: PhantomData<T>,
}

// SAFETY: the handle reaches the task only through atomics, the awaiter slot (guarded by the
// `AWAITER` protocol in `state.rs`) and the output of type `T`, which it moves out once
// `COMPLETE`; the future itself is only ever polled and dropped on its owner's thread.
unsafe impl<T: Send> Send for JoinRef<T> {}
// SAFETY: `&JoinRef` gives only reads of atomics, names and `cancel`, which go through atomics
// and the meta table's lock.
unsafe impl<T: Send> Sync for JoinRef<T> {}

impl Notified {
    /// Runs the task once. Owner thread only: it may poll or drop a `!Send` future.
    #[inline]
    pub(crate) fn run(&self) -> RunOutcome {
        self.0.poll_once()
    }

    /// Whether the task was spawned from another thread and its owner has yet to adopt it.
    #[inline]
    pub(crate) fn awaits_adoption(&self) -> bool {
        self.0.header().owned_slot.load(Ordering::Relaxed) == AWAITING_ADOPTION
    }

    /// Marks a task spawned away from its owner's thread: the owner adopts it when it takes it.
    pub(crate) fn mark_awaiting_adoption(&self) {
        self.0
            .header()
            .owned_slot
            .store(AWAITING_ADOPTION, Ordering::Relaxed);
    }

    /// The owner's reference to a task it adopts (one more count).
    #[inline]
    pub(crate) fn to_owned_task(&self) -> OwnedTask {
        OwnedTask(self.0.clone())
    }

    /// A task the scheduler refused (it has shut down): cancel it here if it never reached an
    /// owner (only a spawn from another thread makes those, with a `Send` future), then release
    /// the entry.
    pub(crate) fn release_rejected(self) {
        if self.awaits_adoption() {
            self.0
                .header()
                .owned_slot
                .store(NOT_OWNED, Ordering::Relaxed);
            self.0.cancel_now();
        }
    }
}

impl OwnedTask {
    /// Records the task's key in its owner's set.
    #[inline]
    pub(crate) fn set_slot(&self, slot: u32) {
        self.0.header().owned_slot.store(slot, Ordering::Relaxed);
    }

    /// A new reference for a queue entry (shutdown runs tasks through it).
    pub(crate) fn to_task_ref(&self) -> TaskRef {
        self.0.clone()
    }
}

impl Deref for Notified {
    type Target = TaskRef;

    #[inline]
    fn deref(&self) -> &TaskRef {
        &self.0
    }
}

impl Deref for OwnedTask {
    type Target = TaskRef;

    #[inline]
    fn deref(&self) -> &TaskRef {
        &self.0
    }
}

impl TaskRef {
    /// The number of the loop that owns the task.
    #[inline]
    pub(crate) fn owner(&self) -> u32 {
        self.id().owner()
    }

    /// A key for side tables of live tasks: the allocation's address, unique while it lives.
    #[inline]
    pub(crate) fn key(&self) -> usize {
        self.as_ptr().as_ptr() as usize
    }

    /// Removes the task from its owner's set bookkeeping: returns the slot it held there, if any.
    pub(crate) fn take_owned_slot(&self) -> Option<u32> {
        let slot = self.header().owned_slot.swap(NOT_OWNED, Ordering::Relaxed);
        (slot != NOT_OWNED && slot != AWAITING_ADOPTION).then_some(slot)
    }

    /// The name given with `set_name`, if any.
    pub(crate) fn name(&self) -> Option<String> {
        meta::name(self.header())
    }

    pub(crate) fn set_name(&self, name: String) {
        meta::set_name(self.header(), name);
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.finished_by(state::CANCELLED)
    }

    pub(crate) fn is_panicked(&self) -> bool {
        self.finished_by(state::PANICKED)
    }

    /// Asks the task to cancel (asyncio's `Task.cancel(msg)`): its owner drops the future
    /// instead of polling it. False if it had already completed.
    pub(crate) fn cancel(&self, message: Option<String>) -> bool {
        match meta::cancel(self.header(), message) {
            Cancel::AlreadyDone => false,
            Cancel::Requested => true,
            Cancel::Submit => {
                // SAFETY: `cancel` counted a reference for the queue entry; this adopts it.
                unsafe { TaskRef::from_raw(self.as_ptr()) }.schedule();
                true
            }
        }
    }
}

impl<T> JoinRef<T> {
    pub(super) fn new(raw: TaskRef) -> JoinRef<T> {
        JoinRef {
            raw: ManuallyDrop::new(raw),
            _output: PhantomData,
        }
    }

    /// The untyped reference (for names, flags and cancel).
    #[inline]
    pub(crate) fn task(&self) -> &TaskRef {
        &self.raw
    }

    /// Ready once the task completed; until then `cx`'s waker is woken when it does. Does not
    /// take the output.
    #[inline]
    pub(crate) fn poll_done(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.register_awaiter(cx) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// The task's result once it completed (then the output is the caller's); until then `cx`'s
    /// waker is woken when it does.
    ///
    /// # Panics
    /// If the output was already taken.
    #[inline]
    pub(crate) fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Result<T, TaskError>> {
        if !self.register_awaiter(cx) {
            return Poll::Pending;
        }
        let snapshot = self.raw.header().state.load();
        assert!(
            !snapshot.has(state::STAGE_EMPTY) || snapshot.has(state::CANCELLED),
            "Task polled after it returned its result"
        );
        // SAFETY: `T` is this task's output type (`allocate` typed the `JoinRef` by it), and a
        // complete task's stage belongs to the handle.
        Poll::Ready(unsafe { self.raw.take_output::<T>() })
    }

    /// The awaiter protocol of `state.rs`: publishes `cx`'s waker unless the task is complete.
    /// Returns true if it is complete. The waker it replaces is dropped last, once the slot and
    /// the flag agree again (a waker's `drop` is user code).
    fn register_awaiter(&self, cx: &mut Context<'_>) -> bool {
        let header = self.raw.header();
        let snapshot = header.state.load();
        if snapshot.has(state::COMPLETE) {
            return true;
        }
        if snapshot.has(state::AWAITER) {
            // SAFETY: AWAITER is set and the task is not complete, so the loop does not write the
            // slot and the handle (us) does not either until it clears the flag: reading is safe.
            let same = unsafe { &*header.awaiter.get() }
                .as_ref()
                .is_some_and(|w| w.will_wake(cx.waker()));
            if same {
                return false;
            }
            if header.state.unset_awaiter().is_err() {
                return true;
            }
        }
        let waker = cx.waker().clone();
        // SAFETY: AWAITER is clear, so the slot is the handle's alone (see `state.rs`).
        let old = unsafe { (*header.awaiter.get()).replace(waker) };
        let complete = header.state.set_awaiter().is_err();
        drop(old);
        complete
    }
}

impl<T> Drop for JoinRef<T> {
    fn drop(&mut self) {
        self.raw.header().trace.handle_dropped();
        let (drop_output, last) = self.raw.header().state.drop_handle();
        if drop_output {
            self.raw.drop_output();
        }
        // `drop_handle` released the handle's reference itself, so `raw` is not dropped.
        if last {
            // SAFETY: `drop_handle` released the last reference.
            unsafe { dealloc_raw(self.raw.as_ptr()) };
        }
    }
}
