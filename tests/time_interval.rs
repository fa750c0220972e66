//! `interval` as a user sees it, on the paused clock: the first tick at once, a steady
//! schedule, each missed-tick behaviour after a slow consumer, `reset`, the `Stream` impl.

mod common;

use baton::time::{advance, interval, interval_at, now, MissedTickBehavior};
use common::paused_loop;
use futures_lite::StreamExt;
use std::time::{Duration, Instant};

const PERIOD: Duration = Duration::from_millis(10);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn the_first_tick_is_immediate_then_every_period() {
    let mut lp = paused_loop();
    lp.run_until_complete(async {
        let start = now();
        let mut every = interval(PERIOD);
        for k in 0..5 {
            let due = every.tick().await;
            assert_eq!(due, start + PERIOD * k);
            assert_eq!(now(), due, "a tick completes when it is due, not later");
        }
    });
}

#[test]
fn interval_at_starts_at_its_start() {
    let mut lp = paused_loop();
    lp.run_until_complete(async {
        let start = now() + ms(35);
        let mut every = interval_at(start, PERIOD);
        assert_eq!(every.tick().await, start);
        assert_eq!(now(), start);
        assert_eq!(every.tick().await, start + PERIOD);
    });
}

/// Ticks due at 0, 10, 20 …; the consumer takes the tick due at 10, then is busy until 45.
/// Returns, for the next four ticks, (the instant each was due, the clock when it completed),
/// both relative to the start.
fn after_a_slow_consumer(behavior: MissedTickBehavior) -> Vec<(Duration, Duration)> {
    let mut lp = paused_loop();
    lp.run_until_complete(async move {
        let start = now();
        let mut every = interval(PERIOD);
        every.set_missed_tick_behavior(behavior);
        every.tick().await;
        every.tick().await;
        advance(ms(35)); // busy: the ticks due at 20, 30 and 40 are missed
        let mut seen = Vec::new();
        for _ in 0..4 {
            let due = every.tick().await;
            seen.push((due - start, now() - start));
        }
        seen
    })
}

#[test]
fn burst_catches_up_at_once_then_keeps_the_schedule() {
    assert_eq!(
        after_a_slow_consumer(MissedTickBehavior::Burst),
        [(20, 45), (30, 45), (40, 45), (50, 50)].map(|(d, t)| (ms(d), ms(t)))
    );
}

#[test]
fn burst_is_the_default() {
    let every = interval(PERIOD);
    assert_eq!(every.missed_tick_behavior(), MissedTickBehavior::Burst);
}

#[test]
fn delay_waits_a_full_period_after_the_late_tick() {
    assert_eq!(
        after_a_slow_consumer(MissedTickBehavior::Delay),
        [(20, 45), (55, 55), (65, 65), (75, 75)].map(|(d, t)| (ms(d), ms(t)))
    );
}

#[test]
fn skip_drops_the_missed_ticks_and_keeps_the_phase() {
    assert_eq!(
        after_a_slow_consumer(MissedTickBehavior::Skip),
        [(20, 45), (50, 50), (60, 60), (70, 70)].map(|(d, t)| (ms(d), ms(t)))
    );
}

#[test]
fn a_tick_taken_less_than_5ms_late_is_not_missed_whatever_the_behaviour() {
    for behavior in [
        MissedTickBehavior::Burst,
        MissedTickBehavior::Delay,
        MissedTickBehavior::Skip,
    ] {
        let mut lp = paused_loop();
        lp.run_until_complete(async move {
            let start = now();
            let mut every = interval(PERIOD);
            every.set_missed_tick_behavior(behavior);
            every.tick().await;
            advance(ms(14)); // the tick due at 10 is taken at 14
            assert_eq!(every.tick().await - start, ms(10));
            assert_eq!(every.tick().await - start, ms(20), "{behavior:?}");
            assert_eq!(now() - start, ms(20));
        });
    }
}

#[test]
fn reset_restarts_the_schedule_from_now() {
    let mut lp = paused_loop();
    lp.run_until_complete(async {
        let start = now();
        let mut every = interval(PERIOD);
        every.tick().await;
        advance(ms(7));
        every.reset();
        assert_eq!(every.tick().await - start, ms(17));
        assert_eq!(every.tick().await - start, ms(27));
    });
}

#[test]
fn a_dropped_tick_is_not_consumed() {
    let mut lp = paused_loop();
    lp.run_until_complete(async {
        let start = now();
        let mut every = interval(PERIOD);
        every.tick().await;
        let early = baton::wait_for(ms(4), every.tick()).await;
        assert!(early.is_err(), "the tick due at 10 is not there at 4");
        assert_eq!(every.tick().await - start, ms(10));
    });
}

#[test]
fn an_interval_made_before_the_loop_starts_at_its_first_poll() {
    let mut every = interval(PERIOD);
    let mut lp = paused_loop();
    let start: Instant = lp.time();
    let ticks: Vec<Instant> = lp.run_until_complete(async move {
        advance(ms(3));
        vec![every.tick().await, every.tick().await]
    });
    assert_eq!(ticks, [start + ms(3), start + ms(13)]);
}

#[test]
fn as_a_stream_it_yields_the_due_instants() {
    let mut lp = paused_loop();
    let start = lp.time();
    let ticks: Vec<Instant> = lp.run_until_complete(interval(PERIOD).take(4).collect());
    assert_eq!(ticks, [0, 10, 20, 30].map(|n| start + ms(n)));
}

#[test]
#[should_panic(expected = "`period` must be non-zero")]
fn a_zero_period_panics() {
    let _ = interval(Duration::ZERO);
}

#[test]
#[should_panic(expected = "`period` must be non-zero")]
fn a_zero_period_panics_in_interval_at_too() {
    let _ = interval_at(Instant::now(), Duration::ZERO);
}
