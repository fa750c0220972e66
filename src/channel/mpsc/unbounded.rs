//! `UnboundedSender`: the sending half of an unbounded mpsc channel.

use std::fmt;

use super::chan::Chan;
use crate::channel::error::{SendError, TrySendError};
use crate::loom::Arc;

/// The sending half of an [`mpsc::unbounded`](super::unbounded) channel. Sending never waits,
/// so it works from any code: callbacks, `Drop` impls, other threads.
///
/// # Examples
/// ```
/// use baton::channel::mpsc;
///
/// let (tx, mut rx) = mpsc::unbounded();
/// let worker = std::thread::spawn(move || {
///     for i in 0..3 {
///         tx.send(i).unwrap();
///     }
/// });
/// let sum = baton::run(async move {
///     let mut sum = 0;
///     while let Some(i) = rx.recv().await {
///         sum += i;
///     }
///     sum
/// });
/// worker.join().unwrap();
/// assert_eq!(sum, 3);
/// ```
pub struct UnboundedSender<T> {
    chan: Arc<Chan<T>>,
}

impl<T> UnboundedSender<T> {
    pub(super) fn new(chan: Arc<Chan<T>>) -> UnboundedSender<T> {
        UnboundedSender { chan }
    }

    /// Sends `value` at once.
    ///
    /// # Examples
    /// ```
    /// let (tx, mut rx) = baton::channel::mpsc::unbounded();
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    ///
    /// # Errors
    /// [`SendError`] holding `value` if the receiver is dropped or closed.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        match self.chan.try_send(value) {
            Ok(()) => Ok(()),
            Err(TrySendError::Closed(v) | TrySendError::Full(v)) => Err(SendError(v)),
        }
    }

    /// True once the receiver was dropped or closed.
    ///
    /// # Examples
    /// ```
    /// let (tx, rx) = baton::channel::mpsc::unbounded::<u8>();
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_rx_closed()
    }

    /// True if both senders feed the same channel.
    ///
    /// # Examples
    /// ```
    /// let (tx, _rx) = baton::channel::mpsc::unbounded::<u8>();
    /// assert!(tx.same_channel(&tx.clone()));
    /// ```
    pub fn same_channel(&self, other: &UnboundedSender<T>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        UnboundedSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for UnboundedSender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::UnboundedSender")
            .field("closed", &self.is_closed())
            .finish()
    }
}
