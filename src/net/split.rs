//! `OwnedReadHalf` / `OwnedWriteHalf`: a stream split so two tasks can read and write at once.
//! The halves share the stream (`Arc`: each half is `Send + Sync`, so the two may run in
//! tasks on different threads); its registration keeps one waker per direction, so each
//! half waits on its own. Generic over the family ([`SplitStream`]): TCP by default, or Unix.

use std::error::Error;
use std::fmt;
use std::io;
use std::sync::Arc;

use super::stream_core::{reading, writing, AsStream, SplitStream};
use super::TcpStream;

/// The read half of a stream, from [`TcpStream::split`] (`OwnedReadHalf`, the default) or
/// [`UnixStream::split`](super::UnixStream::split) (`OwnedReadHalf<UnixStream>`).
///
/// # Examples
/// ```
/// use baton::net::{TcpListener, TcpStream};
///
/// baton::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let client = TcpStream::connect(listener.local_addr()?).await?;
///     let (mut conn, _) = listener.accept().await?;
///     let (mut rd, _wr) = client.split();
///     conn.write_all(b"to the reader").await?;
///     let mut buf = vec![0; 13];
///     rd.read_exact(&mut buf).await?;
///     assert_eq!(buf, b"to the reader");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// The same over a Unix socket pair:
///
/// ```
/// use baton::net::{OwnedReadHalf, UnixStream};
///
/// baton::run(async {
///     let (a, mut b) = UnixStream::pair()?;
///     let (mut rd, _wr): (OwnedReadHalf<UnixStream>, _) = a.split();
///     b.write_all(b"unix").await?;
///     let mut buf = [0; 4];
///     rd.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"unix");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct OwnedReadHalf<S: SplitStream = TcpStream> {
    pub(super) stream: Arc<S>,
}

/// The write half of a stream, from [`TcpStream::split`] (`OwnedWriteHalf`, the default) or
/// [`UnixStream::split`](super::UnixStream::split) (`OwnedWriteHalf<UnixStream>`). Dropping it
/// shuts the write direction down (the peer reads EOF).
///
/// # Examples
/// ```
/// use baton::net::{TcpListener, TcpStream};
///
/// baton::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let client = TcpStream::connect(listener.local_addr()?).await?;
///     let (mut conn, _) = listener.accept().await?;
///     let (_rd, mut wr) = client.split();
///     wr.write_all(b"bye").await?;
///     drop(wr); // the peer sees EOF after "bye"
///     let mut buf = Vec::new();
///     let mut chunk = [0; 8];
///     loop {
///         let n = conn.read(&mut chunk).await?;
///         if n == 0 { break; }
///         buf.extend_from_slice(&chunk[..n]);
///     }
///     assert_eq!(buf, b"bye");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct OwnedWriteHalf<S: SplitStream = TcpStream> {
    pub(super) stream: Arc<S>,
    /// Shut the write direction down on drop (cleared by `reunite`).
    shutdown_on_drop: bool,
}

/// The halves given to [`OwnedReadHalf::reunite`] came from different streams; here they are
/// back.
///
/// # Examples
/// ```
/// use baton::net::{TcpListener, TcpStream};
///
/// baton::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let (r1, _w1) = TcpStream::connect(listener.local_addr()?).await?.split();
///     let (_r2, w2) = TcpStream::connect(listener.local_addr()?).await?.split();
///     let err = r1.reunite(w2).unwrap_err();
///     println!("{err}");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct ReuniteError<S: SplitStream = TcpStream>(pub OwnedReadHalf<S>, pub OwnedWriteHalf<S>);

/// Splits `stream` into halves sharing it.
pub(super) fn split<S: SplitStream>(stream: S) -> (OwnedReadHalf<S>, OwnedWriteHalf<S>) {
    let stream = Arc::new(stream);
    (
        OwnedReadHalf {
            stream: stream.clone(),
        },
        OwnedWriteHalf {
            stream,
            shutdown_on_drop: true,
        },
    )
}

impl<S: SplitStream> OwnedReadHalf<S> {
    /// Puts the halves of one stream back together.
    ///
    /// # Examples
    /// ```
    /// use baton::net::{TcpListener, TcpStream};
    ///
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (rd, wr) = TcpStream::connect(listener.local_addr()?).await?.split();
    ///     let stream = rd.reunite(wr).expect("same stream");
    ///     assert_eq!(stream.peer_addr()?, listener.local_addr()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`ReuniteError`], holding both halves, if they belong to different streams.
    pub fn reunite(self, mut other: OwnedWriteHalf<S>) -> Result<S, ReuniteError<S>> {
        if !Arc::ptr_eq(&self.stream, &other.stream) {
            return Err(ReuniteError(self, other));
        }
        other.shutdown_on_drop = false;
        drop(other);
        Ok(Arc::try_unwrap(self.stream)
            .unwrap_or_else(|_| unreachable!("both halves were given, so no other Arc exists")))
    }

    /// The address of the remote end.
    ///
    /// # Examples
    /// ```
    /// # use baton::net::{TcpListener, TcpStream};
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (rd, _wr) = TcpStream::connect(listener.local_addr()?).await?.split();
    ///     assert_eq!(rd.peer_addr()?, listener.local_addr()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// When the socket is no longer connected.
    pub fn peer_addr(&self) -> io::Result<S::Addr> {
        self.stream.peer_addr()
    }

    /// The address of this end.
    ///
    /// # Examples
    /// ```
    /// # use baton::net::{TcpListener, TcpStream};
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (rd, _wr) = TcpStream::connect(listener.local_addr()?).await?.split();
    ///     assert!(rd.local_addr()?.ip().is_loopback());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As `getsockname(2)`.
    pub fn local_addr(&self) -> io::Result<S::Addr> {
        self.stream.local_addr()
    }
}

reading!(
    [S: SplitStream] OwnedReadHalf<S>,
    "use baton::net::{TcpListener, TcpStream};
# baton::run(async {
let listener = TcpListener::bind(\"127.0.0.1:0\").await?;
let (mut io, _wr) = TcpStream::connect(listener.local_addr()?).await?.split();
let (mut peer, _) = listener.accept().await?;"
);

writing!(
    [S: SplitStream] OwnedWriteHalf<S>,
    "use baton::net::{TcpListener, TcpStream};
# baton::run(async {
let listener = TcpListener::bind(\"127.0.0.1:0\").await?;
let (_rd, mut io) = TcpStream::connect(listener.local_addr()?).await?.split();
let (mut peer, _) = listener.accept().await?;"
);

impl<S: SplitStream> OwnedWriteHalf<S> {
    /// The address of the remote end.
    ///
    /// # Examples
    /// ```
    /// # use baton::net::{TcpListener, TcpStream};
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_rd, wr) = TcpStream::connect(listener.local_addr()?).await?.split();
    ///     assert_eq!(wr.peer_addr()?, listener.local_addr()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// When the socket is no longer connected.
    pub fn peer_addr(&self) -> io::Result<S::Addr> {
        self.stream.peer_addr()
    }

    /// The address of this end.
    ///
    /// # Examples
    /// ```
    /// # use baton::net::{TcpListener, TcpStream};
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_rd, wr) = TcpStream::connect(listener.local_addr()?).await?.split();
    ///     assert!(wr.local_addr()?.ip().is_loopback());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As `getsockname(2)`.
    pub fn local_addr(&self) -> io::Result<S::Addr> {
        self.stream.local_addr()
    }
}

impl<S: SplitStream> AsStream for OwnedReadHalf<S> {
    type Stream = S;

    #[inline]
    fn as_stream(&self) -> &S {
        &self.stream
    }
}

impl<S: SplitStream> AsStream for OwnedWriteHalf<S> {
    type Stream = S;

    #[inline]
    fn as_stream(&self) -> &S {
        &self.stream
    }
}

impl<S: SplitStream> Drop for OwnedWriteHalf<S> {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            let _ = super::stream_core::shutdown_write(self);
        }
    }
}

impl<S: SplitStream> fmt::Debug for OwnedReadHalf<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedReadHalf")
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}

impl<S: SplitStream> fmt::Debug for OwnedWriteHalf<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedWriteHalf")
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}

impl<S: SplitStream> fmt::Debug for ReuniteError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ReuniteError")
            .field(&self.0)
            .field(&self.1)
            .finish()
    }
}

impl<S: SplitStream> fmt::Display for ReuniteError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves of different streams")
    }
}

impl<S: SplitStream> Error for ReuniteError<S> {}
