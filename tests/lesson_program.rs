//! The asyncio lesson's programs, exactly as a user writes them (the program in issue 2).

mod common;

use baton::{as_completed, gather, sleep, spawn, EventLoop, TaskError};
use std::time::{Duration, Instant};

async fn compute_square(x: u64) -> u64 {
    sleep(Duration::from_secs(1)).await;
    x * x
}

async fn square(x: u64) -> u64 {
    println!("Square {x}");
    let r = compute_square(x).await; // coroutines await coroutines
    println!("End square {x}");
    r
}

fn lesson() -> std::io::Result<()> {
    // Execute a single task
    let mut lp = EventLoop::new()?;
    let r = lp.run_until_complete(square(1)); // 1, after ~1 s
    println!("{r}");
    lp.close();

    // Execute multiple tasks: ordered results, ~1 s in all, not 3
    let mut lp = EventLoop::new()?;
    let results: Vec<u64> = lp.run_until_complete(gather(vec![square(1), square(2), square(3)]));
    assert_eq!(results, [1, 4, 9]);

    // Results as soon as they are available
    lp.run_until_complete(async {
        let mut done = as_completed(vec![square(1), square(2), square(3)]);
        while let Some(r) = done.next().await {
            println!("Result: {r}");
        }
    });

    // Tasks: scheduled at once, awaited later; cancellation; a panic stays in its task
    lp.run_until_complete(async {
        let t = spawn(square(4));
        let c = spawn(sleep(Duration::from_secs(60)));
        assert!(c.cancel());
        assert!(matches!(c.await, Err(TaskError::Cancelled)));
        let p = spawn(async { panic!("boom") });
        assert!(matches!(p.await, Err(TaskError::Panicked(_))));
        assert_eq!(t.await.unwrap(), 16);
    });
    lp.close();

    assert_eq!(baton::run(compute_square(3)), 9); // asyncio.run
    Ok(())
}

/// The one real-time check: the program takes about five seconds (single task 1 s, gather 1 s,
/// as_completed 1 s, tasks 1 s, run 1 s), not the eleven a sequential run would.
#[test]
fn the_lesson_program_runs_unchanged_with_concurrent_timing() {
    let elapsed = common::bounded(Duration::from_secs(60), || {
        let start = Instant::now();
        lesson().unwrap();
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
