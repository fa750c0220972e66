//! The pool's shared queue: items spawned or woken from outside a worker, and the batches a
//! full worker queue overflows. Any worker takes from it.
//!
//! A `VecDeque` behind the crate's lock, plus a length mirrored in an atomic so that the
//! question every idle worker asks — is there anything? — is one load, without the lock.
//! The mirror is a hint (it may be stale by the time the caller acts); the lock is the truth.
//!
//! Items are never dropped under the lock: `close` and a rejected push hand them back, so the
//! caller releases them after the guard is gone (dropping an item may run user code).

use std::collections::VecDeque;

use crate::loom::atomic::AtomicUsize;
use crate::loom::atomic::Ordering::{Acquire, Release};
use crate::runtime::pool::local_queue::Local;
use crate::util::Mutex;

/// The pool's injection queue (see the module docs).
pub(crate) struct Injector<T> {
    state: Mutex<State<T>>,
    /// `state.queue.len()`, written under the lock, read without it.
    len: AtomicUsize,
}

struct State<T> {
    queue: VecDeque<T>,
    /// Set by `close`: pushes are refused from then on.
    closed: bool,
}

impl<T> Injector<T> {
    pub(crate) fn new() -> Injector<T> {
        Injector {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                closed: false,
            }),
            len: AtomicUsize::new(0),
        }
    }

    /// Queues `item` at the back; hands it back if the injector is closed.
    pub(crate) fn push(&self, item: T) -> Result<(), T> {
        let mut state = self.state.lock();
        if state.closed {
            return Err(item);
        }
        state.queue.push_back(item);
        self.len.store(state.queue.len(), Release);
        Ok(())
    }

    /// Queues every item of `items` under one lock. If the injector is closed, hands the
    /// iterator back untouched, so the caller releases its items after the lock.
    ///
    /// `items` is consumed under the lock: it must not run user code (an
    /// [`Overflow`](super::local_queue::Overflow) only moves items out of a ring).
    pub(crate) fn push_batch<I: Iterator<Item = T>>(&self, items: I) -> Result<(), I> {
        let mut state = self.state.lock();
        if state.closed {
            return Err(items);
        }
        state.queue.extend(items);
        self.len.store(state.queue.len(), Release);
        Ok(())
    }

    /// Takes the oldest item. The empty check comes first, without the lock, so an idle worker
    /// polling an empty injector does not contend for it; a push racing that check is seen on
    /// the caller's next look (the pool's wake-up protocol makes sure there is one). (Workers
    /// take batches with `pop_into`; this serves the tests and models.)
    #[cfg(test)]
    pub(crate) fn pop(&self) -> Option<T> {
        if self.is_empty() {
            return None;
        }
        let mut state = self.state.lock();
        let item = state.queue.pop_front();
        self.len.store(state.queue.len(), Release);
        item
    }

    /// Takes up to `max` items (at least one if any; the caller computes its fair share, e.g.
    /// `len / workers + 1`) under one lock: returns the oldest to run at once and pushes the rest,
    /// in order, into `dst`, as many as it has room for.
    pub(crate) fn pop_into(&self, dst: &mut Local<T>, max: usize) -> Option<T> {
        if self.is_empty() {
            return None;
        }
        let mut state = self.state.lock();
        let n = max
            .max(1)
            .min(state.queue.len())
            .min(dst.remaining_slots() + 1);
        let mut batch = state.queue.drain(..n);
        let first = batch.next();
        dst.push_back_fitting(batch);
        self.len.store(state.queue.len(), Release);
        first
    }

    /// Items queued: one atomic load, a snapshot that may be stale at once.
    pub(crate) fn len(&self) -> usize {
        self.len.load(Acquire)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Refuses every later push and returns what was queued, for the caller to release. Pops
    /// find nothing from then on.
    pub(crate) fn close(&self) -> VecDeque<T> {
        let mut state = self.state.lock();
        state.closed = true;
        self.len.store(0, Release);
        std::mem::take(&mut state.queue)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::pool::local_queue::{local, LOCAL_QUEUE_CAPACITY};

    #[test]
    fn pops_in_push_order_and_mirrors_the_length() {
        let inj = Injector::new();
        assert!(inj.is_empty() && inj.pop().is_none());
        inj.push(1).unwrap();
        assert!(inj.push_batch([2, 3].into_iter()).is_ok());
        assert_eq!(inj.len(), 3);
        assert_eq!(inj.pop(), Some(1));
        assert_eq!(inj.len(), 2);
        assert_eq!(std::iter::from_fn(|| inj.pop()).collect::<Vec<_>>(), [2, 3]);
        assert!(inj.is_empty());
    }

    #[test]
    fn close_returns_the_queue_and_rejects_later_pushes_with_their_items() {
        let inj = Injector::new();
        inj.push(1).unwrap();
        inj.push(2).unwrap();
        assert_eq!(inj.close(), [1, 2]);
        assert!(inj.is_empty() && inj.pop().is_none());
        assert_eq!(inj.push(3), Err(3));
        let rejected = inj.push_batch([4, 5].into_iter()).unwrap_err();
        assert_eq!(rejected.collect::<Vec<_>>(), [4, 5]);
        assert!(inj.close().is_empty());
    }

    #[test]
    fn an_overflow_batch_goes_in_whole_or_comes_back_whole() {
        let inj = Injector::new();
        let (mut q, _steal) = local();
        for i in 0..LOCAL_QUEUE_CAPACITY {
            assert!(q.push_back(i).is_none());
        }
        let batch = q.push_back(LOCAL_QUEUE_CAPACITY).unwrap();
        assert!(inj.push_batch(batch).is_ok());
        assert_eq!(inj.len(), LOCAL_QUEUE_CAPACITY / 2 + 1);
        assert_eq!(inj.pop(), Some(LOCAL_QUEUE_CAPACITY / 2));
        inj.close();
        for i in 0..LOCAL_QUEUE_CAPACITY / 2 {
            assert!(q.push_back(i).is_none());
        }
        let batch = q.push_back(0).unwrap();
        let back = inj.push_batch(batch).err().unwrap();
        assert_eq!(back.len(), LOCAL_QUEUE_CAPACITY / 2 + 1);
    }

    #[test]
    fn pop_into_returns_the_oldest_and_queues_the_rest_within_max_and_room() {
        let inj = Injector::new();
        assert!(inj.push_batch(0..10).is_ok());
        let (mut q, _steal) = local();
        assert_eq!(inj.pop_into(&mut q, 4), Some(0));
        assert_eq!(
            std::iter::from_fn(|| q.pop()).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        assert_eq!(inj.len(), 6);
        // `max` 0 still takes one; more than is queued takes what there is.
        assert_eq!(inj.pop_into(&mut q, 0), Some(4));
        assert!(q.is_empty());
        assert_eq!(inj.pop_into(&mut q, 100), Some(5));
        assert_eq!(
            std::iter::from_fn(|| q.pop()).collect::<Vec<_>>(),
            [6, 7, 8, 9]
        );
        assert!(inj.is_empty() && inj.pop_into(&mut q, 4).is_none());
        // A full destination gets nothing queued: one item, to run.
        for i in 0..LOCAL_QUEUE_CAPACITY {
            assert!(q.push_back(i).is_none());
        }
        assert!(inj.push_batch(100..103).is_ok());
        assert_eq!(inj.pop_into(&mut q, 3), Some(100));
        assert_eq!((inj.len(), q.len()), (2, LOCAL_QUEUE_CAPACITY));
    }
}

/// Loom model of a push and a pop racing `close`: every item ends up exactly once with the
/// popper, in what `close` returned, or back with the pusher. Run with
/// `scripts/loom.sh runtime::pool::injector`.
#[cfg(all(test, baton_loom))]
mod loom_models {
    use super::*;
    use loom::sync::Arc;
    use loom::thread;

    #[test]
    fn push_and_pop_racing_close_lose_no_item() {
        loom::model(|| {
            let inj = Arc::new(Injector::new());
            inj.push(0).unwrap();
            let pusher = {
                let inj = inj.clone();
                thread::spawn(move || inj.push(1).err())
            };
            let popper = {
                let inj = inj.clone();
                thread::spawn(move || inj.pop())
            };
            let mut seen: Vec<usize> = inj.close().into();
            seen.extend(pusher.join().unwrap());
            seen.extend(popper.join().unwrap());
            seen.sort_unstable();
            assert_eq!(seen, [0, 1]);
            assert!(inj.is_empty() && inj.pop().is_none());
            assert_eq!(inj.push(2), Err(2));
        });
    }
}
