//! Readiness on every socket type (asyncio's `add_reader`/`add_writer` for a socket): the
//! `readable()`/`writable()` futures, the non-waiting `try_*` operations that go with them,
//! and `into_std`, the way back to std. Written once by `readiness!` and `try_ops!`.
//!
//! The pattern: await `readable()`, then `try_read` until it returns `WouldBlock` (which marks
//! the socket not ready, so the next `readable()` waits for the reactor). See
//! [`Readiness`](crate::io::Readiness).

use std::io::{self, Read, Write};

use super::{TcpListener, TcpStream, UdpSocket, UnixDatagram, UnixListener, UnixStream};
use crate::io::Readiness;
use crate::runtime::driver::reactor::Direction;

/// `readable`, `into_std` (and `writable` unless `read only`) for a socket type over its field
/// `io: Evented<std type>`; the setup of the examples binds `io`, which has something to read.
macro_rules! readiness {
    ($ty:ident => $std:ty, $($read_only:ident)? $setup:literal) => {
        impl $ty {
            /// Ready once the socket may be read (or accepted from) without blocking. A hint:
            /// see [`Readiness`].
            ///
            /// # Examples
            #[doc = concat!("```\n# baton::run(async {\n", $setup, "
io.readable().await?;
# std::io::Result::Ok(())
# })?;
# Ok::<(), std::io::Error>(())
```")]
            ///
            /// # Errors
            /// When the loop the socket was registered with has closed.
            ///
            /// # Cancel safety
            /// Cancel safe: it only waits. Several tasks may wait at once.
            pub fn readable(&self) -> Readiness<'_> {
                self.io.readiness(Direction::Read)
            }

            /// Deregisters the socket from its loop and gives back the std socket, still in
            /// non-blocking mode (`set_nonblocking(false)` for blocking use); `from_std` takes
            /// it back.
            ///
            /// # Examples
            #[doc = concat!("```\n# baton::run(async {\n", $setup, "
let std_socket = io.into_std();
std_socket.set_nonblocking(false)?;
# std::io::Result::Ok(())
# })?;
# Ok::<(), std::io::Error>(())
```")]
            pub fn into_std(self) -> $std {
                self.io.into_inner()
            }
        }

        readiness!(@writable $ty, $($read_only)? $setup);
    };
    (@writable $ty:ident, read_only $setup:literal) => {};
    (@writable $ty:ident, $setup:literal) => {
        impl $ty {
            /// Ready once the socket may be written without blocking. A hint: see
            /// [`Readiness`].
            ///
            /// # Examples
            #[doc = concat!("```\n# baton::run(async {\n", $setup, "
io.writable().await?;
# std::io::Result::Ok(())
# })?;
# Ok::<(), std::io::Error>(())
```")]
            ///
            /// # Errors
            /// When the loop the socket was registered with has closed.
            ///
            /// # Cancel safety
            /// Cancel safe: it only waits. Several tasks may wait at once.
            pub fn writable(&self) -> Readiness<'_> {
                self.io.readiness(Direction::Write)
            }
        }
    };
}

/// `try_read` and `try_write` for a stream type.
macro_rules! try_stream_ops {
    ($ty:ident, $setup:literal) => {
        impl $ty {
            /// Reads what is there now, without waiting: `WouldBlock` when nothing is (which
            /// marks the socket not readable until the reactor says otherwise); `Ok(0)` at EOF.
            ///
            /// # Examples
            #[doc = concat!("```\n# baton::run(async {\n", $setup, "
let mut buf = [0; 8];
let n = loop {
    io.readable().await?;
    match io.try_read(&mut buf) {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
        r => break r?,
    }
};
assert_eq!(&buf[..n], b\"x\");
# std::io::Result::Ok(())
# })?;
# Ok::<(), std::io::Error>(())
```")]
            ///
            /// # Errors
            /// `WouldBlock` when nothing can be read now; any read error.
            pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
                self.io.try_io(Direction::Read, |mut s| s.read(buf))
            }

            /// Writes what the socket takes now, without waiting: `WouldBlock` when it is full
            /// (or not known to be writable).
            ///
            /// # Examples
            #[doc = concat!("```\n# baton::run(async {\n", $setup, "
io.writable().await?;
let n = io.try_write(b\"hello\")?;
assert_eq!(n, 5);
# std::io::Result::Ok(())
# })?;
# Ok::<(), std::io::Error>(())
```")]
            ///
            /// # Errors
            /// `WouldBlock` when the socket takes nothing now; any write error.
            pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
                self.io.try_io(Direction::Write, |mut s| s.write(buf))
            }
        }
    };
}

/// `try_recv` and `try_send` for a datagram type (connected sockets).
macro_rules! try_datagram_ops {
    ($ty:ident, $setup:literal) => {
        impl $ty {
            /// Receives a datagram that is there now, without waiting: `WouldBlock` when none
            /// is (which marks the socket not readable until the reactor says otherwise).
            ///
            /// # Examples
            #[doc = concat!("```\n# baton::run(async {\n", $setup, "
io.readable().await?;
let mut buf = [0; 8];
assert_eq!(io.try_recv(&mut buf)?, 1);
# std::io::Result::Ok(())
# })?;
# Ok::<(), std::io::Error>(())
```")]
            ///
            /// # Errors
            /// `WouldBlock` when no datagram is waiting; any receive error.
            pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
                self.io.try_io(Direction::Read, |s| s.recv(buf))
            }

            /// Sends a datagram to the connected peer if the socket takes it now, without
            /// waiting: `WouldBlock` otherwise.
            ///
            /// # Examples
            #[doc = concat!("```\n# baton::run(async {\n", $setup, "
io.writable().await?;
assert_eq!(io.try_send(b\"hey\")?, 3);
# std::io::Result::Ok(())
# })?;
# Ok::<(), std::io::Error>(())
```")]
            ///
            /// # Errors
            /// `WouldBlock` when the socket takes nothing now; any send error (e.g. not
            /// connected).
            pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
                self.io.try_io(Direction::Write, |s| s.send(buf))
            }
        }
    };
}

readiness!(TcpStream => std::net::TcpStream,
    "let listener = baton::net::TcpListener::bind(\"127.0.0.1:0\").await?;
let io = baton::net::TcpStream::connect(listener.local_addr()?).await?;
let (mut peer, _) = listener.accept().await?;
peer.write_all(b\"x\").await?;");
readiness!(UnixStream => std::os::unix::net::UnixStream,
    "let (io, mut peer) = baton::net::UnixStream::pair()?;
peer.write_all(b\"x\").await?;");
readiness!(TcpListener => std::net::TcpListener, read_only
    "let io = baton::net::TcpListener::bind(\"127.0.0.1:0\").await?;
let _client = baton::net::TcpStream::connect(io.local_addr()?).await?;");
readiness!(UnixListener => std::os::unix::net::UnixListener, read_only
    "let name = format!(\"\\0baton-doc-ready-{}\", std::process::id());
let io = baton::net::UnixListener::bind(&name)?;
let _client = baton::net::UnixStream::connect(&name).await?;");
readiness!(UdpSocket => std::net::UdpSocket,
    "let io = baton::net::UdpSocket::bind(\"127.0.0.1:0\").await?;
let peer = baton::net::UdpSocket::bind(\"127.0.0.1:0\").await?;
io.connect(peer.local_addr()?).await?;
peer.send_to(b\"x\", io.local_addr()?).await?;");
readiness!(UnixDatagram => std::os::unix::net::UnixDatagram,
    "let (io, peer) = baton::net::UnixDatagram::pair()?;
peer.send(b\"x\").await?;");

try_stream_ops!(
    TcpStream,
    "let listener = baton::net::TcpListener::bind(\"127.0.0.1:0\").await?;
let io = baton::net::TcpStream::connect(listener.local_addr()?).await?;
let (mut peer, _) = listener.accept().await?;
peer.write_all(b\"x\").await?;"
);
try_stream_ops!(
    UnixStream,
    "let (io, mut peer) = baton::net::UnixStream::pair()?;
peer.write_all(b\"x\").await?;"
);
try_datagram_ops!(
    UdpSocket,
    "let io = baton::net::UdpSocket::bind(\"127.0.0.1:0\").await?;
let peer = baton::net::UdpSocket::bind(\"127.0.0.1:0\").await?;
io.connect(peer.local_addr()?).await?;
peer.send_to(b\"x\", io.local_addr()?).await?;"
);
try_datagram_ops!(
    UnixDatagram,
    "let (io, peer) = baton::net::UnixDatagram::pair()?;
peer.send(b\"x\").await?;"
);
