//! `ReadyQueue`: the tasks ready to run, and the policy that picks the next one.
//!
//! The policy is FIFO: tasks run in the order they became ready (asyncio's `call_soon` order).
//! A seeded loop (`Builder::seed`) shuffles the tasks one iteration runs (`shuffle_front`) with a
//! generator drawn from the seed, so a race shows up under some seed and replays under it.

use std::cell::RefCell;
use std::collections::VecDeque;

use super::task::Notified;
use crate::util::SplitMix64;

/// The loop's ready tasks. Each entry owns a reference (a [`Notified`]). Loop thread only.
#[derive(Default)]
pub(crate) struct ReadyQueue {
    tasks: RefCell<VecDeque<Notified>>,
}

impl ReadyQueue {
    /// Queues a task behind every task already ready.
    #[inline]
    pub(crate) fn push(&self, task: Notified) {
        self.tasks.borrow_mut().push_back(task);
    }

    /// The next task to run.
    #[inline]
    pub(crate) fn pop(&self) -> Option<Notified> {
        self.tasks.borrow_mut().pop_front()
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.tasks.borrow().len()
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.tasks.borrow().is_empty()
    }

    /// Puts the first `n` tasks in an order drawn from `rng` (seeded scheduling): a uniform
    /// permutation (Fisher–Yates).
    pub(crate) fn shuffle_front(&self, n: usize, rng: &mut SplitMix64) {
        let mut tasks = self.tasks.borrow_mut();
        let n = n.min(tasks.len());
        for i in (1..n).rev() {
            let j = rng.below(i + 1);
            tasks.swap(i, j);
        }
    }

    /// Empties the queue (shutdown); the caller drops the entries after the borrow ends.
    pub(crate) fn take_all(&self) -> VecDeque<Notified> {
        std::mem::take(&mut *self.tasks.borrow_mut())
    }
}
