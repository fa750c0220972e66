//! Socket options beyond the basics: `SO_LINGER`, `IP_TTL`, `SO_KEEPALIVE` (through socket2).

use std::io;
use std::time::Duration;

use socket2::SockRef;

use super::{TcpListener, TcpStream, UdpSocket};

/// `set_ttl`/`ttl` for a type whose std socket has them.
macro_rules! ttl {
    ($ty:ident, $setup:literal) => {
        impl $ty {
            /// Sets `IP_TTL`: how many hops the socket's IPv4 packets may take.
            ///
            /// # Examples
            #[doc = concat!("```\n# baton::run(async {\n", $setup, "
io.set_ttl(42)?;
assert_eq!(io.ttl()?, 42);
# std::io::Result::Ok(())
# })?;
# Ok::<(), std::io::Error>(())
```")]
            ///
            /// # Errors
            /// As `setsockopt(2)`, e.g. `EINVAL` above 255.
            pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
                self.io.get_ref().set_ttl(ttl)
            }

            /// `IP_TTL`. See [`set_ttl`](Self::set_ttl).
            ///
            /// # Examples
            #[doc = concat!("```\n# baton::run(async {\n", $setup, "
assert!(io.ttl()? > 0);
# std::io::Result::Ok(())
# })?;
# Ok::<(), std::io::Error>(())
```")]
            ///
            /// # Errors
            /// As `getsockopt(2)`.
            pub fn ttl(&self) -> io::Result<u32> {
                self.io.get_ref().ttl()
            }
        }
    };
}

ttl!(
    TcpStream,
    "let listener = baton::net::TcpListener::bind(\"127.0.0.1:0\").await?;
let io = baton::net::TcpStream::connect(listener.local_addr()?).await?;"
);
ttl!(
    TcpListener,
    "let io = baton::net::TcpListener::bind(\"127.0.0.1:0\").await?;"
);
ttl!(
    UdpSocket,
    "let io = baton::net::UdpSocket::bind(\"127.0.0.1:0\").await?;"
);

impl TcpStream {
    /// Sets `SO_LINGER`: with `Some(d)`, dropping the stream waits up to `d` for unsent bytes
    /// to go out, and `Some(Duration::ZERO)` resets the connection at once (RST, no
    /// `TIME_WAIT`); `None` (the default) closes in the background.
    ///
    /// The wait of a non-zero linger happens in `close(2)`, on the thread that drops the
    /// stream — the loop's — so keep it short.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    /// # use baton::net::{TcpListener, TcpStream};
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     client.set_linger(Some(Duration::ZERO))?; // abort on drop
    ///     assert_eq!(client.linger()?, Some(Duration::ZERO));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As `setsockopt(2)`.
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        SockRef::from(self).set_linger(linger)
    }

    /// `SO_LINGER`. See [`set_linger`](TcpStream::set_linger).
    ///
    /// # Examples
    /// ```
    /// # use baton::net::{TcpListener, TcpStream};
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     assert_eq!(client.linger()?, None);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As `getsockopt(2)`.
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        SockRef::from(self).linger()
    }

    /// Sets `SO_KEEPALIVE`: the kernel probes an idle connection and fails it if the peer is
    /// gone (with the system's probe timing).
    ///
    /// # Examples
    /// ```
    /// # use baton::net::{TcpListener, TcpStream};
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     client.set_keepalive(true)?;
    ///     assert!(client.keepalive()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As `setsockopt(2)`.
    pub fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        SockRef::from(self).set_keepalive(keepalive)
    }

    /// `SO_KEEPALIVE`. See [`set_keepalive`](TcpStream::set_keepalive).
    ///
    /// # Examples
    /// ```
    /// # use baton::net::{TcpListener, TcpStream};
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     assert!(!client.keepalive()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As `getsockopt(2)`.
    pub fn keepalive(&self) -> io::Result<bool> {
        SockRef::from(self).keepalive()
    }
}
