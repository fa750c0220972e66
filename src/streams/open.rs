//! The entry points of asyncio's streams: `open_connection`, `start_server` and its options.

use std::future::Future;
use std::io;

use super::reader::{StreamReader, DEFAULT_LIMIT};
use super::server::{streams_of, Server};
use super::writer::StreamWriter;
use crate::io::boxed::boxed_future;
use crate::net::{TcpListener, TcpStream, ToSocketAddrs, DEFAULT_BACKLOG};

boxed_future! {
    /// The future returned by [`open_connection`].
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let listener = baton::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let open = baton::open_connection(listener.local_addr()?); // an `OpenConnection`
    ///     let (_reader, _writer) = open.await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub struct OpenConnection -> io::Result<(StreamReader, StreamWriter)>;
}

boxed_future! {
    local
    /// The future returned by [`start_server`].
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let start = baton::start_server(|_r, _w| async {}, "127.0.0.1:0"); // a `StartServer`
    ///     let server = start.await?;
    ///     server.close().await;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub struct StartServer -> io::Result<Server>;
}

/// Opens a TCP connection to `addr` and returns its reader and writer (asyncio's
/// `open_connection`). `TCP_NODELAY` is set, as asyncio does.
///
/// # Examples
/// ```
/// baton::run(async {
///     let server = baton::start_server(|mut r: baton::StreamReader, mut w: baton::StreamWriter| async move {
///         if let Ok(line) = r.readline().await {
///             w.write(&line.to_ascii_uppercase());
///             let _ = w.drain().await;
///         }
///     }, "127.0.0.1:0").await?;
///     let (mut r, mut w) = baton::open_connection(server.local_addr()?).await?;
///     w.write(b"shout\n");
///     w.drain().await?;
///     assert_eq!(r.readline().await?, b"SHOUT\n");
///     server.close().await;
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
/// As [`TcpStream::connect`].
///
/// # Panics
/// When polled outside a running event loop.
///
/// # Cancel safety
/// Cancel safe.
pub fn open_connection<A: ToSocketAddrs>(addr: A) -> OpenConnection {
    let connect = TcpStream::connect(addr);
    OpenConnection::new(async move { Ok(streams_of(connect.await?, DEFAULT_LIMIT)) })
}

/// Starts a TCP server on `addr` that runs `handler(reader, writer)` as a task for each
/// connection (asyncio's `start_server`). It is serving when this returns; see
/// [`ServerOptions`] for `start_serving=False` and the reader's limit.
///
/// The accept loop survives errors: on a resource shortage such as `EMFILE` (the descriptor
/// table is full) it reports to the loop's
/// [exception handler](crate::EventLoop::set_exception_handler) (as
/// [`ExceptionKind::AcceptFailed`](crate::debug::ExceptionKind::AcceptFailed); the default
/// handler prints it to stderr), pauses 100 ms and accepts again, so it neither dies nor
/// spins, and nothing is lost silently. A handler that panics, when called or while it runs,
/// ends its own connection only (the panic hook reports it as usual).
///
/// # Examples
/// ```
/// use baton::{open_connection, start_server, StreamReader, StreamWriter};
///
/// baton::run(async {
///     let server = start_server(|mut r: StreamReader, mut w: StreamWriter| async move {
///         while let Ok(line) = r.readline().await {
///             if line.is_empty() { break; }
///             w.write(&line);
///             if w.drain().await.is_err() { break; }
///         }
///     }, "127.0.0.1:0").await?;
///     let (mut r, mut w) = open_connection(server.local_addr()?).await?;
///     w.write(b"hello\n");
///     w.drain().await?;
///     assert_eq!(r.readline().await?, b"hello\n");
///     w.close().await?;
///     server.close().await;
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
/// As [`TcpListener::bind`].
///
/// # Panics
/// When polled outside a running event loop.
///
/// # Cancel safety
/// Cancel safe: a server not yet returned is closed.
pub fn start_server<H, Fut, A>(handler: H, addr: A) -> StartServer
where
    H: FnMut(StreamReader, StreamWriter) -> Fut + 'static,
    Fut: Future + 'static,
    A: ToSocketAddrs,
{
    ServerOptions::new().start_server(handler, addr)
}

/// Options for [`start_server`] (asyncio's keyword arguments `start_serving` and `limit`).
///
/// # Examples
/// ```
/// use baton::streams::ServerOptions;
///
/// baton::run(async {
///     let server = ServerOptions::new()
///         .start_serving(false) // bound and listening, not yet accepting
///         .limit(1024)          // each connection's StreamReader limit
///         .start_server(|_r, _w| async {}, "127.0.0.1:0")
///         .await?;
///     assert!(!server.is_serving());
///     server.start_serving()?;
///     assert!(server.is_serving());
///     server.close().await;
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ServerOptions {
    start_serving: bool,
    limit: usize,
    reuse_port: bool,
    cleanup_socket: bool,
}

impl Default for ServerOptions {
    fn default() -> ServerOptions {
        ServerOptions {
            start_serving: true,
            limit: DEFAULT_LIMIT,
            reuse_port: false,
            cleanup_socket: true,
        }
    }
}

impl ServerOptions {
    /// asyncio's defaults: serve at once, a 64 KiB reader limit.
    ///
    /// # Examples
    /// See [`ServerOptions`].
    ///
    /// ```
    /// let options = baton::streams::ServerOptions::new();
    /// # drop(options);
    /// ```
    pub fn new() -> ServerOptions {
        ServerOptions::default()
    }

    /// Whether the server accepts connections as soon as it is started (the default), or only
    /// from [`Server::start_serving`] or [`Server::serve_forever`] on (asyncio's
    /// `start_serving`).
    ///
    /// Unlike asyncio, which calls `listen()` only when serving starts, the socket listens
    /// from the start: connections made before wait in the backlog, to be accepted once
    /// serving starts, rather than being refused.
    ///
    /// # Examples
    /// See [`ServerOptions`].
    ///
    /// ```
    /// let options = baton::streams::ServerOptions::new().start_serving(false);
    /// # drop(options);
    /// ```
    pub fn start_serving(mut self, start_serving: bool) -> ServerOptions {
        self.start_serving = start_serving;
        self
    }

    /// Whether the server's socket sets `SO_REUSEPORT` (asyncio's `reuse_port`; off by default):
    /// then several servers — say one per event loop, each on its own thread — can listen on
    /// the same address and port, and the kernel spreads connections across them. Each of them
    /// must set it. See [`TcpListener::bind_reuse_port`].
    ///
    /// # Examples
    /// ```
    /// use baton::streams::ServerOptions;
    ///
    /// baton::run(async {
    ///     let options = ServerOptions::new().reuse_port(true);
    ///     let a = options.start_server(|_r, _w| async {}, "127.0.0.1:0").await?;
    ///     let b = options.start_server(|_r, _w| async {}, a.local_addr()?).await?;
    ///     assert_eq!(a.local_addr()?, b.local_addr()?);
    ///     a.close().await;
    ///     b.close().await;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn reuse_port(mut self, reuse_port: bool) -> ServerOptions {
        self.reuse_port = reuse_port;
        self
    }

    /// Whether a Unix server removes its socket file when it closes (asyncio 3.13's
    /// `cleanup_socket`; on by default): the file goes once the server is closed or dropped and
    /// its loop has let go of the socket, unless another file has replaced it at that path
    /// since. `false` leaves the file, as asyncio before 3.13 did. A TCP server ignores it.
    ///
    /// # Examples
    /// ```
    /// use baton::streams::ServerOptions;
    ///
    /// baton::run(async {
    ///     let path = std::env::temp_dir().join(format!("baton-doc-cs-{}", std::process::id()));
    ///     let kept = ServerOptions::new().cleanup_socket(false);
    ///     let server = kept.start_unix_server(|_r, _w| async {}, &path).await?;
    ///     server.close().await;
    ///     assert!(path.exists(), "left for the caller");
    ///
    ///     // The next server clears the stale file, and by default removes its own at close.
    ///     let server = baton::start_unix_server(|_r, _w| async {}, &path).await?;
    ///     server.close().await;
    ///     assert!(!path.exists());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn cleanup_socket(mut self, cleanup_socket: bool) -> ServerOptions {
        self.cleanup_socket = cleanup_socket;
        self
    }

    /// The limit of each connection's [`StreamReader`] (asyncio's `limit`; 64 KiB by default).
    ///
    /// # Examples
    /// See [`ServerOptions`].
    ///
    /// ```
    /// let options = baton::streams::ServerOptions::new().limit(1 << 20);
    /// # drop(options);
    /// ```
    ///
    /// # Panics
    /// If `limit` is zero.
    pub fn limit(mut self, limit: usize) -> ServerOptions {
        assert!(limit > 0, "a StreamReader's limit must be positive");
        self.limit = limit;
        self
    }

    /// The reader limit each connection gets.
    pub(super) fn reader_limit(&self) -> usize {
        self.limit
    }

    /// Whether a Unix server removes its socket file at close.
    pub(super) fn cleans_up_socket(&self) -> bool {
        self.cleanup_socket
    }

    /// Whether the server serves as soon as it is started.
    pub(super) fn serves_at_start(&self) -> bool {
        self.start_serving
    }

    /// Starts a server with these options, as [`start_server`].
    ///
    /// # Examples
    /// See [`ServerOptions`].
    ///
    /// ```
    /// baton::run(async {
    ///     let server = baton::streams::ServerOptions::new()
    ///         .start_server(|_r, _w| async {}, "127.0.0.1:0")
    ///         .await?;
    ///     assert!(server.is_serving());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`TcpListener::bind`].
    ///
    /// # Panics
    /// When polled outside a running event loop.
    ///
    /// # Cancel safety
    /// Cancel safe: a server not yet returned is closed.
    pub fn start_server<H, Fut, A>(&self, handler: H, addr: A) -> StartServer
    where
        H: FnMut(StreamReader, StreamWriter) -> Fut + 'static,
        Fut: Future + 'static,
        A: ToSocketAddrs,
    {
        let bind = TcpListener::bind_with(addr, DEFAULT_BACKLOG, self.reuse_port);
        let options = self.clone();
        StartServer::new(async move {
            let listener = bind.await?;
            let server = Server::new(listener, handler, options.limit);
            if options.start_serving {
                server.start_serving()?;
            }
            Ok(server)
        })
    }
}
