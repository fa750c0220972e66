//! What the loop can tell about itself: metrics, task dumps, debug-mode reports.
//!
//! - **Task dump**: [`EventLoop::dump`](crate::EventLoop::dump) (or `LoopHandle::dump` from any
//!   thread) lists every task — id, name, state, spawn site, age, polls, busy time — and prints
//!   who awaits whom as a tree (asyncio 3.14's `python -m asyncio pstree`).
//! - **Debug mode**: `Builder::debug(true)` or `BATON_DEBUG=1` reports polls that block the
//!   loop, and tasks still pending at close, through the loop's exception handler.
//! - **Exception handler**: [`EventLoop::set_exception_handler`](crate::EventLoop::set_exception_handler)
//!   receives every [`Exception`]; the default writes one line to stderr (with the `tracing`
//!   feature, a `tracing` event of target `baton`). Servers report there too: a failed accept
//!   always, a connection that failed (a TLS handshake, an HTTP connection) in debug mode.
//! - **Metrics**: [`EventLoop::metrics`](crate::EventLoop::metrics) gives a loop's [`Metrics`].
//! - **Seeds**: `Builder::seed` (or `BATON_SEED`) shuffles each iteration's ready tasks
//!   reproducibly; [`testing::run_seeds`](crate::testing::run_seeds) sweeps many.
//! - **tokio-console**: with the `tracing` feature, each task has the `runtime.spawn` span and
//!   emits the waker events that tokio-console's `console-subscriber` reads, so calling
//!   `console_subscriber::init()` first thing in `main` and running `tokio-console` in another
//!   terminal lists baton's tasks: name, spawn site, polls, wakes, busy and idle time. The span
//!   is made at a task's first poll, so it carries a name given with `spawn(f).named(…)`.
//!   `--cfg tokio_unstable` is tokio's switch for *tokio's* own instrumentation, which baton's
//!   does not need; but `console-subscriber` refuses to start unless the program is built with
//!   it or with `--cfg console_without_tokio_unstable`, its switch for other runtimes:
//!   `RUSTFLAGS="--cfg console_without_tokio_unstable" cargo run`.

mod dump;
mod exception;
mod metrics;

pub use crate::awaits::AwaitVia;
pub use dump::{AwaitTree, Awaiter, Dump, DumpError, TaskSnapshot, TaskState};
pub use exception::{
    default_exception_handler, Exception, ExceptionHandler, ExceptionKind, IoFailure, TaskInfo,
};
pub use metrics::Metrics;
