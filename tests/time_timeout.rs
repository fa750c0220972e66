//! Time-outs as a user sees them: `wait_for` / `timeout` deadlines, and the reschedulable
//! `Timeout` (asyncio 3.11's `asyncio.timeout(...) as cm`).

mod common;

use baton::{sleep, wait_for, yield_now, EventLoop, TimeoutError};
use common::{bounded, paused_loop};
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// A future whose first poll blocks the thread for `block` (a long computation), then waits
/// forever; it records when the blocking poll ended.
struct BlocksOnFirstPoll {
    block: Duration,
    blocked_until: Rc<Cell<Option<Instant>>>,
}

impl Future for BlocksOnFirstPoll {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        if self.blocked_until.get().is_none() {
            std::thread::sleep(self.block);
            self.blocked_until.set(Some(Instant::now()));
        }
        Poll::Pending
    }
}

// Regression (issue 7, defect 8): the timer was armed after the inner future's first poll, so a
// first poll that blocked for 300 ms moved a 200 ms deadline to 500 ms. The deadline is fixed
// when `wait_for` is first polled: here it has passed by the time the blocking poll returns, so
// the time-out fires at once. A real clock is needed (a paused clock does not move during a
// poll); the broken code can never pass, since its timer cannot fire before 200 ms after the
// poll, and the fixed code has 200 ms of slack.
#[test]
fn a_long_first_poll_does_not_push_the_wait_for_deadline_back() {
    bounded(Duration::from_secs(20), || {
        let mut lp = EventLoop::new().unwrap();
        let (blocked_until, fired_at) = lp.run_until_complete(async {
            let blocked_until = Rc::new(Cell::new(None));
            let work = BlocksOnFirstPoll {
                block: Duration::from_millis(300),
                blocked_until: blocked_until.clone(),
            };
            let r = wait_for(Duration::from_millis(200), work).await;
            assert_eq!(r, Err(TimeoutError));
            (blocked_until.get().unwrap(), Instant::now())
        });
        let late = fired_at - blocked_until;
        assert!(
            late < Duration::from_millis(200),
            "the time-out fired {late:?} after the blocking poll ended: the deadline was counted \
             from the end of the inner future's first poll, not from the first poll of wait_for"
        );
    });
}

#[test]
fn wait_for_zero_returns_an_already_complete_result() {
    let mut lp = paused_loop();
    // asyncio: `wait_for(fut, 0)` returns the result of a future that is already done.
    assert_eq!(
        lp.run_until_complete(wait_for(Duration::ZERO, async { 5 })),
        Ok(5)
    );
    // ... and times out one that is not.
    assert_eq!(
        lp.run_until_complete(wait_for(Duration::ZERO, yield_now())),
        Err(TimeoutError)
    );
}

#[test]
fn a_future_ready_at_the_deadline_wins_over_the_time_out() {
    let mut lp = paused_loop();
    let start = lp.time();
    let r = lp.run_until_complete(wait_for(Duration::from_secs(1), async {
        sleep(Duration::from_secs(1)).await;
        "in time"
    }));
    assert_eq!(r, Ok("in time"));
    assert_eq!(lp.time() - start, Duration::from_secs(1));
}

#[test]
fn wait_for_counts_from_its_first_poll_not_from_its_creation() {
    let mut lp = paused_loop();
    let start = lp.time();
    lp.run_until_complete(async {
        let timed = wait_for(Duration::from_secs(2), sleep(Duration::from_secs(3)));
        sleep(Duration::from_secs(5)).await;
        assert_eq!(timed.await, Err(TimeoutError));
    });
    assert_eq!(lp.time() - start, Duration::from_secs(7));
}
