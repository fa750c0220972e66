//! `to_thread`'s pool keeps its threads when user code panics on them: the awaiting task's
//! waker panicking in `wake`, or a result or panic payload whose `drop` panics when the future
//! that would have taken it is gone. Each such panic used to kill its pool thread without giving
//! back its place among the 64, so after 64 of them every later `to_thread` waited forever.

mod common;

use common::{bounded, noop_waker, poll_with};

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Once, RwLock};
use std::task::{Wake, Waker};
use std::time::{Duration, Instant};

/// More panics than the pool has threads (64).
const PANICS: usize = 80;

const WAKE_PANIC: &str = "this waker panics on wake";
const DROP_PANIC: &str = "this value panics on drop";

/// Keeps the expected panics (on pool threads, by design) out of the test output.
fn quiet_expected_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
            let expected = matches!(message, Some(WAKE_PANIC | DROP_PANIC))
                || payload.downcast_ref::<PanicsOnDrop>().is_some();
            if !expected {
                default(info);
            }
        }));
    });
}

/// Counts its wakes, then panics.
struct PanickingWaker(AtomicUsize);

impl Wake for PanickingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
        panic!("{}", WAKE_PANIC);
    }
}

/// Counts its drops, then panics.
struct PanicsOnDrop(Arc<AtomicUsize>);

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
        panic!("{}", DROP_PANIC);
    }
}

/// Waits (at most 20 s) until `count` reaches `n`.
fn wait_for_count(count: &AtomicUsize, n: usize, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while count.load(Ordering::SeqCst) < n {
        assert!(
            Instant::now() < deadline,
            "only {} of {n} {what} happened: pool threads died",
            count.load(Ordering::SeqCst)
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Checks that the pool still runs work.
fn to_thread_still_runs() {
    assert_eq!(baton::run(baton::to_thread(|| 6 * 7)), 42);
}

#[test]
fn to_thread_survives_more_panicking_wakers_than_pool_threads() {
    quiet_expected_panics();
    bounded(Duration::from_secs(60), || {
        let wakes = Arc::new(PanickingWaker(AtomicUsize::new(0)));
        let waker = Waker::from(wakes.clone());
        // Each future is polled by hand with the panicking waker; the pool thread that
        // finishes its job wakes it there.
        let futures: Vec<_> = (0..PANICS)
            .map(|i| {
                let mut fut = baton::to_thread(move || i);
                assert!(poll_with(&mut fut, &waker).is_pending());
                fut
            })
            .collect();
        wait_for_count(&wakes.0, PANICS, "wakes");
        // The results were all delivered before the wakes.
        for (i, mut fut) in futures.into_iter().enumerate() {
            assert_eq!(
                poll_with(&mut fut, &noop_waker()),
                std::task::Poll::Ready(i)
            );
        }
        to_thread_still_runs();
    });
}

#[test]
fn to_thread_survives_results_and_payloads_that_panic_when_dropped_on_the_pool() {
    quiet_expected_panics();
    bounded(Duration::from_secs(60), || {
        let drops = Arc::new(AtomicUsize::new(0));
        // Holding the write side keeps every job from finishing until its future is dropped,
        // so the result (or the panic payload) is dropped on the pool thread.
        let gate = Arc::new(RwLock::new(()));
        let closed = gate.write().unwrap();
        for i in 0..PANICS {
            let (drops, gate) = (drops.clone(), gate.clone());
            let mut fut = baton::to_thread(move || {
                drop(gate.read().unwrap());
                let value = PanicsOnDrop(drops);
                if i % 2 == 0 {
                    std::panic::panic_any(value); // a payload whose drop panics
                }
                value
            });
            assert!(poll_with(&mut fut, &noop_waker()).is_pending());
            drop(fut);
        }
        drop(closed);
        wait_for_count(&drops, PANICS, "drops");
        to_thread_still_runs();
    });
}
