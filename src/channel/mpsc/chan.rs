//! The state every mpsc channel shares: the buffer, the queue of senders waiting for room, and
//! the receiver's waker, under one lock.
//!
//! # Room and waiting senders
//! A bounded channel has `capacity` slots. A slot is *used* by a buffered value or *reserved*
//! for a waiting sender that has been granted it but has not yet run to fill it. A sender that
//! finds no free slot joins `waiters` with a ticket from an increasing counter, so `waiters` is
//! sorted by ticket. Whenever a slot frees (the receiver took a value, or a granted sender was
//! dropped unfilled) and senders wait, the front one is granted the slot: it leaves `waiters`,
//! `reserved` grows by one, and it is woken. Invariants, at every release of the lock:
//!
//! 1. `buffer.len() + reserved <= capacity`;
//! 2. `waiters` non-empty implies no free slot (`buffer.len() + reserved == capacity`), so a new
//!    sender — `try_send` included — never overtakes a waiting one (FIFO fairness);
//! 3. a live sender future with ticket `t` is still waiting iff `waiters.front().ticket <= t`
//!    (grants pop from the front; only the owner removes its entry from the middle), otherwise
//!    it holds one reserved slot.
//!
//! A sender future dropped while waiting removes its entry; dropped while holding a grant, it
//! passes the slot to the next waiter. Either way it inserts nothing (cancel safety).
//!
//! # Closing
//! `rx_closed` is set by `Receiver::close` or dropping the receiver: every waiting sender is
//! woken and gets its value back, and `waiters` stays empty from then on. `tx_closed` is set when
//! the last sender goes: the receiver drains the buffer, then sees `None`.
//!
//! Wakers are called or dropped, and values dropped, only after the lock is released: all three
//! run user code, which may re-enter the channel.

use std::collections::VecDeque;
use std::ops::DerefMut;
use std::task::{Context, Poll, Waker};

use crate::channel::error::{SendError, TryRecvError, TrySendError};
use crate::loom::atomic::{AtomicUsize, Ordering};
use crate::loom::Mutex;

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
    /// Senders waiting for a slot, oldest first (ascending tickets).
    waiters: VecDeque<Waiter>,
    next_ticket: u64,
    /// The receiver, when it found the buffer empty.
    rx_waker: Option<Waker>,
    /// Every sender is gone.
    tx_closed: bool,
    /// The receiver closed or was dropped.
    rx_closed: bool,
}

struct Waiter {
    ticket: u64,
    waker: Waker,
}

impl<T> State<T> {
    fn has_room(&self, capacity: usize) -> bool {
        self.buffer.len() + self.reserved < capacity
    }

    /// Whether the sender holding `ticket` is still queued (invariant 3).
    fn is_waiting(&self, ticket: u64) -> bool {
        self.waiters.front().is_some_and(|w| w.ticket <= ticket)
    }

    fn position(&self, ticket: u64) -> Option<usize> {
        self.waiters
            .binary_search_by_key(&ticket, |w| w.ticket)
            .ok()
    }

    /// A slot just freed: grant it to the oldest waiting sender, whose waker is returned.
    fn grant_next(&mut self) -> Option<Waker> {
        let waiter = self.waiters.pop_front()?;
        self.reserved += 1;
        Some(waiter.waker)
    }

    /// Buffers `value` and returns the receiver's waker, if it waits.
    fn push(&mut self, value: T) -> Option<Waker> {
        self.buffer.push_back(value);
        self.rx_waker.take()
    }
}

fn wake(waker: Option<Waker>) {
    if let Some(waker) = waker {
        waker.wake();
    }
}

impl<T> Chan<T> {
    /// A channel with one sender counted.
    pub(super) fn new(capacity: usize) -> Chan<T> {
        Chan {
            state: Mutex::new(State {
                buffer: VecDeque::new(),
                reserved: 0,
                waiters: VecDeque::new(),
                next_ticket: 0,
                rx_waker: None,
                tx_closed: false,
                rx_closed: false,
            }),
            senders: AtomicUsize::new(1),
            capacity,
        }
    }

    fn lock(&self) -> impl DerefMut<Target = State<T>> + '_ {
        // Poisoning cannot leave the state half-updated: no user code runs under the lock.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Free slots now (0 while senders wait).
    pub(super) fn free_slots(&self) -> usize {
        let state = self.lock();
        self.capacity - state.buffer.len() - state.reserved
    }

    pub(super) fn len(&self) -> usize {
        self.lock().buffer.len()
    }

    pub(super) fn is_rx_closed(&self) -> bool {
        self.lock().rx_closed
    }

    pub(super) fn is_tx_closed(&self) -> bool {
        self.lock().tx_closed
    }

    /// Sends without waiting.
    pub(super) fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        let waker = {
            let mut state = self.lock();
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
    /// and `ticket` (`Some` while queued or granted).
    pub(super) fn poll_send(
        &self,
        value: &mut Option<T>,
        ticket: &mut Option<u64>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), SendError<T>>> {
        // Declared before the guard, so it is dropped after it (locals drop in reverse order).
        let _replaced_waker: Option<Waker>;
        let mut state = self.lock();
        if state.rx_closed {
            // Closing emptied `waiters`; a grant is void once nobody receives.
            *ticket = None;
            let value = value.take().expect("send future polled after completion");
            return Poll::Ready(Err(SendError(value)));
        }
        match *ticket {
            None if state.has_room(self.capacity) => {}
            None => {
                let t = state.next_ticket;
                state.next_ticket += 1;
                state.waiters.push_back(Waiter {
                    ticket: t,
                    waker: cx.waker().clone(),
                });
                *ticket = Some(t);
                return Poll::Pending;
            }
            Some(t) if state.is_waiting(t) => {
                if let Some(i) = state.position(t) {
                    let slot = &mut state.waiters[i].waker;
                    if !slot.will_wake(cx.waker()) {
                        _replaced_waker = Some(std::mem::replace(slot, cx.waker().clone()));
                    }
                }
                return Poll::Pending;
            }
            Some(_) => {
                // Granted: fill the reserved slot.
                state.reserved -= 1;
                *ticket = None;
            }
        }
        let value = value.take().expect("send future polled after completion");
        let waker = state.push(value);
        drop(state);
        wake(waker);
        Poll::Ready(Ok(()))
    }

    /// A sending future with `ticket` is dropped unfinished: leave the queue, or pass the
    /// granted slot on.
    pub(super) fn cancel_send(&self, ticket: u64) {
        let (left_behind, next) = {
            let mut state = self.lock();
            if state.rx_closed {
                return;
            }
            if state.is_waiting(ticket) {
                let left_behind = state.position(ticket).and_then(|i| state.waiters.remove(i));
                (left_behind, None)
            } else {
                state.reserved -= 1;
                (None, state.grant_next())
            }
        };
        drop(left_behind);
        wake(next);
    }

    /// One poll of the receiver.
    pub(super) fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        // Declared before the guard, so it is dropped after it (locals drop in reverse order).
        let _replaced_waker: Option<Waker>;
        let mut state = self.lock();
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
        let mut state = self.lock();
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
        let waiters = {
            let mut state = self.lock();
            state.rx_closed = true;
            state.reserved = 0;
            std::mem::take(&mut state.waiters)
        };
        for w in waiters {
            w.waker.wake();
        }
    }

    /// The receiver is dropped: close, and drop the buffered values (outside the lock).
    pub(super) fn drop_rx(&self) {
        self.close_rx();
        let buffer = std::mem::take(&mut self.lock().buffer);
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
            let mut state = self.lock();
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

    fn noop() -> Waker {
        Waker::from(Arc::new(Noop))
    }

    #[test]
    fn waiting_senders_are_granted_in_ticket_order() {
        let waker = noop();
        let cx = &mut Context::from_waker(&waker);
        let chan = Chan::new(1);
        chan.try_send(0).unwrap();
        let (mut a, mut ta) = (Some(1), None);
        let (mut b, mut tb) = (Some(2), None);
        assert!(chan.poll_send(&mut a, &mut ta, cx).is_pending());
        assert!(chan.poll_send(&mut b, &mut tb, cx).is_pending());
        assert!(matches!(chan.try_send(9), Err(TrySendError::Full(9))));
        assert_eq!(chan.poll_recv(cx), Poll::Ready(Some(0)));
        // `a` holds the grant; `b` still waits; nobody may overtake.
        assert!(chan.poll_send(&mut b, &mut tb, cx).is_pending());
        assert!(matches!(chan.try_send(9), Err(TrySendError::Full(9))));
        assert!(chan.poll_send(&mut a, &mut ta, cx).is_ready());
        assert_eq!(chan.poll_recv(cx), Poll::Ready(Some(1)));
        assert!(chan.poll_send(&mut b, &mut tb, cx).is_ready());
        assert_eq!(chan.poll_recv(cx), Poll::Ready(Some(2)));
    }

    #[test]
    fn a_dropped_grant_passes_to_the_next_sender() {
        let waker = noop();
        let cx = &mut Context::from_waker(&waker);
        let chan = Chan::new(1);
        chan.try_send(0).unwrap();
        let (mut a, mut ta) = (Some(1), None);
        let (mut b, mut tb) = (Some(2), None);
        assert!(chan.poll_send(&mut a, &mut ta, cx).is_pending());
        assert!(chan.poll_send(&mut b, &mut tb, cx).is_pending());
        assert_eq!(chan.poll_recv(cx), Poll::Ready(Some(0)));
        chan.cancel_send(ta.unwrap()); // granted, then dropped
        assert!(chan.poll_send(&mut b, &mut tb, cx).is_ready());
        assert_eq!(chan.poll_recv(cx), Poll::Ready(Some(2)));
        assert_eq!(chan.free_slots(), 1);
    }

    #[test]
    fn a_dropped_waiter_leaves_the_middle_of_the_queue() {
        let waker = noop();
        let cx = &mut Context::from_waker(&waker);
        let chan = Chan::new(1);
        chan.try_send(0).unwrap();
        let mut sends: Vec<(Option<i32>, Option<u64>)> = (1..=3).map(|i| (Some(i), None)).collect();
        for (v, t) in &mut sends {
            assert!(chan.poll_send(v, t, cx).is_pending());
        }
        chan.cancel_send(sends[1].1.unwrap());
        assert_eq!(chan.poll_recv(cx), Poll::Ready(Some(0)));
        let (v, t) = &mut sends[0];
        assert!(chan.poll_send(v, t, cx).is_ready());
        assert_eq!(chan.poll_recv(cx), Poll::Ready(Some(1)));
        let (v, t) = &mut sends[2];
        assert!(chan.poll_send(v, t, cx).is_ready());
        assert_eq!(chan.poll_recv(cx), Poll::Ready(Some(3)));
    }

    #[test]
    fn closing_hands_waiting_values_back() {
        let waker = noop();
        let cx = &mut Context::from_waker(&waker);
        let chan = Chan::new(1);
        chan.try_send(0).unwrap();
        let (mut a, mut ta) = (Some(1), None);
        assert!(chan.poll_send(&mut a, &mut ta, cx).is_pending());
        chan.drop_rx();
        match chan.poll_send(&mut a, &mut ta, cx) {
            Poll::Ready(Err(SendError(1))) => {}
            other => panic!("{other:?}"),
        }
    }
}
