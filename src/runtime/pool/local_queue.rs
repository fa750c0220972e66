//! A worker's own run queue: a bounded ring its owner pushes to and pops from without waiting,
//! and that other workers steal half of at a time (after tokio's multi-thread `queue.rs`).
//!
//! # The protocol
//!
//! Positions are `u32` counters that only grow (wrapping); a position's slot is
//! `position % LOCAL_QUEUE_CAPACITY`. The queue holds the items at positions `real..tail`.
//!
//! - `tail` is written only by the owner ([`Local`]): it writes an item into the slot at `tail`,
//!   then publishes it with a `Release` store of `tail + 1`. Readers load it with `Acquire`.
//! - `head` packs two positions in one `AtomicU64`, changed only by compare-and-swap:
//!   - `real`, the next item to hand out. The owner's `pop` moves it by one; a thief
//!     moves it past the whole batch it steals, *claiming* that batch in one step.
//!   - `steal`, the first slot a thief is still copying out of. It equals `real` except while a
//!     steal is in progress, and the owner counts free room from it, so it never writes over a
//!     slot a thief still reads. At most one thief runs at a time: a thief that finds
//!     `steal != real` gives up (the other one is already taking half).
//!
//! Because a claim is a compare-and-swap on `head`, an item is handed out exactly once: by the
//! owner's `pop`, by one thief's claim, or by the owner's overflow, which claims everything at
//! once. The positions are `u32` although a slot index needs 8 bits so that a stale `head` a
//! thief read cannot match again after the queue went round (ABA): that takes 2³² operations
//! between the thief's load and its compare-and-swap.
//!
//! # Overflow
//!
//! A push into a full queue moves the newer half, plus the new item, out in one batch
//! ([`Overflow`], an iterator over the ring's slots: no allocation) that the caller hands to the
//! [`Injector`](super::injector::Injector) under one lock. The older half stays, so the owner
//! keeps running what has waited longest. If a thief is mid-steal the queue is about to have room,
//! so only the new item overflows.
//!
//! # Drop
//!
//! The pool drains its queues (and releases every item the way items must be released) before
//! it drops them. Items still queued when the last handle goes are dropped there, once each, on
//! whatever thread that is: a safety net, not the shutdown path.

use std::cell::Cell;
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::ptr;

use crate::loom::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};
use crate::loom::atomic::{AtomicU32, AtomicU64};
use crate::loom::{Arc, UnsafeCell};

/// How many items a worker's queue holds before it overflows into the injector.
///
/// Under loom it is 4, so a model fills the queue, overflows and wraps round in a handful of
/// steps (the protocol does not depend on the size, only on it being a power of two).
#[cfg(not(baton_loom))]
pub(crate) const LOCAL_QUEUE_CAPACITY: usize = 256;
#[cfg(baton_loom)]
pub(crate) const LOCAL_QUEUE_CAPACITY: usize = 4;

const _: () = assert!(LOCAL_QUEUE_CAPACITY.is_power_of_two() && LOCAL_QUEUE_CAPACITY >= 2);

const CAPACITY: u32 = LOCAL_QUEUE_CAPACITY as u32;
/// What an overflow moves out and the most a steal takes.
const HALF: u32 = CAPACITY / 2;
const MASK: usize = LOCAL_QUEUE_CAPACITY - 1;

type Slot<T> = UnsafeCell<MaybeUninit<T>>;

struct Inner<T> {
    /// `(steal, real)`: see the module docs.
    head: AtomicU64,
    /// One past the last item; only the owner stores it.
    tail: AtomicU32,
    buffer: Box<[Slot<T>; LOCAL_QUEUE_CAPACITY]>,
}

// SAFETY: items are only ever moved in and out of the slots, never shared by reference, so a
// `T: Send` is all another thread needs; the protocol (module docs) gives each slot one
// accessor at a time, ordered by `head` and `tail`.
unsafe impl<T: Send> Sync for Inner<T> {}

/// The owner's end of a worker's queue: push, pop, and the room to steal into. `Send` (a pool
/// may build it on one thread and run it on another) but not `Sync`: one thread at a time.
pub(crate) struct Local<T> {
    inner: Arc<Inner<T>>,
    _not_sync: PhantomData<Cell<()>>,
}

/// Another worker's end of the queue: steals half of it. Cloned once per other worker.
pub(crate) struct Steal<T>(Arc<Inner<T>>);

/// A new empty queue: the owner's end and the thieves' end.
pub(crate) fn local<T>() -> (Local<T>, Steal<T>) {
    local_at(0)
}

/// A new empty queue whose positions start at `start` (tests start them just short of
/// `u32::MAX` to cross the wrap).
fn local_at<T>(start: u32) -> (Local<T>, Steal<T>) {
    let slots: Box<[Slot<T>]> = (0..LOCAL_QUEUE_CAPACITY)
        .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
        .collect();
    let Ok(buffer) = slots.try_into() else {
        unreachable!("built with LOCAL_QUEUE_CAPACITY slots")
    };
    let inner = Arc::new(Inner {
        head: AtomicU64::new(pack(start, start)),
        tail: AtomicU32::new(start),
        buffer,
    });
    let local = Local {
        inner: inner.clone(),
        _not_sync: PhantomData,
    };
    (local, Steal(inner))
}

impl<T> Inner<T> {
    /// Moves the item at `pos` out of its slot.
    ///
    /// # Safety
    /// The caller has claimed `pos` (through `head`, or as the owner of an unpublished
    /// position), its slot holds an item, and nothing reads it again until it is rewritten.
    unsafe fn take(&self, pos: u32) -> T {
        self.buffer[pos as usize & MASK].with(|slot| {
            // SAFETY: the caller's claim makes this the one read of an initialised slot.
            unsafe { ptr::read(slot).assume_init() }
        })
    }

    /// Writes `item` into the slot at `pos`, which is not published yet.
    ///
    /// # Safety
    /// Only the queue's owner writes, and only at a position from `tail` up to `steal +
    /// LOCAL_QUEUE_CAPACITY`: no thief reads that slot any more and none can claim it until a
    /// `Release` store of `tail` publishes it.
    unsafe fn put(&self, pos: u32, item: T) {
        self.buffer[pos as usize & MASK].with_mut(|slot| {
            // SAFETY: the caller's guarantee makes this access exclusive; the slot's previous
            // item, if any, was moved out already (`MaybeUninit` never drops it).
            unsafe { ptr::write(slot, MaybeUninit::new(item)) }
        })
    }
}

impl<T> Drop for Inner<T> {
    fn drop(&mut self) {
        // `&mut self`: the last `Arc` went away, which ordered every other handle's accesses
        // before this, so relaxed loads read the final positions; no steal is in progress.
        let (_, real) = unpack(self.head.load(Relaxed));
        let tail = self.tail.load(Relaxed);
        let mut pos = real;
        while pos != tail {
            // SAFETY: `real..tail` are the queued items, nobody else is left to claim them, and
            // each position is taken once.
            drop(unsafe { self.take(pos) });
            pos = pos.wrapping_add(1);
        }
    }
}

impl<T> Local<T> {
    /// The owner's `tail`: it is the only writer, so a relaxed load reads its own last store
    /// (a `Local` moved to another thread got there through a synchronising hand-off).
    fn tail(&self) -> u32 {
        self.inner.tail.load(Relaxed)
    }

    /// Items this queue holds for its owner to pop.
    pub(crate) fn len(&self) -> usize {
        let (_, real) = unpack(self.inner.head.load(Acquire));
        self.tail().wrapping_sub(real) as usize
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many pushes fit before an overflow. Slots a thief is still copying out of count as
    /// taken, so this may grow by itself but never shrinks under a `&mut self` borrow.
    pub(crate) fn remaining_slots(&self) -> usize {
        let (steal, _) = unpack(self.inner.head.load(Acquire));
        LOCAL_QUEUE_CAPACITY - self.tail().wrapping_sub(steal) as usize
    }

    /// Pushes `item` at the back. If the queue is full, returns the batch that must leave it
    /// instead: the newer half of the queue followed by `item`, in queue order (or only `item`
    /// while a steal is making room). The batch borrows the queue until it is used up or
    /// dropped; dropping it drops the items it still holds.
    #[must_use = "an overflow batch holds items: hand it to the injector"]
    pub(crate) fn push_back(&mut self, item: T) -> Option<Overflow<'_, T>> {
        let tail = self.tail();
        let mut head = self.inner.head.load(Acquire);
        let real = loop {
            let (steal, real) = unpack(head);
            if tail.wrapping_sub(steal) < CAPACITY {
                // SAFETY: `tail` is below `steal + CAPACITY`, and the `Acquire` load of `head`
                // ordered the last thief's reads of this slot before this write.
                unsafe { self.inner.put(tail, item) };
                self.inner.tail.store(tail.wrapping_add(1), Release);
                return None;
            }
            if steal != real {
                return Some(Overflow::just(&self.inner, item));
            }
            // Full and no thief: claim every item at once. A failed swap means a thief or
            // nobody (spuriously) moved `head`: look again, there may be room now.
            match self
                .inner
                .head
                .compare_exchange_weak(head, pack(tail, tail), AcqRel, Acquire)
            {
                Ok(_) => break real,
                Err(actual) => head = actual,
            }
        };
        // Give the older half back by moving `tail` on one lap: positions `tail..tail + HALF`
        // are the slots of `real..real + HALF`, which still hold those items. A thief that
        // looked in between saw an empty queue; the pool wakes it for the batch anyway.
        self.inner.tail.store(tail.wrapping_add(HALF), Release);
        Some(Overflow {
            inner: &self.inner,
            next: real.wrapping_add(HALF),
            end: tail,
            item: Some(item),
        })
    }

    /// Pops the oldest item.
    pub(crate) fn pop(&mut self) -> Option<T> {
        let tail = self.tail();
        let mut head = self.inner.head.load(Acquire);
        let real = loop {
            let (steal, real) = unpack(head);
            if real == tail {
                return None;
            }
            let next_real = real.wrapping_add(1);
            // A thief mid-copy keeps its `steal` position, so the owner's pushes stay clear of
            // the slots it reads.
            let next = if steal == real {
                pack(next_real, next_real)
            } else {
                pack(steal, next_real)
            };
            match self
                .inner
                .head
                .compare_exchange_weak(head, next, AcqRel, Acquire)
            {
                Ok(_) => break real,
                Err(actual) => head = actual,
            }
        };
        // SAFETY: the swap moved `real` past this position, so no thief can claim it; it is
        // below `tail`, so it holds an item, which we (the only writer) put there.
        Some(unsafe { self.inner.take(real) })
    }

    /// Appends `items`, which must fit in [`remaining_slots`](Self::remaining_slots), and
    /// publishes them with one store (the injector refills a queue this way).
    pub(super) fn push_back_fitting(&mut self, items: impl ExactSizeIterator<Item = T>) {
        assert!(items.len() <= self.remaining_slots(), "batch overflows");
        let start = self.tail();
        let mut tail = start;
        for item in items {
            // SAFETY: the assertion put every position from `tail` on below `steal +
            // CAPACITY` (room only grows while we hold `&mut self`); `remaining_slots` loaded
            // `head` with `Acquire`, ordering thieves' reads of these slots before the writes.
            unsafe { self.inner.put(tail, item) };
            tail = tail.wrapping_add(1);
        }
        if tail != start {
            self.inner.tail.store(tail, Release);
        }
    }
}

impl<T> Steal<T> {
    /// Items in the queue: a racy snapshot, at most the capacity.
    pub(crate) fn len(&self) -> usize {
        let (_, real) = unpack(self.0.head.load(Acquire));
        let tail = self.0.tail.load(Acquire);
        // `head` first: `tail` only grows after it, so the difference is never "negative";
        // it can exceed the capacity if the owner raced ahead in between.
        (tail.wrapping_sub(real) as usize).min(LOCAL_QUEUE_CAPACITY)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Steals half of this queue's items (rounded up) into `dst`, and returns the oldest of them
    /// to run at once. `None` if there is nothing to steal, another thief is at work here, or
    /// `dst` has less than half its capacity free.
    pub(crate) fn steal_into(&self, dst: &mut Local<T>) -> Option<T> {
        debug_assert!(
            !Arc::ptr_eq(&self.0, &dst.inner),
            "a worker steals from its own queue"
        );
        if dst.remaining_slots() < HALF as usize {
            return None;
        }
        let (first, n) = self.claim()?;
        // SAFETY: `claim` gave us `first..first + n` alone: the owner cannot reuse those slots
        // until `release` moves `steal` past them.
        let next = unsafe { self.0.take(first) };
        let dst_tail = dst.tail();
        for i in 1..n {
            // SAFETY: as above for the read; the write goes to an unpublished position of
            // `dst` within its room (`n - 1 < HALF <= remaining_slots`), and we hold `dst`.
            unsafe {
                let item = self.0.take(first.wrapping_add(i));
                dst.inner.put(dst_tail.wrapping_add(i - 1), item);
            }
        }
        self.release(first, first.wrapping_add(n));
        if n > 1 {
            dst.inner.tail.store(dst_tail.wrapping_add(n - 1), Release);
        }
        Some(next)
    }

    /// Claims half of the items (rounded up) by moving `real` past them, `steal` staying on the
    /// first: returns that first position and the count.
    fn claim(&self) -> Option<(u32, u32)> {
        let mut head = self.0.head.load(Acquire);
        loop {
            let (steal, real) = unpack(head);
            if steal != real {
                return None;
            }
            // Loaded after `head`, so `tail - real` is a true count if `head` is unchanged at
            // the swap below (positions do not repeat within 2³² operations).
            let tail = self.0.tail.load(Acquire);
            let available = tail.wrapping_sub(real);
            let n = available - available / 2;
            if n == 0 {
                return None;
            }
            match self.0.head.compare_exchange_weak(
                head,
                pack(steal, real.wrapping_add(n)),
                AcqRel,
                Acquire,
            ) {
                Ok(_) => {
                    debug_assert!(n <= HALF, "claimed {n} of a queue of {CAPACITY}");
                    return Some((real, n));
                }
                Err(actual) => head = actual,
            }
        }
    }

    /// Ends the steal of `first..claimed_to`: `steal` catches up with `real` (which the owner
    /// may have moved on meanwhile), handing the copied-out slots back to the owner. The
    /// `Release` half orders our reads of them before the owner's next writes.
    fn release(&self, first: u32, claimed_to: u32) {
        // First guess: the owner has not popped since the claim; a failed swap says otherwise.
        let mut head = pack(first, claimed_to);
        loop {
            let (_, real) = unpack(head);
            match self
                .0
                .head
                .compare_exchange_weak(head, pack(real, real), AcqRel, Acquire)
            {
                Ok(_) => return,
                Err(actual) => head = actual,
            }
        }
    }
}

impl<T> Clone for Steal<T> {
    fn clone(&self) -> Steal<T> {
        Steal(self.0.clone())
    }
}

/// The batch an overflowing [`Local::push_back`] moves out: an iterator over the slots it
/// claimed, then the pushed item. It borrows the queue, so the owner cannot push over those
/// slots before the batch is used up; dropping it drops what is left.
pub(crate) struct Overflow<'a, T> {
    inner: &'a Inner<T>,
    next: u32,
    end: u32,
    item: Option<T>,
}

impl<'a, T> Overflow<'a, T> {
    /// A batch of the pushed item alone.
    fn just(inner: &'a Inner<T>, item: T) -> Overflow<'a, T> {
        Overflow {
            inner,
            next: 0,
            end: 0,
            item: Some(item),
        }
    }
}

impl<T> Iterator for Overflow<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        if self.next == self.end {
            return self.item.take();
        }
        let pos = self.next;
        self.next = pos.wrapping_add(1);
        // SAFETY: the overflow's swap claimed `next..end`; each position is read once (`next`
        // moves on) and the borrow of the `Local` keeps the owner from rewriting the slot.
        Some(unsafe { self.inner.take(pos) })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.end.wrapping_sub(self.next) as usize + usize::from(self.item.is_some());
        (n, Some(n))
    }
}

impl<T> ExactSizeIterator for Overflow<'_, T> {}

impl<T> Drop for Overflow<'_, T> {
    fn drop(&mut self) {
        // Each claimed slot is read exactly once, here if the caller did not: not reading them
        // would leak their items.
        self.for_each(drop);
    }
}

fn pack(steal: u32, real: u32) -> u64 {
    (u64::from(steal) << 32) | u64::from(real)
}

/// `(steal, real)`.
fn unpack(head: u64) -> (u32, u32) {
    ((head >> 32) as u32, head as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::pool::injector::Injector;
    use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering::SeqCst};
    use std::time::Duration;

    const CAP: usize = LOCAL_QUEUE_CAPACITY;
    const HALF_CAP: usize = CAP / 2;

    fn drain<T>(q: &mut Local<T>) -> Vec<T> {
        std::iter::from_fn(|| q.pop()).collect()
    }

    fn fill(q: &mut Local<usize>, items: std::ops::Range<usize>) {
        for i in items {
            assert!(q.push_back(i).is_none(), "overflow at {i}");
        }
    }

    /// Counts its drops in a shared counter.
    struct Counted(std::sync::Arc<AtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    #[test]
    fn the_ends_cross_threads_as_a_pool_needs() {
        fn send<S: Send>() {}
        fn send_sync<S: Send + Sync>() {}
        send::<Local<String>>();
        send_sync::<Steal<String>>();
        send_sync::<Injector<String>>();
    }

    #[test]
    fn pops_in_push_order_and_counts_room() {
        let (mut q, steal) = local();
        assert!(q.is_empty() && steal.is_empty());
        assert_eq!(q.remaining_slots(), CAP);
        fill(&mut q, 0..CAP);
        assert_eq!((q.len(), steal.len(), q.remaining_slots()), (CAP, CAP, 0));
        assert_eq!(q.pop(), Some(0));
        assert_eq!(q.remaining_slots(), 1);
        assert_eq!(drain(&mut q), (1..CAP).collect::<Vec<_>>());
        assert!(q.pop().is_none());
        assert!(q.is_empty() && steal.is_empty());
    }

    #[test]
    fn a_full_queue_overflows_its_newer_half_then_the_item_in_order() {
        let (mut q, _steal) = local();
        fill(&mut q, 0..CAP);
        let batch = q.push_back(CAP).expect("a full queue overflows");
        assert_eq!(batch.len(), HALF_CAP + 1);
        assert_eq!(
            batch.collect::<Vec<_>>(),
            (HALF_CAP..=CAP).collect::<Vec<_>>()
        );
        // The older half stays, in order, and the freed room takes pushes again.
        assert_eq!((q.len(), q.remaining_slots()), (HALF_CAP, CAP - HALF_CAP));
        fill(&mut q, 1000..1000 + CAP - HALF_CAP);
        let mut expected: Vec<usize> = (0..HALF_CAP).collect();
        expected.extend(1000..1000 + CAP - HALF_CAP);
        assert_eq!(drain(&mut q), expected);
    }

    #[test]
    fn a_full_queue_mid_steal_overflows_the_item_alone() {
        let (mut q, steal) = local();
        fill(&mut q, 0..CAP);
        // A thief between its claim and its release: its slots are not free yet.
        let (first, n) = steal.claim().unwrap();
        assert_eq!((first, n as usize), (0, HALF_CAP));
        assert_eq!(q.push_back(CAP).unwrap().collect::<Vec<_>>(), [CAP]);
        // SAFETY: claimed above; read once each.
        let stolen: Vec<usize> = (0..n).map(|i| unsafe { steal.0.take(first + i) }).collect();
        steal.release(first, first + n);
        assert_eq!(stolen, (0..HALF_CAP).collect::<Vec<_>>());
        assert_eq!(q.remaining_slots(), HALF_CAP);
        assert!(q.push_back(CAP + 1).is_none());
        let mut expected: Vec<usize> = (HALF_CAP..CAP).collect();
        expected.push(CAP + 1);
        assert_eq!(drain(&mut q), expected);
    }

    #[test]
    fn an_overflow_batch_dropped_half_read_drops_the_rest_once() {
        let drops = std::sync::Arc::new(AtomicUsize::new(0));
        let (mut q, steal) = local();
        for _ in 0..CAP {
            assert!(q.push_back(Counted(drops.clone())).is_none());
        }
        let mut batch = q.push_back(Counted(drops.clone())).unwrap();
        drop(batch.next());
        assert_eq!(drops.load(SeqCst), 1);
        drop(batch);
        assert_eq!(drops.load(SeqCst), HALF_CAP + 1);
        drop((q, steal));
        assert_eq!(drops.load(SeqCst), CAP + 1);
    }

    #[test]
    fn a_steal_takes_the_older_half_rounded_up_and_returns_the_oldest() {
        let (mut src, steal) = local();
        let (mut dst, _) = local();
        fill(&mut src, 0..5);
        assert_eq!(steal.steal_into(&mut dst), Some(0));
        assert_eq!(drain(&mut dst), [1, 2]);
        assert_eq!(drain(&mut src), [3, 4]);
        // A single item is returned without touching `dst`.
        fill(&mut src, 7..8);
        assert_eq!(steal.steal_into(&mut dst), Some(7));
        assert!(dst.is_empty() && src.is_empty());
    }

    #[test]
    fn stealing_from_an_empty_queue_finds_nothing() {
        let (_src, steal) = local::<usize>();
        let (mut dst, _) = local();
        assert_eq!(steal.steal_into(&mut dst), None);
        assert!(dst.is_empty());
        assert_eq!(dst.remaining_slots(), CAP);
    }

    #[test]
    fn a_steal_needs_half_the_destination_free() {
        let (mut src, steal) = local();
        let (mut dst, _) = local();
        fill(&mut src, 0..CAP);
        fill(&mut dst, 0..HALF_CAP + 1);
        assert_eq!(steal.steal_into(&mut dst), None);
        assert_eq!((src.len(), dst.len()), (CAP, HALF_CAP + 1));
        dst.pop();
        // Exactly half free: a full source's half fits (one returned, the rest queued).
        assert_eq!(steal.steal_into(&mut dst), Some(0));
        assert_eq!((src.len(), dst.len()), (HALF_CAP, CAP - 1));
    }

    #[test]
    fn positions_wrap_past_u32_max() {
        let laps = if cfg!(miri) { 2 } else { 8 };
        let start = u32::MAX - CAPACITY / 2;
        let (mut q, steal) = local_at(start);
        let (mut dst, dst_steal) = local_at(u32::MAX - 1);
        let mut next = 0;
        let mut seen = Vec::new();
        for _ in 0..laps {
            // Fill past capacity (one overflow), steal, pop: every path crosses the wrap.
            for _ in 0..CAP + 1 {
                if let Some(batch) = q.push_back(next) {
                    seen.extend(batch);
                }
                next += 1;
            }
            seen.extend(steal.steal_into(&mut dst));
            seen.extend(
                dst_steal
                    .steal_into(&mut q)
                    .into_iter()
                    .chain(drain(&mut dst)),
            );
            seen.extend(drain(&mut q));
            assert!(q.is_empty() && steal.is_empty());
        }
        seen.sort_unstable();
        assert_eq!(seen, (0..next).collect::<Vec<_>>());
    }

    #[test]
    fn dropping_a_non_empty_queue_drops_each_item_once() {
        let drops = std::sync::Arc::new(AtomicUsize::new(0));
        let (mut q, steal) = local_at(u32::MAX - 2);
        let (mut dst, _) = local();
        for _ in 0..6 {
            assert!(q.push_back(Counted(drops.clone())).is_none());
        }
        drop(q.pop());
        drop(steal.steal_into(&mut dst)); // takes 3: one dropped here, two queued in `dst`
        assert_eq!(drops.load(SeqCst), 2);
        drop(q);
        assert_eq!(drops.load(SeqCst), 2, "the thieves' handle keeps the queue");
        drop(steal);
        assert_eq!(drops.load(SeqCst), 4);
        drop(dst);
        assert_eq!(drops.load(SeqCst), 6);
    }

    /// Runs `f` on a thread and fails the test if it takes longer than `limit`.
    fn bounded<R: Send + 'static>(limit: Duration, f: impl FnOnce() -> R + Send + 'static) -> R {
        let (tx, rx) = std::sync::mpsc::channel();
        let worker = std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        match rx.recv_timeout(limit) {
            Ok(value) => {
                worker.join().unwrap();
                value
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                std::panic::resume_unwind(worker.join().unwrap_err())
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("hung for {limit:?}"),
        }
    }

    /// One owner pushing (overflowing into an injector) and popping while `thieves` steal and
    /// refill from the injector: every item is seen exactly once.
    fn owner_and_thieves(items: usize, thieves: usize) {
        let seen: std::sync::Arc<Vec<AtomicU8>> =
            std::sync::Arc::new((0..items).map(|_| AtomicU8::new(0)).collect());
        let see = |seen: &[AtomicU8], i: usize| {
            assert_eq!(seen[i].fetch_add(1, SeqCst), 0, "item {i} seen twice");
        };
        let injector = std::sync::Arc::new(Injector::new());
        let done = std::sync::Arc::new(AtomicBool::new(false));
        let (mut owner, steal) = local::<usize>();
        let handles: Vec<_> = (0..thieves)
            .map(|_| {
                let (steal, injector) = (steal.clone(), injector.clone());
                let (seen, done) = (seen.clone(), done.clone());
                std::thread::spawn(move || {
                    let (mut mine, _) = local();
                    loop {
                        let first = steal
                            .steal_into(&mut mine)
                            .or_else(|| injector.pop_into(&mut mine, 8));
                        match first {
                            Some(i) => {
                                see(&seen, i);
                                drain(&mut mine).into_iter().for_each(|i| see(&seen, i));
                            }
                            None if done.load(SeqCst) => break,
                            None => std::thread::yield_now(),
                        }
                    }
                })
            })
            .collect();
        for i in 0..items {
            if let Some(batch) = owner.push_back(i) {
                assert!(injector.push_batch(batch).is_ok());
            }
            if i % 3 == 0 {
                owner.pop().into_iter().for_each(|i| see(&seen, i));
            }
        }
        done.store(true, SeqCst);
        drain(&mut owner).into_iter().for_each(|i| see(&seen, i));
        for h in handles {
            h.join().unwrap();
        }
        std::iter::from_fn(|| injector.pop()).for_each(|i| see(&seen, i));
        let missing: Vec<usize> = (0..items).filter(|&i| seen[i].load(SeqCst) != 1).collect();
        assert!(missing.is_empty(), "{} items never seen", missing.len());
    }

    #[test]
    #[cfg_attr(miri, ignore)]
    fn a_million_items_past_three_thieves_are_each_seen_once() {
        bounded(Duration::from_secs(120), || owner_and_thieves(1_000_000, 3));
    }

    /// The same race, small enough for Miri's data-race detector.
    #[test]
    fn items_past_a_thief_are_each_seen_once() {
        let items = if cfg!(miri) { 600 } else { 20_000 };
        bounded(Duration::from_secs(300), move || {
            owner_and_thieves(items, 1)
        });
    }
}

/// Loom models, at the loom capacity of 4 (two items make half a queue, so a handful of pushes
/// reach every branch: a steal in progress, a full queue, an overflow). Each checks that every
/// item comes out exactly once; loom's cells fail any model where a slot is written while
/// another thread may still read it. Run with `scripts/loom.sh runtime::pool::local_queue`.
#[cfg(all(test, baton_loom))]
mod loom_models {
    use super::*;
    use loom::thread;

    /// A thief's steal, drained into its own queue.
    fn thief(steal: Steal<usize>) -> thread::JoinHandle<Vec<usize>> {
        thread::spawn(move || {
            let (mut mine, _) = local();
            let first = steal.steal_into(&mut mine);
            first
                .into_iter()
                .chain(std::iter::from_fn(|| mine.pop()))
                .collect()
        })
    }

    fn assert_each_once(mut seen: Vec<usize>, items: usize) {
        seen.sort_unstable();
        assert_eq!(seen, (0..items).collect::<Vec<_>>());
    }

    /// The owner pushing and popping while a thief steals.
    #[test]
    fn owner_push_and_pop_racing_a_thief_hand_out_each_item_once() {
        loom::model(|| {
            let (mut owner, steal) = local();
            assert!(owner.push_back(0).is_none());
            let thief = thief(steal);
            assert!(owner.push_back(1).is_none());
            assert!(owner.push_back(2).is_none());
            let mut seen: Vec<usize> = owner.pop().into_iter().collect();
            seen.extend(thief.join().unwrap());
            seen.extend(std::iter::from_fn(|| owner.pop()));
            assert_each_once(seen, 3);
        });
    }

    /// Two thieves and the owner's pop racing for the same items.
    #[test]
    fn two_thieves_and_the_owner_hand_out_each_item_once() {
        loom::model(|| {
            let (mut owner, steal) = local();
            for i in 0..3 {
                assert!(owner.push_back(i).is_none());
            }
            let thieves = [thief(steal.clone()), thief(steal)];
            let mut seen: Vec<usize> = owner.pop().into_iter().collect();
            for t in thieves {
                seen.extend(t.join().unwrap());
            }
            seen.extend(std::iter::from_fn(|| owner.pop()));
            assert_each_once(seen, 3);
        });
    }

    /// A push into a full queue racing a steal: a full overflow (the newer half and the item,
    /// in order), the item alone (the thief is mid-copy), or a plain push (the thief is done).
    #[test]
    fn an_overflow_racing_a_steal_hands_out_each_item_once() {
        loom::model(|| {
            let (mut owner, steal) = local();
            for i in 0..CAPACITY as usize {
                assert!(owner.push_back(i).is_none());
            }
            let thief = thief(steal);
            let item = CAPACITY as usize;
            let overflowed: Vec<usize> = owner.push_back(item).into_iter().flatten().collect();
            match overflowed.len() {
                0 | 1 => {}
                n => {
                    assert_eq!(n, HALF as usize + 1);
                    assert!(overflowed.windows(2).all(|w| w[0] < w[1]));
                    assert_eq!(overflowed.last(), Some(&item));
                }
            }
            let mut seen = overflowed;
            seen.extend(thief.join().unwrap());
            seen.extend(std::iter::from_fn(|| owner.pop()));
            assert_each_once(seen, CAPACITY as usize + 1);
        });
    }

    /// The owner refilling its queue from a batch while a thief steals from it.
    #[test]
    fn a_batch_push_racing_a_thief_hands_out_each_item_once() {
        loom::model(|| {
            let (mut owner, steal) = local();
            assert!(owner.push_back(0).is_none());
            let thief = thief(steal);
            owner.push_back_fitting(1..3);
            let mut seen = thief.join().unwrap();
            seen.extend(std::iter::from_fn(|| owner.pop()));
            assert_each_once(seen, 3);
        });
    }
}
