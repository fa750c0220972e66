//! `broadcast`: every receiver sees every value sent after it subscribed; a bounded ring where
//! a receiver that falls behind loses the oldest values and is told how many.
//!
//! # State
//! One lock guards a ring of at most `capacity` values. Every value has a position: the count of
//! values sent before it. `head` is the position of the oldest value held, so the ring holds
//! positions `head..head + len`. A receiver keeps `next`, the position it reads next: below
//! `head` means it lagged; equal to `head + len` means it has read everything. Sending into a
//! full ring drops the oldest value (`head` grows); values are cloned out to each receiver.
//!
//! ```
//! use baton::channel::broadcast;
//!
//! let (tx, mut rx1) = broadcast::channel(8);
//! let mut rx2 = tx.subscribe();
//! tx.send("both see this").unwrap();
//! assert_eq!(rx1.try_recv(), Ok("both see this"));
//! assert_eq!(rx2.try_recv(), Ok("both see this"));
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use futures_core::future::FusedFuture;

use crate::coop;
use crate::loom::Arc;
use crate::util::{leave_locked, wake_all, Mutex, WaitKey, WaitList};

pub use super::error::{RecvError, SendError, TryRecvError};

/// Makes a broadcast channel that holds the last `capacity` values for slow receivers.
///
/// # Examples
/// ```
/// use baton::channel::broadcast;
///
/// baton::run(async {
///     let (tx, mut rx1) = broadcast::channel(16);
///     let mut rx2 = tx.subscribe();
///     tx.send("news").unwrap();
///     assert_eq!(rx1.recv().await, Ok("news"));
///     assert_eq!(rx2.recv().await, Ok("news"));
/// });
/// ```
///
/// # Panics
/// If `capacity` is 0.
#[track_caller]
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(
        capacity > 0,
        "broadcast::channel capacity must be at least 1"
    );
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            ring: VecDeque::with_capacity(capacity.min(1024)),
            head: 0,
            waiters: WaitList::new(),
            senders: 1,
            receivers: 1,
        }),
        capacity,
    });
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver { shared, next: 0 },
    )
}

/// The sending half of a [`broadcast::channel`](channel); clone it for more senders. Sending
/// never waits.
///
/// # Examples
/// ```
/// use baton::channel::broadcast;
///
/// let (tx, mut rx) = broadcast::channel(4);
/// assert_eq!(tx.send(1), Ok(1)); // one receiver got it
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// A receiving half of a [`broadcast::channel`](channel); each sees every value sent after it
/// subscribed, unless it lags by more than the capacity.
///
/// # Examples
/// ```
/// use baton::channel::{broadcast, RecvError};
///
/// baton::run(async {
///     let (tx, mut rx) = broadcast::channel(2);
///     for i in 0..5 {
///         tx.send(i).unwrap();
///     }
///     assert_eq!(rx.recv().await, Err(RecvError::Lagged(3))); // 0, 1, 2 were overwritten
///     assert_eq!(rx.recv().await, Ok(3));
///     assert_eq!(rx.recv().await, Ok(4));
///     drop(tx);
///     assert_eq!(rx.recv().await, Err(RecvError::Closed));
/// });
/// ```
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// Position of the next value to read.
    next: u64,
}

struct Shared<T> {
    /// The only user code run under this lock is `T::clone`, before anything changes.
    state: Mutex<State<T>>,
    capacity: usize,
}

struct State<T> {
    ring: VecDeque<T>,
    /// Position of `ring[0]`.
    head: u64,
    /// Receivers waiting for a value.
    waiters: WaitList<()>,
    senders: usize,
    receivers: usize,
}

impl<T> State<T> {
    fn tail(&self) -> u64 {
        self.head + self.ring.len() as u64
    }
}

impl<T> Sender<T> {
    /// Sends `value` to every current receiver, dropping the oldest value if the ring is full.
    /// Returns how many receivers there are.
    ///
    /// # Examples
    /// ```
    /// let (tx, rx) = baton::channel::broadcast::channel(4);
    /// assert_eq!(tx.send("a"), Ok(1));
    /// drop(rx);
    /// assert_eq!(tx.send("b").unwrap_err().into_inner(), "b");
    /// ```
    ///
    /// # Errors
    /// [`SendError`] holding `value` when there are no receivers.
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let mut wakers = None;
        let (receivers, evicted) = {
            let mut state = self.shared.state.lock();
            if state.receivers == 0 {
                return Err(SendError(value));
            }
            let evicted = if state.ring.len() == self.shared.capacity {
                state.head += 1;
                state.ring.pop_front()
            } else {
                None
            };
            state.ring.push_back(value);
            state.waiters.notify_all_into(&mut wakers);
            (state.receivers, evicted)
        };
        // Outside the lock: both run user code.
        drop(evicted);
        wake_all(&mut wakers);
        Ok(receivers)
    }

    /// A new receiver that sees the values sent from now on.
    ///
    /// # Examples
    /// ```
    /// let (tx, _rx) = baton::channel::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// let mut late = tx.subscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(late.try_recv(), Ok(2));
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        let mut state = self.shared.state.lock();
        state.receivers += 1;
        Receiver {
            shared: self.shared.clone(),
            next: state.tail(),
        }
    }

    /// How many receivers exist.
    ///
    /// # Examples
    /// ```
    /// let (tx, _rx) = baton::channel::broadcast::channel::<u8>(4);
    /// let _rx2 = tx.subscribe();
    /// assert_eq!(tx.receiver_count(), 2);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.state.lock().receivers
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.state.lock().senders += 1;
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut wakers = None;
        {
            let mut state = self.shared.state.lock();
            state.senders -= 1;
            if state.senders > 0 {
                return;
            }
            state.waiters.notify_all_into(&mut wakers);
        }
        wake_all(&mut wakers);
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Sender")
            .field("capacity", &self.shared.capacity)
            .field("receivers", &self.receiver_count())
            .finish()
    }
}

impl<T: Clone> Receiver<T> {
    /// Receives the next value, waiting for one.
    ///
    /// # Examples
    /// ```
    /// use baton::channel::broadcast;
    ///
    /// baton::run(async {
    ///     let (tx, mut rx) = broadcast::channel(4);
    ///     let _task = baton::spawn(async move { tx.send(9).unwrap() });
    ///     assert_eq!(rx.recv().await, Ok(9));
    /// });
    /// ```
    ///
    /// # Errors
    /// [`RecvError::Lagged(n)`](RecvError::Lagged) when `n` values were overwritten before this
    /// receiver read them (the next call returns the oldest value still held);
    /// [`RecvError::Closed`] when every sender is gone and this receiver has read everything.
    ///
    /// # Cancel safety
    /// Cancel safe: the receiver's position moves only in the poll that returns a value.
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv {
            rx: self,
            key: None,
            returned: false,
        }
    }

    /// Receives the next value if there is one, without waiting.
    ///
    /// # Examples
    /// ```
    /// use baton::channel::{broadcast, TryRecvError};
    ///
    /// let (tx, mut rx) = broadcast::channel(4);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    ///
    /// # Errors
    /// [`TryRecvError::Empty`], [`TryRecvError::Lagged`] or [`TryRecvError::Closed`], as
    /// [`recv`](Receiver::recv).
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        match self.poll_inner(None) {
            Poll::Ready(Ok(v)) => Ok(v),
            Poll::Ready(Err(RecvError::Lagged(n))) => Err(TryRecvError::Lagged(n)),
            Poll::Ready(Err(_)) => Err(TryRecvError::Closed),
            Poll::Pending => Err(TryRecvError::Empty),
        }
    }

    /// Takes the next value, or registers `wait` (a waker and its slot) if there is none.
    fn poll_inner(
        &mut self,
        wait: Option<(&mut Option<WaitKey>, &Context<'_>)>,
    ) -> Poll<Result<T, RecvError>> {
        // Declared before the guard, so it is dropped after it (locals drop in reverse order):
        // a waker's drop may re-enter the channel.
        let _replaced_waker: Option<Waker>;
        let mut state = self.shared.state.lock();
        if self.next < state.head {
            let missed = state.head - self.next;
            self.next = state.head;
            return Poll::Ready(Err(RecvError::Lagged(missed)));
        }
        if self.next < state.tail() {
            let value = state.ring[(self.next - state.head) as usize].clone();
            self.next += 1;
            return Poll::Ready(Ok(value));
        }
        if state.senders == 0 {
            return Poll::Ready(Err(RecvError::Closed));
        }
        if let Some((key, cx)) = wait {
            _replaced_waker = state.waiters.register(key, cx.waker());
        }
        Poll::Pending
    }
}

impl<T> Receiver<T> {
    /// A new receiver starting from the values sent from now on (the values this one has not
    /// read are not included).
    ///
    /// # Examples
    /// ```
    /// let (tx, rx) = baton::channel::broadcast::channel(4);
    /// let mut rx2 = rx.resubscribe();
    /// tx.send(5).unwrap();
    /// assert_eq!(rx2.try_recv(), Ok(5));
    /// ```
    pub fn resubscribe(&self) -> Receiver<T> {
        let mut state = self.shared.state.lock();
        state.receivers += 1;
        Receiver {
            shared: self.shared.clone(),
            next: state.tail(),
        }
    }

    /// How many values this receiver has yet to read (lagged ones included).
    ///
    /// # Examples
    /// ```
    /// let (tx, rx) = baton::channel::broadcast::channel(4);
    /// tx.send(()).unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        (self.shared.state.lock().tail() - self.next) as usize
    }

    /// True when this receiver has read everything sent so far.
    ///
    /// # Examples
    /// ```
    /// let (_tx, rx) = baton::channel::broadcast::channel::<u8>(4);
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let orphaned = {
            let mut state = self.shared.state.lock();
            state.receivers -= 1;
            if state.receivers > 0 {
                return;
            }
            // Nobody can read the held values any more (a later subscriber starts at the tail).
            let len = state.ring.len() as u64;
            state.head += len;
            std::mem::take(&mut state.ring)
        };
        drop(orphaned);
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Receiver")
            .field("unread", &self.len())
            .finish()
    }
}

/// The future returned by [`Receiver::recv`].
///
/// # Examples
/// ```
/// use baton::channel::broadcast;
///
/// baton::run(async {
///     let (tx, mut rx) = broadcast::channel(2);
///     tx.send(1).unwrap();
///     let next: broadcast::Recv<'_, i32> = rx.recv();
///     assert_eq!(next.await, Ok(1));
/// });
/// ```
///
/// # Cancel safety
/// See [`Receiver::recv`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Recv<'a, T> {
    rx: &'a mut Receiver<T>,
    /// This future's slot among the waiting receivers.
    key: Option<WaitKey>,
    /// It returned (`FusedFuture::is_terminated`).
    returned: bool,
}

impl<T: Clone> Future for Recv<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let out = coop::poll_budgeted(cx, coop::Cost::Memory, |cx| {
            this.rx.poll_inner(Some((&mut this.key, cx)))
        });
        if out.is_ready() {
            leave_locked(&this.rx.shared.state, &mut this.key, |st| &mut st.waiters);
            this.returned = true;
        }
        out
    }
}

/// Terminated once it returned a value or an error.
impl<T: Clone> FusedFuture for Recv<'_, T> {
    fn is_terminated(&self) -> bool {
        self.returned
    }
}

impl<T> Drop for Recv<'_, T> {
    fn drop(&mut self) {
        leave_locked(&self.rx.shared.state, &mut self.key, |st| &mut st.waiters);
    }
}

impl<T> fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Recv")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_receiver_frees_the_ring() {
        let value = std::sync::Arc::new(());
        let (tx, rx) = channel(4);
        tx.send(value.clone()).unwrap();
        drop(rx);
        assert_eq!(std::sync::Arc::strong_count(&value), 1);
        let mut late = tx.subscribe();
        assert_eq!(late.try_recv(), Err(TryRecvError::Empty));
    }
}
