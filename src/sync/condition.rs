//! `Condition<T>`: asyncio's `Condition`, owning the lock it waits with.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use futures_core::future::FusedFuture;

use super::lock::{Lock, LockAcquire, LockGuard};
use crate::util::{wake_all, Mutex, WaitKey, WaitList, WakeList};

/// A lock plus a queue of tasks waiting for its value to change (asyncio's `Condition`).
///
/// # The Rust form
///
/// asyncio's `Condition` wraps a `Lock` that guards state kept elsewhere. Here the condition
/// *owns* a [`Lock<T>`] around that state, so the type system does what asyncio checks at run
/// time:
/// - [`lock`](Condition::lock) gives a [`LockGuard`]; holding it is holding the lock;
/// - [`wait`](Condition::wait) takes the guard by value (you cannot wait without holding the
///   lock), releases the lock while waiting and returns a fresh guard once it is notified and
///   has the lock again;
/// - [`wait_for`](Condition::wait_for) loops until a predicate over `&mut T` holds;
/// - [`notify`](Condition::notify) and [`notify_all`](Condition::notify_all) take `&self`, not
///   the guard: asyncio requires holding the lock to notify, but all that matters is that the
///   state change the waiters look for happens under the lock; a notify with no change is
///   a spurious wake-up, which `wait_for` absorbs.
///
/// Waiters are notified in the order they started waiting.
///
/// `Condition<T>` is `Send + Sync` when `T: Send`.
///
/// # Examples
/// ```
/// use baton::sync::Condition;
/// use std::rc::Rc;
///
/// baton::run(async {
///     let cond = Rc::new(Condition::new(Vec::new()));
///     let c = cond.clone();
///     let consumer = baton::spawn(async move {
///         let items = c.lock().await;
///         let mut items = c.wait_for(items, |v: &mut Vec<i32>| v.len() >= 2).await;
///         std::mem::take(&mut *items)
///     });
///     for i in 0..2 {
///         baton::yield_now().await;
///         cond.lock().await.push(i);
///         cond.notify(1);
///     }
///     assert_eq!(consumer.await.unwrap(), [0, 1]);
/// });
/// ```
pub struct Condition<T: ?Sized> {
    waiters: Mutex<WaitList<()>>,
    lock: Lock<T>,
}

impl<T> Condition<T> {
    /// A condition whose lock guards `value`.
    ///
    /// # Examples
    /// ```
    /// let cond = baton::sync::Condition::new(0);
    /// assert!(!cond.locked());
    /// ```
    pub fn new(value: T) -> Condition<T> {
        Condition {
            waiters: Mutex::new(WaitList::new()),
            lock: Lock::new(value),
        }
    }
}

impl<T: ?Sized> Condition<T> {
    /// Waits for the lock; as [`Lock::lock`].
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let cond = baton::sync::Condition::new(1);
    ///     assert_eq!(*cond.lock().await, 1);
    /// });
    /// ```
    ///
    /// # Cancel safety
    /// Cancel safe, as [`Lock::lock`].
    pub fn lock(&self) -> LockAcquire<'_, T> {
        self.lock.lock()
    }

    /// Takes the lock if it is free and nobody waits for it.
    ///
    /// # Examples
    /// ```
    /// let cond = baton::sync::Condition::new(());
    /// let _g = cond.try_lock().unwrap();
    /// assert!(cond.try_lock().is_none());
    /// ```
    pub fn try_lock(&self) -> Option<LockGuard<'_, T>> {
        self.lock.try_lock()
    }

    /// True while someone holds the lock.
    ///
    /// # Examples
    /// ```
    /// assert!(!baton::sync::Condition::new(()).locked());
    /// ```
    pub fn locked(&self) -> bool {
        self.lock.locked()
    }

    /// Releases the lock, waits to be notified, then takes the lock again and returns its
    /// guard (asyncio's `await cond.wait()`).
    ///
    /// The task joins the waiters before the lock is released, so a notify made under the lock
    /// after this call cannot be missed. Wake-ups may be spurious from the caller's point of
    /// view (another task changed the state back first): check the state again, or use
    /// [`wait_for`](Condition::wait_for).
    ///
    /// # Examples
    /// ```
    /// use baton::sync::Condition;
    /// use std::rc::Rc;
    ///
    /// baton::run(async {
    ///     let cond = Rc::new(Condition::new(false));
    ///     let c = cond.clone();
    ///     let t = baton::spawn(async move {
    ///         let mut ready = c.lock().await;
    ///         while !*ready {
    ///             ready = c.wait(ready).await;
    ///         }
    ///     });
    ///     baton::yield_now().await;
    ///     *cond.lock().await = true;
    ///     cond.notify_all();
    ///     t.await.unwrap();
    /// });
    /// ```
    ///
    /// # Panics
    /// If `guard` belongs to another lock.
    ///
    /// # Cancel safety
    /// Cancel safe: dropped while waiting, the task leaves the waiters holding nothing (unlike
    /// asyncio, which re-acquires the lock before raising `CancelledError`, since there is no
    /// code left to run under it); a notification already delivered to it passes on to the next
    /// waiter. Dropped while re-taking the lock, it leaves the lock's queue as
    /// [`Lock::lock`] does.
    pub fn wait<'a>(&'a self, guard: LockGuard<'a, T>) -> ConditionWait<'a, T> {
        self.assert_own_guard(&guard, "wait");
        ConditionWait {
            cond: self,
            state: WaitState::Start(guard),
        }
    }

    /// Waits until `predicate` holds for the guarded value, checking it first and after every
    /// notification (asyncio's `await cond.wait_for(predicate)`); returns the guard with the
    /// lock held.
    ///
    /// # Examples
    /// ```
    /// use baton::sync::Condition;
    /// use std::rc::Rc;
    ///
    /// baton::run(async {
    ///     let cond = Rc::new(Condition::new(0));
    ///     let c = cond.clone();
    ///     let t = baton::spawn(async move {
    ///         let g = c.lock().await;
    ///         *c.wait_for(g, |n: &mut i32| *n == 3).await
    ///     });
    ///     for _ in 0..3 {
    ///         baton::yield_now().await;
    ///         *cond.lock().await += 1;
    ///         cond.notify_all();
    ///     }
    ///     assert_eq!(t.await.unwrap(), 3);
    /// });
    /// ```
    ///
    /// # Panics
    /// If `guard` belongs to another lock.
    ///
    /// # Cancel safety
    /// As [`wait`](Condition::wait).
    pub fn wait_for<'a, P>(
        &'a self,
        guard: LockGuard<'a, T>,
        predicate: P,
    ) -> ConditionWaitFor<'a, T, P>
    where
        P: FnMut(&mut T) -> bool,
    {
        self.assert_own_guard(&guard, "wait_for");
        ConditionWaitFor {
            cond: self,
            predicate,
            state: WaitForState::Check(guard),
        }
    }

    /// Panics if `guard` is not the guard of this condition's lock (`method` names the caller).
    #[track_caller]
    fn assert_own_guard(&self, guard: &LockGuard<'_, T>, method: &str) {
        assert!(
            self.lock.same_lock(guard),
            "Condition::{method} was given the guard of another lock: pass the guard from this \
             condition's `lock()`"
        );
    }

    /// Wakes up to `n` waiting tasks, longest waiting first; returns how many it woke.
    ///
    /// # Examples
    /// ```
    /// let cond = baton::sync::Condition::new(());
    /// assert_eq!(cond.notify(1), 0); // nobody waits
    /// ```
    pub fn notify(&self, n: usize) -> usize {
        let mut wakers = WakeList::new();
        let woken = self.waiters.lock().notify_many(n, (), &mut wakers);
        wakers.wake_all();
        woken
    }

    /// Wakes every waiting task; returns how many it woke.
    ///
    /// # Examples
    /// ```
    /// let cond = baton::sync::Condition::new(());
    /// assert_eq!(cond.notify_all(), 0);
    /// ```
    pub fn notify_all(&self) -> usize {
        let mut wakers = None;
        let woken = {
            let mut waiters = self.waiters.lock();
            let woken = waiters.waiting();
            waiters.notify_all_into(&mut wakers);
            woken
        };
        wake_all(&mut wakers);
        woken
    }

    /// Tasks waiting to be notified.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(baton::sync::Condition::new(()).waiting(), 0);
    /// ```
    pub fn waiting(&self) -> usize {
        self.waiters.lock().waiting()
    }
}

impl<T: ?Sized> fmt::Debug for Condition<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition")
            .field("lock", &&self.lock)
            .field("waiting", &self.waiting())
            .finish()
    }
}

/// The future returned by [`Condition::wait`].
///
/// # Examples
/// ```
/// use baton::sync::{Condition, ConditionWait};
/// use std::rc::Rc;
///
/// baton::run(async {
///     let cond = Rc::new(Condition::new(0));
///     let c = cond.clone();
///     let t = baton::spawn(async move {
///         let wait: ConditionWait<'_, i32> = c.wait(c.lock().await);
///         *wait.await
///     });
///     baton::yield_now().await;
///     *cond.lock().await = 9;
///     cond.notify(1);
///     assert_eq!(t.await.unwrap(), 9);
/// });
/// ```
///
/// # Cancel safety
/// Cancel safe; see [`Condition::wait`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct ConditionWait<'a, T: ?Sized> {
    cond: &'a Condition<T>,
    state: WaitState<'a, T>,
}

enum WaitState<'a, T: ?Sized> {
    /// Not polled yet: still holds the lock.
    Start(LockGuard<'a, T>),
    /// Among the condition's waiters, lock released.
    Waiting(WaitKey),
    /// Notified; taking the lock again.
    Relock(LockAcquire<'a, T>),
    /// Returned the guard.
    Done,
}

impl<'a, T: ?Sized> Future for ConditionWait<'a, T> {
    type Output = LockGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<LockGuard<'a, T>> {
        let this = &mut *self;
        loop {
            match &mut this.state {
                WaitState::Start(_) => {
                    let key = this.cond.waiters.lock().push(cx.waker(), ());
                    // Join the waiters first, then release the lock (dropping the guard).
                    let WaitState::Start(guard) =
                        std::mem::replace(&mut this.state, WaitState::Waiting(key))
                    else {
                        unreachable!()
                    };
                    drop(guard);
                    return Poll::Pending;
                }
                WaitState::Waiting(key) => {
                    // Declared before the guard, so it is dropped after it.
                    let _replaced_waker: Option<Waker>;
                    let mut waiters = this.cond.waiters.lock();
                    if !waiters.is_notified(key) {
                        _replaced_waker = waiters.update_waker(key, cx.waker());
                        return Poll::Pending;
                    }
                    let WaitState::Waiting(key) = std::mem::replace(
                        &mut this.state,
                        WaitState::Relock(this.cond.lock.lock()),
                    ) else {
                        unreachable!()
                    };
                    _replaced_waker = waiters.release(key).waker;
                }
                WaitState::Relock(acquire) => {
                    let guard = std::task::ready!(Pin::new(acquire).poll(cx));
                    this.state = WaitState::Done;
                    return Poll::Ready(guard);
                }
                WaitState::Done => panic!("ConditionWait polled after it completed"),
            }
        }
    }
}

/// Terminated once it returned the guard.
impl<T: ?Sized> FusedFuture for ConditionWait<'_, T> {
    fn is_terminated(&self) -> bool {
        matches!(self.state, WaitState::Done)
    }
}

impl<T: ?Sized> Drop for ConditionWait<'_, T> {
    fn drop(&mut self) {
        if let WaitState::Waiting(_) = &self.state {
            let WaitState::Waiting(key) = std::mem::replace(&mut self.state, WaitState::Done)
            else {
                unreachable!()
            };
            let released = self.cond.waiters.lock().release(key);
            // After the guard: a waker's drop may re-enter the condition.
            drop(released.waker);
            if released.notified {
                // The notification was meant for a live waiter: pass it on.
                self.cond.notify(1);
            }
        }
    }
}

impl<T: ?Sized> fmt::Debug for ConditionWait<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            WaitState::Start(_) => "holding the lock",
            WaitState::Waiting(_) => "waiting",
            WaitState::Relock(_) => "re-taking the lock",
            WaitState::Done => "done",
        };
        f.debug_struct("ConditionWait")
            .field("state", &state)
            .finish()
    }
}

/// The future returned by [`Condition::wait_for`].
///
/// # Examples
/// ```
/// baton::run(async {
///     let cond = baton::sync::Condition::new(5);
///     let g = cond.lock().await;
///     // The predicate already holds: returns at once, lock held.
///     let g = cond.wait_for(g, |n: &mut i32| *n == 5).await;
///     assert_eq!(*g, 5);
/// });
/// ```
///
/// # Cancel safety
/// Cancel safe; see [`Condition::wait`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct ConditionWaitFor<'a, T: ?Sized, P> {
    cond: &'a Condition<T>,
    predicate: P,
    state: WaitForState<'a, T>,
}

enum WaitForState<'a, T: ?Sized> {
    Check(LockGuard<'a, T>),
    Wait(ConditionWait<'a, T>),
    Done,
}

// The predicate is only ever called through `&mut`, never pinned.
impl<T: ?Sized, P> Unpin for ConditionWaitFor<'_, T, P> {}

impl<'a, T: ?Sized, P> Future for ConditionWaitFor<'a, T, P>
where
    P: FnMut(&mut T) -> bool,
{
    type Output = LockGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<LockGuard<'a, T>> {
        let this = &mut *self;
        loop {
            match std::mem::replace(&mut this.state, WaitForState::Done) {
                WaitForState::Check(mut guard) => {
                    if (this.predicate)(&mut guard) {
                        return Poll::Ready(guard);
                    }
                    this.state = WaitForState::Wait(this.cond.wait(guard));
                }
                WaitForState::Wait(mut wait) => match Pin::new(&mut wait).poll(cx) {
                    Poll::Ready(guard) => this.state = WaitForState::Check(guard),
                    Poll::Pending => {
                        this.state = WaitForState::Wait(wait);
                        return Poll::Pending;
                    }
                },
                WaitForState::Done => panic!("ConditionWaitFor polled after it completed"),
            }
        }
    }
}

/// Terminated once it returned the guard.
impl<'a, T: ?Sized, P> FusedFuture for ConditionWaitFor<'a, T, P>
where
    P: FnMut(&mut T) -> bool,
{
    fn is_terminated(&self) -> bool {
        matches!(self.state, WaitForState::Done)
    }
}

impl<T: ?Sized, P> fmt::Debug for ConditionWaitFor<'_, T, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            WaitForState::Check(_) => "checking",
            WaitForState::Wait(_) => "waiting",
            WaitForState::Done => "done",
        };
        f.debug_struct("ConditionWaitFor")
            .field("state", &state)
            .finish()
    }
}
