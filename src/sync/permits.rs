//! `Permits`: the counting core under `Lock`, `Semaphore` and `BoundedSemaphore`.
//!
//! # Handoff
//!
//! A released permit goes to the oldest waiter, never back to the pool while anyone waits: the
//! releaser unlinks the waiter's node, marks it notified (the mark *is* the permit) and wakes it.
//! So `available > 0` implies nobody waits, newcomers cannot overtake waiters (FIFO fairness),
//! and a woken waiter never finds the permit gone.
//!
//! If a waiter's future is dropped (its task cancelled) after the handoff but before it saw the
//! permit, `RawAcquire::cancel` finds the node notified and releases the permit again, which hands
//! it to the next waiter. A permit is never lost or duplicated.
//!
//! # Counting
//!
//! A permit is in one of three places: in the pool (`available`), handed to a notified waiter
//! that has not yet taken it (`handed`), or with a holder. `handed` grows with each handoff and
//! shrinks when the waiter takes the permit (its next poll) or passes it on (its cancellation).
//! A bounded release counts both of the first two as "back": `available + handed` is what a
//! `BoundedSemaphore` compares with its bound, so a release while a permit is in flight to a
//! woken waiter cannot create a permit the bound does not allow (asyncio's `ValueError`).
//!
//! No waker is woken or dropped under the state lock (see `util/wait_list.rs`).

use std::fmt;
use std::task::{Context, Poll, Waker};

use crate::coop;
use crate::util::{wake, Mutex, WaitKey, WaitList, WakeList};

pub(crate) struct Permits {
    state: Mutex<State>,
}

struct State {
    /// Permits nobody holds. Nonzero only while `waiters` is empty.
    available: usize,
    /// Permits handed to notified waiters that have not yet taken or passed them on: as many as
    /// there are notified nodes not yet released.
    handed: usize,
    waiters: WaitList<()>,
}

/// The over-release check of a bounded semaphore failed.
pub(crate) struct AboveBound;

impl Permits {
    pub(crate) fn new(available: usize) -> Permits {
        Permits {
            state: Mutex::new(State {
                available,
                handed: 0,
                waiters: WaitList::new(),
            }),
        }
    }

    /// Takes a permit if one is free.
    pub(crate) fn try_acquire(&self) -> bool {
        let mut st = self.state.lock();
        if st.available > 0 {
            st.available -= 1;
            true
        } else {
            false
        }
    }

    pub(crate) fn available(&self) -> usize {
        self.state.lock().available
    }

    /// Tasks waiting for a permit.
    pub(crate) fn waiting(&self) -> usize {
        self.state.lock().waiters.waiting()
    }

    /// Returns one permit: to the oldest waiter if there is one, else to the pool.
    pub(crate) fn release_one(&self) {
        let waker = {
            let mut st = self.state.lock();
            st.release_one()
        };
        wake(waker);
    }

    /// Returns `n` permits, each to the oldest remaining waiter or else to the pool.
    ///
    /// # Panics
    /// If the pool would exceed `usize::MAX` permits.
    pub(crate) fn release(&self, n: usize) {
        let mut wakers = WakeList::new();
        {
            let mut st = self.state.lock();
            let handed = st.waiters.notify_many(n, (), &mut wakers);
            st.handed += handed;
            st.available = st
                .available
                .checked_add(n - handed)
                .expect("semaphore permits overflow usize::MAX");
        }
        wakers.wake_all();
    }

    /// Returns one permit unless `bound` permits are already back: in the pool, or handed to
    /// woken waiters that have not yet taken them.
    pub(crate) fn release_bounded(&self, bound: usize) -> Result<(), AboveBound> {
        let waker = {
            let mut st = self.state.lock();
            if st.available.saturating_add(st.handed) >= bound {
                return Err(AboveBound);
            }
            st.release_one()
        };
        wake(waker);
        Ok(())
    }
}

impl State {
    /// Hands one permit to the oldest waiter (returning its waker, to wake after the lock is
    /// released) or, with nobody waiting, puts it in the pool.
    fn release_one(&mut self) -> Option<Waker> {
        let waker = self.waiters.notify_one(());
        if waker.is_some() {
            self.handed += 1;
        } else {
            self.available = self
                .available
                .checked_add(1)
                .expect("semaphore permits overflow usize::MAX");
        }
        waker
    }
}

impl fmt::Debug for Permits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.state.lock();
        f.debug_struct("Permits")
            .field("available", &st.available)
            .field("handed_over", &st.handed)
            .field("waiting", &st.waiters.waiting())
            .finish()
    }
}

/// The state of one acquisition; the futures of `Lock` and `Semaphore` wrap it.
pub(crate) struct RawAcquire {
    /// The waiter's node while queued.
    key: Option<WaitKey>,
    /// The permit was taken (and belongs to the caller now).
    done: bool,
}

impl RawAcquire {
    pub(crate) const fn new() -> RawAcquire {
        RawAcquire {
            key: None,
            done: false,
        }
    }

    /// Takes a permit, or queues for one. `Ready` means the caller now owns a permit.
    ///
    /// # Panics
    /// If polled again after it returned `Ready`.
    pub(crate) fn poll(&mut self, permits: &Permits, cx: &mut Context<'_>) -> Poll<()> {
        assert!(!self.done, "acquire future polled after it completed");
        coop::poll_budgeted(cx, coop::Cost::Memory, |cx| {
            self.poll_unbudgeted(permits, cx)
        })
    }

    fn poll_unbudgeted(&mut self, permits: &Permits, cx: &mut Context<'_>) -> Poll<()> {
        // Declared before the guard, so it is dropped after it (locals drop in reverse order).
        let _replaced_waker: Option<Waker>;
        let mut st = permits.state.lock();
        match &self.key {
            None => {
                if st.available > 0 {
                    st.available -= 1;
                    self.done = true;
                    return Poll::Ready(());
                }
                self.key = Some(st.waiters.push(cx.waker(), ()));
                Poll::Pending
            }
            Some(key) => {
                if st.waiters.is_notified(key) {
                    let key = self.key.take().expect("key checked above");
                    // Notified: the notifier took the waker, so none comes back.
                    _replaced_waker = st.waiters.release(key).waker;
                    st.handed -= 1;
                    self.done = true;
                    Poll::Ready(())
                } else {
                    _replaced_waker = st.waiters.update_waker(key, cx.waker());
                    Poll::Pending
                }
            }
        }
    }

    /// Leaves the queue (on drop of the future). A permit handed over but not yet taken goes on
    /// to the next waiter.
    pub(crate) fn cancel(&mut self, permits: &Permits) {
        if let Some(key) = self.key.take() {
            let (left_behind, next) = {
                let mut st = permits.state.lock();
                let released = st.waiters.release(key);
                let next = if released.notified {
                    st.handed -= 1;
                    st.release_one()
                } else {
                    None
                };
                (released.waker, next)
            };
            drop(left_behind);
            wake(next);
        }
    }

    /// Queued and not yet granted.
    pub(crate) fn is_queued(&self) -> bool {
        self.key.is_some()
    }

    /// Completed with a permit.
    pub(crate) fn is_done(&self) -> bool {
        self.done
    }
}
