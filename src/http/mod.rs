//! HTTP on baton (cargo feature `hyper`): [`serve`] runs an axum `Router` or any tower
//! service over hyper-util's HTTP/1 + HTTP/2 connection, with graceful shutdown.
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

mod graceful;
mod listener;
mod serve;

pub use listener::Listener;
pub use serve::{serve, LocalServe, LocalServeFuture, Serve, ServeFuture};
