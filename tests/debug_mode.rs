//! Debug mode and the exception handler, as a user sees them: slow polls reported at the
//! threshold and not below (on the paused clock), panics nobody retrieved, tasks pending at close,
//! and a handler that panics.

mod common;

use std::cell::Cell;
use std::future::pending;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use baton::debug::{Exception, ExceptionKind};
use baton::{spawn, yield_now, EventLoop, TaskGroup};

/// A loop with the paused clock, in debug mode or not, whose reports are collected.
fn watched_loop(debug: bool) -> (EventLoop, Arc<Mutex<Vec<Exception>>>) {
    let lp = EventLoop::builder()
        .paused_clock()
        .debug(debug)
        .build()
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    lp.set_exception_handler(move |e: &Exception| log.lock().unwrap().push(e.clone()));
    (lp, seen)
}

/// A task whose one poll "takes" `took` on the paused clock.
async fn poll_taking(took: Duration) {
    baton::time::advance(took);
}

#[test]
fn a_poll_at_the_threshold_is_reported_and_one_just_below_is_not() {
    let (mut lp, seen) = watched_loop(true);
    lp.run_until_complete(async {
        spawn(poll_taking(Duration::from_millis(99)))
            .named("quick")
            .await
            .unwrap();
        let line = line!() + 1;
        spawn(poll_taking(Duration::from_millis(100)))
            .named("slow")
            .await
            .unwrap();
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1, "{seen:?}");
        let report = &seen[0];
        assert_eq!(
            report.kind,
            ExceptionKind::SlowPoll {
                took: Duration::from_millis(100)
            }
        );
        let task = report.task.as_ref().unwrap();
        assert_eq!(task.name.as_deref(), Some("slow"));
        assert_eq!(task.spawned_at.line(), line);
        assert!(
            report.to_string().contains("took 0.100 seconds"),
            "{report}"
        );
    });
    assert_eq!(lp.metrics().slow_polls, 1);
}

#[test]
fn the_threshold_is_configurable_and_the_main_future_is_watched_too() {
    let mut lp = EventLoop::builder()
        .paused_clock()
        .debug(true)
        .slow_poll_threshold(Duration::from_millis(10))
        .build()
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    lp.set_exception_handler(move |e: &Exception| log.lock().unwrap().push(e.clone()));
    lp.run_until_complete(poll_taking(Duration::from_millis(10)));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].task.is_none(), "the main future is not a task");
    assert!(seen[0].to_string().contains("main future"), "{}", seen[0]);
}

#[test]
fn without_debug_mode_slow_polls_and_pending_tasks_are_not_reported() {
    let (mut lp, seen) = watched_loop(false);
    lp.run_until_complete(async {
        spawn(poll_taking(Duration::from_secs(1))).await.unwrap();
    });
    let _pending = lp.spawn(pending::<()>());
    lp.run_until_complete(yield_now());
    lp.close();
    assert!(seen.lock().unwrap().is_empty());
}

#[test]
fn a_panic_nobody_retrieves_is_reported_once_whether_the_handle_goes_before_or_after() {
    let (mut lp, seen) = watched_loop(false);
    lp.run_until_complete(async {
        // Dropped before it ran: reported when it completes.
        drop(spawn(async { panic!("early") }).named("detached"));
        // Dropped after it completed, never awaited: reported when the handle goes.
        let late = spawn(async { panic!("late") });
        yield_now().await;
        yield_now().await;
        assert_eq!(seen.lock().unwrap().len(), 1);
        drop(late);
        // Awaited: observed, so not reported.
        let awaited = spawn(async { panic!("seen") }).await;
        assert!(awaited.unwrap_err().is_panic());
        // A task group's child: the group observes it.
        let tg = TaskGroup::new();
        tg.spawn(async { panic!("in a group") });
        assert!(tg.join().await.is_err());
    });
    let seen = seen.lock().unwrap();
    let messages: Vec<_> = seen
        .iter()
        .map(|e| (e.kind.clone(), e.panic_message.clone().unwrap()))
        .collect();
    assert_eq!(
        messages,
        [
            (ExceptionKind::UnobservedPanic, "early".to_owned()),
            (ExceptionKind::UnobservedPanic, "late".to_owned()),
        ]
    );
    assert_eq!(
        seen[0].task.as_ref().unwrap().name.as_deref(),
        Some("detached")
    );
    assert!(seen[0].to_string().contains("was never retrieved"));
}

#[test]
fn tasks_pending_at_close_are_listed_in_debug_mode() {
    let (mut lp, seen) = watched_loop(true);
    let a = lp.spawn(pending::<()>()).named("forgotten");
    let _b = lp.spawn(baton::sleep(Duration::from_secs(3600)));
    lp.run_until_complete(yield_now());
    lp.close();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen.iter().all(|e| e.kind == ExceptionKind::PendingAtClose));
    assert_eq!(seen[0].task.as_ref().unwrap().id, a.id());
    assert!(seen[0].to_string().contains("still pending"), "{}", seen[0]);
    assert!(a.cancelled());
}

#[test]
fn a_handler_that_panics_is_contained_and_the_loop_carries_on() {
    let mut lp = EventLoop::builder()
        .paused_clock()
        .debug(true)
        .build()
        .unwrap();
    lp.set_exception_handler(|_: &Exception| panic!("a faulty handler"));
    let ran = Rc::new(Cell::new(0));
    let counter = ran.clone();
    lp.run_until_complete(async move {
        spawn(poll_taking(Duration::from_secs(1))).await.unwrap();
        drop(spawn(async { panic!("lost") }));
        yield_now().await;
        counter.set(counter.get() + 1);
    });
    assert_eq!(ran.get(), 1);
}

#[test]
fn a_handler_may_spawn_on_the_loop_that_reports() {
    let mut lp = EventLoop::builder()
        .paused_clock()
        .debug(true)
        .build()
        .unwrap();
    let handle = lp.handle();
    let followed_up = Arc::new(Mutex::new(false));
    let flag = followed_up.clone();
    lp.set_exception_handler(move |_: &Exception| {
        let flag = flag.clone();
        drop(handle.spawn(async move { *flag.lock().unwrap() = true }));
    });
    lp.run_until_complete(async {
        spawn(poll_taking(Duration::from_secs(1))).await.unwrap();
        yield_now().await;
    });
    assert!(*followed_up.lock().unwrap());
}

#[test]
fn a_runtime_reports_slow_polls_of_send_tasks_through_its_handler() {
    common::bounded(Duration::from_secs(60), || {
        let rt = baton::Runtime::builder()
            .workers(2)
            .paused_clock()
            .debug(true)
            .build()
            .unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        rt.handle()
            .set_exception_handler(move |e: &Exception| log.lock().unwrap().push(e.kind.clone()));
        rt.block_on(async {
            baton::spawn_send(poll_taking(Duration::from_millis(250)))
                .await
                .unwrap();
        });
        assert_eq!(
            *seen.lock().unwrap(),
            [ExceptionKind::SlowPoll {
                took: Duration::from_millis(250)
            }]
        );
    });
}
