//! `Runner`: asyncio.Runner's Ctrl-C handling for [`baton::run`](crate::run) and
//! `#[baton::main]`.

use std::error::Error;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;

use super::builder::Builder;
use crate::signal::{exit_interrupted, InterruptWatch};

/// Runs a main future on a new event loop as `asyncio.Runner` does, with its Ctrl-C handling;
/// what [`baton::run`](crate::run) and `#[baton::main]` use.
///
/// - The **first Ctrl-C** (`SIGINT`) cancels the main future: it is dropped on the loop, so its
///   `Drop`s and guards run there, and then the loop closes, cancelling every remaining task as
///   closing always does. [`run`](Runner::run) then returns `Err(Interrupted)`; `baton::run`
///   and `#[baton::main]` end the process as Python does after `asyncio.run` was interrupted:
///   by `SIGINT` itself, default disposition restored, so the shell sees an interrupted program
///   (status 130).
/// - A **second Ctrl-C**, during that clean-up, ends the process at once: the first one put
///   `SIGINT`'s default disposition back.
/// - A program that **listens for Ctrl-C itself** — [`ctrl_c`](crate::signal::ctrl_c), a
///   [`Signals`](crate::signal::Signals) of `SIGINT`, a loop's
///   [`add_signal_handler`](crate::EventLoop::add_signal_handler) of `SIGINT` — gets the
///   signal instead: while such a listener exists, Ctrl-C does not cancel the main future
///   (asyncio installs its handler only when the program has not). Nor does the runner touch
///   a `SIGINT` that the process ignores (started with `nohup`, or in the background by a
///   non-interactive shell) or that code other than baton's handles.
/// - When the run ends, `SIGINT`'s default disposition is back (unless a listener of the
///   program's own installed baton's handler meanwhile).
///
/// **Differences from asyncio.** asyncio raises `KeyboardInterrupt` from `run` after cancelling
/// the main task, which may still `await` in its `except CancelledError` and `finally` blocks;
/// in Rust a cancelled future is *dropped*, so its clean-up is its `Drop`s (synchronous), and
/// tasks are cancelled at close as always. `baton::run` does not return after a Ctrl-C: it
/// ends the process by `SIGINT`, as the Python interpreter does when `KeyboardInterrupt` is
/// not caught; use [`Runner::run`] to get the `Err(Interrupted)` back instead. asyncio handles
/// Ctrl-C only in a runner on the main thread; a baton runner handles it on any thread (every
/// runner running at the time is cancelled, then the process ends).
/// [`EventLoop::run_until_complete`](crate::EventLoop::run_until_complete) keeps no Ctrl-C
/// handling, as asyncio's `loop.run_until_complete`.
///
/// # Examples
/// ```
/// use baton::Runner;
///
/// struct Cleanup;
/// impl Drop for Cleanup {
///     fn drop(&mut self) {
///         println!("cleaned up");
///     }
/// }
///
/// # // A test run in the background starts with SIGINT ignored, which the runner leaves alone.
/// # unsafe { libc::signal(libc::SIGINT, libc::SIG_DFL) };
/// let outcome = Runner::new().run(async {
///     let _guard = Cleanup;
///     // SAFETY: raising a signal this process has a handler for.
///     unsafe { libc::raise(libc::SIGINT) }; // what the terminal sends on Ctrl-C
///     std::future::pending::<()>().await;
/// });
/// assert!(outcome.is_err(), "the main future was cancelled, and `Cleanup` dropped");
/// ```
#[derive(Debug, Clone)]
pub struct Runner {
    builder: Builder,
    handle_ctrl_c: bool,
}

/// A [`Runner`]'s main future was cancelled by Ctrl-C (Python's `KeyboardInterrupt`).
///
/// # Examples
/// ```
/// # unsafe { libc::signal(libc::SIGINT, libc::SIG_DFL) }; // as in a foreground program
/// let outcome = baton::Runner::new().run(async {
///     // SAFETY: raising a signal this process has a handler for.
///     unsafe { libc::raise(libc::SIGINT) };
///     std::future::pending::<()>().await;
/// });
/// let interrupted: baton::event_loop::Interrupted = outcome.unwrap_err();
/// assert_eq!(interrupted.to_string(), "interrupted by Ctrl-C (SIGINT)");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted(());

impl Runner {
    /// A runner of a loop with default options, handling Ctrl-C.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(baton::Runner::new().run(async { 6 * 7 }), Ok(42));
    /// ```
    pub fn new() -> Runner {
        Runner::from(Builder::new())
    }

    /// Whether Ctrl-C cancels the main future (the default: `true`). With `false`, the runner
    /// leaves `SIGINT` alone: without a listener of the program's own, Ctrl-C ends the process
    /// at once, dropping nothing (`#[baton::main(ctrl_c = false)]`).
    ///
    /// # Examples
    /// ```
    /// let answer = baton::Runner::new().handle_ctrl_c(false).run(async { 7 });
    /// assert_eq!(answer, Ok(7));
    /// ```
    pub fn handle_ctrl_c(mut self, on: bool) -> Runner {
        self.handle_ctrl_c = on;
        self
    }

    /// Runs `future` on a new loop until it completes or Ctrl-C cancels it, then closes the
    /// loop (asyncio's `Runner.run`, then `close`).
    ///
    /// # Examples
    /// ```
    /// let runner = baton::Runner::from(baton::EventLoop::builder().debug(true));
    /// assert_eq!(runner.run(async { baton::get_running_loop().debug() }), Ok(true));
    /// ```
    ///
    /// # Errors
    /// [`Interrupted`] when Ctrl-C cancelled the future.
    ///
    /// # Panics
    /// As [`baton::run`](crate::run): if the loop cannot be created, if `future` panics, if the
    /// loop is stopped first, or if called from inside a running loop.
    #[track_caller]
    pub fn run<F: Future>(self, future: F) -> Result<F::Output, Interrupted> {
        let mut lp = match self.builder.build() {
            Ok(lp) => lp,
            Err(e) => panic!("baton::run could not create an event loop: {e}"),
        };
        let outcome = lp.run_until_complete(interruptible(future, self.handle_ctrl_c));
        lp.close();
        outcome
    }
}

impl Default for Runner {
    fn default() -> Runner {
        Runner::new()
    }
}

impl From<Builder> for Runner {
    /// A runner of a loop built with `builder`'s options, handling Ctrl-C.
    ///
    /// # Examples
    /// ```
    /// let runner = baton::Runner::from(baton::EventLoop::builder().paused_clock());
    /// let slept = runner.run(baton::sleep(std::time::Duration::from_secs(60))); // instant
    /// assert!(slept.is_ok());
    /// ```
    fn from(builder: Builder) -> Runner {
        Runner {
            builder,
            handle_ctrl_c: true,
        }
    }
}

impl Interrupted {
    /// Ends the process as an unhandled Ctrl-C does: `SIGINT`'s default disposition restored,
    /// stdout and stderr flushed, then `SIGINT` raised, so the parent (a shell) sees the program
    /// die by `SIGINT` (status 130). What [`baton::run`](crate::run) does after an interrupt.
    ///
    /// # Examples
    /// ```no_run
    /// if let Err(interrupted) = baton::Runner::new().run(std::future::pending::<()>()) {
    ///     eprintln!("stopped");
    ///     interrupted.exit();
    /// }
    /// ```
    pub fn exit(self) -> ! {
        exit_interrupted()
    }
}

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("interrupted by Ctrl-C (SIGINT)")
    }
}

impl Error for Interrupted {}

/// `future`, cancelled (dropped in place, on the loop) at the first Ctrl-C meant for the
/// runner, if `handle_ctrl_c`.
pub(crate) async fn interruptible<F: Future>(
    future: F,
    handle_ctrl_c: bool,
) -> Result<F::Output, Interrupted> {
    // Without a handler (the OS refused the pipe), Ctrl-C keeps its default effect.
    let mut watch = handle_ctrl_c.then(|| InterruptWatch::new().ok()).flatten();
    let mut main = pin!(Some(future));
    poll_fn(|cx| {
        if let Some(watch) = &mut watch {
            if watch.poll_interrupted(cx).is_ready() {
                main.set(None);
                return Poll::Ready(Err(Interrupted(())));
            }
        }
        match main.as_mut().as_pin_mut() {
            Some(future) => future.poll(cx).map(Ok),
            None => Poll::Pending, // not polled again after it returned
        }
    })
    .await
}

/// Ends the process after an interrupted run; the `Ok` output otherwise.
pub(crate) fn or_exit<T>(outcome: Result<T, Interrupted>) -> T {
    outcome.unwrap_or_else(|interrupted| interrupted.exit())
}
