//! Which event loop is running on this thread, and the narrow handle leaves reach it through.
//!
//! `spawn`, `sleep`, sockets and wakers find their loop here. The pointer is set by `enter` for
//! the length of `run_until_complete`, `run_forever` and shutdown, and restored by the guard,
//! also on unwind. Code outside `runtime/` sees the loop only as a [`LoopContext`]: the
//! operations it needs (spawn, timers, the registration table, the current task), never the
//! loop's fields.

use std::cell::Cell;
use std::future::Future;
use std::panic::Location;
use std::ptr;
use std::task::Waker;
use std::time::Instant;

use super::core::Core;
use super::done_callbacks::DoneCallback;
use super::driver::{Registrations, TimerKey, TimerPoll};
use super::pool::{self, Pool};
use super::shared::Shared;
use super::task::trace::AwaitedBy;
use super::task::{JoinRef, TaskRef};
use crate::awaits::AwaitVia;
use crate::loom::Arc;

thread_local! {
    static CURRENT: Cell<*const Core> = const { Cell::new(ptr::null()) };
}

/// Restores the previous running loop when dropped.
pub(crate) struct EnterGuard {
    /// The loop that was current before (only shutdown nests).
    prev: *const Core,
    _not_send: std::marker::PhantomData<*const ()>,
}

/// Marks `core` as this thread's running loop.
///
/// # Panics
/// If a loop is already running on this thread (a nested `run_until_complete`).
#[track_caller]
pub(super) fn enter(core: &Core) -> EnterGuard {
    CURRENT.with(|current| {
        assert!(
            current.get().is_null(),
            "cannot run an event loop while another one is running on this thread: \
             `run_until_complete` or `baton::run` was called from inside a task or callback; \
             `.await` the future instead"
        );
        current.set(core);
    });
    EnterGuard {
        prev: ptr::null(),
        _not_send: std::marker::PhantomData,
    }
}

/// Marks `core` as running for its shutdown, which may happen inside another loop's task (a loop
/// created and dropped there); the other loop is restored afterwards.
pub(super) fn enter_for_shutdown(core: &Core) -> EnterGuard {
    let prev = CURRENT.with(|current| current.replace(core));
    EnterGuard {
        prev,
        _not_send: std::marker::PhantomData,
    }
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        CURRENT.with(|current| current.set(self.prev));
    }
}

/// Calls `f` with the running loop's core, if there is one. For `runtime/` itself.
pub(super) fn try_with_core<R>(f: impl FnOnce(Option<&Core>) -> R) -> R {
    CURRENT.with(|current| {
        let ptr = current.get();
        // SAFETY: a non-null pointer was set by `enter` from a `&Core` that outlives the guard,
        // and the guard clears it before that borrow ends; the loop only uses `&Core` meanwhile.
        f(unsafe { ptr.as_ref() })
    })
}

/// The running loop, as code outside `runtime/` sees it.
#[derive(Clone, Copy)]
pub(crate) struct LoopContext<'a> {
    core: &'a Core,
}

impl<'a> LoopContext<'a> {
    /// Makes a task of `future` on this loop, spawned at `site`.
    #[inline]
    pub(crate) fn spawn<F>(self, future: F, site: &'static Location<'static>) -> JoinRef<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.core.spawn(future, site)
    }

    /// Makes a task of a `Send` future: on a worker of a pool, a pool task that any worker may
    /// run (and idle ones steal); on a plain loop, a task of this loop.
    #[inline]
    pub(crate) fn spawn_send<F>(
        self,
        future: F,
        site: &'static Location<'static>,
    ) -> JoinRef<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        pool::with_current_pool(|pool| match pool {
            Some(pool) => Pool::spawn(pool, future, site),
            None => self.core.spawn(future, site),
        })
    }

    /// The task being polled, if the caller runs inside one.
    #[inline]
    pub(crate) fn current_task(self) -> Option<TaskRef> {
        self.core.current_task()
    }

    /// The caller as an awaiter: the task being polled's owner and number, or this loop's
    /// number and 0 for its main future.
    pub(crate) fn awaiter_here(self) -> (u32, u32) {
        self.core.awaiter_here()
    }

    /// Every task of this loop that has not completed.
    pub(crate) fn all_tasks(self) -> Vec<TaskRef> {
        self.core.all_tasks()
    }

    /// Runs `callback` as a loop callback once `task` completes (soon, if it has).
    ///
    /// # Panics
    /// If `task` belongs to another loop.
    #[track_caller]
    pub(crate) fn add_done_callback(self, task: &TaskRef, callback: DoneCallback) {
        self.core.add_done_callback(task, callback);
    }

    /// The loop's clock.
    #[inline]
    pub(crate) fn now(self) -> Instant {
        self.core.driver().now()
    }

    /// Moves a paused clock forward; false if the clock is real.
    pub(crate) fn advance(self, by: std::time::Duration) -> bool {
        self.core.driver().advance(by)
    }

    /// `instant` in timer ticks, saturating at both ends of the clock's range.
    #[inline]
    pub(crate) fn ticks_at(self, instant: Instant) -> u64 {
        self.core.driver().ticks_at(instant)
    }

    /// Arms a timer at `deadline` ticks that wakes `waker`.
    #[inline]
    pub(crate) fn insert_timer(self, deadline: u64, waker: Waker) -> TimerKey {
        self.core.driver().insert_timer(deadline, waker)
    }

    /// Whether timer `key` fired; if not, it wakes `waker` from now on.
    #[inline]
    pub(crate) fn poll_timer(self, key: TimerKey, waker: &Waker) -> TimerPoll {
        self.core.driver().poll_timer(key, waker)
    }

    /// Disarms timer `key`; its waker comes back, to drop after the caller's borrows end.
    #[inline]
    pub(crate) fn cancel_timer(self, key: TimerKey) -> Option<Waker> {
        self.core.driver().cancel_timer(key)
    }

    /// The table this loop's sockets register in.
    #[inline]
    pub(crate) fn registrations(self) -> Arc<Registrations> {
        self.core.driver().registrations()
    }

    /// The part of the loop other threads touch (for `LoopHandle`s and remote timer cancels).
    #[inline]
    pub(crate) fn shared(self) -> &'a Arc<Shared> {
        self.core.shared()
    }

    /// This loop's number (`Shared::find_open` finds it from another thread).
    #[inline]
    pub(crate) fn loop_id(self) -> u32 {
        self.core.shared().id()
    }
}

/// Records that `awaiter` (from [`LoopContext::awaiter_here`]) awaits `task` through `via`, for a
/// dump's await tree.
#[inline]
pub(crate) fn note_awaited(task: &TaskRef, awaiter: (u32, u32), via: AwaitVia) {
    let (owner, number) = awaiter;
    task.header()
        .trace
        .set_awaited_by(AwaitedBy { owner, number, via });
}

/// Calls `f` with the running loop, if there is one.
#[inline]
pub(crate) fn try_with<R>(f: impl FnOnce(Option<LoopContext<'_>>) -> R) -> R {
    try_with_core(|core| f(core.map(|core| LoopContext { core })))
}

/// Calls `f` with the running loop.
///
/// # Panics
/// Outside a running event loop.
#[track_caller]
#[inline]
pub(crate) fn with<R>(f: impl FnOnce(LoopContext<'_>) -> R) -> R {
    try_with_core(|core| match core {
        Some(core) => f(LoopContext { core }),
        None => no_running_loop(),
    })
}

#[track_caller]
pub(crate) fn no_running_loop() -> ! {
    panic!(
        "no running event loop: call this inside `EventLoop::run_until_complete` or \
         `baton::run` (or use `LoopHandle::spawn` from other threads)"
    )
}
