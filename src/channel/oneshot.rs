//! `oneshot`: one value, sent once, from one task (or thread) to another.
//!
//! # State
//! One lock guards the slot. `value` is written once by [`Sender::send`]; `sender_done` is set by
//! `send` or by dropping the sender, and from then on the receiver never waits again;
//! `receiver_closed` is set by [`Receiver::close`] or dropping the receiver, and from then on
//! `send` hands the value back.
//!
//! ```
//! use baton::channel::oneshot;
//!
//! let (tx, rx) = oneshot::channel();
//! tx.send(1).unwrap();
//! assert_eq!(baton::run(rx), Ok(1));
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use futures_core::future::FusedFuture;

use super::error::{RecvError, SendError, TryRecvError};
use crate::loom::Arc;
use crate::util::{wake, Mutex};

/// Makes a oneshot channel: the [`Sender`] sends one value, the [`Receiver`] (a future) receives
/// it.
///
/// # Examples
/// ```
/// use baton::channel::oneshot;
///
/// baton::run(async {
///     let (tx, rx) = oneshot::channel();
///     let _task = baton::spawn(async move { tx.send("done").unwrap() });
///     assert_eq!(rx.await, Ok("done"));
/// });
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Mutex::new(Slot {
        value: None,
        rx_waker: None,
        sender_done: false,
        receiver_closed: false,
    }));
    (
        Sender {
            inner: inner.clone(),
        },
        Receiver {
            inner,
            returned: false,
        },
    )
}

/// The sending half of a [`oneshot::channel`](channel). `Send` when `T` is, so a thread can
/// complete work a task awaits.
///
/// # Examples
/// ```
/// use baton::channel::oneshot;
///
/// let (tx, rx) = oneshot::channel();
/// std::thread::spawn(move || tx.send(6 * 7).unwrap());
/// assert_eq!(baton::run(rx), Ok(42));
/// ```
pub struct Sender<T> {
    inner: Arc<Mutex<Slot<T>>>,
}

/// The receiving half of a [`oneshot::channel`](channel); await it for the value.
///
/// # Examples
/// ```
/// use baton::channel::{oneshot, RecvError};
///
/// baton::run(async {
///     let (tx, rx) = oneshot::channel::<u32>();
///     drop(tx); // never sends
///     assert_eq!(rx.await, Err(RecvError::Closed));
/// });
/// ```
///
/// # Cancel safety
/// Cancel safe in the sense that matters: a value is taken only when the poll that returns it
/// runs, so dropping a pending `Receiver` loses nothing that was not already undeliverable (a
/// value sent to a dropped receiver is dropped with it).
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Receiver<T> {
    inner: Arc<Mutex<Slot<T>>>,
    /// It returned the value or the error (`FusedFuture::is_terminated`).
    returned: bool,
}

struct Slot<T> {
    value: Option<T>,
    /// The task awaiting the receiver.
    rx_waker: Option<Waker>,
    /// `send` ran or the sender was dropped.
    sender_done: bool,
    /// `close` ran or the receiver was dropped.
    receiver_closed: bool,
}

impl<T> Sender<T> {
    /// Sends `value`, waking the receiver.
    ///
    /// # Examples
    /// ```
    /// use baton::channel::oneshot;
    ///
    /// let (tx, mut rx) = oneshot::channel();
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    ///
    /// # Errors
    /// [`SendError`] holding `value` when the receiver was dropped or closed.
    pub fn send(self, value: T) -> Result<(), SendError<T>> {
        let waker = {
            let mut slot = self.inner.lock();
            if slot.receiver_closed {
                return Err(SendError(value));
            }
            slot.value = Some(value);
            slot.sender_done = true;
            slot.rx_waker.take()
        };
        wake(waker);
        Ok(())
    }

    /// True once the receiver was dropped or closed: a send would fail.
    ///
    /// # Examples
    /// ```
    /// let (tx, rx) = baton::channel::oneshot::channel::<()>();
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner.lock().receiver_closed
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let waker = {
            let mut slot = self.inner.lock();
            if slot.sender_done {
                return;
            }
            slot.sender_done = true;
            slot.rx_waker.take()
        };
        wake(waker);
    }
}

impl<T> Receiver<T> {
    /// Takes the value if it has been sent, without waiting.
    ///
    /// # Examples
    /// ```
    /// use baton::channel::{oneshot, TryRecvError};
    ///
    /// let (tx, mut rx) = oneshot::channel();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(5).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(5));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    ///
    /// # Errors
    /// [`TryRecvError::Empty`] while the sender may still send; [`TryRecvError::Closed`] once it
    /// cannot (dropped, or the value was already taken).
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let mut slot = self.inner.lock();
        match slot.value.take() {
            Some(v) => Ok(v),
            None if slot.sender_done || slot.receiver_closed => Err(TryRecvError::Closed),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Refuses the value from now on: a later `send` hands it back. A value sent before the
    /// call can still be received.
    ///
    /// # Examples
    /// ```
    /// use baton::channel::oneshot;
    ///
    /// let (tx, mut rx) = oneshot::channel();
    /// rx.close();
    /// assert_eq!(tx.send(3).unwrap_err().into_inner(), 3);
    /// ```
    pub fn close(&mut self) {
        self.inner.lock().receiver_closed = true;
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Declared before the guard, so it is dropped after it (locals drop in reverse order):
        // a waker's drop may re-enter the channel (own the sender and send, say).
        let _replaced_waker: Option<Waker>;
        let this = &mut *self;
        let mut slot = this.inner.lock();
        if let Some(v) = slot.value.take() {
            this.returned = true;
            return Poll::Ready(Ok(v));
        }
        if slot.sender_done || slot.receiver_closed {
            this.returned = true;
            return Poll::Ready(Err(RecvError::Closed));
        }
        _replaced_waker = match &mut slot.rx_waker {
            Some(w) if w.will_wake(cx.waker()) => None,
            other => other.replace(cx.waker().clone()),
        };
        Poll::Pending
    }
}

/// Terminated once it returned the value or the error.
impl<T> FusedFuture for Receiver<T> {
    fn is_terminated(&self) -> bool {
        self.returned
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let (value, waker) = {
            let mut slot = self.inner.lock();
            slot.receiver_closed = true;
            (slot.value.take(), slot.rx_waker.take())
        };
        // Outside the lock: the value's `Drop` is user code.
        drop(value);
        drop(waker);
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("oneshot::Sender")
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let slot = self.inner.lock();
        f.debug_struct("oneshot::Receiver")
            .field("has_value", &slot.value.is_some())
            .field("sender_done", &slot.sender_done)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_after_receiver_dropped_hands_the_value_back() {
        let (tx, rx) = channel::<Vec<u8>>();
        drop(rx);
        assert_eq!(tx.send(vec![1, 2]).unwrap_err().0, vec![1, 2]);
    }

    #[test]
    fn dropping_the_receiver_drops_a_sent_value() {
        let value = std::sync::Arc::new(());
        let (tx, rx) = channel();
        tx.send(value.clone()).unwrap();
        assert_eq!(std::sync::Arc::strong_count(&value), 2);
        drop(rx);
        assert_eq!(std::sync::Arc::strong_count(&value), 1);
    }
}

/// Loom model of a send from another thread. Run it with `scripts/loom.sh`.
#[cfg(all(test, baton_loom))]
mod loom_models {
    use super::*;
    use crate::loom::model::poll_racing;
    use loom::thread;

    /// A send from another thread while the receiver polls: the value arrives, and a receiver
    /// that registered its waker before the send is woken.
    #[test]
    fn send_from_another_thread_reaches_a_polling_receiver() {
        loom::model(|| {
            let (tx, mut rx) = channel();
            let sender = thread::spawn(move || tx.send(Arc::new(7)).unwrap());
            assert_eq!(*poll_racing(&mut rx, sender).unwrap(), 7);
        });
    }
}
