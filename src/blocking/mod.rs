//! Blocking work off the loop thread: asyncio's `to_thread` / `run_in_executor`.
//!
//! `pool.rs` is the thread pool (grows on demand, retires idle threads); `to_thread.rs` is the
//! future that hands a closure to it and carries its result, or its panic, back to the task.

mod pool;
mod to_thread;

pub(crate) use pool::load;
pub use to_thread::{to_thread, ToThread};
