//! Synchronisation between tasks: asyncio's `Lock`, `Event`, `Condition`, `Semaphore`,
//! `BoundedSemaphore` and `Barrier`.
//!
//! Every primitive takes `&self`: share one between tasks with `Rc` (or `Arc`: they are all
//! `Send + Sync` when the data they hold is `Send`, so they also work between threads and
//! runtimes). Waiting is first come, first served, and what a waiter was given (a lock, a permit,
//! a notification) is never lost if it is cancelled.
//!
//! ```
//! use baton::sync::{Event, Lock, Semaphore};
//! use std::rc::Rc;
//!
//! baton::run(async {
//!     let lock = Rc::new(Lock::new(0u32));
//!     *lock.lock().await += 1; // guard; released on drop
//!
//!     let ev = Rc::new(Event::new());
//!     let ev2 = ev.clone();
//!     let waiter = baton::spawn(async move { ev2.wait().await; 7 });
//!     ev.set();
//!     assert_eq!(waiter.await.unwrap(), 7);
//!
//!     let sem = Semaphore::new(2);
//!     let _p = sem.acquire().await; // permit; released on drop
//!     assert_eq!(sem.available_permits(), 1);
//! });
//! ```
//!
//! # Cancellation
//!
//! [`Task::cancel`](crate::Task::cancel) drops the task's future the next time the loop would run
//! it; there is no `CancelledError` to catch, so what a waiting task gives up is decided by the
//! `Drop` of the future it was waiting in, and any guard or permit it held is dropped (released)
//! with it. What that does on each primitive (each row is kept by the named test, in
//! `tests/sync_cancellation.rs` or `tests/queue_cancellation.rs`):
//!
//! | task waiting in | what `cancel()` does | test |
//! |---|---|---|
//! | [`Lock::lock`] | leaves the queue; if the lock was already handed to it but not yet seen, the lock goes on to the next waiter (or is unlocked). A held [`LockGuard`] unlocks. | `lock_waiter_cancelled_wakes_next`, `lock_handed_over_then_cancelled_passes_on`, `lock_holder_cancelled_unlocks` |
//! | [`Event::wait`] | leaves the waiters; the event is untouched and `set` still wakes the others. | `event_waiter_cancelled_others_still_woken` |
//! | [`Condition::wait`] / [`wait_for`](Condition::wait_for) | waiting to be notified: leaves the waiters and does **not** re-take the lock (asyncio does, to run the `finally`); a notification already delivered goes to the next waiter. Re-taking the lock: as `Lock::lock`. | `condition_wait_cancelled_holds_nothing`, `condition_notify_one_to_cancelled_passes_on`, `condition_cancelled_while_relocking_passes_lock_on` |
//! | [`Semaphore::acquire`] | leaves the queue; a permit already handed to it goes to the next waiter (or back to the pool). A held [`Permit`] is returned. | `semaphore_waiter_cancelled_leaks_no_permit`, `semaphore_handed_over_then_cancelled_passes_on` |
//! | [`BoundedSemaphore::acquire`] | as `Semaphore`; the count never passes the bound, a permit handed over but not yet taken included. | `bounded_semaphore_cancelled_waiter_keeps_bound`, `bounded_semaphore_handed_over_then_cancelled_passes_on_within_bound` |
//! | [`Barrier::wait`] | before its round completes: leaves, and no longer counts as arrived (`n_waiting` drops); the others wait on. After the round completed: nothing. | `barrier_waiter_cancelled_no_longer_counts` |
//! | [`Queue::get`](crate::queue::Queue::get) | loses no item: an item promised to it stays in the queue and goes to the next getter. | `get_cancelled_loses_no_item`, `get_handed_over_then_cancelled_passes_item_on` |
//! | [`Queue::put`](crate::queue::Queue::put) | inserts nothing (the item is dropped with the task); a free slot promised to it goes to the next putter. | `put_cancelled_on_full_queue_inserts_nothing_and_wakes_next` |
//! | [`Queue::join`](crate::queue::Queue::join) | leaves the joiners; the count of unfinished items is unchanged. | `join_cancelled_changes_nothing` |
//!
//! The same holds for a future dropped by [`wait_for`](crate::wait_for) on time-out.
//!
//! # Implementation notes
//!
//! Each primitive keeps its state and a FIFO of waiters behind one mutex (`crate::util::Mutex`,
//! which ignores poisoning and becomes loom's under `--cfg baton_loom`). The FIFO
//! (`util/wait_list.rs`, shared with `queue` and `channel`) is a slab of nodes linked by index:
//! O(1) to join,
//! to be notified and to leave from anywhere (a cancelled waiter), no allocation once the slab
//! has grown to the largest number of simultaneous waiters, and none at all for an operation
//! that does not wait. Notifiers hand over what they grant (a permit, a reserved item) by
//! marking the waiter's node, then wake it after releasing the mutex. No waker is dropped under
//! the mutex either (a replaced one, or a cancelled waiter's): its `Drop` may re-enter the
//! primitive, so the list hands it back to be dropped after the guard.

mod barrier;
mod bounded_semaphore;
mod condition;
mod error;
mod event;
mod lock;
pub(crate) mod permits;
mod semaphore;

pub use barrier::{Barrier, BarrierWait};
pub use bounded_semaphore::BoundedSemaphore;
pub use condition::{Condition, ConditionWait, ConditionWaitFor};
pub use error::{BarrierError, ReleaseError};
pub use event::{Event, EventWait};
pub use lock::{Lock, LockAcquire, LockGuard};
pub use semaphore::{Acquire, Permit, Semaphore};
