//! The event loop's public face: `EventLoop` (asyncio's loop: `run_until_complete`,
//! `run_forever`, `call_soon`/`call_later`/`call_at`, `stop`, `close`), its `Builder`, the
//! `LoopHandle` other threads use, `CallbackHandle` and `run`. The machinery beneath is
//! `src/runtime/`; this folder reaches it through the scheduler's methods, never its fields.

mod builder;
mod callback;
mod dump_signal;
mod error;
#[allow(clippy::module_inception)]
mod event_loop;
mod handle;
mod report;
mod runner;
mod runtime;
mod runtime_builder;
mod runtime_handle;
mod signal_handlers;

pub use builder::Builder;
pub use callback::CallbackHandle;
pub use error::LoopStopped;
pub use event_loop::EventLoop;
pub use handle::{get_running_loop, LoopHandle};
pub(crate) use report::report_to_running_loop;
#[cfg(any(feature = "tls", feature = "hyper"))]
pub(crate) use report::running_loop_debug;
pub(crate) use runner::{interruptible, or_exit, run_once_or_exit};
pub use runner::{run, Interrupted, Runner};
pub use runtime::Runtime;
pub use runtime_builder::RuntimeBuilder;
pub use runtime_handle::RuntimeHandle;
