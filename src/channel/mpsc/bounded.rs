//! `Sender`: the sending half of a bounded mpsc channel, and its `SendFuture`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::future::FusedFuture;

use super::chan::Chan;
use crate::channel::error::{SendError, TrySendError};
use crate::coop;
use crate::loom::Arc;
use crate::util::WaitKey;

/// The sending half of a bounded [`mpsc::channel`](super::channel). Clone it for more senders.
///
/// # Examples
/// ```
/// use baton::channel::mpsc;
///
/// baton::run(async {
///     let (tx, mut rx) = mpsc::channel(1);
///     let tx2 = tx.clone();
///     let _task = baton::spawn(async move { tx2.send(2).await.unwrap() });
///     tx.send(1).await.unwrap();
///     assert_eq!(rx.recv().await, Some(1));
///     assert_eq!(rx.recv().await, Some(2));
/// });
/// ```
pub struct Sender<T> {
    chan: Arc<Chan<T>>,
}

impl<T> Sender<T> {
    pub(super) fn new(chan: Arc<Chan<T>>) -> Sender<T> {
        Sender { chan }
    }

    /// Sends `value`, waiting for room while the channel is full. Waiting senders are served in
    /// the order they began to wait.
    ///
    /// # Examples
    /// ```
    /// use baton::channel::mpsc;
    ///
    /// baton::run(async {
    ///     let (tx, mut rx) = mpsc::channel(1);
    ///     tx.send(1).await.unwrap();
    ///     let waiting = baton::spawn(async move { tx.send(2).await }); // waits for room
    ///     assert_eq!(rx.recv().await, Some(1));
    ///     assert_eq!(rx.recv().await, Some(2));
    ///     assert!(waiting.await.unwrap().is_ok());
    /// });
    /// ```
    ///
    /// # Errors
    /// [`SendError`] holding `value` if the receiver is dropped or closed, before or while
    /// waiting.
    ///
    /// # Cancel safety
    /// Cancel safe: a dropped `SendFuture` inserts nothing, and if room had already been granted
    /// to it, that room passes to the next waiting sender. The value is dropped with the future.
    pub fn send(&self, value: T) -> SendFuture<'_, T> {
        SendFuture {
            chan: &self.chan,
            value: Some(value),
            key: None,
        }
    }

    /// Sends `value` if there is room now.
    ///
    /// # Examples
    /// ```
    /// use baton::channel::{mpsc, TrySendError};
    ///
    /// let (tx, _rx) = mpsc::channel(1);
    /// assert!(tx.try_send('a').is_ok());
    /// assert_eq!(tx.try_send('b'), Err(TrySendError::Full('b')));
    /// ```
    ///
    /// # Errors
    /// [`TrySendError::Full`] when the channel is full or senders are waiting for room (a
    /// `try_send` never overtakes them); [`TrySendError::Closed`] when the receiver is gone. Both
    /// hold `value`.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.chan.try_send(value)
    }

    /// True once the receiver was dropped or closed.
    ///
    /// # Examples
    /// ```
    /// let (tx, rx) = baton::channel::mpsc::channel::<u8>(4);
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_rx_closed()
    }

    /// How many values could be sent now without waiting.
    ///
    /// # Examples
    /// ```
    /// let (tx, _rx) = baton::channel::mpsc::channel(4);
    /// tx.try_send(()).unwrap();
    /// assert_eq!(tx.capacity(), 3);
    /// ```
    pub fn capacity(&self) -> usize {
        self.chan.free_slots()
    }

    /// The capacity the channel was made with.
    ///
    /// # Examples
    /// ```
    /// let (tx, _rx) = baton::channel::mpsc::channel::<u8>(4);
    /// assert_eq!(tx.max_capacity(), 4);
    /// ```
    pub fn max_capacity(&self) -> usize {
        self.chan.capacity()
    }

    /// True if both senders feed the same channel.
    ///
    /// # Examples
    /// ```
    /// let (tx, _rx) = baton::channel::mpsc::channel::<u8>(4);
    /// assert!(tx.same_channel(&tx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::Sender")
            .field("capacity", &self.chan.capacity())
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// The future returned by [`Sender::send`]. (Named `SendFuture`, not `Send`, so that importing it
/// does not shadow the `Send` trait.)
///
/// # Examples
/// ```
/// use baton::channel::mpsc;
///
/// baton::run(async {
///     let (tx, mut rx) = mpsc::channel(1);
///     let sending: mpsc::SendFuture<'_, u8> = tx.send(1);
///     sending.await.unwrap();
///     assert_eq!(rx.recv().await, Some(1));
/// });
/// ```
///
/// # Cancel safety
/// See [`Sender::send`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct SendFuture<'a, T> {
    chan: &'a Chan<T>,
    /// Taken when sent or handed back.
    value: Option<T>,
    /// `Some` while queued for room or holding granted room (see `chan.rs`).
    key: Option<WaitKey>,
}

impl<T> Unpin for SendFuture<'_, T> {}

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        coop::poll_budgeted(cx, coop::Cost::Memory, |cx| {
            this.chan.poll_send(&mut this.value, &mut this.key, cx)
        })
    }
}

/// Terminated once it returned: the value was sent or handed back in the error.
impl<T> FusedFuture for SendFuture<'_, T> {
    fn is_terminated(&self) -> bool {
        self.value.is_none()
    }
}

impl<T> Drop for SendFuture<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.chan.cancel_send(key);
        }
    }
}

impl<T> fmt::Debug for SendFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendFuture")
            .field("done", &self.value.is_none())
            .field("waiting", &self.key.is_some())
            .finish()
    }
}
