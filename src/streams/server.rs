//! `open_connection` and `start_server`: asyncio's stream entry points.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::reader::StreamReader;
use super::writer::StreamWriter;
use crate::io::boxed::boxed_future;
use crate::net::{TcpListener, TcpStream, ToSocketAddrs};
use crate::task::Task;

/// How long the accept loop pauses after a resource error such as `EMFILE`.
pub(crate) const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

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
    OpenConnection::new(async move { Ok(streams_of(connect.await?)) })
}

/// Splits a connection into asyncio's reader/writer pair.
fn streams_of(stream: TcpStream) -> (StreamReader, StreamWriter) {
    // Best effort, as asyncio: a failure only costs latency.
    let _ = stream.set_nodelay(true);
    let (rd, wr) = stream.split();
    (StreamReader::new(rd), StreamWriter::new(wr))
}

/// Starts a TCP server on `addr` that runs `handler(reader, writer)` as a task for each
/// connection (asyncio's `start_server`). It is serving when this returns.
///
/// The accept loop survives errors: on a resource shortage such as `EMFILE` (the descriptor
/// table is full) it logs to stderr, pauses 100 ms and accepts again, so it neither
/// dies nor spins.
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
    let bind = TcpListener::bind(addr);
    StartServer::new(async move {
        let listener = bind.await?;
        Ok(Server::serve(listener, handler))
    })
}

/// A running TCP server from [`start_server`] (asyncio's `Server`). Dropping it closes it.
///
/// # Examples
/// See [`start_server`].
///
/// ```
/// baton::run(async {
///     let server = baton::start_server(|_r, _w| async {}, "127.0.0.1:0").await?;
///     assert!(server.is_serving());
///     server.close().await;
///     assert!(!server.is_serving());
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Server {
    local_addr: io::Result<SocketAddr>,
    inner: Rc<Inner>,
}

struct Inner {
    /// The accept loop; dropping it (on close) closes the listening socket.
    accept: RefCell<Option<Task<()>>>,
    closed: Cell<bool>,
    /// Tasks waiting in `serve_forever`.
    waiters: RefCell<Vec<Waker>>,
}

impl Server {
    fn serve<H, Fut>(listener: TcpListener, mut handler: H) -> Server
    where
        H: FnMut(StreamReader, StreamWriter) -> Fut + 'static,
        Fut: Future + 'static,
    {
        let local_addr = listener.local_addr();
        let accept = crate::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((stream, _peer)) => {
                        let (r, w) = streams_of(stream);
                        // Detached: the connection lives as long as its handler.
                        drop(crate::spawn(handler(r, w)));
                    }
                    Err(e) if is_transient(&e) => {}
                    Err(e) => {
                        eprintln!(
                            "baton: start_server: accept failed: {e}; retrying in {ACCEPT_BACKOFF:?}"
                        );
                        crate::sleep(ACCEPT_BACKOFF).await;
                    }
                }
            }
        });
        Server {
            local_addr,
            inner: Rc::new(Inner {
                accept: RefCell::new(Some(accept)),
                closed: Cell::new(false),
                waiters: RefCell::new(Vec::new()),
            }),
        }
    }

    /// The address the server listens on.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let server = baton::start_server(|_r, _w| async {}, "127.0.0.1:0").await?;
    ///     assert_ne!(server.local_addr()?.port(), 0);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As `getsockname(2)`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        match &self.local_addr {
            Ok(addr) => Ok(*addr),
            Err(e) => Err(io::Error::new(e.kind(), e.to_string())),
        }
    }

    /// Whether the server still accepts connections.
    ///
    /// # Examples
    /// See [`Server`].
    ///
    /// ```
    /// baton::run(async {
    ///     let server = baton::start_server(|_r, _w| async {}, "127.0.0.1:0").await?;
    ///     assert!(server.is_serving());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn is_serving(&self) -> bool {
        !self.inner.closed.get()
    }

    /// Waits until the server is closed (asyncio's `serve_forever`; it serves already).
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    ///
    /// baton::run(async {
    ///     let server = std::rc::Rc::new(baton::start_server(|_r, _w| async {}, "127.0.0.1:0").await?);
    ///     let s = server.clone();
    ///     let closer = baton::spawn(async move {
    ///         baton::sleep(Duration::from_millis(10)).await;
    ///         s.close().await;
    ///     });
    ///     server.serve_forever().await; // returns once closed
    ///     closer.await.unwrap();
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Cancel safety
    /// Cancel safe: it only waits.
    pub fn serve_forever(&self) -> ServeForever<'_> {
        ServeForever { server: self }
    }

    /// Stops accepting and closes the listening socket; connections already accepted carry on
    /// (asyncio's `close` then `wait_closed` for the listener).
    ///
    /// # Examples
    /// See [`start_server`].
    ///
    /// ```
    /// baton::run(async {
    ///     let server = baton::start_server(|_r, _w| async {}, "127.0.0.1:0").await?;
    ///     let addr = server.local_addr()?;
    ///     server.close().await;
    ///     assert!(baton::open_connection(addr).await.is_err());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Cancel safety
    /// Cancel safe: the server is closed at the first poll; the listening socket closes when
    /// the loop next runs.
    pub fn close(&self) -> ServerClose<'_> {
        ServerClose {
            server: self,
            started: false,
            accept: None,
        }
    }

    /// Cancels the accept loop (its listener closes when the loop next runs it) and wakes
    /// `serve_forever`; returns the cancelled task, to await its end.
    fn close_now(&self) -> Option<Task<()>> {
        if self.inner.closed.replace(true) {
            return None;
        }
        let accept = self.inner.accept.borrow_mut().take();
        if let Some(task) = &accept {
            task.cancel();
        }
        let waiters = std::mem::take(&mut *self.inner.waiters.borrow_mut());
        for w in waiters {
            w.wake();
        }
        accept
    }
}

/// Accept errors that concern one connection only: accept again at once.
fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    ) || e.raw_os_error() == Some(libc::EPROTO)
}

/// The future returned by [`Server::serve_forever`].
///
/// # Examples
/// See [`Server::serve_forever`].
///
/// ```
/// baton::run(async {
///     let server = baton::start_server(|_r, _w| async {}, "127.0.0.1:0").await?;
///     server.close().await;
///     let forever = server.serve_forever(); // a `ServeForever`
///     forever.await; // closed already: returns at once
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct ServeForever<'a> {
    server: &'a Server,
}

/// The future returned by [`Server::close`].
///
/// # Examples
/// See [`Server::close`].
///
/// ```
/// baton::run(async {
///     let server = baton::start_server(|_r, _w| async {}, "127.0.0.1:0").await?;
///     let close = server.close(); // a `ServerClose`
///     close.await;
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct ServerClose<'a> {
    server: &'a Server,
    started: bool,
    /// The cancelled accept loop, awaited so the listening socket is closed on return.
    accept: Option<Task<()>>,
}

impl Future for ServeForever<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.server.inner.closed.get() {
            return Poll::Ready(());
        }
        self.server
            .inner
            .waiters
            .borrow_mut()
            .push(cx.waker().clone());
        Poll::Pending
    }
}

impl Future for ServerClose<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if !self.started {
            self.started = true;
            self.accept = self.server.close_now();
        }
        if let Some(task) = &mut self.accept {
            if Pin::new(task).poll(cx).is_pending() {
                return Poll::Pending;
            }
            self.accept = None;
        }
        Poll::Ready(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.close_now());
    }
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.local_addr.as_ref().ok())
            .field("serving", &self.is_serving())
            .finish()
    }
}

impl fmt::Debug for ServeForever<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServeForever")
            .field("server", self.server)
            .finish()
    }
}

impl fmt::Debug for ServerClose<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerClose")
            .field("server", self.server)
            .field("started", &self.started)
            .finish()
    }
}
