//! hyper 1.x on baton (cargo feature `hyper`): the runtime traits hyper asks of an executor,
//! a timer, and its connections.
//!
//! - [`HyperExecutor`]: `hyper::rt::Executor`, spawning on the running loop (HTTP/2, upgrades);
//! - [`HyperTimer`]: `hyper::rt::Timer`, sleeping on the loop's timers (header-read timeouts);
//! - [`TcpStream`] and [`UnixStream`] implement `hyper::rt::Read` and `hyper::rt::Write`
//!   themselves, so an accepted stream goes straight into `serve_connection`; so do their owned
//!   halves ([`OwnedReadHalf`] `Read`, [`OwnedWriteHalf`] `Write`). Reads go straight into
//!   hyper's uninitialised buffer. For any other futures-io type, wrap it in
//!   [`HyperIo`](crate::io::HyperIo).
//!
//! # Examples
//! ```
//! use baton::net::hyper_rt::HyperTimer;
//! use baton::net::{TcpListener, TcpStream};
//! use http_body_util::Full;
//! use hyper::body::Bytes;
//! use hyper::{server::conn::http1, service::service_fn, Response};
//!
//! baton::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     let server = baton::spawn(async move {
//!         let (stream, _) = listener.accept().await.unwrap();
//!         let service = service_fn(|_req| async {
//!             Ok::<_, std::convert::Infallible>(Response::new(Full::new(Bytes::from("Hello, World!"))))
//!         });
//!         http1::Builder::new().timer(HyperTimer).serve_connection(stream, service).await.unwrap();
//!     });
//!     let mut client = TcpStream::connect(addr).await?;
//!     client.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await?;
//!     let mut response = String::new();
//!     futures_lite::AsyncReadExt::read_to_string(&mut client, &mut response).await?;
//!     assert!(response.starts_with("HTTP/1.1 200 OK"));
//!     assert!(response.ends_with("Hello, World!"));
//!     server.await.unwrap();
//!     std::io::Result::Ok(())
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use ::hyper::rt::{Executor, Read, ReadBufCursor, Sleep, Timer};

use super::stream_core::sealed::Stream as _;
use super::stream_core::AsStream as _;
use super::{OwnedReadHalf, OwnedWriteHalf, SplitStream, TcpStream, UnixStream};
use crate::io::hyper_io;
use crate::runtime::context;

/// `hyper::rt::Executor` for baton: spawns each future as a task on the running loop.
///
/// # Examples
/// ```
/// use hyper::rt::Executor;
///
/// baton::run(async {
///     let (tx, rx) = std::sync::mpsc::channel();
///     baton::net::hyper_rt::HyperExecutor.execute(async move { tx.send(5).unwrap() });
///     baton::yield_now().await;
///     assert_eq!(rx.try_recv(), Ok(5));
/// });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct HyperExecutor;

impl<F> Executor<F> for HyperExecutor
where
    F: Future + 'static,
    F::Output: 'static,
{
    /// # Panics
    /// Outside a running event loop.
    fn execute(&self, fut: F) {
        drop(crate::task::spawn(fut));
    }
}

/// `hyper::rt::Timer` for baton: sleeps on the running loop's timers (and its clock, so a
/// paused clock pauses hyper's timeouts too).
///
/// # Examples
/// ```
/// use hyper::rt::Timer;
/// use std::time::Duration;
///
/// baton::run(async {
///     let t = baton::net::hyper_rt::HyperTimer;
///     let start = std::time::Instant::now();
///     t.sleep(Duration::from_millis(5)).await;
///     assert!(start.elapsed() >= Duration::from_millis(5));
/// });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct HyperTimer;

/// The `hyper::rt::Sleep` that [`HyperTimer`] returns: a [`crate::time::Sleep`] hyper can hold.
///
/// # Examples
/// ```
/// use hyper::rt::Timer;
/// use std::time::Duration;
///
/// baton::run(async {
///     let mut sleep = baton::net::hyper_rt::HyperTimer.sleep(Duration::from_millis(1));
///     assert!(sleep.as_mut().downcast_mut_pin::<baton::net::hyper_rt::HyperSleep>().is_some());
///     sleep.await;
/// });
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct HyperSleep {
    inner: crate::time::Sleep,
}

impl Timer for HyperTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        Box::pin(HyperSleep {
            inner: crate::time::sleep(duration),
        })
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        Box::pin(HyperSleep {
            inner: crate::time::sleep_until(deadline),
        })
    }

    fn now(&self) -> Instant {
        context::try_with(|lp| lp.map_or_else(Instant::now, |lp| lp.now()))
    }
}

impl Future for HyperSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.inner).poll(cx)
    }
}

impl Sleep for HyperSleep {}

impl fmt::Debug for HyperSleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HyperSleep")
            .field("inner", &self.inner)
            .finish()
    }
}

/// `hyper::rt::Read` for a stream or read half: reads go straight into hyper's uninitialised
/// buffer through the stream core (`read(2)`, no zeroing, no copy).
macro_rules! hyper_read {
    ([$($g:tt)*] $ty:ty) => {
        impl<$($g)*> Read for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: ReadBufCursor<'_>,
            ) -> Poll<io::Result<()>> {
                let stream = self.as_stream();
                // SAFETY: `poll_read_uninit_shared` only writes into the slice (through
                // `read(2)`), never de-initialises it, and returns how many bytes `read(2)`
                // initialised at its front.
                unsafe {
                    hyper_io::poll_read_uninit(buf, |unfilled| {
                        stream.poll_read_uninit_shared(cx, unfilled)
                    })
                }
            }
        }
    };
}

hyper_read!([] TcpStream);
hyper_read!([] UnixStream);
hyper_read!([S: SplitStream] OwnedReadHalf<S>);
hyper_io::hyper_write!([] TcpStream, vectored: true);
hyper_io::hyper_write!([] UnixStream, vectored: true);
hyper_io::hyper_write!([S: SplitStream] OwnedWriteHalf<S>, vectored: true);
