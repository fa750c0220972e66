//! `PriorityQueue<T>`: asyncio's `PriorityQueue`, smallest first.

use super::core::{Core, Items};
use super::methods::queue_methods;

/// A queue whose `get` returns the smallest item first (asyncio's `PriorityQueue`, a min-heap).
/// Wrap items in [`std::cmp::Reverse`] for largest first; use `(priority, data)` tuples as in
/// asyncio. Items of equal priority come out in no particular order. Otherwise as
/// [`Queue`](crate::queue::Queue).
///
/// `T`'s `Ord` runs while the queue's internal lock is held: it must not use the queue.
///
/// # Examples
/// ```
/// use baton::queue::PriorityQueue;
///
/// baton::run(async {
///     let q = PriorityQueue::new(0);
///     q.put((2, "write")).await.unwrap();
///     q.put((0, "urgent")).await.unwrap();
///     q.put((1, "read")).await.unwrap();
///     assert_eq!(q.get().await, Ok((0, "urgent")));
///     assert_eq!(q.get().await, Ok((1, "read")));
///     assert_eq!(q.get().await, Ok((2, "write")));
/// });
/// ```
pub struct PriorityQueue<T> {
    core: Core<T>,
}

impl<T: Ord> PriorityQueue<T> {
    /// A priority queue of at most `maxsize` items; 0 means unbounded.
    ///
    /// # Examples
    /// ```
    /// let q = baton::queue::PriorityQueue::<u8>::new(0);
    /// assert!(q.empty());
    /// ```
    pub fn new(maxsize: usize) -> PriorityQueue<T> {
        PriorityQueue {
            core: Core::new(Items::Priority(Vec::new(), |a: &T, b: &T| a < b), maxsize),
        }
    }
}

queue_methods!(PriorityQueue, : Ord);
