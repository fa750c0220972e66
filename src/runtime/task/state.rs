//! The task state word: flags in the low bits, the reference count above them.
//!
//! Every change of a task's state happens here, as a named transition over one atomic word, so
//! that a flag and the reference count always change together and a reader of this file sees the
//! whole vocabulary. Transitions return what the caller must do next (`#[must_use]` enums).
//!
//! Flags, with when they are set and what they rule out:
//!
//! | flag          | set when                                   | cleared when                | rules out |
//! |---------------|--------------------------------------------|-----------------------------|-----------|
//! | `SCHEDULED`   | a wake or cancel while not yet queued      | the loop starts polling it  | a second queue entry |
//! | `RUNNING`     | the loop starts polling it                 | the poll returns            | touching the future from outside the poll |
//! | `COMPLETE`    | the future returned, panicked or was cancelled | never                   | polling again; scheduling |
//! | `CANCEL`      | `Task::cancel` or loop shutdown asked for it | never                     | polling the future again |
//! | `CANCELLED`   | the task completed by cancellation         | never                       | reading an output |
//! | `PANICKED`    | the task completed by a panic              | never                       | reading an output (the stage holds the payload) |
//! | `STAGE_EMPTY` | the output (or payload) was taken or dropped | never                     | reading or dropping the stage twice |
//! | `HANDLE`      | at spawn: the `Task<T>` handle exists      | the handle is dropped       | the loop dropping the output |
//! | `AWAITER`     | the handle stored a waker in the header    | the handle replaces it      | the handle writing the waker slot |
//! | `META`        | a name or cancel message was recorded in the loop's side table | never | freeing the task without removing its entry |
//!
//! The reference count counts: the handle, the loop's owned-task set (until completion), each
//! queue entry, and each `Waker`. The allocation is freed when it reaches zero.

use crate::loom::atomic::{AtomicUsize, Ordering};

pub(crate) const SCHEDULED: usize = 1 << 0;
pub(crate) const RUNNING: usize = 1 << 1;
pub(crate) const COMPLETE: usize = 1 << 2;
pub(crate) const CANCEL: usize = 1 << 3;
pub(crate) const CANCELLED: usize = 1 << 4;
pub(crate) const PANICKED: usize = 1 << 5;
pub(crate) const STAGE_EMPTY: usize = 1 << 6;
pub(crate) const HANDLE: usize = 1 << 7;
pub(crate) const AWAITER: usize = 1 << 8;
pub(crate) const META: usize = 1 << 9;

const REF_SHIFT: usize = 10;
const REF_ONE: usize = 1 << REF_SHIFT;
#[cfg(test)]
const FLAGS: usize = REF_ONE - 1;

/// The atomic state word of one task.
pub(crate) struct State(AtomicUsize);

/// A copy of the state word at one moment.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Snapshot(pub(crate) usize);

impl Snapshot {
    pub(crate) fn has(self, flag: usize) -> bool {
        self.0 & flag != 0
    }

    pub(crate) fn refs(self) -> usize {
        self.0 >> REF_SHIFT
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = [
            (SCHEDULED, "SCHEDULED"),
            (RUNNING, "RUNNING"),
            (COMPLETE, "COMPLETE"),
            (CANCEL, "CANCEL"),
            (CANCELLED, "CANCELLED"),
            (PANICKED, "PANICKED"),
            (STAGE_EMPTY, "STAGE_EMPTY"),
            (HANDLE, "HANDLE"),
            (AWAITER, "AWAITER"),
            (META, "META"),
        ];
        let mut list = f.debug_list();
        for (flag, name) in names {
            if self.has(flag) {
                list.entry(&name);
            }
        }
        list.entry(&format_args!("refs={}", self.refs()));
        list.finish()
    }
}

/// What a waker must do after marking the task scheduled.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Wake {
    /// Push the task onto its loop's queue; the queue entry owns the reference this carried.
    Submit,
    /// Nothing to push: already queued, running (the loop requeues it), or complete.
    Nothing,
    /// Nothing to push, and the reference the waker carried was the last: free the task.
    Dealloc,
}

/// What the loop must do with a task it popped from the queue.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Start {
    /// Poll the future.
    Poll,
    /// Drop the future and complete the task as cancelled.
    Cancel,
    /// The task already completed (cancelled by shutdown while queued): drop the entry.
    Skip,
}

/// What happened when a poll returned `Pending`.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Idle {
    /// Nobody woke it: it waits for a waker.
    Waiting,
    /// It was woken or cancelled while running: queue it again.
    Requeue,
}

/// What `Task::cancel` must do.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Cancel {
    /// The task was already complete; nothing changed.
    AlreadyDone,
    /// The request is recorded and the task is (or will be) queued by someone else.
    Requested,
    /// The request is recorded and the caller must queue the task; a reference was added for it.
    Submit,
}

/// How a task finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The future returned; the stage holds its output.
    Returned,
    /// The future panicked; the stage holds the payload.
    Panicked,
    /// The future was dropped unfinished; the stage holds nothing.
    Cancelled,
}

impl Outcome {
    fn flag(self) -> usize {
        match self {
            Outcome::Returned => 0,
            Outcome::Panicked => PANICKED,
            Outcome::Cancelled => CANCELLED,
        }
    }
}

/// What the loop must do after `complete`.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Completed {
    /// Nobody will take what the stage holds (no handle exists, or a return became a
    /// cancellation): the loop drops it.
    pub(crate) drop_stage: bool,
    /// The handle published a waker: wake it.
    pub(crate) wake_awaiter: bool,
    /// The handle published a waker and was dropped since: nobody will read or write the slot
    /// again, so the loop drops the waker now. Kept until the task is freed instead, it would
    /// keep its own task alive — and two tasks awaiting each other (a deadlock) would keep each
    /// other alive after their loop closed.
    pub(crate) drop_awaiter: bool,
}

impl State {
    /// A new task: scheduled, with a handle, holding `refs` references.
    pub(crate) fn new_scheduled(refs: usize) -> State {
        State(AtomicUsize::new(SCHEDULED | HANDLE | (refs * REF_ONE)))
    }

    pub(crate) fn load(&self) -> Snapshot {
        Snapshot(self.0.load(Ordering::Acquire))
    }

    /// Applies `f` until the compare-exchange succeeds; `f` returning `None` leaves the word as is.
    /// Returns the word before the change.
    fn update(&self, mut f: impl FnMut(usize) -> Option<usize>) -> Snapshot {
        let mut cur = self.0.load(Ordering::Acquire);
        loop {
            let Some(next) = f(cur) else {
                return Snapshot(cur);
            };
            match self
                .0
                .compare_exchange_weak(cur, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Snapshot(cur),
                Err(actual) => cur = actual,
            }
        }
    }

    pub(crate) fn ref_inc(&self) {
        let prev = self.0.fetch_add(REF_ONE, Ordering::Relaxed);
        // A count this high means references are leaking; wrapping would free a live task.
        if prev > isize::MAX as usize {
            std::process::abort();
        }
    }

    /// Drops one reference; true when it was the last.
    #[must_use]
    pub(crate) fn ref_dec(&self) -> bool {
        let prev = Snapshot(self.0.fetch_sub(REF_ONE, Ordering::AcqRel));
        debug_assert!(prev.refs() >= 1, "task reference count underflow");
        prev.refs() == 1
    }

    /// A wake through `&Waker`: schedules the task, adding a reference for the queue entry.
    pub(crate) fn wake_by_ref(&self) -> Wake {
        let prev = self.update(|s| {
            if s & (COMPLETE | SCHEDULED) != 0 {
                None
            } else if s & RUNNING != 0 {
                Some(s | SCHEDULED)
            } else {
                Some((s | SCHEDULED) + REF_ONE)
            }
        });
        if prev.has(COMPLETE) || prev.has(SCHEDULED) || prev.has(RUNNING) {
            Wake::Nothing
        } else {
            Wake::Submit
        }
    }

    /// A wake that consumes a `Waker`: its reference becomes the queue entry's, or is dropped.
    pub(crate) fn wake_by_val(&self) -> Wake {
        let prev = self.update(|s| {
            if s & (COMPLETE | SCHEDULED | RUNNING) != 0 {
                Some((s | if s & COMPLETE == 0 { SCHEDULED } else { 0 }) - REF_ONE)
            } else {
                Some(s | SCHEDULED)
            }
        });
        if prev.has(COMPLETE) || prev.has(SCHEDULED) || prev.has(RUNNING) {
            if prev.refs() == 1 {
                Wake::Dealloc
            } else {
                Wake::Nothing
            }
        } else {
            Wake::Submit
        }
    }

    /// Records a cancellation request, scheduling the task like a wake would.
    pub(crate) fn cancel(&self) -> Cancel {
        let prev = self.update(|s| {
            if s & COMPLETE != 0 {
                None
            } else if s & (SCHEDULED | RUNNING) != 0 {
                Some(s | CANCEL | SCHEDULED)
            } else {
                Some((s | CANCEL | SCHEDULED) + REF_ONE)
            }
        });
        if prev.has(COMPLETE) {
            Cancel::AlreadyDone
        } else if prev.has(SCHEDULED) || prev.has(RUNNING) {
            Cancel::Requested
        } else {
            Cancel::Submit
        }
    }

    /// The loop popped the task: clear `SCHEDULED`, set `RUNNING`. With `force_cancel` (loop
    /// shutdown) the task is cancelled whatever its queue state.
    pub(crate) fn start(&self, force_cancel: bool) -> Start {
        let prev = self.update(|s| {
            if s & (COMPLETE | RUNNING) != 0 {
                None
            } else {
                let cancel = if force_cancel { CANCEL } else { 0 };
                Some((s & !SCHEDULED) | RUNNING | cancel)
            }
        });
        if prev.has(COMPLETE) || prev.has(RUNNING) {
            Start::Skip
        } else if force_cancel || prev.has(CANCEL) {
            Start::Cancel
        } else {
            Start::Poll
        }
    }

    /// The poll returned `Pending`: clear `RUNNING`, and requeue if a wake came meanwhile.
    pub(crate) fn finish_pending(&self) -> Idle {
        let prev = self.update(|s| Some(s & !RUNNING));
        if prev.has(SCHEDULED) {
            Idle::Requeue
        } else {
            Idle::Waiting
        }
    }

    /// The task is done: set `COMPLETE` and the outcome's flag. A task asked to cancel whose
    /// future returned anyway is recorded as cancelled, as asyncio does (`cancel()` said true, so
    /// awaiting it must say cancelled); its output is then the loop's to drop. Without a handle
    /// nobody will read the output either, so `STAGE_EMPTY` is set and the loop drops it.
    pub(crate) fn complete(&self, outcome: Outcome) -> Completed {
        let mut recorded = outcome;
        let prev = self.update(|s| {
            recorded = if outcome == Outcome::Returned && s & CANCEL != 0 {
                Outcome::Cancelled
            } else {
                outcome
            };
            let mut next = (s & !(RUNNING | SCHEDULED)) | COMPLETE | recorded.flag();
            if s & HANDLE == 0 || recorded == Outcome::Cancelled {
                next |= STAGE_EMPTY;
            }
            Some(next)
        });
        let nobody_reads = !prev.has(HANDLE) || recorded == Outcome::Cancelled;
        Completed {
            drop_stage: outcome != Outcome::Cancelled && nobody_reads,
            wake_awaiter: prev.has(HANDLE) && prev.has(AWAITER),
            drop_awaiter: !prev.has(HANDLE) && prev.has(AWAITER),
        }
    }

    /// Records that the task has an entry in its loop's side table (see `Shared::task_meta`).
    pub(crate) fn mark_meta(&self) {
        self.0.fetch_or(META, Ordering::AcqRel);
    }

    /// The handle takes the output (it has exclusive access once `COMPLETE` is seen).
    pub(crate) fn take_stage(&self) {
        self.0.fetch_or(STAGE_EMPTY, Ordering::AcqRel);
    }

    /// The handle is dropped. Returns `(drop_output, last_ref)`: the handle drops an output that
    /// nobody took, and frees the task if its reference was the last.
    pub(crate) fn drop_handle(&self) -> (bool, bool) {
        let prev = self.update(|s| {
            let mut next = (s & !HANDLE) - REF_ONE;
            if s & COMPLETE != 0 {
                next |= STAGE_EMPTY;
            }
            Some(next)
        });
        let drop_output = prev.has(COMPLETE) && !prev.has(STAGE_EMPTY);
        (drop_output, prev.refs() == 1)
    }

    /// Gives the waker slot back to the handle. Fails (returning the word) once complete: the
    /// loop may be reading the slot.
    pub(crate) fn unset_awaiter(&self) -> Result<Snapshot, Snapshot> {
        let prev = self.update(|s| {
            if s & COMPLETE != 0 {
                None
            } else {
                Some(s & !AWAITER)
            }
        });
        if prev.has(COMPLETE) {
            Err(prev)
        } else {
            Ok(prev)
        }
    }

    /// Publishes the waker the handle wrote. Fails once complete: the loop will not read it.
    pub(crate) fn set_awaiter(&self) -> Result<Snapshot, Snapshot> {
        let prev = self.update(|s| {
            if s & COMPLETE != 0 {
                None
            } else {
                Some(s | AWAITER)
            }
        });
        if prev.has(COMPLETE) {
            Err(prev)
        } else {
            Ok(prev)
        }
    }

    #[cfg(test)]
    pub(crate) fn flags(&self) -> usize {
        self.0.load(Ordering::Acquire) & FLAGS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wake_while_idle_submits_once() {
        let s = State::new_scheduled(3);
        assert_eq!(s.start(false), Start::Poll);
        assert_eq!(s.finish_pending(), Idle::Waiting);
        assert_eq!(s.wake_by_ref(), Wake::Submit);
        assert_eq!(s.load().refs(), 4);
        assert_eq!(s.wake_by_ref(), Wake::Nothing);
        assert_eq!(s.load().refs(), 4);
    }

    #[test]
    fn wake_while_running_requeues_after_poll() {
        let s = State::new_scheduled(3);
        assert_eq!(s.start(false), Start::Poll);
        assert_eq!(s.wake_by_ref(), Wake::Nothing);
        assert_eq!(s.finish_pending(), Idle::Requeue);
        assert_eq!(s.load().refs(), 3);
    }

    #[test]
    fn wake_by_val_after_complete_releases_reference() {
        let s = State::new_scheduled(2);
        assert_eq!(s.start(false), Start::Poll);
        let _ = s.complete(Outcome::Returned);
        assert_eq!(s.wake_by_val(), Wake::Nothing);
        assert_eq!(s.wake_by_val(), Wake::Dealloc);
    }

    #[test]
    fn cancel_idle_task_submits_and_then_cancels() {
        let s = State::new_scheduled(3);
        assert_eq!(s.start(false), Start::Poll);
        assert_eq!(s.finish_pending(), Idle::Waiting);
        assert_eq!(s.cancel(), Cancel::Submit);
        assert_eq!(s.start(false), Start::Cancel);
        let done = s.complete(Outcome::Cancelled);
        assert!(!done.drop_stage, "a cancelled task's stage holds nothing");
        assert_eq!(s.cancel(), Cancel::AlreadyDone);
        assert!(s.load().has(STAGE_EMPTY));
    }

    #[test]
    fn complete_without_handle_empties_stage() {
        let s = State::new_scheduled(3);
        let (drop_output, last) = s.drop_handle();
        assert!(!drop_output && !last);
        assert_eq!(s.start(false), Start::Poll);
        assert!(s.complete(Outcome::Returned).drop_stage);
        assert!(s.load().has(STAGE_EMPTY));
    }

    #[test]
    fn a_return_after_a_cancel_request_completes_as_cancelled() {
        let s = State::new_scheduled(3);
        assert_eq!(s.start(false), Start::Poll);
        assert_eq!(s.cancel(), Cancel::Requested);
        let done = s.complete(Outcome::Returned);
        assert!(done.drop_stage, "the output is the loop's to drop");
        let now = s.load();
        assert!(now.has(CANCELLED) && now.has(STAGE_EMPTY));
        assert_eq!(s.cancel(), Cancel::AlreadyDone);
    }

    #[test]
    fn a_panic_after_a_cancel_request_stays_a_panic() {
        let s = State::new_scheduled(3);
        assert_eq!(s.start(false), Start::Poll);
        assert_eq!(s.cancel(), Cancel::Requested);
        let done = s.complete(Outcome::Panicked);
        assert!(!done.drop_stage, "the handle takes the payload");
        assert!(s.load().has(PANICKED) && !s.load().has(CANCELLED));
    }

    #[test]
    fn awaiter_cannot_be_set_after_completion() {
        let s = State::new_scheduled(3);
        assert!(s.set_awaiter().is_ok());
        assert!(s.unset_awaiter().is_ok());
        assert_eq!(s.start(false), Start::Poll);
        let _ = s.complete(Outcome::Returned);
        assert!(s.set_awaiter().is_err());
        assert!(s.unset_awaiter().is_err());
        assert_eq!(s.flags() & AWAITER, 0);
    }

    #[test]
    fn completion_drops_the_waker_of_a_handle_dropped_before_it() {
        let s = State::new_scheduled(3);
        assert!(s.set_awaiter().is_ok());
        assert_eq!(s.start(false), Start::Poll);
        let _ = s.drop_handle();
        let done = s.complete(Outcome::Returned);
        assert!(done.drop_awaiter && !done.wake_awaiter);
        // With the handle still there, the loop wakes the waker and leaves it in the slot.
        let s = State::new_scheduled(3);
        assert!(s.set_awaiter().is_ok());
        assert_eq!(s.start(false), Start::Poll);
        let done = s.complete(Outcome::Returned);
        assert!(done.wake_awaiter && !done.drop_awaiter);
    }

    #[test]
    fn shutdown_skips_completed_tasks() {
        let s = State::new_scheduled(3);
        assert_eq!(s.start(true), Start::Cancel);
        let _ = s.complete(Outcome::Cancelled);
        assert_eq!(s.start(true), Start::Skip);
    }
}

/// Loom models of the cross-thread protocols: a wake racing the end of a poll, and the handle's
/// awaiter racing completion. Run with
/// `RUSTFLAGS="--cfg baton_loom" cargo test --release --lib task::state::loom_models`.
#[cfg(all(test, baton_loom))]
mod loom_models {
    use super::*;
    use loom::sync::atomic::AtomicUsize as Counter;
    use loom::sync::Arc;
    use loom::thread;

    /// A wake from another thread while the loop polls: the task is queued exactly once, either
    /// by the waker (`Submit`) or by the loop (`Requeue`), and no reference leaks.
    #[test]
    fn remote_wake_racing_the_end_of_a_poll_queues_the_task_once() {
        loom::model(|| {
            let state = Arc::new(State::new_scheduled(2)); // handle + queue entry
            assert_eq!(state.start(false), Start::Poll);
            state.ref_inc(); // the waker's reference
            let s = state.clone();
            let waker = thread::spawn(move || s.wake_by_val());
            let idle = state.finish_pending();
            let wake = waker.join().unwrap();
            let queued = (wake == Wake::Submit) as usize + (idle == Idle::Requeue) as usize;
            assert_eq!(queued, 1);
            if idle == Idle::Waiting {
                // The loop releases the entry it ran from.
                let _ = state.ref_dec();
            }
            // Left: the handle's reference and the one queue entry's.
            assert_eq!(state.load().refs(), 2);
            assert!(state.load().has(SCHEDULED));
        });
    }

    /// The handle registering its waker while the loop completes the task: the handle either
    /// sees `COMPLETE` itself or its waker is woken. Never neither.
    #[test]
    fn awaiter_registration_racing_completion_never_loses_the_wake() {
        loom::model(|| {
            let state = Arc::new(State::new_scheduled(2));
            let woken = Arc::new(Counter::new(0));
            assert_eq!(state.start(false), Start::Poll);
            let s = state.clone();
            let w = woken.clone();
            let loop_thread = thread::spawn(move || {
                if s.complete(Outcome::Returned).wake_awaiter {
                    w.fetch_add(1, Ordering::SeqCst);
                }
            });
            // The handle's poll: publish a waker unless already complete.
            let saw_complete = state.load().has(COMPLETE) || state.set_awaiter().is_err();
            loop_thread.join().unwrap();
            let woken = woken.load(Ordering::SeqCst);
            assert!(saw_complete || woken == 1, "lost wake-up");
        });
    }

    /// `cancel` from another thread racing the loop completing a return: `cancel` says true
    /// exactly when the task ends up recorded as cancelled (so the awaiter sees what `cancel`
    /// promised), and the output is then the loop's to drop.
    #[test]
    fn remote_cancel_racing_a_return_agrees_with_the_outcome() {
        loom::model(|| {
            let state = Arc::new(State::new_scheduled(3));
            assert_eq!(state.start(false), Start::Poll);
            let s = state.clone();
            let canceller = thread::spawn(move || s.cancel() != Cancel::AlreadyDone);
            let done = state.complete(Outcome::Returned);
            let said_true = canceller.join().unwrap();
            let cancelled = state.load().has(CANCELLED);
            assert_eq!(said_true, cancelled);
            assert_eq!(done.drop_stage, cancelled);
        });
    }

    /// The handle dropped while the loop completes: the output is dropped exactly once.
    #[test]
    fn handle_drop_racing_completion_drops_the_output_once() {
        loom::model(|| {
            let state = Arc::new(State::new_scheduled(3));
            assert_eq!(state.start(false), Start::Poll);
            let s = state.clone();
            let loop_thread = thread::spawn(move || {
                s.complete(Outcome::Returned).drop_stage // the loop drops the output
            });
            let (handle_drops, _last) = state.drop_handle();
            let loop_drops = loop_thread.join().unwrap();
            assert_eq!(handle_drops as u8 + loop_drops as u8, 1);
        });
    }

    /// A handle that published a waker and is dropped while the loop completes: the loop reads
    /// the slot (to wake it) only if the handle is still there, and drops the waker only if it
    /// is gone — never while the handle could still write it (loom checks the slot's accesses).
    #[test]
    fn a_dropped_handles_waker_is_dropped_by_the_loop_without_racing_the_handle() {
        loom::model(|| {
            let state = Arc::new(State::new_scheduled(3));
            let slot = Arc::new(loom::cell::UnsafeCell::new(0u8));
            assert_eq!(state.start(false), Start::Poll);
            // The handle publishes its waker (writes the slot while AWAITER is clear).
            // SAFETY: loom checks every access to the cell; that is what the model tests.
            slot.with_mut(|waker| unsafe { *waker = 1 });
            assert!(state.set_awaiter().is_ok());
            let (s, cell) = (state.clone(), slot.clone());
            let loop_thread = thread::spawn(move || {
                let done = s.complete(Outcome::Returned);
                assert!(!(done.wake_awaiter && done.drop_awaiter));
                if done.wake_awaiter {
                    // SAFETY: as above.
                    cell.with(|waker| assert_eq!(unsafe { *waker }, 1));
                }
                if done.drop_awaiter {
                    // SAFETY: as above.
                    cell.with_mut(|waker| unsafe { *waker = 0 });
                }
                done.drop_awaiter
            });
            let _ = state.drop_handle();
            let loop_dropped = loop_thread.join().unwrap();
            // Either the loop dropped it, or it waits for the allocation's free.
            // SAFETY: as above.
            slot.with(|waker| assert_eq!(unsafe { *waker } == 0, loop_dropped));
        });
    }
}
