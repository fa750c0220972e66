//! `ConnectOptions::open_connection`: asyncio's `open_connection` with its
//! `happy_eyeballs_delay` and `interleave` arguments.

use super::open::OpenConnection;
use super::reader::DEFAULT_LIMIT;
use super::server::streams_of;
use crate::net::{ConnectOptions, TcpStream, ToSocketAddrs};

impl ConnectOptions {
    /// Opens a connection as [`open_connection`](crate::open_connection), connecting with
    /// these options (see [`TcpStream::connect_with`]).
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    /// use baton::net::ConnectOptions;
    ///
    /// baton::run(async {
    ///     let listener = baton::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let port = listener.local_addr()?.port();
    ///     let (_r, w) = ConnectOptions::new()
    ///         .happy_eyeballs_delay(Some(Duration::from_millis(100)))
    ///         .open_connection(("localhost", port))
    ///         .await?;
    ///     assert!(w.peer_addr()?.ip().is_loopback());
    ///     w.close().await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`TcpStream::connect_with`].
    ///
    /// # Panics
    /// When polled outside a running event loop.
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub fn open_connection<A: ToSocketAddrs>(&self, addr: A) -> OpenConnection {
        let connect = TcpStream::connect_with(addr, *self);
        OpenConnection::new(async move { Ok(streams_of(connect.await?, DEFAULT_LIMIT)) })
    }
}
