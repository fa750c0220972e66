//! `Server`: a listening socket, its accept loop, and the connections it accepted.
//!
//! # Connections
//!
//! The server keeps every open connection in a slab (asyncio 3.12's `Server._clients`): the
//! connection's writer, so `close_clients`/`abort_clients` can reach it from outside its
//! handler. Each connection runs as one task: the handler, then a wait until the writer has
//! sent its last bytes. A guard owned by that task removes the connection from the slab when
//! the task's future is dropped — finished, panicked or cancelled alike — and wakes
//! `wait_closed` once the server is closed and the slab empty.
//!
//! # Threads
//!
//! A `Server` is `Send + Sync`: its state is one `Mutex` (`crate::util`'s) shared (`Arc`) with
//! the accept loop and the connections' guards, and holds nothing of the user's. The accept
//! loop, which owns the listener and the handler (maybe `!Send`), is a task spawned on the loop
//! that started the server, at once: until serving starts it waits at a gate, so connections
//! wait in the backlog. Handlers run on that loop too, whichever thread calls the server's
//! methods. No lock is held while a waker is woken or dropped, or a task cancelled.

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use slab::Slab;

use super::listen::Listen;
use super::reader::StreamReader;
use super::writer::{HeldWriter, StreamWriter};
use crate::debug::{ExceptionKind, IoFailure};
use crate::net::TcpStream;
use crate::task::Task;
use crate::util::Mutex;

#[cfg(doc)]
use super::open::{start_server, ServerOptions};

/// How long the accept loop pauses after a resource error such as `EMFILE`.
pub(crate) const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Splits a connection into asyncio's reader/writer pair.
pub(super) fn streams_of(stream: TcpStream, limit: usize) -> (StreamReader, StreamWriter) {
    // Best effort, as asyncio: a failure only costs latency.
    let _ = stream.set_nodelay(true);
    let (rd, wr) = stream.split();
    (StreamReader::with_limit(rd, limit), StreamWriter::new(wr))
}

/// A TCP server from [`start_server`] (asyncio's `Server`), or, as
/// `Server<std::os::unix::net::SocketAddr>` ([`UnixServer`](super::UnixServer)), a Unix one
/// from [`start_unix_server`](super::start_unix_server); `A` is the address type. Dropping it
/// closes it; the connections it accepted carry on.
///
/// `Send + Sync`: any thread may start, close or await it, while its accept loop and the
/// handlers run on the loop that started it (the handler need not be `Send`).
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
///     server.wait_closed().await; // closed, and no connection open
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Server<A = SocketAddr> {
    local_addr: io::Result<A>,
    inner: Arc<Mutex<Inner>>,
}

/// Where a server is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Listening; the accept loop is built but not spawned (`start_serving(false)`).
    NotServing,
    Serving,
    Closed,
}

struct Inner {
    phase: Phase,
    /// The accept loop's task, spawned with the server; `None` once closed.
    accept: Option<Task<()>>,
    /// The accept loop waiting for serving to start (or the server to close first).
    gate: Option<Waker>,
    /// The writer of every open connection.
    connections: Slab<Arc<dyn HeldWriter>>,
    /// `serve_forever` callers, woken when the server closes.
    serve_waiters: Vec<Waker>,
    /// `wait_closed` callers, woken when the server is closed and every connection done.
    closed_waiters: Vec<Waker>,
}

impl Inner {
    fn take_closed_waiters_if_done(&mut self) -> Vec<Waker> {
        if self.phase == Phase::Closed && self.connections.is_empty() {
            std::mem::take(&mut self.closed_waiters)
        } else {
            Vec::new()
        }
    }
}

/// Owned by a connection's task: removes the connection from the server when dropped.
struct ConnectionGuard {
    server: Weak<Mutex<Inner>>,
    key: usize,
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        let Some(inner) = self.server.upgrade() else {
            return;
        };
        let (removed, waiters) = {
            let mut st = inner.lock();
            let removed = st.connections.try_remove(self.key);
            (removed, st.take_closed_waiters_if_done())
        };
        drop(inner);
        // The writer's last handle may go here, with wakers in it: after the lock.
        drop(removed);
        wake_all(waiters);
    }
}

fn wake_all(waiters: Vec<Waker>) {
    for w in waiters {
        w.wake();
    }
}

/// Adds `waker` to `list` unless it is there already (a clone under the lock is allowed: it
/// changes nothing if it panics).
fn register(list: &mut Vec<Waker>, waker: &Waker) {
    if !list.iter().any(|w| w.will_wake(waker)) {
        list.push(waker.clone());
    }
}

/// Waits until serving starts (`true`) or the server is closed or gone first (`false`).
async fn serving_starts(server: &Weak<Mutex<Inner>>) -> bool {
    std::future::poll_fn(|cx| {
        let Some(inner) = server.upgrade() else {
            return Poll::Ready(false);
        };
        let mut st = inner.lock();
        let (ready, old) = match st.phase {
            Phase::Serving => (Poll::Ready(true), None),
            Phase::Closed => (Poll::Ready(false), None),
            Phase::NotServing => match &st.gate {
                Some(w) if w.will_wake(cx.waker()) => (Poll::Pending, None),
                _ => (Poll::Pending, st.gate.replace(cx.waker().clone())),
            },
        };
        drop(st);
        drop(old);
        ready
    })
    .await
}

impl<A> Server<A> {
    /// A server over a listening socket, with its accept loop built but not yet running.
    pub(super) fn new<L, H, Fut>(listener: L, mut handler: H, limit: usize) -> Server<A>
    where
        L: Listen<Addr = A>,
        H: FnMut(StreamReader, StreamWriter<L::Transport>) -> Fut + 'static,
        Fut: Future + 'static,
    {
        let local_addr = listener.local_addr();
        let inner = Arc::new(Mutex::new(Inner {
            phase: Phase::NotServing,
            accept: None,
            gate: None,
            connections: Slab::new(),
            serve_waiters: Vec::new(),
            closed_waiters: Vec::new(),
        }));
        let server = Arc::downgrade(&inner);
        let accept_loop = async move {
            if !serving_starts(&server).await {
                return;
            }
            loop {
                match listener.accept_streams(limit).await {
                    Ok((r, w)) => {
                        let writer = w.handle();
                        // User code: its panic must not end the accept loop.
                        let Ok(handling) = catch_unwind(AssertUnwindSafe(|| handler(r, w))) else {
                            continue;
                        };
                        let Some(inner) = server.upgrade() else {
                            return; // the server is gone: this loop is being cancelled
                        };
                        let held: Arc<dyn HeldWriter> = Arc::new(writer.clone());
                        let key = inner.lock().connections.insert(held);
                        drop(inner);
                        let guard = ConnectionGuard {
                            server: server.clone(),
                            key,
                        };
                        // Detached: the connection lives as long as its handler and flush.
                        drop(crate::task::spawn(async move {
                            let _guard = guard;
                            handling.await;
                            std::future::poll_fn(|cx| writer.poll_finished(cx)).await;
                        }));
                    }
                    Err(e) if is_transient(&e) => {}
                    Err(e) => {
                        // Out of descriptors or memory: always reported, as asyncio does.
                        crate::event_loop::report_to_running_loop(ExceptionKind::AcceptFailed {
                            server: L::API,
                            error: IoFailure::from(&e),
                            retry_in: ACCEPT_BACKOFF,
                        });
                        crate::time::sleep(ACCEPT_BACKOFF).await;
                    }
                }
            }
        };
        // Spawned now, on the loop starting the server: it owns the listener and the handler.
        let task = crate::task::spawn(accept_loop);
        inner.lock().accept = Some(task);
        Server { local_addr, inner }
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
    pub fn local_addr(&self) -> io::Result<A>
    where
        A: Clone,
    {
        match &self.local_addr {
            Ok(addr) => Ok(addr.clone()),
            Err(e) => Err(io::Error::new(e.kind(), e.to_string())),
        }
    }

    /// The addresses of the listening sockets; empty once the server is closed (asyncio's
    /// `Server.sockets`). A baton server listens on one socket.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let server = baton::start_server(|_r, _w| async {}, "127.0.0.1:0").await?;
    ///     assert_eq!(server.sockets(), [server.local_addr()?]);
    ///     server.close().await;
    ///     assert!(server.sockets().is_empty());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn sockets(&self) -> Vec<A>
    where
        A: Clone,
    {
        match (&self.local_addr, self.inner.lock().phase) {
            (_, Phase::Closed) | (Err(_), _) => Vec::new(),
            (Ok(addr), _) => vec![addr.clone()],
        }
    }

    /// Whether the server accepts connections: serving has started and it is not closed
    /// (asyncio's `is_serving`).
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
        self.inner.lock().phase == Phase::Serving
    }

    /// Starts accepting connections (asyncio's `start_serving`), for a server started with
    /// [`ServerOptions::start_serving(false)`](ServerOptions::start_serving). Does nothing if
    /// it serves already.
    ///
    /// # Examples
    /// See [`ServerOptions`].
    ///
    /// ```
    /// baton::run(async {
    ///     let server = baton::start_server(|_r, _w| async {}, "127.0.0.1:0").await?;
    ///     server.start_serving()?; // serving already: nothing to do
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// When the server is closed.
    pub fn start_serving(&self) -> io::Result<()> {
        let mut st = self.inner.lock();
        match st.phase {
            Phase::Serving => Ok(()),
            Phase::Closed => Err(io::Error::other(
                "Server::start_serving on a closed server: start a new one",
            )),
            Phase::NotServing => {
                st.phase = Phase::Serving;
                let gate = st.gate.take();
                drop(st);
                // The accept loop (on the server's loop) starts accepting.
                if let Some(gate) = gate {
                    gate.wake();
                }
                Ok(())
            }
        }
    }

    /// Serves until the server is closed (asyncio's `serve_forever`), starting to serve first
    /// if it was not yet.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    ///
    /// baton::run(async {
    ///     let server = std::rc::Rc::new(
    ///         baton::streams::ServerOptions::new()
    ///             .start_serving(false)
    ///             .start_server(|_r, _w| async {}, "127.0.0.1:0")
    ///             .await?,
    ///     );
    ///     let s = server.clone();
    ///     let closer = baton::spawn(async move {
    ///         baton::sleep(Duration::from_millis(10)).await;
    ///         assert!(s.is_serving()); // serve_forever started it
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
    /// Cancel safe: it only waits (the server keeps serving).
    pub fn serve_forever(&self) -> ServeForever<'_, A> {
        ServeForever { server: self }
    }

    /// Stops accepting and closes the listening socket; connections already accepted carry on
    /// (asyncio's `close`; the returned future also waits for the listening socket to close).
    /// To wait for the connections too, follow with [`wait_closed`](Server::wait_closed).
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
    pub fn close(&self) -> ServerClose<'_, A> {
        ServerClose {
            server: self,
            started: false,
            accept: None,
        }
    }

    /// Waits until the server is closed **and** every connection it accepted has finished:
    /// its handler returned (or panicked) and its writer sent its last bytes (asyncio 3.12's
    /// `wait_closed`). It does not close anything: call [`close`](Server::close) first, and
    /// [`close_clients`](Server::close_clients) or [`abort_clients`](Server::abort_clients)
    /// not to wait for handlers to end by themselves.
    ///
    /// # Examples
    /// ```
    /// use baton::{StreamReader, StreamWriter};
    ///
    /// baton::run(async {
    ///     let server = baton::start_server(|mut r: StreamReader, mut w: StreamWriter| async move {
    ///         let line = r.readline().await.unwrap_or_default();
    ///         w.write(&line);
    ///         let _ = w.close().await;
    ///     }, "127.0.0.1:0").await?;
    ///     let (mut r, mut w) = baton::open_connection(server.local_addr()?).await?;
    ///     server.close().await; // no new connections; this one carries on
    ///     w.write(b"still served\n");
    ///     assert_eq!(r.readline().await?, b"still served\n");
    ///     server.wait_closed().await; // the handler has finished
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Cancel safety
    /// Cancel safe: it only waits.
    pub fn wait_closed(&self) -> ServerWaitClosed<'_, A> {
        ServerWaitClosed { server: self }
    }

    /// Closes every open connection gracefully: each writer flushes its buffer, then the
    /// connection is shut down, so the handler's reads see EOF and its later `drain` fails
    /// (asyncio 3.13's `close_clients`). The server itself keeps serving unless closed.
    ///
    /// # Examples
    /// ```
    /// use baton::{StreamReader, StreamWriter};
    ///
    /// baton::run(async {
    ///     let server = baton::start_server(|mut r: StreamReader, mut w: StreamWriter| async move {
    ///         w.write(b"hello\n");
    ///         while !r.readline().await.unwrap_or_default().is_empty() {} // until EOF
    ///     }, "127.0.0.1:0").await?;
    ///     let (mut r, _w) = baton::open_connection(server.local_addr()?).await?;
    ///     assert_eq!(r.readline().await?, b"hello\n");
    ///     server.close().await;
    ///     server.close_clients();
    ///     server.wait_closed().await;
    ///     assert_eq!(r.readline().await?, b""); // the server's side is shut down
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn close_clients(&self) {
        for writer in self.connection_writers() {
            writer.close();
        }
    }

    /// Closes every open connection at once, dropping the bytes its writer still buffers; the
    /// handler's reads see EOF and its writer's `drain`/`close` fail with `ConnectionAborted`
    /// (asyncio 3.13's `abort_clients`).
    ///
    /// # Examples
    /// ```
    /// use baton::{StreamReader, StreamWriter};
    ///
    /// baton::run(async {
    ///     let server = baton::start_server(|mut r: StreamReader, mut w: StreamWriter| async move {
    ///         w.write(&vec![0; 16 << 20]); // more than the client will ever read
    ///         let aborted = w.drain().await;
    ///         assert_eq!(aborted.unwrap_err().kind(), std::io::ErrorKind::ConnectionAborted);
    ///         let _ = r.read_to_end().await;
    ///     }, "127.0.0.1:0").await?;
    ///     let (mut r, _w) = baton::open_connection(server.local_addr()?).await?;
    ///     assert_eq!(r.readexactly(1).await?, [0]); // the handler is writing
    ///     server.close().await;
    ///     server.abort_clients();
    ///     server.wait_closed().await; // no wait for the client to read 16 MiB
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn abort_clients(&self) {
        for writer in self.connection_writers() {
            writer.abort();
        }
    }

    /// The open connections' writers, copied out so no borrow is held while they are closed.
    fn connection_writers(&self) -> Vec<Arc<dyn HeldWriter>> {
        let st = self.inner.lock();
        st.connections.iter().map(|(_, w)| w.clone()).collect()
    }

    /// Closes the server: cancels the accept loop, serving or still at its gate (its listener
    /// and handler are dropped when its loop next runs it), and wakes `serve_forever` (and `wait_closed` if no
    /// connection is open); returns the cancelled task, to await its end.
    fn close_now(&self) -> Option<Task<()>> {
        let (accept, gate, waiters) = {
            let mut st = self.inner.lock();
            if st.phase == Phase::Closed {
                return None;
            }
            st.phase = Phase::Closed;
            let mut waiters = std::mem::take(&mut st.serve_waiters);
            waiters.extend(st.take_closed_waiters_if_done());
            (st.accept.take(), st.gate.take(), waiters)
        };
        // After the lock: the accept loop (which owns the listener and the handler) is
        // cancelled, so its loop drops it, whether it ever served or not.
        if let Some(task) = &accept {
            task.cancel();
        }
        drop(gate);
        wake_all(waiters);
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
///
/// # Cancel safety
/// As [`Server::serve_forever`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct ServeForever<'a, A = SocketAddr> {
    server: &'a Server<A>,
}

/// The future returned by [`Server::wait_closed`].
///
/// # Examples
/// See [`Server::wait_closed`].
///
/// ```
/// baton::run(async {
///     let server = baton::start_server(|_r, _w| async {}, "127.0.0.1:0").await?;
///     server.close().await;
///     let closed = server.wait_closed(); // a `ServerWaitClosed`
///     closed.await;
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Cancel safety
/// As [`Server::wait_closed`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct ServerWaitClosed<'a, A = SocketAddr> {
    server: &'a Server<A>,
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
///
/// # Cancel safety
/// As [`Server::close`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct ServerClose<'a, A = SocketAddr> {
    server: &'a Server<A>,
    started: bool,
    /// The cancelled accept loop, awaited so the listening socket is closed on return.
    accept: Option<Task<()>>,
}

impl<A> Future for ServeForever<'_, A> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // Cannot fail but on a closed server, which is then done serving.
        let _ = self.server.start_serving();
        let mut st = self.server.inner.lock();
        if st.phase == Phase::Closed {
            return Poll::Ready(());
        }
        register(&mut st.serve_waiters, cx.waker());
        Poll::Pending
    }
}

impl<A> Future for ServerWaitClosed<'_, A> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut st = self.server.inner.lock();
        if st.phase == Phase::Closed && st.connections.is_empty() {
            return Poll::Ready(());
        }
        register(&mut st.closed_waiters, cx.waker());
        Poll::Pending
    }
}

impl<A> Future for ServerClose<'_, A> {
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

impl<A> Drop for Server<A> {
    fn drop(&mut self) {
        drop(self.close_now());
    }
}

impl<A: fmt::Debug> fmt::Debug for Server<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (phase, connections) = {
            let st = self.inner.lock();
            (st.phase, st.connections.len())
        };
        f.debug_struct("Server")
            .field("local_addr", &self.local_addr.as_ref().ok())
            .field("phase", &phase)
            .field("connections", &connections)
            .finish()
    }
}

impl<A: fmt::Debug> fmt::Debug for ServeForever<'_, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServeForever")
            .field("server", self.server)
            .finish()
    }
}

impl<A: fmt::Debug> fmt::Debug for ServerClose<'_, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerClose")
            .field("server", self.server)
            .field("started", &self.started)
            .finish()
    }
}

impl<A: fmt::Debug> fmt::Debug for ServerWaitClosed<'_, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerWaitClosed")
            .field("server", self.server)
            .finish()
    }
}
