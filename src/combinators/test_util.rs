//! Test helpers: a counting waker, a tiny `block_on`, and probe futures that
//! count their polls and complete when a test says so.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

/// A waker that counts its wakes and unparks the thread that created it.
#[derive(Debug, Clone)]
pub(crate) struct CountingWaker(Arc<Counter>);

#[derive(Debug)]
struct Counter {
    wakes: AtomicUsize,
    thread: Thread,
}

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
        self.thread.unpark();
    }
}

impl CountingWaker {
    pub(crate) fn new() -> Self {
        CountingWaker(Arc::new(Counter {
            wakes: AtomicUsize::new(0),
            thread: thread::current(),
        }))
    }

    pub(crate) fn waker(&self) -> Waker {
        Waker::from(Arc::clone(&self.0))
    }

    pub(crate) fn count(&self) -> usize {
        self.0.wakes.load(Ordering::SeqCst)
    }
}

/// Polls `fut` once with `waker`.
pub(crate) fn poll_once<F: Future + ?Sized>(fut: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(waker))
}

/// Runs `fut` to completion on this thread, parking between polls.
pub(crate) fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let counter = CountingWaker::new();
    let waker = counter.waker();
    loop {
        if let Poll::Ready(out) = poll_once(fut.as_mut(), &waker) {
            return out;
        }
        thread::park();
    }
}

/// Shared control of a group of [`Probe`] futures.
#[derive(Debug)]
pub(crate) struct Probes {
    slots: Vec<ProbeSlot>,
    /// Indices in the order they were polled (if logging is on).
    log: Mutex<Vec<usize>>,
    logging: bool,
}

#[derive(Debug, Default)]
struct ProbeSlot {
    ready: AtomicBool,
    polls: AtomicUsize,
    /// Wake itself during its next poll (once).
    self_wake: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Probes {
    /// `n` probes; `logging` records the poll order.
    pub(crate) fn new(n: usize, logging: bool) -> Arc<Self> {
        Arc::new(Probes {
            slots: (0..n).map(|_| ProbeSlot::default()).collect(),
            log: Mutex::new(Vec::new()),
            logging,
        })
    }

    /// The probe futures, in index order; probe `i` outputs `i`.
    pub(crate) fn futures(self: &Arc<Self>) -> Vec<Probe> {
        (0..self.slots.len())
            .map(|index| Probe {
                probes: Arc::clone(self),
                index,
            })
            .collect()
    }

    /// Makes probe `i` ready and wakes the waker it last saw.
    pub(crate) fn complete(&self, i: usize) {
        let slot = &self.slots[i];
        slot.ready.store(true, Ordering::SeqCst);
        let waker = slot.waker.lock().unwrap().take();
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Wakes probe `i` without making it ready.
    pub(crate) fn wake(&self, i: usize) {
        if let Some(w) = &*self.slots[i].waker.lock().unwrap() {
            w.wake_by_ref();
        }
    }

    /// Probe `i` will wake itself from inside its next poll.
    pub(crate) fn self_wake_next_poll(&self, i: usize) {
        self.slots[i].self_wake.store(true, Ordering::SeqCst);
    }

    /// The waker probe `i` last saw.
    pub(crate) fn waker(&self, i: usize) -> Option<Waker> {
        self.slots[i].waker.lock().unwrap().clone()
    }

    pub(crate) fn polls(&self, i: usize) -> usize {
        self.slots[i].polls.load(Ordering::SeqCst)
    }

    pub(crate) fn total_polls(&self) -> usize {
        (0..self.slots.len()).map(|i| self.polls(i)).sum()
    }

    pub(crate) fn log(&self) -> Vec<usize> {
        self.log.lock().unwrap().clone()
    }
}

/// A future that counts its polls and is ready once [`Probes::complete`] ran.
#[derive(Debug)]
pub(crate) struct Probe {
    probes: Arc<Probes>,
    index: usize,
}

impl Future for Probe {
    type Output = usize;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        let slot = &self.probes.slots[self.index];
        slot.polls.fetch_add(1, Ordering::SeqCst);
        if self.probes.logging {
            self.probes.log.lock().unwrap().push(self.index);
        }
        if slot.ready.load(Ordering::SeqCst) {
            return Poll::Ready(self.index);
        }
        // The old waker is dropped after the guard, as in the library code.
        let replaced = slot.waker.lock().unwrap().replace(cx.waker().clone());
        drop(replaced);
        if slot.self_wake.swap(false, Ordering::SeqCst) {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

/// A future that is pending `n` times, waking itself each time.
#[derive(Debug)]
pub(crate) struct YieldN(pub(crate) usize);

impl Future for YieldN {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            return Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
