//! `watch`: one value that senders replace and receivers observe; a receiver learns that the
//! value changed, not how many times (changes coalesce).
//!
//! # State
//! One lock guards the value, its `version` (bumped by every send) and the waiting receivers.
//! Each receiver remembers the version it last saw; [`Receiver::changed`] returns once the
//! current version differs. [`Ref`] holds the lock while it lives, so keep borrows short and
//! never hold one across an `.await`.
//!
//! ```
//! use baton::channel::watch;
//!
//! let (tx, rx) = watch::channel("config v1");
//! tx.send("config v2").unwrap();
//! assert_eq!(*rx.borrow(), "config v2");
//! ```

use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use futures_core::future::FusedFuture;

use crate::coop;
use crate::loom::Arc;
use crate::util::{leave_locked, wake_all, Mutex, MutexGuard, WaitKey, WaitList};

pub use super::error::{RecvError, SendError};

/// Makes a watch channel holding `init`.
///
/// # Examples
/// ```
/// use baton::channel::watch;
///
/// baton::run(async {
///     let (tx, mut rx) = watch::channel("starting");
///     let _task = baton::spawn(async move {
///         tx.send("ready").unwrap();
///     });
///     rx.changed().await.unwrap();
///     assert_eq!(*rx.borrow_and_update(), "ready");
/// });
/// ```
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Mutex::new(State {
        value: init,
        version: 0,
        waiters: WaitList::new(),
        senders: 1,
        receivers: 1,
    }));
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver { shared, seen: 0 },
    )
}

/// The sending half of a [`watch::channel`](channel); clone it for more senders.
///
/// # Examples
/// ```
/// let (tx, rx) = baton::channel::watch::channel(0);
/// tx.send(1).unwrap();
/// assert_eq!(*rx.borrow(), 1);
/// ```
pub struct Sender<T> {
    shared: Arc<Mutex<State<T>>>,
}

/// A receiving half of a [`watch::channel`](channel); clone it (or
/// [`subscribe`](Sender::subscribe)) for more.
///
/// # Examples
/// ```
/// use baton::channel::watch;
///
/// baton::run(async {
///     let (tx, mut rx) = watch::channel(0);
///     tx.send(1).unwrap();
///     tx.send(2).unwrap(); // coalesces with the send before
///     rx.changed().await.unwrap();
///     assert_eq!(*rx.borrow_and_update(), 2);
///     drop(tx);
///     assert!(rx.changed().await.is_err()); // no change pending and no sender left
/// });
/// ```
pub struct Receiver<T> {
    shared: Arc<Mutex<State<T>>>,
    /// The version this receiver last saw.
    seen: u64,
}

struct State<T> {
    value: T,
    /// Bumped by every send.
    version: u64,
    /// Receivers waiting in `changed`.
    waiters: WaitList<()>,
    senders: usize,
    receivers: usize,
}

/// A borrow of the value in a watch channel. It holds the channel's lock: senders (on any
/// thread) wait until it is dropped, so do not hold it across an `.await`.
///
/// # Examples
/// ```
/// let (_tx, rx) = baton::channel::watch::channel(vec![1, 2]);
/// let value = rx.borrow();
/// assert_eq!(value.len(), 2);
/// ```
pub struct Ref<'a, T> {
    guard: MutexGuard<'a, State<T>>,
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.guard.value
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T> Sender<T> {
    /// Replaces the value and tells every receiver it changed.
    ///
    /// # Examples
    /// ```
    /// let (tx, rx) = baton::channel::watch::channel(1);
    /// tx.send(2).unwrap();
    /// drop(rx);
    /// assert_eq!(tx.send(3).unwrap_err().into_inner(), 3);
    /// ```
    ///
    /// # Errors
    /// [`SendError`] holding `value` when there are no receivers; the stored value is left as
    /// it was. Use [`send_replace`](Sender::send_replace) to store it regardless.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        let mut state = self.shared.lock();
        if state.receivers == 0 {
            return Err(SendError(value));
        }
        let old = std::mem::replace(&mut state.value, value);
        Self::publish(state);
        drop(old);
        Ok(())
    }

    /// Replaces the value whether or not anyone receives, and returns the old one.
    ///
    /// # Examples
    /// ```
    /// let (tx, _rx) = baton::channel::watch::channel(1);
    /// assert_eq!(tx.send_replace(2), 1);
    /// ```
    pub fn send_replace(&self, value: T) -> T {
        let mut state = self.shared.lock();
        let old = std::mem::replace(&mut state.value, value);
        Self::publish(state);
        old
    }

    /// Changes the value in place and tells every receiver it changed.
    ///
    /// # Examples
    /// ```
    /// let (tx, rx) = baton::channel::watch::channel(vec![1]);
    /// tx.send_modify(|v| v.push(2));
    /// assert_eq!(*rx.borrow(), [1, 2]);
    /// ```
    ///
    /// # Panics
    /// If `modify` panics; receivers are then not told of a change.
    pub fn send_modify(&self, modify: impl FnOnce(&mut T)) {
        let mut state = self.shared.lock();
        modify(&mut state.value);
        Self::publish(state);
    }

    /// Bumps the version and wakes the waiting receivers, after releasing the lock.
    fn publish(mut state: MutexGuard<'_, State<T>>) {
        state.version += 1;
        let mut wakers = None;
        state.waiters.notify_all_into(&mut wakers);
        drop(state);
        wake_all(&mut wakers);
    }

    /// Borrows the current value.
    ///
    /// # Examples
    /// ```
    /// let (tx, _rx) = baton::channel::watch::channel("a");
    /// assert_eq!(*tx.borrow(), "a");
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            guard: self.shared.lock(),
        }
    }

    /// A new receiver that has seen the current value.
    ///
    /// # Examples
    /// ```
    /// let (tx, _rx) = baton::channel::watch::channel(0);
    /// let rx2 = tx.subscribe();
    /// assert_eq!(rx2.has_changed(), Ok(false));
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        let mut state = self.shared.lock();
        state.receivers += 1;
        Receiver {
            shared: self.shared.clone(),
            seen: state.version,
        }
    }

    /// How many receivers exist.
    ///
    /// # Examples
    /// ```
    /// let (tx, rx) = baton::channel::watch::channel(0);
    /// assert_eq!(tx.receiver_count(), 1);
    /// drop(rx);
    /// assert_eq!(tx.receiver_count(), 0);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.lock().receivers
    }

    /// True when there are no receivers.
    ///
    /// # Examples
    /// ```
    /// let (tx, rx) = baton::channel::watch::channel(0);
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.lock().senders += 1;
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut wakers = None;
        {
            let mut state = self.shared.lock();
            state.senders -= 1;
            if state.senders > 0 {
                return;
            }
            state.waiters.notify_all_into(&mut wakers);
        }
        wake_all(&mut wakers);
    }
}

impl<T: fmt::Debug> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("watch::Sender")
            .field("value", &state.value)
            .field("version", &state.version)
            .finish()
    }
}

impl<T> Receiver<T> {
    /// Borrows the current value without marking it seen.
    ///
    /// # Examples
    /// ```
    /// let (tx, rx) = baton::channel::watch::channel(1);
    /// tx.send(2).unwrap();
    /// assert_eq!(*rx.borrow(), 2);
    /// assert_eq!(rx.has_changed(), Ok(true)); // still unseen
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            guard: self.shared.lock(),
        }
    }

    /// Borrows the current value and marks it seen.
    ///
    /// # Examples
    /// ```
    /// let (tx, mut rx) = baton::channel::watch::channel(1);
    /// tx.send(2).unwrap();
    /// assert_eq!(*rx.borrow_and_update(), 2);
    /// assert_eq!(rx.has_changed(), Ok(false));
    /// ```
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let guard = self.shared.lock();
        self.seen = guard.version;
        Ref { guard }
    }

    /// Whether the value changed since this receiver last saw it.
    ///
    /// # Examples
    /// ```
    /// let (tx, rx) = baton::channel::watch::channel(1);
    /// assert_eq!(rx.has_changed(), Ok(false));
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.has_changed(), Ok(true));
    /// ```
    ///
    /// # Errors
    /// [`RecvError::Closed`] when every sender is gone.
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        let state = self.shared.lock();
        if state.senders == 0 {
            return Err(RecvError::Closed);
        }
        Ok(state.version != self.seen)
    }

    /// Waits until the value changes from the version this receiver last saw, and marks the new
    /// one seen. Returns at once if a change is already unseen; several sends before it looks
    /// count as one change.
    ///
    /// # Examples
    /// ```
    /// use baton::channel::watch;
    ///
    /// baton::run(async {
    ///     let (tx, mut rx) = watch::channel(0);
    ///     let waiter = baton::spawn(async move {
    ///         rx.changed().await.unwrap();
    ///         *rx.borrow()
    ///     });
    ///     baton::yield_now().await;
    ///     tx.send(5).unwrap();
    ///     assert_eq!(waiter.await.unwrap(), 5);
    /// });
    /// ```
    ///
    /// # Errors
    /// [`RecvError::Closed`] when every sender is gone and no change is unseen.
    ///
    /// # Cancel safety
    /// Cancel safe: if dropped before it returns, the change stays unseen.
    pub fn changed(&mut self) -> Changed<'_, T> {
        Changed {
            rx: self,
            key: None,
            returned: false,
        }
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.shared.lock().receivers += 1;
        Receiver {
            shared: self.shared.clone(),
            seen: self.seen,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.shared.lock().receivers -= 1;
    }
}

impl<T: fmt::Debug> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("watch::Receiver")
            .field("value", &state.value)
            .field("changed", &(state.version != self.seen))
            .finish()
    }
}

/// The future returned by [`Receiver::changed`].
///
/// # Examples
/// ```
/// use baton::channel::watch;
///
/// baton::run(async {
///     let (tx, mut rx) = watch::channel(0);
///     tx.send(1).unwrap();
///     let changed: watch::Changed<'_, i32> = rx.changed();
///     assert!(changed.await.is_ok());
/// });
/// ```
///
/// # Cancel safety
/// See [`Receiver::changed`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Changed<'a, T> {
    rx: &'a mut Receiver<T>,
    /// This future's slot among the waiting receivers.
    key: Option<WaitKey>,
    /// It returned (`FusedFuture::is_terminated`).
    returned: bool,
}

impl<T> Future for Changed<'_, T> {
    type Output = Result<(), RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let out = coop::poll_budgeted(cx, coop::Cost::Memory, |cx| this.poll_changed(cx));
        this.returned = out.is_ready();
        out
    }
}

/// Terminated once it returned (a change or the channel's end).
impl<T> FusedFuture for Changed<'_, T> {
    fn is_terminated(&self) -> bool {
        self.returned
    }
}

impl<T> Changed<'_, T> {
    fn poll_changed(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), RecvError>> {
        let this = self;
        // Declared before the guard, so it is dropped after it (locals drop in reverse order):
        // a waker's drop may re-enter the channel.
        let _stale_waker: Option<Waker>;
        let mut state = this.rx.shared.lock();
        let out = if state.version != this.rx.seen {
            this.rx.seen = state.version;
            Ok(())
        } else if state.senders == 0 {
            Err(RecvError::Closed)
        } else {
            _stale_waker = state.waiters.register(&mut this.key, cx.waker());
            return Poll::Pending;
        };
        _stale_waker = state.waiters.leave(&mut this.key);
        Poll::Ready(out)
    }
}

impl<T> Drop for Changed<'_, T> {
    fn drop(&mut self) {
        leave_locked(&self.rx.shared, &mut self.key, |st| &mut st.waiters);
    }
}

impl<T> fmt::Debug for Changed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Changed")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sends_coalesce_into_one_change() {
        let (tx, rx) = channel(0);
        for i in 1..=3 {
            tx.send(i).unwrap();
        }
        assert_eq!(rx.has_changed(), Ok(true));
        assert_eq!(*rx.borrow(), 3);
    }
}
