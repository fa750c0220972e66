//! `TestRun`: how a test body runs — the clock, debug mode, the real-time limit — once for a
//! seed, or once per seed of a sweep.

use std::future::Future;
use std::ops::Range;
use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

use super::outcome::Outcome;
use super::watchdog::Watchdog;
use crate::event_loop::{EventLoop, LoopStopped};

/// The environment variable that picks the one seed a sweep runs (to replay a failure).
const SEED_VARIABLE: &str = "BATON_SEED";

/// How test bodies run; each run gets a fresh loop built from these options.
#[derive(Debug, Clone)]
pub(crate) struct TestRun {
    paused_clock: bool,
    debug: bool,
    /// Real time a run may take before it is stopped and fails with a task dump.
    time_limit: Option<Duration>,
}

impl TestRun {
    /// The default: a hang fails a test after this long, in real time.
    pub(crate) const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(60);

    /// The paused clock, no debug mode, [`DEFAULT_TIME_LIMIT`](Self::DEFAULT_TIME_LIMIT).
    pub(crate) fn new() -> TestRun {
        TestRun {
            paused_clock: true,
            debug: false,
            time_limit: Some(TestRun::DEFAULT_TIME_LIMIT),
        }
    }

    pub(crate) fn real_clock(&mut self) {
        self.paused_clock = false;
    }

    pub(crate) fn debug(&mut self) {
        self.debug = true;
    }

    pub(crate) fn time_limit(&mut self, limit: Option<Duration>) {
        self.time_limit = limit;
    }

    /// Runs `make()`'s future on a fresh loop, with scheduling `seed` if one is given.
    ///
    /// # Panics
    /// With the body's panic; when the time limit passes first (the message holds the task
    /// dump); when the body stops its own loop; when the loop cannot be created.
    #[track_caller]
    pub(crate) fn once<T, Fut, Make>(&self, seed: Option<u64>, make: Make) -> T
    where
        Make: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        let mut builder = EventLoop::builder().debug(self.debug);
        if self.paused_clock {
            builder = builder.paused_clock();
        }
        if let Some(seed) = seed {
            builder = builder.seed(seed);
        }
        let mut lp = match builder.build() {
            Ok(lp) => lp,
            Err(e) => panic!("baton could not create an event loop for the test: {e}"),
        };
        // `make` runs inside the loop, so it may spawn before its future is first polled.
        let body = async { make().await };
        let Some(limit) = self.time_limit else {
            return lp.run_until_complete(body);
        };
        let watchdog = Watchdog::start(lp.handle(), limit);
        let result = lp.try_run_until_complete(body);
        match (result, watchdog.finish()) {
            // Finished, even if the limit passed meanwhile: the body's answer stands.
            (Ok(output), _) => output,
            (Err(LoopStopped), Some(report)) => panic!(
                "baton: the test ran past its time limit of {limit:?} (real time) and was \
                 stopped; {report}"
            ),
            (Err(LoopStopped), None) => {
                panic!("{LoopStopped}: the test body stopped its own loop before it finished")
            }
        }
    }

    /// Runs `make()`'s future once per seed (or only under `BATON_SEED`'s seed, when set),
    /// stopping at the first failure, which is reported with its seed; returns the last output.
    ///
    /// # Panics
    /// As [`once`](Self::once), after naming the failing seed; when `seeds` is empty or
    /// `BATON_SEED` is not a whole number.
    #[track_caller]
    pub(crate) fn sweep<T, Fut, Make>(&self, seeds: Range<u64>, mut make: Make) -> T
    where
        Make: FnMut() -> Fut,
        Fut: Future<Output = T>,
        T: Outcome,
    {
        let seeds = match seed_from_env() {
            Some(seed) => seed..seed + 1,
            None => seeds,
        };
        let mut last = None;
        for seed in seeds.clone() {
            let run = panic::catch_unwind(AssertUnwindSafe(|| self.once(Some(seed), &mut make)));
            let failed = run.as_ref().map_or(true, Outcome::is_failure);
            if failed {
                eprintln!(
                    "baton: failed under seed {seed}; replay with `#[baton::test(seed = \
                     {seed})]` or {SEED_VARIABLE}={seed}"
                );
            }
            match run {
                Err(payload) => panic::resume_unwind(payload),
                Ok(output) if failed => return output,
                Ok(output) => last = Some(output),
            }
        }
        match last {
            Some(output) => output,
            None => panic!("a seed sweep needs at least one seed, and {seeds:?} is empty"),
        }
    }
}

/// The seed `BATON_SEED` names, if it is set.
///
/// # Panics
/// When it is set but is not a whole number.
#[track_caller]
fn seed_from_env() -> Option<u64> {
    let value = std::env::var_os(SEED_VARIABLE)?;
    match value.to_str().and_then(|v| v.trim().parse().ok()) {
        Some(seed) => Some(seed),
        None => panic!(
            "{SEED_VARIABLE}={value:?} is not a seed: give a whole number, as in {SEED_VARIABLE}=7"
        ),
    }
}
