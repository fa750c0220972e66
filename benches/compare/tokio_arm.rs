//! tokio's arm: every workload as a tokio user writes it, on the `current_thread` runtime. The
//! runner table in `compare.rs` calls each `pub async fn` by name, driven by [`block_on`] (timer
//! driver only) or, for `tcp_echo` and `process_spawn_wait`, [`block_on_io`].
//!
//! Shared state goes through `Arc` because `tokio::spawn` requires `Send` futures.
//!
//! The multi-core `mt_*` rows run on the multi-thread runtime (`MT_WORKERS` worker threads),
//! driven by [`mt_block_on`] / [`mt_block_on_io`]. Since every workload here already spawns with
//! `tokio::spawn`, `mt_spawn_many`, `mt_yield_many`, `mt_chained_spawn` and `mt_timers` run the
//! very functions of the single-loop rows, and `mt_tcp_echo` the same code with its own sizes;
//! only `mt_ping_pong` (tokio's own mpsc instead of the shared oneshot) has its own.

use std::future::Future;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, Semaphore};

use crate::common::{
    gather_expected, mpsc_expected, mpsc_per_producer, oneshot, pinger, ponger, timed_drive,
    timer_durations,
};
use crate::memory::{empty_spawn_allocs, sleeping_task_memory, Counts, MemGrowth, SLEEPERS_POLLED};
use crate::*;

/// The runtime of every workload but `tcp_echo`: `current_thread` with the timer driver only.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("tokio runtime")
}

fn drive<F: Future>(rt: tokio::runtime::Runtime, main: F) -> Duration {
    let start = Instant::now();
    black_box(rt.block_on(main));
    start.elapsed()
}

/// Drives `main` to completion on a fresh runtime; times only the drive.
pub fn block_on<F: Future>(main: F) -> Duration {
    drive(runtime(), main)
}

/// As [`block_on`], on a runtime with the I/O driver too.
pub fn block_on_io<F: Future>(main: F) -> Duration {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    drive(rt, main)
}

pub async fn idle() {}

pub async fn spawn_many() {
    tokio::spawn(async {
        let handles: Vec<_> = (0..SPAWN_MANY).map(|_| tokio::spawn(async {})).collect();
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
            tokio::spawn(async {
                for _ in 0..YIELDS {
                    tokio::task::yield_now().await;
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
        handles.push(tokio::spawn(ponger(rx)));
        handles.push(tokio::spawn(pinger(tx)));
    }
    for h in handles {
        assert_eq!(h.await.unwrap(), PING_MSGS);
    }
}

/// tokio's own `chained_spawn` shape: each task spawns the next and returns; the last one
/// sends the notification the main future awaits.
pub async fn chained_spawn() {
    fn link(n: usize, done: oneshot::Sender<()>) {
        if n == 0 {
            done.send(()).unwrap();
        } else {
            tokio::spawn(async move { link(n - 1, done) });
        }
    }
    let (done, rx) = oneshot::channel();
    tokio::spawn(async move { link(CHAIN_DEPTH, done) });
    rx.await.unwrap();
}

/// The durations are drawn when the future is made, outside the timed drive.
pub fn timers() -> impl Future<Output = ()> {
    let durations = timer_durations();
    async move {
        let handles: Vec<_> = durations
            .into_iter()
            .map(|d| tokio::spawn(tokio::time::sleep(d)))
            .collect();
        for h in handles {
            h.await.unwrap();
        }
    }
}

/// tokio has no `gather`: spawn each input and await the handles in order.
pub async fn gather_sleep(n: u64) {
    let handles: Vec<_> = (0..n)
        .map(|x| {
            tokio::spawn(async move {
                tokio::time::sleep(GATHER_SLEEP).await;
                x * x
            })
        })
        .collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.unwrap());
    }
    assert_eq!(out.iter().sum::<u64>(), gather_expected(n));
}

pub async fn mpsc(producers: u64) {
    let per = mpsc_per_producer(producers);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<u64>(MPSC_CAPACITY);
    let senders: Vec<_> = (0..producers)
        .map(|_| {
            let tx = tx.clone();
            tokio::spawn(async move {
                for i in 0..per {
                    tx.send(i).await.expect("receiver alive");
                }
            })
        })
        .collect();
    drop(tx);
    let consumer = tokio::spawn(async move {
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
    let lock = Arc::new(Mutex::new(0usize));
    let handles: Vec<_> = (0..LOCK_TASKS)
        .map(|_| {
            let lock = lock.clone();
            tokio::spawn(async move {
                for _ in 0..LOCK_ITERS {
                    let mut g = lock.lock().await;
                    tokio::task::yield_now().await;
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
    let sem = Arc::new(Semaphore::new(SEM_PERMITS));
    let handles: Vec<_> = (0..SEM_TASKS)
        .map(|_| {
            let sem = sem.clone();
            tokio::spawn(async move {
                let _p = sem.acquire().await.unwrap();
                tokio::task::yield_now().await;
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
        let status = tokio::process::Command::new("true").status().await.unwrap();
        assert!(status.success());
    }
}

pub async fn tcp_echo() {
    echo(ECHO_CONNS, ECHO_ROUNDS).await;
}

/// `tcp_echo` on the multi-thread runtime: one listener, a task per connection, the clients
/// tasks of the same runtime (tokio's idiomatic server).
pub async fn mt_tcp_echo() {
    echo(MT_ECHO_CONNS, MT_ECHO_ROUNDS).await;
}

/// `conns` clients making `rounds` round trips each to an echo server, all tasks of this runtime.
async fn echo(conns: usize, rounds: usize) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        loop {
            let (mut s, _) = listener.accept().await.unwrap();
            s.set_nodelay(true).unwrap();
            tokio::spawn(async move {
                let mut buf = [0u8; ECHO_MSG];
                while s.read_exact(&mut buf).await.is_ok() {
                    s.write_all(&buf).await.unwrap();
                }
            });
        }
    });
    let clients: Vec<_> = (0..conns)
        .map(|_| {
            tokio::spawn(async move {
                let mut s = TcpStream::connect(addr).await.unwrap();
                s.set_nodelay(true).unwrap();
                let msg = [7u8; ECHO_MSG];
                let mut buf = [0u8; ECHO_MSG];
                for _ in 0..rounds {
                    s.write_all(&msg).await.unwrap();
                    s.read_exact(&mut buf).await.unwrap();
                }
                rounds
            })
        })
        .collect();
    let mut trips = 0;
    for c in clients {
        trips += c.await.unwrap();
    }
    server.abort();
    assert_eq!(trips, conns * rounds);
}

/// Child-process body: memory of `SLEEPERS` tasks asleep in `sleep(1 s)`, handles kept.
pub fn sleepers() -> MemGrowth {
    runtime().block_on(async {
        // Warm-up: let lazily built timer structures exist before the span starts.
        tokio::time::sleep(Duration::from_millis(1)).await;
        sleeping_task_memory(
            || {
                tokio::spawn(async {
                    SLEEPERS_POLLED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                })
            },
            tokio::task::yield_now,
        )
        .await
    })
}

/// Heap bytes and allocations of `EMPTY_SPAWNS` spawns of `async {}`.
pub fn empty_spawns() -> Counts {
    runtime().block_on(empty_spawn_allocs(|| tokio::spawn(async {})))
}

// ---------------------------------------------------------------------------------------------
// Multi-core rows: the multi-thread runtime with `MT_WORKERS` workers
// ---------------------------------------------------------------------------------------------

fn mt_runtime(io: bool) -> tokio::runtime::Runtime {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.worker_threads(MT_WORKERS).enable_time();
    if io {
        builder.enable_io();
    }
    builder.build().expect("tokio runtime")
}

/// Spawns `main` onto the workers and waits for it on this thread, as baton's `Runtime::block_on`
/// does (a future given to tokio's `block_on` would run on this thread, a third one, and its
/// spawns would go through the injection queue); times only that.
fn mt_drive<F>(rt: tokio::runtime::Runtime, main: F) -> Duration
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let elapsed = timed_drive(|| rt.block_on(rt.spawn(main)).unwrap());
    drop(rt);
    elapsed
}

/// Drives `main` to completion as a task of a fresh multi-thread runtime (timer driver only).
pub fn mt_block_on<F>(main: F) -> Duration
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    mt_drive(mt_runtime(false), main)
}

/// As [`mt_block_on`], with the I/O driver too.
pub fn mt_block_on_io<F>(main: F) -> Duration
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    mt_drive(mt_runtime(true), main)
}

/// Starts a multi-thread runtime with both drivers (as a server has), runs one empty task
/// through it, then calls `measure` while the runtime sits idle.
pub fn mt_idle<R>(measure: impl FnOnce() -> R) -> R {
    let rt = mt_runtime(true);
    rt.block_on(rt.spawn(async {})).unwrap();
    let out = measure();
    drop(rt);
    out
}

type MtPing = (
    tokio::sync::mpsc::Sender<u32>,
    tokio::sync::mpsc::Receiver<u32>,
);

/// `MT_PING_PAIRS` pairs over `tokio::sync::mpsc` (capacity 1 each way). tokio cannot pin a task
/// to a worker: both ends are plain `tokio::spawn`s, and the scheduler decides where they run
/// (its LIFO slot tends to keep a woken partner on the waker's worker).
pub async fn mt_ping_pong() {
    use tokio::sync::mpsc::channel;
    let mut handles = Vec::with_capacity(2 * MT_PING_PAIRS);
    for _ in 0..MT_PING_PAIRS {
        let (ping_tx, ping_rx) = channel(1);
        let (pong_tx, pong_rx) = channel(1);
        handles.push(tokio::spawn(mt_ponger((pong_tx, ping_rx))));
        handles.push(tokio::spawn(mt_pinger((ping_tx, pong_rx))));
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
