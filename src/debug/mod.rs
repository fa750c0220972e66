//! What the loop can tell about itself: metrics, task dumps, debug-mode reports.
//!
//! - **Task dump**: [`EventLoop::dump`](crate::EventLoop::dump) (or `LoopHandle::dump` from any
//!   thread) lists every task — id, name, state, spawn site, age, polls, busy time — and prints
//!   who awaits whom as a tree (asyncio 3.14's `python -m asyncio pstree`).
//! - **Debug mode**: `Builder::debug(true)` or `BATON_DEBUG=1` reports polls that block the
//!   loop, and tasks still pending at close, through the loop's exception handler.
//! - **Exception handler**: [`EventLoop::set_exception_handler`](crate::EventLoop::set_exception_handler)
//!   receives every [`Exception`]; the default writes one line to stderr.
//! - **Metrics**: [`EventLoop::metrics`](crate::EventLoop::metrics) gives a loop's [`Metrics`].
//! - **Seeds**: `Builder::seed` (or `BATON_SEED`) shuffles each iteration's ready tasks
//!   reproducibly; [`testing::run_seeds`](crate::testing::run_seeds) sweeps many.

mod dump;
mod exception;
mod metrics;

pub use crate::awaits::AwaitVia;
pub use dump::{AwaitTree, Awaiter, Dump, DumpError, TaskSnapshot, TaskState};
pub use exception::{
    default_exception_handler, Exception, ExceptionHandler, ExceptionKind, TaskInfo,
};
pub use metrics::Metrics;
