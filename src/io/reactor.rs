//! The reactor: the loop parks in `mio::Poll`; sockets register there and learn of readiness.
//!
//! # Parts
//!
//! - [`Reactor`], owned by the loop's `Core`: the `mio::Poll`, its event buffer, and the
//!   `mio::Waker` ([`Unparker`]) other threads use to wake a parked loop.
//! - [`Driver`], shared (`Rc`) by the reactor and every [`Registration`]: a dup of the poll's
//!   `mio::Registry` and the slab of registrations. A registration keeps its driver alive, so a
//!   socket that outlives its loop still deregisters cleanly.
//! - [`Registration`]: one file descriptor in the slab. Its slot holds the readiness the loop has
//!   seen and one waker per direction (read, write), so the two halves of a split stream wait
//!   independently.
//!
//! # Readiness rules (edge-triggered)
//!
//! Every descriptor is registered once for both directions, edge-triggered: the kernel reports a
//! change, not a level. So the slot remembers readiness until an operation proves it stale:
//!
//! 1. An event ORs its bits into the slot and wakes the waiting reader and/or writer.
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
//! Only this file talks to mio.

use std::cell::RefCell;
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

use crate::runtime::context;

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
    driver: Rc<Driver>,
}

/// Wakes a parked loop from any thread.
#[derive(Clone)]
pub(crate) struct Unparker {
    waker: Arc<mio::Waker>,
}

/// The registrations of one loop, shared by the reactor and every registered socket.
pub(crate) struct Driver {
    /// A dup of the poll's registry: registering needs no access to the `Poll` itself.
    registry: Registry,
    slots: RefCell<Slab<Slot>>,
}

/// One registered descriptor.
#[derive(Default)]
struct Slot {
    /// Readiness seen and not yet proven stale (the bits above).
    ready: u8,
    /// The task waiting to read (or accept, or receive).
    reader: Option<Waker>,
    /// The task waiting to write (or connect, or send).
    writer: Option<Waker>,
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
    driver: Rc<Driver>,
    key: usize,
    fd: RawFd,
}

impl Reactor {
    pub(crate) fn new() -> io::Result<Reactor> {
        let poll = mio::Poll::new()?;
        let waker = Arc::new(mio::Waker::new(poll.registry(), UNPARK)?);
        let driver = Rc::new(Driver {
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

    pub(crate) fn unparker(&self) -> Unparker {
        self.unparker.clone()
    }

    /// Blocks until an event, an unpark, or `timeout` (`None`: no limit; zero: just look), and
    /// pushes the wakers of the tasks whose I/O became ready onto `woken`. The caller wakes them
    /// once it has released the reactor: a waker may run code that touches it.
    pub(crate) fn park(&mut self, timeout: Option<Duration>, woken: &mut Vec<Waker>) {
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
            if bits & Direction::Read.mask() != 0 {
                woken.extend(slot.reader.take());
            }
            if bits & Direction::Write.mask() != 0 {
                woken.extend(slot.writer.take());
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
    /// Registers `fd` (already non-blocking) with the running loop, for both directions.
    ///
    /// # Errors
    /// When the OS refuses the registration.
    ///
    /// # Panics
    /// Outside a running event loop.
    #[track_caller]
    pub(crate) fn new(fd: RawFd, initially: Initially) -> io::Result<Registration> {
        let driver = context::with_core(|core| core.with_reactor(|r| r.driver.clone()));
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

    /// Ready when the slot says `dir` may proceed; otherwise remembers `cx`'s waker (replacing
    /// the previous waiter in that direction) and returns `Pending`.
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
        loop {
            if self.poll_ready(cx, dir).is_pending() {
                return Poll::Pending;
            }
            match op() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.clear(dir),
                result => return Poll::Ready(result),
            }
        }
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
        let same = context::try_with_core(|core| {
            core.map_or(true, |core| {
                core.with_reactor(|r| Rc::ptr_eq(&r.driver, &self.driver))
            })
        });
        assert!(
            same,
            "an I/O object was polled on a different event loop from the one it was created on; \
             sockets belong to the loop that made them"
        );
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
