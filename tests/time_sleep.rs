//! Timers as a user sees them: sleep, sleep_until, wait_for, ordering, fairness, scale.

mod common;

use baton::time::sleep_until;
use baton::{sleep, spawn, wait_for, yield_now, EventLoop, TimeoutError};
use common::{paused_loop, DropCounter};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

#[test]
fn timers_with_the_same_deadline_fire_in_creation_order() {
    let mut lp = paused_loop();
    let deadline = lp.time() + Duration::from_secs(5);
    let log = Rc::new(RefCell::new(Vec::new()));
    lp.run_until_complete(async {
        let tasks: Vec<_> = (0..10)
            .map(|i| {
                let log = log.clone();
                spawn(async move {
                    sleep_until(deadline).await;
                    log.borrow_mut().push(i);
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    assert_eq!(*log.borrow(), (0..10).collect::<Vec<_>>());
}

#[test]
fn sleeps_finish_in_deadline_order() {
    let mut lp = paused_loop();
    let log = Rc::new(RefCell::new(Vec::new()));
    let start = lp.time();
    lp.run_until_complete(async {
        let tasks: Vec<_> = [5u64, 1, 4, 2, 3]
            .into_iter()
            .map(|secs| {
                let log = log.clone();
                spawn(async move {
                    sleep(Duration::from_secs(secs)).await;
                    log.borrow_mut().push(secs);
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    assert_eq!(*log.borrow(), [1, 2, 3, 4, 5]);
    assert_eq!(lp.time() - start, Duration::from_secs(5));
}

#[test]
fn a_sleep_made_before_any_loop_binds_to_the_loop_that_polls_it() {
    let nap = sleep(Duration::from_secs(10));
    let mut lp = paused_loop();
    let start = lp.time();
    lp.run_until_complete(nap);
    assert_eq!(lp.time() - start, Duration::from_secs(10));
}

/// A `Sleep` follows its task to another loop (a `Send` task stolen by another worker): its
/// deadline stays the instant it was armed for.
#[test]
fn a_sleep_polled_on_a_second_loop_keeps_its_deadline() {
    let mut first = paused_loop();
    let mut nap = Box::pin(sleep(Duration::from_secs(10)));
    let deadline = first.time() + Duration::from_secs(10);
    first.run_until_complete(async {
        // Poll once (arming it on `first`) without waiting for it.
        let _ = wait_for(Duration::from_secs(1), nap.as_mut()).await;
    });
    let mut second = paused_loop();
    let start = second.time();
    second.run_until_complete(nap.as_mut());
    // The second paused clock started a moment after the first: the same instant is a little
    // less than 10 s into it.
    let waited = second.time() - start;
    assert!(waited <= Duration::from_secs(10), "{waited:?}");
    assert!(
        waited
            >= deadline
                .duration_since(start)
                .saturating_sub(Duration::from_millis(1))
    );
}

#[test]
fn sleep_until_a_past_instant_is_ready_at_once() {
    let mut lp = paused_loop();
    let start = lp.time();
    lp.run_until_complete(sleep_until(start - Duration::from_secs(1)));
    lp.run_until_complete(sleep(Duration::ZERO));
    assert_eq!(lp.time(), start);
}

#[test]
fn sleeping_for_duration_max_does_not_overflow() {
    let mut lp = paused_loop();
    let r = lp.run_until_complete(wait_for(Duration::from_secs(1), sleep(Duration::MAX)));
    assert_eq!(r, Err(TimeoutError));
}

#[test]
fn wait_for_returns_the_output_when_the_future_is_quick() {
    let mut lp = paused_loop();
    let r = lp.run_until_complete(wait_for(Duration::from_secs(5), async {
        sleep(Duration::from_secs(1)).await;
        "quick"
    }));
    assert_eq!(r, Ok("quick"));
}

#[test]
fn wait_for_drops_the_inner_future_on_timeout() {
    let mut lp = paused_loop();
    let drops = DropCounter::default();
    let token = drops.token();
    let start = lp.time();
    lp.run_until_complete(async {
        let slow = async move {
            let _token = token;
            sleep(Duration::from_secs(10)).await;
        };
        let mut timed = std::pin::pin!(wait_for(Duration::from_secs(2), slow));
        let r = timed.as_mut().await;
        assert_eq!(r, Err(TimeoutError));
        // Dropped at the time-out, not when `timed` goes out of scope.
        assert_eq!(drops.count(), 1);
    });
    assert_eq!(lp.time() - start, Duration::from_secs(2));
}

#[test]
fn a_task_that_keeps_yielding_does_not_starve_other_tasks() {
    let mut lp = paused_loop();
    let log = Rc::new(RefCell::new(Vec::new()));
    let (a, b) = (log.clone(), log.clone());
    lp.run_until_complete(async move {
        let x = spawn(async move {
            for i in 0..3 {
                a.borrow_mut().push(("x", i));
                yield_now().await;
            }
        });
        let y = spawn(async move {
            for i in 0..3 {
                b.borrow_mut().push(("y", i));
                yield_now().await;
            }
        });
        x.await.unwrap();
        y.await.unwrap();
    });
    assert_eq!(
        *log.borrow(),
        [("x", 0), ("y", 0), ("x", 1), ("y", 1), ("x", 2), ("y", 2)]
    );
}

/// Real clock: a task that yields forever must not keep a due timer from firing.
#[test]
fn a_task_that_keeps_yielding_does_not_starve_timers() {
    common::bounded(Duration::from_secs(30), || {
        let mut lp = EventLoop::new().unwrap();
        lp.run_until_complete(async {
            let spinner = spawn(async {
                let mut spins = 0u64;
                loop {
                    spins += 1;
                    yield_now().await;
                    if spins == u64::MAX {
                        break spins;
                    }
                }
            });
            sleep(Duration::from_millis(20)).await;
            assert!(spinner.cancel());
            spinner.await.unwrap_err();
        });
    });
}

#[test]
fn one_million_pending_sleeps_fit_and_fire_in_order() {
    let mut lp = paused_loop();
    let start = lp.time();
    let count: usize = if cfg!(debug_assertions) {
        200_000
    } else {
        1_000_000
    };
    let fired = Rc::new(RefCell::new(Vec::with_capacity(count)));
    lp.run_until_complete(async {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for i in 0..count {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let millis = seed % 100_000;
            let fired = fired.clone();
            drop(spawn(async move {
                sleep(Duration::from_millis(millis)).await;
                fired.borrow_mut().push((millis, i));
            }));
        }
        sleep(Duration::from_secs(101)).await;
    });
    let fired = fired.borrow();
    assert_eq!(fired.len(), count);
    assert!(
        fired.windows(2).all(|w| w[0] <= w[1]),
        "timers fired out of order"
    );
    assert_eq!(lp.time() - start, Duration::from_secs(101));
}

#[test]
fn the_real_clock_sleeps_about_as_long_as_asked() {
    let elapsed = common::bounded(Duration::from_secs(30), || {
        let mut lp = EventLoop::new().unwrap();
        let start = Instant::now();
        lp.run_until_complete(sleep(Duration::from_millis(50)));
        start.elapsed()
    });
    assert!(elapsed >= Duration::from_millis(50), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
}

#[test]
fn the_paused_clock_keeps_working_at_the_end_of_its_range() {
    // Nanosecond ticks end after about 584 years; sleeps past that end there, instead of the
    // loop parking forever.
    common::bounded(Duration::from_secs(20), || {
        let mut lp = paused_loop();
        let start = lp.time();
        lp.run_until_complete(sleep(Duration::from_secs(600 * 365 * 24 * 3600)));
        let reached = lp.time() - start;
        assert!(
            reached > Duration::from_secs(584 * 365 * 24 * 3600),
            "{reached:?}"
        );
        lp.run_until_complete(sleep(Duration::from_secs(1)));
        lp.run_until_complete(sleep(Duration::MAX));
    });
}

#[test]
fn advance_moves_the_paused_clock_and_fires_what_fell_due() {
    let mut lp = baton::EventLoop::builder().paused_clock().build().unwrap();
    lp.run_until_complete(async {
        let start = baton::time::now();
        let sleeper = baton::spawn(baton::sleep(Duration::from_secs(10)));
        baton::yield_now().await;
        baton::time::advance(Duration::from_secs(10));
        assert_eq!(baton::time::now() - start, Duration::from_secs(10));
        baton::yield_now().await;
        assert!(
            sleeper.done(),
            "the timer fell due and fired at the next iteration"
        );
    });
}

#[test]
#[should_panic(expected = "baton::time::advance needs the paused clock")]
fn advance_on_the_real_clock_names_the_mistake() {
    baton::run(async { baton::time::advance(Duration::from_secs(1)) });
}
