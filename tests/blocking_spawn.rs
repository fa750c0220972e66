//! `spawn_blocking` as a user sees it: the job starts at once (unlike the lazy `to_thread`),
//! the handle is a `Task` (result, panic as `TaskError::Panicked`, detach on drop), on an
//! `EventLoop` and on a `Runtime`'s workers.

mod common;

use common::bounded;
use std::sync::mpsc;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(20);

#[test]
fn the_job_starts_before_the_handle_is_awaited() {
    bounded(LIMIT, || {
        baton::run(async {
            let (started, job_started) = mpsc::channel();
            let job = baton::spawn_blocking(move || {
                started.send(()).unwrap();
                7
            });
            // Blocks the loop's thread on purpose: the job must not need the loop to start.
            job_started.recv().unwrap();
            assert_eq!(job.await.unwrap(), 7);
        });
    });
}

#[test]
fn to_thread_stays_lazy() {
    bounded(LIMIT, || {
        baton::run(async {
            let (started, job_started) = mpsc::channel();
            let job = baton::to_thread(move || started.send(()).unwrap());
            baton::sleep(Duration::from_millis(20)).await;
            assert!(job_started.try_recv().is_err(), "not polled, not started");
            job.await;
            job_started.recv().unwrap();
        });
    });
}

#[test]
fn a_panicking_job_gives_the_error_a_panicking_task_gives() {
    bounded(LIMIT, || {
        baton::run(async {
            let job = baton::spawn_blocking(|| -> u8 { panic!("job failed") });
            let err = job.await.unwrap_err();
            assert!(err.is_panic());
            assert_eq!(err.panic_message(), Some("job failed"));
            // The loop and the pool go on.
            assert_eq!(baton::spawn_blocking(|| 1).await.unwrap(), 1);
        });
    });
}

#[test]
fn dropping_the_handle_detaches_and_the_job_still_runs() {
    bounded(LIMIT, || {
        let (done, job_done) = mpsc::channel();
        baton::run(async move {
            let (go, wait_for_go) = mpsc::channel::<()>();
            drop(baton::spawn_blocking(move || {
                wait_for_go.recv().unwrap();
                done.send("finished").unwrap();
            }));
            go.send(()).unwrap();
        });
        assert_eq!(job_done.recv().unwrap(), "finished");
    });
}

#[test]
fn jobs_run_in_parallel() {
    bounded(LIMIT, || {
        baton::run(async {
            // Each job waits for all four to have started: only parallel jobs finish.
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
            let jobs: Vec<_> = (0..4u32)
                .map(|i| {
                    let barrier = barrier.clone();
                    baton::spawn_blocking(move || {
                        barrier.wait();
                        i
                    })
                })
                .collect();
            let mut out = Vec::new();
            for job in jobs {
                out.push(job.await.unwrap());
            }
            assert_eq!(out, [0, 1, 2, 3]);
        });
    });
}

#[test]
fn works_on_a_runtime_worker_and_the_handle_is_send() {
    bounded(LIMIT, || {
        let rt = baton::Runtime::builder().workers(2).build().unwrap();
        let total = rt.block_on(async {
            let job = baton::spawn_blocking(|| (1..=10u64).sum::<u64>());
            // A `Send` task awaits the handle, wherever it runs.
            let waiter = baton::spawn_send(async move { job.await.unwrap() * 2 });
            waiter.await.unwrap()
        });
        assert_eq!(total, 110);
        let on_worker = rt
            .handle()
            .run_on_worker(1, || async { baton::spawn_blocking(|| 3).await.unwrap() });
        assert_eq!(rt.block_on(on_worker).unwrap(), 3);
    });
}

#[test]
#[should_panic(expected = "no running event loop")]
fn outside_a_loop_it_names_the_mistake() {
    drop(baton::spawn_blocking(|| 1));
}
