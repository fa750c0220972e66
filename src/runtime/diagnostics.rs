//! Debug mode and the exception handler: what a loop (or a pool's workers together) reports
//! about its tasks, and where the reports go.
//!
//! One `Diagnostics` is shared by a loop's `Shared` (and so by its tasks' schedulers) or by every
//! worker of a `Runtime` and its pool, so a report made on any thread — a task's unobserved
//! panic is found wherever its last handle drops — reaches the same handler. The handler is user
//! code: it is called with no lock or borrow held, and a panic in it is contained.

use std::time::Duration;

use super::task::raw::{Header, PanicPayload};
use super::task::{meta, state, TaskId, TaskRef};
use crate::debug::{
    default_exception_handler, Exception, ExceptionHandler, ExceptionKind, TaskInfo,
};
use crate::panic::contain;
use crate::util::Mutex;

/// asyncio's `slow_callback_duration` default.
pub(crate) const DEFAULT_SLOW_POLL: Duration = Duration::from_millis(100);

/// What a loop is told to watch, fixed when it is built.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DebugOptions {
    /// Debug mode: time every poll, report slow ones and tasks pending at close.
    pub(crate) debug: bool,
    /// A poll at least this long is reported as slow (debug mode).
    pub(crate) slow_poll: Duration,
}

impl Default for DebugOptions {
    fn default() -> DebugOptions {
        DebugOptions {
            debug: false,
            slow_poll: DEFAULT_SLOW_POLL,
        }
    }
}

/// The options and the handler of one loop or runtime.
pub(crate) struct Diagnostics {
    options: DebugOptions,
    handler: Mutex<Option<ExceptionHandler>>,
}

impl Diagnostics {
    pub(crate) fn new(options: DebugOptions) -> Diagnostics {
        Diagnostics {
            options,
            handler: Mutex::new(None),
        }
    }

    #[inline]
    pub(crate) fn debug(&self) -> bool {
        self.options.debug
    }

    /// Replaces the handler (`None`: the default one, which writes to stderr).
    pub(crate) fn set_handler(&self, handler: Option<ExceptionHandler>) {
        let old = std::mem::replace(&mut *self.handler.lock(), handler);
        drop(old); // after the lock: the closure's captures are user data
    }

    /// Hands `exception` to the handler, outside any lock; a panic in it is contained.
    pub(crate) fn report(&self, exception: &Exception) {
        let handler = self.handler.lock().clone();
        match handler {
            Some(handler) => {
                contain(|| handler(exception));
            }
            None => default_exception_handler(exception),
        }
    }

    /// Reports a poll of `task()` that took `took`, if that is slow; true if it was.
    pub(crate) fn report_if_slow(
        &self,
        task: impl FnOnce() -> Option<TaskInfo>,
        took: Duration,
    ) -> bool {
        if took < self.options.slow_poll {
            return false;
        }
        self.report(&Exception {
            kind: ExceptionKind::SlowPoll { took },
            task: task(),
            panic_message: None,
        });
        true
    }
}

/// Debug mode: reports each of `tasks` as still pending at close (they are cancelled next) —
/// except those already asked to cancel, which were on their way out anyway.
#[cold]
pub(crate) fn report_pending_at_close(diagnostics: &Diagnostics, tasks: &[TaskRef]) {
    for task in tasks {
        if task.header().state.load().has(state::CANCEL) {
            continue;
        }
        diagnostics.report(&Exception {
            kind: ExceptionKind::PendingAtClose,
            task: Some(task_info(task)),
            panic_message: None,
        });
    }
}

/// Who a report is about.
pub(crate) fn task_info(task: &TaskRef) -> TaskInfo {
    let header = task.header();
    TaskInfo::with_site(task.id(), meta::name(header), header.trace.site)
}

/// Reports, through `diagnostics`, that the panic of task `task` (owned by `owner`) is being
/// dropped unseen.
pub(crate) fn report_unobserved_panic(
    diagnostics: &Diagnostics,
    owner: u32,
    task: &Header,
    payload: &PanicPayload,
) {
    let info = TaskInfo::with_site(
        TaskId::new(owner, task.number),
        meta::name(task),
        task.trace.site,
    );
    diagnostics.report(&Exception {
        kind: ExceptionKind::UnobservedPanic,
        task: Some(info),
        panic_message: crate::panic::message(&**payload),
    });
}
