//! Side-by-side benchmark: baton vs tokio `current_thread` vs smol `LocalExecutor`.
//!
//! Run with `cargo bench --bench compare [-- FILTER]`; FILTER keeps the workloads whose name
//! contains it (`spawn_many`, `yield_many`, `ping_pong`, `chained_spawn`, `timers`,
//! `gather_sleep` — which includes its peak RSS — `sleeping_task_memory`, `empty_task_spawn`,
//! `mpsc_1to1`, `mpsc_100to1`, `lock_contention`, `semaphore`, `tcp_echo`).
//! Every workload runs on all three runtimes in
//! the same process, interleaved round by round (the order rotates each round), so the noise of a
//! shared machine hits all three alike. We print the median of each runtime and the ratios
//! baton/tokio and baton/smol; the ratios are the figures to quote, not the absolute times.
//!
//! Each sample builds a fresh runtime outside the timed region and times only the
//! `block_on`/`run_until_complete` call that drives the workload to completion.
//!
//! Memory figures come from child processes (this same binary, re-executed with a hidden argument)
//! so that one runtime's heap never inflates another's numbers:
//! - `gather_sleep` peak RSS: `VmHWM` of a child that runs the workload, minus `VmHWM` of a child
//!   that only builds the runtime and runs an empty future;
//! - sleeping-task memory: growth of `VmRSS` (and of live heap bytes, from the counting allocator)
//!   while 100 000 tasks are pending in `sleep(1 s)`, divided by the task count.
//!
//! The spawn cost of an empty task (`async {}`) is measured in process by a counting global
//! allocator that counts only on the thread that turned it on.
//!
//! Fairness notes (also beside the code they concern):
//! - `ping_pong` uses one oneshot channel written in this file for all three runtimes, so the
//!   workload measures scheduling (wake → queue → poll), not three channel implementations. It is
//!   `Arc<Mutex<_>>`-based because `tokio::spawn` requires `Send` futures; an uncontended mutex costs
//!   every runtime the same.
//! - `gather_sleep`: baton runs `baton::gather` over the 100 000 futures, as the asyncio lesson
//!   does; tokio and smol have no `gather`, so they spawn one task per input and await the
//!   handles in order (their idiomatic equivalent, with no extra dependency). The row therefore
//!   compares what each runtime's user writes; `timers` is the row where all three spawn a task
//!   per sleep.
//! - `mpsc_1to1` / `mpsc_100to1`: each runtime's own bounded channel (baton's `channel::mpsc`,
//!   `tokio::sync::mpsc`, smol's `async-channel`), all of capacity `MPSC_CAPACITY`, producer and
//!   consumer tasks spawned on the runtime; the main future awaits them all.
//! - tokio is built with `enable_time()` only, except in `tcp_echo`, which needs its I/O driver.
//! - `tcp_echo`: see its section; every runtime uses its own TCP types (baton `net`, tokio `net`,
//!   smol `Async<std::net::TcpStream>`), `TCP_NODELAY` on both ends, client and server in one
//!   runtime on one thread.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// Workload sizes (the same for every runtime)
// ---------------------------------------------------------------------------------------------

/// `spawn_many`: tasks spawned from inside one task.
const SPAWN_MANY: usize = 1_000_000;
/// `yield_many`: tasks, each yielding `YIELDS` times.
const YIELD_TASKS: usize = 1_000;
const YIELDS: usize = 1_000;
/// `ping_pong`: pairs of tasks, each side sending `PING_MSGS` messages.
const PING_PAIRS: usize = 1_000;
const PING_MSGS: u32 = 100;
/// `chained_spawn`: depth of the spawn chain.
const CHAIN_DEPTH: usize = 100_000;
/// `timers`: tasks sleeping 1–100 ms.
const TIMER_TASKS: usize = 100_000;
/// `gather_sleep`: concurrent `sleep(1 s)` futures.
const GATHER: u64 = 100_000;
const GATHER_SLEEP: Duration = Duration::from_secs(1);
/// Sleeping-task memory: tasks pending in `sleep(1 s)` while we measure.
const SLEEPERS: usize = 100_000;
/// Empty-task spawn cost: spawns measured (after as many warm-up spawns).
const EMPTY_SPAWNS: usize = 1_000;
/// `mpsc_1to1` / `mpsc_100to1`: messages in total, the bounded channel's capacity, and the
/// producer count of `mpsc_100to1`.
const MPSC_MSGS: u64 = 1_000_000;
const MPSC_CAPACITY: usize = 1_024;
const MPSC_PRODUCERS: u64 = 100;

/// Samples per runtime for the timed workloads, plus one unrecorded warm-up round.
const SAMPLES: usize = 7;
/// `gather_sleep` takes over a second per sample.
const SAMPLES_SLOW: usize = 5;

/// Timed workloads, in print order, with their sample counts.
const WORKLOADS: &[(&str, usize)] = &[
    ("spawn_many", SAMPLES),
    ("yield_many", SAMPLES),
    ("ping_pong", SAMPLES),
    ("chained_spawn", SAMPLES),
    ("timers", SAMPLES),
    ("gather_sleep", SAMPLES_SLOW),
    ("mpsc_1to1", SAMPLES),
    ("mpsc_100to1", SAMPLES),
    ("tcp_echo", SAMPLES_SLOW),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rt {
    Baton,
    Tokio,
    Smol,
}

const RUNTIMES: [Rt; 3] = [Rt::Baton, Rt::Tokio, Rt::Smol];

impl Rt {
    fn name(self) -> &'static str {
        match self {
            Rt::Baton => "baton",
            Rt::Tokio => "tokio",
            Rt::Smol => "smol",
        }
    }

    fn from_name(name: &str) -> Rt {
        match name {
            "baton" => Rt::Baton,
            "tokio" => Rt::Tokio,
            "smol" => Rt::Smol,
            other => panic!("unknown runtime {other:?}"),
        }
    }

    /// Runs one sample of a timed workload and returns the time spent driving it.
    fn time(self, workload: &str) -> Duration {
        if workload == "tcp_echo" {
            return tcp_echo::time(self);
        }
        match self {
            Rt::Baton => baton_arm::time(workload),
            Rt::Tokio => tokio_arm::time(workload),
            Rt::Smol => smol_arm::time(workload),
        }
    }

    /// Child-process body for the peak-RSS figures (`what` is `idle` or `gather_sleep`).
    fn rss_child(self, what: &str) {
        match self {
            Rt::Baton => baton_arm::rss_child(what),
            Rt::Tokio => tokio_arm::rss_child(what),
            Rt::Smol => smol_arm::rss_child(what),
        }
    }

    /// Child-process body for the sleeping-task memory figures.
    fn sleepers_child(self) -> MemGrowth {
        match self {
            Rt::Baton => baton_arm::sleepers(),
            Rt::Tokio => tokio_arm::sleepers(),
            Rt::Smol => smol_arm::sleepers(),
        }
    }

    /// Heap bytes and allocations counted over `EMPTY_SPAWNS` spawns of `async {}`.
    fn empty_spawns(self) -> Counts {
        match self {
            Rt::Baton => baton_arm::empty_spawns(),
            Rt::Tokio => tokio_arm::empty_spawns(),
            Rt::Smol => smol_arm::empty_spawns(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Counting allocator
// ---------------------------------------------------------------------------------------------

/// Wraps the system allocator; counts on the current thread only while `counting(true)` is in
/// effect there, so timed workloads pay one thread-local flag test per allocation.
struct CountingAlloc;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Allocation counters of one thread.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Counts {
    allocs: u64,
    alloc_bytes: u64,
    freed_bytes: u64,
}

impl Counts {
    fn live_bytes(self) -> i64 {
        self.alloc_bytes as i64 - self.freed_bytes as i64
    }

    fn since(self, before: Counts) -> Counts {
        Counts {
            allocs: self.allocs - before.allocs,
            alloc_bytes: self.alloc_bytes - before.alloc_bytes,
            freed_bytes: self.freed_bytes - before.freed_bytes,
        }
    }
}

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static COUNTS: Cell<Counts> = const {
        Cell::new(Counts { allocs: 0, alloc_bytes: 0, freed_bytes: 0 })
    };
}

fn record(alloc: usize, freed: usize) {
    // `try_with`: the allocator may run while this thread's locals are being torn down.
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        let _ = COUNTS.try_with(|c| {
            let mut n = c.get();
            if alloc > 0 {
                n.allocs += 1;
                n.alloc_bytes += alloc as u64;
            }
            n.freed_bytes += freed as u64;
            c.set(n);
        });
    }
}

/// Turns counting on or off for the current thread.
fn counting(on: bool) {
    COUNTING.with(|c| c.set(on));
}

/// This thread's counters so far.
fn counts() -> Counts {
    COUNTS.with(Cell::get)
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so `System`'s
// guarantees are ours; the bookkeeping in `record` touches only const-initialised thread-locals
// without destructors and never allocates.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout.size(), 0);
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record(layout.size(), 0);
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        record(0, layout.size());
        // SAFETY: forwarded unchanged; `ptr` came from `System` through this wrapper.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record(new_size, layout.size());
        // SAFETY: forwarded unchanged; `ptr` came from `System` through this wrapper.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

// ---------------------------------------------------------------------------------------------
// Shared pieces: oneshot channel, ping/pong bodies, timer durations, /proc readers
// ---------------------------------------------------------------------------------------------

/// A minimal oneshot channel used by every runtime in `ping_pong` and `chained_spawn`.
///
/// Fairness: tokio has `tokio::sync::oneshot`, smol and baton (so far) have none; one shared
/// implementation keeps the channel cost identical so the workloads compare schedulers. It is
/// `Arc<Mutex<_>>` rather than `Rc<RefCell<_>>` because `tokio::spawn` requires `Send`.
mod oneshot {
    use super::*;

    struct Inner<T> {
        value: Option<T>,
        waker: Option<Waker>,
        sender_gone: bool,
        receiver_gone: bool,
    }

    pub struct Sender<T>(Option<Arc<Mutex<Inner<T>>>>);
    pub struct Receiver<T>(Arc<Mutex<Inner<T>>>);

    /// The sender was dropped without sending.
    #[derive(Debug)]
    pub struct Closed;

    pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
        let inner = Arc::new(Mutex::new(Inner {
            value: None,
            waker: None,
            sender_gone: false,
            receiver_gone: false,
        }));
        (Sender(Some(inner.clone())), Receiver(inner))
    }

    impl<T> Sender<T> {
        /// Sends `value`, or hands it back if the receiver is gone.
        pub fn send(mut self, value: T) -> Result<(), T> {
            let inner = self.0.take().expect("sender used once");
            let waker = {
                let mut g = inner.lock().unwrap();
                if g.receiver_gone {
                    return Err(value);
                }
                g.value = Some(value);
                g.sender_gone = true;
                g.waker.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
            Ok(())
        }
    }

    impl<T> Drop for Sender<T> {
        fn drop(&mut self) {
            if let Some(inner) = self.0.take() {
                let waker = {
                    let mut g = inner.lock().unwrap();
                    g.sender_gone = true;
                    g.waker.take()
                };
                if let Some(w) = waker {
                    w.wake();
                }
            }
        }
    }

    impl<T> Future for Receiver<T> {
        type Output = Result<T, Closed>;

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
            let mut g = self.0.lock().unwrap();
            if let Some(v) = g.value.take() {
                return Poll::Ready(Ok(v));
            }
            if g.sender_gone {
                return Poll::Ready(Err(Closed));
            }
            match &g.waker {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => g.waker = Some(cx.waker().clone()),
            }
            Poll::Pending
        }
    }

    impl<T> Drop for Receiver<T> {
        fn drop(&mut self) {
            if let Ok(mut g) = self.0.lock() {
                g.receiver_gone = true;
            }
        }
    }
}

/// One `ping_pong` message: a number and the sender for the reply (each message a fresh oneshot).
struct Msg {
    n: u32,
    reply: oneshot::Sender<Msg>,
}

/// The pinging side of a pair: sends `PING_MSGS` messages, awaiting each reply.
async fn pinger(mut tx: oneshot::Sender<Msg>) -> u32 {
    let mut got = 0;
    for n in 0..PING_MSGS {
        let (reply, rx) = oneshot::channel();
        assert!(tx.send(Msg { n, reply }).is_ok(), "ponger gone");
        let msg = rx.await.expect("ponger replies");
        assert_eq!(msg.n, n + 1);
        tx = msg.reply;
        got += 1;
    }
    got
}

/// The ponging side: answers every message until the pinger drops its last reply sender.
async fn ponger(mut rx: oneshot::Receiver<Msg>) -> u32 {
    let mut sent = 0;
    while let Ok(msg) = rx.await {
        let (reply, next) = oneshot::channel();
        assert!(
            msg.reply
                .send(Msg {
                    n: msg.n + 1,
                    reply
                })
                .is_ok(),
            "pinger gone"
        );
        rx = next;
        sent += 1;
    }
    sent
}

/// The `timers` durations: 1–100 ms from a fixed-seed xorshift64, the same for every runtime.
fn timer_durations() -> Vec<Duration> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..TIMER_TASKS)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            Duration::from_millis(1 + x % 100)
        })
        .collect()
}

/// Expected sum of the `gather_sleep` outputs (x*x for x in 0..GATHER).
fn gather_expected() -> u64 {
    (0..GATHER).map(|x| x * x).sum()
}

/// How many sleeping tasks have been polled once (and so registered their timer).
static SLEEPERS_POLLED: AtomicUsize = AtomicUsize::new(0);

/// Reads a `kB` field (`VmRSS`, `VmHWM`) of `/proc/self/status`, in bytes.
fn proc_status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().strip_suffix("kB")?.trim().parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
        * 1024
}

/// Memory before and after spawning the sleeping tasks.
#[derive(Clone, Copy, Debug)]
struct MemGrowth {
    rss_before: u64,
    rss_after: u64,
    heap_before: i64,
    heap_after: i64,
}

/// Takes the "before" reading: counting on for this thread from here on.
fn mem_before() -> (u64, Counts) {
    counting(true);
    (proc_status_bytes("VmRSS"), counts())
}

fn mem_after(before: (u64, Counts)) -> MemGrowth {
    let rss_after = proc_status_bytes("VmRSS");
    let heap_after = counts().live_bytes();
    counting(false);
    MemGrowth {
        rss_before: before.0,
        rss_after,
        heap_before: before.1.live_bytes(),
        heap_after,
    }
}

// ---------------------------------------------------------------------------------------------
// tokio arm
// ---------------------------------------------------------------------------------------------

mod tokio_arm {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("tokio runtime")
    }

    fn block_on<F: Future>(f: F) -> Duration {
        let rt = runtime();
        let start = Instant::now();
        black_box(rt.block_on(f));
        start.elapsed()
    }

    pub fn time(workload: &str) -> Duration {
        match workload {
            "spawn_many" => block_on(spawn_many()),
            "yield_many" => block_on(yield_many()),
            "ping_pong" => block_on(ping_pong()),
            "chained_spawn" => block_on(chained_spawn()),
            "timers" => {
                let durations = timer_durations();
                block_on(timers(durations))
            }
            "gather_sleep" => block_on(gather_sleep()),
            "mpsc_1to1" => block_on(super::tokio_mpsc::run(1)),
            "mpsc_100to1" => block_on(super::tokio_mpsc::run(MPSC_PRODUCERS)),
            other => panic!("unknown workload {other:?}"),
        }
    }

    async fn spawn_many() {
        tokio::spawn(async {
            let handles: Vec<_> = (0..SPAWN_MANY).map(|_| tokio::spawn(async {})).collect();
            for h in handles {
                h.await.unwrap();
            }
        })
        .await
        .unwrap();
    }

    async fn yield_many() {
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

    async fn ping_pong() {
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
    async fn chained_spawn() {
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

    async fn timers(durations: Vec<Duration>) {
        let handles: Vec<_> = durations
            .into_iter()
            .map(|d| tokio::spawn(tokio::time::sleep(d)))
            .collect();
        for h in handles {
            h.await.unwrap();
        }
    }

    /// tokio has no `gather`: spawn each input and await the handles in order.
    async fn gather_sleep() {
        let handles: Vec<_> = (0..GATHER)
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
        assert_eq!(out.iter().sum::<u64>(), gather_expected());
    }

    pub fn rss_child(what: &str) {
        let rt = runtime();
        match what {
            "idle" => rt.block_on(async {}),
            "gather_sleep" => rt.block_on(gather_sleep()),
            other => panic!("unknown rss child {other:?}"),
        }
    }

    pub fn sleepers() -> MemGrowth {
        runtime().block_on(async {
            // Warm-up: let lazily built timer structures exist before the "before" reading.
            tokio::time::sleep(Duration::from_millis(1)).await;
            let before = mem_before();
            for _ in 0..SLEEPERS {
                drop(tokio::spawn(async {
                    SLEEPERS_POLLED.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }));
            }
            while SLEEPERS_POLLED.load(Ordering::Relaxed) < SLEEPERS {
                tokio::task::yield_now().await;
            }
            mem_after(before)
        })
    }

    pub fn empty_spawns() -> Counts {
        runtime().block_on(async {
            let mut handles = Vec::with_capacity(EMPTY_SPAWNS);
            for _ in 0..EMPTY_SPAWNS {
                handles.push(tokio::spawn(async {}));
            }
            for h in handles.drain(..) {
                h.await.unwrap();
            }
            counting(true);
            let before = counts();
            for _ in 0..EMPTY_SPAWNS {
                handles.push(tokio::spawn(async {}));
            }
            let spent = counts().since(before);
            counting(false);
            for h in handles {
                h.await.unwrap();
            }
            spent
        })
    }
}

// ---------------------------------------------------------------------------------------------
// smol arm
// ---------------------------------------------------------------------------------------------

mod smol_arm {
    use super::*;
    use smol::{LocalExecutor, Timer};
    use std::rc::Rc;

    type Ex = Rc<LocalExecutor<'static>>;

    /// Drives `main(ex)` on a fresh `LocalExecutor` with `smol::block_on` (which also drives the
    /// timer reactor on this thread); times only the drive.
    fn block_on<F: Future>(main: impl FnOnce(Ex) -> F) -> Duration {
        let ex: Ex = Rc::new(LocalExecutor::new());
        let fut = main(ex.clone());
        let start = Instant::now();
        black_box(smol::block_on(ex.run(fut)));
        start.elapsed()
    }

    fn run<T>(main: impl FnOnce(Ex) -> T) -> T::Output
    where
        T: Future,
    {
        let ex: Ex = Rc::new(LocalExecutor::new());
        let fut = main(ex.clone());
        smol::block_on(ex.run(fut))
    }

    pub fn time(workload: &str) -> Duration {
        match workload {
            "spawn_many" => block_on(spawn_many),
            "yield_many" => block_on(yield_many),
            "ping_pong" => block_on(ping_pong),
            "chained_spawn" => block_on(chained_spawn),
            "timers" => {
                let durations = timer_durations();
                block_on(|ex| timers(ex, durations))
            }
            "gather_sleep" => block_on(gather_sleep),
            "mpsc_1to1" => block_on(|ex| super::smol_mpsc::run(ex, 1)),
            "mpsc_100to1" => block_on(|ex| super::smol_mpsc::run(ex, MPSC_PRODUCERS)),
            other => panic!("unknown workload {other:?}"),
        }
    }

    async fn spawn_many(ex: Ex) {
        let inner = ex.clone();
        ex.spawn(async move {
            let handles: Vec<_> = (0..SPAWN_MANY).map(|_| inner.spawn(async {})).collect();
            for h in handles {
                h.await;
            }
        })
        .await;
    }

    async fn yield_many(ex: Ex) {
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

    async fn ping_pong(ex: Ex) {
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

    /// tokio's `chained_spawn` shape; smol cancels a dropped `Task`, so each link is detached.
    async fn chained_spawn(ex: Ex) {
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

    async fn timers(ex: Ex, durations: Vec<Duration>) {
        let handles: Vec<_> = durations
            .into_iter()
            .map(|d| ex.spawn(Timer::after(d)))
            .collect();
        for h in handles {
            h.await;
        }
    }

    /// smol has no `gather`: spawn each input and await the handles in order.
    async fn gather_sleep(ex: Ex) {
        let handles: Vec<_> = (0..GATHER)
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
        assert_eq!(out.iter().sum::<u64>(), gather_expected());
    }

    pub fn rss_child(what: &str) {
        match what {
            "idle" => run(|_| async {}),
            "gather_sleep" => run(gather_sleep),
            other => panic!("unknown rss child {other:?}"),
        }
    }

    pub fn sleepers() -> MemGrowth {
        run(|ex| async move {
            // Warm-up: let the lazily built timer reactor exist before the "before" reading.
            Timer::after(Duration::from_millis(1)).await;
            let before = mem_before();
            for _ in 0..SLEEPERS {
                ex.spawn(async {
                    SLEEPERS_POLLED.fetch_add(1, Ordering::Relaxed);
                    Timer::after(Duration::from_secs(1)).await;
                })
                .detach();
            }
            while SLEEPERS_POLLED.load(Ordering::Relaxed) < SLEEPERS {
                smol::future::yield_now().await;
            }
            mem_after(before)
        })
    }

    pub fn empty_spawns() -> Counts {
        run(|ex| async move {
            let mut handles = Vec::with_capacity(EMPTY_SPAWNS);
            for _ in 0..EMPTY_SPAWNS {
                handles.push(ex.spawn(async {}));
            }
            for h in handles.drain(..) {
                h.await;
            }
            counting(true);
            let before = counts();
            for _ in 0..EMPTY_SPAWNS {
                handles.push(ex.spawn(async {}));
            }
            let spent = counts().since(before);
            counting(false);
            for h in handles {
                h.await;
            }
            spent
        })
    }
}

// ---------------------------------------------------------------------------------------------
// baton arm
// ---------------------------------------------------------------------------------------------

mod baton_arm {
    use super::*;

    fn event_loop() -> baton::EventLoop {
        baton::EventLoop::new().expect("baton event loop")
    }

    fn block_on<F: Future>(f: F) -> Duration {
        let mut lp = event_loop();
        let start = Instant::now();
        black_box(lp.run_until_complete(f));
        let elapsed = start.elapsed();
        lp.close();
        elapsed
    }

    fn run<F: Future>(f: F) -> F::Output {
        let mut lp = event_loop();
        let out = lp.run_until_complete(f);
        lp.close();
        out
    }

    pub fn time(workload: &str) -> Duration {
        match workload {
            "spawn_many" => block_on(spawn_many()),
            "yield_many" => block_on(yield_many()),
            "ping_pong" => block_on(ping_pong()),
            "chained_spawn" => block_on(chained_spawn()),
            "timers" => {
                let durations = timer_durations();
                block_on(timers(durations))
            }
            "gather_sleep" => block_on(gather_sleep()),
            "mpsc_1to1" => block_on(super::baton_mpsc::run(1)),
            "mpsc_100to1" => block_on(super::baton_mpsc::run(MPSC_PRODUCERS)),
            other => panic!("unknown workload {other:?}"),
        }
    }

    async fn spawn_many() {
        baton::spawn(async {
            let handles: Vec<_> = (0..SPAWN_MANY).map(|_| baton::spawn(async {})).collect();
            for h in handles {
                h.await.unwrap();
            }
        })
        .await
        .unwrap();
    }

    async fn yield_many() {
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

    async fn ping_pong() {
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

    /// tokio's `chained_spawn` shape: each task spawns the next and returns.
    async fn chained_spawn() {
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

    async fn timers(durations: Vec<Duration>) {
        let handles: Vec<_> = durations
            .into_iter()
            .map(|d| baton::spawn(baton::sleep(d)))
            .collect();
        for h in handles {
            h.await.unwrap();
        }
    }

    /// asyncio's `gather`: the inputs run inside one future, no task per input.
    async fn gather_sleep() {
        let out = baton::gather((0..GATHER).map(|x| async move {
            baton::sleep(GATHER_SLEEP).await;
            x * x
        }))
        .await;
        assert_eq!(out.len(), GATHER as usize);
        assert_eq!(out.iter().sum::<u64>(), gather_expected());
    }

    pub fn rss_child(what: &str) {
        match what {
            "idle" => run(async {}),
            "gather_sleep" => run(gather_sleep()),
            other => panic!("unknown rss child {other:?}"),
        }
    }

    pub fn sleepers() -> MemGrowth {
        run(async {
            // Warm-up: let lazily built timer structures exist before the "before" reading.
            baton::sleep(Duration::from_millis(1)).await;
            let before = mem_before();
            for _ in 0..SLEEPERS {
                drop(baton::spawn(async {
                    SLEEPERS_POLLED.fetch_add(1, Ordering::Relaxed);
                    baton::sleep(Duration::from_secs(1)).await;
                }));
            }
            while SLEEPERS_POLLED.load(Ordering::Relaxed) < SLEEPERS {
                baton::yield_now().await;
            }
            mem_after(before)
        })
    }

    pub fn empty_spawns() -> Counts {
        run(async {
            let mut handles = Vec::with_capacity(EMPTY_SPAWNS);
            for _ in 0..EMPTY_SPAWNS {
                handles.push(baton::spawn(async {}));
            }
            for h in handles.drain(..) {
                h.await.unwrap();
            }
            counting(true);
            let before = counts();
            for _ in 0..EMPTY_SPAWNS {
                handles.push(baton::spawn(async {}));
            }
            let spent = counts().since(before);
            counting(false);
            for h in handles {
                h.await.unwrap();
            }
            spent
        })
    }
}

// ---------------------------------------------------------------------------------------------
// mpsc workloads: `mpsc_1to1` and `mpsc_100to1`, each runtime with its own bounded channel
// ---------------------------------------------------------------------------------------------

/// Messages each of `producers` producers sends (they share `MPSC_MSGS` evenly).
fn mpsc_per_producer(producers: u64) -> u64 {
    assert_eq!(MPSC_MSGS % producers, 0);
    MPSC_MSGS / producers
}

/// Sum the consumer must see: every producer sends 0..per.
fn mpsc_expected(producers: u64) -> u64 {
    let per = mpsc_per_producer(producers);
    producers * (per * (per - 1) / 2)
}

mod tokio_mpsc {
    use super::*;

    pub async fn run(producers: u64) {
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
}

mod smol_mpsc {
    use super::*;
    use smol::LocalExecutor;
    use std::rc::Rc;

    pub async fn run(ex: Rc<LocalExecutor<'static>>, producers: u64) {
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
}

mod baton_mpsc {
    use super::*;

    pub async fn run(producers: u64) {
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
}

// ---------------------------------------------------------------------------------------------
// tcp_echo (networking, issue 3): its own section so the arms above stay timer/scheduler-only
// ---------------------------------------------------------------------------------------------

/// `ECHO_CONNS` connections, each making `ECHO_ROUNDS` round trips of `ECHO_MSG` bytes to an echo
/// server on 127.0.0.1; client and server run in the same runtime. Timed: bind, connects and
/// all round trips.
mod tcp_echo {
    use super::*;

    pub const ECHO_CONNS: usize = 100;
    pub const ECHO_ROUNDS: usize = 1_000;
    pub const ECHO_MSG: usize = 64;

    pub fn time(rt: Rt) -> Duration {
        let start = Instant::now();
        let trips = match rt {
            Rt::Baton => baton_echo(),
            Rt::Tokio => tokio_echo(),
            Rt::Smol => smol_echo(),
        };
        let elapsed = start.elapsed();
        assert_eq!(trips, ECHO_CONNS * ECHO_ROUNDS);
        elapsed
    }

    fn baton_echo() -> usize {
        use baton::net::{TcpListener, TcpStream};
        let mut lp = baton::EventLoop::new().expect("baton event loop");
        let trips = lp.run_until_complete(async {
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
            trips
        });
        lp.close();
        trips
    }

    fn tokio_echo() -> usize {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        use tokio::net::{TcpListener, TcpStream};
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        rt.block_on(async {
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
            let clients: Vec<_> = (0..ECHO_CONNS)
                .map(|_| {
                    tokio::spawn(async move {
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
            server.abort();
            trips
        })
    }

    fn smol_echo() -> usize {
        use futures_lite::{AsyncReadExt, AsyncWriteExt};
        use smol::{Async, LocalExecutor};
        use std::net::{TcpListener, TcpStream};
        use std::rc::Rc;
        let ex = Rc::new(LocalExecutor::new());
        let inner = ex.clone();
        smol::block_on(ex.run(async move {
            let listener = Async::<TcpListener>::bind(([127, 0, 0, 1], 0)).unwrap();
            let addr = listener.get_ref().local_addr().unwrap();
            let spawner = inner.clone();
            let server = inner.spawn(async move {
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
                    inner.spawn(async move {
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
            trips
        }))
    }
}

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2
    }
}

fn fmt_time(d: Option<Duration>) -> String {
    match d {
        None => "n/a".into(),
        Some(d) if d >= Duration::from_secs(1) => format!("{:.3}s", d.as_secs_f64()),
        Some(d) => format!("{:.1}ms", d.as_secs_f64() * 1e3),
    }
}

fn fmt_bytes(b: Option<f64>) -> String {
    match b {
        None => "n/a".into(),
        Some(b) if b.abs() >= 1024.0 * 1024.0 => format!("{:.1}MiB", b / (1024.0 * 1024.0)),
        Some(b) if b.abs() >= 10.0 * 1024.0 => format!("{:.1}KiB", b / 1024.0),
        Some(b) => format!("{b:.0}B"),
    }
}

fn fmt_ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b != 0.0 => format!("{:.2}x", a / b),
        _ => "n/a".into(),
    }
}

/// One table row: a label and per-runtime values (baton, tokio, smol), already formatted, plus
/// the raw numbers for the ratios.
fn row(label: &str, cells: [String; 3], raw: [Option<f64>; 3]) {
    println!(
        "{label:<26} {:>10} {:>10} {:>10} {:>12} {:>11}",
        cells[0],
        cells[1],
        cells[2],
        fmt_ratio(raw[0], raw[1]),
        fmt_ratio(raw[0], raw[2]),
    );
}

fn header() {
    println!(
        "{:<26} {:>10} {:>10} {:>10} {:>12} {:>11}",
        "workload", "baton", "tokio", "smol", "baton/tokio", "baton/smol"
    );
}

fn timed_workload(name: &str, samples: usize) {
    let runtimes = RUNTIMES;
    let mut times: [Vec<Duration>; 3] = Default::default();
    // Round 0 is a warm-up and is not recorded; each round rotates the order.
    for round in 0..=samples {
        for i in 0..runtimes.len() {
            let rt = runtimes[(i + round) % runtimes.len()];
            let d = rt.time(name);
            if round > 0 {
                times[rt as usize].push(d);
            }
        }
    }
    let medians: [Option<Duration>; 3] = times.map(|t| (!t.is_empty()).then(|| median(t)));
    row(
        &format!("{name} (n={samples})"),
        medians.map(fmt_time),
        medians.map(|m| m.map(|d| d.as_secs_f64())),
    );
}

/// Runs this binary again with `args` and returns its stdout.
fn child(args: &[&str]) -> String {
    let exe = std::env::current_exe().expect("current_exe");
    let out = Command::new(exe).args(args).output().expect("spawn child");
    assert!(
        out.status.success(),
        "child {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 child output")
}

fn child_numbers(args: &[&str]) -> Vec<f64> {
    child(args)
        .split_whitespace()
        .map(|w| w.parse().expect("number from child"))
        .collect()
}

fn gather_peak_rss() {
    let growth = RUNTIMES.map(|rt| {
        Some({
            let idle = child_numbers(&["--rss-child", "idle", rt.name()])[0];
            let peak = child_numbers(&["--rss-child", "gather_sleep", rt.name()])[0];
            peak - idle
        })
    });
    row("gather_sleep peak RSS", growth.map(fmt_bytes), growth);
}

fn sleeping_task_memory() {
    let per_task = RUNTIMES.map(|rt| {
        Some({
            let v = child_numbers(&["--mem-child", rt.name()]);
            let n = SLEEPERS as f64;
            ((v[1] - v[0]) / n, (v[3] - v[2]) / n)
        })
    });
    let rss = per_task.map(|p| p.map(|p| p.0));
    let heap = per_task.map(|p| p.map(|p| p.1));
    row("sleeping task RSS/task", rss.map(fmt_bytes), rss);
    row("sleeping task heap/task", heap.map(fmt_bytes), heap);
}

fn empty_task_spawn() {
    let counts = RUNTIMES.map(|rt| Some(rt.empty_spawns()));
    let n = EMPTY_SPAWNS as f64;
    let bytes = counts.map(|c| c.map(|c| c.alloc_bytes as f64 / n));
    let allocs = counts.map(|c| c.map(|c| c.allocs as f64 / n));
    row("empty task bytes/spawn", bytes.map(fmt_bytes), bytes);
    row(
        "empty task allocs/spawn",
        allocs.map(|a| a.map_or("n/a".into(), |a| format!("{a:.2}"))),
        allocs,
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    // Hidden child modes.
    match args.as_slice() {
        ["--rss-child", what, rt] => {
            Rt::from_name(rt).rss_child(what);
            println!("{}", proc_status_bytes("VmHWM"));
            return;
        }
        ["--mem-child", rt] => {
            let g = Rt::from_name(rt).sleepers_child();
            println!(
                "{} {} {} {}",
                g.rss_before, g.rss_after, g.heap_before, g.heap_after
            );
            return;
        }
        _ => {}
    }

    // `cargo bench` passes `--bench`; any other non-flag argument filters workloads by name.
    let filter = args.iter().find(|a| !a.starts_with('-')).copied();
    let wanted = |name: &str| filter.map_or(true, |f| name.contains(f));

    println!(
        "baton vs tokio current_thread vs smol LocalExecutor — medians; quote the ratios \
         (lower is better for baton)"
    );
    header();
    let start = Instant::now();
    for &(name, samples) in WORKLOADS {
        if wanted(name) {
            timed_workload(name, samples);
        }
    }
    if wanted("gather_sleep") {
        gather_peak_rss();
    }
    if wanted("sleeping_task_memory") {
        sleeping_task_memory();
    }
    if wanted("empty_task_spawn") {
        empty_task_spawn();
    }
    for &(name, samples) in SYNC_WORKLOADS {
        if wanted(name) {
            timed_sync_workload(name, samples);
        }
    }
    println!("total {:.1}s", start.elapsed().as_secs_f64());
}

// ---------------------------------------------------------------------------------------------
// Sync workloads: `lock_contention`, `semaphore` (issue 4)
// ---------------------------------------------------------------------------------------------
//
// Kept apart from the scheduler workloads above: their own sizes, arms and timing loop, reached
// from `main` by one call. Each runtime uses its own primitives: `baton::sync`, `tokio::sync`
// (on current_thread) and, for smol, `async-lock` (already in the tree through smol, used as
// `smol::lock`). tokio shares them through `Arc` because `tokio::spawn` needs `Send`; baton and
// smol (a `LocalExecutor`) through `Rc`, as their users write it.

/// `lock_contention`: tasks, each taking the lock this many times with a yield inside.
const LOCK_TASKS: usize = 100;
const LOCK_ITERS: usize = 10_000;
/// `semaphore`: tasks going through `SEM_PERMITS` permits, each holding one across one yield.
const SEM_TASKS: usize = 1_000;
const SEM_PERMITS: usize = 10;

/// Sync workloads, in print order, with their sample counts.
const SYNC_WORKLOADS: &[(&str, usize)] = &[("lock_contention", SAMPLES), ("semaphore", SAMPLES)];

/// One sample of a sync workload on `rt`.
fn sync_time(rt: Rt, workload: &str) -> Duration {
    match rt {
        Rt::Baton => baton_sync::time(workload),
        Rt::Tokio => tokio_sync::time(workload),
        Rt::Smol => smol_sync::time(workload),
    }
}

/// As `timed_workload`, for the sync workloads.
fn timed_sync_workload(name: &str, samples: usize) {
    let mut times: [Vec<Duration>; 3] = Default::default();
    // Round 0 is a warm-up and is not recorded; each round rotates the order.
    for round in 0..=samples {
        for i in 0..RUNTIMES.len() {
            let rt = RUNTIMES[(i + round) % RUNTIMES.len()];
            let d = sync_time(rt, name);
            if round > 0 {
                times[rt as usize].push(d);
            }
        }
    }
    let medians: [Option<Duration>; 3] = times.map(|t| (!t.is_empty()).then(|| median(t)));
    row(
        &format!("{name} (n={samples})"),
        medians.map(fmt_time),
        medians.map(|m| m.map(|d| d.as_secs_f64())),
    );
}

mod baton_sync {
    use super::*;
    use baton::sync::{Lock, Semaphore};
    use std::rc::Rc;

    pub fn time(workload: &str) -> Duration {
        let mut lp = baton::EventLoop::new().expect("baton event loop");
        let start = Instant::now();
        match workload {
            "lock_contention" => lp.run_until_complete(lock_contention()),
            "semaphore" => lp.run_until_complete(semaphore()),
            other => panic!("unknown workload {other:?}"),
        }
        let elapsed = start.elapsed();
        lp.close();
        elapsed
    }

    async fn lock_contention() {
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

    async fn semaphore() {
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
}

mod tokio_sync {
    use super::*;
    use tokio::sync::{Mutex, Semaphore};

    pub fn time(workload: &str) -> Duration {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("tokio runtime");
        let start = Instant::now();
        match workload {
            "lock_contention" => rt.block_on(lock_contention()),
            "semaphore" => rt.block_on(semaphore()),
            other => panic!("unknown workload {other:?}"),
        }
        start.elapsed()
    }

    async fn lock_contention() {
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

    async fn semaphore() {
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
}

mod smol_sync {
    use super::*;
    use smol::lock::{Mutex, Semaphore};
    use smol::LocalExecutor;
    use std::rc::Rc;

    type Ex = Rc<LocalExecutor<'static>>;

    pub fn time(workload: &str) -> Duration {
        let ex: Ex = Rc::new(LocalExecutor::new());
        let start = Instant::now();
        match workload {
            "lock_contention" => smol::block_on(ex.run(lock_contention(ex.clone()))),
            "semaphore" => smol::block_on(ex.run(semaphore(ex.clone()))),
            other => panic!("unknown workload {other:?}"),
        }
        start.elapsed()
    }

    async fn lock_contention(ex: Ex) {
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

    async fn semaphore(ex: Ex) {
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
}
