//! `to_thread`: asyncio's `to_thread`.

use std::fmt;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::thread;

use futures_core::future::FusedFuture;

use super::pool;
use crate::panic::{contain, drop_quietly};
use crate::util::Mutex;

/// Lazy: `f` starts only when the future is first polled, like asyncio's coroutine — use
/// [`spawn_blocking`](crate::spawn_blocking) to start it at once and get a [`Task`](crate::Task).
///
/// Runs the blocking function `f` on a pool thread and waits for its result without blocking
/// the loop (asyncio's `await asyncio.to_thread(f)` or `loop.run_in_executor(None, f)`).
///
/// The pool is shared by every loop in the process; it starts threads on demand up to a bound
/// (64) and retires threads idle for 10 seconds.
///
/// # Examples
/// ```
/// baton::run(async {
///     let sum = baton::to_thread(|| (1..=100u64).sum::<u64>()).await;
///     assert_eq!(sum, 5050);
/// });
/// ```
///
/// # Panics
/// Awaiting it panics with `f`'s panic payload if `f` panicked: the panic resumes in the task.
///
/// # Cancel safety
/// Dropping the future does not stop `f` (a thread cannot be interrupted); its result is
/// dropped on the pool thread when it finishes. A panic there (in that drop, or in the awaiting
/// task's waker) is caught on the pool thread and goes no further: the thread lives on.
pub fn to_thread<F, T>(f: F) -> ToThread<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    ToThread {
        job: Some(Box::new(f)),
        handoff: Arc::new(Mutex::new(Handoff {
            result: None,
            waker: None,
        })),
        returned: false,
    }
}

/// The future returned by [`to_thread`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct ToThread<T> {
    /// The function, until the first poll submits it.
    job: Option<Box<dyn FnOnce() -> T + Send>>,
    handoff: Arc<Mutex<Handoff<T>>>,
    /// The result was returned (`FusedFuture::is_terminated`).
    returned: bool,
}

/// Where the pool thread leaves the result and finds the waker.
struct Handoff<T> {
    result: Option<thread::Result<T>>,
    waker: Option<Waker>,
}

impl<T: Send + 'static> Future for ToThread<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        if self.job.is_some() {
            self.handoff.lock().waker = Some(cx.waker().clone());
            self.submit();
            return Poll::Pending;
        }
        let mut h = self.handoff.lock();
        match h.result.take() {
            Some(Ok(value)) => {
                drop(h);
                self.returned = true;
                Poll::Ready(value)
            }
            Some(Err(payload)) => {
                drop(h);
                self.returned = true;
                panic::resume_unwind(payload)
            }
            None => {
                let replaced = match &mut h.waker {
                    Some(w) if w.will_wake(cx.waker()) => None,
                    slot => slot.replace(cx.waker().clone()),
                };
                drop(h);
                drop(replaced); // after the lock: a waker's drop is user code
                Poll::Pending
            }
        }
    }
}

impl<T: Send + 'static> ToThread<T> {
    /// The future with `f` already handed to the pool: what `spawn_blocking` awaits.
    pub(crate) fn started<F>(f: F) -> ToThread<T>
    where
        F: FnOnce() -> T + Send + 'static,
    {
        let mut future = to_thread(f);
        future.submit();
        future
    }

    /// Hands the job to the pool (once); the result, or `f`'s panic, comes back through the
    /// handoff, with a wake for whichever waker is there by then.
    fn submit(&mut self) {
        if let Some(job) = self.job.take() {
            let handoff = self.handoff.clone();
            pool::submit(Box::new(move || {
                // The closure's own state is not observed after a panic: it is dropped.
                let result = panic::catch_unwind(AssertUnwindSafe(job));
                let waker = {
                    let mut h = handoff.lock();
                    h.result = Some(result);
                    h.waker.take()
                };
                // Each step below runs user code on this pool thread and may panic; each is
                // contained on its own, so one panic never unwinds into the next step's drop
                // (a panic during unwinding would abort). If the future is gone, this drop is
                // the last and drops the result (or `f`'s panic payload) here.
                drop_quietly(handoff);
                if let Some(waker) = waker {
                    contain(move || waker.wake());
                }
            }));
        }
    }
}

impl<T> Unpin for ToThread<T> {}

/// Terminated once it returned `f`'s result (or resumed its panic).
impl<T: Send + 'static> FusedFuture for ToThread<T> {
    fn is_terminated(&self) -> bool {
        self.returned
    }
}

impl<T> fmt::Debug for ToThread<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.job.is_some() {
            "not started"
        } else if self.handoff.lock().result.is_some() {
            "finished"
        } else {
            "running"
        };
        f.debug_struct("ToThread").field("state", &state).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn many_jobs_run_in_parallel_on_a_bounded_pool() {
        let out = crate::run(async {
            let jobs: Vec<_> = (0..16u64)
                .map(|i| {
                    to_thread(move || {
                        std::thread::sleep(Duration::from_millis(50));
                        i
                    })
                })
                .collect();
            let start = std::time::Instant::now();
            let out = crate::gather(jobs).await;
            // 16 × 50 ms serially would be 800 ms.
            assert!(start.elapsed() < Duration::from_millis(600));
            out
        });
        assert_eq!(out, (0..16).collect::<Vec<_>>());
        assert!(pool::threads() <= pool::MAX_THREADS);
    }

    #[test]
    fn a_panic_resumes_in_the_awaiting_task() {
        let caught = crate::run(async {
            let t = crate::task::spawn(to_thread(|| -> u32 { panic!("boom in f") }));
            t.await
        });
        assert!(caught.is_err());
    }
}
