//! Which event loop is running on this thread.
//!
//! `spawn`, `sleep` and wakers find their loop here. The pointer is set by `enter` for the length
//! of `run_until_complete`, `run_forever` and `close`, and restored by the guard, also on unwind.

use std::cell::Cell;
use std::ptr;

use super::core::Core;

thread_local! {
    static CURRENT: Cell<*const Core> = const { Cell::new(ptr::null()) };
}

/// Restores "no running loop" when dropped.
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
pub(crate) fn enter(core: &Core) -> EnterGuard {
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
pub(crate) fn enter_for_shutdown(core: &Core) -> EnterGuard {
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

/// Calls `f` with the running loop, if there is one.
pub(crate) fn try_with_core<R>(f: impl FnOnce(Option<&Core>) -> R) -> R {
    CURRENT.with(|current| {
        let ptr = current.get();
        // SAFETY: a non-null pointer was set by `enter` from a `&Core` that outlives the guard,
        // and the guard clears it before that borrow ends; the loop only uses `&Core` meanwhile.
        f(unsafe { ptr.as_ref() })
    })
}

/// Calls `f` with the running loop.
///
/// # Panics
/// Outside a running event loop.
#[track_caller]
pub(crate) fn with_core<R>(f: impl FnOnce(&Core) -> R) -> R {
    try_with_core(|core| match core {
        Some(core) => f(core),
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
