//! The state every mpsc channel shares: the buffer, the queue of senders waiting for room, and
//! the receiver's waker, under one lock.
//!
//! # Room and waiting senders
//! A bounded channel has `capacity` slots. A slot is *used* by a buffered value or *reserved*
//! for a waiting sender that has been granted it but has not yet run to fill it. A sender that
//! finds no free slot joins `waiters`, the crate's FIFO of waiters (`util/wait_list.rs`).
//! Whenever a slot frees (the receiver took a value, or a granted sender was dropped unfilled)
//! and senders wait, the oldest one is granted the slot: `notify_one` takes it off the FIFO and
//! marks its node notified, `reserved` grows by one, and it is woken. Invariants, at every
//! release of the lock:
//!
//! 1. `buffer.len() + reserved <= capacity`;
//! 2. `waiters` non-empty implies no free slot (`buffer.len() + reserved == capacity`), so a new
//!    sender — `try_send` included — never overtakes a waiting one (FIFO fairness);
//! 3. while the receiver is open, a live sender future that holds a key is still waiting if its
//!    node is not notified, and holds one reserved slot if it is.
//!
//! A sender future dropped while waiting releases its node; dropped while holding a grant, it
//! passes the slot to the next waiter. Either way it inserts nothing (cancel safety).
//!
//! # Closing
//! `rx_closed` is set by `Receiver::close` or dropping the receiver: every waiting sender is
//! notified and woken and gets its value back, grants are void (`reserved` is zeroed), and no
//! sender joins `waiters` from then on. `tx_closed` is set when the last sender goes: the
//! receiver drains the buffer, then sees `None`.
//!
//! Wakers are called or dropped, and values dropped, only after the lock is released: all three
//! run user code, which may re-enter the channel.

use std::collections::VecDeque;
use std::task::{Context, Poll, Waker};

use crate::channel::error::{SendError, TryRecvError, TrySendError};
use crate::loom::atomic::{AtomicUsize, Ordering};
use crate::util::{wake, wake_all, Mutex, WaitKey, WaitList};

/// The shared state of one mpsc channel.
pub(super) struct Chan<T> {
    state: Mutex<State<T>>,
    /// Senders alive (bounded and unbounded handles alike).
    senders: AtomicUsize,
    /// Slots; `usize::MAX` for an unbounded channel.
    capacity: usize,
}

struct State<T> {
    buffer: VecDeque<T>,
    /// Slots granted to woken senders that have not yet filled them.
    reserved: usize,
    /// Senders waiting for a slot, oldest first; a notified node holds a reserved slot.
    waiters: WaitList<()>,
    /// The receiver, when it found the buffer empty.
    rx_waker: Option<Waker>,
    /// Every sender is gone.
    tx_closed: bool,
    /// The receiver closed or was dropped.
    rx_closed: bool,
}

impl<T> State<T> {
    fn has_room(&self, capacity: usize) -> bool {
        self.buffer.len() + self.reserved < capacity
    }

    /// A slot just freed: grant it to the oldest waiting sender, whose waker is returned.
    #[inline]
    fn grant_next(&mut self) -> Option<Waker> {
        let waker = self.waiters.notify_one(())?;
        self.reserved += 1;
        Some(waker)
    }

    /// Buffers `value` and returns the receiver's waker, if it waits.
    fn push(&mut self, value: T) -> Option<Waker> {
        self.buffer.push_back(value);
        self.rx_waker.take()
    }
}

impl<T> Chan<T> {
    /// A channel with one sender counted.
    pub(super) fn new(capacity: usize) -> Chan<T> {
        Chan {
            state: Mutex::new(State {
                buffer: VecDeque::new(),
                reserved: 0,
                waiters: WaitList::new(),
                rx_waker: None,
                tx_closed: false,
                rx_closed: false,
            }),
            senders: AtomicUsize::new(1),
            capacity,
        }
    }

    pub(super) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Free slots now (0 while senders wait).
    pub(super) fn free_slots(&self) -> usize {
        let state = self.state.lock();
        self.capacity - state.buffer.len() - state.reserved
    }

    pub(super) fn len(&self) -> usize {
        self.state.lock().buffer.len()
    }

    pub(super) fn is_rx_closed(&self) -> bool {
        self.state.lock().rx_closed
    }

    pub(super) fn is_tx_closed(&self) -> bool {
        self.state.lock().tx_closed
    }

    /// Sends without waiting.
    pub(super) fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        let waker = {
            let mut state = self.state.lock();
            if state.rx_closed {
                return Err(TrySendError::Closed(value));
            }
            if !state.has_room(self.capacity) {
                return Err(TrySendError::Full(value));
            }
            state.push(value)
        };
        wake(waker);
        Ok(())
    }

    /// One poll of a sending future that holds `value` (taken when it is sent or handed back)
    /// and `key` (`Some` while queued or granted).
    pub(super) fn poll_send(
        &self,
        value: &mut Option<T>,
        key: &mut Option<WaitKey>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), SendError<T>>> {
        // Declared before the guard, so it is dropped after it (locals drop in reverse order).
        let _replaced_waker: Option<Waker>;
        let mut state = self.state.lock();
        if state.rx_closed {
            // Closing notified every waiter; a grant is void once nobody receives.
            _replaced_waker = state.waiters.leave(key);
            let value = value.take().expect("send future polled after completion");
            return Poll::Ready(Err(SendError(value)));
        }
        match key {
            None if state.has_room(self.capacity) => {}
            None => {
                *key = Some(state.waiters.push(cx.waker(), ()));
                return Poll::Pending;
            }
            Some(k) if !state.waiters.is_notified(k) => {
                _replaced_waker = state.waiters.update_waker(k, cx.waker());
                return Poll::Pending;
            }
            Some(_) => {
                // Granted: fill the reserved slot. Notified, so the notifier took the waker.
                _replaced_waker = state.waiters.leave(key);
                state.reserved -= 1;
            }
        }
        let value = value.take().expect("send future polled after completion");
        let waker = state.push(value);
        drop(state);
        wake(waker);
        Poll::Ready(Ok(()))
    }

    /// A sending future holding `key` is dropped unfinished: leave the queue, or pass the
    /// granted slot on.
    pub(super) fn cancel_send(&self, key: WaitKey) {
        let (left_behind, next) = {
            let mut state = self.state.lock();
            let released = state.waiters.release(key);
            let next = if released.notified && !state.rx_closed {
                state.reserved -= 1;
                state.grant_next()
            } else {
                None
            };
            (released.waker, next)
        };
        drop(left_behind);
        wake(next);
    }

    /// One poll of the receiver.
    pub(super) fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        // Declared before the guard, so it is dropped after it (locals drop in reverse order).
        let _replaced_waker: Option<Waker>;
        let mut state = self.state.lock();
        if let Some(value) = state.buffer.pop_front() {
            let waker = state.grant_next();
            drop(state);
            wake(waker);
            return Poll::Ready(Some(value));
        }
        if state.tx_closed || state.rx_closed {
            return Poll::Ready(None);
        }
        _replaced_waker = match &mut state.rx_waker {
            Some(w) if w.will_wake(cx.waker()) => None,
            other => other.replace(cx.waker().clone()),
        };
        Poll::Pending
    }

    pub(super) fn try_recv(&self) -> Result<T, TryRecvError> {
        let mut state = self.state.lock();
        if let Some(value) = state.buffer.pop_front() {
            let waker = state.grant_next();
            drop(state);
            wake(waker);
            return Ok(value);
        }
        if state.tx_closed || state.rx_closed {
            Err(TryRecvError::Closed)
        } else {
            Err(TryRecvError::Empty)
        }
    }

    /// The receiver refuses further values; waiting senders get theirs back.
    pub(super) fn close_rx(&self) {
        let mut wakers = None;
        {
            let mut state = self.state.lock();
            state.rx_closed = true;
            state.reserved = 0;
            state.waiters.notify_all_into(&mut wakers);
        }
        wake_all(&mut wakers);
    }

    /// The receiver is dropped: close, and drop the buffered values (outside the lock).
    pub(super) fn drop_rx(&self) {
        self.close_rx();
        let buffer = std::mem::take(&mut self.state.lock().buffer);
        drop(buffer);
    }

    pub(super) fn add_sender(&self) {
        self.senders.fetch_add(1, Ordering::Relaxed);
    }

    /// A sender handle is dropped; the last one closes the channel for the receiver.
    pub(super) fn drop_sender(&self) {
        if self.senders.fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        let waker = {
            let mut state = self.state.lock();
            state.tx_closed = true;
            state.rx_waker.take()
        };
        wake(waker);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::task::Wake;

    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }

    /// Polls with a waker that does nothing.
    fn poll<R>(f: impl FnOnce(&mut Context<'_>) -> R) -> R {
        f(&mut Context::from_waker(&Waker::from(Arc::new(Noop))))
    }

    /// A sending future's state (its value and key), driven by hand.
    struct Sending(Option<i32>, Option<WaitKey>);

    impl Sending {
        fn poll(&mut self, chan: &Chan<i32>) -> Poll<Result<(), SendError<i32>>> {
            poll(|cx| chan.poll_send(&mut self.0, &mut self.1, cx))
        }

        fn cancel(&mut self, chan: &Chan<i32>) {
            chan.cancel_send(self.1.take().expect("queued or granted"));
        }
    }

    /// A channel of capacity 1 holding 0, and the senders of `1..=n`, waiting for room in order.
    fn full_with_waiting(n: i32) -> (Chan<i32>, Vec<Sending>) {
        let chan = Chan::new(1);
        chan.try_send(0).unwrap();
        let mut sends: Vec<Sending> = (1..=n).map(|i| Sending(Some(i), None)).collect();
        for s in &mut sends {
            assert!(s.poll(&chan).is_pending());
        }
        (chan, sends)
    }

    fn recv(chan: &Chan<i32>) -> Poll<Option<i32>> {
        poll(|cx| chan.poll_recv(cx))
    }

    #[test]
    fn waiting_senders_are_granted_in_fifo_order() {
        let (chan, mut s) = full_with_waiting(2);
        assert!(matches!(chan.try_send(9), Err(TrySendError::Full(9))));
        assert_eq!(recv(&chan), Poll::Ready(Some(0)));
        // The first holds the grant; the second still waits; nobody may overtake.
        assert!(s[1].poll(&chan).is_pending());
        assert!(matches!(chan.try_send(9), Err(TrySendError::Full(9))));
        assert!(s[0].poll(&chan).is_ready());
        assert_eq!(recv(&chan), Poll::Ready(Some(1)));
        assert!(s[1].poll(&chan).is_ready());
        assert_eq!(recv(&chan), Poll::Ready(Some(2)));
    }

    #[test]
    fn a_dropped_grant_passes_to_the_next_sender() {
        let (chan, mut s) = full_with_waiting(2);
        assert_eq!(recv(&chan), Poll::Ready(Some(0)));
        s[0].cancel(&chan); // granted, then dropped
        assert!(s[1].poll(&chan).is_ready());
        assert_eq!(recv(&chan), Poll::Ready(Some(2)));
        assert_eq!(chan.free_slots(), 1);
    }

    #[test]
    fn a_dropped_waiter_leaves_the_middle_of_the_queue() {
        let (chan, mut s) = full_with_waiting(3);
        s[1].cancel(&chan);
        assert_eq!(recv(&chan), Poll::Ready(Some(0)));
        assert!(s[0].poll(&chan).is_ready());
        assert_eq!(recv(&chan), Poll::Ready(Some(1)));
        assert!(s[2].poll(&chan).is_ready());
        assert_eq!(recv(&chan), Poll::Ready(Some(3)));
    }

    #[test]
    fn closing_hands_waiting_values_back() {
        let (chan, mut s) = full_with_waiting(2);
        assert_eq!(recv(&chan), Poll::Ready(Some(0)));
        chan.drop_rx();
        // Granted before the close, or still waiting: either way the value comes back.
        for (sending, value) in s.iter_mut().zip(1..) {
            match sending.poll(&chan) {
                Poll::Ready(Err(SendError(v))) => assert_eq!(v, value),
                other => panic!("{other:?}"),
            }
        }
        assert!(
            s.iter().all(|sending| sending.1.is_none()),
            "every node released"
        );
    }

    #[test]
    fn closing_wakes_every_waiting_sender_even_past_a_waker_that_panics() {
        struct Panics;
        impl Wake for Panics {
            fn wake(self: Arc<Self>) {
                panic!("a waker that panics");
            }
        }
        struct Count(std::sync::atomic::AtomicUsize);
        impl Wake for Count {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        }
        let chan = Chan::new(1);
        chan.try_send(0).unwrap();
        let bad = Waker::from(Arc::new(Panics));
        let count = Arc::new(Count(Default::default()));
        let good = Waker::from(count.clone());
        let (mut a, mut b) = (Sending(Some(1), None), Sending(Some(2), None));
        let cx = &mut Context::from_waker(&bad);
        assert!(chan.poll_send(&mut a.0, &mut a.1, cx).is_pending());
        let cx = &mut Context::from_waker(&good);
        assert!(chan.poll_send(&mut b.0, &mut b.1, cx).is_pending());
        chan.drop_rx();
        assert_eq!(count.0.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(matches!(b.poll(&chan), Poll::Ready(Err(SendError(2)))));
        assert!(matches!(a.poll(&chan), Poll::Ready(Err(SendError(1)))));
    }
}
