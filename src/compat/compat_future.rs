//! [`Compat`]: a future polled inside the hidden tokio runtime's context.

use std::fmt;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::hidden_runtime::enter;

/// Runs `future` on baton with tokio's context lent to it: each poll, and its drop, happen
/// inside the hidden tokio runtime's context (see the [module docs](crate::compat), and create
/// the tokio futures *inside* the wrapped future).
///
/// The future stays on the baton task that awaits it; `Compat<F>` is `Send` when `F` is, so
/// it can be spawned with `spawn_send` on a multi-core `Runtime`.
///
/// # Examples
/// ```
/// use std::time::Duration;
///
/// baton::run(async {
///     let (tx, rx) = tokio::sync::oneshot::channel();
///     let ticker = baton::spawn(baton::compat::compat(async move {
///         let mut interval = tokio::time::interval(Duration::from_millis(1));
///         interval.tick().await;
///         interval.tick().await;
///         tx.send("two ticks").unwrap();
///     }));
///     assert_eq!(rx.await.unwrap(), "two ticks");
///     ticker.await.unwrap();
/// });
/// ```
pub fn compat<F: Future>(future: F) -> Compat<F> {
    Compat {
        inner: ManuallyDrop::new(future),
    }
}

/// The future [`compat`] returns.
///
/// # Examples
/// ```
/// let wrapped: baton::compat::Compat<_> = baton::compat::compat(async { 1 });
/// assert_eq!(baton::run(wrapped), 1);
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Compat<F> {
    /// Dropped by hand in `Drop`, inside tokio's context: a tokio resource's drop may need it.
    inner: ManuallyDrop<F>,
}

impl<F: Future> Future for Compat<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let _context = enter();
        // SAFETY: structural pinning of `inner`: it is never moved out of `self` (`Drop` drops
        // it in place, and nothing else takes it), so pinning `self` pins it.
        let inner = unsafe { self.map_unchecked_mut(|this| &mut *this.inner) };
        inner.poll(cx)
    }
}

impl<F> Drop for Compat<F> {
    fn drop(&mut self) {
        let _context = enter();
        // SAFETY: `inner` is dropped here once, in place (so a pinned future is never moved),
        // and `self` is not used after.
        unsafe { ManuallyDrop::drop(&mut self.inner) };
    }
}

impl<F> fmt::Debug for Compat<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Compat").finish_non_exhaustive()
    }
}
