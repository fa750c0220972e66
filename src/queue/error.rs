//! The errors of `baton::queue`.

use std::fmt;

/// A put failed; the item is handed back.
///
/// # Examples
/// ```
/// use baton::queue::{PutError, Queue};
///
/// let q = Queue::new(1);
/// q.put_nowait('a').unwrap();
/// let err = q.put_nowait('b').unwrap_err();
/// assert!(matches!(err, PutError::Full('b')));
/// assert_eq!(err.to_string(), "queue is full");
/// assert_eq!(err.into_inner(), 'b');
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PutError<T> {
    /// The queue holds `maxsize` items (only from `put_nowait`; `put` waits instead).
    Full(T),
    /// The queue was shut down (asyncio's `QueueShutDown`).
    ShutDown(T),
}

impl<T> PutError<T> {
    /// The item that was not put.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(baton::queue::PutError::ShutDown(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            PutError::Full(item) | PutError::ShutDown(item) => item,
        }
    }
}

impl<T> fmt::Debug for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutError::Full(_) => f.write_str("Full(..)"),
            PutError::ShutDown(_) => f.write_str("ShutDown(..)"),
        }
    }
}

impl<T> fmt::Display for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutError::Full(_) => f.write_str("queue is full"),
            PutError::ShutDown(_) => f.write_str("queue is shut down"),
        }
    }
}

impl<T> std::error::Error for PutError<T> {}

/// `get_nowait` found nothing to take.
///
/// # Examples
/// ```
/// use baton::queue::{GetError, Queue};
///
/// let q: Queue<u8> = Queue::new(0);
/// assert_eq!(q.get_nowait(), Err(GetError::Empty));
/// q.shutdown(false);
/// assert_eq!(q.get_nowait(), Err(GetError::ShutDown));
/// assert_eq!(GetError::Empty.to_string(), "queue is empty");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GetError {
    /// No item is available (asyncio's `QueueEmpty`).
    Empty,
    /// The queue was shut down and no item is left (asyncio's `QueueShutDown`).
    ShutDown,
}

impl fmt::Display for GetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GetError::Empty => f.write_str("queue is empty"),
            GetError::ShutDown => f.write_str("queue is shut down"),
        }
    }
}

impl std::error::Error for GetError {}

/// The queue was shut down and has no item left for `get` (asyncio's `QueueShutDown`).
///
/// # Examples
/// ```
/// use baton::queue::{Queue, QueueShutDown};
///
/// baton::run(async {
///     let q: Queue<u8> = Queue::new(0);
///     q.shutdown(false);
///     assert_eq!(q.get().await, Err(QueueShutDown));
///     assert_eq!(QueueShutDown.to_string(), "queue is shut down");
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueShutDown;

impl fmt::Display for QueueShutDown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("queue is shut down")
    }
}

impl std::error::Error for QueueShutDown {}

/// `task_done` was called more times than items were put (asyncio raises `ValueError`).
///
/// # Examples
/// ```
/// use baton::queue::{Queue, TaskDoneError};
///
/// let q: Queue<u8> = Queue::new(0);
/// assert_eq!(q.task_done(), Err(TaskDoneError::TooManyCalls));
/// assert_eq!(TaskDoneError::TooManyCalls.to_string(), "task_done() called too many times");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskDoneError {
    /// No unfinished item was left.
    TooManyCalls,
}

impl fmt::Display for TaskDoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskDoneError::TooManyCalls => f.write_str("task_done() called too many times"),
        }
    }
}

impl std::error::Error for TaskDoneError {}
