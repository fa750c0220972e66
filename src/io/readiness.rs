//! `Readiness`: the future of a `readable()` or `writable()` call, on a socket or an
//! [`Async`](super::Async).

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::future::FusedFuture;

use crate::coop;
use crate::runtime::driver::reactor::Waiter;

/// The future of `readable()` and `writable()` (on [`Async`](super::Async) and every socket
/// type): ready once the reactor says the descriptor may be read (or written) without blocking.
///
/// Readiness is a hint, cleared only when an operation made through baton — a socket's
/// `try_read`/`try_write`/`recv`…, or `Async::read_with`/`write_with` — finds `WouldBlock`.
/// So the next operation may still find `WouldBlock` (then wait again), and an I/O made behind
/// baton's back (through `get_ref`) that finds `WouldBlock` does not clear it: looping on
/// `readable()` around such an operation spins.
///
/// # Examples
/// ```
/// use baton::net::UnixDatagram;
///
/// baton::run(async {
///     let (a, b) = UnixDatagram::pair()?;
///     a.send(b"ping").await?;
///     b.readable().await?; // a `Readiness`
///     let mut buf = [0; 4];
///     assert_eq!(b.recv(&mut buf).await?, 4);
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
/// When the loop the descriptor was registered with has closed.
///
/// # Cancel safety
/// Cancel safe: it only waits.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Readiness<'a> {
    waiter: Waiter<'a>,
}

impl<'a> Readiness<'a> {
    pub(crate) fn new(waiter: Waiter<'a>) -> Self {
        Readiness { waiter }
    }
}

impl Future for Readiness<'_> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let waiter = &mut self.get_mut().waiter;
        // Budgeted, so a task that awaits readiness without doing the I/O still yields.
        let ready = coop::poll_budgeted(cx, coop::Cost::Memory, |cx| {
            waiter.poll_ready(cx).map(|ready| ready.map(|_event| ()))
        });
        waiter.returning(ready)
    }
}

/// Terminated once it returned (ready, or the closed-loop error).
impl FusedFuture for Readiness<'_> {
    fn is_terminated(&self) -> bool {
        self.waiter.has_returned()
    }
}

impl fmt::Debug for Readiness<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Readiness")
            .field("waiter", &self.waiter)
            .finish()
    }
}
