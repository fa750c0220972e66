//! The task id.

use std::fmt;

/// A task's id: unique among all tasks the process ever spawned.
///
/// # Examples
/// ```
/// baton::run(async {
///     let t = baton::spawn(async {});
///     println!("spawned {}", t.id()); // prints the number
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(pub(crate) u64);

impl TaskId {
    /// The id as a number.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     assert!(baton::spawn(async {}).id().as_u64() > 0);
    /// });
    /// ```
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
