//! `Runner`: asyncio.Runner — one loop for several top-level runs, with asyncio's Ctrl-C
//! handling — and [`run`], asyncio's `run`: a runner used once, as `#[baton::main]` uses it.

use std::error::Error;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;

use super::builder::Builder;
use super::event_loop::EventLoop;
use crate::signal::{exit_interrupted, InterruptWatch};

/// Runs main futures on one event loop as `asyncio.Runner` does, with its Ctrl-C handling;
/// what [`baton::run`](crate::run) and `#[baton::main]` use.
///
/// The loop is made at the first [`run`](Runner::run) (or [`get_loop`](Runner::get_loop)) and
/// kept for the next ones, so tasks and state one run leaves on the loop are there for the
/// next; [`close`](Runner::close), or dropping the runner, closes it (asyncio's `with
/// asyncio.Runner() as runner:` block ending).
///
/// - The **first Ctrl-C** (`SIGINT`) cancels the main future: it is dropped on the loop, so its
///   `Drop`s and guards run there, and [`run`](Runner::run) returns `Err(Interrupted)`, the
///   loop still open. `baton::run` and `#[baton::main]` then close the loop, cancelling every
///   remaining task as closing always does, and end the process as Python does after
///   `asyncio.run` was interrupted: by `SIGINT` itself, default disposition restored, so the
///   shell sees an interrupted program (status 130).
/// - A **second Ctrl-C**, during that clean-up, ends the process at once: the first one put
///   `SIGINT`'s default disposition back (until the next `run`).
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
/// let mut runner = Runner::new();
/// let outcome = runner.run(async {
///     let _guard = Cleanup;
///     // SAFETY: raising a signal this process has a handler for.
///     unsafe { libc::raise(libc::SIGINT) }; // what the terminal sends on Ctrl-C
///     std::future::pending::<()>().await;
/// });
/// assert!(outcome.is_err(), "the main future was cancelled, and `Cleanup` dropped");
/// assert_eq!(runner.run(async { "the loop is still there" }), Ok("the loop is still there"));
/// runner.close();
/// ```
#[derive(Debug)]
pub struct Runner {
    builder: Builder,
    handle_ctrl_c: bool,
    /// The loop, once the first `run` or `get_loop` made it.
    lp: Option<EventLoop>,
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

    /// Runs `future` on the runner's loop until it completes or Ctrl-C cancels it (asyncio's
    /// `Runner.run`). The loop stays open for the next run, with whatever tasks this one left
    /// on it; after a Ctrl-C too, as asyncio's does.
    ///
    /// # Examples
    /// ```
    /// let mut runner = baton::Runner::from(baton::EventLoop::builder().debug(true));
    /// assert_eq!(runner.run(async { baton::get_running_loop().debug() }), Ok(true));
    ///
    /// // A task the first run left behind is on the loop the second run uses.
    /// let (tx, rx) = baton::channel::oneshot::channel();
    /// runner.run(async move { drop(baton::spawn(async move { tx.send("later").unwrap() })) })?;
    /// assert_eq!(runner.run(rx), Ok(Ok("later")));
    /// # Ok::<(), baton::event_loop::Interrupted>(())
    /// ```
    ///
    /// # Errors
    /// [`Interrupted`] when Ctrl-C cancelled the future.
    ///
    /// # Panics
    /// As [`baton::run`](crate::run): if the loop cannot be created, if `future` panics, if the
    /// loop is stopped first, or if called from inside a running loop.
    #[track_caller]
    pub fn run<F: Future>(&mut self, future: F) -> Result<F::Output, Interrupted> {
        let handle_ctrl_c = self.handle_ctrl_c;
        self.get_loop()
            .run_until_complete(interruptible(future, handle_ctrl_c))
    }

    /// The runner's loop, made now if no run has made it yet (asyncio's `Runner.get_loop`):
    /// to set an exception handler or signal handlers, spawn tasks or schedule callbacks before
    /// the first run.
    ///
    /// # Examples
    /// ```
    /// let mut runner = baton::Runner::new();
    /// let lp = runner.get_loop();
    /// lp.set_exception_handler(|report| eprintln!("app: {report}"));
    /// let answer = lp.spawn(async { 6 * 7 });
    /// assert_eq!(runner.run(answer).unwrap().unwrap(), 42);
    /// ```
    ///
    /// # Panics
    /// If the loop cannot be created (the OS refused a poller).
    #[track_caller]
    pub fn get_loop(&mut self) -> &mut EventLoop {
        if self.lp.is_none() {
            match self.builder.clone().build() {
                Ok(lp) => self.lp = Some(lp),
                Err(e) => panic!("baton::Runner could not create an event loop: {e}"),
            }
        }
        self.lp.as_mut().expect("the loop was just made")
    }

    /// Closes the runner's loop, cancelling the tasks still on it (asyncio's `Runner.close`);
    /// dropping the runner does the same.
    ///
    /// # Examples
    /// ```
    /// let mut runner = baton::Runner::new();
    /// runner.run(async { drop(baton::spawn(std::future::pending::<()>())) })?;
    /// runner.close(); // the pending task is cancelled
    /// # Ok::<(), baton::event_loop::Interrupted>(())
    /// ```
    pub fn close(mut self) {
        if let Some(lp) = self.lp.take() {
            lp.close();
        }
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
    /// let mut runner = baton::Runner::from(baton::EventLoop::builder().paused_clock());
    /// let slept = runner.run(baton::sleep(std::time::Duration::from_secs(60))); // instant
    /// assert!(slept.is_ok());
    /// ```
    fn from(builder: Builder) -> Runner {
        Runner {
            builder,
            handle_ctrl_c: true,
            lp: None,
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

/// Runs `future` on a new event loop, closes it, and returns the output (asyncio's `run`).
///
/// Ctrl-C is handled as asyncio's `Runner` does (see [`Runner`]): the first one
/// cancels `future` (it is dropped on the loop, its `Drop`s run, then the loop closes and
/// cancels its tasks) and the process then ends by `SIGINT`, as a Python program does after an
/// uncaught `KeyboardInterrupt`; a second one ends it at once. A program that listens for
/// Ctrl-C itself ([`ctrl_c`](crate::signal::ctrl_c)) gets it instead. To get an
/// [`Interrupted`] back, or to leave Ctrl-C alone, use a [`Runner`].
///
/// # Examples
/// ```
/// use baton::sleep;
/// use std::time::Duration;
///
/// async fn compute_square(x: u64) -> u64 {
///     sleep(Duration::from_millis(1)).await;
///     x * x
/// }
///
/// assert_eq!(baton::run(compute_square(3)), 9);
/// ```
///
/// # Panics
/// If the loop cannot be created (the OS refused a poller), if `future` panics, if the loop is
/// stopped first (`get_running_loop().stop()`), or if called from inside a running loop.
#[track_caller]
pub fn run<F: Future>(future: F) -> F::Output {
    run_once_or_exit(Runner::new(), future)
}

/// Runs `future` with `runner` and closes its loop, then ends the process if Ctrl-C
/// interrupted the run (what `baton::run` and `#[baton::main]` do): the loop is closed first,
/// so the tasks the run left are cancelled before the process ends.
#[track_caller]
pub(crate) fn run_once_or_exit<F: Future>(mut runner: Runner, future: F) -> F::Output {
    let outcome = runner.run(future);
    runner.close();
    or_exit(outcome)
}

/// Ends the process after an interrupted run; the `Ok` output otherwise.
pub(crate) fn or_exit<T>(outcome: Result<T, Interrupted>) -> T {
    outcome.unwrap_or_else(|interrupted| interrupted.exit())
}
