//! baton: an asyncio-style async runtime for Rust.
//!
//! An event loop runs tasks on one thread; tasks pass control to each other only at `.await`
//! points, as in Python's asyncio. The lesson baton grew from, in Rust:
//!
//! ```
//! use baton::{as_completed, gather, sleep, spawn, EventLoop};
//! use std::time::Duration;
//!
//! async fn square(x: u64) -> u64 {
//!     println!("Square {x}");
//!     sleep(Duration::from_millis(100)).await;
//!     println!("End square {x}");
//!     x * x
//! }
//!
//! // Execute a single task
//! let mut lp = EventLoop::new()?;
//! assert_eq!(lp.run_until_complete(square(1)), 1);
//!
//! // Execute several at once: they all sleep together
//! let results = lp.run_until_complete(gather(vec![square(1), square(2), square(3)]));
//! assert_eq!(results, [1, 4, 9]);
//!
//! // Results as soon as they are available
//! lp.run_until_complete(async {
//!     let mut done = as_completed(vec![square(1), square(2), square(3)]);
//!     while let Some(r) = done.next().await {
//!         println!("Result: {r}");
//!     }
//! });
//!
//! // Tasks run in the background until awaited
//! let t = lp.run_until_complete(async { spawn(square(4)) });
//! assert_eq!(lp.run_until_complete(t).unwrap(), 16);
//! lp.close();
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! See the README for the map from asyncio's names to baton's.
//!
//! # Where things are
//!
//! The crate root holds asyncio's verbs ([`run`], [`spawn`], [`sleep`], [`gather`](fn@gather),
//! [`as_completed`], [`wait`], [`wait_for`], [`timeout`], [`shield`], [`to_thread`],
//! [`open_connection`], [`start_server`], …) and the main types ([`EventLoop`], [`Task`],
//! [`TaskGroup`], [`StreamReader`], [`StreamWriter`], [`Server`], [`Promise`]). Everything else
//! lives in its module: [`task`] (handles, groups and the named futures of the task verbs),
//! [`time`] (`Sleep`, `Timeout`, …), [`streams`], [`event_loop`] (`Builder`, `CallbackHandle`,
//! …), [`net`], [`sync`], [`queue`], [`channel`], [`debug`] (what a loop tells about itself:
//! [`debug::Metrics`]).
//!
//! # Cancellation
//!
//! [`Task::cancel`] asks the loop to drop the task's future the next time it would run it; there
//! is no `CancelledError` for the task to catch, so cleanup lives in `Drop`. What a cancelled
//! task gives up depends on what it was awaiting (the primitives' rows are in [`sync`] and
//! [`channel`]; each row is kept by a test):
//!
//! | a task cancelled while awaiting | what happens |
//! |---|---|
//! | [`sleep`] / [`time::sleep_until`] | the timer is freed at once (O(1)) |
//! | [`wait_for`] / [`timeout`] | the inner future is dropped with it |
//! | [`time::Timeout::guard`] | the guarded future is dropped with it, its timer freed |
//! | a [`Task`] handle | nothing: the awaited task runs on, detached |
//! | [`shield`] | nothing: the shielded work runs on as its own task |
//! | [`gather`](fn@gather) / [`as_completed`] | every child future is dropped |
//! | [`wait`] | nothing: the tasks run on |
//! | [`TaskGroup::join`] | the group is dropped, which cancels every child still running |
//! | [`TaskGroup::scope`] | the body is dropped and every child still running is cancelled |
//! | a stream ([`StreamReader`], [`StreamWriter::drain`]) | nothing is lost: unread bytes stay buffered, written ones are still sent |
//! | a [`sync`] primitive or [`queue`] | see the table in [`sync`]: nothing granted is lost |
//! | a [`channel`] | see the table in [`channel`]: no value is lost |

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(
    clippy::undocumented_unsafe_blocks,
    missing_docs,
    missing_debug_implementations
)]
#![doc(test(attr(deny(warnings))))]

mod awaits;
mod blocking;
pub mod channel;
mod combinators;
mod coop;
pub mod debug;
pub mod event_loop;
mod io;
mod loom;
pub mod net;
mod panic;
pub mod queue;
mod runtime;
pub mod streams;
pub mod sync;
pub mod task;
pub mod time;
mod util;

pub use channel::Promise;
pub use event_loop::{get_running_loop, run, EventLoop, LoopHandle, Runtime};
pub use streams::{open_connection, start_server, Server, StreamReader, StreamWriter};
pub use task::{
    all_tasks, as_completed, current_task, gather, shield, spawn, spawn_send, to_thread, wait,
    yield_now, ReturnWhen, Task, TaskError, TaskGroup, TaskHandle,
};
pub use time::{sleep, timeout, timeout_at, wait_for, TimeoutError};

/// The README's Rust examples, compiled and run as doc tests so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
