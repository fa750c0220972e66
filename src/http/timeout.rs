//! `TimeoutLayer` / `Timeout`: tower's timeout middleware on baton's timers. tower's own
//! (`tower::timeout`) sleeps with `tokio::time`, which panics outside a tokio runtime.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tower::{BoxError, Layer, Service};

use crate::time::{TimeoutError, WaitFor};

/// A tower [`Layer`] that fails each request not answered within a duration: wraps a service
/// in [`Timeout`]. It behaves as `tower::timeout::TimeoutLayer`, on baton's timers (and its
/// clock: a paused clock pauses it too).
///
/// **tower's own `TimeoutLayer` panics on baton** ("there is no reactor running, must be
/// called from the context of a Tokio 1.x runtime") when a request arrives: it sleeps with
/// `tokio::time`. Use this one instead, for clients (around hyper-util's `Client`) and servers
/// (in an axum `Router`, under `HandleErrorLayer` to turn [`Elapsed`] into `408`).
///
/// # Examples
/// An axum route that takes too long answers `408 Request Timeout`:
/// ```
/// use axum::{error_handling::HandleErrorLayer, http::StatusCode, routing::get, Router};
/// use baton::http::TimeoutLayer;
/// use std::time::Duration;
/// use tower::{ServiceBuilder, ServiceExt};
///
/// let app = Router::new()
///     .route("/slow", get(|| async { baton::sleep(Duration::from_secs(60)).await; "done" }))
///     .layer(
///         ServiceBuilder::new()
///             .layer(HandleErrorLayer::new(|_: tower::BoxError| async { StatusCode::REQUEST_TIMEOUT }))
///             .layer(TimeoutLayer::new(Duration::from_secs(1))),
///     );
/// let mut lp = baton::EventLoop::builder().paused_clock().build()?;
/// let req = axum::http::Request::get("/slow").body(axum::body::Body::empty()).unwrap();
/// let res = lp.run_until_complete(app.oneshot(req)).unwrap();
/// assert_eq!(res.status(), StatusCode::REQUEST_TIMEOUT);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct TimeoutLayer {
    duration: Duration,
}

impl TimeoutLayer {
    /// A layer whose services fail requests after `duration`.
    ///
    /// # Examples
    /// ```
    /// use tower::Layer;
    ///
    /// let layer = baton::http::TimeoutLayer::new(std::time::Duration::from_secs(5));
    /// let service = layer.layer(tower::service_fn(|x: u32| async move { Ok::<_, std::io::Error>(x) }));
    /// # drop(service);
    /// ```
    pub fn new(duration: Duration) -> TimeoutLayer {
        TimeoutLayer { duration }
    }
}

impl<S> Layer<S> for TimeoutLayer {
    type Service = Timeout<S>;

    fn layer(&self, inner: S) -> Timeout<S> {
        Timeout::new(inner, self.duration)
    }
}

/// A service whose responses fail with [`Elapsed`] (boxed, as tower's `BoxError`) when the
/// inner service has not answered within the duration, counted from the response future's
/// first poll. The inner service's own errors are boxed too.
///
/// # Examples
/// A client request that outlives its timeout:
/// ```
/// use baton::http::{Elapsed, Timeout};
/// use std::time::Duration;
/// use tower::ServiceExt;
///
/// let slow = tower::service_fn(|_: ()| async {
///     baton::sleep(Duration::from_secs(10)).await;
///     Ok::<_, std::io::Error>("late")
/// });
/// let mut lp = baton::EventLoop::builder().paused_clock().build()?;
/// let err = lp
///     .run_until_complete(Timeout::new(slow, Duration::from_secs(1)).oneshot(()))
///     .unwrap_err();
/// assert!(err.is::<Elapsed>());
/// assert_eq!(err.to_string(), "request timed out");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Timeout<S> {
    inner: S,
    duration: Duration,
}

impl<S> Timeout<S> {
    /// Wraps `inner`: its responses fail after `duration`.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    /// use tower::ServiceExt;
    ///
    /// let quick = tower::service_fn(|x: u32| async move { Ok::<_, std::io::Error>(x * 2) });
    /// let service = baton::http::Timeout::new(quick, Duration::from_secs(1));
    /// assert_eq!(baton::run(service.oneshot(21)).unwrap(), 42);
    /// ```
    pub fn new(inner: S, duration: Duration) -> Timeout<S> {
        Timeout { inner, duration }
    }

    /// The wrapped service.
    ///
    /// # Examples
    /// ```
    /// let t = baton::http::Timeout::new(7u8, std::time::Duration::from_secs(1));
    /// assert_eq!(*t.get_ref(), 7);
    /// ```
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The wrapped service, mutably.
    ///
    /// # Examples
    /// ```
    /// let mut t = baton::http::Timeout::new(7u8, std::time::Duration::from_secs(1));
    /// *t.get_mut() = 8;
    /// assert_eq!(t.into_inner(), 8);
    /// ```
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the service.
    ///
    /// # Examples
    /// ```
    /// let t = baton::http::Timeout::new(7u8, std::time::Duration::from_secs(1));
    /// assert_eq!(t.into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, R> Service<R> for Timeout<S>
where
    S: Service<R>,
    S::Error: Into<BoxError>,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = TimeoutFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: R) -> TimeoutFuture<S::Future> {
        TimeoutFuture {
            inner: crate::time::wait_for(self.duration, self.inner.call(request)),
        }
    }
}

/// The response future of [`Timeout`]: the inner service's, or [`Elapsed`] once the duration
/// has passed.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use tower::Service;
///
/// let mut service = baton::http::Timeout::new(
///     tower::service_fn(|x: u32| async move { Ok::<_, std::io::Error>(x) }),
///     Duration::from_secs(1),
/// );
/// let fut: baton::http::TimeoutFuture<_> = service.call(5);
/// assert_eq!(baton::run(fut).unwrap(), 5);
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
#[derive(Debug)]
pub struct TimeoutFuture<F> {
    /// baton's `wait_for`: its timer is polled before the response, so a slow first poll of
    /// the response cannot push the deadline back, and a response ready at the deadline wins.
    inner: WaitFor<F>,
}

impl<F, T, E> Future for TimeoutFuture<F>
where
    F: Future<Output = Result<T, E>>,
    E: Into<BoxError>,
{
    type Output = Result<T, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: structural pinning of `inner`: it is never moved out of a pinned
        // `TimeoutFuture` (no method takes it out, there is no `Drop` impl), and the future is
        // `Unpin` only when `WaitFor<F>` is.
        let inner = unsafe { self.map_unchecked_mut(|this| &mut this.inner) };
        inner.poll(cx).map(|outcome| match outcome {
            Ok(response) => response.map_err(Into::into),
            Err(TimeoutError) => Err(Box::new(Elapsed(())) as BoxError),
        })
    }
}

/// The error of a [`Timeout`] response that took longer than its duration ("request timed
/// out", as tower's `Elapsed`). It reaches the caller boxed: test it with
/// `err.is::<Elapsed>()`.
///
/// # Examples
/// ```
/// let err: tower::BoxError = Box::new(baton::http::Elapsed::new());
/// assert!(err.is::<baton::http::Elapsed>());
/// assert_eq!(err.to_string(), "request timed out");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elapsed(());

impl Elapsed {
    /// The error, as a [`Timeout`] makes it.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(baton::http::Elapsed::new(), baton::http::Elapsed::new());
    /// ```
    pub fn new() -> Elapsed {
        Elapsed(())
    }
}

impl Default for Elapsed {
    fn default() -> Elapsed {
        Elapsed::new()
    }
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("request timed out")
    }
}

impl Error for Elapsed {}
