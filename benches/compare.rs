//! Side-by-side benchmark: baton vs tokio `current_thread` vs smol `LocalExecutor` on one thread,
//! then a multi-core section: baton `Runtime` vs tokio `multi_thread` vs smol `Executor`, each on
//! `MT_WORKERS` worker threads.
//!
//! Run with `cargo bench --bench compare [-- FILTER] [--only=RUNTIME]`; FILTER keeps the workloads
//! whose name contains it (`spawn_many`, `yield_many`, `ping_pong`, `chained_spawn`, `timers`,
//! `gather_sleep` — which includes its peak RSS — `mpsc_1to1`, `mpsc_100to1`, `lock_contention`,
//! `semaphore`, `tcp_echo`, `process_spawn_wait`, `sleeping_task_memory`, `empty_task_spawn`; multi-core: `mt_spawn_many`,
//! `mt_yield_many`, `mt_ping_pong`, `mt_ping_pong_send`, `mt_chained_spawn`, `mt_timers`, `mt_tcp_echo`, `idle_cpu`;
//! `mt_` runs the timed multi-core rows); `--only=baton` (or `tokio`, `smol`) runs one runtime's
//! arm alone, for a profiler:
//! `perf record -g target/release/deps/compare-* spawn_many --only=baton`.
//! Every workload runs on all three runtimes in the same process, interleaved round by round (the
//! order rotates each round), so the noise of a shared machine hits all three alike. We print the
//! median of each runtime and the ratios baton/tokio and baton/smol; the ratios are the figures to
//! quote, not the absolute times.
//!
//! Each sample builds a fresh runtime outside the timed region and times only the
//! `block_on`/`run_until_complete` call that drives the workload to completion.
//!
//! Layout: this file holds the sizes, the table of workloads and the harness; each runtime's code
//! is in `compare/<runtime>_arm.rs`, written as that runtime's user writes it, one function per
//! workload under the same name in every arm; `compare/common.rs` holds what all arms share (the
//! `ping_pong` channel and bodies, expected results) and `compare/memory.rs` the counting
//! allocator and the memory workloads.
//!
//! `gather_sleep` reports its *overhead* besides its wall time: its wall time is mostly the one
//! second every future sleeps, which hides what the runtime costs. In every round each runtime also
//! runs the same workload with one future, right after the full one; that sample is the sleep as
//! that runtime really slept it (the real clock, with its timer's rounding), and it is checked to
//! last at least the sleep asked for. Overhead per task = (wall − that sleep) / (tasks − 1), taken
//! per round, median over the rounds.
//!
//! Memory figures come from child processes (this same binary, re-executed with a hidden argument)
//! so that one runtime's heap never inflates another's numbers:
//! - `gather_sleep` peak RSS: `VmHWM` of a child that runs the workload, minus `VmHWM` of a child
//!   that only builds the runtime and runs an empty future; also per gathered future;
//! - sleeping-task memory: peak RSS growth (and live heap growth, from the counting allocator)
//!   while 100 000 tasks are pending in `sleep(1 s)` and their handles are kept, per task (see
//!   `compare/memory.rs` for how).
//!
//! The spawn cost of an empty task (`async {}`) is measured in process by a counting global
//! allocator that counts only on the thread that turned it on.
//!
//! Fairness notes (also beside the code they concern):
//! - `ping_pong` uses one oneshot channel written for all three runtimes (`compare/common.rs`), so
//!   the workload measures scheduling (wake → queue → poll), not three channel implementations. It
//!   is `Arc<Mutex<_>>`-based because `tokio::spawn` requires `Send` futures; an uncontended mutex
//!   costs every runtime the same.
//! - `gather_sleep`: baton runs `baton::gather` over the 100 000 futures, as the asyncio lesson
//!   does; tokio and smol have no `gather`, so they spawn one task per input and await the
//!   handles in order (their idiomatic equivalent, with no extra dependency). The row therefore
//!   compares what each runtime's user writes; `timers` is the row where all three spawn a task
//!   per sleep.
//! - `mpsc_1to1` / `mpsc_100to1`: each runtime's own bounded channel (baton's `channel::mpsc`,
//!   `tokio::sync::mpsc`, smol's `async-channel`), all of capacity `MPSC_CAPACITY`, producer and
//!   consumer tasks spawned on the runtime; the main future awaits them all.
//! - `lock_contention`, `semaphore`: each runtime's own primitives (`baton::sync`, `tokio::sync`,
//!   smol's `async-lock`); tokio shares them through `Arc` because `tokio::spawn` needs `Send`,
//!   baton and smol through `Rc`, as their users write it.
//! - tokio is built with `enable_time()` only, except in `tcp_echo` and `process_spawn_wait`,
//!   which need its I/O driver.
//! - `process_spawn_wait`: `PROC_SPAWNS` runs of `true` one after the other, each spawned and
//!   awaited with the runtime's own process API (baton `process::Command::status`,
//!   `tokio::process`, smol's `async-process`), shown as spawns/s. All three spawn through std
//!   (glibc's `posix_spawn`: a `vfork`-like clone whose child resets every signal and tries each
//!   `PATH` entry with `execve` while the parent waits), so the wall time is mostly that and the
//!   child's `exec` and life; what differs is how the exit reaches the runtime (baton and tokio:
//!   a pidfd in the reactor; async-process: its own reaper thread) and the runtime's work around
//!   the spawn call. The row's "CPU, all threads" is that work: the parent process's CPU time
//!   per sample, which does not count the children.
//! - `tcp_echo`: every runtime uses its own TCP types (baton `net`, tokio `net`, smol
//!   `Async<std::net::TcpStream>`), `TCP_NODELAY` on both ends, client and server in one runtime
//!   on one thread.
//!
//! Multi-core rows (`mt_*`, `idle_cpu`), every runtime on `MT_WORKERS` worker threads:
//! - The main future runs as a task on the workers and the calling thread only waits for it:
//!   baton's `Runtime::block_on` does that itself; tokio's arm spawns it and `block_on`s the
//!   handle, smol's spawns it on the `Executor` and waits with `futures_lite`'s `block_on` (which
//!   does not drive smol's reactor on this thread). So spawns from the main future are spawns
//!   from a worker in every arm, and no third thread does the workload's work.
//! - Each timed row also shows the CPU time of a sample summed over every thread of the process
//!   (`getrusage` around the drive, `common::timed_drive`). Wall time on a shared two-core
//!   machine includes the time a woken worker waits for a core (other processes hold it), which
//!   hits cross-thread hand-offs hardest; the CPU row is the work the runtime did. Quote both.
//! - `mt_spawn_many`, `mt_yield_many`, `mt_chained_spawn`, `mt_timers`: the single-loop workloads
//!   with `Send` tasks: baton `spawn_send`, `tokio::spawn` (the very same functions), smol
//!   `Executor::spawn`.
//! - `mt_ping_pong`: `MT_PING_PAIRS` pairs over each runtime's own mpsc channel (capacity 1 each
//!   way), not the shared oneshot. baton puts the two ends of every pair on different workers
//!   (`run_on_worker`, local tasks there); tokio and smol cannot pin a task to a worker, so both
//!   ends are plain spawns and their schedulers decide (tokio's LIFO slot tends to run a woken
//!   partner on the waker's worker). baton's row therefore pays a cross-thread wake per message
//!   that the others may not. `mt_ping_pong_send` is the like-for-like row: baton's pairs are
//!   `spawn_send` tasks too, placed by its scheduler (its LIFO slot, like tokio's).
//! - `mt_tcp_echo` (`MT_ECHO_CONNS` connections × `MT_ECHO_ROUNDS` round trips, also shown as
//!   round trips/s): baton uses per-worker listeners: `run_on_every_worker` binds a listener on
//!   every worker, each on its own port (so the clients split the connections exactly evenly;
//!   with `TcpListener::bind_reuse_port` they could share one port, and the kernel would hash the
//!   connections over the listeners), serving with local tasks; tokio and smol use one listener and a task per connection, their idiomatic
//!   server. The clients are tasks of the same runtime in every arm, as in `tcp_echo`: with two
//!   cores, client threads of their own would compete with the workers for them and the row would
//!   measure the OS scheduler; this way each runtime drives both ends with its own code, and the
//!   client code is the same in every arm. baton's clients are local tasks spread evenly over the
//!   workers, each worker's half going to both ports alike (its own worker's listener and the
//!   other's), as a random placement would.
//! - `idle_cpu`: each runtime started (with a first task run through it, so every worker has
//!   started and gone idle), then left idle for `IDLE_WINDOW`, in a child process of its own; the
//!   row is the process's CPU time (`getrusage`, user + system) over that window, and its
//!   wake-ups (voluntary context switches). A runtime that used CPU gets its busy threads listed.

use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

#[path = "compare/baton_arm.rs"]
mod baton_arm;
#[path = "compare/common.rs"]
mod common;
#[path = "compare/cpu.rs"]
mod cpu;
#[path = "compare/memory.rs"]
mod memory;
#[path = "compare/smol_arm.rs"]
mod smol_arm;
#[path = "compare/tokio_arm.rs"]
mod tokio_arm;

use cpu::IdleReport;
use memory::{proc_status_bytes, Counts, MemGrowth};

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
/// `lock_contention`: tasks, each taking the lock this many times with a yield inside.
const LOCK_TASKS: usize = 100;
const LOCK_ITERS: usize = 10_000;
/// `semaphore`: tasks going through `SEM_PERMITS` permits, each holding one across one yield.
const SEM_TASKS: usize = 1_000;
const SEM_PERMITS: usize = 10;
/// `tcp_echo`: `ECHO_CONNS` connections, each making `ECHO_ROUNDS` round trips of `ECHO_MSG`
/// bytes to an echo server on 127.0.0.1; client and server run in the same runtime. Timed: bind,
/// connects and all round trips.
const ECHO_CONNS: usize = 100;
const ECHO_ROUNDS: usize = 1_000;
const ECHO_MSG: usize = 64;
/// `process_spawn_wait`: children (`true`) spawned and awaited one after the other.
const PROC_SPAWNS: usize = 300;

/// Multi-core rows: worker threads of every runtime.
const MT_WORKERS: usize = 2;
/// `mt_ping_pong`: pairs, each end on a different worker where the runtime lets us say so, each
/// side sending `PING_MSGS` messages over the runtime's own mpsc channels.
const MT_PING_PAIRS: usize = 1_000;
/// `mt_tcp_echo`: as `tcp_echo`, on `MT_WORKERS` workers.
const MT_ECHO_CONNS: usize = 100;
const MT_ECHO_ROUNDS: usize = 500;
/// `idle_cpu`: how long each runtime sits idle while we measure its CPU time (issue #9 says
/// 10 s; 2 s keeps the run short and still shows a worker that does not park).
const IDLE_WINDOW: Duration = Duration::from_secs(2);

/// Samples per runtime for the timed workloads, plus one unrecorded warm-up round.
const SAMPLES: usize = 7;
/// For the workloads that take over a second per sample.
const SAMPLES_SLOW: usize = 5;

// ---------------------------------------------------------------------------------------------
// The workloads
// ---------------------------------------------------------------------------------------------

/// The runtimes, in column order; a runtime's index picks its runner.
const RUNTIMES: [&str; 3] = ["baton", "tokio", "smol"];

/// Builds a fresh runtime, drives one sample of a workload to completion, returns the time the
/// drive took.
type Runner = fn() -> Duration;

/// The runners of `$f($args)`, in `RUNTIMES` order: each arm has a function `$f`, driven by the
/// arm's `block_on` (smol's takes the executor first).
macro_rules! runners {
    ($f:ident($($arg:expr),*)) => {
        [
            || baton_arm::block_on(baton_arm::$f($($arg),*)),
            || tokio_arm::block_on(tokio_arm::$f($($arg),*)),
            || smol_arm::block_on(|ex| smol_arm::$f(ex $(, $arg)*)),
        ]
    };
}

/// A timed workload.
struct Workload {
    /// What the filter matches and the row shows.
    name: &'static str,
    samples: usize,
    runners: [Runner; 3],
    /// For a workload whose wall time is mostly a sleep: how to time that sleep alone.
    overhead: Option<Overhead>,
    /// For a throughput workload: what it counts and how many per sample, shown as a rate.
    rate: Option<(&'static str, usize)>,
    /// Also show the CPU time of a sample (the multi-core rows, whose arms time the drive with
    /// `common::timed_drive`).
    cpu: bool,
}

/// A workload of `tasks` tasks (or gathered futures) that all sleep `sleep`, and the same
/// workload with one task: timed right after the full one, on the same runtime in the same round,
/// it is the sleep as that runtime slept it.
struct Overhead {
    tasks: u64,
    sleep: Duration,
    one_task: [Runner; 3],
}

/// Every timed workload, in print order.
fn workloads() -> Vec<Workload> {
    let timed = |name, samples, runners| Workload {
        name,
        samples,
        runners,
        overhead: None,
        rate: None,
        cpu: false,
    };
    let multi_core = |name, samples, runners| Workload {
        cpu: true,
        ..timed(name, samples, runners)
    };
    vec![
        timed("spawn_many", SAMPLES, runners!(spawn_many())),
        timed("yield_many", SAMPLES, runners!(yield_many())),
        timed("ping_pong", SAMPLES, runners!(ping_pong())),
        timed("chained_spawn", SAMPLES, runners!(chained_spawn())),
        timed("timers", SAMPLES, runners!(timers())),
        Workload {
            overhead: Some(Overhead {
                tasks: GATHER,
                sleep: GATHER_SLEEP,
                one_task: runners!(gather_sleep(1)),
            }),
            ..timed("gather_sleep", SAMPLES_SLOW, runners!(gather_sleep(GATHER)))
        },
        timed("mpsc_1to1", SAMPLES, runners!(mpsc(1))),
        timed("mpsc_100to1", SAMPLES, runners!(mpsc(MPSC_PRODUCERS))),
        timed("lock_contention", SAMPLES, runners!(lock_contention())),
        timed("semaphore", SAMPLES, runners!(semaphore())),
        timed(
            "tcp_echo",
            SAMPLES_SLOW,
            [
                || baton_arm::block_on(baton_arm::tcp_echo()),
                || tokio_arm::block_on_io(tokio_arm::tcp_echo()),
                || smol_arm::block_on(smol_arm::tcp_echo),
            ],
        ),
        Workload {
            rate: Some(("spawns/s", PROC_SPAWNS)),
            // The parent's CPU (children are not counted): what the runtime itself spends, apart
            // from the `exec` and the child's life that dominate the wall time.
            cpu: true,
            ..timed(
                "process_spawn_wait",
                SAMPLES,
                [
                    || common::cpu_of(|| baton_arm::block_on(baton_arm::process_spawn_wait())),
                    || common::cpu_of(|| tokio_arm::block_on_io(tokio_arm::process_spawn_wait())),
                    || common::cpu_of(|| smol_arm::block_on(smol_arm::process_spawn_wait)),
                ],
            )
        },
        // Multi-core: every runtime on `MT_WORKERS` worker threads (see "Multi-core rows" in
        // the header). tokio runs the same functions as above, on its multi-thread runtime.
        multi_core(
            "mt_spawn_many",
            SAMPLES,
            [
                || baton_arm::mt_block_on(baton_arm::mt_spawn_many()),
                || tokio_arm::mt_block_on(tokio_arm::spawn_many()),
                || smol_arm::mt_block_on(smol_arm::mt_spawn_many),
            ],
        ),
        multi_core(
            "mt_yield_many",
            SAMPLES,
            [
                || baton_arm::mt_block_on(baton_arm::mt_yield_many()),
                || tokio_arm::mt_block_on(tokio_arm::yield_many()),
                || smol_arm::mt_block_on(smol_arm::mt_yield_many),
            ],
        ),
        multi_core(
            "mt_ping_pong",
            SAMPLES,
            [
                || baton_arm::mt_block_on(baton_arm::mt_ping_pong()),
                || tokio_arm::mt_block_on(tokio_arm::mt_ping_pong()),
                || smol_arm::mt_block_on(smol_arm::mt_ping_pong),
            ],
        ),
        multi_core(
            "mt_ping_pong_send",
            SAMPLES,
            [
                || baton_arm::mt_block_on(baton_arm::mt_ping_pong_send()),
                || tokio_arm::mt_block_on(tokio_arm::mt_ping_pong()),
                || smol_arm::mt_block_on(smol_arm::mt_ping_pong),
            ],
        ),
        multi_core(
            "mt_chained_spawn",
            SAMPLES,
            [
                || baton_arm::mt_block_on(baton_arm::mt_chained_spawn()),
                || tokio_arm::mt_block_on(tokio_arm::chained_spawn()),
                || smol_arm::mt_block_on(smol_arm::mt_chained_spawn),
            ],
        ),
        multi_core(
            "mt_timers",
            SAMPLES,
            [
                || baton_arm::mt_block_on(baton_arm::mt_timers()),
                || tokio_arm::mt_block_on(tokio_arm::timers()),
                || smol_arm::mt_block_on(smol_arm::mt_timers),
            ],
        ),
        Workload {
            rate: Some(("round trips/s", MT_ECHO_CONNS * MT_ECHO_ROUNDS)),
            ..multi_core(
                "mt_tcp_echo",
                SAMPLES_SLOW,
                [
                    || baton_arm::mt_block_on(baton_arm::mt_tcp_echo()),
                    || tokio_arm::mt_block_on_io(tokio_arm::mt_tcp_echo()),
                    || smol_arm::mt_block_on(smol_arm::mt_tcp_echo),
                ],
            )
        },
    ]
}

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

fn median(mut xs: Vec<f64>) -> Option<f64> {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(xs[n / 2]),
        _ => Some((xs[n / 2 - 1] + xs[n / 2]) / 2.0),
    }
}

/// Seconds, as a time.
fn fmt_time(s: Option<f64>) -> String {
    match s {
        None => "n/a".into(),
        Some(s) if s.abs() >= 1.0 => format!("{s:.3}s"),
        Some(s) if s.abs() >= 1e-3 => format!("{:.1}ms", s * 1e3),
        Some(s) if s.abs() >= 1e-6 => format!("{:.2}µs", s * 1e6),
        Some(s) => format!("{:.0}ns", s * 1e9),
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

/// Events per second.
fn fmt_rate(r: Option<f64>) -> String {
    match r {
        None => "n/a".into(),
        Some(r) if r >= 1e6 => format!("{:.2}M", r / 1e6),
        Some(r) if r >= 1e3 => format!("{:.1}k", r / 1e3),
        Some(r) => format!("{r:.0}"),
    }
}

fn fmt_ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b != 0.0 => format!("{:.2}x", a / b),
        _ => "n/a".into(),
    }
}

/// One table row: a label and one value per runtime (baton, tokio, smol), formatted by `fmt`,
/// then the ratios.
fn row(label: &str, values: [Option<f64>; 3], fmt: fn(Option<f64>) -> String) {
    println!(
        "{label:<30} {:>10} {:>10} {:>10} {:>12} {:>11}",
        fmt(values[0]),
        fmt(values[1]),
        fmt(values[2]),
        fmt_ratio(values[0], values[1]),
        fmt_ratio(values[0], values[2]),
    );
}

/// Whether a row belongs to the multi-core section (printed after the single-loop rows).
fn is_multi_core(name: &str) -> bool {
    name.starts_with("mt_") || name == "idle_cpu"
}

fn header() {
    println!(
        "{:<30} {:>10} {:>10} {:>10} {:>12} {:>11}",
        "workload", "baton", "tokio", "smol", "baton/tokio", "baton/smol"
    );
}

/// Runs `w` round by round (round 0 is a warm-up and is not recorded; each round rotates the
/// runtimes' order) and prints its rows.
fn timed_workload(w: &Workload) {
    let mut walls: [Vec<f64>; 3] = Default::default();
    let mut slept: [Vec<f64>; 3] = Default::default();
    let mut overheads: [Vec<f64>; 3] = Default::default();
    let mut cpus: [Vec<f64>; 3] = Default::default();
    for round in 0..=w.samples {
        for i in 0..RUNTIMES.len() {
            let rt = (i + round) % RUNTIMES.len();
            if !selected(rt) {
                continue;
            }
            let wall = (w.runners[rt])();
            if round == 0 {
                continue;
            }
            walls[rt].push(wall.as_secs_f64());
            if w.cpu {
                cpus[rt].push(common::last_drive_cpu().as_secs_f64());
            }
            if let Some(o) = &w.overhead {
                let sleep = (o.one_task[rt])();
                assert!(
                    sleep >= o.sleep,
                    "{} slept {sleep:?}, less than the {:?} asked for: not a real clock?",
                    RUNTIMES[rt],
                    o.sleep
                );
                slept[rt].push(sleep.as_secs_f64());
                overheads[rt].push((wall - sleep.min(wall)).as_secs_f64() / (o.tasks - 1) as f64);
            }
        }
    }
    let walls = walls.map(median);
    row(&format!("{} (n={})", w.name, w.samples), walls, fmt_time);
    if w.overhead.is_some() {
        row("  slept (1 task)", slept.map(median), fmt_time);
        row("  overhead/task", overheads.map(median), fmt_time);
    }
    if w.cpu {
        row("  CPU, all threads", cpus.map(median), fmt_time);
    }
    if let Some((what, per_sample)) = w.rate {
        let rates = walls.map(|wall| Some(per_sample as f64 / wall?));
        row(&format!("  {what} (higher: better)"), rates, fmt_rate);
    }
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

/// The runtime `--only=RUNTIME` keeps (to profile one arm), if given.
static ONLY: OnceLock<usize> = OnceLock::new();

/// Whether runtime `rt` runs: all do, unless `--only` picked one.
fn selected(rt: usize) -> bool {
    ONLY.get().map_or(true, |&only| only == rt)
}

fn runtime_index(name: &str) -> usize {
    RUNTIMES
        .iter()
        .position(|&r| r == name)
        .unwrap_or_else(|| panic!("unknown runtime {name:?}"))
}

/// Child body: runs `what` (`idle`, or a timed workload's name) once on runtime `rt`, then
/// prints its peak RSS (`VmHWM`).
fn rss_child(what: &str, rt: usize) {
    let runners: [Runner; 3] = match what {
        "idle" => runners!(idle()),
        _ => {
            let w = workloads().into_iter().find(|w| w.name == what);
            w.unwrap_or_else(|| panic!("unknown workload {what:?}"))
                .runners
        }
    };
    runners[rt]();
    println!("{}", proc_status_bytes("VmHWM"));
}

fn gather_peak_rss() {
    let growth = std::array::from_fn(|rt| {
        let hwm = |what| {
            let out = child(&["--rss-child", what, RUNTIMES[rt]]);
            out.trim().parse::<f64>().expect("VmHWM from the child")
        };
        selected(rt).then(|| hwm("gather_sleep") - hwm("idle"))
    });
    row("gather_sleep peak RSS", growth, fmt_bytes);
    let per_future = per_task(growth, GATHER as usize, |g| g);
    row("  peak RSS/future", per_future, fmt_bytes);
}

/// Child body: the sleeping-task memory of runtime `rt`, printed.
fn sleepers_child(rt: usize) {
    let sleepers = [baton_arm::sleepers, tokio_arm::sleepers, smol_arm::sleepers];
    sleepers[rt]().print();
}

/// `values` mapped through `f`, per one of `n` tasks.
fn per_task<T: Copy>(values: [Option<T>; 3], n: usize, f: impl Fn(T) -> f64) -> [Option<f64>; 3] {
    values.map(|v| v.map(|v| f(v) / n as f64))
}

fn sleeping_task_memory() {
    let growth = std::array::from_fn(|rt| {
        selected(rt).then(|| MemGrowth::parse(&child(&["--mem-child", RUNTIMES[rt]])))
    });
    let peak = per_task(growth, SLEEPERS, |g| g.peak_rss as f64);
    row("sleeping task+handle peak RSS", peak, fmt_bytes);
    let heap = per_task(growth, SLEEPERS, |g| g.heap as f64);
    row("sleeping task+handle heap", heap, fmt_bytes);
}

fn empty_task_spawn() {
    let spawns: [fn() -> Counts; 3] = [
        baton_arm::empty_spawns,
        tokio_arm::empty_spawns,
        smol_arm::empty_spawns,
    ];
    let counts = std::array::from_fn(|rt| selected(rt).then(|| spawns[rt]()));
    let bytes = per_task(counts, EMPTY_SPAWNS, |c| c.alloc_bytes as f64);
    row("empty task bytes/spawn", bytes, fmt_bytes);
    let allocs = per_task(counts, EMPTY_SPAWNS, |c| c.allocs as f64);
    row("empty task allocs/spawn", allocs, |a| {
        a.map_or("n/a".into(), |a| format!("{a:.2}"))
    });
}

/// Child body: starts runtime `rt` with `MT_WORKERS` workers, lets it sit idle for
/// `IDLE_WINDOW`, prints what the process used meanwhile.
fn idle_child(rt: usize) {
    /// Runs the measurement inside an idle runtime with `MT_WORKERS` workers.
    type IdleArm = fn(&dyn Fn() -> IdleReport) -> IdleReport;
    let idle: [IdleArm; 3] = [
        |measure| baton_arm::mt_idle(measure),
        |measure| tokio_arm::mt_idle(measure),
        |measure| smol_arm::mt_idle(measure),
    ];
    idle[rt](&|| IdleReport::measure(IDLE_WINDOW)).print();
}

/// CPU time and wake-ups of each runtime left idle (each in a child process of its own, so no
/// other runtime's threads are counted); a runtime that used CPU also gets its busy threads
/// listed, to say where an idle worker spins.
fn idle_cpu() {
    let reports: [Option<IdleReport>; 3] = std::array::from_fn(|rt| {
        selected(rt).then(|| IdleReport::parse(&child(&["--idle-child", RUNTIMES[rt]])))
    });
    let cpu = std::array::from_fn(|rt| Some(reports[rt].as_ref()?.cpu.as_secs_f64()));
    row(
        &format!("idle_cpu ({} s, CPU)", IDLE_WINDOW.as_secs()),
        cpu,
        fmt_time,
    );
    let wakeups = std::array::from_fn(|rt| Some(reports[rt].as_ref()?.wakeups as f64));
    row("  idle wake-ups", wakeups, |w| {
        w.map_or("n/a".into(), |w| format!("{w:.0}"))
    });
    // More than 1 ms of CPU per idle second: some thread does not park; say which.
    let threshold = IDLE_WINDOW.as_secs_f64() * 1e-3;
    for (rt, report) in reports.iter().enumerate() {
        let Some(report) = report.as_ref().filter(|r| r.cpu.as_secs_f64() > threshold) else {
            continue;
        };
        for t in &report.busy_threads {
            println!(
                "    {} thread {:<16} {:>10} CPU, {} wake-ups",
                RUNTIMES[rt],
                t.name,
                fmt_time(Some(t.cpu_ns as f64 * 1e-9)),
                t.wakeups
            );
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    // Hidden child modes.
    match args.as_slice() {
        ["--rss-child", what, rt] => return rss_child(what, runtime_index(rt)),
        ["--mem-child", rt] => return sleepers_child(runtime_index(rt)),
        ["--idle-child", rt] => return idle_child(runtime_index(rt)),
        _ => {}
    }

    // `--only=RUNTIME` runs one runtime's arm (for a profiler); the others show `n/a`.
    if let Some(only) = args.iter().find_map(|a| a.strip_prefix("--only=")) {
        ONLY.set(runtime_index(only)).expect("one --only");
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
    let (single_loop, multi_core): (Vec<_>, Vec<_>) = workloads()
        .into_iter()
        .filter(|w| wanted(w.name))
        .partition(|w| !is_multi_core(w.name));
    for w in &single_loop {
        timed_workload(w);
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
    if !multi_core.is_empty() || wanted("idle_cpu") {
        println!(
            "-- multi-core, {MT_WORKERS} workers each: baton Runtime, tokio multi_thread, smol \
             Executor on {MT_WORKERS} threads"
        );
    }
    for w in &multi_core {
        timed_workload(w);
    }
    if wanted("idle_cpu") {
        idle_cpu();
    }
    println!("total {:.1}s", start.elapsed().as_secs_f64());
}
