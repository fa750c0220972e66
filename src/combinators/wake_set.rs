//! Per-child wakers that record "child `i` is ready" in a shared ready list.
//!
//! A [`WakeSet`] belongs to one parent future (a `Gather` or an `AsCompleted`)
//! that drives `len` children. It hands out one [`Waker`] per child; waking that
//! waker pushes the child's index onto a lock-free ready list and wakes the
//! parent. The parent then polls only the children it pops, so a wake-up costs
//! O(1) no matter how many children there are.
//!
//! # Layout
//!
//! One allocation per set, reference counted by hand:
//!
//! ```text
//! +--------------------------------------+------------+------------+-----+
//! | Header                               | Node 0     | Node 1     | ... |
//! | refs, head, len, parent waker        | state next | state next |     |
//! +--------------------------------------+------------+------------+-----+
//! ```
//!
//! A child waker is a [`RawWaker`] whose data pointer points at the child's
//! [`Node`]. The node knows its own index, so the waker finds the start of the
//! node array (`node - index`) and the header just before it.
//!
//! # Invariants
//!
//! 1. *Reference count.* `Header::refs` counts the `WakeSet` (one) plus every
//!    live child `Waker` built by [`VTABLE`]'s `clone`. Borrowed wakers handed
//!    out by [`WakeSet::waker_ref`] do not count: they live no longer than the
//!    `&WakeSet` they borrow. The last release drops the header and frees the
//!    allocation, so a child waker that outlives the parent stays valid; waking
//!    it then only pushes onto a list nobody reads.
//! 2. *Queued flag.* Bit [`QUEUED`] of `Node::state` is set while the node is on
//!    the shared list or the parent's local list. Whoever sets it (with an RMW,
//!    so the transitions are totally ordered) owns the node's `next` field until
//!    the node is popped. The parent clears it *before* polling the child, so a
//!    wake that races with the poll either sees the flag clear and re-queues the
//!    node, or its write is ordered before the poll by the acquire/release pair
//!    on `state`. A wake is never lost.
//! 3. *Shared list.* `Header::head` is a Treiber stack of indices linked through
//!    `Node::next`, ending in [`EMPTY`]. Any thread pushes; only the parent takes,
//!    and it takes the whole list at once (`swap(EMPTY)`), so there is no ABA.
//! 4. *Parent waker.* The pusher that turns the list from empty to non-empty
//!    takes the registered parent waker and wakes it. The parent registers its
//!    waker at the start of every poll and, before it returns `Pending`, empties
//!    the shared list after that registration (see [`WakeSet::refill`]). So a
//!    push onto the empty list always finds the current waker, and a non-empty
//!    list always has a wake-up on its way.
//! 5. *Local list.* Popped batches are reversed into the parent's private list
//!    (`WakeSet::local`, FIFO, also linked through `Node::next`), so children
//!    are polled in the order they were woken. It starts as `0, 1, .., len - 1`
//!    with every queued flag set, which is how the first poll visits every child
//!    in input order.
//! 6. *No user code under the parent lock.* A waker's `wake` and `drop` are
//!    user code and may wake a child of this very set, which takes the lock:
//!    the parent waker is taken out of `Header::parent` and woken, or replaced
//!    and dropped, only after the guard is released.

use std::alloc::{handle_alloc_error, Layout};
use std::fmt;
use std::marker::PhantomData;
use std::mem::{self, ManuallyDrop};
use std::ptr::{self, NonNull};
use std::task::{RawWaker, RawWakerVTable, Waker};

use crate::loom::atomic::{self, AtomicU32, AtomicUsize, Ordering};
use crate::loom::{alloc, Liveness};
use crate::util::Mutex;

/// Set in `Node::state` while the node is on a ready list (invariant 2).
const QUEUED: u32 = 1 << 31;

/// The bits of `Node::state` holding the node's (immutable) index.
const INDEX_MASK: u32 = QUEUED - 1;

/// End of a list linked through `Node::next`, and the empty `Header::head`.
const EMPTY: u32 = u32::MAX;

/// The most children one set supports: indices must fit in [`INDEX_MASK`].
pub(crate) const MAX_LEN: usize = INDEX_MASK as usize;

/// Bytes of wake state per child.
#[cfg(test)]
pub(crate) const NODE_SIZE: usize = mem::size_of::<Node>();

/// Byte offset of node 0 from the start of the allocation.
const NODES_OFFSET: usize = mem::size_of::<Header>();

// The node array starts right after the header without padding.
const _: () = assert!(mem::align_of::<Header>() >= mem::align_of::<Node>());

/// Shared state at the start of the allocation.
struct Header {
    /// Owners of the allocation: the `WakeSet` and every cloned child waker
    /// (invariant 1).
    refs: AtomicUsize,
    /// Top of the shared ready list (invariant 3): an index or [`EMPTY`].
    head: AtomicU32,
    /// Number of nodes after the header; fixed at creation.
    len: u32,
    /// The parent's waker: registered by the parent on every poll, taken by the
    /// pusher that makes the shared list non-empty (invariant 4).
    parent: Mutex<Option<Waker>>,
    /// Marks uses of the allocation through a counted reference, so loom models check that
    /// they all happen before the free. Zero-sized outside loom.
    liveness: Liveness,
}

/// The wake record of one child.
pub(crate) struct Node {
    /// The node's index (bits under [`INDEX_MASK`], never changes) and the
    /// [`QUEUED`] flag (invariant 2).
    state: AtomicU32,
    /// Next index on whichever list holds the node, or [`EMPTY`]. Written only
    /// by the owner of the queued flag.
    next: AtomicU32,
}

/// The ready-list machinery of one parent future.
///
/// Created with every child queued in input order; see the module docs for the
/// invariants.
pub(crate) struct WakeSet {
    /// Start of the allocation (the header), with provenance over the nodes.
    ptr: NonNull<Header>,
    /// Head of the parent's private FIFO list of nodes to poll, or [`EMPTY`].
    local: u32,
    /// Tail of `local`, valid while `local != EMPTY`.
    local_tail: u32,
    /// The set owns one reference to a header and its nodes.
    _owns: PhantomData<Header>,
}

// SAFETY: the allocation holds only atomics, an immutable `u32` and a
// `Mutex<Option<Waker>>`, all `Send + Sync`; its lifetime is governed by the
// atomic count (module invariant 1). Methods that touch the private list
// (`local`) take `&mut self`.
unsafe impl Send for WakeSet {}
// SAFETY: as for `Send`; `&WakeSet` only builds wakers and reads atomics.
unsafe impl Sync for WakeSet {}

impl WakeSet {
    /// Allocates a set of `len` nodes, all queued on the local list in order.
    ///
    /// # Panics
    ///
    /// Panics if `len` exceeds [`MAX_LEN`].
    pub(crate) fn new(len: usize) -> Self {
        assert!(
            len <= MAX_LEN,
            "too many futures: at most {MAX_LEN} can be gathered at once"
        );
        let layout = layout(len);
        // SAFETY: the layout has a non-zero size: it holds at least a header.
        let raw = unsafe { alloc::alloc(layout) };
        let Some(base) = NonNull::new(raw) else {
            handle_alloc_error(layout)
        };
        let header = base.cast::<Header>();
        // SAFETY: `base` is a fresh allocation of `layout`, which starts with a
        // `Header` and then `len` nodes at `NODES_OFFSET` (see `layout`).
        unsafe {
            header.as_ptr().write(Header {
                refs: AtomicUsize::new(1),
                head: AtomicU32::new(EMPTY),
                len: len as u32,
                parent: Mutex::new(None),
                liveness: Liveness::new(),
            });
            let nodes = nodes(header);
            for i in 0..len {
                let next = if i + 1 < len { i as u32 + 1 } else { EMPTY };
                nodes.add(i).write(Node {
                    state: AtomicU32::new(i as u32 | QUEUED),
                    next: AtomicU32::new(next),
                });
            }
        }
        let (local, local_tail) = if len == 0 {
            (EMPTY, EMPTY)
        } else {
            (0, len as u32 - 1)
        };
        WakeSet {
            ptr: header,
            local,
            local_tail,
            _owns: PhantomData,
        }
    }

    /// Registers the parent's waker; call at the start of every parent poll.
    pub(crate) fn register(&self, waker: &Waker) {
        let replaced = {
            let mut parent = self.header().parent.lock();
            match &*parent {
                Some(old) if old.will_wake(waker) => None,
                _ => parent.replace(waker.clone()),
            }
        };
        // Dropped after the guard (invariant 6): its drop may wake a child of this set.
        drop(replaced);
    }

    /// Pops the next child to poll from the local list, clearing its queued
    /// flag so that a wake from now on queues it again.
    pub(crate) fn pop(&mut self) -> Option<usize> {
        if self.local == EMPTY {
            return None;
        }
        let index = self.local;
        // Read the link before clearing the flag: after that, a waker owns it.
        self.local = self.node(index as usize).next.load(Ordering::Relaxed);
        self.node(index as usize)
            .state
            .fetch_and(!QUEUED, Ordering::AcqRel);
        Some(index as usize)
    }

    /// Moves every child woken since the last call onto the end of the local
    /// list, in the order they were woken. Returns `false` if none was.
    ///
    /// The parent must call this (after [`register`](Self::register)) before
    /// it returns `Pending`, or wakes that came before the registration may be
    /// left on the shared list with nobody to act on them (invariant 4).
    pub(crate) fn refill(&mut self) -> bool {
        let mut taken = self.header().head.swap(EMPTY, Ordering::AcqRel);
        if taken == EMPTY {
            return false;
        }
        // Reverse the LIFO stack into a FIFO chain `first ..= last`.
        let last = taken;
        let mut first = EMPTY;
        while taken != EMPTY {
            let node = self.node(taken as usize);
            let next = node.next.load(Ordering::Relaxed);
            node.next.store(first, Ordering::Relaxed);
            first = taken;
            taken = next;
        }
        if self.local == EMPTY {
            self.local = first;
        } else {
            self.node(self.local_tail as usize)
                .next
                .store(first, Ordering::Relaxed);
        }
        self.local_tail = last;
        true
    }

    /// The waker of child `index`, borrowed: cloning it takes a reference.
    pub(crate) fn waker_ref(&self, index: usize) -> WakerRef<'_> {
        assert!(index < self.len(), "child index out of range");
        // SAFETY: `index < len`, so the node is inside the allocation.
        let node = unsafe { nodes(self.ptr).add(index) };
        let raw = RawWaker::new(node.cast::<()>(), &VTABLE);
        // SAFETY: the data pointer is a node of a live set and `VTABLE` upholds
        // the `RawWaker` contract (module invariant 1). The `ManuallyDrop` in
        // `WakerRef` keeps this uncounted waker from releasing a reference.
        let waker = unsafe { Waker::from_raw(raw) };
        WakerRef {
            waker: ManuallyDrop::new(waker),
            _set: PhantomData,
        }
    }

    /// The number of children.
    pub(crate) fn len(&self) -> usize {
        self.header().len as usize
    }

    fn header(&self) -> &Header {
        // SAFETY: the set holds a reference, so the header is alive; it is only
        // ever accessed through shared references (module invariant 1).
        let header = unsafe { self.ptr.as_ref() };
        header.liveness.used();
        header
    }

    fn node(&self, index: usize) -> &Node {
        debug_assert!(index < self.len());
        // SAFETY: `index < len` (all indices on the lists are), and the set's
        // reference keeps the allocation alive.
        unsafe { &*nodes(self.ptr).add(index) }
    }
}

impl Drop for WakeSet {
    fn drop(&mut self) {
        // Forget the parent's waker now; a late child wake has nobody to wake.
        let parent = self.header().parent.lock().take();
        drop(parent);
        // SAFETY: this gives back the set's own reference, once.
        unsafe { release(self.ptr) };
    }
}

impl fmt::Debug for WakeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WakeSet")
            .field("len", &self.len())
            .field("refs", &self.header().refs.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// A child's waker borrowed from a [`WakeSet`], without a reference of its own.
pub(crate) struct WakerRef<'a> {
    waker: ManuallyDrop<Waker>,
    _set: PhantomData<&'a WakeSet>,
}

impl std::ops::Deref for WakerRef<'_> {
    type Target = Waker;

    fn deref(&self) -> &Waker {
        &self.waker
    }
}

/// The layout of a set of `len` nodes.
fn layout(len: usize) -> Layout {
    let nodes = Layout::array::<Node>(len).expect("too many futures to gather");
    let (layout, offset) = Layout::new::<Header>()
        .extend(nodes)
        .expect("too many futures to gather");
    debug_assert_eq!(offset, NODES_OFFSET);
    layout.pad_to_align()
}

/// Node 0 of the set whose header is at `header`.
///
/// # Safety
///
/// `header` must point at the header of a live set made by [`WakeSet::new`].
unsafe fn nodes(header: NonNull<Header>) -> *mut Node {
    // SAFETY: the nodes start `NODES_OFFSET` bytes into the same allocation.
    unsafe {
        header
            .as_ptr()
            .cast::<u8>()
            .add(NODES_OFFSET)
            .cast::<Node>()
    }
}

/// The header of the set that `node` belongs to.
///
/// # Safety
///
/// `node` must point at a node of a live set.
unsafe fn header_of(node: *const Node) -> NonNull<Header> {
    // SAFETY: the node is alive (precondition); its index bits never change.
    let index = unsafe { (*node).state.load(Ordering::Relaxed) & INDEX_MASK };
    // SAFETY: node `index` sits `index` nodes past node 0, which sits
    // `NODES_OFFSET` bytes past the header, all in one allocation; `node`
    // carries provenance over all of it (it was derived from the base pointer
    // in `WakeSet::waker_ref`).
    unsafe {
        let first = node.sub(index as usize);
        let header = first.cast::<u8>().sub(NODES_OFFSET).cast::<Header>();
        NonNull::new_unchecked(header.cast_mut())
    }
}

/// Gives back one reference; the last one drops the header and frees the set.
///
/// # Safety
///
/// The caller must own a reference to the set at `header` and not use it after.
unsafe fn release(header: NonNull<Header>) {
    // SAFETY: the caller's reference keeps the header alive until the decrement.
    let refs = unsafe { &header.as_ref().refs };
    if refs.fetch_sub(1, Ordering::Release) != 1 {
        return;
    }
    // Synchronise with every earlier release so their uses happen before the free.
    atomic::fence(Ordering::Acquire);
    // SAFETY: that was the last reference (invariant 1): nobody else can reach
    // the allocation. Nodes hold only atomics and need no drop.
    unsafe {
        header.as_ref().liveness.freed();
        let len = header.as_ref().len as usize;
        ptr::drop_in_place(header.as_ptr());
        alloc::dealloc(header.as_ptr().cast::<u8>(), layout(len));
    }
}

/// Queues `node` on its set's shared list and, if the list was empty, wakes
/// the parent.
///
/// # Safety
///
/// `node` must point at a node of a live set.
unsafe fn wake_node(node: *const Node) {
    // SAFETY: the node is alive (precondition).
    let node_ref = unsafe { &*node };
    let prev = node_ref.state.fetch_or(QUEUED, Ordering::AcqRel);
    if prev & QUEUED != 0 {
        // Already on a list: it will be polled (invariant 2).
        return;
    }
    let index = prev & INDEX_MASK;
    // SAFETY: the node is alive, so its set is too.
    let header = unsafe { header_of(node).as_ref() };
    header.liveness.used();
    // We set the flag, so we own `next` until the parent pops the node.
    let mut head = header.head.load(Ordering::Relaxed);
    loop {
        node_ref.next.store(head, Ordering::Relaxed);
        match header
            .head
            .compare_exchange_weak(head, index, Ordering::AcqRel, Ordering::Relaxed)
        {
            Ok(_) => break,
            Err(actual) => head = actual,
        }
    }
    if head == EMPTY {
        // We made the list non-empty: the wake-up is ours to send (invariant 4).
        let parent = header.parent.lock().take();
        if let Some(parent) = parent {
            parent.wake();
        }
    }
}

/// The vtable of child wakers; the data pointer is a `*const Node`.
static VTABLE: RawWakerVTable =
    RawWakerVTable::new(waker_clone, waker_wake, waker_wake_by_ref, waker_drop);

/// # Safety
///
/// `data` is the node of a live set (the `RawWaker` contract).
unsafe fn waker_clone(data: *const ()) -> RawWaker {
    // SAFETY: the waker being cloned keeps the set alive.
    let header = unsafe { header_of(data.cast::<Node>()).as_ref() };
    header.liveness.used();
    // Relaxed suffices as in `Arc::clone`: the new owner was handed a reference.
    let old = header.refs.fetch_add(1, Ordering::Relaxed);
    if old > isize::MAX as usize {
        // Wakers are being leaked by the billion; refuse to overflow the count.
        std::process::abort();
    }
    RawWaker::new(data, &VTABLE)
}

/// # Safety
///
/// `data` is the node of a live set and the caller gives up one reference.
unsafe fn waker_wake(data: *const ()) {
    // SAFETY: forwarded preconditions; the reference is released after use.
    unsafe {
        waker_wake_by_ref(data);
        waker_drop(data);
    }
}

/// # Safety
///
/// `data` is the node of a live set.
unsafe fn waker_wake_by_ref(data: *const ()) {
    // SAFETY: forwarded precondition.
    unsafe { wake_node(data.cast::<Node>()) }
}

/// # Safety
///
/// `data` is the node of a live set and the caller gives up one reference.
unsafe fn waker_drop(data: *const ()) {
    // SAFETY: forwarded preconditions.
    unsafe { release(header_of(data.cast::<Node>())) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::combinators::test_util::CountingWaker;
    use std::sync::Arc;

    fn drain(set: &mut WakeSet) -> Vec<usize> {
        std::iter::from_fn(|| set.pop()).collect()
    }

    #[test]
    #[cfg(not(baton_loom))] // loom's atomics are bigger
    fn node_is_eight_bytes() {
        assert_eq!(mem::size_of::<Node>(), 8);
    }

    #[test]
    fn starts_with_every_child_in_order() {
        let mut set = WakeSet::new(4);
        assert_eq!(drain(&mut set), [0, 1, 2, 3]);
        assert!(!set.refill());
    }

    #[test]
    fn empty_set() {
        let mut set = WakeSet::new(0);
        assert_eq!(set.pop(), None);
        assert!(!set.refill());
    }

    #[test]
    fn wakes_come_back_in_wake_order_once_each() {
        let parent = CountingWaker::new();
        let mut set = WakeSet::new(5);
        drain(&mut set);
        set.register(&parent.waker());
        set.waker_ref(3).wake_by_ref();
        set.waker_ref(1).wake_by_ref();
        set.waker_ref(3).wake_by_ref();
        set.waker_ref(4).wake_by_ref();
        // One wake-up for the batch: only the empty -> non-empty push sends it.
        assert_eq!(parent.count(), 1);
        assert!(set.refill());
        assert_eq!(drain(&mut set), [3, 1, 4]);
        assert!(!set.refill());
    }

    #[test]
    fn wake_while_popped_requeues() {
        let parent = CountingWaker::new();
        let mut set = WakeSet::new(2);
        drain(&mut set);
        set.register(&parent.waker());
        set.waker_ref(0).wake_by_ref();
        assert_eq!(parent.count(), 1);
        // The parent's next poll.
        set.register(&parent.waker());
        assert!(set.refill());
        assert_eq!(set.pop(), Some(0));
        // "During the poll" of child 0, it wakes itself.
        set.waker_ref(0).wake_by_ref();
        assert_eq!(set.pop(), None);
        assert_eq!(parent.count(), 2);
        set.register(&parent.waker());
        assert!(set.refill());
        assert_eq!(drain(&mut set), [0]);
        assert_eq!(parent.count(), 2);
    }

    #[test]
    fn refill_appends_to_local() {
        let mut set = WakeSet::new(3);
        assert_eq!(set.pop(), Some(0));
        set.waker_ref(0).wake_by_ref();
        assert!(set.refill());
        assert_eq!(drain(&mut set), [1, 2, 0]);
    }

    #[test]
    fn cloned_waker_outlives_set() {
        let set = WakeSet::new(3);
        let waker = set.waker_ref(2).clone();
        let other = waker.clone();
        drop(set);
        waker.wake_by_ref();
        waker.wake();
        other.wake();
    }

    #[test]
    fn wake_from_another_thread() {
        let parent = CountingWaker::new();
        let mut set = WakeSet::new(8);
        drain(&mut set);
        set.register(&parent.waker());
        let wakers: Vec<Waker> = (0..8).map(|i| set.waker_ref(i).clone()).collect();
        let handle = std::thread::spawn(move || wakers.into_iter().for_each(Waker::wake));
        handle.join().unwrap();
        assert_eq!(parent.count(), 1);
        assert!(set.refill());
        let mut got = drain(&mut set);
        got.sort_unstable();
        assert_eq!(got, (0..8).collect::<Vec<_>>());
    }

    #[test]
    fn concurrent_wakers_and_parent() {
        let n = if cfg!(miri) { 4 } else { 64 };
        let rounds = if cfg!(miri) { 3 } else { 200 };
        let parent = CountingWaker::new();
        let mut set = WakeSet::new(n);
        drain(&mut set);
        let wakers: Arc<Vec<Waker>> = Arc::new((0..n).map(|i| set.waker_ref(i).clone()).collect());
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let wakers = Arc::clone(&wakers);
                std::thread::spawn(move || {
                    for _ in 0..rounds {
                        wakers.iter().for_each(Waker::wake_by_ref);
                    }
                })
            })
            .collect();
        let mut seen = vec![false; n];
        loop {
            set.register(&parent.waker());
            set.refill();
            while let Some(i) = set.pop() {
                seen[i] = true;
            }
            if threads.iter().all(|t| t.is_finished()) {
                break;
            }
            std::thread::yield_now();
        }
        threads.into_iter().for_each(|t| t.join().unwrap());
        set.refill();
        while let Some(i) = set.pop() {
            seen[i] = true;
        }
        assert!(seen.iter().all(|&s| s));
        drop(set);
        drop(wakers);
    }
}

/// Loom models of the wake protocol (invariants 1, 2 and 4). Run them with `scripts/loom.sh`.
#[cfg(all(test, baton_loom))]
mod loom_models {
    use super::*;
    use crate::loom::model::CountingWaker;
    use loom::thread;

    /// One parent poll as `Gather` makes it: register, take the woken children, visit them.
    fn poll_parent(set: &mut WakeSet, parent: &Waker, seen: &mut Vec<usize>) {
        set.register(parent);
        set.refill();
        seen.extend(std::iter::from_fn(|| set.pop()));
    }

    /// After the racing poll: poll again as long as the parent was woken since the last poll
    /// began, as an executor would. A lost parent wake leaves a child unseen.
    fn settle(
        set: &mut WakeSet,
        parent: &CountingWaker,
        mut handled: usize,
        seen: &mut Vec<usize>,
    ) {
        while parent.count() > handled {
            handled = parent.count();
            poll_parent(set, &parent.waker(), seen);
        }
    }

    /// Two threads wake two different children while the parent polls: each child is seen
    /// exactly once, and the parent is woken whenever the racing poll missed one.
    #[test]
    fn wakes_from_two_threads_racing_a_parent_poll_are_each_seen_once() {
        // Three threads: unbounded, loom takes minutes; two preemptions cover the races.
        let mut model = loom::model::Builder::new();
        model.preemption_bound = Some(3);
        model.check(|| {
            let parent = CountingWaker::new();
            let mut set = WakeSet::new(2);
            let mut seen = Vec::new();
            poll_parent(&mut set, &parent.waker(), &mut seen);
            assert_eq!(seen, [0, 1]);
            seen.clear();
            let wakers: Vec<_> = (0..2)
                .map(|i| {
                    let waker = set.waker_ref(i).clone();
                    thread::spawn(move || waker.wake())
                })
                .collect();
            let handled = parent.count();
            poll_parent(&mut set, &parent.waker(), &mut seen);
            wakers.into_iter().for_each(|t| t.join().unwrap());
            settle(&mut set, &parent, handled, &mut seen);
            seen.sort_unstable();
            assert_eq!(seen, [0, 1], "a woken child was lost or seen twice");
        });
    }

    /// A cloned child waker woken and dropped on another thread while the parent drops the set:
    /// the allocation is freed once, after every use (loom's leak tracking, double-free check and
    /// `Liveness`), and the parent's waker is neither leaked nor woken after it was forgotten.
    #[test]
    fn child_waker_outliving_the_set_frees_it_once() {
        loom::model(|| {
            let parent = CountingWaker::new();
            let mut set = WakeSet::new(1);
            set.register(&parent.waker());
            assert_eq!(set.pop(), Some(0));
            let waker = set.waker_ref(0).clone();
            let late = waker.clone();
            let child = thread::spawn(move || waker.wake());
            drop(set);
            late.wake_by_ref(); // certainly after the set is gone
            drop(late);
            child.join().unwrap();
            assert!(parent.count() <= 1);
        });
    }

    /// A wake racing the parent's register-then-refill step, with the parent switching to a new
    /// waker in that poll (invariant 4): either that poll takes the child, or the wake reaches
    /// the new waker. Never a child left on the list with nobody woken.
    #[test]
    fn wake_racing_register_then_refill_is_never_lost() {
        loom::model(|| {
            let old = CountingWaker::new();
            let new = CountingWaker::new();
            let mut set = WakeSet::new(1);
            let mut seen = Vec::new();
            poll_parent(&mut set, &old.waker(), &mut seen);
            assert_eq!(seen, [0]);
            seen.clear();
            let waker = set.waker_ref(0).clone();
            let child = thread::spawn(move || waker.wake());
            poll_parent(&mut set, &new.waker(), &mut seen);
            child.join().unwrap();
            assert!(
                seen == [0] || new.count() == 1,
                "child queued but the current parent waker was not woken"
            );
            settle(&mut set, &new, 0, &mut seen);
            assert_eq!(seen, [0]);
        });
    }
}
