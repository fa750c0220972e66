//! `WaitList`: the FIFO of tasks waiting on a primitive, with O(1) removal of any waiter. The
//! one waiter list of the crate: `sync`, `queue` and `channel` all keep their waiters in one.
//!
//! # Two ways to wake
//!
//! - **One at a time, with a hand-over** (a lock, a permit, an item or a free slot in a queue,
//!   room in an mpsc channel): [`notify_one`](WaitList::notify_one) takes the oldest waiter off
//!   the FIFO, stores in its node what it was given, and hands back its waker. The waiter's
//!   next poll sees [`is_notified`](WaitList::is_notified), [`release`](WaitList::release)s its
//!   node and takes the grant; a waiter dropped first learns from `release` that it had been
//!   notified, and passes the grant on.
//! - **All at once** (an event set, a barrier's round, a broadcast or watch send, a promise
//!   completed, a queue's `join`): [`notify_all`](WaitList::notify_all) takes every waiter off
//!   and collects their wakers in a [`WakeList`];
//!   [`notify_all_into`](WaitList::notify_all_into) makes the `WakeList` only if someone waits,
//!   so that a send nobody waits for stays cheap. A waiter that has nothing to pass on keeps its
//!   key in an `Option` and uses [`register`](WaitList::register) to wait (again) and
//!   [`leave`](WaitList::leave) (or [`leave_locked`]) when it is done or dropped.
//!
//! # Implementation notes
//!
//! A slab of nodes (a `Vec` and a free list of indices) threaded by a doubly linked list of
//! indices. A waiter future owns the `WaitKey` of its node from `push` until it hands the key
//! back with `release`, and **only `release` frees a node**: a notifier unlinks the node and
//! marks it `Notified` but leaves it in place, so the key stays valid, and there is no need for
//! generations. This is why the list works with safe code only, and why a cancelled waiter (its
//! future dropped) finds out, in `release`, whether it had already been notified and so must
//! pass the notification on.
//!
//! Each node carries a small `Copy` value `D` that the primitive uses to say what the waiter is
//! waiting for or was woken with (a permit reservation, a barrier index, a shutdown).
//!
//! Nodes are reused, so a primitive whose waiters come and go allocates only when it holds more
//! waiters at once than ever before; an uncontended operation never touches the list.
//!
//! The list lives inside the primitive's `Mutex`, and a waker's `wake` and `drop` are user code
//! that may re-enter the primitive, so no waker is woken or dropped under that lock: the list
//! hands every waker it lets go of back to the caller — to wake (`notify_one`, `notify_all` into
//! a `WakeList`) or to drop (`update_waker` and `register` return the one they replaced,
//! `release` and `leave` the one a departing waiter left behind) — and the caller does so after
//! the guard is gone. The usual way is to declare the variable that receives it *before* the
//! guard: locals drop in reverse order, so it outlives the guard on every path, early returns
//! included.

use std::fmt;
use std::task::Waker;

use super::Mutex;
use crate::panic::contain;

/// "No node" in a link field.
const NIL: u32 = u32::MAX;

/// The FIFO of waiters (see the module docs).
pub(crate) struct WaitList<D> {
    nodes: Vec<Node<D>>,
    /// First free node; free nodes are chained through `next`.
    free: u32,
    /// Oldest waiting node, or `NIL`.
    head: u32,
    /// Newest waiting node, or `NIL`.
    tail: u32,
    /// Nodes in the `Waiting` state (linked between `head` and `tail`).
    waiting: usize,
}

/// A waiter's claim on its node; handed back with [`WaitList::release`]. Deliberately neither
/// `Clone` nor `Copy`: one owner, one release.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct WaitKey(u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NodeState {
    /// On the free list.
    Free,
    /// Linked into the FIFO, waiting to be notified.
    Waiting,
    /// Unlinked by a notifier; the owner has not yet released it.
    Notified,
}

struct Node<D> {
    prev: u32,
    /// Next waiting node, or next free node while `Free`.
    next: u32,
    state: NodeState,
    /// The waiter's waker while `Waiting`; taken by the notifier.
    waker: Option<Waker>,
    data: D,
}

/// What [`WaitList::release`] found.
#[derive(Debug)]
#[must_use = "a released waiter's waker must be dropped after the lock is released"]
pub(crate) struct Released<D> {
    /// The node had been notified (a notifier counted on this waiter).
    pub(crate) notified: bool,
    /// The node's value at release.
    pub(crate) data: D,
    /// The waker of a waiter that left before it was notified (a notifier takes it otherwise):
    /// drop it after releasing the lock.
    pub(crate) waker: Option<Waker>,
}

impl<D: Copy> WaitList<D> {
    /// An empty list; allocates nothing.
    pub(crate) const fn new() -> WaitList<D> {
        WaitList {
            nodes: Vec::new(),
            free: NIL,
            head: NIL,
            tail: NIL,
            waiting: 0,
        }
    }

    /// Waiters not yet notified.
    pub(crate) fn waiting(&self) -> usize {
        self.waiting
    }

    /// True if no waiter is waiting to be notified.
    pub(crate) fn is_empty(&self) -> bool {
        self.waiting == 0
    }

    /// Adds a waiter at the back.
    pub(crate) fn push(&mut self, waker: &Waker, data: D) -> WaitKey {
        let index = if self.free != NIL {
            // Reuse a free node: `link_back` sets its links and state.
            let index = self.free;
            let node = &mut self.nodes[index as usize];
            self.free = node.next;
            node.waker = Some(waker.clone());
            node.data = data;
            index
        } else {
            let node = Node {
                prev: NIL,
                next: NIL,
                state: NodeState::Free,
                waker: Some(waker.clone()),
                data,
            };
            let index = u32::try_from(self.nodes.len())
                .ok()
                .filter(|&i| i != NIL)
                .expect("more than 4 billion waiters on one primitive");
            self.nodes.push(node);
            index
        };
        self.link_back(index);
        WaitKey(index)
    }

    /// True once a notifier has taken this waiter off the FIFO.
    #[inline]
    pub(crate) fn is_notified(&self, key: &WaitKey) -> bool {
        self.node(key).state == NodeState::Notified
    }

    /// The waiter's value.
    #[cfg(test)]
    pub(crate) fn data(&self, key: &WaitKey) -> D {
        self.node(key).data
    }

    /// Replaces the stored waker unless it would wake the same task, and returns the one it
    /// replaced: drop that after releasing the lock.
    #[must_use = "drop the replaced waker after releasing the lock"]
    pub(crate) fn update_waker(&mut self, key: &WaitKey, waker: &Waker) -> Option<Waker> {
        let node = self.node_mut(key);
        debug_assert_eq!(node.state, NodeState::Waiting);
        match &node.waker {
            Some(w) if w.will_wake(waker) => None,
            _ => node.waker.replace(waker.clone()),
        }
    }

    /// Frees the waiter's node (unlinking it if it is still waiting) and says whether it had
    /// been notified; hands back the waker it still held, to drop after releasing the lock.
    #[inline]
    pub(crate) fn release(&mut self, key: WaitKey) -> Released<D> {
        let index = key.0;
        let state = self.node(&key).state;
        if state == NodeState::Waiting {
            self.unlink(index);
        }
        let free = self.free;
        let node = &mut self.nodes[index as usize];
        node.state = NodeState::Free;
        node.next = free;
        self.free = index;
        Released {
            notified: state == NodeState::Notified,
            data: node.data,
            waker: node.waker.take(),
        }
    }

    /// Notifies the oldest waiter, storing `data` in its node; returns its waker, or `None` if
    /// nobody waits.
    #[inline]
    pub(crate) fn notify_one(&mut self, data: D) -> Option<Waker> {
        if self.head == NIL {
            return None; // the common case: checked inline, the work below is not
        }
        self.notify_head(data)
    }

    /// `notify_one` with someone waiting.
    fn notify_head(&mut self, data: D) -> Option<Waker> {
        let index = self.head;
        self.unlink(index);
        let node = &mut self.nodes[index as usize];
        node.state = NodeState::Notified;
        node.data = data;
        node.waker.take()
    }

    /// Notifies the `n` oldest waiters (fewer if fewer wait), storing `data` in each node, and
    /// collects their wakers; returns how many it notified.
    pub(crate) fn notify_many(&mut self, n: usize, data: D, wakers: &mut WakeList) -> usize {
        let mut notified = 0;
        while notified < n {
            match self.notify_one(data) {
                Some(w) => wakers.push(w),
                None => break,
            }
            notified += 1;
        }
        notified
    }

    /// Notifies every waiter, letting `f` update each one's value, and collects their wakers.
    pub(crate) fn notify_all(&mut self, wakers: &mut WakeList, mut f: impl FnMut(&mut D)) {
        // Every waiting node leaves the FIFO, so walk it once and empty it, instead of unlinking
        // node by node (a notified node's links are stale and never read: see `link_back`).
        let mut index = self.head;
        while index != NIL {
            let node = &mut self.nodes[index as usize];
            debug_assert_eq!(node.state, NodeState::Waiting);
            node.state = NodeState::Notified;
            f(&mut node.data);
            if let Some(w) = node.waker.take() {
                wakers.push(w);
            }
            index = node.next;
        }
        self.head = NIL;
        self.tail = NIL;
        self.waiting = 0;
    }

    /// Notifies every waiter, leaving their values as they are, and collects their wakers in
    /// `wakers` (to wake after the lock with [`wake_all`]), making the `WakeList` there only if
    /// someone waits: a notify-all with nobody waiting (most channel sends) costs one test.
    #[inline]
    pub(crate) fn notify_all_into(&mut self, wakers: &mut Option<WakeList>) {
        if self.head != NIL {
            // Filled where it lies: a `WakeList` is 160 bytes, better not moved.
            self.notify_all(wakers.get_or_insert_with(WakeList::new), |_| {});
        }
    }

    /// Calls `f` on the value of every node whose owner has not released it (waiting or
    /// notified).
    pub(crate) fn for_each_held(&mut self, mut f: impl FnMut(&mut D)) {
        for node in &mut self.nodes {
            if node.state != NodeState::Free {
                f(&mut node.data);
            }
        }
    }

    /// For a waiter that has nothing to pass on (one woken by `notify_all`) and is done
    /// waiting, or dropped: frees the node of `slot`, if it holds one, and hands back the waker
    /// it still held, to drop after releasing the lock.
    #[must_use = "drop the waker after releasing the lock"]
    #[inline]
    pub(crate) fn leave(&mut self, slot: &mut Option<WaitKey>) -> Option<Waker> {
        self.release(slot.take()?).waker
    }

    fn node(&self, key: &WaitKey) -> &Node<D> {
        let node = &self.nodes[key.0 as usize];
        debug_assert_ne!(node.state, NodeState::Free, "WaitKey used after release");
        node
    }

    fn node_mut(&mut self, key: &WaitKey) -> &mut Node<D> {
        let node = &mut self.nodes[key.0 as usize];
        debug_assert_ne!(node.state, NodeState::Free, "WaitKey used after release");
        node
    }

    /// Links a node that is not in the FIFO (new, or notified) at its back, as `Waiting`.
    fn link_back(&mut self, index: u32) {
        let tail = self.tail;
        let node = &mut self.nodes[index as usize];
        debug_assert_ne!(node.state, NodeState::Waiting);
        node.state = NodeState::Waiting;
        node.prev = tail;
        node.next = NIL;
        if tail == NIL {
            self.head = index;
        } else {
            self.nodes[tail as usize].next = index;
        }
        self.tail = index;
        self.waiting += 1;
    }

    /// Takes a `Waiting` node out of the FIFO.
    fn unlink(&mut self, index: u32) {
        let (prev, next) = {
            let node = &self.nodes[index as usize];
            debug_assert_eq!(node.state, NodeState::Waiting);
            (node.prev, node.next)
        };
        if prev == NIL {
            self.head = next;
        } else {
            self.nodes[prev as usize].next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            self.nodes[next as usize].prev = prev;
        }
        self.waiting -= 1;
    }
}

impl WaitList<()> {
    /// Waits (again) with `waker`, for a waiter woken by `notify_all` that keeps its key in
    /// `slot`: joins the back of the FIFO if `slot` is empty, rejoins it if the node was
    /// notified, else updates the waker (as [`update_waker`](WaitList::update_waker)). Returns
    /// the waker it replaced, to drop after releasing the lock.
    #[must_use = "drop the replaced waker after releasing the lock"]
    #[inline]
    pub(crate) fn register(&mut self, slot: &mut Option<WaitKey>, waker: &Waker) -> Option<Waker> {
        let Some(key) = slot else {
            *slot = Some(self.push(waker, ()));
            return None;
        };
        if self.node(key).state == NodeState::Notified {
            // The notifier took the waker: there is none to hand back.
            self.nodes[key.0 as usize].waker = Some(waker.clone());
            self.link_back(key.0);
            return None;
        }
        self.update_waker(key, waker)
    }
}

impl<D> fmt::Debug for WaitList<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitList")
            .field("waiting", &self.waiting)
            .finish_non_exhaustive()
    }
}

/// Wakers taken out under a primitive's lock, to be woken after it is released (a waker may
/// run arbitrary code). The first `INLINE` need no allocation.
pub(crate) struct WakeList {
    inline: [Option<Waker>; INLINE],
    len: usize,
    spill: Vec<Waker>,
}

const INLINE: usize = 8;

impl WakeList {
    #[inline]
    pub(crate) fn new() -> WakeList {
        WakeList {
            inline: Default::default(),
            len: 0,
            spill: Vec::new(),
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, waker: Waker) {
        if self.len < INLINE {
            self.inline[self.len] = Some(waker);
            self.len += 1;
        } else {
            self.spill.push(waker);
        }
    }

    /// Wakes them all, leaving the list empty. Call with no lock held.
    #[inline]
    pub(crate) fn wake_all(&mut self) {
        if self.len == 0 {
            return; // nobody was notified
        }
        // Each wake is contained: the waiters behind a waker that panics were notified too, and
        // would wait forever if the unwind dropped their wakers unwoken.
        for w in self.inline.iter_mut().take(self.len) {
            if let Some(w) = w.take() {
                contain(move || w.wake());
            }
        }
        if !self.spill.is_empty() {
            for w in self.spill.drain(..) {
                contain(move || w.wake());
            }
        }
        self.len = 0;
    }
}

/// Frees the node `slot` holds, if any, in the list that `list` picks out of the state `state`
/// guards: for a waiter with nothing to pass on (see [`WaitList::leave`]) that is done or
/// dropped. Its waker is dropped after the guard, since its drop may re-enter the primitive.
#[inline]
pub(crate) fn leave_locked<S, D: Copy>(
    state: &Mutex<S>,
    slot: &mut Option<WaitKey>,
    list: impl FnOnce(&mut S) -> &mut WaitList<D>,
) {
    if slot.is_some() {
        // The guard is a temporary of this statement: gone before the waker is dropped.
        let left_behind = list(&mut state.lock()).leave(slot);
        drop(left_behind);
    }
}

/// Wakes the wakers that [`WaitList::notify_all_into`] collected, if any. Call with no lock
/// held.
#[inline]
pub(crate) fn wake_all(wakers: &mut Option<WakeList>) {
    if let Some(wakers) = wakers {
        wakers.wake_all();
    }
}

/// Wakes the waker that a notifier took (from `notify_one`, say), if there is one. Call with no
/// lock held.
#[inline]
pub(crate) fn wake(waker: Option<Waker>) {
    if let Some(w) = waker {
        w.wake();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn waker() -> (Arc<Count>, Waker) {
        let c = Arc::new(Count(AtomicUsize::new(0)));
        (c.clone(), Waker::from(c))
    }

    #[test]
    fn notifies_in_fifo_order_and_skips_removed() {
        let (_, w) = waker();
        let mut list = WaitList::new();
        let a = list.push(&w, 1u32);
        let b = list.push(&w, 2);
        let c = list.push(&w, 3);
        assert_eq!(list.waiting(), 3);
        let r = list.release(b);
        assert!(!r.notified);
        assert!(list.notify_one(10).is_some());
        assert!(list.is_notified(&a));
        assert!(!list.is_notified(&c));
        assert!(list.notify_one(30).is_some());
        assert!(list.notify_one(0).is_none());
        assert_eq!(list.data(&c), 30);
        let ra = list.release(a);
        assert!(ra.notified);
        assert_eq!(ra.data, 10);
        let _ = list.release(c);
        assert!(list.is_empty());
    }

    #[test]
    fn reuses_nodes() {
        let (_, w) = waker();
        let mut list = WaitList::new();
        for _ in 0..100 {
            let a = list.push(&w, ());
            let b = list.push(&w, ());
            let _ = list.release(a);
            let _ = list.release(b);
        }
        assert_eq!(list.nodes.len(), 2);
    }

    #[test]
    fn notify_all_wakes_everyone_once() {
        let (count, w) = waker();
        let mut list = WaitList::new();
        let keys: Vec<_> = (0..20).map(|i| list.push(&w, i)).collect();
        let mut wakers = WakeList::new();
        list.notify_all(&mut wakers, |d| *d += 100);
        wakers.wake_all();
        assert_eq!(count.0.load(Ordering::Relaxed), 20);
        for (i, k) in keys.into_iter().enumerate() {
            assert_eq!(list.release(k).data, i + 100);
        }
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "Miri does not keep vtables unique, so `will_wake` may say no to a clone"
    )]
    fn hands_back_every_waker_it_lets_go_of() {
        let (_, a) = waker();
        let (_, b) = waker();
        let mut list = WaitList::new();
        let key = list.push(&a, ());
        assert!(list.update_waker(&key, &a).is_none(), "same task: kept");
        let replaced = list.update_waker(&key, &b).expect("another task: replaced");
        assert!(replaced.will_wake(&a));
        let released = list.release(key);
        assert!(!released.notified);
        assert!(released.waker.expect("a waiting node").will_wake(&b));

        let key = list.push(&a, ());
        let woken = list.notify_one(()).expect("one waiter");
        assert!(woken.will_wake(&a));
        let released = list.release(key);
        assert!(released.notified);
        assert!(released.waker.is_none(), "the notifier took it");
    }

    #[test]
    fn a_waker_that_panics_does_not_keep_the_others_from_being_woken() {
        struct Panics;
        impl Wake for Panics {
            fn wake(self: Arc<Self>) {
                panic!("a waker that panics");
            }
        }
        let (count, w) = waker();
        let bad = Waker::from(Arc::new(Panics));
        let mut wakers = WakeList::new();
        for i in 0..12 {
            wakers.push(if i % 4 == 1 { bad.clone() } else { w.clone() });
        }
        wakers.wake_all();
        assert_eq!(
            count.0.load(Ordering::Relaxed),
            9,
            "inline and spilled alike"
        );
    }

    #[test]
    fn release_of_middle_keeps_links() {
        let (_, w) = waker();
        let mut list = WaitList::new();
        let a = list.push(&w, 'a');
        let b = list.push(&w, 'b');
        let c = list.push(&w, 'c');
        let _ = list.release(c);
        let d = list.push(&w, 'd');
        let _ = list.release(a);
        list.notify_one('x');
        assert!(list.is_notified(&b));
        list.notify_one('y');
        assert!(list.is_notified(&d));
        assert!(list.is_empty());
    }

    #[test]
    fn notify_all_into_makes_a_wake_list_only_for_waiters() {
        let (count, w) = waker();
        let mut list = WaitList::new();
        let mut wakers = None;
        list.notify_all_into(&mut wakers);
        assert!(wakers.is_none(), "nobody waits: nothing built");
        let keys: Vec<_> = (0..10).map(|_| list.push(&w, ())).collect();
        list.notify_all_into(&mut wakers);
        assert!(list.is_empty());
        wake_all(&mut wakers);
        assert_eq!(
            count.0.load(Ordering::Relaxed),
            10,
            "inline and spilled alike"
        );
        wake_all(&mut wakers);
        assert_eq!(count.0.load(Ordering::Relaxed), 10, "woken once");
        for k in keys {
            assert!(list.release(k).notified);
        }
    }

    #[test]
    fn a_notify_all_waiter_rejoins_at_the_back_and_leaves_once() {
        let (count, w) = waker();
        let mut list = WaitList::new();
        let (mut a, mut b) = (None, None);
        assert!(list.register(&mut a, &w).is_none());
        assert!(list.register(&mut b, &w).is_none());
        let mut wakers = WakeList::new();
        list.notify_all(&mut wakers, |_| {});
        wakers.wake_all();
        assert_eq!(count.0.load(Ordering::Relaxed), 2);
        assert!(list.is_empty());
        // `a` was woken but waits again: it rejoins, behind nobody.
        assert!(list.register(&mut a, &w).is_none());
        assert_eq!(list.waiting(), 1);
        assert!(
            list.leave(&mut b).is_none(),
            "notified: the notifier took its waker"
        );
        assert!(b.is_none());
        assert!(list.notify_one(()).is_some(), "a is waiting");
        assert!(list.leave(&mut a).is_none());
        assert!(list.leave(&mut a).is_none(), "already left");
        assert_eq!(list.nodes.len(), 2, "nodes reused, never leaked");
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "Miri does not keep vtables unique, so `will_wake` may say no to a clone"
    )]
    fn register_and_leave_hand_back_the_wakers_they_let_go_of() {
        let (_, first) = waker();
        let (_, second) = waker();
        let mut list = WaitList::new();
        let mut slot = None;
        assert!(list.register(&mut slot, &first).is_none());
        assert!(
            list.register(&mut slot, &first).is_none(),
            "same task: kept"
        );
        let replaced = list
            .register(&mut slot, &second)
            .expect("another task: replaced");
        assert!(replaced.will_wake(&first));
        let removed = list.leave(&mut slot).expect("waiting");
        assert!(removed.will_wake(&second));
        assert!(list.leave(&mut slot).is_none(), "already left");
    }
}
