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

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(
    clippy::undocumented_unsafe_blocks,
    missing_docs,
    missing_debug_implementations
)]
#![doc(test(attr(deny(warnings))))]

mod blocking;
mod combinators;
mod io;
mod loom;
pub mod net;
mod runtime;
mod streams;
mod task;
mod time;

pub use blocking::{to_thread, ToThread};
pub use combinators::{as_completed, gather, AsCompleted, Gather, GatherTuple, NextCompleted};
pub use net::{lookup_host, LookupHost};
pub use runtime::{get_running_loop, run, Builder, CallbackHandle, EventLoop, LoopHandle};
pub use streams::{
    open_connection, start_server, Close, Drain, IncompleteReadError, LimitOverrunError,
    OpenConnection, ReadExactly, ReadLine, ReadN, ReadUntil, ServeForever, Server, ServerClose,
    StartServer, StreamReader, StreamWriter,
};
pub use task::{spawn, yield_now, Task, TaskError, TaskId, YieldNow};
pub use time::{sleep, sleep_until, wait_for, Sleep, TimeoutError, WaitFor};
