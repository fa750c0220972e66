//! The machinery shared by `Queue`, `LifoQueue` and `PriorityQueue`: the item store, the
//! waiters, and the `put` / `get` / `join` futures.
//!
//! # Reservations
//!
//! A `put` that finds getters waiting reserves the item for the oldest one (`reserved_items`)
//! and notifies it; a `get` that frees a slot while putters wait reserves the slot for the
//! oldest putter (`reserved_slots`). Reserved items and slots are invisible to everyone else, so
//! a woken waiter always finds what it was woken for (no barging, strict FIFO service), and
//! nothing leaves the store until a getter returns it. A waiter dropped while holding a
//! reservation gives it back and passes it to the next waiter (`cancel_get`, `cancel_put`): a
//! cancelled getter loses no item, a cancelled putter inserts nothing.
//!
//! Invariants, under the state mutex:
//! - getters wait only while `available() == 0`; putters only while `!has_free_slot()`;
//! - `reserved_items` = getters notified with `Grant::Reserved` that have not yet taken their
//!   item; `reserved_slots` likewise for putters;
//! - shutdown turns every outstanding grant into `Grant::ShutDown` and zeroes both counts.
//!
//! User code never runs under the state mutex, except a `PriorityQueue`'s `Ord`: items are
//! dropped, and wakers woken or dropped (a replaced or a cancelled waiter's waker), after it is
//! released.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use futures_core::future::FusedFuture;

use super::{GetError, PutError, QueueShutDown, TaskDoneError};
use crate::coop;
use crate::util::{leave_locked, wake, wake_all, Mutex, WaitKey, WaitList, WakeList};

/// Where the items live; the kind decides which one `pop` returns.
pub(crate) enum Items<T> {
    Fifo(VecDeque<T>),
    Lifo(Vec<T>),
    /// A binary min-heap ordered by `less` (the `Ord` of `T`, captured where `T: Ord` is known).
    Priority(Vec<T>, fn(&T, &T) -> bool),
}

impl<T> Items<T> {
    fn len(&self) -> usize {
        match self {
            Items::Fifo(q) => q.len(),
            Items::Lifo(v) | Items::Priority(v, _) => v.len(),
        }
    }

    fn push(&mut self, item: T) {
        match self {
            Items::Fifo(q) => q.push_back(item),
            Items::Lifo(v) => v.push(item),
            Items::Priority(heap, less) => {
                heap.push(item);
                let mut i = heap.len() - 1;
                while i > 0 {
                    let parent = (i - 1) / 2;
                    if !less(&heap[i], &heap[parent]) {
                        break;
                    }
                    heap.swap(i, parent);
                    i = parent;
                }
            }
        }
    }

    fn pop(&mut self) -> Option<T> {
        match self {
            Items::Fifo(q) => q.pop_front(),
            Items::Lifo(v) => v.pop(),
            Items::Priority(heap, less) => {
                if heap.is_empty() {
                    return None;
                }
                let top = heap.swap_remove(0);
                let n = heap.len();
                let mut i = 0;
                loop {
                    let (l, r) = (2 * i + 1, 2 * i + 2);
                    let mut least = i;
                    if l < n && less(&heap[l], &heap[least]) {
                        least = l;
                    }
                    if r < n && less(&heap[r], &heap[least]) {
                        least = r;
                    }
                    if least == i {
                        break;
                    }
                    heap.swap(i, least);
                    i = least;
                }
                Some(top)
            }
        }
    }

    /// Moves every item out, leaving an empty store of the same kind.
    fn take(&mut self) -> Items<T> {
        let empty = match self {
            Items::Fifo(_) => Items::Fifo(VecDeque::new()),
            Items::Lifo(_) => Items::Lifo(Vec::new()),
            Items::Priority(_, less) => Items::Priority(Vec::new(), *less),
        };
        std::mem::replace(self, empty)
    }
}

/// What a notified getter or putter was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Grant {
    /// Not notified yet.
    Nothing,
    /// An item (getter) or a slot (putter) is reserved for it.
    Reserved,
    /// The queue was shut down.
    ShutDown,
}

pub(crate) struct Core<T> {
    state: Mutex<State<T>>,
}

struct State<T> {
    items: Items<T>,
    /// 0 = unbounded.
    maxsize: usize,
    /// Items put and not yet marked done by `task_done`.
    unfinished: usize,
    shutdown: bool,
    reserved_items: usize,
    reserved_slots: usize,
    getters: WaitList<Grant>,
    putters: WaitList<Grant>,
    joiners: WaitList<()>,
}

impl<T> State<T> {
    /// Items not reserved for a notified getter.
    fn available(&self) -> usize {
        self.items.len().saturating_sub(self.reserved_items)
    }

    fn has_free_slot(&self) -> bool {
        self.maxsize == 0 || self.items.len() + self.reserved_slots < self.maxsize
    }

    /// Reserves an item for the oldest getter, if one waits and an item is free.
    fn wake_getter(&mut self) -> Option<Waker> {
        if self.getters.is_empty() || self.available() == 0 {
            return None;
        }
        self.reserved_items += 1;
        self.getters.notify_one(Grant::Reserved)
    }

    /// Reserves a slot for the oldest putter, if one waits and a slot is free.
    fn wake_putter(&mut self) -> Option<Waker> {
        if self.putters.is_empty() || !self.has_free_slot() {
            return None;
        }
        self.reserved_slots += 1;
        self.putters.notify_one(Grant::Reserved)
    }

    fn insert(&mut self, item: T) -> Option<Waker> {
        self.items.push(item);
        self.unfinished += 1;
        self.wake_getter()
    }

    fn remove(&mut self) -> Option<(T, Option<Waker>)> {
        let item = self.items.pop()?;
        Some((item, self.wake_putter()))
    }
}

impl<T> Core<T> {
    pub(crate) fn new(items: Items<T>, maxsize: usize) -> Core<T> {
        Core {
            state: Mutex::new(State {
                items,
                maxsize,
                unfinished: 0,
                shutdown: false,
                reserved_items: 0,
                reserved_slots: 0,
                getters: WaitList::new(),
                putters: WaitList::new(),
                joiners: WaitList::new(),
            }),
        }
    }

    pub(crate) fn qsize(&self) -> usize {
        self.state.lock().items.len()
    }

    pub(crate) fn maxsize(&self) -> usize {
        self.state.lock().maxsize
    }

    pub(crate) fn full(&self) -> bool {
        let st = self.state.lock();
        st.maxsize > 0 && st.items.len() >= st.maxsize
    }

    pub(crate) fn is_shut_down(&self) -> bool {
        self.state.lock().shutdown
    }

    pub(crate) fn unfinished(&self) -> usize {
        self.state.lock().unfinished
    }

    pub(crate) fn put_nowait(&self, item: T) -> Result<(), PutError<T>> {
        let waker = {
            let mut st = self.state.lock();
            if st.shutdown {
                return Err(PutError::ShutDown(item));
            }
            if !st.has_free_slot() {
                return Err(PutError::Full(item));
            }
            st.insert(item)
        };
        wake(waker);
        Ok(())
    }

    pub(crate) fn get_nowait(&self) -> Result<T, GetError> {
        let (item, waker) = {
            let mut st = self.state.lock();
            if st.available() == 0 {
                return Err(if st.shutdown {
                    GetError::ShutDown
                } else {
                    GetError::Empty
                });
            }
            st.remove().expect("available() > 0")
        };
        wake(waker);
        Ok(item)
    }

    pub(crate) fn task_done(&self) -> Result<(), TaskDoneError> {
        let mut wakers = None;
        {
            let mut st = self.state.lock();
            if st.unfinished == 0 {
                return Err(TaskDoneError::TooManyCalls);
            }
            st.unfinished -= 1;
            if st.unfinished == 0 {
                st.joiners.notify_all_into(&mut wakers);
            }
        }
        wake_all(&mut wakers);
        Ok(())
    }

    pub(crate) fn shutdown(&self, immediate: bool) {
        let mut wakers = WakeList::new();
        let drained = {
            let mut st = self.state.lock();
            st.shutdown = true;
            let drained = immediate.then(|| st.items.take());
            if let Some(drained) = &drained {
                st.unfinished = st.unfinished.saturating_sub(drained.len());
                if st.unfinished == 0 {
                    st.joiners.notify_all(&mut wakers, |_| {});
                }
            }
            st.reserved_items = 0;
            st.reserved_slots = 0;
            st.getters.for_each_held(|g| *g = Grant::ShutDown);
            st.putters.for_each_held(|g| *g = Grant::ShutDown);
            st.getters.notify_all(&mut wakers, |g| *g = Grant::ShutDown);
            st.putters.notify_all(&mut wakers, |g| *g = Grant::ShutDown);
            drained
        };
        wakers.wake_all();
        // User `Drop` code runs here, with no lock held.
        drop(drained);
    }

    fn poll_put(
        &self,
        item: &mut Option<T>,
        key: &mut Option<WaitKey>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), PutError<T>>> {
        // Declared before the guard, so it is dropped after it (locals drop in reverse order).
        let _replaced_waker: Option<Waker>;
        let waker = {
            let mut st = self.state.lock();
            match key {
                None => {
                    if st.shutdown {
                        return Poll::Ready(Err(PutError::ShutDown(take_item(item))));
                    }
                    if !st.has_free_slot() {
                        *key = Some(st.putters.push(cx.waker(), Grant::Nothing));
                        return Poll::Pending;
                    }
                }
                Some(k) if !st.putters.is_notified(k) => {
                    _replaced_waker = st.putters.update_waker(k, cx.waker());
                    return Poll::Pending;
                }
                Some(_) => {
                    let released = st.putters.release(key.take().expect("checked"));
                    _replaced_waker = released.waker;
                    let grant = released.data;
                    if grant == Grant::ShutDown {
                        return Poll::Ready(Err(PutError::ShutDown(take_item(item))));
                    }
                    st.reserved_slots -= 1;
                }
            }
            st.insert(take_item(item))
        };
        wake(waker);
        Poll::Ready(Ok(()))
    }

    fn cancel_put(&self, key: WaitKey) {
        let (left_behind, next) = {
            let mut st = self.state.lock();
            let released = st.putters.release(key);
            let next = if released.notified && released.data == Grant::Reserved {
                st.reserved_slots -= 1;
                st.wake_putter()
            } else {
                None
            };
            (released.waker, next)
        };
        drop(left_behind);
        wake(next);
    }

    fn poll_get(
        &self,
        key: &mut Option<WaitKey>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, QueueShutDown>> {
        // Declared before the guard, so it is dropped after it (locals drop in reverse order).
        let _replaced_waker: Option<Waker>;
        let (item, waker) = {
            let mut st = self.state.lock();
            match key {
                None => {
                    if st.available() == 0 {
                        if st.shutdown {
                            return Poll::Ready(Err(QueueShutDown));
                        }
                        *key = Some(st.getters.push(cx.waker(), Grant::Nothing));
                        return Poll::Pending;
                    }
                }
                Some(k) if !st.getters.is_notified(k) => {
                    _replaced_waker = st.getters.update_waker(k, cx.waker());
                    return Poll::Pending;
                }
                Some(_) => {
                    let released = st.getters.release(key.take().expect("checked"));
                    _replaced_waker = released.waker;
                    match released.data {
                        Grant::Reserved => st.reserved_items -= 1,
                        _ if st.available() == 0 => return Poll::Ready(Err(QueueShutDown)),
                        _ => {}
                    }
                }
            }
            st.remove()
                .expect("an item is available or reserved for this getter")
        };
        wake(waker);
        Poll::Ready(Ok(item))
    }

    fn cancel_get(&self, key: WaitKey) {
        let (left_behind, next) = {
            let mut st = self.state.lock();
            let released = st.getters.release(key);
            let next = if released.notified && released.data == Grant::Reserved {
                st.reserved_items -= 1;
                st.wake_getter()
            } else {
                None
            };
            (released.waker, next)
        };
        drop(left_behind);
        wake(next);
    }

    fn poll_join(&self, key: &mut Option<WaitKey>, cx: &mut Context<'_>) -> Poll<()> {
        // Declared before the guard, so it is dropped after it (locals drop in reverse order).
        let _replaced_waker: Option<Waker>;
        let mut st = self.state.lock();
        match key {
            None if st.unfinished == 0 => Poll::Ready(()),
            None => {
                *key = Some(st.joiners.push(cx.waker(), ()));
                Poll::Pending
            }
            Some(k) if st.joiners.is_notified(k) => {
                _replaced_waker = st.joiners.release(key.take().expect("checked")).waker;
                Poll::Ready(())
            }
            Some(k) => {
                _replaced_waker = st.joiners.update_waker(k, cx.waker());
                Poll::Pending
            }
        }
    }
}

fn take_item<T>(item: &mut Option<T>) -> T {
    item.take().expect("Put polled after it completed")
}

impl<T> fmt::Debug for Core<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.state.lock();
        f.debug_struct("Queue")
            .field("qsize", &st.items.len())
            .field("maxsize", &st.maxsize)
            .field("unfinished", &st.unfinished)
            .field("shut_down", &st.shutdown)
            .field("getters", &st.getters.waiting())
            .field("putters", &st.putters.waiting())
            .finish()
    }
}

/// The future returned by `put` on [`Queue`](crate::queue::Queue),
/// [`LifoQueue`](crate::queue::LifoQueue) and [`PriorityQueue`](crate::queue::PriorityQueue).
///
/// # Examples
/// ```
/// use baton::queue::{Put, Queue};
///
/// baton::run(async {
///     let q = Queue::new(0);
///     let put: Put<'_, char> = q.put('x');
///     put.await.unwrap();
///     assert_eq!(q.qsize(), 1);
/// });
/// ```
///
/// # Cancel safety
/// Dropping it before it completes drops the item and inserts nothing; a slot already reserved
/// for it goes to the next waiting putter.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Put<'a, T> {
    core: &'a Core<T>,
    item: Option<T>,
    key: Option<WaitKey>,
}

impl<'a, T> Put<'a, T> {
    pub(crate) fn new(core: &'a Core<T>, item: T) -> Put<'a, T> {
        Put {
            core,
            item: Some(item),
            key: None,
        }
    }
}

// The item is moved, never pinned.
impl<T> Unpin for Put<'_, T> {}

impl<T> Future for Put<'_, T> {
    type Output = Result<(), PutError<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        coop::poll_budgeted(cx, coop::Cost::Memory, |cx| {
            this.core.poll_put(&mut this.item, &mut this.key, cx)
        })
    }
}

/// Terminated once it returned: the item was queued or handed back in the error.
impl<T> FusedFuture for Put<'_, T> {
    fn is_terminated(&self) -> bool {
        self.item.is_none()
    }
}

impl<T> Drop for Put<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.core.cancel_put(key);
        }
    }
}

impl<T> fmt::Debug for Put<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Put")
            .field("waiting", &self.key.is_some())
            .field("done", &self.item.is_none())
            .finish()
    }
}

/// The future returned by `get` on [`Queue`](crate::queue::Queue),
/// [`LifoQueue`](crate::queue::LifoQueue) and [`PriorityQueue`](crate::queue::PriorityQueue).
///
/// # Examples
/// ```
/// use baton::queue::{Get, Queue};
///
/// baton::run(async {
///     let q = Queue::new(0);
///     q.put_nowait('x').unwrap();
///     let get: Get<'_, char> = q.get();
///     assert_eq!(get.await, Ok('x'));
/// });
/// ```
///
/// # Cancel safety
/// Cancel safe: dropping it loses no item; an item already reserved for it stays in the queue
/// and goes to the next waiting getter.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Get<'a, T> {
    core: &'a Core<T>,
    key: Option<WaitKey>,
    done: bool,
}

impl<'a, T> Get<'a, T> {
    pub(crate) fn new(core: &'a Core<T>) -> Get<'a, T> {
        Get {
            core,
            key: None,
            done: false,
        }
    }
}

impl<T> Future for Get<'_, T> {
    type Output = Result<T, QueueShutDown>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        assert!(!this.done, "Get polled after it completed");
        let out = coop::poll_budgeted(cx, coop::Cost::Memory, |cx| {
            this.core.poll_get(&mut this.key, cx)
        });
        this.done = out.is_ready();
        out
    }
}

/// Terminated once it returned an item or the shutdown error.
impl<T> FusedFuture for Get<'_, T> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

impl<T> Drop for Get<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.core.cancel_get(key);
        }
    }
}

impl<T> fmt::Debug for Get<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Get")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}

/// The future returned by `join` on [`Queue`](crate::queue::Queue),
/// [`LifoQueue`](crate::queue::LifoQueue) and [`PriorityQueue`](crate::queue::PriorityQueue).
///
/// # Examples
/// ```
/// use baton::queue::{QueueJoin, Queue};
///
/// baton::run(async {
///     let q = Queue::<u8>::new(0);
///     let join: QueueJoin<'_, u8> = q.join();
///     join.await; // nothing unfinished
/// });
/// ```
///
/// # Cancel safety
/// Cancel safe: dropping it only leaves the joiners.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct QueueJoin<'a, T> {
    core: &'a Core<T>,
    key: Option<WaitKey>,
    /// Every item was done: `FusedFuture::is_terminated`.
    returned: bool,
}

impl<'a, T> QueueJoin<'a, T> {
    pub(crate) fn new(core: &'a Core<T>) -> QueueJoin<'a, T> {
        QueueJoin {
            core,
            key: None,
            returned: false,
        }
    }
}

impl<T> Future for QueueJoin<'_, T> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let joined = this.core.poll_join(&mut this.key, cx);
        this.returned |= joined.is_ready();
        joined
    }
}

/// Terminated once it returned: every item put before it was done.
impl<T> FusedFuture for QueueJoin<'_, T> {
    fn is_terminated(&self) -> bool {
        self.returned
    }
}

impl<T> Drop for QueueJoin<'_, T> {
    fn drop(&mut self) {
        leave_locked(&self.core.state, &mut self.key, |st| &mut st.joiners);
    }
}

impl<T> fmt::Debug for QueueJoin<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueJoin")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_store_pops_smallest_first() {
        let mut items = Items::Priority(Vec::new(), |a: &i32, b: &i32| a < b);
        for x in [5, 3, 9, 1, 7, 3, 8, 0, 2] {
            items.push(x);
        }
        let mut out = Vec::new();
        while let Some(x) = items.pop() {
            out.push(x);
        }
        assert_eq!(out, [0, 1, 2, 3, 3, 5, 7, 8, 9]);
    }

    #[test]
    fn lifo_and_fifo_stores() {
        let mut lifo = Items::Lifo(Vec::new());
        let mut fifo = Items::Fifo(VecDeque::new());
        for x in 0..3 {
            lifo.push(x);
            fifo.push(x);
        }
        assert_eq!(lifo.pop(), Some(2));
        assert_eq!(fifo.pop(), Some(0));
        assert_eq!(lifo.take().len(), 2);
        assert_eq!(lifo.len(), 0);
    }
}
