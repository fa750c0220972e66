//! The errors of every channel: sending into a closed channel, receiving from one, and the
//! non-blocking variants.

use std::fmt;

/// Sending failed because every receiver is gone (or the channel was closed); the value is handed
/// back.
///
/// # Examples
/// ```
/// use baton::channel::mpsc;
///
/// let (tx, rx) = mpsc::unbounded::<String>();
/// drop(rx);
/// let err = tx.send("lost?".to_string()).unwrap_err();
/// assert_eq!(err.to_string(), "channel closed");
/// assert_eq!(err.into_inner(), "lost?"); // handed back
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SendError<T>(pub T);

impl<T> SendError<T> {
    /// The value that could not be sent.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(baton::channel::SendError(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("channel closed")
    }
}

impl<T> std::error::Error for SendError<T> {}

/// Why [`mpsc::Sender::try_send`](crate::channel::mpsc::Sender::try_send) could not send; the
/// value is handed back either way.
///
/// # Examples
/// ```
/// use baton::channel::{mpsc, TrySendError};
///
/// let (tx, rx) = mpsc::channel(1);
/// tx.try_send(1).unwrap();
/// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
/// drop(rx);
/// assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrySendError<T> {
    /// The channel holds `capacity` values already (or earlier senders are waiting for room).
    Full(T),
    /// Every receiver is gone.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The value that could not be sent.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(baton::channel::TrySendError::Full(7).into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(v) | TrySendError::Closed(v) => v,
        }
    }
}

impl<T> From<SendError<T>> for TrySendError<T> {
    fn from(err: SendError<T>) -> Self {
        TrySendError::Closed(err.0)
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("channel full"),
            TrySendError::Closed(_) => f.write_str("channel closed"),
        }
    }
}

impl<T> std::error::Error for TrySendError<T> {}

/// Why receiving gave no value.
///
/// # Examples
/// ```
/// use baton::channel::{oneshot, RecvError};
///
/// baton::run(async {
///     let (tx, rx) = oneshot::channel::<u8>();
///     drop(tx);
///     assert_eq!(rx.await, Err(RecvError::Closed));
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecvError {
    /// Every sender is gone and nothing is left to receive.
    Closed,
    /// (broadcast only) The receiver fell behind: this many values were overwritten before it
    /// read them. The next receive returns the oldest value still held.
    Lagged(u64),
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::Closed => f.write_str("channel closed"),
            RecvError::Lagged(n) => write!(f, "receiver lagged by {n}"),
        }
    }
}

impl std::error::Error for RecvError {}

/// Why a non-blocking receive gave no value.
///
/// # Examples
/// ```
/// use baton::channel::{mpsc, TryRecvError};
///
/// let (tx, mut rx) = mpsc::unbounded::<u8>();
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TryRecvError {
    /// Nothing to receive yet; senders remain.
    Empty,
    /// Every sender is gone and nothing is left to receive.
    Closed,
    /// (broadcast only) The receiver fell behind by this many values; see [`RecvError::Lagged`].
    Lagged(u64),
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("channel empty"),
            TryRecvError::Closed => f.write_str("channel closed"),
            TryRecvError::Lagged(n) => write!(f, "receiver lagged by {n}"),
        }
    }
}

impl std::error::Error for TryRecvError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_short_and_lowercase() {
        assert_eq!(SendError(1).to_string(), "channel closed");
        assert_eq!(TrySendError::Full(1).to_string(), "channel full");
        assert_eq!(RecvError::Lagged(3).to_string(), "receiver lagged by 3");
        assert_eq!(TryRecvError::Empty.to_string(), "channel empty");
        assert_eq!(format!("{:?}", TrySendError::Closed(1)), "Closed(..)");
    }
}
