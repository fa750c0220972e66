//! Tasks, the user's side: the [`Task<T>`](Task) handle and [`TaskHandle`], [`spawn`],
//! [`yield_now`], [`TaskGroup`] and its scoped form, [`wait`], [`shield`], [`gather`](fn@gather)
//! and [`as_completed`], [`to_thread`], [`spawn_blocking`], [`current_task`]/[`all_tasks`] — and the named futures
//! they return. The verbs and main types are also at the crate root.
//!
//! This is the upper floor. The task allocation, its state word and its waker live one floor
//! down, in `runtime/task`, with the rules that make their unsafe code sound; the handle here
//! reaches them only through safe, typed references (`runtime::task::JoinRef`).

mod current;
mod group;
mod group_scope;
mod handle;
mod shield;
mod spawn;
mod spawn_blocking;
mod task_handle;
mod wait;
mod yield_now;

pub use crate::blocking::{to_thread, ToThread};
pub use crate::combinators::{
    as_completed, gather, AsCompleted, Gather, GatherTuple, NextCompleted,
};
pub use crate::runtime::task::{TaskError, TaskId};
pub use current::{all_tasks, current_task};
pub use group::{ChildError, TaskGroup, TaskGroupError, TaskGroupHandle, TaskGroupJoin};
pub use group_scope::TaskGroupScope;
pub use handle::Task;
pub use shield::{shield, Shield};
pub use spawn::{spawn, spawn_send};
pub use spawn_blocking::spawn_blocking;
pub use task_handle::TaskHandle;
pub use wait::{wait, ReturnWhen, Wait};
pub use yield_now::{yield_now, YieldNow};
