//! `#[baton::main]`, `#[baton::test]` and `baton::testing::run_seeds`, as a user sees them.
//! What must not compile is kept by the `compile_fail` examples on `baton::main` and
//! `baton::test`.

use std::cell::{Cell, RefCell};
use std::error::Error;
use std::process::Command;
use std::rc::Rc;
use std::time::{Duration, Instant};

mod common;

// ---- #[baton::test] --------------------------------------------------------------------------

#[baton::test]
async fn a_test_sleeps_an_hour_of_virtual_time_at_once() {
    let real = Instant::now();
    let start = baton::time::now();
    baton::sleep(Duration::from_secs(3600)).await;
    assert_eq!(baton::time::now() - start, Duration::from_secs(3600));
    assert!(real.elapsed() < Duration::from_secs(30));
}

#[baton::test(real_clock)]
async fn real_clock_waits_in_real_time() {
    let real = Instant::now();
    baton::sleep(Duration::from_millis(20)).await;
    assert!(real.elapsed() >= Duration::from_millis(20));
}

/// Spawns `n` tasks, all ready at once, and gives the order they ran in.
async fn order_of_ready_tasks(n: u32) -> Vec<u32> {
    let log = Rc::new(RefCell::new(Vec::new()));
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let log = log.clone();
            baton::spawn(async move { log.borrow_mut().push(i) })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    log.take()
}

#[baton::test(seed = 7)]
async fn a_seeded_test_runs_its_tasks() {
    let mut ran = order_of_ready_tasks(4).await;
    ran.sort_unstable();
    assert_eq!(ran, [0, 1, 2, 3]);
}

#[baton::test]
async fn a_test_may_return_a_result_and_use_question_marks() -> Result<(), Box<dyn Error>> {
    let n: u64 = "3".parse()?;
    baton::sleep(Duration::from_secs(n)).await;
    Ok(())
}

#[baton::test]
#[should_panic(expected = "from the body")]
async fn a_panic_in_the_body_fails_the_test() {
    baton::sleep(Duration::from_secs(1)).await;
    panic!("from the body");
}

#[baton::test(time_limit = "none", debug)]
async fn options_combine() {
    baton::sleep(Duration::from_secs(1)).await;
}

thread_local! {
    /// Runs of `five_seeds` on this thread; read around a direct call, so the harness's own
    /// run of it (on another thread) does not count.
    static FIVE_SEEDS_RUNS: Cell<u32> = const { Cell::new(0) };
}

#[baton::test(seeds = 5)]
async fn five_seeds() {
    FIVE_SEEDS_RUNS.with(|runs| runs.set(runs.get() + 1));
}

#[test]
fn seeds_5_runs_the_body_five_times() {
    let before = FIVE_SEEDS_RUNS.with(Cell::get);
    five_seeds();
    assert_eq!(FIVE_SEEDS_RUNS.with(Cell::get) - before, 5);
}

// The watchdog: a test that hangs fails at its time limit, with the loop's task dump.
#[baton::test(time_limit = "200ms")]
#[should_panic(expected = "ran past its time limit of 200ms")]
async fn a_hung_test_fails_at_its_time_limit() {
    let _stuck = baton::spawn(std::future::pending::<()>()).named("stuck-helper");
    std::future::pending::<()>().await;
}

#[test]
fn the_time_limit_message_holds_the_task_dump() {
    let failure = common::bounded(Duration::from_secs(30), || {
        std::panic::catch_unwind(a_hung_test_fails_at_its_time_limit).unwrap_err()
    });
    let message = common::panic_message(failure);
    // `dump_timeout`'s answer, whatever its format: it follows the sentence naming the limit.
    let (_, dump) = message
        .split_once("its tasks when the limit passed:\n")
        .unwrap_or_else(|| panic!("no task dump in {message:?}"));
    assert!(!dump.trim().is_empty(), "an empty task dump in {message:?}");
}

#[baton::test(time_limit = "2m")]
async fn a_test_within_its_limit_passes() {
    baton::sleep(Duration::from_secs(86_400)).await; // virtual: the limit is real time
}

// ---- baton::testing::run_seeds --------------------------------------------------------------

#[test]
fn run_seeds_returns_the_last_output() {
    let runs = Cell::new(0);
    let out = baton::testing::run_seeds(10..13, || {
        runs.set(runs.get() + 1);
        let run = runs.get();
        async move { Ok::<_, ()>(run) }
    });
    assert_eq!(out, Ok(3));
}

#[test]
fn run_seeds_stops_at_the_first_failing_seed_and_resumes_its_panic() {
    let runs = Cell::new(0u64);
    let failure = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        baton::testing::run_seeds(0..10, || {
            runs.set(runs.get() + 1);
            let run = runs.get();
            async move { assert!(run != 4, "run {run} fails") }
        })
    }))
    .unwrap_err();
    assert_eq!(runs.get(), 4);
    assert_eq!(common::panic_message(failure), "run 4 fails");
}

#[test]
fn run_seeds_returns_the_first_err() {
    let runs = Cell::new(0u64);
    let out: Result<(), u64> = baton::testing::run_seeds(0..10, || {
        runs.set(runs.get() + 1);
        let run = runs.get();
        async move {
            if run == 2 {
                Err(run)
            } else {
                Ok(())
            }
        }
    });
    assert_eq!((out, runs.get()), (Err(2), 2));
}

#[test]
#[should_panic(expected = "needs at least one seed")]
fn run_seeds_refuses_an_empty_range() {
    baton::testing::run_seeds(3..3, || async {});
}

#[test]
fn run_seeds_lets_the_closure_spawn_before_its_future_runs() {
    baton::testing::run_seeds(0..2, || {
        let task = baton::spawn(async { 5 });
        async move { assert_eq!(task.await.unwrap(), 5) }
    });
}

/// The seed reaches the loop: the order of ready tasks changes with it, and replays with it.
#[test]
fn different_seeds_give_different_orders_and_a_seed_replays_its_order() {
    fn order(seeds: std::ops::Range<u64>) -> Vec<Vec<u32>> {
        let orders = RefCell::new(Vec::new());
        baton::testing::run_seeds(seeds, || async {
            let order = order_of_ready_tasks(8).await;
            orders.borrow_mut().push(order);
        });
        orders.into_inner()
    }
    let first = order(0..10);
    assert!(
        first.iter().any(|o| *o != first[0]),
        "ten seeds, one order: {first:?}"
    );
    assert_eq!(order(0..10), first, "a seed replays its order");
}

// Run in a child process by the tests below, which read its stderr.
#[test]
#[ignore = "run by run_seeds_names_the_failing_seed in a child process"]
fn child_sweep_failing_at_seed_3() {
    let runs = Cell::new(0u64);
    baton::testing::run_seeds(0..10, || {
        let seed = runs.get(); // seeds run in order, from 0
        runs.set(seed + 1);
        eprintln!("child: run {seed}");
        async move { assert_ne!(seed, 3) }
    });
}

/// Runs `child_sweep_failing_at_seed_3` alone in a child process; its stderr.
fn run_child_sweep(seed_variable: Option<&str>) -> String {
    let mut child = Command::new(std::env::current_exe().unwrap());
    child.args([
        "--exact",
        "child_sweep_failing_at_seed_3",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    child.env_remove("BATON_SEED");
    if let Some(seed) = seed_variable {
        child.env("BATON_SEED", seed);
    }
    let output = common::bounded(Duration::from_secs(60), move || child.output().unwrap());
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn run_seeds_names_the_failing_seed() {
    let stderr = run_child_sweep(None);
    assert!(
        stderr.contains(
            "baton: failed under seed 3; replay with `#[baton::test(seed = 3)]` or BATON_SEED=3"
        ),
        "{stderr}"
    );
    assert!(
        !stderr.contains("child: run 4"),
        "the sweep went on: {stderr}"
    );
}

#[test]
fn baton_seed_runs_that_seed_alone() {
    let stderr = run_child_sweep(Some("6"));
    assert!(stderr.contains("child: run 0"), "{stderr}");
    assert!(
        !stderr.contains("child: run 1"),
        "more than one run: {stderr}"
    );
    assert!(!stderr.contains("failed under seed"), "{stderr}");
}

#[test]
fn a_bad_baton_seed_is_refused() {
    let stderr = run_child_sweep(Some("seven"));
    assert!(
        stderr.contains("BATON_SEED=\"seven\" is not a seed"),
        "{stderr}"
    );
}

// ---- #[baton::main] --------------------------------------------------------------------------

#[baton::main]
async fn sum_of_tasks() -> u32 {
    let tasks: Vec<_> = (1..=4)
        .map(|i| baton::spawn(async move { i * 10 }))
        .collect();
    let mut sum = 0;
    for task in tasks {
        sum += task.await.unwrap();
    }
    sum
}

#[test]
fn a_main_fn_called_from_a_test_thread_returns_its_body_s_output() {
    assert_eq!(sum_of_tasks(), 100);
}

#[baton::main(debug)]
async fn parse_in_main() -> Result<u32, Box<dyn Error>> {
    let text = baton::spawn(async { "not a number" }).await.unwrap();
    Ok(text.parse::<u32>()?)
}

#[test]
fn a_main_fn_keeps_its_return_type_and_its_errors() {
    let err = parse_in_main().unwrap_err();
    assert_eq!(err.to_string(), "invalid digit found in string");
}

#[baton::main]
async fn main_that_panics() {
    baton::sleep(Duration::from_millis(1)).await;
    panic!("main body panicked");
}

#[test]
#[should_panic(expected = "main body panicked")]
fn a_panic_in_a_main_body_reaches_its_caller() {
    main_that_panics();
}

#[baton::main(workers = 2)]
async fn on_two_workers() -> (String, u64) {
    // Not `Send`, held across awaits: fine, the body stays on worker 0.
    let here = Rc::new(std::thread::current().name().unwrap().to_owned());
    let sums: Vec<_> = (0..4u64)
        .map(|i| baton::spawn_send(async move { (i * 100..(i + 1) * 100).sum::<u64>() }))
        .collect();
    let mut sum = 0;
    for part in sums {
        sum += part.await.unwrap();
    }
    baton::sleep(Duration::from_millis(1)).await;
    (Rc::try_unwrap(here).unwrap(), sum)
}

#[test]
fn workers_runs_the_body_on_worker_0_of_a_runtime() {
    let (thread, sum) = common::bounded(Duration::from_secs(60), on_two_workers);
    assert_eq!(thread, "baton-worker-0");
    assert_eq!(sum, (0..400).sum());
}

#[baton::main(workers = 1, debug = false)]
async fn workers_with_a_result() -> Result<(), Box<dyn Error + Send + Sync>> {
    Err("from worker 0".into())
}

#[test]
fn workers_hands_back_a_send_result() {
    let err = common::bounded(Duration::from_secs(60), workers_with_a_result).unwrap_err();
    assert_eq!(err.to_string(), "from worker 0");
}
