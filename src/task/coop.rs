//! Cooperative budget: how many ready operations one poll of a task may complete before the
//! task has to give the loop a turn.
//!
//! A task only returns to the loop at a `Pending`. A task reading a socket that its peer keeps
//! full never sees one, so without a budget it would starve every timer, socket and task on its
//! loop. So the loop gives each poll of a task (and of `run_until_complete`'s future) a budget of
//! [`BUDGET`] units; every I/O operation, timer, channel or primitive that completes spends one;
//! once it is spent, the next such operation wakes its task and returns `Pending` instead (tokio's
//! coop budget, with the same 128 units). The task goes to the back of the ready queue and resumes
//! after the others had their turn; nothing is lost, since the operation was not attempted.
//!
//! Outside a baton task (another executor polling baton's futures) the budget is unconstrained.
//! The budget is a thread-local counter: no atomics, no lookups of the loop.

use std::cell::Cell;
use std::task::{Context, Poll};

/// Units per poll, as tokio.
pub(crate) const BUDGET: u16 = 128;

/// The budget of code not run by a baton loop: never spent.
const UNCONSTRAINED: u16 = u16::MAX;

thread_local! {
    static LEFT: Cell<u16> = const { Cell::new(UNCONSTRAINED) };
}

/// A fresh budget for one poll; the previous budget is restored when dropped (also on unwind,
/// and when one loop's poll nests inside another's).
pub(crate) struct Budgeted {
    outer: u16,
}

impl Budgeted {
    pub(crate) fn start() -> Budgeted {
        Budgeted {
            outer: LEFT.with(|left| left.replace(BUDGET)),
        }
    }
}

impl Budgeted {
    /// Units spent so far in this poll.
    pub(crate) fn spent(&self) -> u16 {
        BUDGET - LEFT.with(Cell::get).min(BUDGET)
    }
}

impl Drop for Budgeted {
    fn drop(&mut self) {
        LEFT.with(|left| left.set(self.outer));
    }
}

/// True when this poll's budget is spent: code that polls many futures in one poll (`gather`,
/// `as_completed`) stops there, wakes its task and returns `Pending`, instead of polling every
/// remaining child only to have each refuse for want of budget.
#[inline]
pub(crate) fn spent() -> bool {
    LEFT.with(Cell::get) == 0
}

/// Runs the operation `op` if the budget allows, spending one unit when it completes. With the
/// budget spent, wakes the task and returns `Pending` without running `op`, so the task yields.
#[inline]
pub(crate) fn poll_budgeted<R>(
    cx: &mut Context<'_>,
    op: impl FnOnce(&mut Context<'_>) -> Poll<R>,
) -> Poll<R> {
    if LEFT.with(Cell::get) == 0 {
        cx.waker().wake_by_ref();
        return Poll::Pending;
    }
    let result = op(cx);
    if result.is_ready() {
        LEFT.with(|left| {
            let units = left.get();
            if units != UNCONSTRAINED {
                left.set(units.saturating_sub(1));
            }
        });
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::task::{Wake, Waker};

    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }

    fn ready(cx: &mut Context<'_>) -> Poll<()> {
        poll_budgeted(cx, |_| Poll::Ready(()))
    }

    #[test]
    fn a_budgeted_poll_yields_after_its_units_and_outside_is_unconstrained() {
        let waker = Waker::from(Arc::new(Noop));
        let mut cx = Context::from_waker(&waker);
        for _ in 0..1000 {
            assert!(ready(&mut cx).is_ready(), "no budget outside a loop's poll");
        }
        {
            let _budget = Budgeted::start();
            for _ in 0..BUDGET {
                assert!(ready(&mut cx).is_ready());
            }
            assert!(ready(&mut cx).is_pending(), "spent: the task must yield");
            // A pending operation costs nothing.
            let _nested = Budgeted::start();
            assert!(poll_budgeted(&mut cx, |_| Poll::<()>::Pending).is_pending());
            assert!(ready(&mut cx).is_ready());
        }
        assert!(ready(&mut cx).is_ready(), "restored to unconstrained");
    }
}
