//! `sleep`, `sleep_until`: asyncio's `sleep`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use futures_core::future::FusedFuture;

use crate::coop;
use crate::runtime::context::{self, LoopContext};
use crate::runtime::driver::clock::epoch;
use crate::runtime::driver::{TimerKey, TimerPoll};
use crate::runtime::Shared;

/// Waits for `duration` (asyncio's `await asyncio.sleep(seconds)`), counted from the first poll.
///
/// The future may be made anywhere, even before a loop exists; it binds to the loop that first
/// polls it. Under a paused clock (`EventLoop::builder().paused_clock()`) no real time passes.
///
/// # Examples
/// ```
/// use baton::sleep;
/// use std::time::{Duration, Instant};
///
/// let start = Instant::now();
/// baton::run(sleep(Duration::from_millis(20)));
/// assert!(start.elapsed() >= Duration::from_millis(20));
/// ```
///
/// # Panics
/// When polled outside a running event loop.
///
/// # Cancel safety
/// Cancel safe: dropping it frees its timer.
pub fn sleep(duration: Duration) -> Sleep {
    Sleep {
        nanos: u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX),
        timer: AFTER,
    }
}

/// Waits until `deadline` on the loop's clock ([`EventLoop::time`](crate::EventLoop::time)).
///
/// # Examples
/// ```
/// use baton::EventLoop;
/// use baton::time::sleep_until;
/// use std::time::Duration;
///
/// let mut lp = EventLoop::builder().paused_clock().build().unwrap();
/// let deadline = lp.time() + Duration::from_secs(60);
/// lp.run_until_complete(sleep_until(deadline));
/// assert_eq!(lp.time(), deadline);
/// ```
///
/// # Panics
/// As [`sleep`].
///
/// # Cancel safety
/// Cancel safe: dropping it frees its timer.
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        nanos: nanos_since_epoch(deadline),
        timer: AT,
    }
}

/// The future returned by [`sleep`] and [`sleep_until`].
///
/// It may move between threads and loops (a `Send` task stolen by another worker of a
/// [`Runtime`](crate::Runtime)): polled on a loop other than the one its timer is armed on, it
/// cancels that timer there and arms one for the same deadline here; dropped away from its
/// loop, it asks that loop to cancel the timer.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Sleep {
    /// Before the first poll: the duration (`AFTER`) or the deadline (`AT`). Armed: the
    /// deadline. Both in nanoseconds after `clock::epoch()` (an `Instant` would take 16
    /// bytes); `u64::MAX` is the end of every clock's range.
    nanos: u64,
    /// `AFTER`, `AT`, `DONE`, or, armed, the loop's number (never 0) in the high half and the
    /// timer's key in the low half. Two words in all: a sleeping task's future stays small.
    timer: u64,
}

const AFTER: u64 = 0;
const AT: u64 = 1;
const DONE: u64 = 2;

/// What `Sleep`'s two words say, unpacked.
enum State {
    After(u64),
    At(u64),
    Armed { loop_id: u32, key: TimerKey },
    Done,
}

impl Sleep {
    fn state(&self) -> State {
        match self.timer {
            AFTER => State::After(self.nanos),
            AT => State::At(self.nanos),
            DONE => State::Done,
            armed => State::Armed {
                loop_id: (armed >> 32) as u32,
                key: TimerKey::from_bits(armed as u32),
            },
        }
    }

    fn arm(&mut self, loop_id: u32, key: TimerKey, deadline: u64) {
        debug_assert!(loop_id != 0, "loop numbers start at 1");
        self.nanos = deadline;
        self.timer = (u64::from(loop_id) << 32) | u64::from(key.to_bits());
    }

    /// Arms a timer for the deadline `nanos` after the epoch on the running loop, or ends if
    /// it has passed.
    /// `now` is the loop's clock, read once by the caller.
    fn arm_here(
        &mut self,
        lp: LoopContext<'_>,
        now: Instant,
        deadline: u64,
        waker: &Waker,
    ) -> Poll<()> {
        let ticks = if deadline == u64::MAX {
            u64::MAX
        } else {
            lp.ticks_at(epoch() + Duration::from_nanos(deadline))
        };
        if ticks <= lp.ticks_at(now) {
            self.timer = DONE;
            return Poll::Ready(());
        }
        let key = lp.insert_timer(ticks, waker.clone());
        self.arm(lp.loop_id(), key, deadline);
        Poll::Pending
    }
}

/// `instant` as nanoseconds after the epoch, saturating at both ends. An instant before the
/// epoch is before every clock's origin too, so it is due at once whichever way it is read.
fn nanos_since_epoch(instant: Instant) -> u64 {
    let nanos = instant.saturating_duration_since(epoch()).as_nanos();
    u64::try_from(nanos).unwrap_or(u64::MAX)
}

/// Cancels timer `key` of loop `loop_id`: here if it runs on this thread, else through its
/// remote queue (if it is still open). The timer's waker is dropped after the driver's borrow.
fn cancel_timer(loop_id: u32, key: TimerKey) {
    let on_loop = context::try_with(|lp| match lp {
        Some(lp) if lp.loop_id() == loop_id => {
            let waker = lp.cancel_timer(key);
            drop(waker); // after the driver's borrow: a waker's drop is user code
            true
        }
        _ => false,
    });
    if !on_loop {
        if let Some(shared) = Shared::find_open(loop_id) {
            shared.cancel_timer_remote(key);
        }
    }
}

impl Future for Sleep {
    type Output = ();

    #[track_caller]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        coop::poll_budgeted(cx, coop::Cost::Memory, |cx| {
            context::with(|lp| match this.state() {
                State::Done => Poll::Ready(()),
                State::After(nanos) => {
                    let now = lp.now();
                    let deadline = now
                        .checked_add(Duration::from_nanos(nanos))
                        .map_or(u64::MAX, nanos_since_epoch);
                    this.arm_here(lp, now, deadline, cx.waker())
                }
                State::At(deadline) => this.arm_here(lp, lp.now(), deadline, cx.waker()),
                State::Armed { loop_id, key } if loop_id == lp.loop_id() => {
                    match lp.poll_timer(key, cx.waker()) {
                        TimerPoll::Fired => {
                            this.timer = DONE;
                            Poll::Ready(())
                        }
                        // The replaced waker drops here, after the driver's borrow ended: a
                        // waker's drop is user code.
                        TimerPoll::Armed(_old) => Poll::Pending,
                    }
                }
                State::Armed { loop_id, key } => {
                    // Moved to another loop (a stolen `Send` task): the timer follows.
                    cancel_timer(loop_id, key);
                    let deadline = this.nanos;
                    this.arm_here(lp, lp.now(), deadline, cx.waker())
                }
            })
        })
    }
}

/// Terminated once it returned `Ready` (a finished `Sleep` stays ready).
impl FusedFuture for Sleep {
    fn is_terminated(&self) -> bool {
        self.timer == DONE
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let State::Armed { loop_id, key } = self.state() {
            cancel_timer(loop_id, key);
        }
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state() {
            State::After(nanos) => {
                format!(
                    "waits {:?} from its first poll",
                    Duration::from_nanos(nanos)
                )
            }
            State::At(nanos) => format!(
                "waits until {:?}",
                epoch().checked_add(Duration::from_nanos(nanos))
            ),
            State::Armed { .. } => "armed".to_owned(),
            State::Done => "done".to_owned(),
        };
        f.debug_struct("Sleep").field("state", &state).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sleeping task's future is mostly its `Sleep`: keep it two words.
    #[test]
    fn sleep_is_two_words() {
        assert_eq!(std::mem::size_of::<Sleep>(), 16);
    }

    #[test]
    fn an_instant_survives_the_compact_form_to_the_nanosecond() {
        let later = epoch() + Duration::new(3, 7);
        assert_eq!(nanos_since_epoch(later), 3_000_000_007);
        let earlier = epoch().checked_sub(Duration::from_secs(1));
        assert_eq!(earlier.map(nanos_since_epoch), earlier.map(|_| 0));
    }
}
