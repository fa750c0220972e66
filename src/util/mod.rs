//! The toolkit the primitives share: one copy of each helper that `sync`, `queue`, `channel`,
//! `combinators`, `blocking` and `time` would otherwise each write for themselves.
//!
//! - [`mutex`]: the crate's poison-free [`Mutex`] (and the [`Condvar`] that goes with it): `lock`
//!   returns the guard itself, because a panic under one of these locks never leaves the state
//!   half-updated (see the module docs for why).
//! - [`wait_list`]: the one FIFO of waiting tasks, [`WaitList`], for both ways a primitive wakes
//!   its waiters: one at a time with a hand-over (a lock, a permit, an item, room in a channel)
//!   and all at once (an event, a barrier, a broadcast, a watch, a promise); and [`WakeList`],
//!   the wakers collected under a lock to be woken after it.
//! - `rng`: [`SplitMix64`], the small generator seeded scheduling shuffles with.
//!
//! # Layering
//! This folder sits below every other module: it imports nothing of baton but `crate::loom` (so
//! a `--cfg baton_loom` build swaps in loom's lock) and `crate::panic` (a waker that panics is
//! contained). `sync`, `queue` and `channel` import from here, never from each other.

pub(crate) mod mutex;
mod rng;
pub(crate) mod wait_list;

pub(crate) use mutex::{lock_static, Condvar, Mutex, MutexGuard};
pub(crate) use rng::SplitMix64;
pub(crate) use wait_list::{leave_locked, wake, wake_all, WaitKey, WaitList, WakeList};
