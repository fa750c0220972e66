//! Owned tasks: every task not yet complete, held strongly by its owner.
//!
//! [`OwnedTable`] is a table of 8-byte slots (`Option<OwnedTask>` is one pointer) plus a stack
//! of free slot numbers; a task records its slot in its header (`OwnedTask::set_slot`) so
//! removal is O(1). A loop keeps one in a `RefCell` ([`OwnedTasks`]); a worker pool keeps one
//! behind a lock for its `Send` tasks (`pool/mod.rs`). Either way, an entry is released only
//! after the borrow or lock ends: freeing a task may run user `Drop` code.

use std::cell::RefCell;

use super::task::{OwnedTask, TaskRef, NOT_ADOPTABLE};

/// The slots. Not synchronised: its holder wraps it in a `RefCell` or a lock.
#[derive(Default)]
pub(crate) struct OwnedTable {
    slots: Vec<Option<OwnedTask>>,
    free: Vec<u32>,
}

impl OwnedTable {
    /// Keeps `task` until it completes.
    pub(crate) fn adopt(&mut self, task: OwnedTask) {
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                let slot = u32::try_from(self.slots.len())
                    .ok()
                    .filter(|&s| s < NOT_ADOPTABLE)
                    .expect("more than 4 billion live tasks");
                self.slots.push(None);
                slot
            }
        };
        debug_assert!(self.slots[slot as usize].is_none());
        task.set_slot(slot);
        self.slots[slot as usize] = Some(task);
    }

    /// Takes a completed task's entry out; the caller drops it after releasing the table.
    #[must_use = "drop the entry after releasing the table"]
    pub(crate) fn disown(&mut self, task: &TaskRef) -> Option<OwnedTask> {
        let slot = task.take_owned_slot()?;
        let entry = self.slots.get_mut(slot as usize).and_then(Option::take);
        if entry.is_some() {
            self.free.push(slot);
        }
        entry
    }

    /// A reference to every owned task.
    pub(crate) fn snapshot(&self) -> Vec<TaskRef> {
        self.slots
            .iter()
            .flatten()
            .map(|t| t.to_task_ref())
            .collect()
    }
}

/// A loop's owned tasks. Loop thread only.
#[derive(Default)]
pub(crate) struct OwnedTasks {
    table: RefCell<OwnedTable>,
}

impl OwnedTasks {
    /// Keeps `task` until it completes.
    #[inline]
    pub(crate) fn adopt(&self, task: OwnedTask) {
        self.table.borrow_mut().adopt(task);
    }

    /// Lets go of a completed task.
    #[inline]
    pub(crate) fn disown(&self, task: &TaskRef) {
        let entry = self.table.borrow_mut().disown(task);
        drop(entry); // after the borrow ends: freeing a task may run user `Drop` code
    }

    /// A reference to every owned task.
    pub(crate) fn snapshot(&self) -> Vec<TaskRef> {
        self.table.borrow().snapshot()
    }
}
