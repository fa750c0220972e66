//! The loop's owned tasks: every task not yet complete, held strongly.
//!
//! A table of 8-byte slots (`Option<OwnedTask>` is one pointer) plus a stack of free slot
//! numbers; a task records its slot in its header (`OwnedTask::set_slot`) so removal is O(1).

use std::cell::RefCell;

use super::task::{OwnedTask, TaskRef, NOT_ADOPTABLE};

/// Loop thread only. Entries are released after the borrow ends: freeing a task may run user
/// `Drop` code.
#[derive(Default)]
pub(crate) struct OwnedTasks {
    table: RefCell<Table>,
}

#[derive(Default)]
struct Table {
    slots: Vec<Option<OwnedTask>>,
    free: Vec<u32>,
}

impl OwnedTasks {
    /// Keeps `task` until it completes.
    pub(crate) fn adopt(&self, task: OwnedTask) {
        let mut table = self.table.borrow_mut();
        let slot = match table.free.pop() {
            Some(slot) => slot,
            None => {
                let slot = u32::try_from(table.slots.len())
                    .ok()
                    .filter(|&s| s < NOT_ADOPTABLE)
                    .expect("more than 4 billion live tasks");
                table.slots.push(None);
                slot
            }
        };
        debug_assert!(table.slots[slot as usize].is_none());
        task.set_slot(slot);
        table.slots[slot as usize] = Some(task);
    }

    /// Lets go of a completed task.
    pub(crate) fn disown(&self, task: &TaskRef) {
        let Some(slot) = task.take_owned_slot() else {
            return;
        };
        let entry = {
            let mut table = self.table.borrow_mut();
            let entry = table.slots.get_mut(slot as usize).and_then(Option::take);
            if entry.is_some() {
                table.free.push(slot);
            }
            entry
        };
        drop(entry); // after the borrow ends: freeing a task may run user `Drop` code
    }

    /// A reference to every owned task.
    pub(crate) fn snapshot(&self) -> Vec<TaskRef> {
        let table = self.table.borrow();
        table
            .slots
            .iter()
            .flatten()
            .map(|t| t.to_task_ref())
            .collect()
    }
}
