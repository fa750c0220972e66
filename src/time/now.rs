//! `now`: the running loop's clock (asyncio's `loop.time()`), from inside a task.

use std::time::{Duration, Instant};

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

/// Moves the paused clock forward by `duration` at once, as if that much time passed right now
/// (tokio's `time::advance`); timers that fall due fire at the loop's next iteration. For tests:
/// it makes a poll "take" `duration` on the loop's clock, or skips ahead without waiting for
/// the loop to go idle.
///
/// # Examples
/// ```
/// use std::time::Duration;
///
/// let mut lp = baton::EventLoop::builder().paused_clock().build()?;
/// lp.run_until_complete(async {
///     let start = baton::time::now();
///     baton::time::advance(Duration::from_secs(5));
///     assert_eq!(baton::time::now() - start, Duration::from_secs(5));
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Panics
/// Outside a running event loop, or when its clock is not paused (real time cannot be moved):
/// build the loop with `paused_clock()`.
#[track_caller]
pub fn advance(duration: Duration) {
    let moved = context::with(|lp| lp.advance(duration));
    assert!(
        moved,
        "baton::time::advance needs the paused clock: build the loop with \
         `EventLoop::builder().paused_clock()` (or `#[baton::test]`, which pauses it)"
    );
}
