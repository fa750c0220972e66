//! `Semaphore`: asyncio's `Semaphore`, with permits released on drop.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::future::FusedFuture;

use super::permits::{Permits, RawAcquire};

/// A counter of permits that tasks take and give back (asyncio's `Semaphore`).
///
/// [`acquire`](Semaphore::acquire) waits for a permit and returns a [`Permit`] that gives it back
/// when dropped. For asyncio's manual style, [`Permit::forget`] keeps the permit taken and
/// [`release`](Semaphore::release) gives one back later; unlike [`BoundedSemaphore`], a plain
/// semaphore accepts more releases than acquires (its count grows, as in asyncio).
///
/// Waiters are served first come, first served: a released permit goes to the task that has
/// waited longest, and while anyone waits, no newcomer (not even `try_acquire`) takes a permit.
///
/// `Semaphore` is `Send + Sync`: share it with `Rc` on the loop or `Arc` across threads.
///
/// [`BoundedSemaphore`]: crate::sync::BoundedSemaphore
///
/// # Examples
/// ```
/// use baton::sync::Semaphore;
/// use std::rc::Rc;
///
/// baton::run(async {
///     let sem = Rc::new(Semaphore::new(2));
///     let tasks: Vec<_> = (0..5)
///         .map(|i| {
///             let sem = sem.clone();
///             baton::spawn(async move {
///                 let _permit = sem.acquire().await; // at most 2 tasks in here at once
///                 baton::yield_now().await;
///                 i
///             })
///         })
///         .collect();
///     for (i, t) in tasks.into_iter().enumerate() {
///         assert_eq!(t.await.unwrap(), i);
///     }
///     assert_eq!(sem.available_permits(), 2);
/// });
/// ```
pub struct Semaphore {
    permits: Permits,
}

impl Semaphore {
    /// A semaphore holding `permits` permits (asyncio's `Semaphore(value)`).
    ///
    /// # Examples
    /// ```
    /// let sem = baton::sync::Semaphore::new(3);
    /// assert_eq!(sem.available_permits(), 3);
    /// ```
    pub fn new(permits: usize) -> Semaphore {
        Semaphore {
            permits: Permits::new(permits),
        }
    }

    /// Waits for a permit (asyncio's `async with sem` / `await sem.acquire()`).
    ///
    /// # Examples
    /// ```
    /// use baton::sync::Semaphore;
    ///
    /// baton::run(async {
    ///     let sem = Semaphore::new(1);
    ///     let permit = sem.acquire().await;
    ///     assert_eq!(sem.available_permits(), 0);
    ///     drop(permit);
    ///     assert_eq!(sem.available_permits(), 1);
    /// });
    /// ```
    ///
    /// # Cancel safety
    /// Cancel safe, and fair: dropping the future leaves the queue; if a permit had already been
    /// handed to it, the permit goes to the next waiter.
    pub fn acquire(&self) -> Acquire<'_> {
        Acquire::new(&self.permits)
    }

    /// Takes a permit if one is free now and nobody is waiting for one.
    ///
    /// # Examples
    /// ```
    /// let sem = baton::sync::Semaphore::new(1);
    /// let p = sem.try_acquire();
    /// assert!(p.is_some());
    /// assert!(sem.try_acquire().is_none());
    /// ```
    pub fn try_acquire(&self) -> Option<Permit<'_>> {
        self.permits
            .try_acquire()
            .then(|| Permit::new(&self.permits))
    }

    /// Gives one permit back (asyncio's `release()`), to the longest waiter if any. Pair it with
    /// [`Permit::forget`].
    ///
    /// # Examples
    /// ```
    /// let sem = baton::sync::Semaphore::new(1);
    /// sem.try_acquire().unwrap().forget(); // asyncio: await sem.acquire()
    /// assert!(sem.locked());
    /// sem.release(); // asyncio: sem.release()
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    ///
    /// # Panics
    /// If the count would pass `usize::MAX`.
    pub fn release(&self) {
        self.permits.release_one();
    }

    /// Adds `n` permits, serving waiters first.
    ///
    /// # Examples
    /// ```
    /// let sem = baton::sync::Semaphore::new(0);
    /// sem.add_permits(2);
    /// assert_eq!(sem.available_permits(), 2);
    /// ```
    ///
    /// # Panics
    /// If the count would pass `usize::MAX`.
    pub fn add_permits(&self, n: usize) {
        self.permits.release(n);
    }

    /// Permits free right now.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(baton::sync::Semaphore::new(4).available_permits(), 4);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.permits.available()
    }

    /// True if `acquire` would wait (asyncio's `locked()`).
    ///
    /// # Examples
    /// ```
    /// assert!(baton::sync::Semaphore::new(0).locked());
    /// ```
    pub fn locked(&self) -> bool {
        self.permits.available() == 0
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("permits", &self.permits)
            .finish()
    }
}

/// A permit taken from a [`Semaphore`] or [`BoundedSemaphore`](crate::sync::BoundedSemaphore);
/// dropping it gives the permit back.
///
/// # Examples
/// ```
/// let sem = baton::sync::Semaphore::new(1);
/// {
///     let _permit = sem.try_acquire().unwrap();
///     assert_eq!(sem.available_permits(), 0);
/// }
/// assert_eq!(sem.available_permits(), 1);
/// ```
#[must_use = "a permit is given back as soon as it is dropped"]
pub struct Permit<'a> {
    permits: &'a Permits,
}

impl<'a> Permit<'a> {
    pub(crate) fn new(permits: &'a Permits) -> Permit<'a> {
        Permit { permits }
    }

    /// Keeps the permit taken without holding a guard: asyncio's manual `acquire()`; give it back
    /// with [`Semaphore::release`].
    ///
    /// # Examples
    /// ```
    /// let sem = baton::sync::Semaphore::new(1);
    /// sem.try_acquire().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 0);
    /// ```
    pub fn forget(self) {
        std::mem::forget(self);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.permits.release_one();
    }
}

impl fmt::Debug for Permit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}

/// The future returned by [`Semaphore::acquire`] and
/// [`BoundedSemaphore::acquire`](crate::sync::BoundedSemaphore::acquire).
///
/// # Examples
/// ```
/// use baton::sync::{Acquire, Semaphore};
///
/// baton::run(async {
///     let sem = Semaphore::new(1);
///     let acquire: Acquire<'_> = sem.acquire();
///     let _permit = acquire.await;
/// });
/// ```
///
/// # Cancel safety
/// Cancel safe: dropping it leaves the queue, passing on a permit already handed to it.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Acquire<'a> {
    permits: &'a Permits,
    raw: RawAcquire,
}

impl<'a> Acquire<'a> {
    pub(crate) fn new(permits: &'a Permits) -> Acquire<'a> {
        Acquire {
            permits,
            raw: RawAcquire::new(),
        }
    }
}

impl<'a> Future for Acquire<'a> {
    type Output = Permit<'a>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit<'a>> {
        let this = &mut *self;
        this.raw
            .poll(this.permits, cx)
            .map(|()| Permit::new(this.permits))
    }
}

/// Terminated once it returned the permit.
impl FusedFuture for Acquire<'_> {
    fn is_terminated(&self) -> bool {
        self.raw.is_done()
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        self.raw.cancel(self.permits);
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("queued", &self.raw.is_queued())
            .field("done", &self.raw.is_done())
            .finish()
    }
}

/// Loom models of a release on one thread racing a cancelled acquire on another. Run them with
/// `scripts/loom.sh`.
#[cfg(all(test, baton_loom))]
mod loom_models {
    use super::*;
    use crate::loom::model::CountingWaker;
    use crate::loom::Arc;
    use loom::thread;

    fn poll_acquire<'a>(acquire: &mut Acquire<'a>, waker: &CountingWaker) -> Poll<Permit<'a>> {
        Pin::new(acquire).poll(&mut Context::from_waker(&waker.waker()))
    }

    /// A waiter dropped while another thread releases: the permit goes back to the pool
    /// whether it was released before, during or after the cancellation.
    #[test]
    fn release_racing_a_cancelled_acquire_returns_the_permit_to_the_pool() {
        loom::model(|| {
            let sem = Arc::new(Semaphore::new(0));
            let mut waiter = sem.acquire();
            assert!(poll_acquire(&mut waiter, &CountingWaker::new()).is_pending());
            let s = sem.clone();
            let releaser = thread::spawn(move || s.release());
            drop(waiter);
            releaser.join().unwrap();
            assert_eq!(sem.available_permits(), 1, "permit lost");
        });
    }

    /// The first of two waiters dropped while another thread releases: the permit reaches the
    /// second waiter, which is woken once.
    #[test]
    fn release_racing_a_cancelled_acquire_hands_the_permit_to_the_next_waiter() {
        loom::model(|| {
            let sem = Arc::new(Semaphore::new(0));
            let (first_waker, second_waker) = (CountingWaker::new(), CountingWaker::new());
            let mut first = sem.acquire();
            let mut second = sem.acquire();
            assert!(poll_acquire(&mut first, &first_waker).is_pending());
            assert!(poll_acquire(&mut second, &second_waker).is_pending());
            let s = sem.clone();
            let releaser = thread::spawn(move || s.release());
            drop(first);
            releaser.join().unwrap();
            assert_eq!(second_waker.count(), 1, "next waiter not woken");
            match poll_acquire(&mut second, &second_waker) {
                Poll::Ready(permit) => permit.forget(),
                Poll::Pending => panic!("permit lost"),
            }
            assert_eq!(sem.available_permits(), 0);
        });
    }
}
