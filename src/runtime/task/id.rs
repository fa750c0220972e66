//! The task id.

use std::fmt;

/// A task's id: the number of the loop that owns it and the task's number on that loop, in
/// spawn order from 1 (so a program replayed on a fresh loop numbers its tasks the same way).
/// Ids of tasks alive at the same time differ; a loop's numbers wrap after 2³² spawns.
///
/// It displays as the task's number on its loop, as asyncio's default names (`Task-3`) do.
///
/// # Examples
/// ```
/// baton::run(async {
///     let a = baton::spawn(async {});
///     let b = baton::spawn(async {});
///     assert_ne!(a.id(), b.id());
///     assert_eq!(b.id().number(), a.id().number() + 1);
///     println!("spawned {}", a.id()); // prints its number
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(u64);

impl TaskId {
    pub(crate) fn new(owner: u32, number: u32) -> TaskId {
        TaskId(u64::from(owner) << 32 | u64::from(number))
    }

    /// The id as one number: the owning loop's number in the high 32 bits, the task's in the
    /// low 32.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let id = baton::spawn(async {}).id();
    ///     assert_eq!(id.as_u64() & 0xffff_ffff, u64::from(id.number()));
    /// });
    /// ```
    pub fn as_u64(self) -> u64 {
        self.0
    }

    /// The task's number on its loop: 1 for the first task a loop spawned, then 2, …
    ///
    /// # Examples
    /// ```
    /// let lp = baton::EventLoop::new().unwrap();
    /// let first = lp.spawn(async {});
    /// assert_eq!(first.id().number(), 1);
    /// ```
    pub fn number(self) -> u32 {
        self.0 as u32
    }

    /// The number of the loop that owns the task.
    pub(crate) fn owner(self) -> u32 {
        (self.0 >> 32) as u32
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number())
    }
}
