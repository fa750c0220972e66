//! A bridge for crates that need a tokio runtime (feature `compat`): reqwest, database drivers,
//! anything that calls `tokio::spawn`, `tokio::time::sleep` or opens a `tokio::net` socket.
//!
//! baton does not run tokio's reactor or timers. Such crates find them through tokio's
//! thread-local "current runtime" and panic without one ("there is no reactor running, must be
//! called from the context of a Tokio 1.x runtime"). This module keeps one tokio runtime on a
//! hidden thread and lends its context to the futures you wrap:
//!
//! - [`compat`] wraps a future: every poll (and its drop) runs inside the hidden runtime's
//!   context, so what it creates registers with tokio's reactor and timers there;
//! - [`TokioContext`] / [`TokioContextLayer`] do the same for a tower service's calls and
//!   responses (how `baton::http::serve` makes axum's WebSocket upgrades work);
//! - [`handle`] is the hidden runtime's handle, to spawn onto it or enter it yourself.
//!
//! # What it costs
//! One thread, `baton-tokio`, started the first time the bridge is used and alive until the
//! process exits, running a current-thread tokio runtime with its I/O and time drivers. The
//! futures stay on baton: they are polled by the baton task that awaits them. But the sockets
//! and timers they create are tokio's, so each readiness or timer event crosses threads (tokio's
//! thread wakes the baton task), and whatever they hand to `tokio::spawn` runs on the hidden
//! thread, not on baton's workers. Use baton's own types where they exist (`baton::net`,
//! `baton::time`, `baton::http`'s client and server), and the bridge for the rest.
//!
//! # The pitfall: create tokio futures inside the bridge
//! Many tokio futures register with the runtime when they are *created*, not when first
//! polled (`tokio::time::sleep`, `reqwest::get`, `tokio::net::TcpStream::connect`). Wrapping
//! an already-created one is too late:
//! ```text
//! compat(reqwest::get(url))              // may panic: `get` ran outside the bridge
//! compat(async { reqwest::get(url).await })   // right: created inside the bridge
//! ```
//! Without the bridge, such a panic is reported with a hint that names this module.
//!
//! # Examples
//! ```
//! use std::time::Duration;
//!
//! baton::run(async {
//!     // tokio's timer and `tokio::spawn`, from a baton task.
//!     let answer = baton::compat::compat(async {
//!         tokio::time::sleep(Duration::from_millis(1)).await;
//!         tokio::spawn(async { 6 * 7 }).await.unwrap()
//!     })
//!     .await;
//!     assert_eq!(answer, 42);
//! });
//! ```

mod compat_future;
mod hidden_runtime;
mod service;

pub use compat_future::{compat, Compat};
pub use hidden_runtime::handle;
pub use service::{TokioContext, TokioContextLayer};
