//! A child future's slot: the future while it runs, then its output.

use std::fmt;
use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::task::{Context, Poll};

/// One child of a gather, stored in place.
///
/// `pub` only so it can appear in the sealed `FutureTuple` trait; it is not
/// reachable from outside the crate.
///
/// Only the `Pending` variant is structurally pinned: the future is never
/// moved, and leaves the slot only by being dropped in place
/// ([`Pin::set`]). The output in `Done` is not pinned and may be moved out.
pub enum MaybeDone<F: Future> {
    /// Still running.
    Pending(F),
    /// Finished; the output waits to be collected.
    Done(F::Output),
    /// The output was taken (or the slot was never filled).
    Gone,
}

impl<F: Future> MaybeDone<F> {
    /// Polls the child if it is still running, storing its output when it
    /// finishes. Returns `true` exactly when this poll finished it.
    ///
    /// If the child panics, the panic propagates and the slot stays `Pending`.
    pub(crate) fn poll_child(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> bool {
        // SAFETY: nothing is moved out of the slot here; see below.
        let MaybeDone::Pending(fut) = (unsafe { self.as_mut().get_unchecked_mut() }) else {
            return false;
        };
        // SAFETY: the `Pending` future is structurally pinned (type docs): we
        // only pin-project to it, and replace it only through `Pin::set`,
        // which drops it in place.
        let fut = unsafe { Pin::new_unchecked(fut) };
        match fut.poll(cx) {
            Poll::Ready(out) => {
                self.set(MaybeDone::Done(out));
                true
            }
            Poll::Pending => false,
        }
    }

    /// Takes the output of a finished child, leaving the slot `Gone`.
    pub(crate) fn take_output(self: Pin<&mut Self>) -> Option<F::Output> {
        // SAFETY: we move out only a `Done` output, which is not pinned; a
        // `Pending` future is put straight back without being moved.
        let this = unsafe { self.get_unchecked_mut() };
        match this {
            MaybeDone::Done(_) => match mem::replace(this, MaybeDone::Gone) {
                MaybeDone::Done(out) => Some(out),
                _ => unreachable!(),
            },
            MaybeDone::Pending(_) | MaybeDone::Gone => None,
        }
    }
}

impl<F: Future> fmt::Debug for MaybeDone<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MaybeDone::Pending(_) => "Pending",
            MaybeDone::Done(_) => "Done",
            MaybeDone::Gone => "Gone",
        })
    }
}

/// Pins element `index` of a pinned slice.
///
/// # Panics
///
/// Panics if `index` is out of bounds.
pub(crate) fn pin_index<T>(slice: Pin<&mut [T]>, index: usize) -> Pin<&mut T> {
    // SAFETY: the elements of a pinned slice are pinned too: we hand out the
    // element only as `Pin<&mut T>`, so it cannot be moved through it.
    unsafe { slice.map_unchecked_mut(|s| &mut s[index]) }
}
