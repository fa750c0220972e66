//! `interval`, `interval_at`: a periodic timer with tokio's missed-tick behaviours.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use futures_core::future::FusedFuture;
use futures_core::Stream;

use super::sleep::{sleep, sleep_until, Sleep};
use crate::runtime::context;

/// How late a tick may be before it counts as missed (tokio's threshold): a tick served a
/// little late keeps the schedule whatever the behaviour.
const LATE_ALLOWANCE: Duration = Duration::from_millis(5);

/// About 30 years: where the schedule goes when the next tick would overflow `Instant`.
const FAR_FUTURE: Duration = Duration::from_secs(86_400 * 365 * 30);

/// A timer that ticks every `period`, the first tick at once (tokio's `time::interval`).
///
/// Made on a running loop, the schedule starts at the loop's clock now; made before any loop
/// runs, it starts at its first poll. When ticks are missed (the consumer was busy for longer
/// than a period), [`MissedTickBehavior`] says what comes next; the default is
/// [`Burst`](MissedTickBehavior::Burst), as in tokio.
///
/// # Examples
/// ```
/// use baton::time::interval;
/// use baton::EventLoop;
/// use std::time::Duration;
///
/// let mut lp = EventLoop::builder().paused_clock().build().unwrap();
/// let start = lp.time();
/// lp.run_until_complete(async {
///     let mut every = interval(Duration::from_secs(1));
///     every.tick().await; // at once
///     every.tick().await; // 1 s later
///     every.tick().await; // 2 s after the start
/// });
/// assert_eq!(lp.time() - start, Duration::from_secs(2));
/// ```
///
/// # Panics
/// If `period` is zero.
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    assert_period(period);
    let start = context::try_with(|lp| lp.map(|lp| lp.now()));
    Interval::starting(start, period)
}

/// A timer whose first tick is at `start` (on the loop's clock) and then every `period`
/// (tokio's `time::interval_at`).
///
/// # Examples
/// ```
/// use baton::time::interval_at;
/// use baton::EventLoop;
/// use std::time::Duration;
///
/// let mut lp = EventLoop::builder().paused_clock().build().unwrap();
/// let start = lp.time() + Duration::from_secs(10);
/// let ticks = lp.run_until_complete(async move {
///     let mut every = interval_at(start, Duration::from_secs(1));
///     [every.tick().await, every.tick().await]
/// });
/// assert_eq!(ticks, [start, start + Duration::from_secs(1)]);
/// ```
///
/// # Panics
/// If `period` is zero.
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert_period(period);
    Interval::starting(Some(start), period)
}

#[track_caller]
fn assert_period(period: Duration) {
    assert!(
        !period.is_zero(),
        "baton::time::interval: `period` must be non-zero (a zero period would tick forever \
         without letting the loop run)"
    );
}

/// What an [`Interval`] does when the consumer was too late for one or more ticks (more than
/// 5 ms after a tick was due, as tokio counts it). The tick that was due is always returned at
/// once; the behaviour decides the deadline of the ticks after it.
///
/// Say the period is 10 ms, ticks were due at 10, 20, 30, … ms, and the consumer asks for the
/// tick due at 20 only at 45 ms:
///
/// | behaviour | ticks returned (due time), and when they complete |
/// |---|---|
/// | `Burst` | 20 at 45, 30 at 45, 40 at 45, 50 at 50, 60 at 60 … (catches up, then keeps the schedule) |
/// | `Delay` | 20 at 45, 55 at 55, 65 at 65 … (a full period after each late tick) |
/// | `Skip`  | 20 at 45, 50 at 50, 60 at 60 … (drops the missed ticks, keeps the schedule's phase) |
///
/// # Examples
/// ```
/// use baton::time::{interval, MissedTickBehavior};
/// use std::time::Duration;
///
/// baton::run(async {
///     let mut every = interval(Duration::from_millis(10));
///     assert_eq!(every.missed_tick_behavior(), MissedTickBehavior::Burst);
///     every.set_missed_tick_behavior(MissedTickBehavior::Skip);
///     assert_eq!(every.missed_tick_behavior(), MissedTickBehavior::Skip);
/// });
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MissedTickBehavior {
    /// Tick as fast as possible until caught up, then keep the original schedule (the default).
    #[default]
    Burst,
    /// The next tick is a full period after the late one was taken: the schedule shifts.
    Delay,
    /// Drop the missed ticks: the next tick is the next one on the original schedule.
    Skip,
}

impl MissedTickBehavior {
    /// The next deadline after the tick due at `due` was taken late, at `now`.
    fn next_deadline(self, due: Instant, now: Instant, period: Duration) -> Instant {
        match self {
            Self::Burst => add(due, period),
            Self::Delay => add(now, period),
            Self::Skip => {
                let behind = (now - due).as_nanos() % period.as_nanos();
                // `behind` < `period`, which fits in a `Duration`.
                let behind = Duration::new(
                    (behind / 1_000_000_000) as u64,
                    (behind % 1_000_000_000) as u32,
                );
                add(now, period - behind)
            }
        }
    }
}

fn add(instant: Instant, by: Duration) -> Instant {
    instant
        .checked_add(by)
        .or_else(|| instant.checked_add(FAR_FUTURE))
        .unwrap_or(instant)
}

/// The timer returned by [`interval`] and [`interval_at`]: call [`tick`](Interval::tick), or
/// use it as a [`Stream`] of tick instants (it never ends).
///
/// Like a [`Sleep`], it may be made anywhere and moved between loops; it binds to the loop
/// that polls it.
pub struct Interval {
    /// When the next tick is due; `None` until the first poll if made outside any loop
    /// (then the first tick is due at that poll).
    due: Option<Instant>,
    /// Waits for `due`.
    sleep: Sleep,
    period: Duration,
    behavior: MissedTickBehavior,
}

impl Interval {
    fn starting(start: Option<Instant>, period: Duration) -> Interval {
        Interval {
            due: start,
            sleep: start.map_or_else(|| sleep(Duration::ZERO), sleep_until),
            period,
            behavior: MissedTickBehavior::default(),
        }
    }

    /// Waits for the next tick and returns the instant it was due (not when it completed).
    ///
    /// # Examples
    /// ```
    /// use baton::time::interval;
    /// use baton::EventLoop;
    /// use std::time::Duration;
    ///
    /// let mut lp = EventLoop::builder().paused_clock().build().unwrap();
    /// lp.run_until_complete(async {
    ///     let mut every = interval(Duration::from_millis(100));
    ///     let first = every.tick().await;
    ///     let second = every.tick().await;
    ///     assert_eq!(second - first, Duration::from_millis(100));
    /// });
    /// ```
    ///
    /// # Panics
    /// When polled outside a running event loop.
    ///
    /// # Cancel safety
    /// Cancel safe: a tick dropped before it completed is not consumed; the next call waits
    /// for the same tick.
    pub fn tick(&mut self) -> Tick<'_> {
        Tick {
            interval: self,
            returned: false,
        }
    }

    /// The poll behind [`tick`](Interval::tick) and the [`Stream`] impl, for hand-written
    /// futures: `Ready(due)` once the next tick is due.
    ///
    /// # Examples
    /// ```
    /// use baton::time::interval;
    /// use std::future::poll_fn;
    /// use std::time::Duration;
    ///
    /// baton::run(async {
    ///     let mut every = interval(Duration::from_millis(1));
    ///     let first = poll_fn(|cx| every.poll_tick(cx)).await;
    ///     assert!(first <= baton::time::now());
    /// });
    /// ```
    ///
    /// # Panics
    /// When called outside a running event loop.
    #[track_caller]
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        ready!(Pin::new(&mut self.sleep).poll(cx));
        let now = super::now();
        let due = self.due.unwrap_or(now);
        let next = if now > add(due, LATE_ALLOWANCE) {
            self.behavior.next_deadline(due, now, self.period)
        } else {
            add(due, self.period)
        };
        self.reset_at(next);
        Poll::Ready(due)
    }

    /// Moves the next tick to one period from now (the schedule restarts from now).
    ///
    /// # Examples
    /// ```
    /// use baton::time::{advance, interval};
    /// use baton::EventLoop;
    /// use std::time::Duration;
    ///
    /// let mut lp = EventLoop::builder().paused_clock().build().unwrap();
    /// lp.run_until_complete(async {
    ///     let mut every = interval(Duration::from_secs(10));
    ///     every.tick().await;
    ///     advance(Duration::from_secs(4));
    ///     every.reset();
    ///     let next = every.tick().await;
    ///     assert_eq!(next, baton::time::now());
    /// });
    /// ```
    ///
    /// # Panics
    /// Outside a running event loop (it reads the loop's clock).
    #[track_caller]
    pub fn reset(&mut self) {
        self.reset_at(add(super::now(), self.period));
    }

    /// Makes the next tick due now.
    ///
    /// # Examples
    /// ```
    /// use baton::time::interval;
    /// use baton::EventLoop;
    /// use std::time::Duration;
    ///
    /// let mut lp = EventLoop::builder().paused_clock().build().unwrap();
    /// let start = lp.time();
    /// lp.run_until_complete(async {
    ///     let mut every = interval(Duration::from_secs(10));
    ///     every.tick().await;
    ///     every.reset_immediately();
    ///     every.tick().await;
    /// });
    /// assert_eq!(lp.time(), start);
    /// ```
    ///
    /// # Panics
    /// Outside a running event loop (it reads the loop's clock).
    #[track_caller]
    pub fn reset_immediately(&mut self) {
        self.reset_at(super::now());
    }

    /// Makes the next tick due `after` from now.
    ///
    /// # Examples
    /// ```
    /// use baton::time::interval;
    /// use baton::EventLoop;
    /// use std::time::Duration;
    ///
    /// let mut lp = EventLoop::builder().paused_clock().build().unwrap();
    /// let start = lp.time();
    /// lp.run_until_complete(async {
    ///     let mut every = interval(Duration::from_secs(10));
    ///     every.tick().await;
    ///     every.reset_after(Duration::from_secs(3));
    ///     every.tick().await;
    /// });
    /// assert_eq!(lp.time() - start, Duration::from_secs(3));
    /// ```
    ///
    /// # Panics
    /// Outside a running event loop (it reads the loop's clock).
    #[track_caller]
    pub fn reset_after(&mut self, after: Duration) {
        self.reset_at(add(super::now(), after));
    }

    /// Makes the next tick due at `deadline` (on the loop's clock); the ticks after it follow
    /// every period from there.
    ///
    /// # Examples
    /// ```
    /// use baton::time::interval;
    /// use baton::EventLoop;
    /// use std::time::Duration;
    ///
    /// let mut lp = EventLoop::builder().paused_clock().build().unwrap();
    /// let at = lp.time() + Duration::from_secs(7);
    /// let tick = lp.run_until_complete(async move {
    ///     let mut every = interval(Duration::from_secs(10));
    ///     every.tick().await;
    ///     every.reset_at(at);
    ///     every.tick().await
    /// });
    /// assert_eq!(tick, at);
    /// ```
    pub fn reset_at(&mut self, deadline: Instant) {
        self.due = Some(deadline);
        // Replacing the `Sleep` frees the old one's timer, if it was armed.
        self.sleep = sleep_until(deadline);
    }

    /// The time between two ticks.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    ///
    /// let every = baton::time::interval(Duration::from_secs(5));
    /// assert_eq!(every.period(), Duration::from_secs(5));
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }

    /// What happens after missed ticks; [`MissedTickBehavior::Burst`] unless set.
    ///
    /// # Examples
    /// ```
    /// use baton::time::{interval, MissedTickBehavior};
    /// use std::time::Duration;
    ///
    /// let every = interval(Duration::from_secs(5));
    /// assert_eq!(every.missed_tick_behavior(), MissedTickBehavior::Burst);
    /// ```
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.behavior
    }

    /// Sets what happens after missed ticks (see [`MissedTickBehavior`]).
    ///
    /// # Examples
    /// ```
    /// use baton::time::{interval, MissedTickBehavior};
    /// use std::time::Duration;
    ///
    /// let mut every = interval(Duration::from_secs(5));
    /// every.set_missed_tick_behavior(MissedTickBehavior::Delay);
    /// assert_eq!(every.missed_tick_behavior(), MissedTickBehavior::Delay);
    /// ```
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.behavior = behavior;
    }
}

/// Ticks forever: each item is the instant the tick was due.
///
/// # Examples
/// ```
/// use baton::time::interval;
/// use baton::EventLoop;
/// use futures_lite::StreamExt;
/// use std::time::Duration;
///
/// let mut lp = EventLoop::builder().paused_clock().build().unwrap();
/// let start = lp.time();
/// let ticks: Vec<_> = lp.run_until_complete(interval(Duration::from_secs(1)).take(3).collect());
/// assert_eq!(ticks, [0, 1, 2].map(|s| start + Duration::from_secs(s)));
/// ```
impl Stream for Interval {
    type Item = Instant;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Instant>> {
        self.get_mut().poll_tick(cx).map(Some)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (usize::MAX, None)
    }
}

impl fmt::Debug for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interval")
            .field("due", &self.due)
            .field("period", &self.period)
            .field("missed_tick_behavior", &self.behavior)
            .finish()
    }
}

/// The future returned by [`Interval::tick`]: the instant the tick was due. A
/// `FusedFuture`, so `futures::select!` takes it as it is.
///
/// # Examples
/// ```
/// use baton::time::{interval, Tick};
/// use std::time::Duration;
///
/// let mut lp = baton::EventLoop::builder().paused_clock().build().unwrap();
/// lp.run_until_complete(async {
///     let mut every = interval(Duration::from_secs(1));
///     let start = every.tick().await; // the first tick is due at once
///     let next: Tick<'_> = every.tick();
///     assert_eq!(next.await - start, Duration::from_secs(1));
/// });
/// ```
///
/// # Cancel safety
/// Cancel safe: a tick dropped before it completed is not consumed.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Tick<'a> {
    interval: &'a mut Interval,
    /// It returned its tick: `FusedFuture::is_terminated`.
    returned: bool,
}

impl Future for Tick<'_> {
    type Output = Instant;

    #[track_caller]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Instant> {
        let tick = self.interval.poll_tick(cx);
        self.returned |= tick.is_ready();
        tick
    }
}

/// Terminated once it returned its tick (the next tick is another `tick()` call).
impl FusedFuture for Tick<'_> {
    fn is_terminated(&self) -> bool {
        self.returned
    }
}

impl fmt::Debug for Tick<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tick")
            .field("interval", &self.interval)
            .finish()
    }
}
