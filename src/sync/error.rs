//! The errors of `baton::sync`.

use std::fmt;

/// [`BoundedSemaphore::release`](crate::sync::BoundedSemaphore::release) would raise the count
/// above its initial value (asyncio raises `ValueError`).
///
/// # Examples
/// ```
/// use baton::sync::{BoundedSemaphore, ReleaseError};
///
/// let sem = BoundedSemaphore::new(1);
/// assert_eq!(sem.release(), Err(ReleaseError::TooManyReleases));
/// assert_eq!(ReleaseError::TooManyReleases.to_string(), "semaphore released too many times");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReleaseError {
    /// Every permit was already in the semaphore.
    TooManyReleases,
}

impl fmt::Display for ReleaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReleaseError::TooManyReleases => f.write_str("semaphore released too many times"),
        }
    }
}

impl std::error::Error for ReleaseError {}

/// A [`Barrier`](crate::sync::Barrier) wait failed (asyncio's `BrokenBarrierError`).
///
/// # Examples
/// ```
/// use baton::sync::{Barrier, BarrierError};
///
/// baton::run(async {
///     let barrier = Barrier::new(2);
///     barrier.abort();
///     assert_eq!(barrier.wait().await, Err(BarrierError::Broken));
///     assert_eq!(BarrierError::Broken.to_string(), "barrier is broken");
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BarrierError {
    /// The barrier was aborted, or reset while this task waited.
    Broken,
}

impl fmt::Display for BarrierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BarrierError::Broken => f.write_str("barrier is broken"),
        }
    }
}

impl std::error::Error for BarrierError {}
