//! What `#[baton::main]` and `#[baton::test]` expand to call, mounted as `baton::__private`:
//! not public API, free to change with the macros. The expansions stay a line or two; the
//! logic is here, as ordinary tested Rust.

use std::future::Future;
use std::time::Duration;

use crate::event_loop::{interruptible, or_exit, run_once_or_exit, EventLoop, Runner, Runtime};
use crate::task::TaskError;
use crate::testing::{Outcome, TestRun};

/// `#[baton::main]`: runs `future` on a new event loop on this thread, as
/// [`run`](crate::run) does (with its Ctrl-C handling unless `ctrl_c` is false), and returns
/// its output.
///
/// # Examples
/// ```
/// assert_eq!(baton::__private::main(false, true, async { 7 }), 7);
/// ```
///
/// # Panics
/// As [`run`](crate::run).
#[track_caller]
pub fn main<F: Future>(debug: bool, ctrl_c: bool, future: F) -> F::Output {
    let runner = Runner::from(EventLoop::builder().debug(debug)).handle_ctrl_c(ctrl_c);
    run_once_or_exit(runner, future)
}

/// `#[baton::main(workers = N)]`: runs the future `make()` returns on worker 0 of a new
/// [`Runtime`] of `workers` workers (so it need not be `Send`), waits for it, and shuts the
/// runtime down. With `ctrl_c`, Ctrl-C is handled as [`run`](crate::run) does: the future is
/// cancelled on worker 0, the runtime shut down, and the process ended by `SIGINT`.
///
/// # Examples
/// ```
/// let answer = baton::__private::main_on_workers(2, false, true, || async {
///     let here = std::rc::Rc::new(21); // not Send: it stays on worker 0
///     *here * 2
/// });
/// assert_eq!(answer, 42);
/// ```
///
/// # Panics
/// With the future's panic; when the runtime cannot start.
#[track_caller]
pub fn main_on_workers<M, F>(workers: usize, debug: bool, ctrl_c: bool, make: M) -> F::Output
where
    M: FnOnce() -> F + Send + 'static,
    F: Future + 'static,
    F::Output: Send + 'static,
{
    let rt = match Runtime::builder().workers(workers).debug(debug).build() {
        Ok(rt) => rt,
        Err(e) => panic!("#[baton::main] could not start a runtime of {workers} workers: {e}"),
    };
    let main = rt
        .handle()
        .run_on_worker(0, move || interruptible(make(), ctrl_c));
    match rt.block_on(main) {
        Ok(outcome) => {
            if outcome.is_err() {
                rt.shutdown(); // the workers' tasks are cancelled before the process ends
            }
            or_exit(outcome)
        }
        Err(TaskError::Panicked(payload)) => std::panic::resume_unwind(payload),
        Err(TaskError::Cancelled(_)) => panic!("the #[baton::main] body was cancelled"),
    }
}

/// `#[baton::test]`'s options, one builder call per option of the attribute; from [`test`].
#[derive(Debug, Clone)]
pub struct Test {
    run: TestRun,
    seeds: Seeds,
}

/// Which seeds a test runs under.
#[derive(Debug, Clone, Copy)]
enum Seeds {
    /// The loop's own scheduling, no seed.
    Unseeded,
    One(u64),
    /// Seeds `0..n`.
    Sweep(u64),
}

/// `#[baton::test]` with no options: the paused clock, a 60 s real-time limit, no seed.
///
/// # Examples
/// ```
/// baton::__private::test().run(|| async {
///     baton::sleep(std::time::Duration::from_secs(3600)).await; // instant
/// });
/// ```
pub fn test() -> Test {
    Test {
        run: TestRun::new(),
        seeds: Seeds::Unseeded,
    }
}

impl Test {
    /// `seed = n`: run under scheduling seed `n`.
    ///
    /// # Examples
    /// ```
    /// baton::__private::test().seed(7).run(|| async {});
    /// ```
    pub fn seed(mut self, seed: u64) -> Test {
        self.seeds = Seeds::One(seed);
        self
    }

    /// `seeds = n`: run once under each seed `0..n`, as
    /// [`run_seeds`](crate::testing::run_seeds).
    ///
    /// # Examples
    /// ```
    /// use std::sync::atomic::{AtomicU32, Ordering};
    ///
    /// static RUNS: AtomicU32 = AtomicU32::new(0);
    /// baton::__private::test().seeds(3).run(|| async {
    ///     RUNS.fetch_add(1, Ordering::SeqCst);
    /// });
    /// assert_eq!(RUNS.load(Ordering::SeqCst), 3);
    /// ```
    pub fn seeds(mut self, count: u64) -> Test {
        self.seeds = Seeds::Sweep(count);
        self
    }

    /// `debug`: the loops run in debug mode.
    ///
    /// # Examples
    /// ```
    /// baton::__private::test().debug().run(|| async {});
    /// ```
    pub fn debug(mut self) -> Test {
        self.run.debug();
        self
    }

    /// `real_clock`: the loops use the real clock instead of the paused one.
    ///
    /// # Examples
    /// ```
    /// baton::__private::test().real_clock().run(|| async {
    ///     baton::sleep(std::time::Duration::from_millis(1)).await; // really waits
    /// });
    /// ```
    pub fn real_clock(mut self) -> Test {
        self.run.real_clock();
        self
    }

    /// `time_limit = "…"`: each run may take this many milliseconds of real time.
    ///
    /// # Examples
    /// ```
    /// baton::__private::test().time_limit_ms(10_000).run(|| async {});
    /// ```
    pub fn time_limit_ms(mut self, ms: u64) -> Test {
        self.run.time_limit(Some(Duration::from_millis(ms)));
        self
    }

    /// `time_limit = "none"`: no time limit.
    ///
    /// # Examples
    /// ```
    /// baton::__private::test().no_time_limit().run(|| async {});
    /// ```
    pub fn no_time_limit(mut self) -> Test {
        self.run.time_limit(None);
        self
    }

    /// Runs the body: once, or once per seed.
    ///
    /// # Examples
    /// ```
    /// let r: Result<(), String> = baton::__private::test().seed(3).run(|| async { Ok(()) });
    /// assert!(r.is_ok());
    /// ```
    ///
    /// # Panics
    /// With the body's panic, or when its time limit passes (with a task dump).
    #[track_caller]
    pub fn run<T, Fut, Make>(self, make: Make) -> T
    where
        Make: FnMut() -> Fut,
        Fut: Future<Output = T>,
        T: Outcome,
    {
        match self.seeds {
            Seeds::Unseeded => self.run.once(None, make),
            Seeds::One(seed) => self.run.once(Some(seed), make),
            Seeds::Sweep(count) => self.run.sweep(0..count, make),
        }
    }
}
