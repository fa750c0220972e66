//! `ReadyQueue`: the tasks ready to run, and the policy that picks the next one.
//!
//! Today's policy is FIFO: tasks run in the order they became ready (asyncio's `call_soon`
//! order). A seeded policy (a reproducible permutation of each iteration's ready tasks) or a
//! worker's stealable queue plugs in here; nothing else in the loop knows the order.

use std::cell::RefCell;
use std::collections::VecDeque;

use super::task::Notified;

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

    /// Empties the queue (shutdown); the caller drops the entries after the borrow ends.
    pub(crate) fn take_all(&self) -> VecDeque<Notified> {
        std::mem::take(&mut *self.tasks.borrow_mut())
    }
}
