//! What [`serve`](super::serve) asks of a listening socket: baton's TCP and Unix listeners.

use std::future::Future;
use std::io;
use std::os::unix::net as unix;

use ::hyper::rt::{Read, Write};

use crate::net::{TcpListener, TcpStream, UnixListener, UnixStream};

/// A listening socket [`serve`](super::serve) accepts connections from: baton's
/// [`TcpListener`] (each accepted socket gets `TCP_NODELAY`) or [`UnixListener`]. Sealed: the
/// methods are baton's own.
///
/// # Examples
/// ```
/// fn takes_any<L: baton::http::Listener>(_listener: L) {}
///
/// baton::run(async {
///     takes_any(baton::net::TcpListener::bind("127.0.0.1:0").await?);
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub trait Listener: sealed::Accept {}

impl Listener for TcpListener {}
impl Listener for UnixListener {}

pub(crate) mod sealed {
    use super::*;

    /// The accept step and the move of a connection to another worker's loop.
    pub trait Accept: Send + 'static {
        /// An accepted connection, ready for hyper.
        type Io: Read + Write + Unpin + Send + 'static;
        /// The same connection, detached from its loop (to move it to another worker).
        type Detached: Send + 'static;
        /// The client's address, as `accept(2)` gave it.
        type Peer: Send + 'static;

        /// Accepts one connection.
        fn accept_io(&self)
            -> impl Future<Output = io::Result<(Self::Io, Self::Peer)>> + Send + '_;

        /// The client's address as reports show it; `None` for an unnamed one.
        fn describe_peer(peer: &Self::Peer) -> Option<String>;

        /// Deregisters the connection from its loop.
        fn detach(io: Self::Io) -> Self::Detached;

        /// Registers a detached connection with the running loop.
        fn attach(detached: Self::Detached) -> io::Result<Self::Io>;
    }

    impl Accept for TcpListener {
        type Io = TcpStream;
        type Detached = std::net::TcpStream;
        type Peer = std::net::SocketAddr;

        async fn accept_io(&self) -> io::Result<(TcpStream, std::net::SocketAddr)> {
            let (stream, peer) = self.accept().await?;
            // Best effort, as every server does: a failure only costs latency.
            let _ = stream.set_nodelay(true);
            Ok((stream, peer))
        }

        fn describe_peer(peer: &std::net::SocketAddr) -> Option<String> {
            Some(peer.to_string())
        }

        fn detach(io: TcpStream) -> std::net::TcpStream {
            io.into_std()
        }

        fn attach(detached: std::net::TcpStream) -> io::Result<TcpStream> {
            TcpStream::from_std(detached)
        }
    }

    impl Accept for UnixListener {
        type Io = UnixStream;
        type Detached = unix::UnixStream;
        type Peer = unix::SocketAddr;

        async fn accept_io(&self) -> io::Result<(UnixStream, unix::SocketAddr)> {
            self.accept().await
        }

        fn describe_peer(peer: &unix::SocketAddr) -> Option<String> {
            peer.as_pathname().map(|path| path.display().to_string())
        }

        fn detach(io: UnixStream) -> unix::UnixStream {
            io.into_std()
        }

        fn attach(detached: unix::UnixStream) -> io::Result<UnixStream> {
            UnixStream::from_std(detached)
        }
    }
}
