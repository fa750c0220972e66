//! The multi-core `Runtime`: `Send` tasks spread over the workers, `!Send` tasks stay put,
//! timers follow migrating tasks, shutdown cancels everything, nothing runs twice or is lost.

mod common;

use std::collections::HashSet;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use baton::{Runtime, TaskError};
use common::bounded;

/// Counts drops across threads.
#[derive(Clone, Default)]
struct Drops(Arc<AtomicUsize>);

struct DropToken(Arc<AtomicUsize>);

impl Drops {
    fn token(&self) -> DropToken {
        DropToken(self.0.clone())
    }
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Drop for DropToken {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

const LIMIT: Duration = Duration::from_secs(60);

fn thread_name() -> String {
    std::thread::current().name().unwrap_or("?").to_owned()
}

#[test]
fn block_on_runs_a_send_future_on_a_worker() {
    bounded(LIMIT, || {
        let rt = Runtime::builder().workers(2).build().unwrap();
        let name = rt.block_on(async { thread_name() });
        assert!(name.starts_with("baton-worker-"), "{name}");
    });
}

#[test]
#[cfg_attr(miri, ignore = "spins on the real clock")]
fn cpu_bound_send_tasks_spread_over_every_worker() {
    bounded(LIMIT, || {
        let rt = Runtime::builder().workers(2).build().unwrap();
        let seen = rt.block_on(async {
            let tasks: Vec<_> = (0..64)
                .map(|_| {
                    baton::spawn_send(async {
                        // Busy for a while without yielding, so one worker cannot run them all.
                        let start = std::time::Instant::now();
                        while start.elapsed() < Duration::from_millis(2) {
                            std::hint::spin_loop();
                        }
                        thread_name()
                    })
                })
                .collect();
            let mut seen = HashSet::new();
            for task in tasks {
                seen.insert(task.await.unwrap());
            }
            seen
        });
        assert_eq!(seen.len(), 2, "only {seen:?} ran tasks");
    });
}

#[test]
fn local_spawn_stays_on_its_worker_and_may_hold_non_send_data() {
    bounded(LIMIT, || {
        let rt = Runtime::builder().workers(2).build().unwrap();
        let task = rt.handle().run_on_worker(1, || async {
            let here = thread_name();
            let shared = Rc::new(here.clone());
            let children: Vec<_> = (0..32)
                .map(|_| {
                    let shared = shared.clone();
                    baton::spawn(async move {
                        baton::yield_now().await;
                        (thread_name(), shared.len())
                    })
                })
                .collect();
            let mut names = HashSet::new();
            for child in children {
                names.insert(child.await.unwrap().0);
            }
            (here, names)
        });
        let (here, names) = rt.block_on(task).unwrap();
        assert_eq!(here, "baton-worker-1");
        assert_eq!(names, HashSet::from([here]));
    });
}

#[test]
fn run_on_every_worker_runs_once_per_worker_in_order() {
    bounded(LIMIT, || {
        let rt = Runtime::builder().workers(3).build().unwrap();
        let names = rt
            .block_on(rt.handle().run_on_every_worker(|| async { thread_name() }))
            .unwrap();
        assert_eq!(
            names,
            ["baton-worker-0", "baton-worker-1", "baton-worker-2"]
        );
    });
}

#[test]
fn a_panicking_send_task_is_reported_to_its_awaiter_and_the_runtime_lives() {
    bounded(LIMIT, || {
        let rt = Runtime::builder().workers(2).build().unwrap();
        let failed = rt.block_on(async { baton::spawn_send(async { panic!("boom") }).await });
        assert_eq!(failed.unwrap_err().panic_message(), Some("boom"));
        assert_eq!(rt.block_on(async { 7 }), 7);
    });
}

#[test]
fn block_on_propagates_a_panic_of_its_future() {
    bounded(LIMIT, || {
        let rt = Runtime::builder().workers(1).build().unwrap();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async { panic!("inside block_on") })
        }));
        assert_eq!(
            common::panic_message(caught.unwrap_err()),
            "inside block_on"
        );
    });
}

#[test]
fn shutdown_cancels_pending_send_and_local_tasks_and_drops_each_future_once() {
    bounded(LIMIT, || {
        let drops = Drops::default();
        let rt = Runtime::builder().workers(2).build().unwrap();
        let mut send_tasks = Vec::new();
        for _ in 0..100 {
            let token = drops.token();
            send_tasks.push(rt.spawn(async move {
                let _token = token;
                std::future::pending::<()>().await
            }));
        }
        for worker in 0..2 {
            let token = drops.token();
            // A `!Send` task pending on each worker.
            drop(rt.handle().run_on_worker(worker, move || async move {
                let _token = token;
                let _not_send = Rc::new(());
                std::future::pending::<()>().await
            }));
        }
        // Let every task start.
        rt.block_on(baton::sleep(Duration::from_millis(20)));
        rt.shutdown();
        assert_eq!(drops.count(), 102);
        for task in send_tasks {
            assert!(task.cancelled());
        }
    });
}

#[test]
fn spawning_after_shutdown_reports_cancelled() {
    bounded(LIMIT, || {
        let rt = Runtime::builder().workers(1).build().unwrap();
        let handle = rt.handle();
        rt.shutdown();
        let task = handle.spawn(async { 1 });
        assert!(task.cancelled());
    });
}

#[test]
fn zero_workers_is_a_clear_error() {
    let err = Runtime::builder().workers(0).build().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("at least one worker"), "{err}");
}

#[test]
fn block_on_inside_a_worker_panics_with_a_clear_message() {
    bounded(LIMIT, || {
        let rt = Arc::new(Runtime::builder().workers(1).build().unwrap());
        let inner = rt.clone();
        let outcome = rt.block_on(async move {
            let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                inner.block_on(async {});
            }));
            drop(inner);
            common::panic_message(caught.unwrap_err())
        });
        assert!(outcome.contains("inside a running event loop"), "{outcome}");
    });
}

#[test]
fn sleeps_in_migrating_send_tasks_end_on_time_and_cancel_cleanly() {
    const SLEEPERS: u64 = if cfg!(miri) { 10 } else { 200 };
    bounded(LIMIT, || {
        let rt = Runtime::builder().workers(2).build().unwrap();
        let done = rt.block_on(async {
            let tasks: Vec<_> = (0..SLEEPERS)
                .map(|i| {
                    baton::spawn_send(async move {
                        for round in 0..5 {
                            // Some sleeps are dropped before they end, maybe on another worker.
                            let short = baton::sleep(Duration::from_micros(50 * (i % 7)));
                            let long = baton::sleep(Duration::from_secs(3600));
                            let _ = baton::wait_for(Duration::from_micros(100), long).await;
                            short.await;
                            if round % 2 == 0 {
                                baton::yield_now().await;
                            }
                        }
                        i
                    })
                })
                .collect();
            let mut done = 0;
            for task in tasks {
                done += task.await.unwrap();
            }
            done
        });
        assert_eq!(done, (0..SLEEPERS).sum());
    });
}

/// Many cross-worker wakes, steals and cancellations: every task completes exactly once or is
/// cancelled exactly once, and nothing is left behind.
#[test]
fn stress_every_task_completes_exactly_once() {
    // Under Miri (which checks the unsafe paths, slowly) a smaller crowd.
    const TASKS: usize = if cfg!(miri) { 200 } else { 20_000 };
    bounded(Duration::from_secs(120), || {
        let rt = Runtime::builder().workers(2).build().unwrap();
        let completions = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(vec![0u8; TASKS]));
        let counts = rt.block_on({
            let completions = completions.clone();
            let seen = seen.clone();
            async move {
                let (tx, rx) = baton::channel::mpsc::channel::<usize>(64);
                let consumer = baton::spawn_send(async move {
                    let mut rx = rx;
                    let mut got = 0;
                    while rx.recv().await.is_some() {
                        got += 1;
                    }
                    got
                });
                let mut tasks = Vec::new();
                for i in 0..TASKS {
                    let tx = tx.clone();
                    let completions = completions.clone();
                    let seen = seen.clone();
                    tasks.push(baton::spawn_send(async move {
                        for _ in 0..(i % 4) {
                            baton::yield_now().await;
                        }
                        tx.send(i).await.unwrap();
                        seen.lock().unwrap()[i] += 1;
                        completions.fetch_add(1, Ordering::Relaxed);
                        i
                    }));
                }
                drop(tx);
                let mut cancelled = 0;
                for (i, task) in tasks.iter().enumerate() {
                    if i % 10 == 3 && task.cancel() {
                        cancelled += 1;
                    }
                }
                let mut ok = 0;
                let mut err = 0;
                for task in tasks {
                    match task.await {
                        Ok(_) => ok += 1,
                        Err(TaskError::Cancelled(_)) => err += 1,
                        Err(e) => panic!("{e}"),
                    }
                }
                (ok, err, cancelled, consumer.await.unwrap())
            }
        });
        let (ok, err, cancelled, received) = counts;
        assert_eq!(ok + err, TASKS);
        assert_eq!(err, cancelled, "cancel() told the truth");
        assert_eq!(completions.load(Ordering::Relaxed), ok);
        assert_eq!(received, ok);
        assert!(seen.lock().unwrap().iter().all(|&n| n <= 1));
    });
}

/// With a paused clock, time jumps only when every worker is idle: a timeout on one worker
/// does not fire while another worker is still busy with the work it waits for.
#[test]
fn a_paused_clock_does_not_jump_while_another_worker_is_busy() {
    bounded(LIMIT, || {
        let rt = Runtime::builder()
            .workers(2)
            .paused_clock()
            .build()
            .unwrap();
        let outcome = rt.block_on(async {
            let start = baton::time::now();
            // Real CPU work on the other worker, with no timer of its own.
            let busy = rt_work_on_worker(1);
            let result = baton::wait_for(Duration::from_secs(1), busy).await;
            (result.is_ok(), baton::time::now() - start)
        });
        assert!(outcome.0, "the timeout fired while worker 1 was busy");
        assert!(outcome.1 < Duration::from_secs(1), "{:?}", outcome.1);
        // And when everything is idle, time does jump.
        let slept = rt.block_on(async {
            let start = baton::time::now();
            baton::sleep(Duration::from_secs(3600)).await;
            baton::time::now() - start
        });
        assert!(slept >= Duration::from_secs(3600), "{slept:?}");
    });
}

async fn rt_work_on_worker(index: usize) -> u64 {
    Runtime::current()
        .run_on_worker(index, || async {
            let start = std::time::Instant::now();
            let mut spins = 0u64;
            while start.elapsed() < Duration::from_millis(200) {
                spins += 1;
                std::hint::spin_loop();
            }
            spins
        })
        .await
        .unwrap()
}

/// Sockets are `Send`: a listener's accept loop hands each connection to a `Send` task, which
/// any worker may run (and steal) while the socket stays registered where it was accepted.
#[test]
#[cfg_attr(miri, ignore = "Miri's isolation refuses sockets")]
fn send_tasks_serve_connections_accepted_on_another_worker() {
    use baton::net::{TcpListener, TcpStream};
    bounded(LIMIT, || {
        let rt = Runtime::builder().workers(2).build().unwrap();
        let echoed = rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = baton::spawn_send(async move {
                loop {
                    let (mut stream, _) = listener.accept().await.unwrap();
                    drop(baton::spawn_send(async move {
                        let mut buf = [0u8; 64];
                        loop {
                            let n = stream.read(&mut buf).await.unwrap();
                            if n == 0 {
                                break;
                            }
                            stream.write_all(&buf[..n]).await.unwrap();
                        }
                    }));
                }
            });
            let clients: Vec<_> = (0..16u8)
                .map(|i| {
                    baton::spawn_send(async move {
                        let mut stream = TcpStream::connect(addr).await.unwrap();
                        let mut total = 0usize;
                        for round in 0..50u8 {
                            let msg = [i, round, 7, 7];
                            stream.write_all(&msg).await.unwrap();
                            let mut back = [0u8; 4];
                            stream.read_exact(&mut back).await.unwrap();
                            assert_eq!(back, msg);
                            total += back.len();
                        }
                        total
                    })
                })
                .collect();
            let mut echoed = 0;
            for client in clients {
                echoed += client.await.unwrap();
            }
            server.cancel();
            echoed
        });
        assert_eq!(echoed, 16 * 50 * 4);
    });
}

/// About a million wakes between `Send` tasks that the two workers trade back and forth (with
/// the LIFO slot on and off): every message arrives once, in order, and every task ends.
#[test]
fn stress_a_million_wakes_between_tasks_on_both_workers() {
    // Under Miri (which checks the unsafe paths, slowly) a few hundred wakes.
    const PAIRS: u64 = if cfg!(miri) { 2 } else { 8 };
    const ROUNDS: u64 = if cfg!(miri) { 50 } else { 30_000 };
    for lifo_slot in [true, false] {
        bounded(Duration::from_secs(120), move || {
            let rt = Runtime::builder()
                .workers(2)
                .lifo_slot(lifo_slot)
                .build()
                .unwrap();
            let rounds = rt.block_on(async {
                let mut tasks = Vec::new();
                for _ in 0..PAIRS {
                    let (ping, mut pings) = baton::channel::mpsc::channel::<u64>(1);
                    let (pong, mut pongs) = baton::channel::mpsc::channel::<u64>(1);
                    tasks.push(baton::spawn_send(async move {
                        for i in 0..ROUNDS {
                            ping.send(i).await.unwrap();
                            assert_eq!(pongs.recv().await, Some(i));
                        }
                        ROUNDS
                    }));
                    tasks.push(baton::spawn_send(async move {
                        let mut seen = 0;
                        while let Some(i) = pings.recv().await {
                            assert_eq!(i, seen);
                            seen += 1;
                            if pong.send(i).await.is_err() {
                                break;
                            }
                        }
                        0
                    }));
                }
                let mut rounds = 0;
                for task in tasks {
                    rounds += task.await.unwrap();
                }
                rounds
            });
            assert_eq!(rounds, PAIRS * ROUNDS);
        });
    }
}
