//! `LifoQueue<T>`: asyncio's `LifoQueue`, last in, first out.

use super::core::{Core, Items};
use super::methods::queue_methods;

/// A last-in, first-out queue between tasks (asyncio's `LifoQueue`): `get` returns the item put
/// most recently. Otherwise as [`Queue`](crate::queue::Queue).
///
/// # Examples
/// ```
/// use baton::queue::LifoQueue;
///
/// baton::run(async {
///     let q = LifoQueue::new(0);
///     for i in 0..3 {
///         q.put(i).await.unwrap();
///     }
///     assert_eq!(q.get().await, Ok(2));
///     assert_eq!(q.get().await, Ok(1));
///     assert_eq!(q.get().await, Ok(0));
/// });
/// ```
pub struct LifoQueue<T> {
    core: Core<T>,
}

impl<T> LifoQueue<T> {
    /// A stack of at most `maxsize` items; 0 means unbounded.
    ///
    /// # Examples
    /// ```
    /// let q = baton::queue::LifoQueue::<u8>::new(4);
    /// assert_eq!(q.maxsize(), 4);
    /// ```
    pub fn new(maxsize: usize) -> LifoQueue<T> {
        LifoQueue {
            core: Core::new(Items::Lifo(Vec::new()), maxsize),
        }
    }
}

queue_methods!(LifoQueue,);
