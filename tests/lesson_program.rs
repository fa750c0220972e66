//! The asyncio lesson's programs, exactly as a user writes them (the program in issue 2).

mod common;

use baton::{as_completed, gather, sleep, EventLoop};
use std::time::{Duration, Instant};

/// `examples/lesson_program.rs`, included word for word.
mod program {
    include!("../examples/lesson_program.rs");
    pub(crate) fn run() -> std::io::Result<()> {
        main()
    }
}

async fn square(x: u64) -> u64 {
    sleep(Duration::from_secs(1)).await;
    x * x
}

/// The one real-time check: the program takes about five seconds (single task 1 s, gather 1 s,
/// as_completed 1 s, tasks 1 s, run 1 s), not the eleven a sequential run would.
#[test]
fn the_lesson_program_runs_unchanged_with_concurrent_timing() {
    let elapsed = common::bounded(Duration::from_secs(60), || {
        let start = Instant::now();
        program::run().unwrap();
        start.elapsed()
    });
    assert!(elapsed >= Duration::from_secs(5), "{elapsed:?}");
    assert!(
        elapsed < Duration::from_secs(7),
        "{elapsed:?}: the sleeps did not overlap"
    );
}

#[test]
fn three_one_second_tasks_finish_in_about_one_second() {
    let elapsed = common::bounded(Duration::from_secs(30), || {
        let mut lp = EventLoop::new().unwrap();
        let start = Instant::now();
        let results = lp.run_until_complete(gather(vec![square(1), square(2), square(3)]));
        assert_eq!(results, [1, 4, 9]);
        start.elapsed()
    });
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
}

#[test]
fn as_completed_yields_in_completion_order_on_the_paused_clock() {
    let mut lp = common::paused_loop();
    let start = lp.time();
    let order = lp.run_until_complete(async {
        let work = |x: u64, secs: u64| async move {
            sleep(Duration::from_secs(secs)).await;
            x
        };
        let mut done = as_completed(vec![work(1, 3), work(2, 1), work(3, 2)]);
        let mut order = Vec::new();
        while let Some(r) = done.next().await {
            order.push(r);
        }
        order
    });
    assert_eq!(order, [2, 3, 1]);
    assert_eq!(lp.time() - start, Duration::from_secs(3));
}
