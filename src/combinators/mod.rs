//! Combinators over futures: [`gather`], [`gather!`](crate::gather!) and
//! [`as_completed`], asyncio's ways of running several awaitables at once.
//!
//! They are runtime-independent: the futures they combine run inside the
//! combinator itself, driven by whatever polls it, using only `std::task`.
//! Each child gets its own waker (see `wake_set`), so a wake-up polls only the
//! child that was woken.
//!
//! On a baton loop they respect the task's cooperative budget (`task/coop.rs`):
//! once it is spent they stop polling children, leave the rest queued, and
//! yield, so a crowd of ready children costs O(1) per child, not one refused
//! poll per child per turn. Under other executors the budget never runs out.

mod as_completed;
mod gather;
mod gather_macro;
mod maybe_done;
#[cfg(test)]
mod test_util;
mod wake_set;

use crate::coop;
use wake_set::WakeSet;

pub use as_completed::{as_completed, AsCompleted, NextCompleted};
pub use gather::{gather, Gather};
pub use gather_macro::GatherTuple;

/// The next child woken (or not yet polled), unless the task's budget is spent.
fn pop_within_budget(set: &mut WakeSet) -> Option<usize> {
    if coop::spent() {
        None
    } else {
        set.pop()
    }
}
