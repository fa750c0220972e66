//! The machinery under the event loop: the scheduler (`core.rs`) with its ready queue, owned
//! tasks and done callbacks; the part other threads touch (`shared.rs`); which loop runs on this
//! thread and the narrow handle leaves use (`context.rs`); the driver the loop parks in
//! (`driver/`); and the raw task (`task/`), the floor below it all. `pool/` holds the queues of
//! the multi-core worker pool.
//!
//! The public face built on this — `EventLoop`, `Builder`, `LoopHandle` — is `src/event_loop/`.

pub(crate) mod context;
mod core;
mod done_callbacks;
pub(crate) mod driver;
mod owned;
#[allow(dead_code)] // used by the worker pool, landing next
pub(crate) mod pool;
mod ready_queue;
mod shared;
pub(crate) mod task;

pub(crate) use self::core::Core;
pub(crate) use shared::Shared;
