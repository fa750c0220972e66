//! [`as_completed`]: run many futures concurrently, take outputs as they finish.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::maybe_done::pin_index;
use super::pop_within_budget;
use super::wake_set::WakeSet;
use crate::awaits::{AwaitVia, ThroughGuard};
use crate::coop;

/// Runs every future in `futures` concurrently and yields their outputs in the
/// order they finish, like asyncio's `as_completed`.
///
/// The futures run inside the returned [`AsCompleted`]: no task is spawned, and
/// they make progress only while it is being polled (through
/// [`next`](AsCompleted::next) or its [`Stream`] impl). Its first poll polls
/// every future once, in input order; after that, a wake-up of one future
/// polls only that future, so each wake-up costs O(1) however many there are.
///
/// # Examples
///
/// ```
/// # use std::{future::Future, pin::Pin, task::{Context, Poll}};
/// # /// Pending `n` times, then ready.
/// # struct Yield(u32);
/// # impl Future for Yield {
/// #     type Output = ();
/// #     fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
/// #         if self.0 == 0 { return Poll::Ready(()) }
/// #         self.0 -= 1;
/// #         cx.waker().wake_by_ref();
/// #         Poll::Pending
/// #     }
/// # }
/// let order = baton::run(async {
///     // Job `n` needs `n` polls before it finishes.
///     let jobs = [3, 1, 2].map(|n| async move {
///         Yield(n).await;
///         n
///     });
///     let mut done = baton::as_completed(jobs);
///     let mut order = Vec::new();
///     while let Some(n) = done.next().await {
///         order.push(n);
///     }
///     order
/// });
/// assert_eq!(order, [1, 2, 3]);
/// ```
///
/// # Panics
///
/// Panics if more than 2³¹ − 1 futures are given. A panic of one of the
/// futures propagates out of the poll that ran it.
pub fn as_completed<I>(futures: I) -> AsCompleted<<I::Item as IntoFuture>::IntoFuture>
where
    I: IntoIterator,
    I::Item: IntoFuture,
{
    let slots: Box<[_]> = futures.into_iter().map(|f| Some(f.into_future())).collect();
    let set = WakeSet::new(slots.len());
    AsCompleted {
        pending: slots.len(),
        slots: Box::into_pin(slots),
        set,
    }
}

/// Futures running concurrently, handing out their outputs as they finish;
/// made by [`as_completed`].
///
/// Take outputs with [`next`](AsCompleted::next) or through the [`Stream`]
/// impl; both yield `None` once every future has finished. `AsCompleted` is
/// `Unpin`, `Send` when the futures and their outputs are, and `Sync` when
/// the futures are `Sync`.
///
/// # Examples
///
/// ```
/// let total = baton::run(async {
///     let mut done = baton::as_completed((1..=4).map(|n| async move { n * n }));
///     assert_eq!(done.len(), 4);
///     let mut total = 0;
///     while let Some(square) = done.next().await {
///         total += square;
///     }
///     assert!(done.is_empty());
///     total
/// });
/// assert_eq!(total, 30);
/// ```
///
/// # Cancel safety
///
/// Dropping an `AsCompleted` drops the futures that have not finished. Wakers
/// they handed out stay valid; waking them does nothing.
pub struct AsCompleted<F> {
    /// The children; a finished child is dropped in place, leaving `None`.
    slots: Pin<Box<[Option<F>]>>,
    /// Which children to poll next, and their wakers.
    set: WakeSet,
    /// Children that have not finished yet.
    pending: usize,
}

impl<F: Future> AsCompleted<F> {
    /// Waits for the next future to finish and returns its output, or `None`
    /// if every future has finished.
    ///
    /// # Examples
    ///
    /// ```
    /// baton::run(async {
    ///     let mut done = baton::as_completed([async { 'x' }]);
    ///     assert_eq!(done.next().await, Some('x'));
    ///     assert_eq!(done.next().await, None);
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: an output is taken out only when [`NextCompleted`] resolves, so
    /// dropping an unfinished `NextCompleted` loses nothing.
    // Not `Iterator::next`: this one is async, like `StreamExt::next`.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> NextCompleted<'_, F> {
        NextCompleted { inner: self }
    }

    /// The number of futures that have not finished yet.
    ///
    /// # Examples
    ///
    /// ```
    /// let done = baton::as_completed([std::future::ready(1), std::future::ready(2)]);
    /// assert_eq!(done.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.pending
    }

    /// Whether every future has finished (so [`next`](Self::next) yields `None`).
    ///
    /// # Examples
    ///
    /// ```
    /// let done = baton::as_completed(Vec::<std::future::Ready<()>>::new());
    /// assert!(done.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.pending == 0
    }

    /// Polls woken children until one finishes.
    fn poll_completed(&mut self, cx: &mut Context<'_>) -> Poll<Option<F::Output>> {
        if self.pending == 0 {
            return Poll::Ready(None);
        }
        self.set.register(cx.waker());
        let _through = ThroughGuard::enter(AwaitVia::AsCompleted);
        // Work through the local list, then at most one batch of children
        // woken since; see `WakeSet::refill` for why that batch is needed.
        let mut refilled = false;
        loop {
            let Some(index) = pop_within_budget(&mut self.set) else {
                if coop::spent() {
                    // Children are left queued: come back for them after the loop's other work.
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                if refilled || !self.set.refill() {
                    return Poll::Pending;
                }
                refilled = true;
                continue;
            };
            let mut slot = pin_index(self.slots.as_mut(), index);
            let Some(child) = slot.as_mut().as_pin_mut() else {
                continue;
            };
            let waker = self.set.waker_ref(index);
            if let Poll::Ready(out) = child.poll(&mut Context::from_waker(&waker)) {
                slot.set(None);
                self.pending -= 1;
                return Poll::Ready(Some(out));
            }
        }
    }
}

impl<F: Future> Stream for AsCompleted<F> {
    type Item = F::Output;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<F::Output>> {
        self.get_mut().poll_completed(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.pending, Some(self.pending))
    }
}

impl<F> fmt::Debug for AsCompleted<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("len", &self.set.len())
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

/// Future returned by [`AsCompleted::next`]: the output of the next future to
/// finish, or `None` if all have.
///
/// # Examples
///
/// ```
/// baton::run(async {
///     let mut done = baton::as_completed([async { 1 }]);
///     let next: baton::task::NextCompleted<'_, _> = done.next();
///     assert_eq!(next.await, Some(1));
/// });
/// ```
///
/// # Cancel safety
///
/// Cancel safe: dropping it before it resolves loses no output.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct NextCompleted<'a, F> {
    inner: &'a mut AsCompleted<F>,
}

impl<F: Future> Future for NextCompleted<'_, F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().inner.poll_completed(cx)
    }
}

impl<F> fmt::Debug for NextCompleted<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("NextCompleted").field(&self.inner).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::combinators::test_util::{block_on, poll_once, CountingWaker, Probes};
    use std::task::Waker;

    fn assert_send_sync<T: Send + Sync>() {}
    fn assert_send<T: Send>() {}

    #[test]
    fn auto_traits() {
        assert_send_sync::<AsCompleted<std::future::Ready<u8>>>();
        assert_send_sync::<NextCompleted<'_, std::future::Ready<u8>>>();
        assert_send::<AsCompleted<Pin<Box<dyn Future<Output = u8> + Send>>>>();
        fn assert_unpin<T: Unpin>() {}
        assert_unpin::<AsCompleted<std::future::Pending<()>>>();
    }

    fn poll_next<F: Future>(done: &mut AsCompleted<F>, waker: &Waker) -> Poll<Option<F::Output>> {
        poll_once(Pin::new(&mut done.next()), waker)
    }

    #[test]
    fn empty_input_yields_none() {
        let mut done = as_completed(Vec::<std::future::Ready<()>>::new());
        assert!(done.is_empty());
        assert_eq!(block_on(done.next()), None);
        assert_eq!(Stream::size_hint(&done), (0, Some(0)));
    }

    #[test]
    fn completion_order() {
        let probes = Probes::new(5, true);
        let parent = CountingWaker::new();
        let waker = parent.waker();
        let mut done = as_completed(probes.futures());
        assert_eq!(poll_next(&mut done, &waker), Poll::Pending);
        assert_eq!(probes.log(), [0, 1, 2, 3, 4]);
        // Several finish before the parent runs: they come out in wake order.
        for i in [3, 0, 4] {
            probes.complete(i);
        }
        assert_eq!(parent.count(), 1);
        assert_eq!(poll_next(&mut done, &waker), Poll::Ready(Some(3)));
        assert_eq!(poll_next(&mut done, &waker), Poll::Ready(Some(0)));
        assert_eq!(poll_next(&mut done, &waker), Poll::Ready(Some(4)));
        assert_eq!(done.len(), 2);
        assert_eq!(poll_next(&mut done, &waker), Poll::Pending);
        probes.complete(1);
        probes.complete(2);
        assert_eq!(poll_next(&mut done, &waker), Poll::Ready(Some(1)));
        assert_eq!(poll_next(&mut done, &waker), Poll::Ready(Some(2)));
        assert_eq!(poll_next(&mut done, &waker), Poll::Ready(None));
        assert_eq!(probes.total_polls(), 10);
    }

    #[test]
    fn linear_in_wake_ups() {
        let n = if cfg!(miri) { 50 } else { 10_000 };
        let probes = Probes::new(n, false);
        let parent = CountingWaker::new();
        let waker = parent.waker();
        let mut done = as_completed(probes.futures());
        assert_eq!(poll_next(&mut done, &waker), Poll::Pending);
        for i in 0..n {
            let j = (i * 7919) % n; // some permutation of 0..n when gcd(7919, n) = 1
            probes.complete(j);
            assert_eq!(poll_next(&mut done, &waker), Poll::Ready(Some(j)));
            assert_eq!(probes.polls(j), 2);
        }
        assert_eq!(poll_next(&mut done, &waker), Poll::Ready(None));
        assert_eq!(probes.total_polls(), 2 * n);
    }

    #[test]
    fn stream_and_size_hint() {
        let probes = Probes::new(3, false);
        let parent = CountingWaker::new();
        let waker = parent.waker();
        let mut done = as_completed(probes.futures());
        assert_eq!(Stream::size_hint(&done), (3, Some(3)));
        let mut cx = Context::from_waker(&waker);
        assert_eq!(Pin::new(&mut done).poll_next(&mut cx), Poll::Pending);
        probes.complete(1);
        assert_eq!(Pin::new(&mut done).poll_next(&mut cx), Poll::Ready(Some(1)));
        assert_eq!(Stream::size_hint(&done), (2, Some(2)));
        probes.complete(0);
        probes.complete(2);
        assert_eq!(Pin::new(&mut done).poll_next(&mut cx), Poll::Ready(Some(0)));
        assert_eq!(Pin::new(&mut done).poll_next(&mut cx), Poll::Ready(Some(2)));
        assert_eq!(Pin::new(&mut done).poll_next(&mut cx), Poll::Ready(None));
        assert_eq!(Stream::size_hint(&done), (0, Some(0)));
    }

    #[test]
    fn wake_from_another_thread() {
        let probes = Probes::new(4, false);
        let mut done = as_completed(probes.futures());
        let remote = probes.clone();
        let handle = std::thread::spawn(move || {
            while remote.waker(3).is_none() {
                std::thread::yield_now();
            }
            for i in (0..4).rev() {
                remote.complete(i);
            }
        });
        let mut got = Vec::new();
        while let Some(i) = block_on(done.next()) {
            got.push(i);
        }
        handle.join().unwrap();
        got.sort_unstable();
        assert_eq!(got, [0, 1, 2, 3]);
    }

    #[test]
    fn waker_outlives_parent() {
        let probes = Probes::new(2, false);
        let mut done = as_completed(probes.futures());
        let _ = poll_next(&mut done, &CountingWaker::new().waker());
        let waker = probes.waker(0).expect("child registered a waker");
        drop(done);
        probes.complete(0);
        waker.wake();
    }

    #[test]
    fn child_waking_itself_is_polled_again() {
        let probes = Probes::new(2, false);
        let parent = CountingWaker::new();
        let waker = parent.waker();
        let mut done = as_completed(probes.futures());
        let _ = poll_next(&mut done, &waker);
        probes.self_wake_next_poll(0);
        probes.wake(0);
        assert_eq!(poll_next(&mut done, &waker), Poll::Pending);
        assert_eq!(probes.polls(0), 2);
        // The self-wake queued it again and woke the parent.
        assert_eq!(parent.count(), 2);
        probes.complete(0);
        assert_eq!(poll_next(&mut done, &waker), Poll::Ready(Some(0)));
        assert_eq!(probes.polls(0), 3);
        assert_eq!(probes.polls(1), 1);
    }

    #[test]
    fn next_is_cancel_safe() {
        let probes = Probes::new(1, false);
        let waker = CountingWaker::new().waker();
        let mut done = as_completed(probes.futures());
        let _ = poll_next(&mut done, &waker);
        probes.complete(0);
        drop(done.next());
        assert_eq!(poll_next(&mut done, &waker), Poll::Ready(Some(0)));
    }
}
