//! User code the runtime calls may panic: a future's poll or `Drop`, an output's or a panic
//! payload's `Drop`, a `Waker`'s `wake` or `drop`, a done callback. One test per entry point: the
//! panic is contained where it happens, every task runs or drops exactly once, and the loop's
//! state stays consistent (no stale current task, no unwoken sibling, nothing dropped twice).
//! These run under Miri (`scripts/miri.sh`), which also reports any use after free.

mod common;

use baton::{all_tasks, current_task, sleep, spawn, yield_now};
use common::{paused_loop, settle};
use std::cell::Cell;
use std::future::{pending, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

thread_local! {
    /// How many `Bomb`s this test's thread dropped.
    static BOMBS_DROPPED: Cell<usize> = const { Cell::new(0) };
}

fn bombs_dropped() -> usize {
    BOMBS_DROPPED.with(Cell::get)
}

/// Panics when dropped, with a payload whose own `Drop` panics: the worst a `Drop` can do.
struct Bomb;

impl Drop for Bomb {
    fn drop(&mut self) {
        BOMBS_DROPPED.with(|n| n.set(n.get() + 1));
        std::panic::panic_any(PanickingPayload);
    }
}

/// A panic payload that panics when dropped.
struct PanickingPayload;

impl Drop for PanickingPayload {
    fn drop(&mut self) {
        panic!("a panic payload that panics when dropped");
    }
}

/// A future that is ready at once and then explodes when dropped.
struct ReadyThenBomb(Option<Bomb>);

impl Future for ReadyThenBomb {
    type Output = u32;
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<u32> {
        Poll::Ready(7)
    }
}

impl Drop for ReadyThenBomb {
    fn drop(&mut self) {
        drop(self.0.take());
    }
}

#[test]
fn a_cancelled_future_whose_drop_panics_twice_is_dropped_once() {
    let mut lp = paused_loop();
    let t = lp.spawn(async {
        let _bomb = Bomb;
        pending::<()>().await
    });
    let sibling = lp.spawn(async {
        sleep(Duration::from_secs(1)).await;
        "sibling"
    });
    lp.run_until_complete(yield_now());
    assert!(t.cancel());
    let result = lp.run_until_complete(t);
    assert!(result.unwrap_err().is_cancelled());
    assert_eq!(lp.run_until_complete(sibling).unwrap(), "sibling");
    drop(lp);
    assert_eq!(bombs_dropped(), 1);
}

#[test]
fn a_future_that_panics_twice_when_dropped_after_returning_keeps_its_output() {
    let mut lp = paused_loop();
    let t = lp.spawn(ReadyThenBomb(Some(Bomb)));
    assert_eq!(lp.run_until_complete(t).unwrap(), 7);
    drop(lp);
    assert_eq!(bombs_dropped(), 1);
}

#[test]
fn a_detached_output_that_panics_twice_when_dropped_is_dropped_once() {
    let mut lp = paused_loop();
    lp.run_until_complete(async {
        drop(spawn(async { Bomb }));
        settle().await;
        assert_eq!(bombs_dropped(), 1);
        assert!(current_task().is_none(), "the main future is not a task");
        assert!(all_tasks().is_empty());
    });
    drop(lp);
    assert_eq!(bombs_dropped(), 1);
}

#[test]
fn a_detached_panic_payload_that_panics_twice_when_dropped_is_contained() {
    let mut lp = paused_loop();
    lp.run_until_complete(async {
        // Nobody awaits the task, so the loop drops its payload.
        drop(spawn(async { std::panic::panic_any(Bomb) }));
        settle().await;
        assert_eq!(bombs_dropped(), 1);
        assert!(current_task().is_none());
        assert!(all_tasks().is_empty());
    });
}

/// A waker that panics when woken, as a faulty foreign executor's might.
struct PanicOnWake;

impl Wake for PanicOnWake {
    fn wake(self: Arc<Self>) {
        panic!("a waker that panics when woken");
    }
}

#[test]
fn a_panicking_awaiter_waker_leaves_the_loop_consistent() {
    let mut lp = paused_loop();
    let callback_ran = Rc::new(Cell::new(false));
    let cr = callback_ran.clone();
    lp.run_until_complete(async move {
        let mut t = spawn(async { 5 });
        t.add_done_callback(move |_| cr.set(true));
        let waker = Waker::from(Arc::new(PanicOnWake));
        assert!(Pin::new(&mut t)
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        yield_now().await; // the task completes, and waking its awaiter panics
        assert!(current_task().is_none(), "the main future is not a task");
        assert!(
            all_tasks().iter().all(|h| h.id() != t.id()),
            "the completed task was disowned"
        );
        settle().await;
        assert!(callback_ran.get(), "its done callbacks ran");
        assert_eq!(t.await.unwrap(), 5);
    });
    drop(lp);
    baton::run(async { assert!(current_task().is_none()) });
}

#[test]
fn a_timer_waker_that_panics_does_not_strand_the_other_timers() {
    let mut lp = paused_loop();
    let woken = lp.run_until_complete(async {
        // One future sleeps with a waker that panics; a task sleeps until the same instant.
        let mut faulty = Box::pin(sleep(Duration::from_secs(1)));
        let waker = Waker::from(Arc::new(PanicOnWake));
        assert!(faulty
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        let other = spawn(async {
            sleep(Duration::from_secs(1)).await;
            "woken"
        });
        other.await.unwrap()
    });
    assert_eq!(woken, "woken");
}

/// A waker whose drop runs user code that touches the loop: it owns a pending `Sleep`, whose
/// `Drop` cancels a timer.
struct OwnsASleep(Mutex<Option<baton::time::Sleep>>);

impl Wake for OwnsASleep {
    fn wake(self: Arc<Self>) {}
}

impl Drop for OwnsASleep {
    fn drop(&mut self) {
        drop(self.0.lock().unwrap().take());
    }
}

/// A waker owning an armed `Sleep`: it must be polled once so its timer exists.
fn waker_owning_an_armed_sleep(dropped: &Arc<AtomicUsize>) -> Waker {
    let mut inner = sleep(Duration::from_secs(3600));
    let noop = Waker::from(Arc::new(Counted(dropped.clone())));
    assert!(Pin::new(&mut inner)
        .poll(&mut Context::from_waker(&noop))
        .is_pending());
    Waker::from(Arc::new(OwnsASleep(Mutex::new(Some(inner)))))
}

/// A waker that counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Wake for Counted {
    fn wake(self: Arc<Self>) {}
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_timer_waker_whose_drop_cancels_a_timer_can_be_replaced_and_cancelled() {
    let mut lp = paused_loop();
    lp.run_until_complete(async {
        let dropped = Arc::new(AtomicUsize::new(0));
        let mut sleeper = Box::pin(sleep(Duration::from_secs(1)));
        // Replacing the waker drops the old one, whose drop cancels another timer.
        let first = waker_owning_an_armed_sleep(&dropped);
        assert!(sleeper
            .as_mut()
            .poll(&mut Context::from_waker(&first))
            .is_pending());
        drop(first);
        let second = waker_owning_an_armed_sleep(&dropped);
        assert!(sleeper
            .as_mut()
            .poll(&mut Context::from_waker(&second))
            .is_pending());
        drop(second);
        // Cancelling the timer drops the current waker, which cancels another.
        drop(sleeper);
        assert_eq!(
            dropped.load(Ordering::SeqCst),
            2,
            "both inner sleeps dropped"
        );
        // The timers still work.
        sleep(Duration::from_secs(2)).await;
    });
}

#[test]
fn a_future_whose_drop_panics_at_close_does_not_stop_the_others_being_dropped() {
    let mut lp = paused_loop();
    let dropped = Rc::new(Cell::new(0));
    struct Counts(Rc<Cell<usize>>);
    impl Drop for Counts {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }
    let (a, b) = (Counts(dropped.clone()), Counts(dropped.clone()));
    drop(lp.spawn(async move {
        let _a = a;
        pending::<()>().await
    }));
    drop(lp.spawn(async {
        let _bomb = Bomb;
        pending::<()>().await
    }));
    drop(lp.spawn(async move {
        let _b = b;
        pending::<()>().await
    }));
    lp.run_until_complete(yield_now()); // the tasks start, and make their locals
    lp.close();
    assert_eq!(dropped.get(), 2);
    assert_eq!(bombs_dropped(), 1);
}

#[test]
fn a_done_callback_that_panics_leaves_the_loop_running() {
    let mut lp = paused_loop();
    lp.run_until_complete(async {
        let t = spawn(async { 1 });
        t.add_done_callback(|_| panic!("a done callback that panics"));
        let later = Rc::new(Cell::new(false));
        let l = later.clone();
        t.add_done_callback(move |_| l.set(true));
        assert_eq!(t.await.unwrap(), 1);
        settle().await;
        assert!(later.get(), "the next callback still ran");
    });
}

/// A waker that panics when dropped.
struct PanicOnDrop;

impl Wake for PanicOnDrop {
    fn wake(self: Arc<Self>) {}
}

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        panic!("a waker that panics when dropped");
    }
}

#[test]
fn an_awaiter_waker_whose_drop_panics_is_contained_when_the_task_is_freed() {
    let mut lp = paused_loop();
    lp.run_until_complete(async {
        let mut t = spawn(async { sleep(Duration::from_secs(1)).await });
        let waker = Waker::from(Arc::new(PanicOnDrop));
        assert!(Pin::new(&mut t)
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        drop(waker); // the task's awaiter slot now holds the only one
        drop(t); // detached: the loop frees the task, and its awaiter, when it completes
        sleep(Duration::from_secs(2)).await;
        assert!(all_tasks().is_empty());
    });
}

#[test]
fn timer_wakers_whose_drop_panics_are_contained_at_close() {
    let mut lp = paused_loop();
    let dropped = Rc::new(Cell::new(false));
    struct Flag(Rc<Cell<bool>>);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.set(true);
        }
    }
    let flag = Flag(dropped.clone());
    let mut sleeps = lp.run_until_complete(async {
        // Two armed timers whose wakers panic when dropped, then a task to drop at close.
        let mut sleeps = vec![
            Box::pin(sleep(Duration::from_secs(60))),
            Box::pin(sleep(Duration::from_secs(60))),
        ];
        for s in &mut sleeps {
            let waker = Waker::from(Arc::new(PanicOnDrop));
            assert!(s
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending());
        }
        drop(spawn(async move {
            let _flag = flag;
            pending::<()>().await
        }));
        yield_now().await;
        sleeps
    });
    lp.close(); // drops both wakers (each panics) and the task
    assert!(dropped.get(), "the task was still dropped");
    sleeps.clear(); // their timers are gone with the loop: dropping them now is a no-op
}
