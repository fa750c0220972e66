//! smol's arm: every workload as a smol user writes it, on a `LocalExecutor` driven by
//! `smol::block_on` (which also drives the timer and I/O reactor on this thread). The runner
//! table in `compare.rs` calls each `pub async fn` by name with the executor, through
//! [`block_on`].
//!
//! The multi-core `mt_*` rows run on a shared `Executor` that `MT_WORKERS` threads drive, each
//! with `smol::block_on(ex.run(shutdown))` (what `easy-parallel` sets up in smol's docs, here with
//! std threads), through [`mt_block_on`].
//!
//! smol cancels a task whose `Task` handle is dropped, so tasks nobody awaits are detached.
//! The sync workloads use `async-lock` (in the tree through smol, as `smol::lock`) and the mpsc
//! ones `async-channel`.

use std::future::Future;
use std::hint::black_box;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use smol::lock::{Mutex, Semaphore};
use smol::{Executor, LocalExecutor, Timer};

use crate::common::{
    gather_expected, mpsc_expected, mpsc_per_producer, oneshot, pinger, ponger, timed_drive,
    timer_durations,
};
use crate::memory::{empty_spawn_allocs, sleeping_task_memory, Counts, MemGrowth, SLEEPERS_POLLED};
use crate::*;

pub type Ex = Rc<LocalExecutor<'static>>;

fn run<F: Future>(main: impl FnOnce(Ex) -> F) -> F::Output {
    let ex: Ex = Rc::new(LocalExecutor::new());
    let fut = main(ex.clone());
    smol::block_on(ex.run(fut))
}

/// Drives `main(ex)` to completion on a fresh executor `ex`; times only the drive.
pub fn block_on<F: Future>(main: impl FnOnce(Ex) -> F) -> Duration {
    let ex: Ex = Rc::new(LocalExecutor::new());
    let fut = main(ex.clone());
    let start = Instant::now();
    black_box(smol::block_on(ex.run(fut)));
    start.elapsed()
}

pub async fn idle(_: Ex) {}

pub async fn spawn_many(ex: Ex) {
    let inner = ex.clone();
    ex.spawn(async move {
        let handles: Vec<_> = (0..SPAWN_MANY).map(|_| inner.spawn(async {})).collect();
        for h in handles {
            h.await;
        }
    })
    .await;
}

pub async fn yield_many(ex: Ex) {
    let handles: Vec<_> = (0..YIELD_TASKS)
        .map(|_| {
            ex.spawn(async {
                for _ in 0..YIELDS {
                    smol::future::yield_now().await;
                }
            })
        })
        .collect();
    for h in handles {
        h.await;
    }
}

pub async fn ping_pong(ex: Ex) {
    let mut handles = Vec::with_capacity(2 * PING_PAIRS);
    for _ in 0..PING_PAIRS {
        let (tx, rx) = oneshot::channel();
        handles.push(ex.spawn(ponger(rx)));
        handles.push(ex.spawn(pinger(tx)));
    }
    for h in handles {
        assert_eq!(h.await, PING_MSGS);
    }
}

/// tokio's `chained_spawn` shape; each link is detached.
pub async fn chained_spawn(ex: Ex) {
    fn link(ex: Ex, n: usize, done: oneshot::Sender<()>) {
        if n == 0 {
            done.send(()).unwrap();
        } else {
            let next = ex.clone();
            ex.spawn(async move { link(next, n - 1, done) }).detach();
        }
    }
    let (done, rx) = oneshot::channel();
    let first = ex.clone();
    ex.spawn(async move { link(first, CHAIN_DEPTH, done) })
        .detach();
    rx.await.unwrap();
}

/// The durations are drawn when the future is made, outside the timed drive.
pub fn timers(ex: Ex) -> impl Future<Output = ()> {
    let durations = timer_durations();
    async move {
        let handles: Vec<_> = durations
            .into_iter()
            .map(|d| ex.spawn(Timer::after(d)))
            .collect();
        for h in handles {
            h.await;
        }
    }
}

/// smol has no `gather`: spawn each input and await the handles in order.
pub async fn gather_sleep(ex: Ex, n: u64) {
    let handles: Vec<_> = (0..n)
        .map(|x| {
            ex.spawn(async move {
                Timer::after(GATHER_SLEEP).await;
                x * x
            })
        })
        .collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await);
    }
    assert_eq!(out.iter().sum::<u64>(), gather_expected(n));
}

pub async fn mpsc(ex: Ex, producers: u64) {
    let per = mpsc_per_producer(producers);
    let (tx, rx) = async_channel::bounded::<u64>(MPSC_CAPACITY);
    let senders: Vec<_> = (0..producers)
        .map(|_| {
            let tx = tx.clone();
            ex.spawn(async move {
                for i in 0..per {
                    tx.send(i).await.expect("receiver alive");
                }
            })
        })
        .collect();
    drop(tx);
    let consumer = ex.spawn(async move {
        let mut sum = 0u64;
        while let Ok(v) = rx.recv().await {
            sum += v;
        }
        sum
    });
    for s in senders {
        s.await;
    }
    assert_eq!(consumer.await, mpsc_expected(producers));
}

pub async fn lock_contention(ex: Ex) {
    let lock = Rc::new(Mutex::new(0usize));
    let handles: Vec<_> = (0..LOCK_TASKS)
        .map(|_| {
            let lock = lock.clone();
            ex.spawn(async move {
                for _ in 0..LOCK_ITERS {
                    let mut g = lock.lock().await;
                    smol::future::yield_now().await;
                    *g += 1;
                }
            })
        })
        .collect();
    for h in handles {
        h.await;
    }
    assert_eq!(*lock.lock().await, LOCK_TASKS * LOCK_ITERS);
}

pub async fn semaphore(ex: Ex) {
    let sem = Rc::new(Semaphore::new(SEM_PERMITS));
    let handles: Vec<_> = (0..SEM_TASKS)
        .map(|_| {
            let sem = sem.clone();
            ex.spawn(async move {
                let _p = sem.acquire().await;
                smol::future::yield_now().await;
            })
        })
        .collect();
    for h in handles {
        h.await;
    }
    assert!(sem.try_acquire().is_some());
}

/// `Async<std::net::TcpStream>`, smol's own TCP types.
/// `process_spawn_wait`: `true`, spawned and awaited `PROC_SPAWNS` times.
pub async fn process_spawn_wait(_: Ex) {
    for _ in 0..PROC_SPAWNS {
        let status = smol::process::Command::new("true").status().await.unwrap();
        assert!(status.success());
    }
}

pub async fn tcp_echo(ex: Ex) {
    use futures_lite::{AsyncReadExt, AsyncWriteExt};
    use smol::Async;
    use std::net::{TcpListener, TcpStream};
    let listener = Async::<TcpListener>::bind(([127, 0, 0, 1], 0)).unwrap();
    let addr = listener.get_ref().local_addr().unwrap();
    let spawner = ex.clone();
    let server = ex.spawn(async move {
        loop {
            let (mut s, _) = listener.accept().await.unwrap();
            s.get_ref().set_nodelay(true).unwrap();
            spawner
                .spawn(async move {
                    let mut buf = [0u8; ECHO_MSG];
                    while s.read_exact(&mut buf).await.is_ok() {
                        s.write_all(&buf).await.unwrap();
                    }
                })
                .detach();
        }
    });
    let clients: Vec<_> = (0..ECHO_CONNS)
        .map(|_| {
            ex.spawn(async move {
                let mut s = Async::<TcpStream>::connect(addr).await.unwrap();
                s.get_ref().set_nodelay(true).unwrap();
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
        trips += c.await;
    }
    drop(server);
    assert_eq!(trips, ECHO_CONNS * ECHO_ROUNDS);
}

/// Child-process body: memory of `SLEEPERS` tasks asleep in `Timer::after(1 s)`, handles kept.
pub fn sleepers() -> MemGrowth {
    run(|ex| async move {
        // Warm-up: let the lazily built timer reactor exist before the span starts.
        Timer::after(Duration::from_millis(1)).await;
        sleeping_task_memory(
            || {
                ex.spawn(async {
                    SLEEPERS_POLLED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    Timer::after(Duration::from_secs(1)).await;
                })
            },
            smol::future::yield_now,
        )
        .await
    })
}

/// Heap bytes and allocations of `EMPTY_SPAWNS` spawns of `async {}`.
pub fn empty_spawns() -> Counts {
    run(|ex| async move { empty_spawn_allocs(|| ex.spawn(async {})).await })
}

// ---------------------------------------------------------------------------------------------
// Multi-core rows: one `Executor`, `MT_WORKERS` threads running it
// ---------------------------------------------------------------------------------------------

pub type MtEx = Arc<Executor<'static>>;

/// `MT_WORKERS` threads running `ex` until dropped.
struct MtThreads {
    stop: Option<async_channel::Sender<()>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl MtThreads {
    fn start(ex: &MtEx) -> MtThreads {
        let (stop, stopped) = async_channel::bounded::<()>(1);
        let threads = (0..MT_WORKERS)
            .map(|i| {
                let ex = ex.clone();
                let stopped = stopped.clone();
                std::thread::Builder::new()
                    .name(format!("smol-worker-{i}"))
                    .spawn(move || {
                        let _ = smol::block_on(ex.run(stopped.recv()));
                    })
                    .expect("smol worker thread")
            })
            .collect();
        MtThreads {
            stop: Some(stop),
            threads,
        }
    }
}

impl Drop for MtThreads {
    fn drop(&mut self) {
        drop(self.stop.take()); // closes the channel: every `ex.run` returns
        for t in self.threads.drain(..) {
            t.join().expect("smol worker thread");
        }
    }
}

/// Drives `main(ex)` to completion as a task of a fresh `Executor` run by `MT_WORKERS` threads,
/// while this thread waits on the task (`futures_lite`'s `block_on`, which, unlike
/// `smol::block_on`, does not also drive the reactor here: the work stays on the workers, as in
/// the other arms). Times only that.
pub fn mt_block_on<F>(main: impl FnOnce(MtEx) -> F) -> Duration
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let ex: MtEx = Arc::new(Executor::new());
    let threads = MtThreads::start(&ex);
    let fut = main(ex.clone());
    let elapsed = timed_drive(|| futures_lite::future::block_on(ex.spawn(fut)));
    drop(threads);
    elapsed
}

/// Starts an `Executor` on `MT_WORKERS` threads, runs one empty task through it, then calls
/// `measure` while it sits idle.
pub fn mt_idle<R>(measure: impl FnOnce() -> R) -> R {
    let ex: MtEx = Arc::new(Executor::new());
    let threads = MtThreads::start(&ex);
    futures_lite::future::block_on(ex.spawn(async {}));
    let out = measure();
    drop(threads);
    out
}

pub async fn mt_spawn_many(ex: MtEx) {
    let inner = ex.clone();
    ex.spawn(async move {
        let handles: Vec<_> = (0..SPAWN_MANY).map(|_| inner.spawn(async {})).collect();
        for h in handles {
            h.await;
        }
    })
    .await;
}

pub async fn mt_yield_many(ex: MtEx) {
    let handles: Vec<_> = (0..YIELD_TASKS)
        .map(|_| {
            ex.spawn(async {
                for _ in 0..YIELDS {
                    smol::future::yield_now().await;
                }
            })
        })
        .collect();
    for h in handles {
        h.await;
    }
}

pub async fn mt_chained_spawn(ex: MtEx) {
    fn link(ex: MtEx, n: usize, done: oneshot::Sender<()>) {
        if n == 0 {
            done.send(()).unwrap();
        } else {
            let next = ex.clone();
            ex.spawn(async move { link(next, n - 1, done) }).detach();
        }
    }
    let (done, rx) = oneshot::channel();
    let first = ex.clone();
    ex.spawn(async move { link(first, CHAIN_DEPTH, done) })
        .detach();
    rx.await.unwrap();
}

pub fn mt_timers(ex: MtEx) -> impl Future<Output = ()> + Send {
    let durations = timer_durations();
    async move {
        let handles: Vec<_> = durations
            .into_iter()
            .map(|d| ex.spawn(Timer::after(d)))
            .collect();
        for h in handles {
            h.await;
        }
    }
}

type MtPing = (async_channel::Sender<u32>, async_channel::Receiver<u32>);

/// `MT_PING_PAIRS` pairs over `async-channel` (capacity 1 each way); smol cannot pin a task to a
/// thread of the executor: both ends are plain `ex.spawn`s.
pub async fn mt_ping_pong(ex: MtEx) {
    let mut handles = Vec::with_capacity(2 * MT_PING_PAIRS);
    for _ in 0..MT_PING_PAIRS {
        let (ping_tx, ping_rx) = async_channel::bounded(1);
        let (pong_tx, pong_rx) = async_channel::bounded(1);
        handles.push(ex.spawn(mt_ponger((pong_tx, ping_rx))));
        handles.push(ex.spawn(mt_pinger((ping_tx, pong_rx))));
    }
    let mut messages = 0;
    for h in handles {
        messages += h.await;
    }
    assert_eq!(messages, 2 * MT_PING_PAIRS as u32 * PING_MSGS);
}

async fn mt_pinger((tx, rx): MtPing) -> u32 {
    for n in 0..PING_MSGS {
        tx.send(n).await.expect("ponger alive");
        assert_eq!(rx.recv().await.ok(), Some(n + 1));
    }
    PING_MSGS
}

async fn mt_ponger((tx, rx): MtPing) -> u32 {
    let mut sent = 0;
    while let Ok(n) = rx.recv().await {
        tx.send(n + 1).await.expect("pinger alive");
        sent += 1;
    }
    sent
}

/// As tokio's: one listener, a task per connection, the clients tasks of the same executor.
pub async fn mt_tcp_echo(ex: MtEx) {
    use futures_lite::{AsyncReadExt, AsyncWriteExt};
    use smol::Async;
    use std::net::{TcpListener, TcpStream};
    let listener = Async::<TcpListener>::bind(([127, 0, 0, 1], 0)).unwrap();
    let addr = listener.get_ref().local_addr().unwrap();
    let spawner = ex.clone();
    let server = ex.spawn(async move {
        loop {
            let (mut s, _) = listener.accept().await.unwrap();
            s.get_ref().set_nodelay(true).unwrap();
            spawner
                .spawn(async move {
                    let mut buf = [0u8; ECHO_MSG];
                    while s.read_exact(&mut buf).await.is_ok() {
                        s.write_all(&buf).await.unwrap();
                    }
                })
                .detach();
        }
    });
    let clients: Vec<_> = (0..MT_ECHO_CONNS)
        .map(|_| {
            ex.spawn(async move {
                let mut s = Async::<TcpStream>::connect(addr).await.unwrap();
                s.get_ref().set_nodelay(true).unwrap();
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
        trips += c.await;
    }
    drop(server);
    assert_eq!(trips, MT_ECHO_CONNS * MT_ECHO_ROUNDS);
}
