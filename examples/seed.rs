//! The asyncio lesson ("Execute Single and Multiple Tasks"), program by program, on baton.
//!
//! Run: `cargo run --release --example seed`. Each program prints its lines and how long it took:
//! one second each, because the squares sleep together, not one after another.

use baton::{as_completed, gather, sleep, spawn, EventLoop, TaskError};
use std::time::{Duration, Instant};

async fn compute_square(x: u64) -> u64 {
    sleep(Duration::from_secs(1)).await;
    x * x
}

/// The lesson's `square` that sleeps inside (programs 1–3).
async fn square_inline(x: u64) -> u64 {
    println!("Square {x}");
    sleep(Duration::from_secs(1)).await;
    println!("End square {x}");
    x * x
}

/// The lesson's last `square`: a coroutine that awaits another coroutine.
async fn square(x: u64) -> u64 {
    println!("Square {x}");
    let r = compute_square(x).await; // coroutines await coroutines
    println!("End square {x}");
    r
}

fn timed(title: &str, program: impl FnOnce() -> std::io::Result<()>) -> std::io::Result<()> {
    println!("== {title}");
    let start = Instant::now();
    program()?;
    println!("-- {title}: {:.2?}\n", start.elapsed());
    Ok(())
}

fn main() -> std::io::Result<()> {
    timed("Execute a single task", || {
        let mut lp = EventLoop::new()?;
        let results = lp.run_until_complete(square_inline(1));
        println!("{results}");
        lp.close();
        Ok(())
    })?;

    timed("Execute multiple tasks (gather: ordered results)", || {
        let mut lp = EventLoop::new()?;
        let results = lp.run_until_complete(gather(vec![
            square_inline(1),
            square_inline(2),
            square_inline(3),
        ]));
        println!("{results:?}");
        lp.close();
        Ok(())
    })?;

    timed(
        "Results as soon as they are available (as_completed)",
        || {
            let mut lp = EventLoop::new()?;
            lp.run_until_complete(async {
                let mut done =
                    as_completed(vec![square_inline(1), square_inline(2), square_inline(3)]);
                while let Some(r) = done.next().await {
                    println!("Result: {r}");
                }
            });
            lp.close();
            Ok(())
        },
    )?;

    timed("Coroutines awaiting coroutines (as_completed)", || {
        let mut lp = EventLoop::new()?;
        lp.run_until_complete(async {
            let mut done = as_completed(vec![square(1), square(2), square(3)]);
            while let Some(r) = done.next().await {
                println!("Result: {r}");
            }
        });
        lp.close();
        Ok(())
    })?;

    timed(
        "Tasks: spawned at once, cancelled, panicking, awaited later",
        || {
            let mut lp = EventLoop::new()?;
            lp.run_until_complete(async {
                let t = spawn(square(4));
                let c = spawn(sleep(Duration::from_secs(60)));
                assert!(c.cancel());
                assert!(matches!(c.await, Err(TaskError::Cancelled(_))));
                println!("the 60 s sleeper was cancelled");
                let p = spawn(async { panic!("boom") });
                let err = p.await.unwrap_err();
                println!("the panicking task reported: {err}");
                println!("Result: {}", t.await.unwrap());
            });
            lp.close();
            Ok(())
        },
    )?;

    timed("asyncio.run", || {
        println!("{}", baton::run(compute_square(3)));
        Ok(())
    })?;

    timed(
        "The whole program of issue 2, unchanged",
        issue_program::run,
    )
}

/// `examples/lesson_program.rs`, included word for word.
mod issue_program {
    include!("lesson_program.rs");
    pub(crate) fn run() -> std::io::Result<()> {
        main()
    }
}
