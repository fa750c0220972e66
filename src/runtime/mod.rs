//! The machinery under the event loop: the scheduler (`core.rs`) with its ready queue, owned
//! tasks, done callbacks and counters (`metrics.rs`); the part other threads touch
//! (`shared.rs`); which loop runs on this thread and the narrow handle leaves use
//! (`context.rs`); the driver the loop parks in (`driver/`); and the raw task (`task/`), the
//! floor below it all.
//!
//! The public face built on this — `EventLoop`, `Builder`, `LoopHandle` — is `src/event_loop/`.

pub(crate) mod context;
pub(crate) mod core;
pub(crate) mod diagnostics;
mod done_callbacks;
pub(crate) mod driver;
mod metrics;
mod owned;
pub(crate) mod pool;
mod ready_queue;
pub(crate) mod shared;
mod snapshot;
pub(crate) mod task;

pub(crate) use self::core::Core;
pub(crate) use shared::Shared;
