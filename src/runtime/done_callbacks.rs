//! The done callbacks of tasks not yet complete (`Task::add_done_callback`), keyed by the
//! task's address (`TaskRef::key`: unique among live tasks, and every task here is live).

use std::cell::RefCell;
use std::collections::HashMap;

use crate::panic::drop_each_quietly;

/// A callback to run (as a callback on the loop) once its task completes.
pub(crate) type DoneCallback = Box<dyn FnOnce()>;

/// Loop thread only. Callbacks are user code: they are taken out before they run or drop.
#[derive(Default)]
pub(crate) struct DoneCallbacks {
    by_task: RefCell<HashMap<usize, Vec<DoneCallback>>>,
}

impl DoneCallbacks {
    pub(crate) fn add(&self, task: usize, callback: DoneCallback) {
        self.by_task
            .borrow_mut()
            .entry(task)
            .or_default()
            .push(callback);
    }

    /// The callbacks of `task`, which just completed. Most loops have none at all: that case
    /// is one inlined check, without hashing or an empty `Vec` to drop.
    #[inline]
    pub(crate) fn take(&self, task: usize) -> Option<Vec<DoneCallback>> {
        if self.by_task.borrow().is_empty() {
            return None;
        }
        self.by_task.borrow_mut().remove(&task)
    }

    /// Drops every callback without running it (asyncio's `close` drops them too), each drop
    /// contained.
    pub(crate) fn clear(&self) {
        let callbacks = std::mem::take(&mut *self.by_task.borrow_mut());
        drop_each_quietly(callbacks.into_values().flatten());
    }
}
