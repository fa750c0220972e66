//! Queues between tasks: asyncio's `Queue`, `LifoQueue` and `PriorityQueue`.
//!
//! All three share one API: `new(maxsize)` (0 = unbounded); `put` / `get` wait while the queue
//! is full / empty; `put_nowait` / `get_nowait` return an error that says full, empty or shut
//! down (put errors hand the item back); `qsize`, `empty`, `full`, `maxsize`; `task_done` /
//! `join` to wait until every item put was processed; and Python 3.13's `shutdown(immediate)`,
//! which wakes every waiting getter and putter with the shut-down error.
//!
//! ```
//! use baton::queue::Queue;
//! use std::rc::Rc;
//!
//! baton::run(async {
//!     let q = Rc::new(Queue::new(10)); // maxsize; 0 = unbounded
//!     q.put(1).await.unwrap(); // Err only after shutdown, handing the item back
//!     q.put_nowait(2).unwrap();
//!     assert_eq!(q.get().await.unwrap(), 1); // Err(QueueShutDown) only after shutdown
//!     assert_eq!(q.get_nowait().unwrap(), 2);
//!     assert!(q.get_nowait().is_err()); // empty: an error that says so
//! });
//! ```
//!
//! # Fairness and cancellation
//!
//! Waiting getters and putters are served in the order they started waiting. When an item
//! arrives for a waiting getter it is *reserved* for that getter (and a freed slot for a waiting
//! putter), so a woken task never finds its item taken by a newcomer — `get_nowait` does not
//! see reserved items. A getter cancelled while waiting loses no item: a reserved one stays in
//! the queue and passes to the next getter. A putter cancelled while waiting inserts nothing,
//! and a reserved slot passes to the next putter. See the cancellation table in
//! [`baton::sync`](crate::sync#cancellation).
//!
//! Queues are `Send + Sync` when `T: Send`: share them with `Rc`, or `Arc` across threads.

mod core;
mod error;
mod lifo_queue;
mod methods;
mod priority_queue;
#[allow(clippy::module_inception)]
mod queue;

pub use self::core::{Get, Put, QueueJoin};
pub use error::{GetError, PutError, QueueShutDown, TaskDoneError};
pub use lifo_queue::LifoQueue;
pub use priority_queue::PriorityQueue;
pub use queue::Queue;
