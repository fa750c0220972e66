//! `LoopStopped`: the error of a run that `stop()` ended early.

use std::fmt;

/// The loop was [stopped](crate::EventLoop::stop) before the future given to
/// [`try_run_until_complete`](crate::EventLoop::try_run_until_complete) completed (asyncio's
/// `RuntimeError: Event loop stopped before Future completed.`).
///
/// # Examples
/// ```
/// let mut lp = baton::EventLoop::new()?;
/// lp.stop();
/// let err = lp.try_run_until_complete(std::future::pending::<()>()).unwrap_err();
/// assert_eq!(err.to_string(), "event loop stopped before the future completed");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoopStopped;

impl fmt::Display for LoopStopped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("event loop stopped before the future completed")
    }
}

impl std::error::Error for LoopStopped {}
