//! The event loop's own semantics: running, stopping, closing, callbacks, the running-loop rules.

mod common;

use baton::{get_running_loop, sleep, spawn, yield_now, EventLoop, LoopHandle, TaskError};
use common::{bounded, paused_loop, DropCounter};
use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::time::Duration;

#[test]
fn run_until_complete_accepts_futures_that_borrow_locals() {
    let mut lp = paused_loop();
    let mut words = vec!["a".to_owned()];
    lp.run_until_complete(async {
        sleep(Duration::from_secs(1)).await;
        words.push("b".to_owned());
    });
    assert_eq!(words, ["a", "b"]);
}

#[test]
fn tasks_spawned_in_one_run_keep_running_in_the_next() {
    let mut lp = paused_loop();
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    // The run returns the handle of a task it spawned; the task itself is not awaited there.
    #[allow(clippy::async_yields_async)]
    let task = lp.run_until_complete(async move {
        spawn(async move {
            for i in 0..3 {
                sleep(Duration::from_secs(1)).await;
                l.borrow_mut().push(i);
            }
            "done"
        })
    });
    assert!(
        log.borrow().is_empty(),
        "the task waits for the loop to run again"
    );
    lp.run_until_complete(sleep(Duration::from_millis(1500)));
    assert_eq!(*log.borrow(), [0]);
    assert_eq!(lp.run_until_complete(task).unwrap(), "done");
    assert_eq!(*log.borrow(), [0, 1, 2]);
}

#[test]
fn a_panic_in_the_main_future_propagates_and_the_loop_stays_usable() {
    let mut lp = paused_loop();
    let background = lp.spawn(async {
        sleep(Duration::from_secs(5)).await;
        5
    });
    let caught = catch_unwind(AssertUnwindSafe(|| {
        lp.run_until_complete(async {
            sleep(Duration::from_secs(1)).await;
            panic!("main failed");
        })
    }));
    let payload = caught.unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"main failed"));
    assert_eq!(lp.run_until_complete(background).unwrap(), 5);
    assert_eq!(lp.run_until_complete(async { 2 }), 2);
}

#[test]
fn nested_run_panics_with_a_message_that_says_a_loop_is_running() {
    let mut outer = paused_loop();
    let message = outer.run_until_complete(async {
        let caught = catch_unwind(|| baton::run(async {}));
        common::panic_message(caught.unwrap_err())
    });
    assert!(message.contains("another one is running"), "{message}");
}

#[test]
fn spawn_outside_a_running_loop_panics_with_no_running_event_loop() {
    let message = common::panic_message(catch_unwind(|| spawn(async {})).unwrap_err());
    assert!(message.starts_with("no running event loop"), "{message}");
    let message = common::panic_message(catch_unwind(get_running_loop).unwrap_err());
    assert!(message.starts_with("no running event loop"), "{message}");
}

#[test]
fn sleep_polled_outside_a_loop_panics_with_no_running_event_loop() {
    use std::future::Future;
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    let mut s = std::pin::pin!(sleep(Duration::from_secs(1)));
    let payload = catch_unwind(AssertUnwindSafe(|| s.as_mut().poll(&mut cx))).unwrap_err();
    let message = common::panic_message(payload);
    assert!(message.starts_with("no running event loop"), "{message}");
}

#[test]
fn close_cancels_remaining_tasks_and_runs_their_drops() {
    let mut lp = paused_loop();
    let drops = DropCounter::default();
    let token = drops.token();
    let sleeper = lp.spawn(async move {
        let _token = token;
        sleep(Duration::from_secs(3600)).await;
    });
    lp.run_until_complete(sleep(Duration::from_secs(1)));
    assert!(!sleeper.done());
    let token = drops.token();
    let never_started = lp.spawn(async move {
        let _token = token;
    });
    lp.close();
    assert_eq!(drops.count(), 2);
    assert!(sleeper.cancelled());
    assert!(never_started.cancelled());
    assert!(matches!(baton::run(sleeper), Err(TaskError::Cancelled(_))));
}

#[test]
fn dropping_the_loop_is_close() {
    let drops = DropCounter::default();
    let token = drops.token();
    let lp = paused_loop();
    let t = lp.spawn(async move {
        let _token = token;
        std::future::pending::<()>().await
    });
    drop(lp);
    assert_eq!(drops.count(), 1);
    assert!(t.cancelled());
}

#[test]
fn a_task_spawned_by_a_drop_during_close_is_cancelled_not_leaked() {
    struct SpawnOnDrop(DropCounter);
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            let token = self.0.token();
            let _t = spawn(async move {
                let _token = token;
                std::future::pending::<()>().await
            });
        }
    }
    let drops = DropCounter::default();
    let guard = SpawnOnDrop(drops.clone());
    let lp = paused_loop();
    let _t = lp.spawn(async move {
        let _guard = guard;
        std::future::pending::<()>().await
    });
    lp.close();
    assert_eq!(drops.count(), 1, "the late task's future was dropped");
}

#[test]
fn run_forever_returns_when_a_callback_stops_it() {
    let mut lp = paused_loop();
    let handle = lp.handle();
    let start = lp.time();
    lp.call_later(Duration::from_secs(3), move || handle.stop());
    lp.run_forever();
    assert_eq!(lp.time() - start, Duration::from_secs(3));
}

#[test]
fn stop_before_run_forever_runs_one_iteration() {
    let mut lp = paused_loop();
    let ran = Rc::new(RefCell::new(false));
    let r = ran.clone();
    lp.call_soon(move || *r.borrow_mut() = true);
    lp.stop();
    lp.run_forever();
    assert!(*ran.borrow());
}

#[test]
fn stop_from_another_thread_wakes_a_parked_loop() {
    bounded(Duration::from_secs(20), || {
        let mut lp = EventLoop::new().unwrap();
        let handle = lp.handle();
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let stopper = std::thread::spawn(move || {
            rx.recv().unwrap();
            handle.stop();
        });
        // The first callback tells the thread to stop us; the loop then parks with no timers.
        lp.call_soon(move || tx.send(()).unwrap());
        lp.run_forever();
        stopper.join().unwrap();
    });
}

#[test]
fn callbacks_run_in_fifo_order_with_tasks() {
    let mut lp = paused_loop();
    let log = Rc::new(RefCell::new(Vec::new()));
    let (a, b, c) = (log.clone(), log.clone(), log.clone());
    lp.call_soon(move || a.borrow_mut().push("callback 1"));
    let _t = lp.spawn(async move { b.borrow_mut().push("task") });
    lp.call_soon(move || c.borrow_mut().push("callback 2"));
    lp.run_until_complete(yield_now());
    assert_eq!(*log.borrow(), ["callback 1", "task", "callback 2"]);
}

#[test]
fn call_later_and_call_at_fire_at_their_times_and_can_be_cancelled() {
    let mut lp = paused_loop();
    let start = lp.time();
    let log = Rc::new(RefCell::new(Vec::new()));
    let (a, b, c) = (log.clone(), log.clone(), log.clone());
    let t0 = lp.time();
    lp.call_later(Duration::from_secs(2), move || {
        a.borrow_mut().push(("later", 2))
    });
    lp.call_at(t0 + Duration::from_secs(1), move || {
        b.borrow_mut().push(("at", 1))
    });
    let cancelled = lp.call_later(Duration::from_secs(1), move || {
        c.borrow_mut().push(("x", 0))
    });
    assert!(cancelled.cancel());
    lp.run_until_complete(sleep(Duration::from_secs(3)));
    assert_eq!(*log.borrow(), [("at", 1), ("later", 2)]);
    assert!(cancelled.cancelled());
    assert!(!cancelled.cancel(), "a cancelled callback is done");
    assert_eq!(lp.time() - start, Duration::from_secs(3));
}

#[test]
fn a_panicking_callback_leaves_the_loop_running() {
    let mut lp = paused_loop();
    let after = Rc::new(RefCell::new(false));
    let a = after.clone();
    lp.call_soon(|| panic!("callback failed"));
    lp.call_soon(move || *a.borrow_mut() = true);
    lp.run_until_complete(sleep(Duration::from_secs(1)));
    assert!(*after.borrow());
}

#[test]
fn paused_clock_jumps_an_hour_in_no_real_time() {
    let real = std::time::Instant::now();
    let mut lp = paused_loop();
    let start = lp.time();
    lp.run_until_complete(sleep(Duration::from_secs(3600)));
    assert_eq!(lp.time() - start, Duration::from_secs(3600));
    assert!(real.elapsed() < Duration::from_secs(10));
}

#[test]
fn paused_clock_stands_still_while_tasks_can_run() {
    let mut lp = paused_loop();
    let start = lp.time();
    lp.run_until_complete(async {
        for _ in 0..1000 {
            yield_now().await;
        }
    });
    assert_eq!(lp.time(), start);
}

#[test]
fn get_running_loop_is_the_loop_running_this_future() {
    let mut lp = paused_loop();
    let from_inside = lp.run_until_complete(async { get_running_loop() });
    assert!(!from_inside.is_closed());
    assert!(LoopHandle::try_current().is_none());
    lp.close();
    assert!(from_inside.is_closed());
}

#[test]
fn loop_handle_spawn_runs_send_futures_from_other_threads() {
    bounded(Duration::from_secs(20), || {
        let mut lp = EventLoop::new().unwrap();
        let handle = lp.handle();
        let (tx, rx) = std::sync::mpsc::channel();
        let worker = std::thread::spawn(move || {
            let tasks: Vec<_> = (0..100u64)
                .map(|i| handle.spawn(async move { i * 2 }))
                .collect();
            let collector = handle.spawn(async move {
                let mut out = Vec::new();
                for t in tasks {
                    out.push(t.await.unwrap());
                }
                out
            });
            tx.send(collector).unwrap();
            handle.stop();
        });
        // Parks with nothing to do until the worker's tasks and its stop arrive.
        lp.run_forever();
        worker.join().unwrap();
        let collector = rx.recv().unwrap();
        let results = lp.run_until_complete(collector).unwrap();
        assert_eq!(results, (0..100).map(|i| i * 2).collect::<Vec<u64>>());
    });
}

#[test]
fn loop_handle_spawn_on_a_closed_loop_reports_cancelled() {
    let lp = paused_loop();
    let handle = lp.handle();
    lp.close();
    let drops = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    struct Token(std::sync::Arc<std::sync::atomic::AtomicUsize>);
    impl Drop for Token {
        fn drop(&mut self) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
    let token = Token(drops.clone());
    let t = handle.spawn(async move {
        let _token = token;
    });
    assert_eq!(drops.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert!(t.cancelled());
    assert!(matches!(baton::run(t), Err(TaskError::Cancelled(_))));
    let cb = handle.call_soon_threadsafe(|| unreachable!());
    assert!(cb.cancelled());
}

#[test]
fn stop_during_run_until_complete_ends_the_run_with_an_error() {
    let mut lp = paused_loop();
    let handle = lp.handle();
    lp.call_later(Duration::from_secs(2), move || handle.stop());
    let start = lp.time();
    let result = lp.try_run_until_complete(sleep(Duration::from_secs(10)));
    assert_eq!(result, Err(baton::event_loop::LoopStopped));
    assert_eq!(
        lp.time() - start,
        Duration::from_secs(2),
        "it stopped when asked"
    );
    // The stop was consumed: the next run goes to completion.
    assert_eq!(lp.try_run_until_complete(async { 5 }), Ok(5));
}

#[test]
fn run_until_complete_panics_with_a_clear_message_when_stopped() {
    let mut lp = paused_loop();
    lp.stop();
    let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        lp.run_until_complete(std::future::pending::<()>())
    }))
    .unwrap_err();
    let message = common::panic_message(payload);
    assert!(
        message.contains("event loop stopped before the future completed")
            && message.contains("try_run_until_complete"),
        "{message}"
    );
    assert_eq!(
        lp.run_until_complete(async { 1 }),
        1,
        "the loop stays usable"
    );
}

#[test]
fn a_future_that_completes_in_the_stopping_iteration_returns_its_output() {
    let mut lp = paused_loop();
    let handle = lp.handle();
    // Stopped, then done in the same poll: asyncio returns the result.
    let out = lp.try_run_until_complete(async move {
        handle.stop();
        "done anyway"
    });
    assert_eq!(out, Ok("done anyway"));
    // A stop before the run: one iteration, then the error.
    lp.stop();
    assert_eq!(
        lp.try_run_until_complete(sleep(Duration::from_secs(1))),
        Err(baton::event_loop::LoopStopped)
    );
}
