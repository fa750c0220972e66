//! Cooperative budget: how much work one poll of a task may complete before the task has to give
//! the loop a turn.
//!
//! A task only returns to the loop at a `Pending`. A task reading a socket that its peer keeps
//! full never sees one, so without a budget it would starve every timer, socket and task on its
//! loop. So the loop gives each poll of a task (and of `run_until_complete`'s future) a budget of
//! [`BUDGET`] units; every I/O operation, timer, message or permit that completes spends its
//! [`Cost`]; once too little is left, the next such operation wakes its task and returns `Pending`
//! instead. The task goes to the back of the ready queue and resumes after the others had their
//! turn; nothing is lost, since the operation was not attempted.
//!
//! The budget bounds *time*, so operations are weighed by what they cost: a socket operation (a
//! system call) costs 8 units, an operation in memory (a message, a permit, a timer) 1. A poll may
//! so do 128 socket operations, as tokio's budget allows, or 1 024 operations in memory — enough to
//! drain a full channel of the usual capacity in one turn, which keeps message passing from
//! paying a task switch every 128 messages.
//!
//! Outside a baton task (another executor polling baton's futures) the budget is unconstrained.
//! The budget is a thread-local counter: no atomics, no lookups of the loop.

use std::cell::Cell;
use std::task::{Context, Poll};

/// Units per poll: 128 socket operations, or 1 024 in memory.
pub(crate) const BUDGET: u16 = 1024;

/// What an operation spends of the budget when it completes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u16)]
pub(crate) enum Cost {
    /// A message, a permit, a timer: work in memory.
    Memory = 1,
    /// A socket operation: a system call.
    Syscall = 8,
}

/// The budget of code not run by a baton loop: never spent.
const UNCONSTRAINED: u16 = u16::MAX;

thread_local! {
    static LEFT: Cell<u16> = const { Cell::new(UNCONSTRAINED) };
}

/// A fresh budget for one poll of a task or main future; the budget is unconstrained again when
/// it ends (also on unwind). Polls never nest on one thread: a loop cannot run inside a task, and
/// the loop polls its main future and its tasks one after another.
pub(crate) struct Budgeted(());

impl Budgeted {
    pub(crate) fn start() -> Budgeted {
        LEFT.with(|left| {
            debug_assert_eq!(left.get(), UNCONSTRAINED, "budgeted polls do not nest");
            left.set(BUDGET);
        });
        Budgeted(())
    }

    /// Ends the poll's budget and returns the work done in it, in socket operations (the loop's
    /// measure of an iteration: see `runtime/core.rs`).
    pub(crate) fn finish(self) -> u16 {
        std::mem::forget(self);
        let left = LEFT.with(|left| left.replace(UNCONSTRAINED));
        (BUDGET - left.min(BUDGET)) / Cost::Syscall as u16
    }
}

impl Drop for Budgeted {
    /// Only on unwind (`finish` forgets the guard): leaves the thread unconstrained.
    fn drop(&mut self) {
        LEFT.with(|left| left.set(UNCONSTRAINED));
    }
}

/// True when this poll's budget cannot pay for another socket operation: code that polls many
/// futures in one poll (`gather`, `as_completed`) stops there, wakes its task and returns
/// `Pending`, instead of polling every remaining child only to have each refuse.
#[inline]
pub(crate) fn spent() -> bool {
    LEFT.with(Cell::get) < Cost::Syscall as u16
}

/// Runs the operation `op` if the budget can pay `cost`, spending it when `op` completes. With
/// too little left, wakes the task and returns `Pending` without running `op`, so the task yields.
#[inline]
pub(crate) fn poll_budgeted<R>(
    cx: &mut Context<'_>,
    cost: Cost,
    op: impl FnOnce(&mut Context<'_>) -> Poll<R>,
) -> Poll<R> {
    let cost = cost as u16;
    if LEFT.with(Cell::get) < cost {
        cx.waker().wake_by_ref();
        return Poll::Pending;
    }
    let result = op(cx);
    if result.is_ready() {
        LEFT.with(|left| {
            let units = left.get();
            if units != UNCONSTRAINED {
                left.set(units.saturating_sub(cost));
            }
        });
    }
    result
}

/// Runs `f` with an unconstrained budget and gives the caller's budget back afterwards (also on
/// unwind): for runtime work that happens to run inside a task's poll and must not make that task
/// yield halfway, such as draining the signal self-pipe (`signal/loop_pipe.rs`), whose waker
/// would otherwise be woken by a spent budget from inside its own wake.
pub(crate) fn unconstrained<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(u16);
    impl Drop for Restore {
        fn drop(&mut self) {
            LEFT.with(|left| left.set(self.0));
        }
    }
    let _restore = Restore(LEFT.with(|left| left.replace(UNCONSTRAINED)));
    f()
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
        poll_budgeted(cx, Cost::Syscall, |_| Poll::Ready(()))
    }

    #[test]
    fn a_budgeted_poll_yields_after_its_units_and_outside_is_unconstrained() {
        let waker = Waker::from(Arc::new(Noop));
        let mut cx = Context::from_waker(&waker);
        for _ in 0..1000 {
            assert!(ready(&mut cx).is_ready(), "no budget outside a loop's poll");
        }
        {
            let budget = Budgeted::start();
            for _ in 0..BUDGET / Cost::Syscall as u16 {
                assert!(ready(&mut cx).is_ready());
            }
            assert!(spent());
            assert!(ready(&mut cx).is_pending(), "spent: the task must yield");
            // A pending operation costs nothing.
            assert!(poll_budgeted(&mut cx, Cost::Syscall, |_| Poll::<()>::Pending).is_pending());
            assert_eq!(budget.finish(), 128, "128 socket operations, as tokio");
        }
        assert!(ready(&mut cx).is_ready(), "unconstrained again");
        {
            let _budget = Budgeted::start();
            let in_memory = (0..)
                .take_while(|_| {
                    poll_budgeted(&mut cx, Cost::Memory, |_| Poll::Ready(())).is_ready()
                })
                .count();
            assert_eq!(in_memory, usize::from(BUDGET), "1 024 operations in memory");
        } // dropped, as on unwind
        assert!(ready(&mut cx).is_ready(), "restored to unconstrained");
    }
}
