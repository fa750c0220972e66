// The program of issue 2, exactly as a user writes it. It is an example of its own
// (`cargo run --example lesson_program`), and `examples/seed.rs` and `tests/lesson_program.rs`
// include it unchanged.
use baton::{as_completed, gather, sleep, spawn, EventLoop, TaskError};
use std::time::Duration;

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

fn main() -> std::io::Result<()> {
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
        assert!(matches!(c.await, Err(TaskError::Cancelled(_))));
        let p = spawn(async { panic!("boom") });
        assert!(matches!(p.await, Err(TaskError::Panicked(_))));
        assert_eq!(t.await.unwrap(), 16);
    });
    lp.close();

    assert_eq!(baton::run(compute_square(3)), 9); // asyncio.run
    Ok(())
}
