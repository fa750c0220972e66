//! `Listen`: what a [`Server`](super::Server)'s accept loop asks of its listening socket, so
//! one server serves TCP ([`start_server`](super::start_server)) and Unix sockets
//! ([`start_unix_server`](super::start_unix_server), through `socket_file.rs`'s
//! `UnixServerSocket`) alike.

use std::fmt;
use std::io;

use super::reader::StreamReader;
use super::writer::StreamWriter;
use crate::net::{OwnedWriteHalf, TcpListener, WriteTransport};

/// A listening socket a server accepts from, and what an accepted connection becomes.
pub(super) trait Listen: 'static {
    /// The address type of either end: what `Server::local_addr` returns.
    type Addr: Clone + fmt::Debug + Send + Sync + 'static;
    /// What a connection's `StreamWriter` writes through.
    type Transport: WriteTransport + Send + Sync;
    /// The function that starts a server on this kind of socket, as the server's reports
    /// name it.
    const API: &'static str;

    fn local_addr(&self) -> io::Result<Self::Addr>;

    /// Accepts one connection, as asyncio's reader/writer pair with a reader limit of `limit`.
    async fn accept_streams(
        &self,
        limit: usize,
    ) -> io::Result<(StreamReader, StreamWriter<Self::Transport>)>;
}

impl Listen for TcpListener {
    type Addr = std::net::SocketAddr;
    type Transport = OwnedWriteHalf;
    const API: &'static str = "start_server";

    fn local_addr(&self) -> io::Result<Self::Addr> {
        TcpListener::local_addr(self)
    }

    async fn accept_streams(&self, limit: usize) -> io::Result<(StreamReader, StreamWriter)> {
        let (stream, _peer) = self.accept().await?;
        Ok(super::server::streams_of(stream, limit))
    }
}
