//! Time-outs as a user sees them: `wait_for` / `timeout` deadlines, and the reschedulable
//! `Timeout` (asyncio 3.11's `asyncio.timeout(...) as cm`).

mod common;

use baton::time::Timeout;
use baton::{sleep, spawn, wait_for, yield_now, EventLoop, TimeoutError};
use common::{bounded, paused_loop};
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Runs `test` on a paused-clock loop, failing it if it takes over 10 s of real time.
fn on_paused_loop(test: impl FnOnce(&mut EventLoop) + Send + 'static) {
    bounded(Duration::from_secs(10), move || test(&mut paused_loop()));
}

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
    on_paused_loop(|lp| {
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
    });
}

#[test]
fn a_future_ready_at_the_deadline_wins_over_the_time_out() {
    on_paused_loop(|lp| {
        let start = lp.time();
        let r = lp.run_until_complete(wait_for(Duration::from_secs(1), async {
            sleep(Duration::from_secs(1)).await;
            "in time"
        }));
        assert_eq!(r, Ok("in time"));
        assert_eq!(lp.time() - start, Duration::from_secs(1));
    });
}

#[test]
fn wait_for_counts_from_its_first_poll_not_from_its_creation() {
    on_paused_loop(|lp| {
        let start = lp.time();
        lp.run_until_complete(async {
            let timed = wait_for(Duration::from_secs(2), sleep(Duration::from_secs(3)));
            sleep(Duration::from_secs(5)).await;
            assert_eq!(timed.await, Err(TimeoutError));
        });
        assert_eq!(lp.time() - start, Duration::from_secs(7));
    });
}

#[test]
fn rescheduling_later_from_inside_the_work_lets_it_finish() {
    on_paused_loop(|lp| {
        let start = lp.time();
        lp.run_until_complete(async {
            let deadline = Timeout::after(Duration::from_secs(1));
            let handle = deadline.clone();
            let r = deadline
                .guard(async move {
                    sleep(Duration::from_millis(900)).await;
                    handle.reschedule(Some(handle.when().unwrap() + Duration::from_secs(5)));
                    // Would have timed out at 1 s; the deadline is now 6 s.
                    sleep(Duration::from_secs(4)).await;
                    "finished"
                })
                .await;
            assert_eq!(r, Ok("finished"));
            assert!(!deadline.expired());
        });
        assert_eq!(lp.time() - start, Duration::from_millis(4900));
    });
}

#[test]
fn rescheduling_earlier_from_another_task_fires_at_the_new_time() {
    on_paused_loop(|lp| {
        let start = lp.time();
        lp.run_until_complete(async move {
            let deadline = Timeout::after(Duration::from_secs(60));
            let handle = deadline.clone();
            spawn(async move {
                sleep(Duration::from_secs(1)).await;
                handle.reschedule(Some(start + Duration::from_secs(3)));
            });
            let r = deadline.guard(sleep(Duration::from_secs(30))).await;
            assert_eq!(r, Err(TimeoutError));
            assert!(deadline.expired());
        });
        assert_eq!(lp.time() - start, Duration::from_secs(3));
    });
}

#[test]
fn rescheduling_later_from_another_task_lets_the_work_finish() {
    on_paused_loop(|lp| {
        let start = lp.time();
        lp.run_until_complete(async move {
            let deadline = Timeout::after(Duration::from_secs(2));
            let handle = deadline.clone();
            spawn(async move {
                sleep(Duration::from_secs(1)).await;
                handle.reschedule_after(Duration::from_secs(10)); // now 11 s
            });
            let r = deadline
                .guard(async {
                    sleep(Duration::from_secs(5)).await;
                    5
                })
                .await;
            assert_eq!(r, Ok(5));
        });
        assert_eq!(lp.time() - start, Duration::from_secs(5));
    });
}

#[test]
fn rescheduling_into_the_past_from_inside_the_work_times_it_out_at_once() {
    on_paused_loop(|lp| {
        let start = lp.time();
        lp.run_until_complete(async move {
            let deadline = Timeout::after(Duration::from_secs(60));
            let handle = deadline.clone();
            let r = deadline
                .guard(async move {
                    sleep(Duration::from_secs(1)).await;
                    handle.reschedule(Some(start)); // give up now
                    sleep(Duration::from_secs(10)).await;
                })
                .await;
            assert_eq!(r, Err(TimeoutError));
        });
        assert_eq!(lp.time() - start, Duration::from_secs(1));
    });
}

#[test]
fn rescheduling_to_none_disables_the_time_out() {
    on_paused_loop(|lp| {
        let start = lp.time();
        lp.run_until_complete(async {
            let deadline = Timeout::after(Duration::from_secs(1));
            let handle = deadline.clone();
            spawn(async move {
                sleep(Duration::from_millis(500)).await;
                handle.reschedule(None);
            });
            let r = deadline.guard(sleep(Duration::from_secs(3600))).await;
            assert_eq!(r, Ok(()));
            assert_eq!(deadline.when(), None);
            assert!(!deadline.expired());
        });
        assert_eq!(lp.time() - start, Duration::from_secs(3600));
    });
}

#[test]
fn a_never_timeout_given_a_deadline_later_enforces_it() {
    on_paused_loop(|lp| {
        let start = lp.time();
        lp.run_until_complete(async move {
            let deadline = Timeout::never();
            let handle = deadline.clone();
            spawn(async move {
                sleep(Duration::from_secs(10)).await;
                handle.reschedule(Some(start + Duration::from_secs(20)));
            });
            let r = deadline.guard(std::future::pending::<()>()).await;
            assert_eq!(r, Err(TimeoutError));
        });
        assert_eq!(lp.time() - start, Duration::from_secs(20));
    });
}

#[test]
fn a_reschedule_from_another_thread_wakes_the_guarded_future() {
    bounded(Duration::from_secs(10), || {
        let mut lp = paused_loop();
        let now = lp.time();
        let deadline = Timeout::never();
        let handle = deadline.clone();
        let r = lp.run_until_complete(async move {
            let remote = std::thread::spawn(move || handle.reschedule(Some(now)));
            let r = deadline.guard(std::future::pending::<()>()).await;
            remote.join().unwrap();
            r
        });
        assert_eq!(r, Err(TimeoutError));
    });
}

#[test]
fn expired_is_true_only_after_a_time_out() {
    on_paused_loop(|lp| {
        lp.run_until_complete(async {
            let quick = Timeout::after(Duration::from_secs(1));
            assert!(!quick.expired(), "not before the guard runs");
            assert_eq!(quick.guard(sleep(Duration::from_millis(999))).await, Ok(()));
            assert!(!quick.expired(), "not after finishing in time");

            let slow = Timeout::after(Duration::from_secs(1));
            let probe = slow.clone();
            let r = slow
                .guard(async move {
                    sleep(Duration::from_millis(500)).await;
                    assert!(!probe.expired(), "not while the work runs");
                    sleep(Duration::from_secs(1)).await;
                })
                .await;
            assert_eq!(r, Err(TimeoutError));
            assert!(slow.expired());

            let cancelled = Timeout::after(Duration::from_secs(1));
            let work = cancelled.guard(sleep(Duration::from_secs(2)));
            drop(work);
            assert!(!cancelled.expired(), "not when the guard is dropped");
        });
    });
}

#[test]
fn timeout_after_counts_from_its_creation() {
    on_paused_loop(|lp| {
        let start = lp.time();
        lp.run_until_complete(async {
            let deadline = Timeout::after(Duration::from_secs(2));
            sleep(Duration::from_secs(1)).await;
            let r = deadline.guard(sleep(Duration::from_secs(5))).await;
            assert_eq!(r, Err(TimeoutError));
        });
        assert_eq!(lp.time() - start, Duration::from_secs(2));
    });
}

#[test]
fn a_long_first_poll_does_not_push_a_timeout_back() {
    bounded(Duration::from_secs(20), || {
        let mut lp = EventLoop::new().unwrap();
        let (blocked_until, fired_at) = lp.run_until_complete(async {
            let blocked_until = Rc::new(Cell::new(None));
            let work = BlocksOnFirstPoll {
                block: Duration::from_millis(300),
                blocked_until: blocked_until.clone(),
            };
            let r = Timeout::after(Duration::from_millis(200)).guard(work).await;
            assert_eq!(r, Err(TimeoutError));
            (blocked_until.get().unwrap(), Instant::now())
        });
        let late = fired_at - blocked_until;
        assert!(late < Duration::from_millis(200), "fired {late:?} late");
    });
}

#[test]
fn guarding_a_second_future_with_one_timeout_panics_with_a_clear_message() {
    on_paused_loop(|lp| {
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            lp.run_until_complete(async {
                let deadline = Timeout::after(Duration::from_secs(1));
                let _first = deadline.guard(async {});
                let _second = deadline.clone().guard(async {});
            })
        }));
        let message = common::panic_message(caught.unwrap_err());
        assert!(message.contains("already guards a future"), "{message}");
    });
}

#[test]
fn timeout_futures_are_send_when_the_work_is() {
    fn assert_send<T: Send>(_: &T) {}
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Timeout>();
    assert_send(&wait_for(Duration::from_secs(1), async {}));
    assert_send(&Timeout::never().guard(async {}));
}
