//! `Outcome`: what a test body returns, and whether that is a failure.

/// What a test body may return: `()`, or a `Result` whose `Err` fails the run as a panic does
/// (so a body can use `?`, as a `#[test] fn` returning `Result` can).
///
/// # Examples
/// ```
/// use baton::testing::Outcome;
///
/// assert!(!().is_failure());
/// assert!(Err::<(), _>("broken").is_failure());
/// assert!(!Ok::<_, ()>(1).is_failure());
/// ```
pub trait Outcome {
    /// True when the run failed.
    fn is_failure(&self) -> bool;
}

impl Outcome for () {
    fn is_failure(&self) -> bool {
        false
    }
}

impl<T, E> Outcome for Result<T, E> {
    fn is_failure(&self) -> bool {
        self.is_err()
    }
}
