//! Networking on the event loop: TCP, UDP and Unix sockets (asyncio's low-level socket layer).
//!
//! Every socket here is registered with the loop that made it and waits for readiness without
//! blocking that loop; they are `!Send`, like the loop's tasks. Streams have inherent async
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

mod addr;
mod datagram;
#[cfg(feature = "hyper")]
pub mod hyper_rt;
mod tcp_listener;
mod tcp_split;
mod tcp_stream;
mod udp;
mod unix_datagram;
mod unix_listener;
mod unix_stream;

pub use crate::io::ops::{Flush, Read, ReadExact, Write, WriteAll};
pub(crate) use addr::Resolve;
pub use addr::{lookup_host, LookupHost, ToSocketAddrs};
pub use datagram::{RecvDatagram, SendDatagram};
pub use tcp_listener::{Accept, Bind, TcpListener, DEFAULT_BACKLOG};
pub use tcp_split::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};
pub use tcp_stream::{Connect, TcpStream};
pub use udp::{BindUdp, ConnectUdp, RecvFrom, SendTo, UdpSocket};
pub use unix_datagram::{UnixDatagram, UnixRecvFrom, UnixSendTo};
pub use unix_listener::{UnixAccept, UnixListener};
pub use unix_stream::{ConnectUnix, UnixStream};

/// Descriptor access for the socket types, e.g. to set options through `socket2::SockRef`.
macro_rules! fd_impls {
    ($($ty:ty),* $(,)?) => {$(
        impl std::os::fd::AsRawFd for $ty {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                self.io.get_ref().as_raw_fd()
            }
        }

        impl std::os::fd::AsFd for $ty {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                self.io.get_ref().as_fd()
            }
        }
    )*};
}

fd_impls!(
    TcpListener,
    TcpStream,
    OwnedReadHalf,
    OwnedWriteHalf,
    UdpSocket,
    UnixListener,
    UnixStream,
    UnixDatagram,
);
