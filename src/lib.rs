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
//! task dumps, [`debug::Metrics`], debug mode's reports), [`testing`] (seed sweeps). The
//! attributes [`#[baton::main]`](macro@main) and [`#[baton::test]`](macro@test) run an `async fn`
//! on a loop.
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
#[cfg(feature = "compat")]
pub mod compat;
mod coop;
pub mod debug;
pub mod event_loop;
#[cfg(feature = "hyper")]
pub mod http;
pub mod io;
mod loom;
pub mod net;
mod panic;
pub mod process;
pub mod queue;
mod runtime;
pub mod signal;
pub mod streams;
pub mod sync;
pub mod task;
pub mod testing;
pub mod time;
#[cfg(feature = "tls")]
pub mod tls;
mod util;

// What the attribute macros expand to call: hidden, not public API.
#[doc(hidden)]
#[path = "macro_support.rs"]
pub mod __private;

/// Turns an `async fn` into a plain `fn` that runs its body on a new event loop, as [`run`]
/// does, and returns what the body returns. Put it on `main`:
///
/// ```
/// use std::time::Duration;
///
/// #[baton::main]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let answer: u64 = "42".parse()?;
///     baton::sleep(Duration::from_millis(1)).await;
///     assert_eq!(answer, 42);
///     Ok(())
/// }
/// ```
///
/// or on any function without arguments, which then blocks its caller until the body is done:
///
/// ```
/// #[baton::main]
/// async fn fetch_count() -> usize {
///     let task = baton::spawn(async { 3 });
///     task.await.unwrap()
/// }
///
/// assert_eq!(fetch_count(), 3);
/// ```
///
/// # Options
///
/// - `workers = N`: run on a multi-core [`Runtime`] of `N` workers instead. The body runs on
///   worker 0, where it stays (so it need not be `Send`: it may hold an `Rc` across an
///   `.await`); [`spawn_send`] spreads work over every worker. What it returns is handed back
///   to the calling thread, so the return type must be `Send` (`Box<dyn Error + Send + Sync>`
///   rather than `Box<dyn Error>`).
/// - `debug` (or `debug = true`): the loop, or every worker's loop, runs in debug mode
///   ([`event_loop::Builder::debug`]).
/// - `ctrl_c = false`: leave Ctrl-C alone. By default Ctrl-C is handled as [`run`] does
///   (asyncio's `Runner`, see [`Runner`]): the first one cancels the body — dropped on its
///   loop, so its `Drop`s run — closes the loop (or shuts the runtime down) and ends the
///   process by `SIGINT`; a second one ends it at once; a body that listens for Ctrl-C itself
///   ([`signal::ctrl_c`]) gets it instead.
///
/// ```
/// #[baton::main(ctrl_c = false)]
/// async fn main() {
///     // Ctrl-C now ends the process at once, as in a program without baton.
/// }
/// ```
///
/// ```
/// #[baton::main(workers = 2, debug)]
/// async fn main() {
///     let local = std::rc::Rc::new("stays on worker 0");
///     let sum = baton::spawn_send(async { (1..=10u32).sum::<u32>() }).await.unwrap();
///     assert_eq!((sum, *local), (55, "stays on worker 0"));
/// }
/// ```
///
/// # Misuse
///
/// Each mistake is a compile error at the token that is wrong. The function must be `async`:
///
/// ```compile_fail
/// #[baton::main]
/// fn main() {}
/// ```
///
/// and take no arguments, nor generics:
///
/// ```compile_fail
/// #[baton::main]
/// async fn main(port: u16) {}
/// ```
///
/// ```compile_fail
/// #[baton::main]
/// async fn run<T: Default>() -> T { T::default() }
/// # fn main() {}
/// ```
///
/// Options are `workers = N` (at least 1), `debug` and `ctrl_c`:
///
/// ```compile_fail
/// #[baton::main(threads = 4)]
/// async fn main() {}
/// ```
///
/// ```compile_fail
/// #[baton::main(workers = 0)]
/// async fn main() {}
/// ```
///
/// ```compile_fail
/// #[baton::main(workers = "4")]
/// async fn main() {}
/// ```
///
/// ```compile_fail
/// #[baton::main(ctrl_c = "no")]
/// async fn main() {}
/// ```
///
/// With `workers`, the output crosses threads:
///
/// ```compile_fail,E0277
/// #[baton::main(workers = 2)]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> { Ok(()) } // not Send
/// ```
pub use baton_macros::main;

/// Turns an `async fn` into a `#[test]` that runs its body on a fresh event loop with the
/// **paused clock**: timers fire as soon as every task waits, so timed code runs in no real
/// time, and the same way every run.
///
/// ```
/// #[baton::test]
/// async fn an_hour_passes_at_once() {
///     let hour = std::time::Duration::from_secs(3600);
///     let start = baton::time::now();
///     baton::sleep(hour).await;
///     assert_eq!(baton::time::now() - start, hour);
/// }
/// ```
///
/// The body may return a `Result`, as a `#[test]` may, and other attributes
/// (`#[should_panic]`, `#[ignore]`, …) apply as usual.
///
/// # Options
///
/// - `seed = N`: the loop schedules with seed `N`: among the tasks ready in the same
///   iteration, the order is a permutation drawn from the seed, so a run replays exactly.
/// - `seeds = N`: run the body once per seed `0..N`, as [`testing::run_seeds`]; the first
///   failing seed is printed ("baton: failed under seed 7; replay with
///   `#[baton::test(seed = 7)]` or BATON_SEED=7"). With `BATON_SEED` set, only that seed runs.
/// - `time_limit = "10s"` (or `"500ms"`, `"2m"`): the real time each run may take. When it
///   passes, the test fails with a dump of the loop's tasks and where each waits. The default
///   is 60 seconds; `time_limit = "none"` turns the limit off.
/// - `real_clock`: the real clock instead of the paused one.
/// - `debug`: the loop runs in debug mode ([`event_loop::Builder::debug`]).
///
/// ```
/// #[baton::test(seeds = 50, time_limit = "10s")]
/// async fn two_orders_one_result() {
///     let a = baton::spawn(async { 1 });
///     let b = baton::spawn(async { 2 });
///     assert_eq!(a.await.unwrap() + b.await.unwrap(), 3);
/// }
/// ```
///
/// # Misuse
///
/// Each mistake is a compile error at the token that is wrong. The function must be `async`,
/// without arguments or generics:
///
/// ```compile_fail
/// #[baton::test]
/// fn not_async() {}
/// ```
///
/// ```compile_fail
/// #[baton::test]
/// async fn with_argument(seed: u64) {}
/// ```
///
/// ```compile_fail
/// #[baton::test]
/// async fn generic<T>() {}
/// ```
///
/// `#[baton::test]` already adds `#[test]`:
///
/// ```compile_fail
/// #[baton::test]
/// #[test]
/// async fn twice() {}
/// ```
///
/// Unknown options, bad values, and `seed` with `seeds`:
///
/// ```compile_fail
/// #[baton::test(paused)]
/// async fn unknown_option() {}
/// ```
///
/// ```compile_fail
/// #[baton::test(time_limit = "10 seconds")]
/// async fn bad_duration() {}
/// ```
///
/// ```compile_fail
/// #[baton::test(time_limit = 10)]
/// async fn duration_not_a_string() {}
/// ```
///
/// ```compile_fail
/// #[baton::test(seeds = 0)]
/// async fn no_seeds() {}
/// ```
///
/// ```compile_fail
/// #[baton::test(debug = "yes")]
/// async fn bad_flag() {}
/// ```
///
/// ```compile_fail
/// #[baton::test(seed = 1, seeds = 10)]
/// async fn both() {}
/// ```
pub use baton_macros::test;
pub use channel::Promise;
pub use event_loop::{get_running_loop, run, EventLoop, LoopHandle, Runner, Runtime};
pub use streams::{
    open_connection, open_unix_connection, start_server, start_unix_server, Server, StreamReader,
    StreamWriter,
};
pub use task::{
    all_tasks, as_completed, current_task, gather, shield, spawn, spawn_send, to_thread, wait,
    yield_now, ReturnWhen, Task, TaskError, TaskGroup, TaskHandle,
};
pub use time::{sleep, timeout, timeout_at, wait_for, TimeoutError};

/// The README's Rust examples, compiled and run as doc tests so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
