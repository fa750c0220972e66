//! What the loop parks in: the **driver**, time and I/O behind one narrow interface.
//!
//! - time: the [`Clock`] (real or paused) and the [`Timers`] (`timers.rs`);
//! - I/O: an [`IoDriver`] — today the mio [`Reactor`] (`reactor.rs`, the only code that talks
//!   to mio); an io_uring driver would be a second implementation;
//! - unpark: the [`Unparker`] other threads use to wake a parked loop.
//!
//! The loop calls [`Driver::fire_timers`] and [`Driver::park`]; leaves (`sleep`, sockets) reach
//! the timers and the registration table through `runtime::context`, never through the loop's
//! fields. Every waker the driver collects is woken or dropped after its borrows end (the
//! "collect, release, then call" rule), and the buffer is reused.

pub(crate) mod clock;
mod paused_time;
pub(crate) mod reactor;
pub(crate) mod scheduled_io;
pub(crate) mod timers;

use std::cell::RefCell;
use std::task::Waker;
use std::time::{Duration, Instant};

pub(crate) use clock::{Clock, ClockSource};
use paused_time::GoneIdle;
pub(crate) use reactor::{Reactor, Registrations, Unparker};
pub(crate) use timers::{TimerKey, Timers};

use crate::loom::Arc;
use crate::panic::{drop_each_quietly, wake_all};

/// How many timer wakers `fire_timers` collects before it wakes them.
const FIRE_BATCH: usize = 1024;

/// The I/O half of a driver: waits for readiness (or an unpark) and reports whose I/O is ready.
pub(crate) trait IoDriver {
    /// Blocks until an event, an unpark, or `timeout` (`None`: no limit; zero: just look), and
    /// pushes the wakers of the tasks whose I/O became ready onto `woken`.
    fn park(&mut self, timeout: Option<Duration>, woken: &mut Vec<Waker>);

    /// The handle other threads use to end a `park`.
    fn unparker(&self) -> Unparker;

    /// The registration table sockets of this loop register in; shared with the sockets, which
    /// may be used (and dropped) on any thread.
    fn registrations(&self) -> Arc<Registrations>;

    /// How many readiness events `park` has delivered to sockets so far (metrics).
    fn events_delivered(&self) -> u64;
}

/// The I/O driver this build uses.
pub(crate) type Io = Reactor;

/// Time and I/O for one loop. Loop thread only.
pub(crate) struct Driver {
    clock: Clock,
    /// Wakes this loop; under a shared paused clock it also marks the loop busy.
    unparker: Unparker,
    /// This loop's member number in its paused time (`paused_time.rs`), when paused.
    paused_member: Option<usize>,
    timers: RefCell<Timers>,
    io: RefCell<Io>,
    /// Wakers of due timers or of ready I/O, woken once the timers or the I/O driver are
    /// released; kept between uses so a steady state allocates nothing.
    fired: RefCell<Vec<Waker>>,
}

/// What a poll of a timer found.
pub(crate) enum TimerPoll {
    /// The deadline passed; the timer is gone.
    Fired,
    /// Still armed, now with the new waker; the replaced one is for the caller to drop after
    /// its own borrows end.
    Armed(Option<Waker>),
}

impl Driver {
    pub(crate) fn new(io: Io, clock: Clock) -> Driver {
        let paused_member = clock.paused().map(|paused| paused.join(io.unparker()));
        let unparker = match (clock.paused(), paused_member) {
            (Some(paused), Some(member)) => io.unparker().marking_busy(paused.clone(), member),
            _ => io.unparker(),
        };
        Driver {
            clock,
            unparker,
            paused_member,
            timers: RefCell::new(Timers::new()),
            io: RefCell::new(io),
            fired: RefCell::new(Vec::new()),
        }
    }

    #[inline]
    pub(crate) fn unparker(&self) -> Unparker {
        self.unparker.clone()
    }

    #[inline]
    pub(crate) fn registrations(&self) -> Arc<Registrations> {
        self.io.borrow().registrations()
    }

    #[inline]
    pub(crate) fn now(&self) -> Instant {
        self.clock.now()
    }

    /// Moves a paused clock forward by `by` (timers now due fire at the next iteration); false
    /// if the clock is real.
    pub(crate) fn advance(&self, by: Duration) -> bool {
        match self.clock.paused() {
            Some(paused) => {
                let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
                paused.advance_to(paused.elapsed().saturating_add(by));
                true
            }
            None => false,
        }
    }

    #[inline]
    pub(crate) fn ticks_at(&self, instant: Instant) -> u64 {
        self.clock.ticks_at(instant)
    }

    #[inline]
    pub(crate) fn is_paused(&self) -> bool {
        self.clock.is_paused()
    }

    /// Arms a timer for `deadline` (in ticks) that wakes `waker`.
    #[inline]
    pub(crate) fn insert_timer(&self, deadline: u64, waker: Waker) -> TimerKey {
        self.timers.borrow_mut().insert(deadline, waker)
    }

    /// Whether the timer `key` fired; if not, it wakes `waker` from now on.
    #[inline]
    pub(crate) fn poll_timer(&self, key: TimerKey, waker: &Waker) -> TimerPoll {
        let mut timers = self.timers.borrow_mut();
        if timers.take_fired(key) {
            TimerPoll::Fired
        } else {
            TimerPoll::Armed(timers.set_waker(key, waker))
        }
    }

    /// Disarms the timer `key` and hands back its waker, for the caller to drop after its own
    /// borrows end (a waker's drop is user code).
    #[inline]
    pub(crate) fn cancel_timer(&self, key: TimerKey) -> Option<Waker> {
        self.timers.borrow_mut().cancel(key)
    }

    /// Disarms timers whose `Sleep` was dropped on another thread.
    pub(crate) fn cancel_timers(&self, keys: impl Iterator<Item = TimerKey>) {
        let mut timers = self.timers.borrow_mut();
        let wakers: Vec<_> = keys.filter_map(|key| timers.cancel(key)).collect();
        drop(timers);
        drop_each_quietly(wakers); // after the borrow: a waker's drop is user code
    }

    /// Wakes the tasks whose timers are due, earliest first, in batches of `FIRE_BATCH`, so a
    /// crowd of timers due together never holds all their wakers at once.
    pub(crate) fn fire_timers(&self) {
        let now = {
            let mut timers = self.timers.borrow_mut();
            let Some(next) = timers.next_deadline() else {
                return;
            };
            let now = self.clock.now_ticks();
            if next > now {
                return;
            }
            now
        };
        // Only now take the reusable buffer: returning early above keeps its capacity in place.
        let mut fired = std::mem::take(&mut *self.fired.borrow_mut());
        loop {
            let more = self
                .timers
                .borrow_mut()
                .fire_until(now, &mut fired, FIRE_BATCH);
            // Wake after releasing the timers: a waker may run code that touches them.
            wake_all(&mut fired);
            if !more {
                break;
            }
        }
        *self.fired.borrow_mut() = fired;
    }

    /// Looks for ready I/O without waiting, and wakes its tasks.
    pub(crate) fn poll_io_now(&self) {
        self.poll_io(Some(Duration::ZERO));
    }

    /// Parks in the I/O driver for at most `timeout`, then wakes the tasks whose I/O is ready.
    fn poll_io(&self, timeout: Option<Duration>) {
        let mut woken = std::mem::take(&mut *self.fired.borrow_mut());
        self.io.borrow_mut().park(timeout, &mut woken);
        // Wake after releasing the driver: a waker may run code that touches it.
        wake_all(&mut woken);
        *self.fired.borrow_mut() = woken;
    }

    /// Waits for a timer, an unpark or I/O. Under the paused clock, time jumps to the next timer
    /// instead of passing — unless, after a look at I/O without waiting, `has_work` says there
    /// is something to run first, or another loop sharing the paused time is busy — also to a
    /// deadline at the end of the clock's range (about 584 years of nanoseconds), where every
    /// later deadline saturates: such sleeps end there.
    pub(crate) fn park(&self, has_work: &dyn Fn() -> bool) {
        let next = self.timers.borrow_mut().next_deadline();
        if let (Some(paused), Some(member)) = (self.clock.paused(), self.paused_member) {
            if next.is_some() {
                self.poll_io_now();
                if has_work() {
                    return;
                }
            }
            match paused.go_idle(member, next) {
                GoneIdle::TimerDue => {}
                GoneIdle::Wait => self.poll_io(None),
            }
            paused.go_busy(member);
        } else {
            let timeout = next.map(|deadline| {
                Duration::from_nanos(deadline - self.clock.now_ticks().min(deadline))
            });
            self.poll_io(timeout);
        }
    }

    /// Timers armed and not yet fired or cancelled (metrics).
    pub(crate) fn timers_pending(&self) -> usize {
        self.timers.borrow().armed()
    }

    /// Readiness events the I/O driver has delivered to sockets so far (metrics).
    pub(crate) fn io_events(&self) -> u64 {
        self.io.borrow().events_delivered()
    }

    /// Drops every waker the driver holds (shutdown), each drop contained.
    pub(crate) fn clear(&self) {
        if let (Some(paused), Some(member)) = (self.clock.paused(), self.paused_member) {
            paused.leave(member);
        }
        let fired = std::mem::take(&mut *self.fired.borrow_mut());
        drop_each_quietly(fired);
        let timer_wakers = self.timers.borrow_mut().clear();
        drop_each_quietly(timer_wakers);
    }
}
