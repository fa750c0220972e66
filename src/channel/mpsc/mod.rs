//! `mpsc`: many senders, one receiver; bounded (senders wait for room) or unbounded.
//!
//! Every handle is `Send` (and senders `Sync`) when `T: Send`: OS threads can send into a
//! receiver awaited on an event loop, and waking it wakes the parked loop.
//!
//! | operation | full channel | receiver gone |
//! |---|---|---|
//! | [`Sender::send`]`.await` | waits in FIFO order | `Err(SendError(value))`, also for senders already waiting |
//! | [`Sender::try_send`] | `Err(TrySendError::Full(value))` | `Err(TrySendError::Closed(value))` |
//! | [`UnboundedSender::send`] | never full | `Err(SendError(value))` |
//!
//! The receiver gets `None` once every sender is gone and the buffer is drained.
//!
//! ```
//! use baton::channel::mpsc;
//!
//! baton::run(async {
//!     let (tx, mut rx) = mpsc::channel(4);
//!     let producer = baton::spawn(async move {
//!         for i in 0..10 {
//!             tx.send(i).await.unwrap(); // waits while 4 are unread
//!         }
//!     });
//!     let mut sum = 0;
//!     while let Some(i) = rx.recv().await {
//!         sum += i;
//!     }
//!     producer.await.unwrap();
//!     assert_eq!(sum, 45);
//! });
//! ```

mod bounded;
mod chan;
mod receiver;
mod unbounded;

use crate::loom::Arc;

pub use super::error::{SendError, TryRecvError, TrySendError};
pub use bounded::{SendFuture, Sender};
pub use receiver::{Receiver, Recv};
pub use unbounded::UnboundedSender;

/// The receiving half of an [`unbounded`] channel: the same type as a bounded channel's.
///
/// # Examples
/// ```
/// use baton::channel::mpsc::{self, UnboundedReceiver};
///
/// let (tx, mut rx): (_, UnboundedReceiver<u8>) = mpsc::unbounded();
/// tx.send(1).unwrap();
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
pub type UnboundedReceiver<T> = Receiver<T>;

/// Makes a bounded channel holding at most `capacity` values; senders wait for room.
///
/// # Examples
/// ```
/// use baton::channel::mpsc;
///
/// baton::run(async {
///     let (tx, mut rx) = mpsc::channel(16);
///     for id in 0..3 {
///         let tx = tx.clone();
///         let _task = baton::spawn(async move { tx.send(id).await.unwrap() });
///     }
///     drop(tx);
///     let mut got = Vec::new();
///     while let Some(id) = rx.recv().await {
///         got.push(id);
///     }
///     assert_eq!(got, [0, 1, 2]);
/// });
/// ```
///
/// # Panics
/// If `capacity` is 0: use 1 for a rendezvous-like channel.
#[track_caller]
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(
        capacity > 0 && capacity < usize::MAX,
        "mpsc::channel capacity must be between 1 and usize::MAX - 1 (use mpsc::unbounded for no limit)"
    );
    let chan = Arc::new(chan::Chan::new(capacity));
    (Sender::new(chan.clone()), Receiver::new(chan))
}

/// Makes an unbounded channel: sending never waits, and memory is the only limit.
///
/// # Examples
/// ```
/// use baton::channel::mpsc;
///
/// baton::run(async {
///     let (tx, mut rx) = mpsc::unbounded();
///     tx.send("a").unwrap();
///     tx.send("b").unwrap();
///     drop(tx);
///     assert_eq!(rx.recv().await, Some("a"));
///     assert_eq!(rx.recv().await, Some("b"));
///     assert_eq!(rx.recv().await, None);
/// });
/// ```
pub fn unbounded<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let chan = Arc::new(chan::Chan::new(usize::MAX));
    (UnboundedSender::new(chan.clone()), Receiver::new(chan))
}

/// Loom models of a sender on another thread against the receiver. Run them with
/// `scripts/loom.sh`.
#[cfg(all(test, baton_loom))]
mod loom_models {
    use super::*;
    use crate::loom::model::poll_racing;
    use loom::future::block_on;
    use loom::thread;

    /// A send from another thread while the receiver polls: the value arrives, and a receiver
    /// that registered its waker before the send is woken.
    #[test]
    fn send_from_another_thread_reaches_a_polling_receiver() {
        loom::model(|| {
            let (tx, mut rx) = channel(1);
            // Kept open here, so that the wake must come from the send, not from the sender's
            // drop closing the channel.
            let open = tx.clone();
            let sender = thread::spawn(move || block_on(tx.send(7)).unwrap());
            assert_eq!(poll_racing(&mut rx.recv(), sender), Some(7));
            drop(open);
            assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
        });
    }

    /// The receiver dropped while a sender waits for room in a full channel: the sender is woken
    /// and gets its value back; every value is dropped once (loom tracks the `Arc`s).
    #[test]
    fn receiver_dropped_while_a_sender_waits_hands_the_value_back() {
        loom::model(|| {
            let (tx, rx) = channel(1);
            tx.try_send(Arc::new(0)).unwrap();
            let sender = thread::spawn(move || match block_on(tx.send(Arc::new(1))) {
                Err(SendError(value)) => assert_eq!(*value, 1),
                Ok(()) => panic!("sent into a full channel whose receiver is gone"),
            });
            drop(rx);
            sender.join().unwrap();
        });
    }
}
