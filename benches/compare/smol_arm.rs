//! smol's arm: every workload as a smol user writes it, on a `LocalExecutor` driven by
//! `smol::block_on` (which also drives the timer and I/O reactor on this thread). The runner
//! table in `compare.rs` calls each `pub async fn` by name with the executor, through
//! [`block_on`].
//!
//! smol cancels a task whose `Task` handle is dropped, so tasks nobody awaits are detached.
//! The sync workloads use `async-lock` (in the tree through smol, as `smol::lock`) and the mpsc
//! ones `async-channel`.

use std::future::Future;
use std::hint::black_box;
use std::rc::Rc;
use std::time::{Duration, Instant};

use smol::lock::{Mutex, Semaphore};
use smol::{LocalExecutor, Timer};

use crate::common::{
    gather_expected, mpsc_expected, mpsc_per_producer, oneshot, pinger, ponger, timer_durations,
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
