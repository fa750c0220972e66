//! `ScheduledIo`: what one registered descriptor shares between the reactor that delivers its
//! events and the tasks that wait for them, on whatever thread they run (tokio's design of the
//! same name, written for baton's waiter semantics).
//!
//! # The readiness word
//!
//! One atomic word holds everything an operation needs to decide whether to try the system
//! call, so the path of a socket that is ready takes no lock:
//!
//! ```text
//!  bits 0..=4  readiness seen and not yet proven stale (READABLE, WRITABLE, READ_CLOSED,
//!              WRITE_CLOSED, ERROR)
//!  bit  5      SHUTDOWN: the reactor is gone; every operation fails from now on
//!  bits 16..   the event tick: +1 (wrapping) with every event the reactor delivers
//! ```
//!
//! An operation reads the word ([`ScheduledIo::poll_ready`]) and keeps the tick it saw in a
//! [`ReadyEvent`]. If the system call then says `WouldBlock` (or moved fewer bytes than asked),
//! [`ScheduledIo::clear`] removes the direction's bits **only if the tick is still the one the
//! operation saw**. An event may arrive between the system call and the clear — the reactor runs
//! on its loop's thread while the task may run on another — and an unconditional clear would
//! erase that event's bits: the edge would be lost and the task would wait forever for an event
//! the kernel already reported. With the tick, such a clear does nothing and the operation tries
//! again. (The tick wraps after 65 536 events; a clear would have to be overtaken by exactly that
//! many events to be fooled.)
//!
//! # The waiters
//!
//! Behind a [`Mutex`] (`crate::util`'s): per direction, one **poll waker** (the last
//! `poll_ready` caller's: code that owns the direction), and one **waiter list** shared by both
//! directions, one entry per pending future of a `&self` method (`accept`, `recv`, …). A future
//! owns its entry from its first `Pending` until it is ready or dropped; an event only takes the
//! waker out, so every waiter of the direction is woken and keeps its place.
//!
//! # Why no wake is lost
//!
//! The reactor sets the bits (one atomic update) *before* it takes the lock to collect the
//! wakers; a task that found the direction not ready looks at the word again *under* the lock
//! before it stores its waker. Either the task's look comes after the reactor's lock section —
//! then the mutex orders the update before it and the task sees the bits — or before it, and
//! the reactor finds the stored waker. Loom checks both races (this module's `loom_models`).
//!
//! Wakers are collected under the lock and woken, or dropped, after it (a waker is user code);
//! replaced and released wakers are handed back to be dropped after the guard.

use std::task::{Context, Poll, Waker};

use slab::Slab;

use crate::loom::atomic::AtomicUsize;
use crate::loom::atomic::Ordering::{AcqRel, Acquire};
use crate::util::Mutex;

/// Readiness bits.
pub(crate) const READABLE: usize = 1;
pub(crate) const WRITABLE: usize = 1 << 1;
pub(crate) const READ_CLOSED: usize = 1 << 2;
pub(crate) const WRITE_CLOSED: usize = 1 << 3;
pub(crate) const ERROR: usize = 1 << 4;
const READINESS: usize = READABLE | WRITABLE | READ_CLOSED | WRITE_CLOSED | ERROR;
/// Set once, when the reactor is dropped.
const SHUTDOWN: usize = 1 << 5;
/// Where the event tick starts, and its range.
const TICK_SHIFT: u32 = 16;
const TICK_MAX: usize = 0xFFFF;

/// Which half of a descriptor's readiness an operation needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// `read`, `recv`, `accept`.
    Read,
    /// `write`, `send`, connect completion.
    Write,
}

impl Direction {
    /// The bits that let an operation in this direction proceed (and that a `WouldBlock` clears).
    pub(crate) fn mask(self) -> usize {
        match self {
            Direction::Read => READABLE | READ_CLOSED | ERROR,
            Direction::Write => WRITABLE | WRITE_CLOSED | ERROR,
        }
    }

    /// The one bit a short transfer proves stale: the buffer is drained (or full), but the
    /// closed and error bits stay, since no later edge would report them again.
    pub(crate) fn drained_mask(self) -> usize {
        match self {
            Direction::Read => READABLE,
            Direction::Write => WRITABLE,
        }
    }
}

/// The state of one registered descriptor, shared (`Arc`) by the reactor's table and the
/// registration.
pub(crate) struct ScheduledIo {
    /// Readiness bits, `SHUTDOWN` and the event tick (see the module docs).
    readiness: AtomicUsize,
    waiters: Mutex<Waiters>,
}

#[derive(Default)]
struct Waiters {
    /// The poll waker to read (or accept, or receive): the last `poll_ready` caller's.
    reader: Option<Waker>,
    /// The poll waker to write (or connect, or send): the last `poll_ready` caller's.
    writer: Option<Waker>,
    /// The waiter list of both directions, `None` until the first waiter waits (most sockets
    /// never have one); boxed, so it costs one pointer until then.
    list: Option<Box<Slab<Entry>>>,
}

/// A waiter's place in the list. Only its owner removes it (when ready or dropped), so its key
/// stays valid while the owner lives.
struct Entry {
    dir: Direction,
    /// `None` once an event took it (the task is woken) or before the first wait.
    waker: Option<Waker>,
}

/// What an operation saw when it found its direction ready: the tick its clear compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ReadyEvent {
    tick: usize,
}

/// The reactor this descriptor was registered with is gone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Closed;

/// What a look at the readiness word decides.
type Readiness = Result<ReadyEvent, Closed>;

impl ScheduledIo {
    /// A registration's state, with `ready` readiness bits set from the start.
    pub(crate) fn new(ready: usize) -> ScheduledIo {
        ScheduledIo {
            readiness: AtomicUsize::new(ready & READINESS),
            waiters: Mutex::new(Waiters::default()),
        }
    }

    /// The reactor's side: ORs the event's `bits` in, advances the tick, and pushes onto
    /// `woken` the wakers of every direction the bits make ready (the caller wakes them after
    /// its own locks are released).
    pub(crate) fn deliver(&self, bits: usize, woken: &mut Vec<Waker>) {
        let bits = bits & READINESS;
        let _ = self.readiness.fetch_update(AcqRel, Acquire, |curr| {
            let tick = ((curr >> TICK_SHIFT).wrapping_add(1)) & TICK_MAX;
            Some((tick << TICK_SHIFT) | (curr & (READINESS | SHUTDOWN)) | bits)
        });
        let read = bits & Direction::Read.mask() != 0;
        let write = bits & Direction::Write.mask() != 0;
        if read || write {
            self.collect_wakers(read, write, woken);
        }
    }

    /// Marks the registration shut down (its reactor is gone) and pushes every waker it holds
    /// onto `woken`: each woken operation then fails instead of waiting forever.
    pub(crate) fn shutdown(&self, woken: &mut Vec<Waker>) {
        self.readiness.fetch_or(SHUTDOWN, AcqRel);
        self.collect_wakers(true, true, woken);
    }

    fn collect_wakers(&self, read: bool, write: bool, woken: &mut Vec<Waker>) {
        let mut waiters = self.waiters.lock();
        if read {
            woken.extend(waiters.reader.take());
        }
        if write {
            woken.extend(waiters.writer.take());
        }
        if let Some(list) = waiters.list.as_deref_mut() {
            for (_, entry) in list.iter_mut() {
                let made_ready = match entry.dir {
                    Direction::Read => read,
                    Direction::Write => write,
                };
                if made_ready {
                    woken.extend(entry.waker.take());
                }
            }
        }
    }

    /// What the word `curr` says for `dir`: `None` while it must wait.
    #[inline]
    fn decide(curr: usize, dir: Direction) -> Option<Readiness> {
        if curr & SHUTDOWN != 0 {
            Some(Err(Closed))
        } else if curr & dir.mask() != 0 {
            Some(Ok(ReadyEvent {
                tick: curr >> TICK_SHIFT,
            }))
        } else {
            None
        }
    }

    /// A look without waiting (`try_io`): `None` while `dir` is not known to be ready.
    #[inline]
    pub(crate) fn ready_now(&self, dir: Direction) -> Option<Readiness> {
        Self::decide(self.readiness.load(Acquire), dir)
    }

    /// Ready when `dir` may proceed (or the registration is shut down); otherwise stores `cx`'s
    /// waker as the direction's poll waker, replacing the previous one, and returns `Pending`.
    #[inline]
    pub(crate) fn poll_ready(&self, cx: &mut Context<'_>, dir: Direction) -> Poll<Readiness> {
        // The fast path: a ready socket takes no lock.
        if let Some(found) = self.ready_now(dir) {
            return Poll::Ready(found);
        }
        self.poll_ready_slow(cx, dir)
    }

    #[cold]
    fn poll_ready_slow(&self, cx: &mut Context<'_>, dir: Direction) -> Poll<Readiness> {
        let (result, old) = {
            let mut waiters = self.waiters.lock();
            // Looked at again under the lock: see "Why no wake is lost".
            match self.ready_now(dir) {
                Some(found) => (Poll::Ready(found), None),
                None => {
                    let slot = match dir {
                        Direction::Read => &mut waiters.reader,
                        Direction::Write => &mut waiters.writer,
                    };
                    let old = match slot {
                        Some(w) if w.will_wake(cx.waker()) => None,
                        _ => slot.replace(cx.waker().clone()),
                    };
                    (Poll::Pending, old)
                }
            }
        };
        // Dropped after the guard: dropping a waker may free a task and its sockets.
        drop(old);
        result
    }

    /// As [`poll_ready`](Self::poll_ready), waiting in the waiter list: `key` is the waiter's
    /// entry, taken on its first `Pending` and given back (set to `None`) once ready.
    #[inline]
    pub(crate) fn poll_waiter(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        key: &mut Option<usize>,
    ) -> Poll<Readiness> {
        if key.is_none() {
            if let Some(found) = self.ready_now(dir) {
                return Poll::Ready(found);
            }
        }
        let (result, old) = {
            let mut waiters = self.waiters.lock();
            match self.ready_now(dir) {
                Some(found) => {
                    let old = match (key.take(), waiters.list.as_deref_mut()) {
                        (Some(k), Some(list)) => list.try_remove(k).and_then(|e| e.waker),
                        _ => None,
                    };
                    (Poll::Ready(found), old)
                }
                None => {
                    let list = waiters.list.get_or_insert_with(Box::default);
                    let old = match *key {
                        Some(k) => {
                            let waker = &mut list[k].waker;
                            match waker {
                                Some(w) if w.will_wake(cx.waker()) => None,
                                _ => waker.replace(cx.waker().clone()),
                            }
                        }
                        None => {
                            *key = Some(list.insert(Entry {
                                dir,
                                waker: Some(cx.waker().clone()),
                            }));
                            None
                        }
                    };
                    (Poll::Pending, old)
                }
            }
        };
        // Dropped after the guard: dropping a waker may free a task and its sockets.
        drop(old);
        result
    }

    /// Gives back the waiter entry `key` (its future was dropped); returns its waker, for the
    /// caller to drop.
    pub(crate) fn release_waiter(&self, key: usize) -> Option<Waker> {
        let mut waiters = self.waiters.lock();
        waiters
            .list
            .as_deref_mut()
            .and_then(|list| list.try_remove(key))
            .and_then(|entry| entry.waker)
    }

    /// Removes `bits` from the readiness, unless an event arrived since the operation saw
    /// `event` (the tick moved on): then the bits are that event's, and must stay.
    #[inline]
    pub(crate) fn clear(&self, event: ReadyEvent, bits: usize) {
        let _ = self.readiness.fetch_update(AcqRel, Acquire, |curr| {
            (curr >> TICK_SHIFT == event.tick).then_some(curr & !bits)
        });
    }

    /// (held entries, list capacity) of the waiter list.
    #[cfg(test)]
    pub(crate) fn waiter_entries(&self) -> (usize, usize) {
        let waiters = self.waiters.lock();
        waiters
            .list
            .as_deref()
            .map_or((0, 0), |l| (l.len(), l.capacity()))
    }
}

#[cfg(all(test, not(baton_loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::task::Wake;

    struct Count(std::sync::atomic::AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    fn counting() -> (Arc<Count>, Waker) {
        let c = Arc::new(Count(Default::default()));
        (c.clone(), Waker::from(c))
    }

    #[test]
    fn a_clear_overtaken_by_an_event_keeps_the_events_bits() {
        let io = ScheduledIo::new(READABLE);
        let Some(Ok(seen)) = io.ready_now(Direction::Read) else {
            panic!("ready from the start");
        };
        // The event arrives between the operation's `WouldBlock` and its clear.
        io.deliver(READABLE, &mut Vec::new());
        io.clear(seen, Direction::Read.mask());
        assert!(matches!(io.ready_now(Direction::Read), Some(Ok(_))));
        // Without an event in between, the clear takes.
        let Some(Ok(seen)) = io.ready_now(Direction::Read) else {
            unreachable!()
        };
        io.clear(seen, Direction::Read.mask());
        assert_eq!(io.ready_now(Direction::Read), None);
    }

    #[test]
    fn an_event_wakes_the_poll_waker_and_every_waiter_of_its_direction_only() {
        let io = ScheduledIo::new(0);
        let (reads, read_waker) = counting();
        let (writes, write_waker) = counting();
        let mut cx_r = Context::from_waker(&read_waker);
        let mut cx_w = Context::from_waker(&write_waker);
        let (mut a, mut b, mut w) = (None, None, None);
        assert!(io.poll_ready(&mut cx_r, Direction::Read).is_pending());
        assert!(io
            .poll_waiter(&mut cx_r, Direction::Read, &mut a)
            .is_pending());
        assert!(io
            .poll_waiter(&mut cx_r, Direction::Read, &mut b)
            .is_pending());
        assert!(io
            .poll_waiter(&mut cx_w, Direction::Write, &mut w)
            .is_pending());
        let mut woken = Vec::new();
        io.deliver(READABLE, &mut woken);
        crate::panic::wake_all(&mut woken);
        assert_eq!(reads.0.load(std::sync::atomic::Ordering::SeqCst), 3);
        assert_eq!(writes.0.load(std::sync::atomic::Ordering::SeqCst), 0);
        // Entries stay until their owners are ready or gone.
        assert_eq!(io.waiter_entries().0, 3);
        assert!(io
            .poll_waiter(&mut cx_r, Direction::Read, &mut a)
            .is_ready());
        assert_eq!((a, io.waiter_entries().0), (None, 2));
        drop(io.release_waiter(b.take().unwrap()));
        drop(io.release_waiter(w.take().unwrap()));
        assert_eq!(io.waiter_entries().0, 0);
    }

    #[test]
    fn shutdown_fails_every_operation_and_wakes_every_waiter() {
        let io = ScheduledIo::new(READABLE | WRITABLE);
        let (count, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        let Some(Ok(seen)) = io.ready_now(Direction::Read) else {
            unreachable!()
        };
        io.clear(seen, READINESS);
        let mut key = None;
        assert!(io.poll_ready(&mut cx, Direction::Write).is_pending());
        assert!(io
            .poll_waiter(&mut cx, Direction::Read, &mut key)
            .is_pending());
        let mut woken = Vec::new();
        io.shutdown(&mut woken);
        crate::panic::wake_all(&mut woken);
        assert_eq!(count.0.load(std::sync::atomic::Ordering::SeqCst), 2);
        assert_eq!(
            io.poll_waiter(&mut cx, Direction::Read, &mut key),
            Poll::Ready(Err(Closed))
        );
        assert_eq!(
            io.poll_ready(&mut cx, Direction::Write),
            Poll::Ready(Err(Closed))
        );
        // Even with readiness left over, nothing is tried any more.
        io.deliver(READABLE, &mut Vec::new());
        assert_eq!(io.ready_now(Direction::Read), Some(Err(Closed)));
    }

    #[test]
    fn the_tick_wraps_without_touching_the_bits() {
        let io = ScheduledIo::new(0);
        for _ in 0..=TICK_MAX {
            io.deliver(WRITE_CLOSED, &mut Vec::new());
        }
        let Some(Ok(seen)) = io.ready_now(Direction::Write) else {
            panic!("write closed is ready");
        };
        assert_eq!(seen.tick, 0);
        assert_eq!(io.ready_now(Direction::Read), None);
    }

    #[test]
    fn the_shared_state_stays_within_a_cache_line() {
        assert!(
            std::mem::size_of::<ScheduledIo>() <= 64,
            "ScheduledIo is {} bytes",
            std::mem::size_of::<ScheduledIo>()
        );
    }
}

#[cfg(all(test, baton_loom))]
mod loom_models {
    use super::*;
    use crate::loom::model::{poll_racing, CountingWaker};
    use loom::sync::Arc;
    use std::future::Future;
    use std::pin::Pin;

    /// A socket's kernel side: whether a datagram waits, and the reactor that reports it. The
    /// kernel's queue is a lock, as a system call orders like one (and loom 0.7 lets a swap
    /// racing a plain atomic store read a stale value, which no kernel queue does).
    struct Socket {
        io: ScheduledIo,
        data: loom::sync::Mutex<bool>,
    }

    impl Socket {
        fn new() -> Arc<Socket> {
            Arc::new(Socket {
                io: ScheduledIo::new(READABLE),
                data: loom::sync::Mutex::new(false),
            })
        }

        /// The kernel queues a datagram and the reactor delivers the edge.
        fn arrive(&self) {
            *self.data.lock().unwrap() = true;
            let mut woken = Vec::new();
            self.io.deliver(READABLE, &mut woken);
            woken.into_iter().for_each(Waker::wake);
        }

        /// One non-blocking receive: `false` is `WouldBlock`.
        fn recv(&self) -> bool {
            std::mem::take(&mut *self.data.lock().unwrap())
        }
    }

    /// `Registration::poll_io`'s loop over the poll waker: try, clear on `WouldBlock`, wait.
    struct Recv(Arc<Socket>);

    impl Future for Recv {
        type Output = ();
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            loop {
                let seen = match self.0.io.poll_ready(cx, Direction::Read) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(found) => found.expect("not shut down"),
                };
                if self.0.recv() {
                    return Poll::Ready(());
                }
                self.0.io.clear(seen, Direction::Read.mask());
            }
        }
    }

    /// The same through a waiter entry, which must be given back by the end.
    struct RecvWaiting(Arc<Socket>, Option<usize>);

    impl Future for RecvWaiting {
        type Output = ();
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            let this = self.get_mut();
            loop {
                let seen = match this.0.io.poll_waiter(cx, Direction::Read, &mut this.1) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(found) => found.expect("not shut down"),
                };
                if this.0.recv() {
                    return Poll::Ready(());
                }
                this.0.io.clear(seen, Direction::Read.mask());
            }
        }
    }

    /// An event delivered while an operation, on another thread, is between its `WouldBlock`
    /// and its clear: the clear must not erase the event (the tick), and the task must then
    /// receive the datagram or be woken for it.
    #[test]
    fn an_event_racing_an_operations_clear_is_never_lost() {
        loom::model(|| {
            let socket = Socket::new();
            let reactor = {
                let socket = socket.clone();
                loom::thread::spawn(move || socket.arrive())
            };
            poll_racing(&mut Recv(socket), reactor);
        });
    }

    /// A wake racing a waiter's registration in the list: the waiter is woken or sees the
    /// readiness, and its entry is given back once it is ready.
    #[test]
    fn a_wake_racing_a_waiter_registration_is_never_lost() {
        loom::model(|| {
            let socket = Socket::new();
            let reactor = {
                let socket = socket.clone();
                loom::thread::spawn(move || socket.arrive())
            };
            let mut fut = RecvWaiting(socket.clone(), None);
            poll_racing(&mut fut, reactor);
            assert_eq!(fut.1, None, "a ready waiter gave its entry back");
            assert_eq!(socket.io.waiter_entries().0, 0);
        });
    }

    /// The reactor shutting down while a waiter registers: the waiter is woken or sees the
    /// shutdown at once, and fails either way.
    #[test]
    fn shutdown_racing_a_waiter_registration_wakes_it_to_fail() {
        loom::model(|| {
            let io = Arc::new(ScheduledIo::new(0));
            let reactor = {
                let io = io.clone();
                loom::thread::spawn(move || {
                    let mut woken = Vec::new();
                    io.shutdown(&mut woken);
                    woken.into_iter().for_each(Waker::wake);
                })
            };
            let counter = CountingWaker::new();
            let waker = counter.waker();
            let mut cx = Context::from_waker(&waker);
            let mut key = None;
            let first = io.poll_waiter(&mut cx, Direction::Read, &mut key);
            reactor.join().unwrap();
            if first.is_pending() {
                assert_eq!(counter.count(), 1, "lost wake-up");
            }
            assert_eq!(
                io.poll_waiter(&mut cx, Direction::Read, &mut key),
                Poll::Ready(Err(Closed))
            );
            assert_eq!(key, None);
        });
    }
}
