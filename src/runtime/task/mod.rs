//! The raw task: one allocation holding a future, a state word and a waker vtable — the floor
//! below the loop. It knows nothing of queues, timers or I/O: it reaches its scheduler only
//! through the schedule seam (`Schedule`), so the same task can be run by a single loop or by
//! a worker pool. The user's API (`Task<T>`, `TaskGroup`, …) is one floor up, in `src/task/`.
//!
//! # The rules
//!
//! A task is one heap allocation (`raw.rs`): a header, its scheduler, then a union holding the
//! future, later its output. Its state is one atomic word (`state.rs`): flags plus a reference count. The rules that
//! make the unsafe code in this folder sound:
//!
//! 1. **The future is touched only on its loop's thread**: polled by `Notified::run` while
//!    `RUNNING` is set, dropped there on completion or cancellation, or dropped by loop shutdown
//!    (`EventLoop::close`, also on the loop's thread). Wakers and handles on other threads only
//!    flip bits and hand the task to its `Schedule`, which pushes it onto the loop's remote
//!    queue. This is why `spawn` accepts
//!    `!Send` futures while `Waker` and `Task<T>` are `Send`.
//! 2. **The output belongs to the handle once `COMPLETE` is set.** The loop writes it before
//!    setting `COMPLETE` (release) and never touches it again, except to drop it when no handle
//!    existed at that moment. `STAGE_EMPTY` records that it was taken or dropped.
//! 3. **The awaiter slot has one writer at a time.** The handle writes it only while `AWAITER` is
//!    clear; the loop reads it only if `AWAITER` was set when it completed the task and the
//!    handle still existed. If the handle was dropped after publishing a waker, the loop drops
//!    that waker at completion (nobody else touches the slot any more); otherwise the slot is
//!    freed with the allocation.
//! 4. **Each reference is counted.** The handle (`JoinRef`), the loop's owned set (`OwnedTask`,
//!    until completion), every queue entry (`Notified`) and every `Waker` hold one. A wake that finds the task idle adds the queue
//!    entry's reference in the same atomic step that sets `SCHEDULED`, so a task is in at most one
//!    queue at a time. The allocation is freed when the count reaches zero, on whatever thread.
//! 5. **A completed task is never polled again**; stale queue entries (left by shutdown) are
//!    skipped.
//!
//! # Lifecycle
//!
//! ```text
//!  spawn ──(1)──> SCHEDULED ──(2)──> RUNNING ──(3 Pending)──> idle ──(4 wake)──> SCHEDULED
//!                     ^                 │  └──(5 woken while running)──> SCHEDULED
//!                     └─────────────────┘
//!                                       └──(6 Ready/panic/cancel)──> COMPLETE ──(7)──> freed
//! ```
//! 1. `raw::allocate` with three references (`JoinRef`, `OwnedTask`, `Notified`);
//! 2. `State::start`, called by `Notified::run` when the loop pops it;
//! 3. `State::finish_pending`; the queue entry's reference is released;
//! 4. `State::wake_by_ref` / `wake_by_val` from a waker, then `TaskRef::schedule` (the vtable's
//!    `schedule`, which calls the task's `Schedule`);
//! 5. `finish_pending` returns `Idle::Requeue` and the loop pushes it back;
//! 6. `State::complete`, which wakes the handle's awaiter; the loop drops its owned reference;
//! 7. the last `TaskRef`, `Waker` or `Task` is dropped.

mod console;
pub(crate) mod error;
mod id;
pub(crate) mod meta;
pub(crate) mod raw;
mod refs;
pub(crate) mod state;
pub(crate) mod trace;
mod waker;

pub use error::TaskError;
pub use id::TaskId;
pub(crate) use raw::{allocate, RunOutcome, Schedule, TaskRef, NOT_ADOPTABLE};
pub(crate) use refs::{JoinRef, Notified, OwnedTask};
