//! [`gather`]: run many futures of one type concurrently, collect their outputs.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::maybe_done::{pin_index, MaybeDone};
use super::pop_within_budget;
use super::wake_set::WakeSet;
use crate::awaits::{AwaitVia, ThroughGuard};
use crate::coop;

/// Runs every future in `futures` concurrently and resolves to their outputs,
/// in input order, like asyncio's `gather`.
///
/// The futures run inside the returned [`Gather`] itself: no task is spawned.
/// The first poll polls every future once, in input order; after that, a
/// wake-up of one future polls only that future, so each wake-up costs O(1)
/// however many futures are gathered.
///
/// For a fixed number of futures of different types, use [`gather!`].
///
/// # Examples
///
/// ```
/// let outputs = baton::run(async {
///     let jobs = (1..=3).map(|n| async move { n * 10 });
///     baton::gather(jobs).await
/// });
/// assert_eq!(outputs, [10, 20, 30]);
/// ```
///
/// # Panics
///
/// Panics if more than 2³¹ − 1 futures are gathered. A panic of a gathered
/// future propagates out of [`Gather`]'s `poll`.
///
/// [`gather!`]: crate::gather!
pub fn gather<I>(futures: I) -> Gather<<I::Item as IntoFuture>::IntoFuture>
where
    I: IntoIterator,
    I::Item: IntoFuture,
{
    let slots: Box<[_]> = futures
        .into_iter()
        .map(|f| MaybeDone::Pending(f.into_future()))
        .collect();
    let set = WakeSet::new(slots.len());
    Gather {
        remaining: slots.len(),
        slots: Box::into_pin(slots),
        set,
        finished: false,
    }
}

/// Future returned by [`gather`]: resolves to the outputs of all its futures,
/// in input order.
///
/// `Gather` is `Unpin`, `Send` when the futures and their outputs are, and
/// `Sync` when they are `Sync`.
///
/// # Examples
///
/// A `Gather` is an ordinary value until it is awaited:
///
/// ```
/// let stored: baton::task::Gather<std::future::Ready<u8>> =
///     baton::gather([std::future::ready(1), std::future::ready(2)]);
/// assert_eq!(baton::run(stored), [1, 2]);
/// ```
///
/// # Panics
///
/// Polling it again after it resolved panics.
///
/// # Cancel safety
///
/// Dropping a `Gather` drops every future in it, finished or not, and the
/// outputs of those that finished are lost. Wakers the futures handed out stay
/// valid; waking them does nothing.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Gather<F: Future> {
    /// The children, each running or holding its output; pinned in place.
    slots: Pin<Box<[MaybeDone<F>]>>,
    /// Which children to poll next, and their wakers.
    set: WakeSet,
    /// Children that have not finished yet.
    remaining: usize,
    /// Set once the outputs were handed out.
    finished: bool,
}

impl<F: Future> Gather<F> {
    /// Whether every child has finished.
    fn is_done(&self) -> bool {
        self.remaining == 0
    }
}

impl<F: Future> Future for Gather<F> {
    type Output = Vec<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        assert!(!this.finished, "`Gather` polled after it resolved");
        this.set.register(cx.waker());
        let through = ThroughGuard::enter(AwaitVia::Gather);
        // Poll what is queued locally (every child, on the first poll), then
        // one batch of children woken since; those woken while we work wait
        // for the next poll, which their wake-up has already asked for.
        let mut refilled = false;
        loop {
            while let Some(index) = pop_within_budget(&mut this.set) {
                let waker = this.set.waker_ref(index);
                let mut child_cx = Context::from_waker(&waker);
                if pin_index(this.slots.as_mut(), index).poll_child(&mut child_cx) {
                    this.remaining -= 1;
                }
            }
            if this.is_done() || refilled || coop::spent() || !this.set.refill() {
                break;
            }
            refilled = true;
        }
        drop(through);
        if !this.is_done() {
            if coop::spent() {
                // Children are left queued: come back for them after the loop's other work.
                cx.waker().wake_by_ref();
            }
            return Poll::Pending;
        }
        this.finished = true;
        let len = this.slots.len();
        let outputs = (0..len)
            .map(|i| {
                pin_index(this.slots.as_mut(), i)
                    .take_output()
                    .expect("every gathered future has finished")
            })
            .collect();
        // Free the slots now rather than when the `Gather` is dropped.
        this.slots = Box::into_pin(Box::new([]));
        Poll::Ready(outputs)
    }
}

impl<F: Future> fmt::Debug for Gather<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gather")
            .field("len", &self.set.len())
            .field("remaining", &self.remaining)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::combinators::test_util::{
        block_on, poll_once, CountingWaker, Probe, Probes, YieldN,
    };
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn assert_send_sync<T: Send + Sync>() {}
    fn assert_send<T: Send>() {}
    fn assert_unpin<T: Unpin>() {}

    #[test]
    fn auto_traits() {
        assert_send_sync::<Gather<std::future::Ready<u8>>>();
        // A `Send` but `!Sync` future: the gather is still `Send`.
        assert_send::<Gather<std::pin::Pin<Box<dyn Future<Output = u8> + Send>>>>();
        assert_unpin::<Gather<std::future::Pending<u8>>>();
        assert_unpin::<Gather<Unmovable>>();
    }

    /// A `!Unpin` future.
    struct Unmovable(std::marker::PhantomPinned);

    impl Future for Unmovable {
        type Output = ();
        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
            Poll::Ready(())
        }
    }

    #[test]
    fn empty_input_resolves_at_once() {
        let out = block_on(gather(Vec::<std::future::Ready<u8>>::new()));
        assert!(out.is_empty());
    }

    #[test]
    fn outputs_in_input_order() {
        let probes = Probes::new(4, false);
        let parent = CountingWaker::new();
        let waker = parent.waker();
        let mut g = gather(probes.futures());
        assert!(poll_once(Pin::new(&mut g), &waker).is_pending());
        for i in [2, 0, 3, 1] {
            probes.complete(i);
        }
        assert_eq!(
            poll_once(Pin::new(&mut g), &waker),
            Poll::Ready(vec![0, 1, 2, 3])
        );
    }

    #[test]
    fn first_poll_in_input_order() {
        let probes = Probes::new(5, true);
        let mut g = gather(probes.futures());
        let _ = poll_once(Pin::new(&mut g), &CountingWaker::new().waker());
        assert_eq!(probes.log(), [0, 1, 2, 3, 4]);
    }

    #[test]
    fn wake_polls_only_that_child() {
        let probes = Probes::new(6, false);
        let parent = CountingWaker::new();
        let mut g = gather(probes.futures());
        let _ = poll_once(Pin::new(&mut g), &parent.waker());
        probes.wake(4);
        assert_eq!(parent.count(), 1);
        let _ = poll_once(Pin::new(&mut g), &parent.waker());
        let polls: Vec<_> = (0..6).map(|i| probes.polls(i)).collect();
        assert_eq!(polls, [1, 1, 1, 1, 2, 1]);
    }

    #[test]
    fn linear_in_wake_ups() {
        let n = if cfg!(miri) { 50 } else { 10_000 };
        let probes = Probes::new(n, false);
        let parent = CountingWaker::new();
        let waker = parent.waker();
        let mut g = gather(probes.futures());
        assert!(poll_once(Pin::new(&mut g), &waker).is_pending());
        // Complete them one by one in reverse order, polling in between.
        for i in (1..n).rev() {
            probes.complete(i);
            assert!(poll_once(Pin::new(&mut g), &waker).is_pending());
        }
        probes.complete(0);
        let out = match poll_once(Pin::new(&mut g), &waker) {
            Poll::Ready(out) => out,
            Poll::Pending => panic!("gather should be done"),
        };
        assert_eq!(out, (0..n).collect::<Vec<_>>());
        assert_eq!(probes.total_polls(), 2 * n);
        assert_eq!(parent.count(), n);
    }

    #[test]
    fn wake_from_another_thread() {
        let probes = Probes::new(3, false);
        let g = gather(probes.futures());
        let remote = probes.clone();
        let handle = std::thread::spawn(move || {
            // Wait until the children registered their wakers, then finish them.
            while remote.waker(2).is_none() {
                std::thread::yield_now();
            }
            for i in 0..3 {
                remote.complete(i);
            }
        });
        assert_eq!(block_on(g), [0, 1, 2]);
        handle.join().unwrap();
    }

    #[test]
    fn waker_outlives_gather() {
        let probes = Probes::new(2, false);
        let mut g = gather(probes.futures());
        let _ = poll_once(Pin::new(&mut g), &CountingWaker::new().waker());
        let waker = probes.waker(1).expect("child registered a waker");
        drop(g);
        waker.wake_by_ref();
        probes.complete(1);
        waker.wake();
    }

    #[test]
    fn child_waking_itself_during_poll_is_polled_again() {
        let probes = Probes::new(3, false);
        let parent = CountingWaker::new();
        let mut g = gather(probes.futures());
        probes.self_wake_next_poll(1);
        let _ = poll_once(Pin::new(&mut g), &parent.waker());
        // The self-wake was picked up in the same poll's refill.
        assert_eq!(probes.polls(1), 2);
        probes.self_wake_next_poll(1);
        probes.wake(1);
        let _ = poll_once(Pin::new(&mut g), &parent.waker());
        assert_eq!(probes.polls(1), 3);
        // Its self-wake during that poll asked for another parent poll.
        assert_eq!(parent.count(), 2);
        let _ = poll_once(Pin::new(&mut g), &parent.waker());
        assert_eq!(probes.polls(1), 4);
        assert_eq!([probes.polls(0), probes.polls(2)], [1, 1]);
    }

    #[test]
    fn yielding_children_finish() {
        let out = block_on(gather((0..10).map(|i| async move {
            YieldN(i).await;
            i
        })));
        assert_eq!(out, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn dropping_drops_all_children() {
        struct CountDrop<'a>(&'a AtomicUsize);
        impl Drop for CountDrop<'_> {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let drops = AtomicUsize::new(0);
        let futs = (0..5).map(|i| {
            let guard = CountDrop(&drops);
            async move {
                let _guard = guard;
                if i % 2 == 0 {
                    std::future::pending::<()>().await;
                }
                i
            }
        });
        let mut g = Box::pin(gather(futs));
        let _ = poll_once(g.as_mut(), &CountingWaker::new().waker());
        // Finished children are dropped as soon as they finish.
        assert_eq!(drops.load(Ordering::SeqCst), 2);
        drop(g);
        assert_eq!(drops.load(Ordering::SeqCst), 5);
    }

    #[test]
    fn child_panic_propagates_and_drop_is_safe() {
        let probes = Probes::new(2, false);
        let futs: Vec<Pin<Box<dyn Future<Output = usize> + Send>>> = vec![
            Box::pin(probes.futures().remove(0)),
            Box::pin(async { panic!("child failed") }),
        ];
        let mut g = gather(futs);
        let waker = CountingWaker::new().waker();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = poll_once(Pin::new(&mut g), &waker);
        }));
        assert!(result.is_err());
        probes.complete(0);
        drop(g);
    }

    /// The per-child cost beyond the child future (or its output, whichever
    /// is larger; both share the slot): the slot's tag, often absorbed by a
    /// niche, plus one 8-byte wake node.
    #[test]
    fn per_child_overhead() {
        use crate::combinators::wake_set::NODE_SIZE;
        use std::mem::size_of;
        fn overhead<F: Future>(name: &str) -> usize {
            let payload = size_of::<F>().max(size_of::<F::Output>());
            let slot = size_of::<MaybeDone<F>>() - payload;
            let total = slot + NODE_SIZE;
            eprintln!(
                "{name}: future/output {payload} B, slot tag {slot} B + node {NODE_SIZE} B \
                 = {total} B per child"
            );
            total
        }
        async fn sleepy() -> u64 {
            std::future::pending::<()>().await;
            7
        }
        fn of<F: Future>(_: &F) -> fn(&str) -> usize {
            overhead::<F>
        }
        let totals = [
            overhead::<tokio::time::Sleep>("tokio::time::Sleep"),
            of(&sleepy())("async fn -> u64"),
            overhead::<std::future::Ready<u64>>("Ready<u64>"),
            overhead::<Probe>("Probe"),
        ];
        assert!(totals.iter().all(|&t| t <= 16), "{totals:?}");
    }

    #[test]
    #[cfg_attr(miri, ignore = "real timers")]
    fn under_tokio_with_timers() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let out = rt.block_on(gather((0..50u64).rev().map(|i| async move {
            tokio::time::sleep(std::time::Duration::from_micros(100 * i)).await;
            i
        })));
        assert_eq!(out, (0..50).rev().collect::<Vec<_>>());
        let order = rt.block_on(async {
            let mut done = crate::as_completed([30u64, 10, 20].map(|ms| async move {
                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                ms
            }));
            let mut order = Vec::new();
            while let Some(ms) = done.next().await {
                order.push(ms);
            }
            order
        });
        assert_eq!(order, [10, 20, 30]);
    }

    #[test]
    #[should_panic = "polled after it resolved"]
    fn poll_after_ready_panics() {
        let mut g = gather([std::future::ready(1)]);
        let waker = CountingWaker::new().waker();
        let _ = poll_once(Pin::new(&mut g), &waker);
        let _ = poll_once(Pin::new(&mut g), &waker);
    }
}
