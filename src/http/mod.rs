//! HTTP on baton with hyper and tower (cargo feature `hyper`).
//!
//! - [`client`] / [`client_builder`]: hyper-util's pooling `legacy::Client` wired to baton
//!   (executor, timers), over a [`Connector`] that resolves with `lookup_host`, connects with
//!   happy eyeballs, sets `TCP_NODELAY` and, with the `tls` feature, speaks `https` (ALPN `h2`
//!   and `http/1.1`);
//! - [`TimeoutLayer`] / [`Timeout`]: tower's timeout on baton's timers, for clients and
//!   servers (tower's own needs a tokio runtime).

mod client;
mod connector;
mod timeout;

pub use client::{client, client_builder};
pub use connector::{Connecting, Connector, HttpStream};
pub use timeout::{Elapsed, Timeout, TimeoutFuture, TimeoutLayer};
