//! The event loop: scheduling tasks, driving timers, parking in the reactor.
//!
//! `event_loop.rs` is the public face; `core.rs` is the loop's thread-local state and its
//! scheduling step; `shared.rs` is what other threads may touch; `context.rs` records which loop
//! runs on this thread.

mod builder;
mod callback;
pub(crate) mod context;
mod core;
pub(crate) mod driver;
mod error;
mod event_loop;
mod handle;
mod owned;
mod shared;
pub(crate) mod task;

pub use builder::Builder;
pub use callback::CallbackHandle;
pub use error::LoopStopped;
pub use event_loop::{run, EventLoop};
pub use handle::{get_running_loop, LoopHandle};
pub(crate) use shared::{schedule, Shared};
