//! Through what a task awaits another: the label a task dump puts on an edge of its await tree.
//!
//! When a `Task` handle is polled and stays pending, the awaited task records who awaits it
//! (the task being polled, or the loop's main future) and through what: a plain `.await`, or a
//! combinator — `gather`, `as_completed`, `wait` — that polls the handle among its children.
//! A combinator says so by polling its children inside [`ThroughGuard::enter`]; the label is a
//! thread-local, because the handle cannot see the combinator that polls it. A `TaskGroup` and
//! `shield` record their children's edges themselves (asyncio 3.14's `future_add_to_awaited_by`).

use std::cell::Cell;
use std::fmt;

/// How an awaiter awaits a task, in a [task dump](crate::debug::Dump)'s await tree.
///
/// # Examples
/// ```
/// use baton::debug::AwaitVia;
///
/// assert_eq!(AwaitVia::Gather.to_string(), "gather");
/// assert_eq!(AwaitVia::Await.to_string(), "await");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AwaitVia {
    /// A plain `.await` of the task's handle (also inside `wait_for` or `timeout`).
    Await,
    /// Among the futures of a `gather` (or `gather!`).
    Gather,
    /// Among the futures of an `as_completed`.
    AsCompleted,
    /// Among the tasks of a `wait`.
    Wait,
    /// As a child of a `TaskGroup`, awaited by the task that made the group.
    TaskGroup,
    /// As the inner task of a `shield`.
    Shield,
}

impl AwaitVia {
    /// The label's code in a packed await edge (`0` is "no edge").
    pub(crate) fn code(self) -> u8 {
        match self {
            AwaitVia::Await => 1,
            AwaitVia::Gather => 2,
            AwaitVia::AsCompleted => 3,
            AwaitVia::Wait => 4,
            AwaitVia::TaskGroup => 5,
            AwaitVia::Shield => 6,
        }
    }

    /// The label of `code`, if it is one.
    pub(crate) fn from_code(code: u8) -> Option<AwaitVia> {
        Some(match code {
            1 => AwaitVia::Await,
            2 => AwaitVia::Gather,
            3 => AwaitVia::AsCompleted,
            4 => AwaitVia::Wait,
            5 => AwaitVia::TaskGroup,
            6 => AwaitVia::Shield,
            _ => return None,
        })
    }
}

impl fmt::Display for AwaitVia {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AwaitVia::Await => "await",
            AwaitVia::Gather => "gather",
            AwaitVia::AsCompleted => "as_completed",
            AwaitVia::Wait => "wait",
            AwaitVia::TaskGroup => "TaskGroup",
            AwaitVia::Shield => "shield",
        })
    }
}

thread_local! {
    static THROUGH: Cell<AwaitVia> = const { Cell::new(AwaitVia::Await) };
}

/// The label for a handle polled right now on this thread.
#[inline]
pub(crate) fn current() -> AwaitVia {
    THROUGH.with(Cell::get)
}

/// Labels the handles polled until it drops (also on unwind) with a combinator's name.
pub(crate) struct ThroughGuard {
    outer: AwaitVia,
}

impl ThroughGuard {
    #[inline]
    pub(crate) fn enter(via: AwaitVia) -> ThroughGuard {
        ThroughGuard {
            outer: THROUGH.with(|through| through.replace(via)),
        }
    }
}

impl Drop for ThroughGuard {
    #[inline]
    fn drop(&mut self) {
        THROUGH.with(|through| through.set(self.outer));
    }
}
