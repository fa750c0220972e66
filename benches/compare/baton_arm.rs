//! baton's arm: every workload as a baton user writes it. The runner table in `compare.rs` calls
//! each `pub async fn` by name, driven by [`block_on`] (one `EventLoop`) or, for the multi-core
//! `mt_*` rows, [`mt_block_on`] (a `Runtime` of `MT_WORKERS` workers).

use std::future::Future;
use std::hint::black_box;
use std::rc::Rc;
use std::time::{Duration, Instant};

use baton::sync::{Lock, Semaphore};

use crate::common::{
    gather_expected, mpsc_expected, mpsc_per_producer, oneshot, pinger, ponger, timed_drive,
    timer_durations,
};
use crate::memory::{empty_spawn_allocs, sleeping_task_memory, Counts, MemGrowth, SLEEPERS_POLLED};
use crate::*;

/// Drives `main` to completion on a fresh event loop; times only the drive (the loop is built
/// before and closed after).
pub fn block_on<F: Future>(main: F) -> Duration {
    let mut lp = baton::EventLoop::new().expect("baton event loop");
    let start = Instant::now();
    black_box(lp.run_until_complete(main));
    let elapsed = start.elapsed();
    lp.close();
    elapsed
}

pub async fn idle() {}

pub async fn spawn_many() {
    baton::spawn(async {
        let handles: Vec<_> = (0..SPAWN_MANY).map(|_| baton::spawn(async {})).collect();
        for h in handles {
            h.await.unwrap();
        }
    })
    .await
    .unwrap();
}

pub async fn yield_many() {
    let handles: Vec<_> = (0..YIELD_TASKS)
        .map(|_| {
            baton::spawn(async {
                for _ in 0..YIELDS {
                    baton::yield_now().await;
                }
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
}

pub async fn ping_pong() {
    let mut handles = Vec::with_capacity(2 * PING_PAIRS);
    for _ in 0..PING_PAIRS {
        let (tx, rx) = oneshot::channel();
        handles.push(baton::spawn(ponger(rx)));
        handles.push(baton::spawn(pinger(tx)));
    }
    for h in handles {
        assert_eq!(h.await.unwrap(), PING_MSGS);
    }
}

/// tokio's `chained_spawn` shape: each task spawns the next and returns (a dropped `Task` is
/// detached); the last one sends the notification the main future awaits.
pub async fn chained_spawn() {
    fn link(n: usize, done: oneshot::Sender<()>) {
        if n == 0 {
            done.send(()).unwrap();
        } else {
            drop(baton::spawn(async move { link(n - 1, done) }));
        }
    }
    let (done, rx) = oneshot::channel();
    drop(baton::spawn(async move { link(CHAIN_DEPTH, done) }));
    rx.await.unwrap();
}

/// The durations are drawn when the future is made, outside the timed drive.
pub fn timers() -> impl Future<Output = ()> {
    let durations = timer_durations();
    async move {
        let handles: Vec<_> = durations
            .into_iter()
            .map(|d| baton::spawn(baton::sleep(d)))
            .collect();
        for h in handles {
            h.await.unwrap();
        }
    }
}

/// asyncio's `gather`: the inputs run inside one future, no task per input.
pub async fn gather_sleep(n: u64) {
    let out = baton::gather((0..n).map(|x| async move {
        baton::sleep(GATHER_SLEEP).await;
        x * x
    }))
    .await;
    assert_eq!(out.len() as u64, n);
    assert_eq!(out.iter().sum::<u64>(), gather_expected(n));
}

pub async fn mpsc(producers: u64) {
    let per = mpsc_per_producer(producers);
    let (tx, mut rx) = baton::channel::mpsc::channel::<u64>(MPSC_CAPACITY);
    let senders: Vec<_> = (0..producers)
        .map(|_| {
            let tx = tx.clone();
            baton::spawn(async move {
                for i in 0..per {
                    tx.send(i).await.expect("receiver alive");
                }
            })
        })
        .collect();
    drop(tx);
    let consumer = baton::spawn(async move {
        let mut sum = 0u64;
        while let Some(v) = rx.recv().await {
            sum += v;
        }
        sum
    });
    for s in senders {
        s.await.unwrap();
    }
    assert_eq!(consumer.await.unwrap(), mpsc_expected(producers));
}

pub async fn lock_contention() {
    let lock = Rc::new(Lock::new(0usize));
    let handles: Vec<_> = (0..LOCK_TASKS)
        .map(|_| {
            let lock = lock.clone();
            baton::spawn(async move {
                for _ in 0..LOCK_ITERS {
                    let mut g = lock.lock().await;
                    baton::yield_now().await;
                    *g += 1;
                }
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    assert_eq!(*lock.lock().await, LOCK_TASKS * LOCK_ITERS);
}

pub async fn semaphore() {
    let sem = Rc::new(Semaphore::new(SEM_PERMITS));
    let handles: Vec<_> = (0..SEM_TASKS)
        .map(|_| {
            let sem = sem.clone();
            baton::spawn(async move {
                let _p = sem.acquire().await;
                baton::yield_now().await;
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    assert_eq!(sem.available_permits(), SEM_PERMITS);
}

/// `process_spawn_wait`: `true`, spawned and awaited `PROC_SPAWNS` times.
pub async fn process_spawn_wait() {
    for _ in 0..PROC_SPAWNS {
        let status = baton::process::Command::new("true").status().await.unwrap();
        assert!(status.success());
    }
}

pub async fn tcp_echo() {
    use baton::net::{TcpListener, TcpStream};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = baton::spawn(async move {
        loop {
            let (mut s, _) = listener.accept().await.unwrap();
            s.set_nodelay(true).unwrap();
            drop(baton::spawn(async move {
                let mut buf = [0u8; ECHO_MSG];
                while s.read_exact(&mut buf).await.is_ok() {
                    s.write_all(&buf).await.unwrap();
                }
            }));
        }
    });
    let clients: Vec<_> = (0..ECHO_CONNS)
        .map(|_| {
            baton::spawn(async move {
                let mut s = TcpStream::connect(addr).await.unwrap();
                s.set_nodelay(true).unwrap();
                let msg = [7u8; ECHO_MSG];
                let mut buf = [0u8; ECHO_MSG];
                for _ in 0..ECHO_ROUNDS {
                    s.write_all(&msg).await.unwrap();
                    s.read_exact(&mut buf).await.unwrap();
                }
                ECHO_ROUNDS
            })
        })
        .collect();
    let mut trips = 0;
    for c in clients {
        trips += c.await.unwrap();
    }
    server.cancel();
    assert_eq!(trips, ECHO_CONNS * ECHO_ROUNDS);
}

/// Child-process body: memory of `SLEEPERS` tasks asleep in `sleep(1 s)`, handles kept.
pub fn sleepers() -> MemGrowth {
    let mut lp = baton::EventLoop::new().expect("baton event loop");
    lp.run_until_complete(async {
        // Warm-up: let lazily built timer structures exist before the span starts.
        baton::sleep(Duration::from_millis(1)).await;
        sleeping_task_memory(
            || {
                baton::spawn(async {
                    SLEEPERS_POLLED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    baton::sleep(Duration::from_secs(1)).await;
                })
            },
            baton::yield_now,
        )
        .await
    })
}

/// Heap bytes and allocations of `EMPTY_SPAWNS` spawns of `async {}`.
pub fn empty_spawns() -> Counts {
    let mut lp = baton::EventLoop::new().expect("baton event loop");
    lp.run_until_complete(empty_spawn_allocs(|| baton::spawn(async {})))
}

// ---------------------------------------------------------------------------------------------
// Multi-core rows: a `Runtime` of `MT_WORKERS` workers
// ---------------------------------------------------------------------------------------------

/// `BATON_LIFO_SLOT=0` turns the LIFO slot off, to measure what it is worth.
fn mt_runtime() -> baton::Runtime {
    let lifo_slot = std::env::var_os("BATON_LIFO_SLOT").map_or(true, |v| v != "0");
    baton::Runtime::builder()
        .workers(MT_WORKERS)
        .lifo_slot(lifo_slot)
        .build()
        .expect("baton runtime")
}

/// Drives `main` to completion on a fresh `Runtime`: `block_on` runs it as a `Send` task on the
/// workers while this thread waits. Times only the drive (the runtime is started before and shut
/// down after).
pub fn mt_block_on<F>(main: F) -> Duration
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let rt = mt_runtime();
    let elapsed = timed_drive(|| rt.block_on(main));
    rt.shutdown();
    elapsed
}

/// Starts a `Runtime`, runs one empty task through it (so every worker has started and gone
/// idle), then calls `measure` while the runtime sits idle.
pub fn mt_idle<R>(measure: impl FnOnce() -> R) -> R {
    let rt = mt_runtime();
    rt.block_on(async {});
    let out = measure();
    rt.shutdown();
    out
}

pub async fn mt_spawn_many() {
    baton::spawn_send(async {
        let handles: Vec<_> = (0..SPAWN_MANY)
            .map(|_| baton::spawn_send(async {}))
            .collect();
        for h in handles {
            h.await.unwrap();
        }
    })
    .await
    .unwrap();
}

pub async fn mt_yield_many() {
    let handles: Vec<_> = (0..YIELD_TASKS)
        .map(|_| {
            baton::spawn_send(async {
                for _ in 0..YIELDS {
                    baton::yield_now().await;
                }
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
}

pub async fn mt_chained_spawn() {
    fn link(n: usize, done: oneshot::Sender<()>) {
        if n == 0 {
            done.send(()).unwrap();
        } else {
            drop(baton::spawn_send(async move { link(n - 1, done) }));
        }
    }
    let (done, rx) = oneshot::channel();
    drop(baton::spawn_send(async move { link(CHAIN_DEPTH, done) }));
    rx.await.unwrap();
}

pub fn mt_timers() -> impl Future<Output = ()> + Send {
    let durations = timer_durations();
    async move {
        let handles: Vec<_> = durations
            .into_iter()
            .map(|d| baton::spawn_send(baton::sleep(d)))
            .collect();
        for h in handles {
            h.await.unwrap();
        }
    }
}

type MtPing = (
    baton::channel::mpsc::Sender<u32>,
    baton::channel::mpsc::Receiver<u32>,
);

/// `MT_PING_PAIRS` pairs over baton's `channel::mpsc` (capacity 1 each way), the two ends of
/// every pair on different workers: worker `w` runs the pingers of the pairs `p % MT_WORKERS ==
/// w` and the pongers of the others, as local tasks (`run_on_worker`, then `spawn`).
pub async fn mt_ping_pong() {
    use baton::channel::mpsc::channel;
    let rt = baton::Runtime::current();
    let workers = rt.workers();
    let mut ends: Vec<(Vec<MtPing>, Vec<MtPing>)> =
        (0..workers).map(|_| Default::default()).collect();
    for pair in 0..MT_PING_PAIRS {
        let (ping_tx, ping_rx) = channel(1);
        let (pong_tx, pong_rx) = channel(1);
        ends[pair % workers].0.push((ping_tx, pong_rx));
        ends[(pair + 1) % workers].1.push((pong_tx, ping_rx));
    }
    let groups: Vec<_> = ends
        .into_iter()
        .enumerate()
        .map(|(worker, (pingers, pongers))| {
            rt.run_on_worker(worker, move || async move {
                let pingers = pingers
                    .into_iter()
                    .map(|(tx, rx)| baton::spawn(mt_pinger((tx, rx))));
                let pongers = pongers
                    .into_iter()
                    .map(|(tx, rx)| baton::spawn(mt_ponger((tx, rx))));
                let handles: Vec<_> = pingers.chain(pongers).collect();
                let mut messages = 0;
                for h in handles {
                    messages += h.await.unwrap();
                }
                messages
            })
        })
        .collect();
    let mut messages = 0;
    for g in groups {
        messages += g.await.unwrap();
    }
    assert_eq!(messages, 2 * MT_PING_PAIRS as u32 * PING_MSGS);
}

/// `mt_ping_pong_send`: the same pairs as `Send` tasks (`spawn_send`), placed by the scheduler
/// as tokio's and smol's are: the like-for-like row.
pub async fn mt_ping_pong_send() {
    use baton::channel::mpsc::channel;
    let mut handles = Vec::with_capacity(2 * MT_PING_PAIRS);
    for _ in 0..MT_PING_PAIRS {
        let (ping_tx, ping_rx) = channel(1);
        let (pong_tx, pong_rx) = channel(1);
        handles.push(baton::spawn_send(mt_pinger((ping_tx, pong_rx))));
        handles.push(baton::spawn_send(mt_ponger((pong_tx, ping_rx))));
    }
    let mut messages = 0;
    for h in handles {
        messages += h.await.unwrap();
    }
    assert_eq!(messages, 2 * MT_PING_PAIRS as u32 * PING_MSGS);
}

async fn mt_pinger((tx, mut rx): MtPing) -> u32 {
    for n in 0..PING_MSGS {
        tx.send(n).await.expect("ponger alive");
        assert_eq!(rx.recv().await, Some(n + 1));
    }
    PING_MSGS
}

async fn mt_ponger((tx, mut rx): MtPing) -> u32 {
    let mut sent = 0;
    while let Some(n) = rx.recv().await {
        tx.send(n + 1).await.expect("pinger alive");
        sent += 1;
    }
    sent
}

/// Per-worker listeners: every worker binds its own listener (each on its own port, so the
/// clients split the connections exactly evenly, not by the kernel's `SO_REUSEPORT` hash) and
/// serves what it accepts with local tasks. The clients are
/// local tasks too, `MT_ECHO_CONNS / MT_WORKERS` per worker, spread over the ports so that half
/// of each worker's connections go to its own listener and half to another worker's.
pub async fn mt_tcp_echo() {
    use baton::net::{TcpListener, TcpStream};
    let rt = baton::Runtime::current();
    let workers = rt.workers();
    let servers = rt
        .run_on_every_worker(|| async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = baton::spawn(async move {
                loop {
                    let (mut s, _) = listener.accept().await.unwrap();
                    s.set_nodelay(true).unwrap();
                    drop(baton::spawn(async move {
                        let mut buf = [0u8; ECHO_MSG];
                        while s.read_exact(&mut buf).await.is_ok() {
                            s.write_all(&buf).await.unwrap();
                        }
                    }));
                }
            });
            (addr, server)
        })
        .await
        .unwrap();
    let (addrs, servers): (Vec<_>, Vec<_>) = servers.into_iter().unzip();
    let groups: Vec<_> = (0..workers)
        .map(|worker| {
            let addrs = addrs.clone();
            rt.run_on_worker(worker, move || async move {
                let clients: Vec<_> = (worker..MT_ECHO_CONNS)
                    .step_by(workers)
                    .map(|conn| {
                        let addr = addrs[(conn / workers) % addrs.len()];
                        baton::spawn(async move {
                            let mut s = TcpStream::connect(addr).await.unwrap();
                            s.set_nodelay(true).unwrap();
                            let msg = [7u8; ECHO_MSG];
                            let mut buf = [0u8; ECHO_MSG];
                            for _ in 0..MT_ECHO_ROUNDS {
                                s.write_all(&msg).await.unwrap();
                                s.read_exact(&mut buf).await.unwrap();
                            }
                            MT_ECHO_ROUNDS
                        })
                    })
                    .collect();
                let mut trips = 0;
                for c in clients {
                    trips += c.await.unwrap();
                }
                trips
            })
        })
        .collect();
    let mut trips = 0;
    for g in groups {
        trips += g.await.unwrap();
    }
    for s in servers {
        s.cancel();
    }
    assert_eq!(trips, MT_ECHO_CONNS * MT_ECHO_ROUNDS);
}
