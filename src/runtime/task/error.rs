//! Why a task produced no value.

use std::any::Any;
use std::fmt;

/// Why awaiting a [`Task`](crate::Task) gave no value: it was cancelled, or it panicked.
///
/// asyncio raises `CancelledError` or the task's exception when you await it; baton returns this.
///
/// # Examples
/// ```
/// use baton::{spawn, TaskError};
///
/// baton::run(async {
///     let t = spawn(async { panic!("boom") });
///     match t.await {
///         Err(TaskError::Panicked(payload)) => {
///             assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
///         }
///         other => unreachable!("{other:?}"),
///     }
/// });
/// ```
#[non_exhaustive]
pub enum TaskError {
    /// The task was cancelled before it finished ([`Task::cancel`](crate::Task::cancel), or its
    /// loop closed), or asked to cancel and then returned anyway. Carries the message given to
    /// [`Task::cancel_with_message`](crate::Task::cancel_with_message), if any (asyncio's
    /// `CancelledError(msg)`).
    Cancelled(Option<String>),
    /// The task's future panicked; this is the panic payload, as `std::panic::catch_unwind`
    /// gives it. Pass it to `std::panic::resume_unwind` to propagate the panic.
    Panicked(Box<dyn Any + Send + 'static>),
}

impl TaskError {
    /// True for [`TaskError::Cancelled`].
    ///
    /// # Examples
    /// ```
    /// assert!(baton::TaskError::Cancelled(None).is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self, TaskError::Cancelled(_))
    }

    /// The message the task was cancelled with, if any.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let t = baton::spawn(std::future::pending::<()>());
    ///     t.cancel_with_message("shutting down");
    ///     let err = t.await.unwrap_err();
    ///     assert_eq!(err.cancel_message(), Some("shutting down"));
    /// });
    /// ```
    pub fn cancel_message(&self) -> Option<&str> {
        match self {
            TaskError::Cancelled(message) => message.as_deref(),
            TaskError::Panicked(_) => None,
        }
    }

    /// True for [`TaskError::Panicked`].
    ///
    /// # Examples
    /// ```
    /// assert!(!baton::TaskError::Cancelled(None).is_panic());
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self, TaskError::Panicked(_))
    }

    /// The panic message, when the payload is a string (as `panic!` with a message makes it).
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let err = baton::spawn(async { panic!("disk full") }).await.unwrap_err();
    ///     assert_eq!(err.panic_message(), Some("disk full"));
    /// });
    /// ```
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            TaskError::Panicked(payload) => payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str)),
            TaskError::Cancelled(_) => None,
        }
    }
}

impl fmt::Debug for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Cancelled(None) => f.write_str("Cancelled"),
            TaskError::Cancelled(Some(msg)) => f.debug_tuple("Cancelled").field(msg).finish(),
            TaskError::Panicked(_) => match self.panic_message() {
                Some(msg) => f.debug_tuple("Panicked").field(&msg).finish(),
                None => f.write_str("Panicked(..)"),
            },
        }
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Cancelled(None) => f.write_str("task was cancelled"),
            TaskError::Cancelled(Some(msg)) => write!(f, "task was cancelled: {msg}"),
            TaskError::Panicked(_) => match self.panic_message() {
                Some(msg) => match crate::panic::hint_for(msg) {
                    Some(hint) => write!(f, "task panicked: {msg} ({hint})"),
                    None => write!(f, "task panicked: {msg}"),
                },
                None => f.write_str("task panicked"),
            },
        }
    }
}

impl std::error::Error for TaskError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_cause() {
        assert_eq!(TaskError::Cancelled(None).to_string(), "task was cancelled");
        let err = TaskError::Cancelled(Some("bye".into()));
        assert_eq!(err.to_string(), "task was cancelled: bye");
        assert_eq!(format!("{err:?}"), "Cancelled(\"bye\")");
        let err = TaskError::Panicked(Box::new(String::from("oops")));
        assert_eq!(err.to_string(), "task panicked: oops");
        assert_eq!(format!("{err:?}"), "Panicked(\"oops\")");
        assert_eq!(
            TaskError::Panicked(Box::new(7)).to_string(),
            "task panicked"
        );
    }
}
