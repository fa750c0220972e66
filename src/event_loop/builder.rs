//! `Builder`: options for a new `EventLoop`.

use std::io;

use super::event_loop::EventLoop;

/// Options for a new [`EventLoop`]; from [`EventLoop::builder`].
///
/// # Examples
/// ```
/// use std::time::Duration;
///
/// let mut lp = baton::EventLoop::builder().paused_clock().build()?;
/// let start = lp.time();
/// lp.run_until_complete(baton::sleep(Duration::from_secs(3600))); // instant in real time
/// assert_eq!(lp.time() - start, Duration::from_secs(3600));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Default, Clone)]
pub struct Builder {
    paused_clock: bool,
}

impl Builder {
    /// Default options: the real clock.
    ///
    /// # Examples
    /// ```
    /// let lp = baton::event_loop::Builder::new().build()?;
    /// lp.close();
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new() -> Builder {
        Builder::default()
    }

    /// A paused clock, for tests: time stands still while any task can run, and when every
    /// task waits, it jumps to the next timer. Timed code runs in no real time, deterministically.
    ///
    /// # Examples
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let real = Instant::now();
    /// let mut lp = baton::EventLoop::builder().paused_clock().build()?;
    /// lp.run_until_complete(baton::sleep(Duration::from_secs(86_400)));
    /// assert!(real.elapsed() < Duration::from_secs(60));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn paused_clock(mut self) -> Builder {
        self.paused_clock = true;
        self
    }

    /// Creates the loop.
    ///
    /// # Examples
    /// ```
    /// let mut lp = baton::EventLoop::builder().build()?;
    /// assert_eq!(lp.run_until_complete(async { 3 }), 3);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// When the OS refuses the poller (e.g. out of file descriptors).
    pub fn build(self) -> io::Result<EventLoop> {
        EventLoop::from_builder(self.paused_clock)
    }
}
