//! HTTP on baton with hyper, hyper-util and tower (cargo feature `hyper`).
//!
//! - [`serve`]: an axum `Router` or any tower service over hyper-util's HTTP/1 + HTTP/2
//!   connection (auto-detected, upgrades on, `TCP_NODELAY`), on every worker of a `Runtime`,
//!   with [`Serve::with_graceful_shutdown`]; [`Serve::local`] for a `!Send` service on one loop;
//! - [`client`] / [`client_builder`]: hyper-util's pooling `legacy::Client` wired to baton
//!   (executor, timers), over a [`Connector`] that resolves with `lookup_host`, connects with
//!   happy eyeballs, sets `TCP_NODELAY` and, with the `tls` feature, speaks `https` (ALPN `h2`
//!   and `http/1.1`);
//! - [`TimeoutLayer`] / [`Timeout`]: tower's timeout on baton's timers, for clients and
//!   servers (tower's own needs a tokio runtime).
//!
//! # Examples
//! ```
//! use axum::{routing::get, Router};
//!
//! baton::run(async {
//!     let app = Router::new().route("/", get(|| async { "Hello, World!" }));
//!     let listener = baton::net::TcpListener::bind("127.0.0.1:0").await?;
//!     // In a program: `.with_graceful_shutdown(baton::signal::ctrl_c())`, or no shutdown.
//!     baton::http::serve(listener, app).with_graceful_shutdown(async {}).await
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```

mod client;
mod connector;
mod graceful;
mod listener;
mod serve;
mod timeout;

pub use client::{client, client_builder};
pub use connector::{Connecting, Connector, HttpStream};
pub use listener::Listener;
pub use serve::{serve, LocalServe, LocalServeFuture, Serve, ServeFuture};
pub use timeout::{Elapsed, Timeout, TimeoutFuture, TimeoutLayer};
