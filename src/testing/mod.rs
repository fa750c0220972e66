//! Helpers for testing async code: run a body under many scheduling seeds, each on its own
//! paused-clock loop, and learn which seed failed. `#[baton::test]` is built on the same pieces.
//!
//! A seed fixes the order in which a loop runs the tasks that are ready in the same iteration,
//! so on the paused clock a run replays exactly: a bug that depends on an interleaving shows
//! up under some seed, and that seed brings it back.

mod outcome;
mod run;
mod watchdog;

pub use outcome::Outcome;
pub(crate) use run::TestRun;

use std::future::Future;
use std::ops::Range;

/// Runs the future `make()` returns once per seed in `seeds`, each on a new paused-clock
/// [`EventLoop`](crate::EventLoop) with that scheduling seed, and returns the last output.
///
/// The first seed whose run panics (or returns an `Err`) stops the sweep: its number is printed
/// to stderr — "baton: failed under seed 7; replay with `#[baton::test(seed = 7)]` or
/// BATON_SEED=7" — and the panic resumes (or the `Err` is returned). With the environment
/// variable `BATON_SEED` set, only that seed runs. Each run must finish within 60 seconds of
/// real time, or it fails with a dump of the loop's tasks (see [`macro@crate::test`]).
///
/// # Examples
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// baton::testing::run_seeds(0..20, || async {
///     // Two tasks ready at once: the seed picks which runs first; both orders must be fine.
///     let log = Rc::new(RefCell::new(Vec::new()));
///     let (a, b) = (log.clone(), log.clone());
///     let first = baton::spawn(async move { a.borrow_mut().push("a") });
///     let second = baton::spawn(async move { b.borrow_mut().push("b") });
///     first.await.unwrap();
///     second.await.unwrap();
///     assert_eq!(log.borrow().len(), 2);
/// });
/// ```
///
/// A body may return a `Result`, as a `#[test]` may:
///
/// ```
/// let done: Result<(), std::num::ParseIntError> = baton::testing::run_seeds(0..3, || async {
///     let n: u32 = "42".parse()?;
///     baton::sleep(std::time::Duration::from_secs(n.into())).await; // instant: paused clock
///     Ok(())
/// });
/// assert!(done.is_ok());
/// ```
///
/// # Panics
/// With the panic of the first failing seed; when `seeds` is empty; when `BATON_SEED` is set
/// but is not a whole number; when a loop cannot be created.
#[track_caller]
pub fn run_seeds<T, Fut, Make>(seeds: Range<u64>, make: Make) -> T
where
    Make: FnMut() -> Fut,
    Fut: Future<Output = T>,
    T: Outcome,
{
    TestRun::new().sweep(seeds, make)
}
