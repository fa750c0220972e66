//! Networking on the event loop: TCP, UDP and Unix sockets (asyncio's low-level socket layer).
//!
//! Every socket here is registered with the loop that made it and waits for readiness without
//! blocking that loop. Sockets (and their owned halves) are `Send + Sync`: a socket may be used,
//! and dropped, on any thread — a task of another loop, or a worker of a multi-threaded runtime
//! — while its readiness still comes from the reactor of the loop that made it. So an operation
//! that has to wait needs that loop to be running (an `EventLoop` between runs delays it), and
//! once that loop is closed every pending or later operation fails with an `io::Error` saying
//! "the event loop this socket was registered with has closed". A socket made by `accept`
//! belongs to the loop running the accepting task. Streams have inherent async
//! `read`, `read_exact`, `write`, `write_all` and `flush`, and implement
//! `futures_io::AsyncRead`/`AsyncWrite` for the wider ecosystem. For line-oriented protocols,
//! see the asyncio-style streams: [`open_connection`](crate::open_connection) and
//! [`start_server`](crate::start_server).
//!
//! # Examples
//! ```
//! use baton::net::{TcpListener, TcpStream};
//!
//! baton::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let mut client = TcpStream::connect(listener.local_addr()?).await?;
//!     let (mut conn, _peer) = listener.accept().await?;
//!     client.write_all(b"ping").await?;
//!     let mut buf = [0u8; 4];
//!     conn.read_exact(&mut buf).await?;
//!     assert_eq!(&buf, b"ping");
//!     std::io::Result::Ok(())
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```

mod accept;
mod addr;
mod datagram;
mod happy_eyeballs;
#[cfg(feature = "hyper")]
pub mod hyper_rt;
mod options;
mod peek;
mod readiness;
mod sendfile;
mod split;
mod stream_core;
mod tcp_listener;
mod tcp_stream;
#[cfg(feature = "tokio-io")]
mod tokio_io;
mod transport;
mod udp;
mod unix_datagram;
mod unix_listener;
mod unix_stream;

pub use crate::io::ops::{Flush, Read, ReadExact, Write, WriteAll};
pub(crate) use addr::Resolve;
pub use addr::{lookup_host, LookupHost, ToSocketAddrs};
pub use datagram::{RecvDatagram, SendDatagram};
pub use happy_eyeballs::ConnectOptions;
pub use peek::{Peek, PeekFrom};
#[doc(hidden)]
pub use sendfile::force_sendfile_fallback;
pub use sendfile::SendFile;
pub(crate) use sendfile::Transfer;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};
pub use stream_core::SplitStream;
pub use tcp_listener::{Accept, Bind, TcpListener, DEFAULT_BACKLOG};
pub use tcp_stream::{Connect, TcpStream};
pub use transport::WriteTransport;
// For the transports outside `net`: a child's stdin (`process::ChildStdin`) and a TLS
// session's write side (`streams::TlsTransport`).
pub(crate) use transport::sealed::Transport;
pub use udp::{BindUdp, ConnectUdp, RecvFrom, SendTo, UdpSocket};
pub use unix_datagram::{UnixDatagram, UnixRecvFrom, UnixSendTo};
pub use unix_listener::{UnixAccept, UnixListener};
pub use unix_stream::{ConnectUnix, UnixStream};

/// Descriptor access for the socket types, e.g. to set options through `socket2::SockRef`:
/// `[generics] Type => field`, where `field` has the descriptor.
macro_rules! fd_impls {
    ($([$($g:tt)*] $ty:ty => $field:ident),* $(,)?) => {$(
        impl<$($g)*> std::os::fd::AsRawFd for $ty {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                self.$field.as_raw_fd()
            }
        }

        impl<$($g)*> std::os::fd::AsFd for $ty {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                self.$field.as_fd()
            }
        }
    )*};
}

fd_impls!(
    [] TcpListener => io,
    [] TcpStream => io,
    [S: SplitStream] OwnedReadHalf<S> => stream,
    [S: SplitStream] OwnedWriteHalf<S> => stream,
    [] UdpSocket => io,
    [] UnixListener => io,
    [] UnixStream => io,
    [] UnixDatagram => io,
);
