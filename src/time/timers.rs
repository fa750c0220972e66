//! Pending timers: a binary heap of deadlines over a slab of slots, with O(1) cancellation.
//!
//! Each `Sleep` owns one slot from its first poll until it completes or is dropped. The heap
//! orders `(deadline, sequence)` so timers with the same deadline fire in the order they were
//! made. Cancelling leaves the heap entry in place and marks the slot; the slot is freed when the
//! entry reaches the top, or when cancelled entries outnumber live ones and the heap is rebuilt.
//! Memory per pending timer: a 24-byte heap entry and a slab slot holding its waker.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::task::Waker;

use slab::Slab;

/// A timer's slot in its loop's `Timers`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimerKey(u32);

pub(crate) struct Timers {
    heap: BinaryHeap<Reverse<Entry>>,
    slots: Slab<Slot>,
    next_seq: u64,
    /// Heap entries whose slot is `Cancelled`.
    cancelled: usize,
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    deadline: u64,
    seq: u64,
    key: u32,
}

enum Slot {
    /// Waiting in the heap; wakes this waker when due.
    Armed(Waker),
    /// Due and woken; the `Sleep` has not yet seen it.
    Fired,
    /// The `Sleep` is gone; the heap entry is still there.
    Cancelled,
}

/// Rebuild the heap when more than this many entries are cancelled and they outnumber the live.
const COMPACT_MIN: usize = 1024;

impl Timers {
    pub(crate) fn new() -> Timers {
        Timers {
            heap: BinaryHeap::new(),
            slots: Slab::new(),
            next_seq: 0,
            cancelled: 0,
        }
    }

    /// Arms a timer for `deadline` (in clock ticks) that wakes `waker`.
    pub(crate) fn insert(&mut self, deadline: u64, waker: Waker) -> TimerKey {
        let key = u32::try_from(self.slots.insert(Slot::Armed(waker)))
            .expect("more than 4 billion pending timers");
        self.heap.push(Reverse(Entry {
            deadline,
            seq: self.next_seq,
            key,
        }));
        self.next_seq += 1;
        TimerKey(key)
    }

    /// Replaces the waker of an armed timer, unless it would wake the same task.
    pub(crate) fn set_waker(&mut self, key: TimerKey, waker: &Waker) {
        if let Some(Slot::Armed(current)) = self.slots.get_mut(key.0 as usize) {
            if !current.will_wake(waker) {
                *current = waker.clone();
            }
        }
    }

    /// True (and the slot freed) if the timer has fired.
    pub(crate) fn take_fired(&mut self, key: TimerKey) -> bool {
        if let Some(Slot::Fired) = self.slots.get(key.0 as usize) {
            self.slots.remove(key.0 as usize);
            true
        } else {
            false
        }
    }

    /// The timer's `Sleep` is gone.
    pub(crate) fn cancel(&mut self, key: TimerKey) {
        match self.slots.get_mut(key.0 as usize) {
            Some(slot @ Slot::Armed(_)) => {
                *slot = Slot::Cancelled;
                self.cancelled += 1;
                if self.cancelled > COMPACT_MIN && self.cancelled * 2 > self.heap.len() {
                    self.compact();
                }
            }
            Some(Slot::Fired) => {
                self.slots.remove(key.0 as usize);
            }
            Some(Slot::Cancelled) | None => {}
        }
    }

    /// The earliest deadline still armed, dropping cancelled entries from the top.
    pub(crate) fn next_deadline(&mut self) -> Option<u64> {
        while let Some(Reverse(top)) = self.heap.peek() {
            if let Slot::Cancelled = self.slots[top.key as usize] {
                let key = top.key as usize;
                self.heap.pop();
                self.slots.remove(key);
                self.cancelled -= 1;
            } else {
                return Some(top.deadline);
            }
        }
        None
    }

    /// Fires every timer due at `now`, collecting their wakers (the caller wakes them, after
    /// releasing `self`).
    pub(crate) fn fire_until(&mut self, now: u64, fired: &mut Vec<Waker>) {
        while let Some(Reverse(top)) = self.heap.peek() {
            if top.deadline > now {
                break;
            }
            let key = top.key as usize;
            self.heap.pop();
            let slot = &mut self.slots[key];
            match std::mem::replace(slot, Slot::Fired) {
                Slot::Armed(waker) => fired.push(waker),
                Slot::Cancelled => {
                    self.slots.remove(key);
                    self.cancelled -= 1;
                }
                Slot::Fired => unreachable!("a timer is in the heap once"),
            }
        }
    }

    /// Number of armed timers.
    #[cfg(test)]
    pub(crate) fn armed(&self) -> usize {
        self.heap.len() - self.cancelled
    }

    /// Drops every timer (loop shutdown).
    pub(crate) fn clear(&mut self) {
        self.heap.clear();
        self.slots.clear();
        self.cancelled = 0;
    }

    fn compact(&mut self) {
        let slots = &mut self.slots;
        self.heap.retain(|Reverse(entry)| {
            if let Slot::Cancelled = slots[entry.key as usize] {
                slots.remove(entry.key as usize);
                false
            } else {
                true
            }
        });
        self.cancelled = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    struct Flag(usize, Arc<std::sync::Mutex<Vec<usize>>>);
    impl Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.1.lock().unwrap().push(self.0);
        }
    }

    fn waker(id: usize, log: &Arc<std::sync::Mutex<Vec<usize>>>) -> Waker {
        Waker::from(Arc::new(Flag(id, log.clone())))
    }

    #[test]
    fn equal_deadlines_fire_in_creation_order() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut timers = Timers::new();
        for id in 0..5 {
            timers.insert(if id == 2 { 5 } else { 10 }, waker(id, &log));
        }
        let mut fired = Vec::new();
        timers.fire_until(10, &mut fired);
        fired.into_iter().for_each(Waker::wake);
        assert_eq!(*log.lock().unwrap(), [2, 0, 1, 3, 4]);
    }

    #[test]
    fn cancelled_timers_do_not_fire_and_free_their_slot() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut timers = Timers::new();
        let a = timers.insert(10, waker(0, &log));
        let _b = timers.insert(20, waker(1, &log));
        timers.cancel(a);
        assert_eq!(timers.next_deadline(), Some(20));
        assert_eq!(timers.slots.len(), 1);
        let mut fired = Vec::new();
        timers.fire_until(100, &mut fired);
        assert_eq!(fired.len(), 1);
    }

    #[test]
    fn fired_timer_is_seen_once() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut timers = Timers::new();
        let a = timers.insert(10, waker(0, &log));
        assert!(!timers.take_fired(a));
        timers.fire_until(10, &mut Vec::new());
        assert!(timers.take_fired(a));
        assert_eq!(timers.slots.len(), 0);
    }

    #[test]
    fn many_cancellations_compact_the_heap() {
        let count = Arc::new(AtomicUsize::new(0));
        struct Count(Arc<AtomicUsize>);
        impl Wake for Count {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, Ordering::Relaxed);
            }
        }
        let w = Waker::from(Arc::new(Count(count.clone())));
        let mut timers = Timers::new();
        let keep = timers.insert(u64::MAX, w.clone());
        for i in 0..10_000 {
            let key = timers.insert(1_000_000 + i, w.clone());
            timers.cancel(key);
        }
        assert!(
            timers.heap.len() < 2 * COMPACT_MIN + 2,
            "heap kept {} entries",
            timers.heap.len()
        );
        assert_eq!(timers.armed(), 1);
        timers.cancel(keep);
    }
}
