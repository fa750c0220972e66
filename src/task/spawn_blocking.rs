//! `spawn_blocking`: a blocking job started at once, awaited through a `Task` (tokio's
//! `spawn_blocking`).

use std::panic::Location;

use super::Task;
use crate::blocking::ToThread;
use crate::runtime::context;

/// Starts the blocking function `f` on the blocking pool at once and returns a [`Task`] for
/// its result (tokio's `spawn_blocking`).
///
/// Unlike [`to_thread`](crate::to_thread), which starts `f` only when first awaited (asyncio's
/// lazy coroutine), the job is running before this returns. The handle behaves as any task's:
/// awaiting it gives `Ok(value)`, or `Err(TaskError::Panicked(payload))` if `f` panicked;
/// dropping it detaches — `f` still runs to the end and its result is dropped. It uses the
/// pool `to_thread` uses (shared by every loop, up to 64 threads).
///
/// The handle is a task of the running loop (on a [`Runtime`](crate::Runtime), a `Send` task
/// any worker may poll) that waits for the job, so [`Task::cancel`] only stops the waiting:
/// a thread cannot be interrupted.
///
/// # Examples
/// ```
/// use std::sync::mpsc;
///
/// baton::run(async {
///     let (started, job_started) = mpsc::channel();
///     let job = baton::spawn_blocking(move || {
///         started.send(()).unwrap();
///         (1..=100u64).sum::<u64>()
///     });
///     // The job runs even before anyone awaits it.
///     job_started.recv().unwrap();
///     assert_eq!(job.await.unwrap(), 5050);
/// });
/// ```
///
/// A panicking job gives the error a panicking task gives:
/// ```
/// baton::run(async {
///     let job = baton::spawn_blocking(|| -> u32 { panic!("disk on fire") });
///     let err = job.await.unwrap_err();
///     assert_eq!(err.panic_message(), Some("disk on fire"));
/// });
/// ```
///
/// # Panics
/// Outside a running event loop or runtime worker ("no running event loop"), before `f` is
/// handed to the pool.
#[track_caller]
pub fn spawn_blocking<F, T>(f: F) -> Task<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let site = Location::caller();
    context::with(|cx| {
        let job = ToThread::started(f);
        Task::new(cx.spawn_send(job, site))
    })
}
