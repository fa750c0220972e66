//! Channels between tasks (and threads), and [`Promise`]: asyncio's `Future` for work completed
//! by hand.
//!
//! - [`oneshot`]: one value, once.
//! - [`mpsc`]: many senders, one receiver; bounded (senders wait for room) or unbounded.
//! - [`broadcast`]: every receiver sees every value; a bounded ring where slow receivers lag.
//! - [`watch`]: the latest value; receivers learn that it changed.
//! - [`Promise`]: a result set by hand, awaited by any number of tasks.
//!
//! Every handle is `Send` when `T` is: a sender on an OS thread can send into a receiver awaited
//! on a baton loop, and the wake reaches the loop even while it is parked. Errors from sending
//! into a closed channel hand the value back.
//!
//! # Cancellation
//! Cancelling a task drops its future at the await point; what that does to each operation:
//!
//! | a task cancelled while awaiting | what happens |
//! |---|---|
//! | `mpsc::Sender::send` on a full channel | nothing is inserted; its place in the FIFO queue is freed, and room already granted to it passes to the next waiting sender |
//! | `mpsc::Receiver::recv` | no message is lost: values leave the channel only when `recv` returns them |
//! | a `oneshot::Receiver` | the receiver is dropped: the sender's `send` then hands the value back |
//! | `broadcast::Receiver::recv` | nothing is lost: the receiver's position moves only when a value is returned |
//! | `watch::Receiver::changed` | the change stays unseen; the next `changed` returns at once |
//! | `Promise::wait` | the promise is unaffected; other awaiters still get the result |
//!
//! # Examples
//! ```
//! use baton::channel::{mpsc, oneshot};
//!
//! baton::run(async {
//!     // A request carries the oneshot its answer goes back on.
//!     let (requests, mut inbox) = mpsc::channel::<(u32, oneshot::Sender<u32>)>(8);
//!     let server = baton::spawn(async move {
//!         while let Some((x, reply)) = inbox.recv().await {
//!             let _ = reply.send(x * x);
//!         }
//!     });
//!     let (reply, answer) = oneshot::channel();
//!     requests.send((7, reply)).await.unwrap();
//!     assert_eq!(answer.await, Ok(49));
//!     drop(requests);
//!     server.await.unwrap();
//! });
//! ```

pub mod broadcast;
mod error;
pub mod mpsc;
pub mod oneshot;
mod promise;
pub mod watch;

pub use error::{RecvError, SendError, TryRecvError, TrySendError};
pub use promise::{Cancelled, Promise, PromiseWait};

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    /// Every handle may move to, and be shared with, another thread when its values may (a
    /// `String` is `Send + Sync`; watch needs both, the others only `Send`).
    #[test]
    fn handles_are_send_and_sync_for_send_values() {
        assert_send_sync::<mpsc::Sender<String>>();
        assert_send_sync::<mpsc::UnboundedSender<String>>();
        assert_send_sync::<mpsc::Receiver<String>>();
        assert_send_sync::<oneshot::Sender<String>>();
        assert_send_sync::<oneshot::Receiver<String>>();
        assert_send_sync::<broadcast::Sender<String>>();
        assert_send_sync::<broadcast::Receiver<String>>();
        assert_send_sync::<watch::Sender<String>>();
        assert_send_sync::<watch::Receiver<String>>();
        assert_send_sync::<Promise<String>>();
    }
}
