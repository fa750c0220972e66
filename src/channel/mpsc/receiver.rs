//! `Receiver`: the receiving half of an mpsc channel (bounded or unbounded), and `Recv`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::future::FusedFuture;

use super::chan::Chan;
use crate::channel::error::TryRecvError;
use crate::coop;
use crate::loom::Arc;

/// The receiving half of an [`mpsc::channel`](super::channel) or
/// [`mpsc::unbounded`](super::unbounded). Also a [`Stream`](futures_core::Stream).
///
/// Dropping it closes the channel: waiting and later senders get their values back, and the
/// values still buffered are dropped.
///
/// # Examples
/// ```
/// use baton::channel::mpsc;
///
/// baton::run(async {
///     let (tx, mut rx) = mpsc::channel(8);
///     tx.send("hello").await.unwrap();
///     drop(tx);
///     assert_eq!(rx.recv().await, Some("hello"));
///     assert_eq!(rx.recv().await, None); // every sender gone, buffer empty
/// });
/// ```
pub struct Receiver<T> {
    chan: Arc<Chan<T>>,
}

impl<T> Receiver<T> {
    pub(super) fn new(chan: Arc<Chan<T>>) -> Receiver<T> {
        Receiver { chan }
    }

    /// Receives the next value, waiting for one; `None` once every sender is gone (or the
    /// receiver closed) and the buffer is drained.
    ///
    /// # Examples
    /// ```
    /// use baton::channel::mpsc;
    ///
    /// baton::run(async {
    ///     let (tx, mut rx) = mpsc::unbounded();
    ///     let _task = baton::spawn(async move { tx.send(7).unwrap() });
    ///     assert_eq!(rx.recv().await, Some(7));
    ///     assert_eq!(rx.recv().await, None);
    /// });
    /// ```
    ///
    /// # Cancel safety
    /// Cancel safe: a value leaves the channel only in the poll that returns it, so a dropped
    /// `Recv` (a cancelled task, a lost `select`) loses no message.
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv {
            rx: self,
            returned: false,
        }
    }

    /// Receives a value if one is buffered, without waiting.
    ///
    /// # Examples
    /// ```
    /// use baton::channel::{mpsc, TryRecvError};
    ///
    /// let (tx, mut rx) = mpsc::channel(2);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    ///
    /// # Errors
    /// [`TryRecvError::Empty`] when nothing is buffered but senders remain;
    /// [`TryRecvError::Closed`] when nothing is buffered and none remain.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.chan.try_recv()
    }

    /// Polls for the next value: the building block of [`recv`](Receiver::recv) for hand-written
    /// futures. Only the most recent waker is woken.
    ///
    /// # Examples
    /// ```
    /// use baton::channel::mpsc;
    /// use std::future::poll_fn;
    ///
    /// baton::run(async {
    ///     let (tx, mut rx) = mpsc::unbounded();
    ///     tx.send(1).unwrap();
    ///     assert_eq!(poll_fn(|cx| rx.poll_recv(cx)).await, Some(1));
    /// });
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        coop::poll_budgeted(cx, coop::Cost::Memory, |cx| self.chan.poll_recv(cx))
    }

    /// Closes the channel without dropping the receiver: senders fail from now on (waiting ones
    /// get their values back), and the values already buffered can still be received.
    ///
    /// # Examples
    /// ```
    /// use baton::channel::mpsc;
    ///
    /// baton::run(async {
    ///     let (tx, mut rx) = mpsc::channel(4);
    ///     tx.send(1).await.unwrap();
    ///     rx.close();
    ///     assert!(tx.send(2).await.is_err());
    ///     assert_eq!(rx.recv().await, Some(1));
    ///     assert_eq!(rx.recv().await, None);
    /// });
    /// ```
    pub fn close(&mut self) {
        self.chan.close_rx();
    }

    /// How many values are buffered.
    ///
    /// # Examples
    /// ```
    /// let (tx, rx) = baton::channel::mpsc::unbounded();
    /// tx.send(()).unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// True when nothing is buffered.
    ///
    /// # Examples
    /// ```
    /// let (_tx, rx) = baton::channel::mpsc::unbounded::<u8>();
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True once every sender is gone (values may still be buffered).
    ///
    /// # Examples
    /// ```
    /// let (tx, rx) = baton::channel::mpsc::unbounded::<u8>();
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_tx_closed()
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.chan.drop_rx();
    }
}

impl<T> futures_core::Stream for Receiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().poll_recv(cx)
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::Receiver")
            .field("len", &self.len())
            .finish()
    }
}

/// The future returned by [`Receiver::recv`].
///
/// # Examples
/// ```
/// use baton::channel::mpsc;
///
/// baton::run(async {
///     let (tx, mut rx) = mpsc::unbounded();
///     tx.send('x').unwrap();
///     let next: mpsc::Recv<'_, char> = rx.recv();
///     assert_eq!(next.await, Some('x'));
/// });
/// ```
///
/// # Cancel safety
/// See [`Receiver::recv`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Recv<'a, T> {
    rx: &'a mut Receiver<T>,
    /// It returned (`FusedFuture::is_terminated`).
    returned: bool,
}

impl<T> Future for Recv<'_, T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        let out = this.rx.poll_recv(cx);
        this.returned = out.is_ready();
        out
    }
}

/// Terminated once it returned a value or the channel's end (`None`).
impl<T> FusedFuture for Recv<'_, T> {
    fn is_terminated(&self) -> bool {
        self.returned
    }
}

impl<T> fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recv").finish_non_exhaustive()
    }
}
