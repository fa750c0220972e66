//! asyncio's Unix-socket streams: `open_unix_connection` and `start_unix_server`, the same
//! reader/writer pair and [`Server`] as over TCP, on a Unix-domain stream socket.
//!
//! As in asyncio, a server clears a stale socket file at its path before it binds and removes
//! its own file when it closes (3.13's `cleanup_socket`; `ServerOptions::cleanup_socket(false)`
//! keeps it): see `socket_file.rs`. A path starting with a NUL byte names a socket in Linux's
//! abstract namespace (no file, nothing to remove).

use std::future::Future;
use std::io;
use std::os::unix::net::SocketAddr;
use std::path::Path;

use super::open::ServerOptions;
use super::reader::{StreamReader, DEFAULT_LIMIT};
use super::server::Server;
use super::socket_file::UnixServerSocket;
use super::writer::StreamWriter;
use crate::io::boxed::boxed_future;
use crate::net::{OwnedWriteHalf, UnixStream};

/// The writer of a Unix-socket stream: a [`StreamWriter`] over the socket's write half.
///
/// # Examples
/// ```
/// use baton::streams::UnixStreamWriter;
///
/// baton::run(async {
///     let (a, b) = baton::net::UnixStream::pair()?;
///     let (_rd, wr) = a.split();
///     let mut w: UnixStreamWriter = baton::StreamWriter::new(wr);
///     w.write(b"x");
///     w.drain().await?;
///     # drop(b);
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub type UnixStreamWriter = StreamWriter<OwnedWriteHalf<UnixStream>>;

/// A server on a Unix socket, from [`start_unix_server`]: the same [`Server`] as over TCP,
/// with Unix addresses.
///
/// # Examples
/// ```
/// use baton::streams::UnixServer;
///
/// /// Keeps a server and where it listens.
/// struct App {
///     server: UnixServer,
/// }
///
/// baton::run(async {
///     let name = format!("\0baton-doc-us-{}", std::process::id());
///     let app = App { server: baton::start_unix_server(|_r, _w| async {}, &name).await? };
///     assert!(app.server.local_addr()?.as_pathname().is_none()); // abstract: no file
///     app.server.close().await;
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub type UnixServer = Server<SocketAddr>;

boxed_future! {
    /// The future returned by [`open_unix_connection`].
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let path = std::env::temp_dir().join(format!("baton-doc-ouc-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let _listener = baton::net::UnixListener::bind(&path)?;
    ///     let open = baton::open_unix_connection(&path); // an `OpenUnixConnection`
    ///     let (_reader, _writer) = open.await?;
    ///     std::fs::remove_file(&path)?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub struct OpenUnixConnection -> io::Result<(StreamReader, UnixStreamWriter)>;
}

boxed_future! {
    local
    /// The future returned by [`start_unix_server`].
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let path = std::env::temp_dir().join(format!("baton-doc-sus-{}", std::process::id()));
    ///     let start = baton::start_unix_server(|_r, _w| async {}, &path); // a `StartUnixServer`
    ///     let server = start.await?;
    ///     server.close().await;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub struct StartUnixServer -> io::Result<UnixServer>;
}

/// Connects to the Unix socket at `path` and returns its reader and writer (asyncio's
/// `open_unix_connection`).
///
/// # Examples
/// ```
/// use baton::streams::UnixStreamWriter;
/// use baton::StreamReader;
///
/// baton::run(async {
///     let path = std::env::temp_dir().join(format!("baton-doc-ouc2-{}", std::process::id()));
///     let server = baton::start_unix_server(|mut r: StreamReader, mut w: UnixStreamWriter| async move {
///         if let Ok(line) = r.readline().await {
///             w.write(&line.to_ascii_uppercase());
///             let _ = w.drain().await;
///         }
///     }, &path).await?;
///     let (mut r, mut w) = baton::open_unix_connection(&path).await?;
///     w.write(b"shout\n");
///     w.drain().await?;
///     assert_eq!(r.readline().await?, b"SHOUT\n");
///     server.close().await; // and its socket file is gone
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
/// As [`UnixStream::connect`]: `NotFound` (naming the path) when no socket is there,
/// `ConnectionRefused` when nobody listens.
///
/// # Panics
/// When polled outside a running event loop.
///
/// # Cancel safety
/// Cancel safe.
pub fn open_unix_connection(path: impl AsRef<Path>) -> OpenUnixConnection {
    let connect = UnixStream::connect(path);
    OpenUnixConnection::new(async move { Ok(unix_streams_of(connect.await?, DEFAULT_LIMIT)) })
}

/// Starts a server on a Unix socket created at `path` that runs `handler(reader, writer)` as a
/// task for each connection (asyncio's `start_unix_server`). It is serving when this returns;
/// the server is the same as [`start_server`](super::start_server)'s, with Unix addresses.
///
/// As asyncio's: a socket file already at `path` that nobody listens on (a connection to it is
/// refused) is removed first, and the server removes its own file when it closes, unless
/// another has replaced it ([`ServerOptions::cleanup_socket`]). Unlike asyncio, which removes
/// any socket file there, a path a live server listens on is an `AddrInUse` error, not taken
/// from that server.
///
/// # Examples
/// ```
/// use baton::streams::UnixStreamWriter;
/// use baton::StreamReader;
///
/// baton::run(async {
///     let path = std::env::temp_dir().join(format!("baton-doc-sus2-{}", std::process::id()));
///     let server = baton::start_unix_server(|mut r: StreamReader, mut w: UnixStreamWriter| async move {
///         while let Ok(line) = r.readline().await {
///             if line.is_empty() { break; }
///             w.write(&line);
///             if w.drain().await.is_err() { break; }
///         }
///     }, &path).await?;
///     assert_eq!(server.local_addr()?.as_pathname(), Some(path.as_path()));
///     let (mut r, mut w) = baton::open_unix_connection(&path).await?;
///     w.write(b"hello\n");
///     w.drain().await?;
///     assert_eq!(r.readline().await?, b"hello\n");
///     w.close().await?;
///     server.close().await;
///     assert!(!path.exists(), "removed at close");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
/// As [`UnixListener::bind`](crate::net::UnixListener::bind): `AddrInUse` (naming the path)
/// when a file other than a stale socket is at `path`, or a server listens there.
///
/// # Panics
/// When polled outside a running event loop.
///
/// # Cancel safety
/// Cancel safe: a server not yet returned is closed.
pub fn start_unix_server<H, Fut>(handler: H, path: impl AsRef<Path>) -> StartUnixServer
where
    H: FnMut(StreamReader, UnixStreamWriter) -> Fut + 'static,
    Fut: Future + 'static,
{
    ServerOptions::new().start_unix_server(handler, path)
}

impl ServerOptions {
    /// Starts a Unix-socket server with these options, as [`start_unix_server`]: the reader
    /// limit, `start_serving` and `cleanup_socket` apply; `reuse_port` has no meaning for Unix
    /// sockets and is ignored.
    ///
    /// # Examples
    /// ```
    /// use baton::streams::ServerOptions;
    ///
    /// baton::run(async {
    ///     let path = std::env::temp_dir().join(format!("baton-doc-sous-{}", std::process::id()));
    ///     let server = ServerOptions::new()
    ///         .start_serving(false)
    ///         .limit(1024)
    ///         .start_unix_server(|_r, _w| async {}, &path)
    ///         .await?;
    ///     assert!(!server.is_serving());
    ///     server.start_serving()?;
    ///     assert!(server.is_serving());
    ///     server.close().await;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`start_unix_server`].
    ///
    /// # Panics
    /// When polled outside a running event loop.
    ///
    /// # Cancel safety
    /// Cancel safe: a server not yet returned is closed.
    pub fn start_unix_server<H, Fut>(&self, handler: H, path: impl AsRef<Path>) -> StartUnixServer
    where
        H: FnMut(StreamReader, UnixStreamWriter) -> Fut + 'static,
        Fut: Future + 'static,
    {
        // Bound at the first poll, as `start_server` binds: a loop is running then.
        let path = path.as_ref().to_path_buf();
        let options = self.clone();
        StartUnixServer::new(async move {
            let listener = UnixServerSocket::bind(&path, options.cleans_up_socket())?;
            let server = Server::new(listener, handler, options.reader_limit());
            if options.serves_at_start() {
                server.start_serving()?;
            }
            Ok(server)
        })
    }
}

/// Splits a Unix connection into asyncio's reader/writer pair.
pub(super) fn unix_streams_of(
    stream: UnixStream,
    limit: usize,
) -> (StreamReader, UnixStreamWriter) {
    let (rd, wr) = stream.split();
    (StreamReader::with_limit(rd, limit), StreamWriter::new(wr))
}
