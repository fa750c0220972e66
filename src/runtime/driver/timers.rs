//! Pending timers: a binary heap of deadlines over a table of slots, with O(1) cancellation.
//!
//! Each `Sleep` owns one slot from its first poll until it completes or is dropped. The heap
//! orders `(deadline, sequence)`, so timers with the same deadline fire in the order they were
//! made. Cancelling leaves the heap entry in place and marks the slot; the slot is freed when the
//! entry reaches the top, or when cancelled entries outnumber live ones and the heap is rebuilt.
//!
//! Memory per pending timer: a 16-byte heap entry and a 16-byte slot holding its waker. The
//! sequence number is 32 bits; when it wraps, the pending entries are renumbered in their current
//! order (once every four billion timers), so the FIFO tie-break stays exact.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::task::Waker;

/// A timer's slot in its loop's `Timers`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimerKey(u32);

impl TimerKey {
    /// The key as a plain number, for a holder that packs it (`Sleep`).
    pub(crate) fn to_bits(self) -> u32 {
        self.0
    }

    /// A key from [`to_bits`](Self::to_bits).
    pub(crate) fn from_bits(bits: u32) -> TimerKey {
        TimerKey(bits)
    }
}

pub(crate) struct Timers {
    heap: BinaryHeap<Reverse<Entry>>,
    slots: Vec<Slot>,
    /// Head of the free-slot list threaded through `Slot::Idle`, or `NONE`.
    free: u32,
    next_seq: u32,
    /// Heap entries whose slot is cancelled.
    cancelled: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    deadline: u64,
    seq: u32,
    key: u32,
}

/// A slot: 16 bytes, the waker's vtable pointer doubling as the tag.
enum Slot {
    /// Waiting in the heap; wakes this waker when due.
    Armed(Waker),
    /// `FIRED` (due and woken, the `Sleep` has not yet seen it), `CANCELLED` (the `Sleep` is
    /// gone, its heap entry is not), or free, holding the next free slot (or `NONE`).
    Idle(u32),
}

const NONE: u32 = u32::MAX;
const FIRED: u32 = u32::MAX - 1;
const CANCELLED: u32 = u32::MAX - 2;
/// Slot indices stay below the markers above.
const MAX_SLOTS: usize = (u32::MAX - 3) as usize;

/// Rebuild the heap when more than this many entries are cancelled and they outnumber the live.
const COMPACT_MIN: usize = 1024;

impl Timers {
    pub(crate) fn new() -> Timers {
        Timers {
            heap: BinaryHeap::new(),
            slots: Vec::new(),
            free: NONE,
            next_seq: 0,
            cancelled: 0,
        }
    }

    /// Arms a timer for `deadline` (in clock ticks) that wakes `waker`.
    pub(crate) fn insert(&mut self, deadline: u64, waker: Waker) -> TimerKey {
        let key = self.take_slot(Slot::Armed(waker));
        if self.next_seq == u32::MAX {
            self.renumber();
        }
        self.heap.push(Reverse(Entry {
            deadline,
            seq: self.next_seq,
            key,
        }));
        self.next_seq += 1;
        TimerKey(key)
    }

    /// Replaces the waker of an armed timer, unless it would wake the same task. Returns the
    /// waker it replaced: the caller drops it once it has released `self` (a waker's `drop` is
    /// user code, which may touch the timers).
    #[must_use = "drop the old waker after releasing the timers"]
    pub(crate) fn set_waker(&mut self, key: TimerKey, waker: &Waker) -> Option<Waker> {
        match self.slots.get_mut(key.0 as usize) {
            Some(Slot::Armed(current)) if !current.will_wake(waker) => {
                Some(std::mem::replace(current, waker.clone()))
            }
            _ => None,
        }
    }

    /// True (and the slot freed) if the timer has fired.
    pub(crate) fn take_fired(&mut self, key: TimerKey) -> bool {
        if let Some(Slot::Idle(FIRED)) = self.slots.get(key.0 as usize) {
            self.free_slot(key.0);
            true
        } else {
            false
        }
    }

    /// The timer's `Sleep` is gone. Returns the waker the timer held, for the caller to drop
    /// once it has released `self`.
    #[must_use = "drop the waker after releasing the timers"]
    pub(crate) fn cancel(&mut self, key: TimerKey) -> Option<Waker> {
        match self.slots.get_mut(key.0 as usize) {
            Some(slot @ Slot::Armed(_)) => {
                let Slot::Armed(waker) = std::mem::replace(slot, Slot::Idle(CANCELLED)) else {
                    unreachable!("matched as armed")
                };
                self.cancelled += 1;
                if self.cancelled > COMPACT_MIN && self.cancelled * 2 > self.heap.len() {
                    self.compact();
                }
                Some(waker)
            }
            Some(Slot::Idle(FIRED)) => {
                self.free_slot(key.0);
                None
            }
            Some(Slot::Idle(_)) | None => None,
        }
    }

    /// The earliest deadline still armed, dropping cancelled entries from the top.
    pub(crate) fn next_deadline(&mut self) -> Option<u64> {
        while let Some(&Reverse(top)) = self.heap.peek() {
            if self.is_cancelled(top.key) {
                self.heap.pop();
                self.free_slot(top.key);
                self.cancelled -= 1;
            } else {
                return Some(top.deadline);
            }
        }
        None
    }

    /// Fires the timers due at `now`, earliest first, until `fired` holds `limit` wakers;
    /// returns whether due timers are left. The caller wakes the wakers after releasing `self`.
    pub(crate) fn fire_until(&mut self, now: u64, fired: &mut Vec<Waker>, limit: usize) -> bool {
        while let Some(&Reverse(top)) = self.heap.peek() {
            if top.deadline > now {
                return false;
            }
            if fired.len() >= limit {
                return true;
            }
            self.heap.pop();
            let slot = &mut self.slots[top.key as usize];
            match std::mem::replace(slot, Slot::Idle(FIRED)) {
                Slot::Armed(waker) => fired.push(waker),
                Slot::Idle(CANCELLED) => {
                    self.free_slot(top.key);
                    self.cancelled -= 1;
                }
                Slot::Idle(_) => {
                    unreachable!("a timer is in the heap once, while armed or cancelled")
                }
            }
        }
        false
    }

    /// Number of armed timers.
    pub(crate) fn armed(&self) -> usize {
        self.heap.len() - self.cancelled
    }

    /// Forgets every timer (loop shutdown) and returns the wakers they held, for the caller to
    /// drop once it has released `self`.
    pub(crate) fn clear(&mut self) -> Vec<Waker> {
        let old = std::mem::replace(self, Timers::new());
        old.slots
            .into_iter()
            .filter_map(|slot| match slot {
                Slot::Armed(waker) => Some(waker),
                Slot::Idle(_) => None,
            })
            .collect()
    }

    fn is_cancelled(&self, key: u32) -> bool {
        matches!(self.slots[key as usize], Slot::Idle(CANCELLED))
    }

    fn take_slot(&mut self, slot: Slot) -> u32 {
        if self.free == NONE {
            assert!(self.slots.len() < MAX_SLOTS, "too many pending timers");
            self.slots.push(slot);
            (self.slots.len() - 1) as u32
        } else {
            let key = self.free;
            match std::mem::replace(&mut self.slots[key as usize], slot) {
                Slot::Idle(next) => self.free = next,
                Slot::Armed(_) => unreachable!("the free list holds idle slots"),
            }
            key
        }
    }

    fn free_slot(&mut self, key: u32) {
        self.slots[key as usize] = Slot::Idle(self.free);
        self.free = key;
    }

    fn compact(&mut self) {
        let mut entries = std::mem::take(&mut self.heap).into_vec();
        entries.retain(|Reverse(entry)| {
            if self.is_cancelled(entry.key) {
                self.free_slot(entry.key);
                false
            } else {
                true
            }
        });
        self.heap = BinaryHeap::from(entries);
        self.cancelled = 0;
    }

    /// Gives the pending entries sequence numbers 0.. in their current order.
    fn renumber(&mut self) {
        let mut entries = std::mem::take(&mut self.heap).into_sorted_vec();
        // Sorted by `Reverse`, so descending in (deadline, seq): number from the back.
        let n = entries.len() as u32;
        for (i, Reverse(entry)) in entries.iter_mut().enumerate() {
            entry.seq = n - 1 - i as u32;
        }
        self.next_seq = n;
        self.heap = BinaryHeap::from(entries);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::task::Wake;

    struct Flag(usize, Arc<Mutex<Vec<usize>>>);
    impl Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.1.lock().unwrap().push(self.0);
        }
    }

    fn waker(id: usize, log: &Arc<Mutex<Vec<usize>>>) -> Waker {
        Waker::from(Arc::new(Flag(id, log.clone())))
    }

    fn fire(timers: &mut Timers, now: u64) {
        let mut fired = Vec::new();
        assert!(!timers.fire_until(now, &mut fired, usize::MAX));
        fired.into_iter().for_each(Waker::wake);
    }

    #[test]
    fn a_batch_stops_at_its_limit_and_the_next_one_goes_on_in_deadline_order() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut timers = Timers::new();
        for id in [3, 1, 2, 0] {
            timers.insert(id as u64, waker(id, &log));
        }
        let mut fired = Vec::new();
        assert!(timers.fire_until(10, &mut fired, 3), "one timer is left");
        fired.drain(..).for_each(Waker::wake);
        assert!(!timers.fire_until(10, &mut fired, 3));
        fired.drain(..).for_each(Waker::wake);
        assert_eq!(*log.lock().unwrap(), [0, 1, 2, 3]);
    }

    #[test]
    fn slots_and_entries_are_sixteen_bytes() {
        assert_eq!(std::mem::size_of::<Slot>(), 16);
        assert_eq!(std::mem::size_of::<Reverse<Entry>>(), 16);
    }

    #[test]
    fn equal_deadlines_fire_in_creation_order() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut timers = Timers::new();
        for id in 0..5 {
            timers.insert(if id == 2 { 5 } else { 10 }, waker(id, &log));
        }
        fire(&mut timers, 10);
        assert_eq!(*log.lock().unwrap(), [2, 0, 1, 3, 4]);
    }

    #[test]
    fn creation_order_survives_the_sequence_number_wrapping() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut timers = Timers::new();
        timers.next_seq = u32::MAX - 2;
        for id in 0..6 {
            timers.insert(10, waker(id, &log));
        }
        fire(&mut timers, 10);
        assert_eq!(*log.lock().unwrap(), [0, 1, 2, 3, 4, 5]);
        assert!(timers.next_seq < 10, "renumbered from zero");
    }

    #[test]
    fn cancelled_timers_do_not_fire_and_free_their_slot() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut timers = Timers::new();
        let a = timers.insert(10, waker(0, &log));
        let _b = timers.insert(20, waker(1, &log));
        assert!(timers.cancel(a).is_some(), "cancel hands the waker back");
        assert_eq!(timers.next_deadline(), Some(20));
        assert_eq!(timers.free, a.0, "a's slot is free again");
        let c = timers.insert(30, waker(2, &log));
        assert_eq!(c, a, "and reused");
        fire(&mut timers, 100);
        assert_eq!(*log.lock().unwrap(), [1, 2]);
    }

    #[test]
    fn fired_timer_is_seen_once() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut timers = Timers::new();
        let a = timers.insert(10, waker(0, &log));
        assert!(!timers.take_fired(a));
        fire(&mut timers, 10);
        assert!(timers.take_fired(a));
        assert!(!timers.take_fired(a));
        assert_eq!(timers.free, a.0);
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
        let n = if cfg!(miri) { 3_000 } else { 10_000 };
        for i in 0..n {
            let key = timers.insert(1_000_000 + i, w.clone());
            drop(timers.cancel(key));
        }
        assert!(
            timers.heap.len() < 2 * COMPACT_MIN + 2,
            "heap kept {} entries",
            timers.heap.len()
        );
        assert!(timers.slots.len() < 2 * COMPACT_MIN + 2, "slots are reused");
        assert_eq!(timers.armed(), 1);
        drop(timers.cancel(keep));
    }
}
