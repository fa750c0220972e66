//! [`TokioContext`]: a tower service whose calls and responses run inside the hidden tokio
//! runtime's context.

use std::task::{Context, Poll};

use super::compat_future::{compat, Compat};
use super::hidden_runtime::enter;

/// Wraps a tower service so that its `poll_ready`, its `call` and the polls of the futures it
/// returns run inside the hidden tokio runtime's context (see the [module docs](crate::compat)):
/// a handler may call `tokio::spawn` (as axum's `WebSocketUpgrade::on_upgrade` does) or use
/// crates that need tokio. `baton::http::serve` applies it to every service when the `compat`
/// feature is on.
///
/// # Examples
/// ```
/// use std::convert::Infallible;
/// use tower::Service;
///
/// /// A service that hands each request to `tokio::spawn`, as axum's WebSocket upgrade does.
/// #[derive(Clone)]
/// struct SpawnsOnTokio;
///
/// impl Service<u32> for SpawnsOnTokio {
///     type Response = tokio::task::JoinHandle<u32>;
///     type Error = Infallible;
///     type Future = std::future::Ready<Result<Self::Response, Infallible>>;
///     fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Infallible>> {
///         std::task::Poll::Ready(Ok(()))
///     }
///     fn call(&mut self, n: u32) -> Self::Future {
///         std::future::ready(Ok(tokio::spawn(async move { n + 1 })))
///     }
/// }
///
/// baton::run(async {
///     let mut service = baton::compat::TokioContext::new(SpawnsOnTokio);
///     let spawned = service.call(41).await.unwrap();
///     assert_eq!(spawned.await.unwrap(), 42);
/// });
/// ```
#[derive(Clone, Debug)]
pub struct TokioContext<S> {
    inner: S,
}

impl<S> TokioContext<S> {
    /// Wraps `inner`.
    ///
    /// # Examples
    /// ```
    /// let service = baton::compat::TokioContext::new(5_u8);
    /// assert_eq!(service.into_inner(), 5);
    /// ```
    pub fn new(inner: S) -> Self {
        TokioContext { inner }
    }

    /// The wrapped service.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(baton::compat::TokioContext::new("svc").into_inner(), "svc");
    /// ```
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, Request> tower::Service<Request> for TokioContext<S>
where
    S: tower::Service<Request>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Compat<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        let _context = enter();
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let _context = enter();
        compat(self.inner.call(request))
    }
}

/// The tower [`Layer`](tower::Layer) of [`TokioContext`], for a `ServiceBuilder` or axum's
/// `Router::layer`.
///
/// # Examples
/// ```
/// use tower::Layer;
///
/// let service = baton::compat::TokioContextLayer.layer(tower::service_fn(|n: u32| async move {
///     // Inside the context: tokio's timers work here.
///     tokio::time::sleep(std::time::Duration::from_millis(1)).await;
///     Ok::<_, std::convert::Infallible>(n * 2)
/// }));
/// baton::run(async move {
///     let mut service = service;
///     assert_eq!(tower::Service::call(&mut service, 21).await.unwrap(), 42);
/// });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioContextLayer;

impl<S> tower::Layer<S> for TokioContextLayer {
    type Service = TokioContext<S>;

    fn layer(&self, inner: S) -> TokioContext<S> {
        TokioContext::new(inner)
    }
}
