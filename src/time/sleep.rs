//! `sleep`, `sleep_until`: asyncio's `sleep`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::coop;
use crate::loom::Arc;
use crate::runtime::driver::clock::epoch;
use crate::runtime::driver::{TimerKey, TimerPoll};
use crate::runtime::{context, Shared};

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
/// When polled outside a running event loop, or on a loop other than the one that first
/// polled it.
///
/// # Cancel safety
/// Cancel safe: dropping it frees its timer.
pub fn sleep(duration: Duration) -> Sleep {
    Sleep {
        state: SleepState::After(u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)),
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
        state: SleepState::At(nanos_since_epoch(deadline)),
    }
}

/// The future returned by [`sleep`] and [`sleep_until`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Sleep {
    state: SleepState,
}

/// 16 bytes: a sleeping task's future stays small (the tag lives in `Armed`'s padding).
enum SleepState {
    /// Not polled yet: waits this many nanoseconds from its first poll.
    After(u64),
    /// Not polled yet: waits until this many nanoseconds after `clock::epoch()` (an `Instant`
    /// would take 16 bytes). `u64::MAX`: the end of every clock's range.
    At(u64),
    /// Armed on a loop's timers.
    Armed { shared: Arc<Shared>, key: TimerKey },
    /// Finished.
    Done,
}

/// `instant` as nanoseconds after the epoch, saturating at both ends. An instant before the
/// epoch is before every clock's origin too, so it is due at once whichever way it is read.
fn nanos_since_epoch(instant: Instant) -> u64 {
    let nanos = instant.saturating_duration_since(epoch()).as_nanos();
    u64::try_from(nanos).unwrap_or(u64::MAX)
}

impl Future for Sleep {
    type Output = ();

    #[track_caller]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let state = &mut self.state;
        coop::poll_budgeted(cx, coop::Cost::Memory, |cx| {
            context::with(|lp| match state {
                SleepState::Done => Poll::Ready(()),
                SleepState::After(_) | SleepState::At(_) => {
                    let now = lp.now_ticks();
                    let ticks = match *state {
                        SleepState::After(nanos) => now.saturating_add(nanos),
                        SleepState::At(u64::MAX) => u64::MAX,
                        SleepState::At(nanos) => lp.ticks_at(epoch() + Duration::from_nanos(nanos)),
                        _ => unreachable!("matched above"),
                    };
                    if ticks <= now {
                        *state = SleepState::Done;
                        return Poll::Ready(());
                    }
                    let key = lp.insert_timer(ticks, cx.waker().clone());
                    *state = SleepState::Armed {
                        shared: lp.shared().clone(),
                        key,
                    };
                    Poll::Pending
                }
                SleepState::Armed { shared, key } => {
                    assert!(
                        lp.is(shared),
                        "a Sleep was polled on a different event loop from the one that first \
                     polled it; make a new `sleep` for each loop"
                    );
                    match lp.poll_timer(*key, cx.waker()) {
                        TimerPoll::Fired => {
                            *state = SleepState::Done;
                            Poll::Ready(())
                        }
                        // The replaced waker drops here, after the driver's borrow ended: a
                        // waker's drop is user code.
                        TimerPoll::Armed(_old) => Poll::Pending,
                    }
                }
            })
        })
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let SleepState::Armed { shared, key } = &self.state {
            let on_loop = context::try_with(|lp| match lp {
                Some(lp) if lp.is(shared) => {
                    let waker = lp.cancel_timer(*key);
                    drop(waker); // after the driver's borrow: a waker's drop is user code
                    true
                }
                _ => false,
            });
            if !on_loop {
                shared.cancel_timer_remote(*key);
            }
        }
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            SleepState::After(nanos) => {
                format!(
                    "waits {:?} from its first poll",
                    Duration::from_nanos(*nanos)
                )
            }
            SleepState::At(nanos) => format!(
                "waits until {:?}",
                epoch().checked_add(Duration::from_nanos(*nanos))
            ),
            SleepState::Armed { .. } => "armed".to_owned(),
            SleepState::Done => "done".to_owned(),
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
