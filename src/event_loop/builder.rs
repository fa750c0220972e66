//! `Builder`: options for a new `EventLoop`, and the environment variables that set them
//! (`BATON_DEBUG`, `BATON_SEED`).

use std::io;
use std::time::Duration;

use super::event_loop::EventLoop;
use crate::runtime::diagnostics::{DebugOptions, DEFAULT_SLOW_POLL};

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
    dump_on_signal: bool,
    debug: Option<bool>,
    slow_poll: Option<Duration>,
    seed: Option<u64>,
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

    /// Debug mode (asyncio's `loop.set_debug`): every poll is timed, and one that takes at least
    /// [`slow_poll_threshold`](Self::slow_poll_threshold) (100 ms by default) is reported with
    /// the task's name and spawn site; tasks still pending when the loop closes are reported;
    /// so are a server's connections that failed (a TLS handshake that failed or timed out,
    /// an HTTP connection's error), which outside debug mode end quietly; a
    /// [dump](EventLoop::dump) shows each task's age and busy time. Reports go to the
    /// [exception handler](EventLoop::set_exception_handler) (stderr by default).
    ///
    /// Unset, the `BATON_DEBUG` environment variable decides: on when it is set to anything but
    /// `0`, `false`, `off` or nothing.
    ///
    /// # Examples
    /// ```
    /// let lp = baton::EventLoop::builder().debug(true).build()?;
    /// assert!(lp.debug());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn debug(mut self, on: bool) -> Builder {
        self.debug = Some(on);
        self
    }

    /// How long one poll may take before debug mode reports it (asyncio's
    /// `loop.slow_callback_duration`); 100 ms by default.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    ///
    /// let lp = baton::EventLoop::builder()
    ///     .debug(true)
    ///     .slow_poll_threshold(Duration::from_millis(20))
    ///     .build()?;
    /// assert!(lp.debug());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn slow_poll_threshold(mut self, threshold: Duration) -> Builder {
        self.slow_poll = Some(threshold);
        self
    }

    /// Seeded scheduling: among the tasks ready in the same iteration of the loop, the order
    /// is a permutation drawn from `seed` instead of first-come first-served. A race between
    /// tasks shows up under some seeds; with the [paused clock](Self::paused_clock) and no real
    /// I/O, a run replays exactly under the same seed (task ids included: they count per loop).
    /// `baton::testing::run_seeds` (or `#[baton::test(seeds = N)]`) sweeps many.
    ///
    /// Unset, the `BATON_SEED` environment variable gives the seed, if it is set.
    ///
    /// # Examples
    /// ```
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    ///
    /// fn order(seed: u64) -> Vec<u32> {
    ///     let mut lp = baton::EventLoop::builder().paused_clock().seed(seed).build().unwrap();
    ///     let seen = Rc::new(RefCell::new(Vec::new()));
    ///     for i in 0..8 {
    ///         let seen = seen.clone();
    ///         lp.spawn(async move { seen.borrow_mut().push(i) });
    ///     }
    ///     lp.run_until_complete(baton::sleep(std::time::Duration::from_secs(1)));
    ///     let order = seen.borrow().clone();
    ///     order
    /// }
    /// assert_eq!(order(7), order(7)); // the same seed replays the same order
    /// assert!((0..20).any(|seed| order(seed) != order(7)));
    /// ```
    pub fn seed(mut self, seed: u64) -> Builder {
        self.seed = Some(seed);
        self
    }

    /// Prints a [task dump](EventLoop::dump) of every open loop (and every runtime's `Send`
    /// tasks) to stderr when the process receives `SIGUSR1` (`kill -USR1 <pid>`), for looking
    /// inside a live process. Process-wide and installed once; each loop answers between two
    /// polls, and one blocked by a task for over a second is named as such. It installs baton's
    /// `SIGUSR1` handler (the signal's default would terminate the process), which a program's
    /// own [`Signals`](crate::signal::Signals) of `SIGUSR1` shares: both hear the signal.
    ///
    /// # Examples
    /// ```
    /// let mut lp = baton::EventLoop::builder().dump_on_signal().build()?;
    /// // From a shell, while the loop runs: kill -USR1 <pid>
    /// lp.run_until_complete(async {});
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn dump_on_signal(mut self) -> Builder {
        self.dump_on_signal = true;
        self
    }

    pub(crate) fn wants_dump_on_signal(&self) -> bool {
        self.dump_on_signal
    }

    /// The debug options, with the environment's defaults.
    pub(crate) fn debug_options(&self) -> DebugOptions {
        debug_options(self.debug, self.slow_poll)
    }

    /// The seed, from the builder or `BATON_SEED`.
    pub(crate) fn seed_option(&self) -> io::Result<Option<u64>> {
        match self.seed {
            Some(seed) => Ok(Some(seed)),
            None => seed_from_env(),
        }
    }

    pub(crate) fn is_paused(&self) -> bool {
        self.paused_clock
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
    /// When the OS refuses the poller (e.g. out of file descriptors); `InvalidInput` when
    /// `BATON_SEED` is set to something that is not a number; the OS's error if the `SIGUSR1`
    /// handler of [`dump_on_signal`](Self::dump_on_signal) cannot be installed.
    pub fn build(self) -> io::Result<EventLoop> {
        EventLoop::from_builder(&self)
    }
}

/// The debug options a builder was given, with `BATON_DEBUG` and the default threshold for
/// what it was not (`Builder` and `RuntimeBuilder` alike).
pub(crate) fn debug_options(debug: Option<bool>, slow_poll: Option<Duration>) -> DebugOptions {
    DebugOptions {
        debug: debug.unwrap_or_else(debug_from_env),
        slow_poll: slow_poll.unwrap_or(DEFAULT_SLOW_POLL),
    }
}

/// `BATON_DEBUG`: on unless unset, empty, `0`, `false`, `off` or `no`.
fn debug_from_env() -> bool {
    debug_value_is_on(std::env::var("BATON_DEBUG").ok().as_deref())
}

fn debug_value_is_on(value: Option<&str>) -> bool {
    value.is_some_and(|value| {
        let value = value.trim().to_ascii_lowercase();
        !matches!(value.as_str(), "" | "0" | "false" | "off" | "no")
    })
}

/// `BATON_SEED`, if set; an error naming it if it is not a number.
pub(crate) fn seed_from_env() -> io::Result<Option<u64>> {
    match std::env::var("BATON_SEED") {
        Ok(value) => match value.trim().parse() {
            Ok(seed) => Ok(Some(seed)),
            Err(_) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("BATON_SEED={value:?} is not a seed: it must be a whole number (a u64)"),
            )),
        },
        Err(_) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::debug_value_is_on;

    #[test]
    fn baton_debug_is_on_for_any_value_but_the_usual_offs() {
        for on in ["1", "true", "yes", "on", "2"] {
            assert!(debug_value_is_on(Some(on)), "{on}");
        }
        for off in ["", " ", "0", "false", "FALSE", "off", "no"] {
            assert!(!debug_value_is_on(Some(off)), "{off:?}");
        }
        assert!(!debug_value_is_on(None));
    }
}
