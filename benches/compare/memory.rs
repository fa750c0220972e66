//! Memory measurement: a counting global allocator, `/proc/self/status` readers, and the two
//! memory workloads every runtime runs through the same code (only the spawn differs).
//!
//! How the figures are taken (each in a child process of its own, so that one runtime's heap never
//! inflates another's):
//! - *Sleeping-task memory* ([`sleeping_task_memory`]): after a warm-up sleep, the child resets the
//!   kernel's peak-RSS mark (`/proc/self/clear_refs`, value 5), reads `VmRSS`, spawns `SLEEPERS`
//!   tasks that each sleep one second, keeps every handle in a `Vec` reserved to exactly
//!   `SLEEPERS` handles (so the handle's size is counted, without the slack of a growing `Vec`),
//!   and waits until every task has been polled once (armed its timer). Then it reads `VmHWM`:
//!   peak RSS growth / `SLEEPERS` is the *peak RSS per sleeping task, handle included*. The runtime's
//!   own structures grown on the way (ready queue, owned-task table, timer heap and slots, with
//!   their doubling slack) are part of what a task costs and are counted. The live heap bytes
//!   counted by the allocator over the same span give a second, page-free figure.
//! - *Empty-task spawn* ([`empty_spawn_allocs`]): heap bytes and allocations counted on this thread
//!   over `EMPTY_SPAWNS` spawns of `async {}` into a `Vec` reserved beforehand, after as many
//!   uncounted warm-up spawns.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{EMPTY_SPAWNS, SLEEPERS};

/// Wraps the system allocator; counts on the current thread only while `counting(true)` is in
/// effect there, so timed workloads pay one thread-local flag test per allocation.
struct CountingAlloc;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Allocation counters of one thread.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub allocs: u64,
    pub alloc_bytes: u64,
    pub freed_bytes: u64,
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

/// Runs `f` with allocation counting on for this thread; returns its result and what it allocated.
fn count_allocs<T>(f: impl FnOnce() -> T) -> (T, Counts) {
    counting(true);
    let before = counts();
    let out = f();
    let spent = counts().since(before);
    counting(false);
    (out, spent)
}

/// Reads a `kB` field (`VmRSS`, `VmHWM`) of `/proc/self/status`, in bytes.
pub fn proc_status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().strip_suffix("kB")?.trim().parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
        * 1024
}

/// Memory growth over a span: peak RSS above the RSS at its start, and live heap bytes.
#[derive(Clone, Copy, Debug)]
pub struct MemGrowth {
    pub peak_rss: u64,
    pub heap: i64,
}

impl MemGrowth {
    /// The child's answer on stdout, read back by [`MemGrowth::parse`].
    pub fn print(self) {
        println!("{} {}", self.peak_rss, self.heap);
    }

    pub fn parse(line: &str) -> MemGrowth {
        let mut words = line
            .split_whitespace()
            .map(|w| w.parse::<i64>().expect("a number"));
        let (Some(peak_rss), Some(heap)) = (words.next(), words.next()) else {
            panic!("two numbers from the memory child, got {line:?}")
        };
        MemGrowth {
            peak_rss: peak_rss as u64,
            heap,
        }
    }
}

/// Starts a span: resets the kernel's peak-RSS mark to the current RSS, so `VmHWM` at the end is
/// the peak within the span, and turns heap counting on for this thread.
fn span_start() -> (u64, Counts) {
    std::fs::write("/proc/self/clear_refs", "5")
        .expect("reset the peak RSS mark (Linux: /proc/self/clear_refs)");
    counting(true);
    (proc_status_bytes("VmRSS"), counts())
}

fn span_end((rss_before, heap_before): (u64, Counts)) -> MemGrowth {
    let peak = proc_status_bytes("VmHWM");
    let heap = counts().live_bytes() - heap_before.live_bytes();
    counting(false);
    MemGrowth {
        peak_rss: peak.saturating_sub(rss_before),
        heap,
    }
}

/// How many sleeping tasks have been polled once (and so armed their timer). Each runtime's
/// sleeper bumps it first thing.
pub static SLEEPERS_POLLED: AtomicUsize = AtomicUsize::new(0);

/// Memory of `SLEEPERS` sleeping tasks and their handles (see the module docs). `spawn` spawns one
/// task that bumps `SLEEPERS_POLLED` and then sleeps one second, and returns its handle;
/// `yield_now` is the runtime's yield, which lets the tasks run until all have armed their timer.
/// Call it from the runtime's main future, after a warm-up sleep.
pub async fn sleeping_task_memory<H, Y: Future>(
    spawn: impl Fn() -> H,
    yield_now: impl Fn() -> Y,
) -> MemGrowth {
    let span = span_start();
    let mut handles = Vec::with_capacity(SLEEPERS);
    for _ in 0..SLEEPERS {
        handles.push(spawn());
    }
    while SLEEPERS_POLLED.load(Ordering::Relaxed) < SLEEPERS {
        yield_now().await;
    }
    let growth = span_end(span);
    drop(handles);
    growth
}

/// Heap bytes and allocations of `EMPTY_SPAWNS` calls of `spawn` (each spawns `async {}` and
/// returns its handle), counted after as many uncounted warm-up calls; every handle is awaited
/// outside the count.
pub async fn empty_spawn_allocs<H: Future>(spawn: impl Fn() -> H) -> Counts {
    let mut handles = Vec::with_capacity(EMPTY_SPAWNS);
    let mut spent = Counts::default();
    for _warm_up_then_counted in 0..2 {
        ((), spent) = count_allocs(|| handles.extend((0..EMPTY_SPAWNS).map(|_| spawn())));
        for h in handles.drain(..) {
            h.await;
        }
    }
    spent
}
