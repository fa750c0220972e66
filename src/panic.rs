//! Panics from user code that the runtime calls on a user's behalf: contained where they happen,
//! so they never unwind through runtime state.
//!
//! The runtime calls user code outside a task's poll too: a future's or an output's `Drop`, a
//! `Waker`'s `wake` or `drop`, a panic payload's `Drop`. A panic there is a bug in that code, but
//! it must not leave a task half-completed, a loop pointer stale or other tasks' wakers unwoken.
//! So such calls go through [`contain`] / [`drop_quietly`]: the panic hook has already reported
//! the panic (message and location on stderr, as for any panic) and the runtime carries on, as
//! asyncio's loop logs an exception from a callback and carries on, and as tokio contains a
//! panicking `JoinHandle` waker.
//!
//! A payload is itself user data: its `Drop` may panic too, with a payload of its own.
//! [`drop_payload`] drops each inside a catch, and forgets (leaks) one that still panics several
//! levels down rather than risk dropping payloads forever.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::task::{RawWaker, RawWakerVTable, Waker};

/// A panic payload, as `catch_unwind` returns it.
pub(crate) type Payload = Box<dyn Any + Send + 'static>;

/// Runs `f`; `None` if it panicked (the panic is contained, see the module docs).
pub(crate) fn contain<R>(f: impl FnOnce() -> R) -> Option<R> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(value) => Some(value),
        Err(payload) => {
            drop_payload(payload);
            None
        }
    }
}

/// A panic's message, when its payload is the usual `&str` or `String` (`panic!("…")`).
pub(crate) fn message(payload: &(dyn Any + Send)) -> Option<String> {
    if let Some(message) = payload.downcast_ref::<&'static str>() {
        Some((*message).to_owned())
    } else {
        payload.downcast_ref::<String>().cloned()
    }
}

/// How tokio's panic reads when one of its futures or resources is used outside a tokio runtime,
/// as on a baton loop without the `compat` bridge.
const TOKIO_OUTSIDE_ITS_RUNTIME: &str = "must be called from the context of a Tokio 1.x runtime";

/// The fix for a panic whose message says it needed a tokio runtime.
pub(crate) const TOKIO_HINT: &str = "this future needs a tokio runtime, which baton does not \
     run: create and poll it inside `baton::compat::compat(async { .. })` (cargo feature \
     `compat`), or use baton's own types (baton::net, baton::time, baton::http)";

/// [`TOKIO_HINT`] if `message` is tokio's panic for a missing runtime.
pub(crate) fn hint_for(message: &str) -> Option<&'static str> {
    message
        .contains(TOKIO_OUTSIDE_ITS_RUNTIME)
        .then_some(TOKIO_HINT)
}

/// After a panic caught from a poll: when it is tokio's "no runtime" panic, says on stderr (below
/// the panic hook's report of it) how to fix it. Other panics are left to the hook's report.
#[cold]
pub(crate) fn explain(payload: &(dyn Any + Send)) {
    if let Some(hint) = message(payload).as_deref().and_then(hint_for) {
        eprintln!("baton: {hint}");
    }
}

/// Drops `value`; a panic from its `Drop` is contained.
pub(crate) fn drop_quietly<T>(value: T) {
    contain(move || drop(value));
}

/// Drops a panic payload whose own `Drop` may panic. The payload of that panic is dropped the same
/// way, up to a few levels deep; a payload still panicking past that is leaked (forgotten), since
/// dropping it could go on forever.
pub(crate) fn drop_payload(mut payload: Payload) {
    const MAX_NESTING: usize = 8;
    for _ in 0..MAX_NESTING {
        match catch_unwind(AssertUnwindSafe(move || drop(payload))) {
            Ok(()) => return,
            Err(nested) => payload = nested,
        }
    }
    std::mem::forget(payload);
}

/// Wakes every waker in `wakers`, in order, and empties it. A waker whose `wake` panics does not
/// keep the ones after it from being woken (nor drops them unwoken). The buffer keeps its
/// capacity for reuse.
pub(crate) fn wake_all(wakers: &mut Vec<Waker>) {
    let mut next = 0;
    while next < wakers.len() {
        // One catch around the whole batch; after a panic, the loop resumes behind the culprit.
        contain(|| {
            while next < wakers.len() {
                let waker = std::mem::replace(&mut wakers[next], noop_waker());
                next += 1;
                waker.wake();
            }
        });
    }
    wakers.clear();
}

/// Drops every value of `values` (emptying it), each where its panic is contained: one value's
/// faulty `Drop` does not leak the others, nor abort the process by panicking during the unwind
/// of another.
pub(crate) fn drop_each_quietly<T>(values: impl IntoIterator<Item = T>) {
    for value in values {
        drop_quietly(value);
    }
}

/// A waker that does nothing: the placeholder `wake_all` leaves behind.
fn noop_waker() -> Waker {
    const VTABLE: RawWakerVTable = RawWakerVTable::new(|_| RAW, |_| {}, |_| {}, |_| {});
    const RAW: RawWaker = RawWaker::new(std::ptr::null(), &VTABLE);
    // SAFETY: every function of the vtable ignores the (null) data pointer and does nothing,
    // which satisfies `RawWaker`'s contract.
    unsafe { Waker::from_raw(RAW) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Panics when dropped, with a payload that panics when dropped.
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            std::panic::panic_any(Nested);
        }
    }
    struct Nested;
    impl Drop for Nested {
        fn drop(&mut self) {
            panic!("a payload that panics when dropped");
        }
    }

    #[test]
    fn a_drop_that_panics_twice_is_contained() {
        drop_quietly(Bomb);
    }

    #[test]
    fn a_payload_that_panics_with_itself_forever_is_leaked_not_looped() {
        struct Forever;
        impl Drop for Forever {
            fn drop(&mut self) {
                std::panic::panic_any(Forever);
            }
        }
        // Leaks one `Forever` (zero-sized, so Miri's leak check sees no allocation).
        drop_payload(Box::new(Forever));
    }

    #[test]
    fn wake_all_wakes_the_wakers_after_one_that_panics() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        use std::task::Wake;

        struct Counts(AtomicUsize);
        impl Wake for Counts {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        struct Panics;
        impl Wake for Panics {
            fn wake(self: Arc<Self>) {
                panic!("a waker that panics");
            }
        }
        let count = Arc::new(Counts(AtomicUsize::new(0)));
        let good = Waker::from(count.clone());
        let bad = Waker::from(Arc::new(Panics));
        let mut wakers = vec![good.clone(), bad.clone(), good.clone(), bad, good];
        wake_all(&mut wakers);
        assert!(wakers.is_empty());
        assert_eq!(count.0.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn contain_returns_the_value_or_none() {
        assert_eq!(contain(|| 3), Some(3));
        assert_eq!(contain(|| -> u8 { panic!("contained") }), None);
    }
}
