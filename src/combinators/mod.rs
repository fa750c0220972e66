//! Combinators over futures: [`gather`], [`gather!`](crate::gather!) and
//! [`as_completed`], asyncio's ways of running several awaitables at once.
//!
//! They are runtime-independent: the futures they combine run inside the
//! combinator itself, driven by whatever polls it, using only `std::task`.
//! Each child gets its own waker (see `wake_set`), so a wake-up polls only the
//! child that was woken.

mod as_completed;
mod gather;
mod gather_macro;
mod maybe_done;
#[cfg(test)]
mod test_util;
mod wake_set;

pub use as_completed::{as_completed, AsCompleted, NextCompleted};
pub use gather::{gather, Gather};
pub use gather_macro::GatherTuple;
