//! `Queue<T>`: asyncio's `Queue`, first in, first out.

use std::collections::VecDeque;

use super::core::{Core, Items};
use super::methods::queue_methods;

/// A first-in, first-out queue between tasks (asyncio's `Queue`).
///
/// `maxsize` bounds it (0 = unbounded): `put` waits while it is full, `get` while it is empty,
/// and waiting tasks are served first come, first served. `task_done` / `join` track
/// processing, `shutdown` stops it (Python 3.13). See the [module docs](crate::queue).
///
/// `Queue<T>` is `Send + Sync` when `T: Send`.
///
/// # Examples
/// ```
/// use baton::queue::Queue;
/// use std::rc::Rc;
///
/// baton::run(async {
///     let q = Rc::new(Queue::new(2));
///     let producer = {
///         let q = q.clone();
///         baton::spawn(async move {
///             for i in 0..5 {
///                 q.put(i).await.unwrap(); // waits while 2 items are queued
///             }
///             q.shutdown(false);
///         })
///     };
///     let mut got = Vec::new();
///     while let Ok(i) = q.get().await {
///         got.push(i);
///     }
///     producer.await.unwrap();
///     assert_eq!(got, [0, 1, 2, 3, 4]);
/// });
/// ```
pub struct Queue<T> {
    core: Core<T>,
}

impl<T> Queue<T> {
    /// A queue of at most `maxsize` items; 0 means unbounded.
    ///
    /// # Examples
    /// ```
    /// let q = baton::queue::Queue::<String>::new(0);
    /// assert_eq!(q.maxsize(), 0);
    /// ```
    pub fn new(maxsize: usize) -> Queue<T> {
        Queue {
            core: Core::new(Items::Fifo(VecDeque::new()), maxsize),
        }
    }
}

queue_methods!(Queue,);
