//! The reactor: the loop parks in `mio::Poll`; sockets register there and learn of readiness.
//!
//! # Parts
//!
//! - [`Reactor`], owned by the loop's `Core`: the `mio::Poll`, its event buffer, and the
//!   `mio::Waker` ([`Unparker`]) other threads use to wake a parked loop.
//! - [`Registrations`], shared (`Arc`) by the reactor and every [`Registration`]: a dup of the
//!   poll's `mio::Registry` (which is `Sync`: any thread may deregister) and the table of
//!   registrations, a slab behind a lock, indexed by the event token. A registration keeps its
//!   table alive, so a socket that outlives its loop still deregisters cleanly.
//! - [`ScheduledIo`] (`scheduled_io.rs`), one per registration, shared (`Arc`) by the table and
//!   the [`Registration`]: the atomic readiness word (readiness bits, an event tick, a shutdown
//!   bit) and, behind a lock, who waits, per direction (read, write):
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
//!     the list never holds more entries than there are live futures waiting on the socket. It
//!     is allocated the first time such a future waits and reused for the socket's life.
//!
//! # Sockets on any thread
//!
//! A registration is `Send + Sync`: the socket can be used by a task on any thread, while it
//! stays registered with the reactor of the loop that made it. That reactor delivers its
//! readiness when it parks, and the wake reaches the task wherever it runs (wakers are `Send`).
//! So if that loop is not running (an `EventLoop` between runs), an operation that must wait
//! waits until it runs again; when the loop is **closed** (its reactor dropped), every
//! registration is marked shut down and its waiters woken, and every pending or later operation
//! fails with "the event loop this socket was registered with has closed". Dropping a socket on
//! any thread deregisters it at once.
//!
//! Tokens carry a generation beside the slab key, so an event still in the buffer for a socket
//! dropped on another thread during `park` never reaches a later socket in the same slot.
//!
//! # Readiness rules (edge-triggered)
//!
//! Every descriptor is registered once for both directions, edge-triggered: the kernel reports a
//! change, not a level. So the readiness word remembers readiness until an operation proves it
//! stale:
//!
//! 1. An event ORs its bits into the word, advances its tick and, for each direction it makes
//!    ready, wakes the poll waker and **every** listed waiter of that direction (their entries
//!    stay, emptied, until their futures release them). Waking all loses nobody: each woken
//!    task re-tries; the first takes the connection or datagram, a later one finds `WouldBlock`,
//!    clears the direction (rule 3) and waits again. A waiter cancelled after its wake therefore
//!    swallows nothing. The wakers are collected under the locks and woken (or dropped) after
//!    they are released, as every waker in this file: a waker may run code that touches them.
//! 2. An operation is attempted while the word says its direction is ready (an atomic load: a
//!    ready socket takes no lock), and remembers the tick it saw.
//! 3. Only a `WouldBlock` from that operation clears the direction's bits ([`Registration::clear`]);
//!    any other result (data, EOF, an error) leaves them set, so no edge is ever lost.
//! 4. After a clear, the operation waits for the next event: a `WouldBlock` never retries at
//!    once, so a waiting socket costs no CPU.
//! 5. A short read or write (fewer bytes than asked) also proves the buffer drained (or full)
//!    and clears the plain readable/writable bit ([`Registration::poll_transfer`]), saving the
//!    `WouldBlock` syscall; closed and error bits stay, since no new edge would repeat them.
//! 6. A clear (rules 3 and 5) takes effect only if the tick is still the one the operation saw:
//!    the reactor may deliver an event on its thread between the operation's system call and its
//!    clear on another, and that event's bits must stay (`scheduled_io.rs` explains, and its loom
//!    models check it).
//!
//! Every operation through `poll_io` spends one unit of the task's cooperative budget
//! (`coop.rs`): a socket that never runs dry cannot keep its task from yielding.
//!
//! Lock order: the table, then a `ScheduledIo`'s waiters (the reactor delivers events with the
//! table locked); nothing takes them the other way round.
//!
//! Only this file talks to mio.

use std::fmt;
use std::io;
use std::os::fd::RawFd;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use mio::unix::SourceFd;
use mio::{Events, Interest, Registry, Token};
use slab::Slab;

use super::paused_time::PausedTime;
pub(crate) use super::scheduled_io::Direction;
use super::scheduled_io::{
    Closed, ReadyEvent, ScheduledIo, ERROR, READABLE, READ_CLOSED, WRITABLE, WRITE_CLOSED,
};
use super::IoDriver;
use crate::coop;
use crate::loom::Arc;
use crate::panic::wake_all;
use crate::util::Mutex;

/// The token of the cross-thread waker. Its key half (all ones) is never handed out.
const UNPARK: Token = Token(usize::MAX);

/// A token is `generation << KEY_BITS | key`: the slab key, and which registration of that slot.
const KEY_BITS: u32 = usize::BITS / 2;
const KEY_MASK: usize = (1 << KEY_BITS) - 1;
const GENERATION_MASK: usize = usize::MAX >> KEY_BITS;

/// What a pending or later operation on a socket whose loop has closed returns.
fn closed_error() -> io::Error {
    io::Error::other("the event loop this socket was registered with has closed")
}

/// Owns the loop's `mio::Poll`. Loop thread only.
pub(crate) struct Reactor {
    poll: mio::Poll,
    events: Events,
    /// Readiness events delivered to sockets so far (metrics).
    delivered: u64,
    unparker: Unparker,
    driver: Arc<Registrations>,
}

/// Wakes a parked loop from any thread.
#[derive(Clone)]
pub(crate) struct Unparker {
    waker: std::sync::Arc<mio::Waker>,
    /// Under a shared paused clock: the loop's place there, marked busy before the wake, so
    /// another loop going idle at that moment does not take it for idle and jump time past
    /// the work this wake brings (`paused_time.rs`).
    paused: Option<(std::sync::Arc<PausedTime>, usize)>,
}

/// The registrations of one loop, shared by the reactor and every registered socket, on any
/// thread.
pub(crate) struct Registrations {
    /// A dup of the poll's registry: registering and deregistering need no access to the `Poll`.
    registry: Registry,
    table: Mutex<Table>,
}

struct Table {
    slots: Slab<Slot>,
    /// The generation the next registration's token carries.
    next_generation: usize,
    /// The reactor is gone: no new registrations.
    closed: bool,
}

/// One registered descriptor, as the reactor finds it by token.
struct Slot {
    token: Token,
    io: Arc<ScheduledIo>,
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

/// A descriptor registered with a loop's reactor; deregistered on drop, on any thread.
///
/// The owner must drop the registration before closing the descriptor.
pub(crate) struct Registration {
    driver: Arc<Registrations>,
    io: Arc<ScheduledIo>,
    token: Token,
    fd: RawFd,
}

/// One future's place in a registration's waiter list for one direction: the way a `&self`
/// method's future waits, so that every task awaiting the socket is woken (see the module docs).
///
/// Holds no entry until its first `Pending`; from then on re-polls update the same entry, and
/// being ready or dropped gives it back. Cheap to create: no allocation, no lock.
pub(crate) struct Waiter<'a> {
    reg: &'a Registration,
    dir: Direction,
    /// The future this waiter serves has returned `Ready` (set through [`Waiter::returning`]):
    /// its `FusedFuture::is_terminated`.
    returned: bool,
    /// The entry's key in the waiter list, while this waiter holds one.
    key: Option<usize>,
}

impl Reactor {
    pub(crate) fn new() -> io::Result<Reactor> {
        let poll = mio::Poll::new()?;
        let waker = std::sync::Arc::new(mio::Waker::new(poll.registry(), UNPARK)?);
        let driver = Arc::new(Registrations {
            registry: poll.registry().try_clone()?,
            table: Mutex::new(Table {
                slots: Slab::new(),
                next_generation: 0,
                closed: false,
            }),
        });
        Ok(Reactor {
            poll,
            events: Events::with_capacity(1024),
            delivered: 0,
            unparker: Unparker {
                waker,
                paused: None,
            },
            driver,
        })
    }
}

impl IoDriver for Reactor {
    fn unparker(&self) -> Unparker {
        self.unparker.clone()
    }

    fn registrations(&self) -> Arc<Registrations> {
        self.driver.clone()
    }

    fn events_delivered(&self) -> u64 {
        self.delivered
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
        if self.events.is_empty() {
            return;
        }
        let table = self.driver.table.lock();
        for event in self.events.iter() {
            // The unpark token needs no handling (the loop reads the remote queue after every
            // park), and finds no slot: its key is never handed out. A token whose generation
            // differs is of a socket dropped since the poll.
            let token = event.token();
            let Some(slot) = table.slots.get(token.0 & KEY_MASK) else {
                continue;
            };
            if slot.token != token {
                continue;
            }
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
            slot.io.deliver(bits, woken);
            self.delivered += 1;
        }
    }
}

impl Drop for Reactor {
    /// Shuts every registration down and wakes its waiters, so that operations on sockets of a
    /// closed loop, on whatever thread, fail instead of waiting for events that cannot come.
    fn drop(&mut self) {
        let mut woken = Vec::new();
        {
            let mut table = self.driver.table.lock();
            table.closed = true;
            for (_, slot) in table.slots.iter() {
                slot.io.shutdown(&mut woken);
            }
        }
        // Woken after the lock: a waker may run code that drops a socket of this table.
        wake_all(&mut woken);
    }
}

impl Unparker {
    /// This unparker, marking loop `member` of `paused` busy before each wake.
    pub(crate) fn marking_busy(
        self,
        paused: std::sync::Arc<PausedTime>,
        member: usize,
    ) -> Unparker {
        Unparker {
            waker: self.waker,
            paused: Some((paused, member)),
        }
    }

    pub(crate) fn unpark(&self) {
        if let Some((paused, member)) = &self.paused {
            paused.go_busy(*member);
        }
        // A failure here means the eventfd is gone, i.e. the loop was dropped: nothing to wake.
        let _ = self.waker.wake();
    }
}

impl Registration {
    /// Registers `fd` (already non-blocking) in `driver`, a loop's table, for both directions.
    ///
    /// # Errors
    /// When the OS refuses the registration, or the loop has closed.
    pub(crate) fn new(
        driver: Arc<Registrations>,
        fd: RawFd,
        initially: Initially,
    ) -> io::Result<Registration> {
        let io = Arc::new(ScheduledIo::new(match initially {
            Initially::Ready => READABLE | WRITABLE,
            Initially::NotReady => 0,
        }));
        let token = {
            let mut table = driver.table.lock();
            if table.closed {
                return Err(closed_error());
            }
            let generation = table.next_generation;
            table.next_generation = generation.wrapping_add(1) & GENERATION_MASK;
            let entry = table.slots.vacant_entry();
            let key = entry.key();
            if key >= KEY_MASK {
                return Err(io::Error::other(
                    "too many sockets registered with one event loop",
                ));
            }
            let token = Token(generation << KEY_BITS | key);
            entry.insert(Slot {
                token,
                io: io.clone(),
            });
            token
        };
        let interest = Interest::READABLE | Interest::WRITABLE;
        if let Err(e) = driver
            .registry
            .register(&mut SourceFd(&fd), token, interest)
        {
            driver.remove(token);
            return Err(e);
        }
        Ok(Registration {
            driver,
            io,
            token,
            fd,
        })
    }

    /// Whether this registration is in `driver`, a loop's table.
    pub(crate) fn is_in(&self, driver: &Arc<Registrations>) -> bool {
        Arc::ptr_eq(&self.driver, driver)
    }

    /// A waiter for `dir`, for the future of a `&self` method that several tasks may await at
    /// once: it keeps its own place, so it neither replaces nor is replaced by another waiter.
    pub(crate) fn waiter(&self, dir: Direction) -> Waiter<'_> {
        Waiter {
            reg: self,
            dir,
            returned: false,
            key: None,
        }
    }

    /// Ready when the readiness word says `dir` may proceed, with the tick seen; otherwise
    /// remembers `cx`'s waker as the direction's poll waker (replacing the previous one: for
    /// code that owns the direction, or polls through a `poll_*` method) and returns `Pending`.
    /// Futures shared between tasks wait through a [`Waiter`] instead.
    ///
    /// # Errors
    /// When the loop the socket was registered with has closed.
    #[inline]
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        self.io
            .poll_ready(cx, dir)
            .map(|found| found.map_err(|Closed| closed_error()))
    }

    /// Marks `dir` not ready: the operation that saw `event` returned `WouldBlock`. Does
    /// nothing if an event arrived since (rule 6).
    #[inline]
    pub(crate) fn clear(&self, event: ReadyEvent, dir: Direction) {
        self.io.clear(event, dir.mask());
    }

    /// Runs the non-blocking operation `op` once `dir` is ready, until it does not return
    /// `WouldBlock`; waits for the next event after each `WouldBlock`.
    #[inline]
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        op: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        drive(self, cx, dir, |cx| self.poll_ready(cx, dir), op, |_| false)
    }

    /// As [`poll_io`](Self::poll_io) for an operation that moves up to `asked` bytes: a short
    /// transfer proves the kernel buffer drained (or full), so the next operation waits for an
    /// event instead of spending a syscall on `WouldBlock` (rule 5). With edge-triggered epoll
    /// only the plain readable/writable bit goes; the closed and error bits stay.
    #[inline]
    pub(crate) fn poll_transfer(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        asked: usize,
        op: impl FnMut() -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        drive(
            self,
            cx,
            dir,
            |cx| self.poll_ready(cx, dir),
            op,
            |&n| n > 0 && n < asked,
        )
    }

    /// Runs `op` now if `dir` may be ready; a `WouldBlock` (returned as is) clears it.
    ///
    /// # Errors
    /// `op`'s; `WouldBlock` when `dir` is not known to be ready; the closed-loop error.
    pub(crate) fn try_io<R>(
        &self,
        dir: Direction,
        op: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        let event = match self.io.ready_now(dir) {
            None => return Err(io::ErrorKind::WouldBlock.into()),
            Some(found) => found.map_err(|Closed| closed_error())?,
        };
        let result = op();
        if matches!(&result, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            self.clear(event, dir);
        }
        result
    }
}

/// The loop every operation runs: wait through `ready` until `dir` is ready, try `op`, clear on
/// `WouldBlock` (and on a transfer `drained` says was short), against the tick `ready` saw.
#[inline]
fn drive<R>(
    reg: &Registration,
    cx: &mut Context<'_>,
    dir: Direction,
    mut ready: impl FnMut(&mut Context<'_>) -> Poll<io::Result<ReadyEvent>>,
    mut op: impl FnMut() -> io::Result<R>,
    drained: impl Fn(&R) -> bool,
) -> Poll<io::Result<R>> {
    coop::poll_budgeted(cx, coop::Cost::Syscall, |cx| loop {
        let event = match ready(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Ready(Ok(event)) => event,
        };
        match op() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => reg.clear(event, dir),
            Ok(r) => {
                if drained(&r) {
                    reg.io.clear(event, dir.drained_mask());
                }
                return Poll::Ready(Ok(r));
            }
            Err(e) => return Poll::Ready(Err(e)),
        }
    })
}

impl Registrations {
    /// Removes the slot of `token`, if it is still that registration's.
    fn remove(&self, token: Token) {
        let slot = {
            let mut table = self.table.lock();
            let key = token.0 & KEY_MASK;
            match table.slots.get(key) {
                Some(slot) if slot.token == token => Some(table.slots.remove(key)),
                _ => None,
            }
        };
        // Dropped after the lock: it may hold the last reference to wakers.
        drop(slot);
    }
}

impl Waiter<'_> {
    /// Ready when the readiness word says the direction may proceed (giving back this waiter's
    /// entry, if it holds one); otherwise records `cx`'s waker in this waiter's own entry,
    /// taking one on the first wait, and returns `Pending`.
    ///
    /// # Errors
    /// When the loop the socket was registered with has closed.
    #[inline]
    pub(crate) fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ReadyEvent>> {
        self.reg
            .io
            .poll_waiter(cx, self.dir, &mut self.key)
            .map(|found| found.map_err(|Closed| closed_error()))
    }

    /// As [`Registration::poll_io`], waiting through this waiter.
    #[inline]
    pub(crate) fn poll_io<R>(
        &mut self,
        cx: &mut Context<'_>,
        op: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let (reg, dir) = (self.reg, self.dir);
        drive(reg, cx, dir, |cx| self.poll_ready(cx), op, |_| false)
    }

    /// `poll`, the result of the future this waiter serves, passed through; once it is ready
    /// the future has returned, which [`has_returned`](Self::has_returned) tells from then on.
    #[inline]
    pub(crate) fn returning<T>(&mut self, poll: Poll<T>) -> Poll<T> {
        self.returned |= poll.is_ready();
        poll
    }

    /// Whether the future this waiter serves has returned (its `FusedFuture::is_terminated`).
    pub(crate) fn has_returned(&self) -> bool {
        self.returned
    }
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            // Dropped after the lock (inside `release_waiter`) is released.
            drop(self.reg.io.release_waiter(key));
        }
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
        // Fails only if the descriptor is already closed, which the owner rules out. The
        // registry is `Sync`: this runs on whatever thread drops the socket.
        let _ = self.driver.registry.deregister(&mut SourceFd(&self.fd));
        self.driver.remove(self.token);
        // Wakers a poll left behind go with `self.io`'s last reference, outside every lock.
    }
}

impl fmt::Debug for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registration")
            .field("fd", &self.fd)
            .field("token", &self.token.0)
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(baton_loom)))]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;
    use std::task::Wake;

    struct Noop;
    impl Wake for Noop {
        fn wake(self: std::sync::Arc<Self>) {}
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

    fn entries(reg: &Registration) -> (usize, usize) {
        reg.io.waiter_entries()
    }

    #[test]
    #[cfg_attr(miri, ignore = "real sockets")]
    fn a_waiter_holds_one_entry_however_often_it_is_polled_and_gives_it_back_on_drop() {
        with_idle_registration(|reg| {
            let task_a = Waker::from(std::sync::Arc::new(Noop));
            let task_b = Waker::from(std::sync::Arc::new(Noop));
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
            let waker = Waker::from(std::sync::Arc::new(Noop));
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
    #[cfg_attr(miri, ignore = "real sockets")]
    fn a_closed_loop_fails_pending_and_new_operations_and_refuses_registrations() {
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.set_nonblocking(true).unwrap();
        let mut lp = crate::EventLoop::new().unwrap();
        let (driver, reg) = lp.run_until_complete(async {
            let driver = crate::runtime::context::with(|cx| cx.registrations());
            let reg =
                Registration::new(driver.clone(), socket.as_raw_fd(), Initially::NotReady).unwrap();
            (driver, reg)
        });
        let waker = Waker::from(std::sync::Arc::new(Noop));
        let mut cx = Context::from_waker(&waker);
        let mut waiter = reg.waiter(Direction::Read);
        assert!(waiter.poll_ready(&mut cx).is_pending());
        drop(lp);
        let Poll::Ready(Err(e)) = waiter.poll_io(&mut cx, || Ok(())) else {
            panic!("a pending operation of a closed loop must fail");
        };
        assert!(e.to_string().contains("has closed"), "{e}");
        drop(waiter);
        assert!(reg.try_io(Direction::Write, || Ok(())).is_err());
        let other = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let refused = Registration::new(driver, other.as_raw_fd(), Initially::Ready);
        assert_eq!(refused.unwrap_err().to_string(), closed_error().to_string());
    }
}
