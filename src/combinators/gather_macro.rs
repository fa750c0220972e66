//! [`gather!`]: run a fixed number of futures of different types concurrently.
//!
//! [`gather!`]: crate::gather!

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::maybe_done::MaybeDone;
use crate::awaits::{AwaitVia, ThroughGuard};

/// Runs up to twelve futures of any types concurrently and resolves to the
/// tuple of their outputs, like asyncio's `gather(a, b, c)`.
///
/// Each argument may be anything that implements [`IntoFuture`]. The macro
/// evaluates to a [`GatherTuple`], a future you can store and await later. It
/// polls every unfinished future each time it is woken (and never polls a
/// finished one again); for many futures of one type, [`gather`] polls only
/// the ones that were woken.
///
/// # Examples
///
/// ```
/// let (n, s, unit) = baton::run(async {
///     baton::gather!(async { 1 }, async { "two" }, std::future::ready(())).await
/// });
/// assert_eq!((n, s, unit), (1, "two", ()));
/// ```
///
/// The gather is a value until it is awaited:
///
/// ```
/// let both = baton::gather!(async { 'a' }, async { 2.5 });
/// assert_eq!(baton::run(both), ('a', 2.5));
/// ```
///
/// # Panics
///
/// A panic of one of the futures propagates out of the gather's `poll`.
///
/// [`IntoFuture`]: std::future::IntoFuture
/// [`GatherTuple`]: crate::task::GatherTuple
/// [`gather`]: crate::gather()
#[macro_export]
macro_rules! gather {
    ($($future:expr),+ $(,)?) => {
        $crate::task::GatherTuple::new(($(::core::future::IntoFuture::into_future($future),)+))
    };
}

/// Future returned by [`gather!`]: resolves to the tuple of its futures'
/// outputs.
///
/// `T` is the tuple of futures, `(A, B, ..)` with one to twelve elements; the
/// output is `(A::Output, B::Output, ..)`. It is `Send`/`Sync`/`Unpin` when
/// all the futures (and for `Send`/`Sync`, their outputs) are.
///
/// # Examples
///
/// ```
/// use std::future::{ready, Ready};
///
/// let pair: baton::task::GatherTuple<(Ready<u8>, Ready<&str>)> =
///     baton::task::GatherTuple::new((ready(7), ready("seven")));
/// assert_eq!(baton::run(pair), (7, "seven"));
/// ```
///
/// # Panics
///
/// Polling it again after it resolved panics.
///
/// # Cancel safety
///
/// Dropping it drops every future in it; outputs of finished ones are lost.
///
/// [`gather!`]: crate::gather!
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct GatherTuple<T: sealed::FutureTuple> {
    /// One `MaybeDone` per future, structurally pinned.
    slots: T::Slots,
    /// Set once the outputs were handed out.
    finished: bool,
}

impl<T: sealed::FutureTuple> GatherTuple<T> {
    /// Gathers the tuple of futures `futures`; [`gather!`] calls this.
    ///
    /// # Examples
    ///
    /// ```
    /// let g = baton::task::GatherTuple::new((async { 1 }, async { 'x' }));
    /// assert_eq!(baton::run(g), (1, 'x'));
    /// ```
    ///
    /// [`gather!`]: crate::gather!
    pub fn new(futures: T) -> Self {
        GatherTuple {
            slots: futures.into_slots(),
            finished: false,
        }
    }
}

impl<T: sealed::FutureTuple> Future for GatherTuple<T> {
    type Output = T::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T::Output> {
        // SAFETY: `slots` is structurally pinned (never moved out of the
        // pinned `self`); `finished` is not, and is a plain `bool`.
        let this = unsafe { self.get_unchecked_mut() };
        assert!(!this.finished, "`GatherTuple` polled after it resolved");
        // SAFETY: see above: `slots` is pinned along with `self`.
        let mut slots = unsafe { Pin::new_unchecked(&mut this.slots) };
        let polled = {
            let _through = ThroughGuard::enter(AwaitVia::Gather);
            T::poll_slots(slots.as_mut(), cx)
        };
        if !polled {
            return Poll::Pending;
        }
        this.finished = true;
        Poll::Ready(T::take_outputs(slots))
    }
}

impl<T: sealed::FutureTuple> fmt::Debug for GatherTuple<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatherTuple")
            .field("slots", &T::debug_slots(&self.slots))
            .field("finished", &self.finished)
            .finish()
    }
}

mod sealed {
    use super::*;

    /// Tuples of one to twelve futures; implemented only in this module.
    pub trait FutureTuple {
        /// The tuple of `MaybeDone` slots.
        type Slots;
        /// The tuple of outputs.
        type Output;
        /// Wraps every future in a `Pending` slot.
        fn into_slots(self) -> Self::Slots;
        /// Polls every unfinished slot; `true` once none is pending.
        fn poll_slots(slots: Pin<&mut Self::Slots>, cx: &mut Context<'_>) -> bool;
        /// Takes every output. Panics unless all slots are done.
        fn take_outputs(slots: Pin<&mut Self::Slots>) -> Self::Output;
        /// The slots' states, for `Debug`.
        fn debug_slots(slots: &Self::Slots) -> Vec<&dyn fmt::Debug>;
    }
}

macro_rules! impl_future_tuple {
    ($($F:ident $index:tt),+) => {
        impl<$($F: Future),+> sealed::FutureTuple for ($($F,)+) {
            type Slots = ($(MaybeDone<$F>,)+);
            type Output = ($($F::Output,)+);

            fn into_slots(self) -> Self::Slots {
                ($(MaybeDone::Pending(self.$index),)+)
            }

            fn poll_slots(slots: Pin<&mut Self::Slots>, cx: &mut Context<'_>) -> bool {
                // SAFETY: each field of the pinned tuple is structurally
                // pinned: it is only ever reached as `Pin<&mut MaybeDone<_>>`.
                let slots = unsafe { slots.get_unchecked_mut() };
                let mut all_done = true;
                $(
                    // SAFETY: as above, the field is pinned with the tuple.
                    let slot = unsafe { Pin::new_unchecked(&mut slots.$index) };
                    slot.poll_child(cx);
                    all_done &= !matches!(slots.$index, MaybeDone::Pending(_));
                )+
                all_done
            }

            fn take_outputs(slots: Pin<&mut Self::Slots>) -> Self::Output {
                // SAFETY: as in `poll_slots`, fields are only reached pinned.
                let slots = unsafe { slots.get_unchecked_mut() };
                ($(
                    // SAFETY: as above, the field is pinned with the tuple.
                    unsafe { Pin::new_unchecked(&mut slots.$index) }
                        .take_output()
                        .expect("every gathered future has finished"),
                )+)
            }

            fn debug_slots(slots: &Self::Slots) -> Vec<&dyn fmt::Debug> {
                vec![$(&slots.$index),+]
            }
        }
    };
}

impl_future_tuple!(A 0);
impl_future_tuple!(A 0, B 1);
impl_future_tuple!(A 0, B 1, C 2);
impl_future_tuple!(A 0, B 1, C 2, D 3);
impl_future_tuple!(A 0, B 1, C 2, D 3, E 4);
impl_future_tuple!(A 0, B 1, C 2, D 3, E 4, F 5);
impl_future_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
impl_future_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
impl_future_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
impl_future_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
impl_future_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
impl_future_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::combinators::test_util::{block_on, poll_once, CountingWaker, Probes, YieldN};

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn three_types() {
        let out = block_on(crate::gather!(async { 1u8 }, async { "b" }, async {
            YieldN(3).await;
            3.5f64
        }));
        assert_eq!(out, (1u8, "b", 3.5f64));
    }

    #[test]
    fn storable_and_send() {
        let g = crate::gather!(std::future::ready(1), async { 'c' });
        assert_send_sync::<GatherTuple<(std::future::Ready<i32>, std::future::Ready<u8>)>>();
        let stored: Vec<_> = vec![g];
        for g in stored {
            assert_eq!(block_on(g), (1, 'c'));
        }
    }

    #[test]
    fn one_and_twelve() {
        assert_eq!(block_on(crate::gather!(async { 1 })), (1,));
        let twelve = block_on(crate::gather!(
            async { 1 },
            async { 2 },
            async { 3 },
            async { 4 },
            async { 5 },
            async { 6 },
            async { 7 },
            async { 8 },
            async { 9 },
            async { 10 },
            async { 11 },
            YieldN(2),
        ));
        assert_eq!(twelve.10, 11);
    }

    #[test]
    fn finished_children_are_not_polled_again() {
        let probes = Probes::new(2, false);
        let mut futs = probes.futures();
        let (b, a) = (futs.pop().unwrap(), futs.pop().unwrap());
        let mut g = Box::pin(crate::gather!(a, b));
        let parent = CountingWaker::new();
        assert!(poll_once(g.as_mut(), &parent.waker()).is_pending());
        probes.complete(0);
        assert!(poll_once(g.as_mut(), &parent.waker()).is_pending());
        probes.complete(1);
        assert_eq!(poll_once(g.as_mut(), &parent.waker()), Poll::Ready((0, 1)));
        assert_eq!([probes.polls(0), probes.polls(1)], [2, 3]);
        assert!(format!("{g:?}").contains("GatherTuple"));
    }
}
