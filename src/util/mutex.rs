//! `Mutex`: the crate's one poison-free lock, and `Condvar`, its condition variable.
//!
//! # Why poisoning is ignored
//!
//! A `std::sync::Mutex` is *poisoned* when a thread panics while holding it, and every later
//! `lock` returns an error, to warn that the data may be half-updated. Under baton's locks that
//! cannot happen, for two reasons that every user of this type keeps:
//!
//! - **No user code runs under the lock.** Wakers are woken and dropped, values dropped and
//!   callbacks run only after the guard is gone (*collect, release, then call*). The few
//!   exceptions call user code *before* changing anything (a `T::clone` in `broadcast` and
//!   `Promise`, a `PriorityQueue`'s `Ord`, which leaves the heap valid memory, maybe out of
//!   order; a `Waker::clone`, which cannot leave a node half-written), or hand the guard to the
//!   user on purpose (`watch::Ref`, `send_modify`), where every bookkeeping field is consistent.
//! - **A panic in user code is already contained** where it happens (a task's poll is caught by
//!   the loop; wakes and drops go through `crate::panic`), so it is reported once, by the panic
//!   hook, and treating the lock as poisoned afterwards would only turn one contained panic into
//!   a second, uncontained one in whoever touches the primitive next.
//!
//! So [`Mutex::lock`] returns the guard directly, poisoned or not.
//!
//! Both types are thin wrappers over `crate::loom`'s, so a `--cfg baton_loom` build
//! model-checks every lock in the crate; in a normal build they cost exactly what `std`'s do.

use std::fmt;
use std::sync::{LockResult, PoisonError};
use std::time::Duration;

use crate::loom;

pub(crate) use crate::loom::MutexGuard;

/// A mutual-exclusion lock whose [`lock`](Mutex::lock) ignores poisoning (see the module docs).
pub(crate) struct Mutex<T> {
    inner: loom::Mutex<T>,
}

impl<T> Mutex<T> {
    /// An unlocked mutex holding `value`.
    pub(crate) fn new(value: T) -> Mutex<T> {
        Mutex {
            inner: loom::Mutex::new(value),
        }
    }

    /// Locks the mutex, waiting for it if another thread holds it. Never fails: a panic while
    /// another holder had it does not stop this one (see the module docs).
    #[inline]
    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        unpoisoned(self.inner.lock())
    }
}

impl<T: fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

/// A condition variable to wait on with a [`Mutex`]'s guard; poison-free as the mutex is.
#[derive(Debug)]
pub(crate) struct Condvar {
    inner: loom::Condvar,
}

impl Condvar {
    pub(crate) fn new() -> Condvar {
        Condvar {
            inner: loom::Condvar::new(),
        }
    }

    /// Releases `guard`, waits for a notification or until `timeout` has passed, and takes the
    /// lock again. The flag says whether the wait timed out.
    pub(crate) fn wait_timeout<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Duration,
    ) -> (MutexGuard<'a, T>, bool) {
        let (guard, result) = unpoisoned(self.inner.wait_timeout(guard, timeout));
        (guard, result.timed_out())
    }

    /// Wakes one thread waiting on this condition variable.
    pub(crate) fn notify_one(&self) {
        self.inner.notify_one();
    }
}

/// The value of a lock operation, poisoned or not: the one place the crate ignores poisoning.
#[inline]
/// Locks a plain `std` mutex the same poison-free way, for the few that live in a `static`
/// (loom's cannot) and so are never modelled.
pub(crate) fn lock_static<T>(
    mutex: &'static std::sync::Mutex<T>,
) -> std::sync::MutexGuard<'static, T> {
    unpoisoned(mutex.lock())
}

fn unpoisoned<G>(result: LockResult<G>) -> G {
    result.unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_while_locked_does_not_stop_the_next_holder() {
        let m = std::sync::Arc::new(Mutex::new(1));
        let m2 = m.clone();
        let panicked = std::thread::spawn(move || {
            let mut g = m2.lock();
            *g = 2;
            panic!("a holder that panics");
        })
        .join();
        assert!(panicked.is_err());
        assert_eq!(*m.lock(), 2);
    }

    #[test]
    fn wait_timeout_times_out_without_a_notification() {
        let m = Mutex::new(());
        let cv = Condvar::new();
        let (_guard, timed_out) = cv.wait_timeout(m.lock(), Duration::ZERO);
        assert!(timed_out);
    }
}
