//! What the loop reports through its exception handler (asyncio's `loop.call_exception_handler`
//! context): a slow poll, a task whose panic nobody observed, a task still pending at close.

use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use crate::runtime::task::TaskId;

/// A handler for the loop's reports, as the loop keeps it; see
/// [`EventLoop::set_exception_handler`](crate::EventLoop::set_exception_handler), which takes any
/// such closure.
///
/// # Examples
/// ```
/// let handler: baton::debug::ExceptionHandler = std::sync::Arc::new(|e| eprintln!("{e}"));
/// let lp = baton::EventLoop::new()?;
/// let shared = handler.clone();
/// lp.set_exception_handler(move |e| shared(e));
/// # Ok::<(), std::io::Error>(())
/// ```
pub type ExceptionHandler = Arc<dyn Fn(&Exception) + Send + Sync + 'static>;

/// One report of the loop's: what happened, to which task, with a readable message.
///
/// It displays as the line the default handler writes to stderr.
///
/// # Examples
/// ```
/// use std::sync::{Arc, Mutex};
/// use baton::debug::ExceptionKind;
///
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let mut lp = baton::EventLoop::new()?;
/// let log = seen.clone();
/// lp.set_exception_handler(move |e: &baton::debug::Exception| {
///     log.lock().unwrap().push((e.kind.clone(), e.to_string()));
/// });
/// lp.run_until_complete(async {
///     let t = baton::spawn(async { panic!("boom") });
///     baton::yield_now().await;
///     drop(t); // nobody looks at its panic
/// });
/// let seen = seen.lock().unwrap();
/// assert_eq!(seen[0].0, ExceptionKind::UnobservedPanic);
/// assert!(seen[0].1.contains("boom"));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Exception {
    /// What happened.
    pub kind: ExceptionKind,
    /// The task concerned, if the report is about one.
    pub task: Option<TaskInfo>,
    /// A panic's message (`&str` and `String` payloads), for [`ExceptionKind::UnobservedPanic`]
    /// and [`ExceptionKind::SignalHandlerPanic`].
    pub panic_message: Option<String>,
}

/// What an [`Exception`] reports.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use baton::debug::ExceptionKind;
///
/// let kind = ExceptionKind::SlowPoll { took: Duration::from_millis(250) };
/// assert_ne!(kind, ExceptionKind::UnobservedPanic);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExceptionKind {
    /// Debug mode: one poll of a task (or of `run_until_complete`'s future, then `task` is
    /// `None`) took `took`, at least the loop's slow-poll threshold: it blocked every other task
    /// of the loop meanwhile (asyncio's "Executing <Task …> took 0.150 seconds").
    SlowPoll {
        /// How long the poll ran.
        took: Duration,
    },
    /// A task panicked and nobody took its result: its handle was dropped (or never awaited)
    /// before or after it finished (asyncio's "Task exception was never retrieved").
    UnobservedPanic,
    /// Debug mode: the task was still pending when its loop closed, and was cancelled then
    /// (asyncio's "Task was destroyed but it is pending!"). A task already asked to cancel is
    /// not reported.
    PendingAtClose,
    /// A callback added with
    /// [`EventLoop::add_signal_handler`](crate::EventLoop::add_signal_handler) panicked when
    /// `signal` arrived; the loop goes on and the handler stays installed (asyncio reports an
    /// exception in a signal handler's callback the same way).
    SignalHandlerPanic {
        /// The signal whose handler panicked (`libc::SIGINT`, …).
        signal: i32,
    },
}

/// Which task a report or dump entry is about.
///
/// # Examples
/// ```
/// use baton::debug::TaskInfo;
///
/// let info = TaskInfo::new(baton::EventLoop::new()?.spawn(async {}).id(), None);
/// assert!(info.to_string().starts_with("Task-1 ("));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskInfo {
    /// The task's id.
    pub id: TaskId,
    /// The name given with `Task::set_name`, if any.
    pub name: Option<String>,
    /// Where it was spawned.
    pub spawned_at: &'static Location<'static>,
}

impl Exception {
    /// A report of `kind` about no task, for [`LoopHandle::call_exception_handler`](crate::LoopHandle::call_exception_handler).
    ///
    /// # Examples
    /// ```
    /// let e = baton::debug::Exception::new(baton::debug::ExceptionKind::PendingAtClose);
    /// assert!(e.task.is_none());
    /// ```
    pub fn new(kind: ExceptionKind) -> Exception {
        Exception {
            kind,
            task: None,
            panic_message: None,
        }
    }
}

impl TaskInfo {
    /// Info for task `id`, spawned at the caller's location (for building reports by hand,
    /// e.g. in a test of a handler).
    ///
    /// # Examples
    /// ```
    /// let info = baton::debug::TaskInfo::new(baton::EventLoop::new()?.spawn(async {}).id(), Some("io".into()));
    /// assert_eq!(info.name.as_deref(), Some("io"));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn new(id: TaskId, name: Option<String>) -> TaskInfo {
        TaskInfo {
            id,
            name,
            spawned_at: Location::caller(),
        }
    }

    pub(crate) fn with_site(
        id: TaskId,
        name: Option<String>,
        spawned_at: &'static Location<'static>,
    ) -> TaskInfo {
        TaskInfo {
            id,
            name,
            spawned_at,
        }
    }
}

impl fmt::Display for TaskInfo {
    /// `Task-3 "name" (src/main.rs:10:5)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Task-{}", self.id)?;
        if let Some(name) = &self.name {
            write!(f, " {name:?}")?;
        }
        write!(f, " ({})", self.spawned_at)
    }
}

impl fmt::Display for Exception {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match &self.task {
            Some(task) => task.to_string(),
            None => "the loop's main future".to_owned(),
        };
        match &self.kind {
            ExceptionKind::SlowPoll { took } => write!(
                f,
                "baton: executing {what} took {:.3} seconds (it blocked the loop meanwhile)",
                took.as_secs_f64()
            ),
            ExceptionKind::UnobservedPanic => {
                write!(f, "baton: task panic was never retrieved: {what}")?;
                match &self.panic_message {
                    Some(message) => write!(f, " panicked with {message:?}"),
                    None => write!(f, " panicked"),
                }
            }
            ExceptionKind::PendingAtClose => write!(
                f,
                "baton: {what} was still pending when its loop closed; it was cancelled"
            ),
            ExceptionKind::SignalHandlerPanic { signal } => {
                write!(f, "baton: the loop's handler of signal {signal} panicked")?;
                if let Some(message) = &self.panic_message {
                    write!(f, " with {message:?}")?;
                }
                write!(f, "; it stays installed")
            }
        }
    }
}

/// The handler used when none was set: one line on stderr — or, with the `tracing` feature, a
/// `tracing` event (`warn` for slow polls and pending tasks, `error` for lost panics).
///
/// # Examples
/// ```
/// let lp = baton::EventLoop::new()?;
/// lp.set_exception_handler(|e: &baton::debug::Exception| {
///     // Filter, then fall back to the default.
///     baton::debug::default_exception_handler(e);
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn default_exception_handler(exception: &Exception) {
    #[cfg(feature = "tracing")]
    {
        let task = exception.task.as_ref().map(|t| t.id.as_u64());
        match exception.kind {
            ExceptionKind::UnobservedPanic | ExceptionKind::SignalHandlerPanic { .. } => {
                tracing::error!(target: "baton", task, "{exception}")
            }
            _ => tracing::warn!(target: "baton", task, "{exception}"),
        }
    }
    #[cfg(not(feature = "tracing"))]
    eprintln!("{exception}");
}
