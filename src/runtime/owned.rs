//! The loop's owned tasks: every task not yet complete, held strongly.
//!
//! A table of 8-byte slots (`Option<TaskRef>` is one pointer) plus a stack of free slot numbers;
//! a task records its slot in its header (`owned_slot`) so removal is O(1).

use crate::runtime::task::raw::TaskRef;

#[derive(Default)]
pub(crate) struct OwnedTasks {
    slots: Vec<Option<TaskRef>>,
    free: Vec<u32>,
}

impl OwnedTasks {
    /// Stores `task`, returning its slot.
    pub(crate) fn insert(&mut self, task: TaskRef) -> u32 {
        match self.free.pop() {
            Some(slot) => {
                debug_assert!(self.slots[slot as usize].is_none());
                self.slots[slot as usize] = Some(task);
                slot
            }
            None => {
                let slot = u32::try_from(self.slots.len())
                    .ok()
                    .filter(|&s| s < crate::runtime::core::AWAITING_ADOPTION)
                    .expect("more than 4 billion live tasks");
                self.slots.push(Some(task));
                slot
            }
        }
    }

    /// Takes the task out of `slot`.
    pub(crate) fn remove(&mut self, slot: u32) -> Option<TaskRef> {
        let task = self.slots.get_mut(slot as usize)?.take();
        if task.is_some() {
            self.free.push(slot);
        }
        task
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &TaskRef> {
        self.slots.iter().flatten()
    }
}
