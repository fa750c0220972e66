//! `EventLoop::metrics`: the counts a user reads off a loop are exact.
//!
//! How polls count: each run of a task is one poll; the future `run_until_complete` drives is
//! not a task, so its polls count nowhere.

mod common;

use std::io;
use std::sync::mpsc;
use std::time::Duration;

use baton::channel::oneshot;
use baton::net::{TcpListener, TcpStream};
use baton::{sleep, to_thread, yield_now, EventLoop};
use common::{bounded, paused_loop};

const LIMIT: Duration = Duration::from_secs(20);

#[test]
fn a_new_loop_has_counted_nothing() {
    let lp = paused_loop();
    let m = lp.metrics();
    assert_eq!(
        (m.tasks_spawned, m.tasks_completed, m.tasks_alive, m.polls),
        (0, 0, 0, 0)
    );
    assert_eq!(
        (m.slow_polls, m.remote_wakes, m.io_events, m.parks),
        (0, 0, 0, 0)
    );
    assert_eq!(
        (m.ready_depth, m.ready_depth_max, m.timers_pending),
        (0, 0, 0)
    );
    assert_eq!((m.busy, m.parked), (Duration::ZERO, Duration::ZERO));
}

#[test]
fn tasks_spawned_completed_and_polled_are_counted_exactly() {
    let mut lp = paused_loop();
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            lp.spawn(async move {
                yield_now().await;
                yield_now().await;
                i
            })
        })
        .collect();
    let m = lp.metrics();
    assert_eq!((m.tasks_spawned, m.tasks_alive, m.polls), (10, 10, 0));
    assert_eq!(m.ready_depth, 10, "spawned tasks wait in the ready queue");

    let sum = lp.run_until_complete(async {
        let mut sum = 0;
        for task in tasks {
            sum += task.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, 45);
    let m = lp.metrics();
    assert_eq!(m.tasks_spawned, 10);
    assert_eq!(m.tasks_completed, 10);
    assert_eq!(m.tasks_alive, 0);
    // Three polls each: up to the first yield, up to the second, to the end. The main future's
    // polls are not counted.
    assert_eq!(m.polls, 30);
    assert_eq!(m.ready_depth, 0);
    assert_eq!(m.ready_depth_max, 10);
    assert_eq!(
        m.remote_wakes, 0,
        "every wake happened on the loop's thread"
    );
    assert_eq!(m.slow_polls, 0);
}

#[test]
fn a_cancelled_task_counts_as_completed_and_its_run_as_a_poll() {
    let mut lp = paused_loop();
    let task = lp.spawn(std::future::pending::<()>());
    lp.run_until_complete(yield_now());
    assert_eq!((lp.metrics().polls, lp.metrics().tasks_alive), (1, 1));
    task.cancel();
    lp.run_until_complete(yield_now());
    let m = lp.metrics();
    assert_eq!((m.tasks_completed, m.tasks_alive), (1, 0));
    assert_eq!(m.polls, 2, "the run that dropped the future counts");
}

#[test]
fn a_task_woken_from_another_thread_counts_a_remote_wake() {
    bounded(LIMIT, || {
        let mut lp = paused_loop();
        let (tx, rx) = oneshot::channel();
        let waiter = lp.spawn(rx);
        lp.run_until_complete(yield_now()); // the task now waits on the channel
        assert_eq!(lp.metrics().remote_wakes, 0);

        std::thread::spawn(move || tx.send(7).unwrap())
            .join()
            .unwrap();
        assert_eq!(lp.run_until_complete(waiter).unwrap(), Ok(7));
        let m = lp.metrics();
        assert_eq!(m.remote_wakes, 1);
        assert_eq!((m.tasks_spawned, m.tasks_completed), (1, 1));
    });
}

#[test]
fn a_task_spawned_from_another_thread_counts_as_spawned_and_remote() {
    bounded(LIMIT, || {
        let mut lp = paused_loop();
        let handle = lp.handle();
        let task = std::thread::spawn(move || handle.spawn(async { 6 * 7 }))
            .join()
            .unwrap();
        assert_eq!(
            lp.metrics().tasks_spawned,
            0,
            "not adopted until the loop runs"
        );
        assert_eq!(lp.run_until_complete(task).unwrap(), 42);
        let m = lp.metrics();
        assert_eq!((m.tasks_spawned, m.tasks_completed), (1, 1));
        assert_eq!(m.remote_wakes, 1);
        assert_eq!(m.polls, 1);
    });
}

#[test]
fn pending_timers_are_counted_then_drained() {
    let mut lp = paused_loop();
    let sleepers: Vec<_> = (1..=3)
        .map(|s| lp.spawn(sleep(Duration::from_secs(s))))
        .collect();
    let cancelled = lp.spawn(sleep(Duration::from_secs(60)));
    lp.run_until_complete(yield_now());
    assert_eq!(lp.metrics().timers_pending, 4);

    cancelled.cancel();
    lp.run_until_complete(sleep(Duration::from_millis(1500)));
    // The cancelled task's timer is gone, the 1 s one fired (and so did the main future's own).
    assert_eq!(lp.metrics().timers_pending, 2);

    lp.run_until_complete(async {
        for s in sleepers {
            s.await.unwrap();
        }
    });
    let m = lp.metrics();
    assert_eq!(m.timers_pending, 0);
    assert_eq!((m.tasks_spawned, m.tasks_completed), (4, 4));
}

#[test]
fn a_tcp_round_trip_counts_io_events() {
    bounded(LIMIT, || {
        let mut lp = EventLoop::new().unwrap();
        lp.run_until_complete(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            let server = baton::spawn(async move {
                let (mut conn, _) = listener.accept().await?;
                let mut buf = [0u8; 4];
                conn.read_exact(&mut buf).await?;
                conn.write_all(&buf).await?;
                io::Result::Ok(())
            });
            let mut client = TcpStream::connect(addr).await?;
            client.write_all(b"ping").await?;
            let mut back = [0u8; 4];
            client.read_exact(&mut back).await?;
            assert_eq!(&back, b"ping");
            server.await.unwrap()
        })
        .unwrap();
        let m = lp.metrics();
        assert!(m.io_events > 0, "{m}");
        assert!(m.parks > 0, "the loop waited for the sockets: {m}");
    });
}

#[test]
fn a_blocking_job_shows_as_running_while_it_blocks() {
    bounded(LIMIT, || {
        let mut lp = paused_loop();
        let (started_tx, started_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let job = lp.spawn(to_thread(move || {
            started_tx.send(()).unwrap();
            release_rx.recv_timeout(LIMIT).unwrap();
            5
        }));
        lp.run_until_complete(yield_now()); // the task hands the job to the pool
        started_rx.recv_timeout(LIMIT).unwrap();
        // The pool is process-wide: other tests' jobs may run too, but ours is running now.
        assert!(lp.metrics().blocking_running >= 1);

        release_tx.send(()).unwrap();
        assert_eq!(lp.run_until_complete(job).unwrap(), 5);
    });
}

#[test]
fn busy_and_parked_time_add_up_to_the_run() {
    bounded(LIMIT, || {
        let mut lp = EventLoop::new().unwrap();
        let wait = Duration::from_millis(20);
        lp.run_until_complete(sleep(wait));
        let m = lp.metrics();
        assert!(m.parks >= 1, "{m}");
        assert!(m.parked > Duration::ZERO, "{m}");
        assert!(m.busy + m.parked >= wait, "{m}");

        // Between runs nothing accrues.
        let before = lp.metrics();
        std::thread::sleep(Duration::from_millis(5));
        let after = lp.metrics();
        assert_eq!((before.busy, before.parked), (after.busy, after.parked));
    });
}

#[test]
fn display_prints_one_line_per_area() {
    let mut lp = paused_loop();
    let task = lp.spawn(async { yield_now().await });
    lp.run_until_complete(task).unwrap();
    let table = lp.metrics().to_string();
    assert!(
        table.starts_with("tasks         spawned 1, completed 1, alive 0\n"),
        "{table}"
    );
    assert!(table.contains("\npolls         2 (slow 0)\n"), "{table}");
    assert!(table.contains("(process-wide)"), "{table}");
    assert_eq!(table.lines().count(), 8, "{table}");
}
