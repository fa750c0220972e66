//! `BoundedSemaphore`: a semaphore that refuses to be released above its initial count.

use std::fmt;

use super::permits::Permits;
use super::semaphore::{Acquire, Permit};
use super::ReleaseError;

/// A [`Semaphore`](crate::sync::Semaphore) whose manual [`release`](BoundedSemaphore::release)
/// fails, with an error value rather than a panic, when every permit is already back (asyncio's
/// `BoundedSemaphore`, which raises `ValueError`). A permit that a release handed to a waiting
/// task counts as back until that task runs and takes it.
///
/// The bound guards manual releases; a [`Permit`] dropped returns its permit unchecked (it was
/// taken from the semaphore, so it can only exceed the bound after a mistaken manual release,
/// which the next manual release then reports).
///
/// # Examples
/// ```
/// use baton::sync::{BoundedSemaphore, ReleaseError};
///
/// baton::run(async {
///     let sem = BoundedSemaphore::new(1);
///     sem.acquire().await.forget(); // asyncio: await sem.acquire()
///     assert_eq!(sem.release(), Ok(()));
///     assert_eq!(sem.release(), Err(ReleaseError::TooManyReleases));
/// });
/// ```
pub struct BoundedSemaphore {
    permits: Permits,
    bound: usize,
}

impl BoundedSemaphore {
    /// A semaphore holding `permits` permits, never more.
    ///
    /// # Examples
    /// ```
    /// let sem = baton::sync::BoundedSemaphore::new(2);
    /// assert_eq!(sem.available_permits(), 2);
    /// ```
    pub fn new(permits: usize) -> BoundedSemaphore {
        BoundedSemaphore {
            permits: Permits::new(permits),
            bound: permits,
        }
    }

    /// Waits for a permit; as [`Semaphore::acquire`](crate::sync::Semaphore::acquire).
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let sem = baton::sync::BoundedSemaphore::new(1);
    ///     let _permit = sem.acquire().await;
    ///     assert!(sem.locked());
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
    /// let sem = baton::sync::BoundedSemaphore::new(1);
    /// let _p = sem.try_acquire().unwrap();
    /// assert!(sem.try_acquire().is_none());
    /// ```
    pub fn try_acquire(&self) -> Option<Permit<'_>> {
        self.permits
            .try_acquire()
            .then(|| Permit::new(&self.permits))
    }

    /// Gives one permit back, to the longest waiter if any; pair it with [`Permit::forget`].
    ///
    /// # Examples
    /// ```
    /// let sem = baton::sync::BoundedSemaphore::new(1);
    /// sem.try_acquire().unwrap().forget();
    /// assert!(sem.release().is_ok());
    /// ```
    ///
    /// # Errors
    /// [`ReleaseError::TooManyReleases`] if the semaphore already holds its initial count,
    /// counting the permits free now and those handed to woken waiters that have not yet run;
    /// the count is unchanged.
    pub fn release(&self) -> Result<(), ReleaseError> {
        self.permits
            .release_bounded(self.bound)
            .map_err(|_| ReleaseError::TooManyReleases)
    }

    /// Permits free right now.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(baton::sync::BoundedSemaphore::new(3).available_permits(), 3);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.permits.available()
    }

    /// True if `acquire` would wait.
    ///
    /// # Examples
    /// ```
    /// assert!(baton::sync::BoundedSemaphore::new(0).locked());
    /// ```
    pub fn locked(&self) -> bool {
        self.permits.available() == 0
    }
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSemaphore")
            .field("permits", &self.permits)
            .field("bound", &self.bound)
            .finish()
    }
}

/// Loom models of the bound against a racing cancellation. Run them with `scripts/loom.sh`.
#[cfg(all(test, baton_loom))]
mod loom_models {
    use super::*;
    use crate::loom::model::CountingWaker;
    use crate::loom::Arc;
    use loom::thread;
    use std::future::Future;
    use std::pin::Pin;
    use std::task::Context;

    /// A release on another thread hands the permit to a waiter that is being cancelled: the
    /// permit ends in the pool exactly once (handed over and passed back, or released after the
    /// waiter left), and a further release is one too many.
    #[test]
    fn release_racing_a_cancelled_acquire_keeps_the_bound() {
        loom::model(|| {
            let sem = Arc::new(BoundedSemaphore::new(1));
            sem.try_acquire().expect("one permit").forget();
            let mut waiter = sem.acquire();
            let waker = CountingWaker::new().waker();
            let first = Pin::new(&mut waiter).poll(&mut Context::from_waker(&waker));
            assert!(first.is_pending());
            let s = sem.clone();
            let releaser = thread::spawn(move || assert_eq!(s.release(), Ok(())));
            drop(waiter);
            releaser.join().unwrap();
            assert_eq!(sem.available_permits(), 1);
            assert_eq!(sem.release(), Err(ReleaseError::TooManyReleases));
        });
    }
}
