//! `Promise`: asyncio's `Future`, a result that code sets by hand and any number of tasks await.
//!
//! # State
//! One lock guards the outcome (pending, done with a value, or cancelled), the waiting tasks and
//! the done-callbacks. The outcome leaves `Pending` exactly once, in `set_result` or `cancel`;
//! that call takes the waiters and callbacks out of the lock and runs them after releasing it.
//!
//! # Callbacks
//! Like asyncio, a callback never runs inside the `add_done_callback` or `set_result` call that
//! makes it due when an event loop is involved: a callback added while a loop runs on the thread
//! is scheduled on *that* loop with `call_soon` once the promise completes (at once if it already
//! has). A callback added outside any loop has nowhere to be scheduled, so it runs synchronously:
//! inside the `set_result`/`cancel` that completes the promise, or inside `add_done_callback` if
//! the promise is already done. If its loop has closed by then, the callback is dropped unrun.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use futures_core::future::FusedFuture;

use crate::event_loop::LoopHandle;
use crate::loom::Arc;
use crate::util::{leave_locked, wake_all, Mutex, WaitKey, WaitList};

/// A result set by hand and awaited by any number of tasks: asyncio's `Future` (the object a
/// callback-based API resolves), or a oneshot channel with many receivers.
///
/// Clones are handles to the same promise. It is `Send` and `Sync` when `T: Send`, so a thread
/// can complete a promise that tasks on a loop await.
///
/// # Examples
/// ```
/// use baton::Promise;
///
/// baton::run(async {
///     let promise = Promise::new();
///     let waiters: Vec<_> = (0..3)
///         .map(|_| {
///             let p = promise.clone();
///             baton::spawn(async move { p.wait().await })
///         })
///         .collect();
///     baton::yield_now().await;
///     promise.set_result("ready").unwrap();
///     for w in waiters {
///         assert_eq!(w.await.unwrap(), Ok("ready"));
///     }
/// });
/// ```
pub struct Promise<T> {
    /// The only user code run under this lock is `T::clone` in `wait` and `result`, before
    /// anything changes.
    inner: Arc<Mutex<State<T>>>,
}

/// The error of awaiting a cancelled [`Promise`].
///
/// # Examples
/// ```
/// use baton::{channel::Cancelled, Promise};
///
/// let p = Promise::<u8>::new();
/// p.cancel();
/// assert_eq!(baton::run(p.wait()), Err(Cancelled));
/// assert_eq!(Cancelled.to_string(), "promise was cancelled");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cancelled;

impl fmt::Display for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("promise was cancelled")
    }
}

impl std::error::Error for Cancelled {}

enum Outcome<T> {
    Pending,
    Done(T),
    Cancelled,
}

struct State<T> {
    outcome: Outcome<T>,
    /// Tasks awaiting `wait`.
    waiters: WaitList<()>,
    /// Callbacks due when the promise completes, in the order they were added.
    callbacks: Vec<Callback<T>>,
}

/// A due callback: runs the user's callback, or schedules it on the loop that was running when
/// it was added (decided in `add_done_callback`, where `T: Send` is known).
type Callback<T> = Box<dyn FnOnce(&Promise<T>) + Send>;

impl<T> Promise<T> {
    /// A pending promise.
    ///
    /// # Examples
    /// ```
    /// let p = baton::Promise::<u8>::new();
    /// assert!(!p.done());
    /// ```
    pub fn new() -> Promise<T> {
        Promise {
            inner: Arc::new(Mutex::new(State {
                outcome: Outcome::Pending,
                waiters: WaitList::new(),
                callbacks: Vec::new(),
            })),
        }
    }

    /// Completes the promise with `value`: wakes every awaiter and runs (or schedules) the
    /// done-callbacks.
    ///
    /// # Examples
    /// ```
    /// let p = baton::Promise::new();
    /// assert!(p.set_result(1).is_ok());
    /// assert_eq!(p.set_result(2), Err(2)); // already done: handed back
    /// ```
    ///
    /// # Errors
    /// `Err(value)` if the promise is already done or cancelled.
    ///
    /// # Panics
    /// If a callback that runs synchronously (one added outside any loop) panics; the promise is
    /// complete and its awaiters woken by then, but later callbacks do not run.
    pub fn set_result(&self, value: T) -> Result<(), T> {
        self.complete(Outcome::Done(value))
            .map_err(|outcome| match outcome {
                Outcome::Done(v) => v,
                _ => unreachable!("complete hands back what it was given"),
            })
    }

    /// Cancels the promise if it is still pending: awaiters get `Err(Cancelled)` and the
    /// done-callbacks run. Returns false if it was already done or cancelled.
    ///
    /// # Examples
    /// ```
    /// let p = baton::Promise::<u8>::new();
    /// assert!(p.cancel());
    /// assert!(p.cancelled());
    /// assert!(!p.cancel());
    /// assert_eq!(p.set_result(1), Err(1));
    /// ```
    ///
    /// # Panics
    /// As [`set_result`](Promise::set_result).
    pub fn cancel(&self) -> bool {
        self.complete(Outcome::Cancelled).is_ok()
    }

    fn complete(&self, outcome: Outcome<T>) -> Result<(), Outcome<T>> {
        let mut wakers = None;
        let callbacks = {
            let mut state = self.inner.lock();
            if !matches!(state.outcome, Outcome::Pending) {
                return Err(outcome);
            }
            state.outcome = outcome;
            state.waiters.notify_all_into(&mut wakers);
            std::mem::take(&mut state.callbacks)
        };
        wake_all(&mut wakers);
        for callback in callbacks {
            callback(self);
        }
        Ok(())
    }

    /// True once the promise has a result or was cancelled (asyncio's `done()`).
    ///
    /// # Examples
    /// ```
    /// let p = baton::Promise::new();
    /// p.set_result(()).unwrap();
    /// assert!(p.done());
    /// ```
    pub fn done(&self) -> bool {
        !matches!(self.inner.lock().outcome, Outcome::Pending)
    }

    /// True once the promise was cancelled.
    ///
    /// # Examples
    /// ```
    /// let p = baton::Promise::<()>::new();
    /// p.cancel();
    /// assert!(p.cancelled());
    /// ```
    pub fn cancelled(&self) -> bool {
        matches!(self.inner.lock().outcome, Outcome::Cancelled)
    }

    /// The outcome, if the promise is done: `Some(Ok(value))` (a clone), `Some(Err(Cancelled))`,
    /// or `None` while pending (where asyncio's `result()` raises `InvalidStateError`).
    ///
    /// # Examples
    /// ```
    /// let p = baton::Promise::new();
    /// assert_eq!(p.result(), None);
    /// p.set_result(5).unwrap();
    /// assert_eq!(p.result(), Some(Ok(5)));
    /// ```
    pub fn result(&self) -> Option<Result<T, Cancelled>>
    where
        T: Clone,
    {
        match &self.inner.lock().outcome {
            Outcome::Pending => None,
            Outcome::Done(v) => Some(Ok(v.clone())),
            Outcome::Cancelled => Some(Err(Cancelled)),
        }
    }

    /// Waits for the promise to complete and returns a clone of its value. Any number of tasks
    /// may wait at once.
    ///
    /// # Examples
    /// ```
    /// use baton::Promise;
    ///
    /// baton::run(async {
    ///     let p = Promise::new();
    ///     let setter = p.clone();
    ///     let _task = baton::spawn(async move { setter.set_result(3).unwrap() });
    ///     assert_eq!(p.wait().await, Ok(3));
    ///     assert_eq!(p.wait().await, Ok(3)); // done: returns at once
    /// });
    /// ```
    ///
    /// # Errors
    /// [`Cancelled`] if the promise was cancelled.
    ///
    /// # Cancel safety
    /// Cancel safe: dropping the future only stops this task from waiting; the promise and its
    /// other awaiters are unaffected (unlike asyncio, awaiting does not tie the promise to the
    /// awaiting task's cancellation).
    pub fn wait(&self) -> PromiseWait<'_, T>
    where
        T: Clone,
    {
        PromiseWait {
            promise: self,
            key: None,
            returned: false,
        }
    }

    /// Runs `callback` once, when the promise is done or cancelled (asyncio's
    /// `add_done_callback`); the callback gets the promise, to read
    /// [`result`](Promise::result) or [`cancelled`](Promise::cancelled).
    ///
    /// Added while an event loop runs on this thread, the callback is scheduled on that loop
    /// (`call_soon`) when the promise completes — or at once, if it already has — and never runs
    /// inside this call or inside `set_result`. Added outside any loop, it runs synchronously in
    /// the call that completes the promise, or in this call if it is already done. Callbacks are
    /// dispatched in the order they were added.
    ///
    /// # Examples
    /// ```
    /// use baton::Promise;
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// use std::sync::Arc;
    ///
    /// baton::run(async {
    ///     let seen = Arc::new(AtomicU32::new(0));
    ///     let p = Promise::new();
    ///     let s = seen.clone();
    ///     p.add_done_callback(move |p| {
    ///         s.store(p.result().unwrap().unwrap(), Ordering::SeqCst);
    ///     });
    ///     p.set_result(7).unwrap();
    ///     assert_eq!(seen.load(Ordering::SeqCst), 0); // scheduled, not yet run
    ///     baton::yield_now().await;
    ///     assert_eq!(seen.load(Ordering::SeqCst), 7);
    /// });
    /// ```
    ///
    /// # Panics
    /// If the callback runs synchronously (outside any loop, promise already done) and panics.
    pub fn add_done_callback<F>(&self, callback: F)
    where
        F: FnOnce(&Promise<T>) + Send + 'static,
        T: Send + 'static,
    {
        let callback: Callback<T> = match LoopHandle::try_current() {
            // Scheduled on the loop that runs now. Dropping the `CallbackHandle` does not cancel
            // it; if that loop has closed by then, the callback is dropped unrun.
            Some(handle) => Box::new(move |p: &Promise<T>| {
                let p = p.clone();
                let _ = handle.call_soon_threadsafe(move || callback(&p));
            }),
            None => Box::new(callback),
        };
        {
            let mut state = self.inner.lock();
            if matches!(state.outcome, Outcome::Pending) {
                state.callbacks.push(callback);
                return;
            }
        }
        callback(self);
    }
}

impl<T> Clone for Promise<T> {
    fn clone(&self) -> Self {
        Promise {
            inner: self.inner.clone(),
        }
    }
}

impl<T> Default for Promise<T> {
    fn default() -> Self {
        Promise::new()
    }
}

impl<T: fmt::Debug> fmt::Debug for Promise<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.lock();
        let mut d = f.debug_struct("Promise");
        match &state.outcome {
            Outcome::Pending => d.field("state", &"pending"),
            Outcome::Done(v) => d.field("state", &"done").field("result", v),
            Outcome::Cancelled => d.field("state", &"cancelled"),
        };
        d.field("callbacks", &state.callbacks.len()).finish()
    }
}

/// The future returned by [`Promise::wait`].
///
/// # Examples
/// ```
/// use baton::{channel::PromiseWait, Promise};
///
/// let p = Promise::new();
/// p.set_result(1).unwrap();
/// let waiting: PromiseWait<'_, i32> = p.wait();
/// assert_eq!(baton::run(waiting), Ok(1));
/// ```
///
/// # Cancel safety
/// See [`Promise::wait`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct PromiseWait<'a, T> {
    promise: &'a Promise<T>,
    /// This future's slot among the waiting tasks.
    key: Option<WaitKey>,
    /// It returned (`FusedFuture::is_terminated`).
    returned: bool,
}

impl<T: Clone> Future for PromiseWait<'_, T> {
    type Output = Result<T, Cancelled>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        // Declared before the guard, so it is dropped after it (locals drop in reverse order):
        // a waker's drop may re-enter the promise.
        let _stale_waker: Option<Waker>;
        let mut state = this.promise.inner.lock();
        let out = match &state.outcome {
            Outcome::Pending => {
                _stale_waker = state.waiters.register(&mut this.key, cx.waker());
                return Poll::Pending;
            }
            Outcome::Done(v) => Ok(v.clone()),
            Outcome::Cancelled => Err(Cancelled),
        };
        _stale_waker = state.waiters.leave(&mut this.key);
        this.returned = true;
        Poll::Ready(out)
    }
}

/// Terminated once it returned the promise's outcome.
impl<T: Clone> FusedFuture for PromiseWait<'_, T> {
    fn is_terminated(&self) -> bool {
        self.returned
    }
}

impl<T> Drop for PromiseWait<'_, T> {
    fn drop(&mut self) {
        leave_locked(&self.promise.inner, &mut self.key, |st| &mut st.waiters);
    }
}

impl<T> fmt::Debug for PromiseWait<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("promise::PromiseWait")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn callbacks_outside_a_loop_run_synchronously_once() {
        let runs = std::sync::Arc::new(AtomicUsize::new(0));
        let p = Promise::new();
        let r = runs.clone();
        p.add_done_callback(move |p| {
            assert_eq!(p.result(), Some(Ok(1)));
            r.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(runs.load(Ordering::SeqCst), 0);
        p.set_result(1).unwrap();
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert!(!p.cancel());
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        let r = runs.clone();
        p.add_done_callback(move |_| {
            r.fetch_add(10, Ordering::SeqCst);
        });
        assert_eq!(runs.load(Ordering::SeqCst), 11); // already done: at once
    }
}
