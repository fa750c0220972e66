//! What the loop reports through its exception handler (asyncio's `loop.call_exception_handler`
//! context): a slow poll, a task whose panic nobody observed, a task still pending at close, a
//! server's failed accept or lost connection.

use std::error::Error;
use std::fmt;
use std::io;
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
    /// A server's `accept(2)` failed with an error about the server, not one connection —
    /// most often out of descriptors (`EMFILE`, `ENFILE`) or memory (`ENOBUFS`, `ENOMEM`) —
    /// and it pauses `retry_in` before accepting again; clients wait in the backlog meanwhile.
    /// Always reported (asyncio's "socket.accept() out of system resource").
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    /// use baton::debug::{Exception, ExceptionKind, IoFailure};
    ///
    /// let emfile = std::io::Error::from_raw_os_error(libc::EMFILE);
    /// let kind = ExceptionKind::AcceptFailed {
    ///     server: "start_server",
    ///     error: IoFailure::from(&emfile),
    ///     retry_in: Duration::from_millis(100),
    /// };
    /// assert_eq!(
    ///     Exception::new(kind).to_string(),
    ///     "baton: start_server: accept failed: Too many open files (os error 24); \
    ///      retrying in 100ms",
    /// );
    /// ```
    AcceptFailed {
        /// The API that started the server: `"start_server"`, `"start_unix_server"`,
        /// `"http::serve"`.
        server: &'static str,
        /// What `accept(2)` said.
        error: IoFailure,
        /// How long the server pauses before its next accept.
        retry_in: Duration,
    },
    /// Debug mode: one accepted connection ended with an error before or while it was served
    /// — its TLS handshake failed or timed out, or the HTTP connection failed (a malformed
    /// request, a reset). Only that connection ended. Outside debug mode such failures are
    /// not reported, as asyncio logs a connection's `OSError` only in debug mode: they are
    /// the client's doing, and a public server sees many.
    ///
    /// # Examples
    /// ```
    /// use std::io::ErrorKind;
    /// use baton::debug::{Exception, ExceptionKind, IoFailure};
    ///
    /// let kind = ExceptionKind::ConnectionFailed {
    ///     server: "start_server",
    ///     stage: "TLS handshake",
    ///     peer: Some("127.0.0.1:50000".into()),
    ///     error: IoFailure::new(ErrorKind::TimedOut, "the TLS handshake did not finish within 60s"),
    /// };
    /// assert_eq!(
    ///     Exception::new(kind).to_string(),
    ///     "baton: start_server: TLS handshake with 127.0.0.1:50000 failed: \
    ///      the TLS handshake did not finish within 60s",
    /// );
    /// ```
    ConnectionFailed {
        /// The API that started the server: `"start_server"`, `"start_unix_server"`,
        /// `"http::serve"`.
        server: &'static str,
        /// What the connection was doing: `"TLS handshake"`, `"HTTP connection"`.
        stage: &'static str,
        /// The client's address, when the socket has one (a Unix client's usually has none).
        peer: Option<String>,
        /// Why it ended.
        error: IoFailure,
    },
    /// A server on a [`Runtime`](crate::Runtime) accepted a connection but could not move it
    /// to the worker chosen to serve it (registering it with that worker's reactor failed,
    /// e.g. out of memory or descriptors); the connection was closed unserved. Always
    /// reported.
    ///
    /// # Examples
    /// ```
    /// use baton::debug::{Exception, ExceptionKind, IoFailure};
    ///
    /// let enomem = std::io::Error::from_raw_os_error(libc::ENOMEM);
    /// let kind = ExceptionKind::HandOverFailed {
    ///     server: "http::serve",
    ///     peer: None,
    ///     worker: 1,
    ///     error: IoFailure::from(&enomem),
    /// };
    /// assert!(Exception::new(kind).to_string().contains("could not move a connection to worker 1"));
    /// ```
    HandOverFailed {
        /// The API that started the server (`"http::serve"`).
        server: &'static str,
        /// The client's address, when the socket has one.
        peer: Option<String>,
        /// The worker (index in the `Runtime`) that was to serve the connection.
        worker: usize,
        /// Why the move failed.
        error: IoFailure,
    },
}

/// An error as a report carries it: its [`io::ErrorKind`] and its message (`std::io::Error`
/// is neither `Clone` nor `Eq`, which reports are). The message includes the error's
/// sources, so nothing it said is lost.
///
/// # Examples
/// ```
/// use std::io::{Error, ErrorKind};
/// use baton::debug::IoFailure;
///
/// let failure = IoFailure::from(&Error::new(ErrorKind::TimedOut, "no reply"));
/// assert_eq!(failure.kind, ErrorKind::TimedOut);
/// assert_eq!(failure.to_string(), "no reply");
/// assert_eq!(failure, IoFailure::new(ErrorKind::TimedOut, "no reply"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct IoFailure {
    /// The error's kind (`ErrorKind::Other` for an error that is not an `io::Error`).
    pub kind: io::ErrorKind,
    /// What the error said, with its sources after `": "`, on one line.
    pub message: String,
}

impl IoFailure {
    /// A failure of `kind` saying `message` (for building reports by hand, e.g. in a test of
    /// a handler).
    ///
    /// # Examples
    /// ```
    /// let failure = baton::debug::IoFailure::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
    /// assert_eq!(failure.message, "reset by peer");
    /// ```
    pub fn new(kind: io::ErrorKind, message: impl Into<String>) -> IoFailure {
        IoFailure {
            kind,
            message: message.into(),
        }
    }

    /// Any error, as a report carries it: the kind of the first `io::Error` in its source
    /// chain (`Other` if none), and the messages of the whole chain.
    pub(crate) fn from_error(error: &(dyn Error + 'static)) -> IoFailure {
        let mut kind = None;
        let mut message = String::new();
        let mut next = Some(error);
        while let Some(e) = next {
            if kind.is_none() {
                kind = e.downcast_ref::<io::Error>().map(io::Error::kind);
            }
            // One line, as the default handler prints it.
            let text = e.to_string().replace('\n', " ");
            // Some errors repeat their source's message in their own: say it once.
            if !message.ends_with(&text) {
                if !message.is_empty() {
                    message.push_str(": ");
                }
                message.push_str(&text);
            }
            next = e.source();
        }
        IoFailure {
            kind: kind.unwrap_or(io::ErrorKind::Other),
            message,
        }
    }
}

impl From<&io::Error> for IoFailure {
    fn from(error: &io::Error) -> IoFailure {
        IoFailure::from_error(error)
    }
}

impl fmt::Display for IoFailure {
    /// The message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
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
            ExceptionKind::AcceptFailed {
                server,
                error,
                retry_in,
            } => write!(
                f,
                "baton: {server}: accept failed: {error}; retrying in {retry_in:?}"
            ),
            ExceptionKind::ConnectionFailed {
                server,
                stage,
                peer,
                error,
            } => match peer {
                Some(peer) => write!(f, "baton: {server}: {stage} with {peer} failed: {error}"),
                None => write!(f, "baton: {server}: {stage} failed: {error}"),
            },
            ExceptionKind::HandOverFailed {
                server,
                peer,
                worker,
                error,
            } => {
                write!(f, "baton: {server}: could not move a connection")?;
                if let Some(peer) = peer {
                    write!(f, " from {peer}")?;
                }
                write!(f, " to worker {worker}: {error}; it was closed unserved")
            }
        }
    }
}

/// The handler used when none was set: one line on stderr — or, with the `tracing` feature, a
/// `tracing` event (`warn` for slow polls, pending tasks and failed connections, `error` for
/// lost panics and a server's failed accepts or hand-overs).
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
            ExceptionKind::UnobservedPanic
            | ExceptionKind::SignalHandlerPanic { .. }
            | ExceptionKind::AcceptFailed { .. }
            | ExceptionKind::HandOverFailed { .. } => {
                tracing::error!(target: "baton", task, "{exception}")
            }
            _ => tracing::warn!(target: "baton", task, "{exception}"),
        }
    }
    #[cfg(not(feature = "tracing"))]
    eprintln!("{exception}");
}
