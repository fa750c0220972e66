//! The reactor: the loop parks in `mio::Poll`; sockets register there and learn of readiness.
//!
//! # Parts
//!
//! - [`Reactor`], owned by the loop's `Core`: the `mio::Poll`, its event buffer, and the
//!   `mio::Waker` ([`Unparker`]) other threads use to wake a parked loop.
//! - [`Registrations`], shared (`Rc`) by the reactor and every [`Registration`]: a dup of the poll's
//!   `mio::Registry` and the slab of registrations. A registration keeps its registration table alive, so a
//!   socket that outlives its loop still deregisters cleanly.
//! - [`Registration`]: one file descriptor in the slab. Its slot holds the readiness the loop has
//!   seen and, per direction (read, write), who waits for it:
//!   - the **poll waker**: one waker, kept by [`Registration::poll_ready`] for code that owns the
//!     direction or polls through a `poll_*` method (a stream's reader and writer, the two halves
//!     of a split stream, a connect in progress). A later poll replaces it, so it costs no
//!     allocation; `poll_*` methods on shared sockets document that only the last caller's waker
//!     is kept (tokio's rule).
//!   - the **waiter list**: one entry per pending future of a `&self` method that several tasks
//!     may await at once (`accept`, `recv`, `recv_from`, `send`, `send_to`). A [`Waiter`], held
//!     by the future, owns its entry from its first `Pending` until it is ready or dropped, and
//!     only its owner removes it (an event just takes the waker out). So a re-poll updates the
//!     entry in place (no duplicates), and a cancelled future removes its entry in its `Drop`:
//!     the list never holds more entries than there are live futures waiting on the socket.
//!     Both directions share one slab, boxed so that the slot grows by a pointer; it is
//!     allocated the first time such a future waits and reused for the socket's life, so a wait
//!     allocates nothing once the list has held as many waiters at once as now.
//!
//! # Readiness rules (edge-triggered)
//!
//! Every descriptor is registered once for both directions, edge-triggered: the kernel reports a
//! change, not a level. So the slot remembers readiness until an operation proves it stale:
//!
//! 1. An event ORs its bits into the slot and, for each direction it makes ready, wakes the poll
//!    waker and **every** listed waiter of that direction (their entries stay, emptied, until
//!    their futures release them). Waking all loses nobody: each woken task re-tries; the first
//!    takes the connection or datagram, a later one finds `WouldBlock`, clears the direction
//!    (rule 3) and waits again. A waiter cancelled after its wake therefore swallows nothing.
//!    The wakers are collected under the slab's borrow and woken (or dropped) after it ends, as
//!    every waker in this file: a waker may run code that touches the slab.
//! 2. An operation is attempted while the slot says its direction is ready.
//! 3. Only a `WouldBlock` from that operation clears the direction's bits ([`Registration::clear`]);
//!    any other result (data, EOF, an error) leaves them set, so no edge is ever lost.
//! 4. After a clear, the operation waits for the next event: a `WouldBlock` never retries at
//!    once, so a waiting socket costs no CPU.
//! 5. A short read or write (fewer bytes than asked) also proves the buffer drained (or full)
//!    and clears the plain readable/writable bit ([`Registration::clear_drained`]), saving the
//!    `WouldBlock` syscall; closed and error bits stay, since no new edge would repeat them.
//!
//! Events arrive only inside [`Reactor::park`], on the loop's thread, never while a task runs, so
//! no event can slip between an operation's `WouldBlock` and its clear.
//!
//! Every operation through `poll_io` spends one unit of the task's cooperative budget
//! (`task/coop.rs`): a socket that never runs dry cannot keep its task from yielding.
//!
//! Only this file talks to mio.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io;
use std::os::fd::RawFd;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use mio::unix::SourceFd;
use mio::{Events, Interest, Registry, Token};
use slab::Slab;

use super::IoDriver;
use crate::coop;

thread_local! {
    /// The registration table of the loop running on this thread (null: none), so a socket
    /// polled inside another loop is caught (see `Registration::assert_on_own_loop`).
    static RUNNING: Cell<*const Registrations> = const { Cell::new(std::ptr::null()) };
}

/// Marks `driver`'s loop as running on this thread until the guard drops (also on unwind).
pub(crate) fn enter(driver: &Rc<Registrations>) -> RunningGuard {
    RunningGuard {
        prev: RUNNING.with(|r| r.replace(Rc::as_ptr(driver))),
    }
}

/// Restores the previous running table; see [`enter`].
pub(crate) struct RunningGuard {
    prev: *const Registrations,
}

impl Drop for RunningGuard {
    fn drop(&mut self) {
        RUNNING.with(|r| r.set(self.prev));
    }
}

/// The token of the cross-thread waker.
const UNPARK: Token = Token(usize::MAX);

/// Readiness bits kept per registration.
const READABLE: u8 = 1;
const WRITABLE: u8 = 1 << 1;
const READ_CLOSED: u8 = 1 << 2;
const WRITE_CLOSED: u8 = 1 << 3;
const ERROR: u8 = 1 << 4;

/// Owns the loop's `mio::Poll`. Loop thread only.
pub(crate) struct Reactor {
    poll: mio::Poll,
    events: Events,
    unparker: Unparker,
    driver: Rc<Registrations>,
}

/// Wakes a parked loop from any thread.
#[derive(Clone)]
pub(crate) struct Unparker {
    waker: Arc<mio::Waker>,
}

/// The registrations of one loop, shared by the reactor and every registered socket.
pub(crate) struct Registrations {
    /// A dup of the poll's registry: registering needs no access to the `Poll` itself.
    registry: Registry,
    slots: RefCell<Slab<Slot>>,
}

/// One registered descriptor.
#[derive(Default)]
struct Slot {
    /// Readiness seen and not yet proven stale (the bits above).
    ready: u8,
    /// The poll waker to read (or accept, or receive): the last `poll_ready` caller's.
    reader: Option<Waker>,
    /// The poll waker to write (or connect, or send): the last `poll_ready` caller's.
    writer: Option<Waker>,
    /// The waiter list of both directions: one entry per [`Waiter`] holding a key, `None` until
    /// the first one waits (most sockets never have one).
    waiters: Option<Box<Slab<Entry>>>,
}

/// A [`Waiter`]'s place in its slot's waiter list. Only that waiter removes it (when ready or
/// dropped), so its key stays valid while the waiter lives.
struct Entry {
    dir: Direction,
    /// `None` once an event took it (the task is woken) or before the first wait.
    waker: Option<Waker>,
}

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
    fn mask(self) -> u8 {
        match self {
            Direction::Read => READABLE | READ_CLOSED | ERROR,
            Direction::Write => WRITABLE | WRITE_CLOSED | ERROR,
        }
    }
}

/// Initial readiness of a new registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Initially {
    /// Assume both directions ready: the first operation is tried at once (accepted and bound
    /// sockets, where it usually succeeds; a `WouldBlock` costs one syscall).
    Ready,
    /// Wait for the first event (a connect in progress).
    NotReady,
}

/// A descriptor registered with the running loop's reactor; deregistered on drop.
///
/// The owner must drop the registration before closing the descriptor.
pub(crate) struct Registration {
    driver: Rc<Registrations>,
    key: usize,
    fd: RawFd,
}

/// One future's place in a registration's waiter list for one direction: the way a `&self`
/// method's future waits, so that every task awaiting the socket is woken (see the module docs).
///
/// Holds no entry until its first `Pending`; from then on re-polls update the same entry, and
/// being ready or dropped gives it back. Cheap to create: no allocation, no borrow.
pub(crate) struct Waiter<'a> {
    reg: &'a Registration,
    dir: Direction,
    /// The entry's key in the slot's waiter list, while this waiter holds one.
    key: Option<usize>,
}

impl Reactor {
    pub(crate) fn new() -> io::Result<Reactor> {
        let poll = mio::Poll::new()?;
        let waker = Arc::new(mio::Waker::new(poll.registry(), UNPARK)?);
        let driver = Rc::new(Registrations {
            registry: poll.registry().try_clone()?,
            slots: RefCell::new(Slab::new()),
        });
        Ok(Reactor {
            poll,
            events: Events::with_capacity(1024),
            unparker: Unparker { waker },
            driver,
        })
    }
}

impl IoDriver for Reactor {
    fn unparker(&self) -> Unparker {
        self.unparker.clone()
    }

    fn registrations(&self) -> Rc<Registrations> {
        self.driver.clone()
    }

    /// Blocks until an event, an unpark, or `timeout` (`None`: no limit; zero: just look), and
    /// pushes the wakers of the tasks whose I/O became ready onto `woken`. The caller wakes them
    /// once it has released the reactor: a waker may run code that touches it.
    fn park(&mut self, timeout: Option<Duration>, woken: &mut Vec<Waker>) {
        match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => {}
            // A signal interrupted the wait: the loop re-checks its work and parks again.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return,
            Err(e) => panic!("the event loop's poller failed: {e}"),
        }
        let mut slots = self.driver.slots.borrow_mut();
        for event in self.events.iter() {
            // The unpark token needs no handling: the loop reads the remote queue after every
            // park.
            let Some(slot) = slots.get_mut(event.token().0) else {
                continue;
            };
            let mut bits = 0;
            if event.is_readable() {
                bits |= READABLE;
            }
            if event.is_writable() {
                bits |= WRITABLE;
            }
            if event.is_read_closed() {
                bits |= READ_CLOSED;
            }
            if event.is_write_closed() {
                bits |= WRITE_CLOSED;
            }
            if event.is_error() {
                bits |= ERROR;
            }
            slot.ready |= bits;
            let read = bits & Direction::Read.mask() != 0;
            let write = bits & Direction::Write.mask() != 0;
            if read {
                woken.extend(slot.reader.take());
            }
            if write {
                woken.extend(slot.writer.take());
            }
            if let Some(waiters) = slot.waiters.as_deref_mut() {
                for (_, entry) in waiters.iter_mut() {
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
    }
}

impl Unparker {
    pub(crate) fn unpark(&self) {
        // A failure here means the eventfd is gone, i.e. the loop was dropped: nothing to wake.
        let _ = self.waker.wake();
    }
}

impl Registration {
    /// Registers `fd` (already non-blocking) in `driver`, the running loop's table, for both
    /// directions.
    ///
    /// # Errors
    /// When the OS refuses the registration.
    pub(crate) fn new(
        driver: Rc<Registrations>,
        fd: RawFd,
        initially: Initially,
    ) -> io::Result<Registration> {
        let key = driver.slots.borrow_mut().insert(Slot {
            ready: match initially {
                Initially::Ready => READABLE | WRITABLE,
                Initially::NotReady => 0,
            },
            ..Slot::default()
        });
        let interest = Interest::READABLE | Interest::WRITABLE;
        if let Err(e) = driver
            .registry
            .register(&mut SourceFd(&fd), Token(key), interest)
        {
            driver.slots.borrow_mut().remove(key);
            return Err(e);
        }
        Ok(Registration { driver, key, fd })
    }

    /// A waiter for `dir`, for the future of a `&self` method that several tasks may await at
    /// once: it keeps its own place, so it neither replaces nor is replaced by another waiter.
    pub(crate) fn waiter(&self, dir: Direction) -> Waiter<'_> {
        Waiter {
            reg: self,
            dir,
            key: None,
        }
    }

    /// Ready when the slot says `dir` may proceed; otherwise remembers `cx`'s waker as the
    /// direction's poll waker (replacing the previous one: for code that owns the direction, or
    /// polls through a `poll_*` method) and returns `Pending`. Futures shared between tasks wait
    /// through a [`Waiter`] instead.
    ///
    /// # Panics
    /// When it would wait while polled on a different loop from the one it was registered with
    /// (its readiness would never arrive).
    #[track_caller]
    pub(crate) fn poll_ready(&self, cx: &mut Context<'_>, dir: Direction) -> Poll<()> {
        let old = {
            let mut slots = self.driver.slots.borrow_mut();
            let slot = &mut slots[self.key];
            if slot.ready & dir.mask() != 0 {
                return Poll::Ready(());
            }
            let waiter = match dir {
                Direction::Read => &mut slot.reader,
                Direction::Write => &mut slot.writer,
            };
            match waiter {
                Some(w) if w.will_wake(cx.waker()) => None,
                _ => waiter.replace(cx.waker().clone()),
            }
        };
        // Dropped after the borrow ends: dropping a waker may free a task and its sockets.
        drop(old);
        self.assert_on_own_loop();
        Poll::Pending
    }

    /// Marks `dir` not ready: the last operation in that direction returned `WouldBlock`.
    pub(crate) fn clear(&self, dir: Direction) {
        self.driver.slots.borrow_mut()[self.key].ready &= !dir.mask();
    }

    /// Marks `dir` drained after a short read or write (fewer bytes than asked): with
    /// edge-triggered epoll that proves the kernel buffer empty (or full), so the next operation
    /// waits for an event instead of spending a syscall on `WouldBlock`. Unlike
    /// [`clear`](Registration::clear) it keeps the closed and error bits, which no later edge
    /// would report again.
    pub(crate) fn clear_drained(&self, dir: Direction) {
        let bit = match dir {
            Direction::Read => READABLE,
            Direction::Write => WRITABLE,
        };
        self.driver.slots.borrow_mut()[self.key].ready &= !bit;
    }

    /// Runs the non-blocking operation `op` once `dir` is ready, until it does not return
    /// `WouldBlock`; waits for the next event after each `WouldBlock`.
    #[track_caller]
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        mut op: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        coop::poll_budgeted(cx, coop::Cost::Syscall, |cx| loop {
            if self.poll_ready(cx, dir).is_pending() {
                return Poll::Pending;
            }
            match op() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.clear(dir),
                result => return Poll::Ready(result),
            }
        })
    }

    /// Runs `op` now if `dir` may be ready; a `WouldBlock` (returned as is) clears it.
    pub(crate) fn try_io<R>(
        &self,
        dir: Direction,
        op: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        if self.driver.slots.borrow()[self.key].ready & dir.mask() == 0 {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let result = op();
        if matches!(&result, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            self.clear(dir);
        }
        result
    }

    #[track_caller]
    fn assert_on_own_loop(&self) {
        let current = RUNNING.with(Cell::get);
        let same = current.is_null() || std::ptr::eq(current, Rc::as_ptr(&self.driver));
        assert!(
            same,
            "an I/O object was polled on a different event loop from the one it was created on; \
             sockets belong to the loop that made them"
        );
    }
}

impl Waiter<'_> {
    /// Ready when the slot says the direction may proceed (giving back this waiter's entry, if
    /// it holds one); otherwise records `cx`'s waker in this waiter's own entry, taking one on
    /// the first wait, and returns `Pending`.
    ///
    /// # Panics
    /// As [`Registration::poll_ready`]: when it would wait on a different loop.
    #[track_caller]
    pub(crate) fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let (ready, old) = {
            let mut slots = self.reg.driver.slots.borrow_mut();
            let slot = &mut slots[self.reg.key];
            if slot.ready & self.dir.mask() != 0 {
                let old = match (self.key.take(), slot.waiters.as_deref_mut()) {
                    (Some(key), Some(waiters)) => waiters.try_remove(key).and_then(|e| e.waker),
                    _ => None,
                };
                (true, old)
            } else {
                let waiters = slot.waiters.get_or_insert_with(Box::default);
                let old = match self.key {
                    Some(key) => {
                        let waker = &mut waiters[key].waker;
                        match waker {
                            Some(w) if w.will_wake(cx.waker()) => None,
                            _ => waker.replace(cx.waker().clone()),
                        }
                    }
                    None => {
                        self.key = Some(waiters.insert(Entry {
                            dir: self.dir,
                            waker: Some(cx.waker().clone()),
                        }));
                        None
                    }
                };
                (false, old)
            }
        };
        // Dropped after the borrow ends: dropping a waker may free a task and its sockets.
        drop(old);
        if ready {
            return Poll::Ready(());
        }
        self.reg.assert_on_own_loop();
        Poll::Pending
    }

    /// As [`Registration::poll_io`], waiting through this waiter.
    #[track_caller]
    pub(crate) fn poll_io<R>(
        &mut self,
        cx: &mut Context<'_>,
        mut op: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        coop::poll_budgeted(cx, coop::Cost::Syscall, |cx| loop {
            if self.poll_ready(cx).is_pending() {
                return Poll::Pending;
            }
            match op() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.reg.clear(self.dir),
                result => return Poll::Ready(result),
            }
        })
    }
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else {
            return;
        };
        let entry = {
            let mut slots = self.reg.driver.slots.borrow_mut();
            slots
                .get_mut(self.reg.key)
                .and_then(|slot| slot.waiters.as_deref_mut())
                .and_then(|waiters| waiters.try_remove(key))
        };
        // Dropped after the borrow ends: dropping a waker may free a task and its sockets.
        drop(entry);
    }
}

impl fmt::Debug for Waiter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waiter")
            .field("dir", &self.dir)
            .field("waiting", &self.key.is_some())
            .finish_non_exhaustive()
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // Fails only if the descriptor is already closed, which the owner rules out.
        let _ = self.driver.registry.deregister(&mut SourceFd(&self.fd));
        let slot = self.driver.slots.borrow_mut().try_remove(self.key);
        // Dropped after the borrow ends: dropping a waker may free a task and its sockets.
        drop(slot);
    }
}

impl fmt::Debug for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registration")
            .field("fd", &self.fd)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;
    use std::task::Wake;

    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }

    /// Runs `f` on a fresh loop with a registered socket whose read direction is not ready.
    fn with_idle_registration(f: impl FnOnce(&Registration)) {
        let mut lp = crate::EventLoop::new().unwrap();
        lp.run_until_complete(async {
            let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            socket.set_nonblocking(true).unwrap();
            let driver = crate::runtime::context::with(|cx| cx.registrations());
            let reg = Registration::new(driver, socket.as_raw_fd(), Initially::NotReady).unwrap();
            f(&reg);
        });
    }

    /// The entries of `reg`'s waiter list: (held, slab capacity).
    fn entries(reg: &Registration) -> (usize, usize) {
        let slots = reg.driver.slots.borrow();
        slots[reg.key]
            .waiters
            .as_deref()
            .map_or((0, 0), |w| (w.len(), w.capacity()))
    }

    #[test]
    #[cfg_attr(miri, ignore = "real sockets")]
    fn a_waiter_holds_one_entry_however_often_it_is_polled_and_gives_it_back_on_drop() {
        with_idle_registration(|reg| {
            let task_a = Waker::from(Arc::new(Noop));
            let task_b = Waker::from(Arc::new(Noop));
            let mut a = reg.waiter(Direction::Read);
            let mut b = reg.waiter(Direction::Read);
            for _ in 0..3 {
                assert!(a.poll_ready(&mut Context::from_waker(&task_a)).is_pending());
                assert!(b.poll_ready(&mut Context::from_waker(&task_b)).is_pending());
            }
            // Moved to another task: still one entry, holding the new waker.
            assert!(a.poll_ready(&mut Context::from_waker(&task_b)).is_pending());
            assert_eq!(entries(reg).0, 2);
            drop(a);
            assert_eq!(entries(reg).0, 1);
            drop(b);
            assert_eq!(entries(reg).0, 0);
        });
    }

    #[test]
    #[cfg_attr(miri, ignore = "real sockets")]
    fn waiting_again_reuses_the_list_without_growing_it() {
        with_idle_registration(|reg| {
            let waker = Waker::from(Arc::new(Noop));
            let wait = || {
                let mut w = reg.waiter(Direction::Write);
                assert!(w.poll_ready(&mut Context::from_waker(&waker)).is_pending());
            };
            wait();
            let (held, capacity) = entries(reg);
            assert_eq!(held, 0);
            for _ in 0..100 {
                wait();
            }
            assert_eq!(entries(reg), (0, capacity));
        });
    }

    #[test]
    fn the_waiter_list_grows_the_slot_by_one_pointer() {
        assert!(
            std::mem::size_of::<Slot>() <= 48,
            "a slot is {} bytes",
            std::mem::size_of::<Slot>()
        );
    }
}
