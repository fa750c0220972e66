//! `now`: the running loop's clock (asyncio's `loop.time()`), from inside a task.

use std::time::Instant;

use crate::runtime::context;

/// The running loop's notion of now (asyncio's `loop.time()`): the real time, or under a paused
/// clock the time the loop has jumped to. Deadlines for [`sleep_until`](super::sleep_until)
/// and [`timeout_at`](super::timeout_at) are read on this clock.
///
/// # Examples
/// ```
/// use std::time::Duration;
///
/// let mut lp = baton::EventLoop::builder().paused_clock().build()?;
/// let waited = lp.run_until_complete(async {
///     let start = baton::time::now();
///     baton::sleep(Duration::from_secs(60)).await;
///     baton::time::now() - start
/// });
/// assert_eq!(waited, Duration::from_secs(60));
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Panics
/// Outside a running event loop.
#[track_caller]
pub fn now() -> Instant {
    context::with(|lp| lp.now())
}
