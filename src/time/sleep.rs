//! `sleep`, `sleep_until`: asyncio's `sleep`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::coop;
use crate::loom::Arc;
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
        state: SleepState::Unbound(Deadline::After(duration)),
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
        state: SleepState::Unbound(Deadline::At(deadline)),
    }
}

/// The future returned by [`sleep`] and [`sleep_until`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Sleep {
    state: SleepState,
}

enum SleepState {
    /// Not polled yet.
    Unbound(Deadline),
    /// Armed on a loop's timers.
    Armed { shared: Arc<Shared>, key: TimerKey },
    /// Finished.
    Done,
}

#[derive(Clone, Copy, Debug)]
enum Deadline {
    After(Duration),
    At(Instant),
}

impl Future for Sleep {
    type Output = ();

    #[track_caller]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let state = &mut self.state;
        coop::poll_budgeted(cx, coop::Cost::Memory, |cx| {
            context::with(|lp| match state {
                SleepState::Done => Poll::Ready(()),
                SleepState::Unbound(deadline) => {
                    let now = lp.now_ticks();
                    let ticks = match *deadline {
                        Deadline::After(d) => {
                            now.saturating_add(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
                        }
                        Deadline::At(t) => lp.ticks_at(t),
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
            SleepState::Unbound(Deadline::After(d)) => format!("waits {d:?} from its first poll"),
            SleepState::Unbound(Deadline::At(t)) => format!("waits until {t:?}"),
            SleepState::Armed { .. } => "armed".to_owned(),
            SleepState::Done => "done".to_owned(),
        };
        f.debug_struct("Sleep").field("state", &state).finish()
    }
}
