//! `serve`: an accept loop that runs any tower service (axum's `Router` included) over
//! hyper-util's auto-detecting HTTP/1 + HTTP/2 connection, on baton's executor and timer.

use std::error::Error as StdError;
use std::fmt;
use std::future::{poll_fn, Future, IntoFuture, Pending};
use std::io;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use ::hyper::body::{Body, Incoming};
use ::hyper::{Request, Response};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;

use super::graceful::{Drain, Watch};
use super::listener::Listener;
use crate::debug::{ExceptionKind, IoFailure};
use crate::event_loop::{report_to_running_loop, running_loop_debug, LoopHandle, RuntimeHandle};
use crate::net::hyper_rt::{HyperExecutor, HyperTimer};

type BoxError = Box<dyn StdError + Send + Sync>;

/// How long the accept loop pauses after an error that is not about one connection (such as
/// `EMFILE`: out of descriptors), so it does not spin while the condition lasts.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// How the server's reports name it.
const SERVER: &str = "http::serve";

/// Serves HTTP on `listener` with `service`: every accepted connection speaks HTTP/1.1 or
/// HTTP/2 (detected from its first bytes, so h2c with prior knowledge works), with upgrades
/// (WebSockets) on, `TCP_NODELAY` set, and baton's executor and timer under hyper. Await the
/// returned [`Serve`] to run the server; add
/// [`with_graceful_shutdown`](Serve::with_graceful_shutdown) to stop it cleanly.
///
/// `service` is any tower `Service<Request<hyper::body::Incoming>>` that is `Clone` (one clone
/// per connection, and one per request, as `axum::serve` does): axum's `Router` as is, or a
/// `tower::service_fn`. With the `compat` feature, the service's calls and response futures
/// run inside `baton::compat`'s tokio context, so handlers that call `tokio::spawn` work —
/// axum's `WebSocketUpgrade::on_upgrade` does, so axum WebSockets need that feature. It costs
/// each poll of a response future a switch of tokio's thread-local context (about 1.5% of a
/// hello-world server's CPU); the upgraded connection's task runs on the hidden tokio thread.
///
/// **Faults stay local, and none is lost.** An accept error about one connection
/// (`ECONNABORTED`) is skipped; any other (`EMFILE`: out of descriptors) goes to the running
/// loop's [exception handler](crate::EventLoop::set_exception_handler) as
/// [`ExceptionKind::AcceptFailed`](crate::debug::ExceptionKind::AcceptFailed) (the default
/// handler prints it to stderr), as baton's `start_server` does, and the accept loop pauses
/// 100 ms, then goes on. A connection's error (a reset, a malformed request: answered 400 by
/// hyper) or a handler's panic ends that connection only; in
/// [debug mode](crate::event_loop::Builder::debug) the error goes to the exception handler as
/// [`ExceptionKind::ConnectionFailed`](crate::debug::ExceptionKind::ConnectionFailed), naming
/// the client (asyncio logs a connection's `OSError` only in debug mode). On a `Runtime`, a
/// connection that cannot be moved to its worker is closed and always reported
/// ([`ExceptionKind::HandOverFailed`](crate::debug::ExceptionKind::HandOverFailed)).
///
/// **Many cores.** On a worker of a [`Runtime`](crate::Runtime), the accept loop runs where
/// `serve` is awaited and hands each connection to the worker serving the fewest
/// connections, where it stays (its socket registered with that worker's reactor, its HTTP/2
/// streams spawned there): every worker serves, and no connection's events cross threads. So
/// the service must be `Send` (it is cloned onto other workers); its futures need not be.
/// (Against letting idle workers steal connections, this measured steadier requests/s, and a
/// handler that blocks its worker stalls only that worker's connections.) For
/// a service that is not `Send` (an `Rc` in its state), or to keep everything on the current
/// loop, use [`Serve::local`]; for thread-per-core with one `SO_REUSEPORT` listener per worker,
/// run `serve(listener, service).local()` on each worker with
/// [`RuntimeHandle::run_on_every_worker`] and
/// [`TcpListener::bind_reuse_port`](crate::net::TcpListener::bind_reuse_port).
///
/// # Examples
/// An axum `Router`:
/// ```
/// use axum::{routing::get, Router};
/// use baton::net::TcpListener;
///
/// baton::run(async {
///     let app = Router::new().route("/", get(|| async { "Hello, World!" }));
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     let stop = std::sync::Arc::new(baton::sync::Event::new());
///     let signal = { let stop = stop.clone(); async move { stop.wait().await } };
///     let server = baton::http::serve(listener, app).with_graceful_shutdown(signal);
///     let client = async {
///         let mut stream = baton::net::TcpStream::connect(addr).await?;
///         stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await?;
///         let mut response = String::new();
///         futures_lite::AsyncReadExt::read_to_string(&mut stream, &mut response).await?;
///         assert!(response.starts_with("HTTP/1.1 200 OK"));
///         assert!(response.ends_with("Hello, World!"));
///         stop.set();
///         std::io::Result::Ok(())
///     };
///     let (served, asked) = futures_lite::future::zip(server.into_future(), client).await;
///     served.and(asked)
/// })?;
/// # use std::future::IntoFuture;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn serve<L, S>(listener: L, service: S) -> Serve<L, S>
where
    L: Listener,
{
    Serve {
        listener,
        service,
        signal: std::future::pending(),
    }
}

/// The server [`serve`] returns: await it (it is `IntoFuture`) to run it. It resolves only
/// after [`with_graceful_shutdown`](Serve::with_graceful_shutdown)'s signal, once every
/// connection has finished (`Ok(())`); without one it serves until dropped. Dropping it closes
/// the listener; the connections already accepted carry on.
///
/// # Examples
/// See [`serve`].
///
/// ```
/// use axum::{routing::get, Router};
///
/// baton::run(async {
///     let listener = baton::net::TcpListener::bind("127.0.0.1:0").await?;
///     let app = Router::new().route("/", get(|| async { "hi" }));
///     // Shuts down at once: nothing was in flight.
///     baton::http::serve(listener, app).with_graceful_shutdown(async {}).await
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "a server does nothing unless you .await it"]
pub struct Serve<L, S, G = Pending<()>> {
    listener: L,
    service: S,
    signal: G,
}

/// A server on the current loop only, for a service that need not be `Send`: from
/// [`Serve::local`]. Await it as a [`Serve`].
///
/// # Examples
/// See [`Serve::local`].
///
/// ```
/// use axum::{routing::get, Router};
///
/// baton::run(async {
///     let listener = baton::net::TcpListener::bind("127.0.0.1:0").await?;
///     let app = Router::new().route("/", get(|| async { "hi" }));
///     let served: baton::http::LocalServe<_, _, _> =
///         baton::http::serve(listener, app).local().with_graceful_shutdown(async {});
///     served.await
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "a server does nothing unless you .await it"]
pub struct LocalServe<L, S, G = Pending<()>> {
    inner: Serve<L, S, G>,
}

impl<L, S, G> Serve<L, S, G> {
    /// Stops the server when `signal` resolves (its output is ignored: `ctrl_c()`'s
    /// `io::Result` does): the listener is closed at once (new connections are refused), every
    /// connection is told to shut down gracefully (HTTP/1 closes once the request it is
    /// serving has been answered, HTTP/2 sends `GOAWAY` and finishes its open streams), and
    /// the server resolves once the last connection has ended.
    ///
    /// # Examples
    /// ```
    /// use axum::{routing::get, Router};
    /// use std::time::Duration;
    ///
    /// baton::run(async {
    ///     let listener = baton::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let app = Router::new().route("/", get(|| async { "hi" }));
    ///     // In a program: `.with_graceful_shutdown(baton::signal::ctrl_c())`.
    ///     baton::http::serve(listener, app)
    ///         .with_graceful_shutdown(baton::sleep(Duration::from_millis(10)))
    ///         .await
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn with_graceful_shutdown<F: Future>(self, signal: F) -> Serve<L, S, F> {
        Serve {
            listener: self.listener,
            service: self.service,
            signal,
        }
    }

    /// Serves on the current loop only: connections are spawned as tasks of the loop (or
    /// [`Runtime`](crate::Runtime) worker) running the server, and the service (and shutdown
    /// signal) need not be `Send` — the baton idiom of `Rc` state on one loop. On a `Runtime`,
    /// run one per worker (each with its own `SO_REUSEPORT` listener) for thread-per-core.
    ///
    /// # Examples
    /// A service holding an `Rc`:
    /// ```
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    /// use axum::{extract::Request, body::Body};
    ///
    /// baton::run(async {
    ///     let hits = Rc::new(Cell::new(0));
    ///     let counter = hits.clone();
    ///     let service = tower::service_fn(move |_req: Request<hyper::body::Incoming>| {
    ///         counter.set(counter.get() + 1);
    ///         let body = format!("hit {}", counter.get());
    ///         async move { Ok::<_, std::convert::Infallible>(axum::response::Response::new(Body::from(body))) }
    ///     });
    ///     let listener = baton::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let addr = listener.local_addr()?;
    ///     let stop = Rc::new(baton::sync::Event::new());
    ///     let signal = { let stop = stop.clone(); async move { stop.wait().await } };
    ///     let server = baton::http::serve(listener, service).local().with_graceful_shutdown(signal);
    ///     let client = async {
    ///         let mut stream = baton::net::TcpStream::connect(addr).await?;
    ///         stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await?;
    ///         let mut response = String::new();
    ///         futures_lite::AsyncReadExt::read_to_string(&mut stream, &mut response).await?;
    ///         assert!(response.ends_with("hit 1"));
    ///         stop.set();
    ///         std::io::Result::Ok(())
    ///     };
    ///     let (served, asked) = futures_lite::future::zip(server.into_future(), client).await;
    ///     assert_eq!(hits.get(), 1);
    ///     served.and(asked)
    /// })?;
    /// # use std::future::IntoFuture;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn local(self) -> LocalServe<L, S, G> {
        LocalServe { inner: self }
    }
}

impl<L, S, G> LocalServe<L, S, G> {
    /// As [`Serve::with_graceful_shutdown`]; `signal` need not be `Send`.
    ///
    /// # Examples
    /// ```
    /// use axum::{routing::get, Router};
    ///
    /// baton::run(async {
    ///     let listener = baton::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let app = Router::new().route("/", get(|| async { "hi" }));
    ///     let stop = std::rc::Rc::new(baton::sync::Event::new());
    ///     stop.set();
    ///     baton::http::serve(listener, app).local().with_graceful_shutdown(async move { stop.wait().await }).await
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn with_graceful_shutdown<F: Future>(self, signal: F) -> LocalServe<L, S, F> {
        LocalServe {
            inner: self.inner.with_graceful_shutdown(signal),
        }
    }
}

impl<L, S, G> fmt::Debug for Serve<L, S, G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Serve").finish_non_exhaustive()
    }
}

impl<L, S, G> fmt::Debug for LocalServe<L, S, G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalServe").finish_non_exhaustive()
    }
}

/// The future of an awaited [`Serve`]: `Send`, so `Runtime::block_on` and `spawn_send` take it.
///
/// # Examples
/// ```
/// use axum::{routing::get, Router};
/// use std::future::IntoFuture;
///
/// let rt = baton::Runtime::builder().workers(2).build()?;
/// rt.block_on(async {
///     let listener = baton::net::TcpListener::bind("127.0.0.1:0").await?;
///     let app = Router::new().route("/", get(|| async { "hi" }));
///     let server: baton::http::ServeFuture =
///         baton::http::serve(listener, app).with_graceful_shutdown(async {}).into_future();
///     baton::spawn_send(server).await.unwrap()
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct ServeFuture(Pin<Box<dyn Future<Output = io::Result<()>> + Send>>);

/// The future of an awaited [`LocalServe`] (not `Send`).
///
/// # Examples
/// ```
/// use axum::{routing::get, Router};
/// use std::future::IntoFuture;
///
/// baton::run(async {
///     let listener = baton::net::TcpListener::bind("127.0.0.1:0").await?;
///     let app = Router::new().route("/", get(|| async { "hi" }));
///     let server: baton::http::LocalServeFuture =
///         baton::http::serve(listener, app).local().with_graceful_shutdown(async {}).into_future();
///     server.await
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct LocalServeFuture(Pin<Box<dyn Future<Output = io::Result<()>>>>);

impl Future for ServeFuture {
    type Output = io::Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.as_mut().poll(cx)
    }
}

impl Future for LocalServeFuture {
    type Output = io::Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.as_mut().poll(cx)
    }
}

impl fmt::Debug for ServeFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServeFuture").finish_non_exhaustive()
    }
}

impl fmt::Debug for LocalServeFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalServeFuture").finish_non_exhaustive()
    }
}

impl<L, S, B, G> IntoFuture for Serve<L, S, G>
where
    L: Listener,
    S: tower::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: 'static,
    S::Error: Into<BoxError>,
    B: Body + 'static,
    B::Error: Into<BoxError>,
    G: Future + Send + 'static,
{
    type Output = io::Result<()>;
    type IntoFuture = ServeFuture;

    fn into_future(self) -> ServeFuture {
        let Serve {
            listener,
            service,
            signal,
        } = self;
        prepare_service_context();
        let spread = match RuntimeHandle::try_current() {
            Some(runtime) if runtime.workers() > 1 => Some(Spread::new(&runtime)),
            _ => None,
        };
        ServeFuture(Box::pin(accept_loop(
            listener,
            signal,
            move |io: L::Io, peer: L::Peer, watch: Watch| match &spread {
                None => {
                    let peer = move || L::describe_peer(&peer);
                    drop(crate::task::spawn(connection(
                        io,
                        peer,
                        service.clone(),
                        watch,
                    )));
                }
                Some(spread) => spread.hand_over::<L, _, _>(io, peer, service.clone(), watch),
            },
        )))
    }
}

impl<L, S, B, G> IntoFuture for LocalServe<L, S, G>
where
    L: Listener,
    S: tower::Service<Request<Incoming>, Response = Response<B>> + Clone + 'static,
    S::Future: 'static,
    S::Error: Into<BoxError>,
    B: Body + 'static,
    B::Error: Into<BoxError>,
    G: Future + 'static,
{
    type Output = io::Result<()>;
    type IntoFuture = LocalServeFuture;

    fn into_future(self) -> LocalServeFuture {
        let Serve {
            listener,
            service,
            signal,
        } = self.inner;
        prepare_service_context();
        LocalServeFuture(Box::pin(accept_loop(
            listener,
            signal,
            move |io: L::Io, peer: L::Peer, watch: Watch| {
                let peer = move || L::describe_peer(&peer);
                drop(crate::task::spawn(connection(
                    io,
                    peer,
                    service.clone(),
                    watch,
                )));
            },
        )))
    }
}

/// What the accept loop waits for.
enum Next<T, P> {
    Connection(io::Result<(T, P)>),
    Shutdown,
}

/// Accepts connections, handing each to `start` with its hold on the drain, until `signal`;
/// then closes the listener, tells every connection to finish, and waits for them.
async fn accept_loop<L: Listener, G: Future>(
    listener: L,
    signal: G,
    start: impl Fn(L::Io, L::Peer, Watch),
) -> io::Result<()> {
    let drain = Arc::new(Drain::default());
    let mut signal = pin!(signal);
    loop {
        let mut accept = pin!(listener.accept_io());
        let next = poll_fn(|cx| {
            if signal.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Next::Shutdown);
            }
            accept.as_mut().poll(cx).map(Next::Connection)
        })
        .await;
        match next {
            Next::Connection(Ok((io, peer))) => start(io, peer, drain.watch()),
            Next::Connection(Err(e)) if concerns_one_connection(&e) => {}
            Next::Connection(Err(e)) => {
                // Out of descriptors or memory: always reported, as asyncio does.
                report_to_running_loop(ExceptionKind::AcceptFailed {
                    server: SERVER,
                    error: IoFailure::from(&e),
                    retry_in: ACCEPT_BACKOFF,
                });
                let mut pause = pin!(crate::time::sleep(ACCEPT_BACKOFF));
                let stop = poll_fn(|cx| {
                    if signal.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(true);
                    }
                    pause.as_mut().poll(cx).map(|()| false)
                })
                .await;
                if stop {
                    break;
                }
            }
            Next::Shutdown => break,
        }
    }
    // New connections are refused from here on.
    drop(listener);
    drain.begin();
    poll_fn(|cx| drain.poll_drained(cx)).await;
    Ok(())
}

/// Accept errors about one connection only (it was reset or aborted before we took it):
/// accept the next one at once.
fn concerns_one_connection(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    ) || e.raw_os_error() == Some(libc::EPROTO)
}

/// The user's service as the connection runs it: the one place it is wrapped. With the
/// `compat` feature its calls and response futures run inside `crate::compat`'s tokio
/// context, so a handler may call `tokio::spawn` (axum's `WebSocketUpgrade::on_upgrade` does):
/// that costs each poll of a response future a look at tokio's thread-local context.
fn hyper_service<S>(service: S) -> TowerToHyperService<Wrapped<S>> {
    #[cfg(feature = "compat")]
    let service = crate::compat::TokioContext::new(service);
    TowerToHyperService::new(service)
}

/// Starts what [`hyper_service`]'s wrapping needs before the first request: with `compat`, the
/// hidden tokio runtime (a thread, and descriptors that a server out of them could not get
/// later), so a failure shows when the server starts and no request waits for it.
fn prepare_service_context() {
    #[cfg(feature = "compat")]
    let _ = crate::compat::handle();
}

#[cfg(feature = "compat")]
type Wrapped<S> = crate::compat::TokioContext<S>;
#[cfg(not(feature = "compat"))]
type Wrapped<S> = S;

/// hyper-util's auto-detecting builder on baton's executor and timer.
fn builder() -> Builder<HyperExecutor> {
    let mut builder = Builder::new(HyperExecutor);
    builder.http1().timer(HyperTimer);
    // axum's WebSockets over HTTP/2 (RFC 8441) need the extended CONNECT.
    builder.http2().timer(HyperTimer).enable_connect_protocol();
    builder
}

/// Serves one connection to its end, shutting it down gracefully when the drain says so. In
/// debug mode, a connection that ends in an error is reported, naming the client (`peer`).
async fn connection<I, S, B>(
    io: I,
    peer: impl FnOnce() -> Option<String>,
    service: S,
    mut watch: Watch,
) where
    I: ::hyper::rt::Read + ::hyper::rt::Write + Unpin + Send + 'static,
    S: tower::Service<Request<Incoming>, Response = Response<B>> + Clone + 'static,
    S::Future: 'static,
    S::Error: Into<BoxError>,
    B: Body + 'static,
    B::Error: Into<BoxError>,
{
    let result = {
        let builder = builder();
        let mut conn = pin!(builder.serve_connection_with_upgrades(io, hyper_service(service)));
        poll_fn(|cx| {
            if watch.poll_shutdown(cx) {
                conn.as_mut().graceful_shutdown();
            }
            conn.as_mut().poll(cx)
        })
        .await
    };
    // The connection is closed: only now may a draining server finish.
    drop(watch);
    // A client's doing (a reset, a malformed request hyper answered with 400), and a public
    // server sees many: reported in debug mode only, as asyncio logs a connection's OSError.
    if let Err(e) = result {
        if running_loop_debug() {
            report_to_running_loop(ExceptionKind::ConnectionFailed {
                server: SERVER,
                stage: "HTTP connection",
                peer: peer(),
                error: connection_failure(&*e),
            });
        }
    }
}

/// A connection's error as a report carries it: hyper's own errors, which carry no
/// `io::Error`, get the kind that says what happened (a malformed request is `InvalidData`).
fn connection_failure(error: &(dyn StdError + Send + Sync + 'static)) -> IoFailure {
    let mut failure = IoFailure::from_error(error);
    if failure.kind == io::ErrorKind::Other {
        if let Some(hyper) = error.downcast_ref::<::hyper::Error>() {
            if hyper.is_parse() || hyper.is_parse_status() || hyper.is_parse_too_large() {
                failure.kind = io::ErrorKind::InvalidData;
            } else if hyper.is_timeout() {
                failure.kind = io::ErrorKind::TimedOut;
            } else if hyper.is_incomplete_message() {
                failure.kind = io::ErrorKind::UnexpectedEof;
            }
        }
    }
    failure
}

/// Hands connections to the worker of a `Runtime` serving the fewest.
///
/// Why not `spawn_send` from the accept loop, letting idle workers steal connections? Measured
/// with `APP=axum WORKERS=2 scripts/bench-http.sh` (wrk on the same two cores), stealing gave a
/// lower p99 (a preempted worker's ready connections move) but less steady requests/s, and it
/// leaves every socket registered with the accepting worker's reactor: a handler blocking that
/// worker stalls every connection's I/O, and at many cores one reactor feeds them all. Spread
/// over the workers, each connection's events come from its own worker's reactor. Stealing
/// on top of the spread (`spawn_send` on the chosen worker) measured no better than either.
struct Spread {
    workers: Vec<LoopHandle>,
    load: Arc<[AtomicUsize]>,
    /// Where the search for the least loaded worker starts, so ties take turns.
    next: AtomicUsize,
}

impl Spread {
    fn new(runtime: &RuntimeHandle) -> Spread {
        let workers: Vec<_> = (0..runtime.workers()).map(|i| runtime.worker(i)).collect();
        let load = workers.iter().map(|_| AtomicUsize::new(0)).collect();
        Spread {
            workers,
            load,
            next: AtomicUsize::new(0),
        }
    }

    /// The worker serving the fewest connections.
    fn pick(&self) -> usize {
        let n = self.workers.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed) % n;
        (0..n)
            .map(|i| (start + i) % n)
            .min_by_key(|&i| self.load[i].load(Ordering::Relaxed))
            .unwrap_or(0)
    }

    /// Moves the connection to the least loaded worker's loop and serves it there, as a task
    /// of that loop (so its future need not be `Send`); on the accepting worker it stays
    /// registered where it is.
    fn hand_over<L, S, B>(&self, io: L::Io, peer: L::Peer, service: S, watch: Watch)
    where
        L: Listener,
        S: tower::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
        S::Future: 'static,
        S::Error: Into<BoxError>,
        B: Body + 'static,
        B::Error: Into<BoxError>,
    {
        let worker = self.pick();
        let seat = Seat::take(&self.load, worker);
        if self.workers[worker].is_current() {
            // The accepting worker itself: the socket is registered here already.
            drop(crate::task::spawn(async move {
                let _seat = seat;
                connection(io, move || L::describe_peer(&peer), service, watch).await;
            }));
            return;
        }
        let detached = L::detach(io);
        // A `Send` trampoline: it runs on the worker and spawns the connection there.
        drop(self.workers[worker].spawn(async move {
            match L::attach(detached) {
                Ok(io) => drop(crate::task::spawn(async move {
                    let _seat = seat;
                    connection(io, move || L::describe_peer(&peer), service, watch).await;
                })),
                // The server's doing, not the client's (out of memory or descriptors): always
                // reported, as a failed accept is.
                Err(e) => report_to_running_loop(ExceptionKind::HandOverFailed {
                    server: SERVER,
                    peer: L::describe_peer(&peer),
                    worker,
                    error: IoFailure::from(&e),
                }),
            }
        }));
    }
}

/// A connection counted in its worker's load while it lives.
struct Seat {
    load: Arc<[AtomicUsize]>,
    worker: usize,
}

impl Seat {
    fn take(load: &Arc<[AtomicUsize]>, worker: usize) -> Seat {
        load[worker].fetch_add(1, Ordering::Relaxed);
        Seat {
            load: load.clone(),
            worker,
        }
    }
}

impl Drop for Seat {
    fn drop(&mut self) {
        self.load[self.worker].fetch_sub(1, Ordering::Relaxed);
    }
}
