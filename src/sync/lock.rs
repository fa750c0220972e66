//! `Lock<T>`: asyncio's `Lock`, as a guard-based mutex over the data it protects.

use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::future::FusedFuture;

use super::permits::{Permits, RawAcquire};

/// A lock held across `.await` points, owning the value it protects (asyncio's `Lock`, in the
/// shape of tokio's `Mutex`).
///
/// [`lock`](Lock::lock) waits for the lock and returns a [`LockGuard`] that dereferences to the
/// value and unlocks when dropped. The lock is fair: when it is released it goes straight to the
/// task that has waited longest, and nobody (not even [`try_lock`](Lock::try_lock)) can take it
/// while tasks wait.
///
/// `Lock<T>` is `Send + Sync` when `T: Send`: share it with `Rc` on the loop or `Arc` across
/// threads.
///
/// # Examples
/// ```
/// use baton::sync::Lock;
/// use std::rc::Rc;
///
/// baton::run(async {
///     let lock = Rc::new(Lock::new(Vec::new()));
///     let tasks: Vec<_> = (0..3)
///         .map(|i| {
///             let lock = lock.clone();
///             baton::spawn(async move {
///                 let mut v = lock.lock().await;
///                 baton::yield_now().await; // others wait: the lock is held across the await
///                 v.push(i);
///             })
///         })
///         .collect();
///     for t in tasks {
///         t.await.unwrap();
///     }
///     assert_eq!(*lock.lock().await, [0, 1, 2]); // FIFO: in the order they asked
/// });
/// ```
pub struct Lock<T: ?Sized> {
    permits: Permits,
    value: UnsafeCell<T>,
}

// SAFETY: the value is reached only through a `LockGuard`, and the one permit of `permits`
// ensures at most one guard exists at a time; moving the lock moves the `T` (hence `T: Send`).
unsafe impl<T: ?Sized + Send> Send for Lock<T> {}
// SAFETY: `&Lock` hands out `&mut T` to one guard holder at a time, possibly on another thread,
// which is sound when `T: Send` (as for `std::sync::Mutex`); `permits` is itself thread-safe.
unsafe impl<T: ?Sized + Send> Sync for Lock<T> {}

impl<T> Lock<T> {
    /// An unlocked lock around `value`.
    ///
    /// # Examples
    /// ```
    /// let lock = baton::sync::Lock::new(5);
    /// assert!(!lock.locked());
    /// ```
    pub fn new(value: T) -> Lock<T> {
        Lock {
            permits: Permits::new(1),
            value: UnsafeCell::new(value),
        }
    }

    /// Returns the value, consuming the lock.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(baton::sync::Lock::new(5).into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized> Lock<T> {
    /// Waits for the lock (asyncio's `async with lock`).
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let lock = baton::sync::Lock::new(0);
    ///     *lock.lock().await += 1;
    ///     assert_eq!(*lock.lock().await, 1);
    /// });
    /// ```
    ///
    /// # Cancel safety
    /// Cancel safe, and fair: dropping the future leaves the queue; if the lock had already been
    /// handed to it, the lock goes to the next waiter (or is unlocked).
    pub fn lock(&self) -> LockAcquire<'_, T> {
        LockAcquire {
            lock: self,
            raw: RawAcquire::new(),
        }
    }

    /// Takes the lock if it is free and nobody waits for it.
    ///
    /// # Examples
    /// ```
    /// let lock = baton::sync::Lock::new(0);
    /// let g = lock.try_lock();
    /// assert!(g.is_some());
    /// assert!(lock.try_lock().is_none());
    /// ```
    pub fn try_lock(&self) -> Option<LockGuard<'_, T>> {
        self.permits.try_acquire().then(|| LockGuard::new(self))
    }

    /// True while someone holds the lock (asyncio's `locked()`).
    ///
    /// # Examples
    /// ```
    /// let lock = baton::sync::Lock::new(());
    /// let _g = lock.try_lock();
    /// assert!(lock.locked());
    /// ```
    pub fn locked(&self) -> bool {
        self.permits.available() == 0
    }

    /// The value, through exclusive access to the lock (no locking needed).
    ///
    /// # Examples
    /// ```
    /// let mut lock = baton::sync::Lock::new(1);
    /// *lock.get_mut() += 1;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    pub(crate) fn same_lock(&self, guard: &LockGuard<'_, T>) -> bool {
        std::ptr::eq(self, guard.lock)
    }
}

impl<T: Default> Default for Lock<T> {
    fn default() -> Lock<T> {
        Lock::new(T::default())
    }
}

impl<T: ?Sized> fmt::Debug for Lock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("locked", &self.locked())
            .field("waiting", &self.permits.waiting())
            .finish_non_exhaustive()
    }
}

/// Access to the value of a held [`Lock`]; dropping it unlocks.
///
/// # Examples
/// ```
/// let lock = baton::sync::Lock::new(String::from("a"));
/// let mut g = lock.try_lock().unwrap();
/// g.push('b');
/// drop(g);
/// assert_eq!(*lock.try_lock().unwrap(), "ab");
/// ```
///
/// A guard is `Sync` only if `T` is, though the lock is `Sync` whenever `T: Send`:
/// ```compile_fail
/// fn sync<T: Sync>(_: &T) {}
/// let lock = baton::sync::Lock::new(std::cell::Cell::new(0));
/// sync(&lock); // fine
/// sync(&lock.try_lock().unwrap()); // error: `Cell` is not `Sync`
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard<'a, T: ?Sized> {
    lock: &'a Lock<T>,
    /// Makes the guard `Send` only if `T: Send` and `Sync` only if `T: Sync`, as `&mut T`.
    _value: PhantomData<&'a mut T>,
}

impl<'a, T: ?Sized> LockGuard<'a, T> {
    fn new(lock: &'a Lock<T>) -> LockGuard<'a, T> {
        LockGuard {
            lock,
            _value: PhantomData,
        }
    }
}

impl<T: ?Sized> Deref for LockGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: a guard exists only while its holder owns the lock's single permit, so no
        // other guard (or `get_mut`, which needs `&mut Lock`) can reach the value meanwhile.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T: ?Sized> DerefMut for LockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only borrow through this guard.
        unsafe { &mut *self.lock.value.get() }
    }
}

impl<T: ?Sized> Drop for LockGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.permits.release_one();
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for LockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// The future returned by [`Lock::lock`].
///
/// # Examples
/// ```
/// use baton::sync::{Lock, LockAcquire};
///
/// baton::run(async {
///     let lock = Lock::new(1);
///     let acquire: LockAcquire<'_, i32> = lock.lock();
///     assert_eq!(*acquire.await, 1);
/// });
/// ```
///
/// # Cancel safety
/// Cancel safe: dropping it leaves the queue, passing on a lock already handed to it.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct LockAcquire<'a, T: ?Sized> {
    lock: &'a Lock<T>,
    raw: RawAcquire,
}

impl<'a, T: ?Sized> Future for LockAcquire<'a, T> {
    type Output = LockGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<LockGuard<'a, T>> {
        let this = &mut *self;
        let lock = this.lock;
        this.raw
            .poll(&lock.permits, cx)
            .map(|()| LockGuard::new(lock))
    }
}

/// Terminated once it returned the guard.
impl<T: ?Sized> FusedFuture for LockAcquire<'_, T> {
    fn is_terminated(&self) -> bool {
        self.raw.is_done()
    }
}

impl<T: ?Sized> Drop for LockAcquire<'_, T> {
    fn drop(&mut self) {
        self.raw.cancel(&self.lock.permits);
    }
}

impl<T: ?Sized> fmt::Debug for LockAcquire<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockAcquire")
            .field("queued", &self.raw.is_queued())
            .field("done", &self.raw.is_done())
            .finish()
    }
}
