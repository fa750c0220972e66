//! What a user sees of a task: its result, cancellation, panics, detaching, ids and names.

mod common;

use baton::{sleep, spawn, yield_now, EventLoop, Task, TaskError};
use common::{paused_loop, DropCounter};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

#[test]
fn a_task_starts_at_once_and_is_awaited_later() {
    let mut lp = paused_loop();
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    lp.run_until_complete(async move {
        let t = spawn(async move {
            l.borrow_mut().push("task ran");
            1
        });
        sleep(Duration::from_secs(1)).await;
        log.borrow_mut().push("main resumed");
        assert!(t.done());
        assert_eq!(t.await.unwrap(), 1);
        assert_eq!(*log.borrow(), ["task ran", "main resumed"]);
    });
}

#[test]
fn cancel_returns_false_once_the_task_is_done() {
    let mut lp = paused_loop();
    lp.run_until_complete(async {
        let t = spawn(async { 3 });
        yield_now().await;
        assert!(t.done());
        assert!(!t.cancel());
        assert!(!t.cancelled());
        assert_eq!(t.await.unwrap(), 3);
    });
}

#[test]
fn cancelling_a_sleeping_task_drops_its_future_and_reports_cancelled() {
    let mut lp = paused_loop();
    let drops = DropCounter::default();
    let token = drops.token();
    lp.run_until_complete(async move {
        let t = spawn(async move {
            let _token = token;
            sleep(Duration::from_secs(60)).await;
        });
        sleep(Duration::from_secs(1)).await;
        assert!(t.cancel());
        assert!(t.cancel(), "cancel is true while the task is not done");
        let err = t.await.unwrap_err();
        assert!(err.is_cancelled());
        assert_eq!(err.to_string(), "task was cancelled");
    });
    assert_eq!(drops.count(), 1);
}

#[test]
fn cancelling_a_task_before_it_first_runs_never_polls_it() {
    let mut lp = paused_loop();
    let polled = Rc::new(RefCell::new(false));
    let p = polled.clone();
    lp.run_until_complete(async move {
        let t = spawn(async move { *p.borrow_mut() = true });
        assert!(t.cancel());
        assert!(t.await.unwrap_err().is_cancelled());
    });
    assert!(!*polled.borrow());
}

#[test]
fn a_panic_stays_in_its_task_and_carries_its_payload() {
    let mut lp = paused_loop();
    lp.run_until_complete(async {
        let sibling = spawn(async {
            sleep(Duration::from_secs(1)).await;
            "sibling fine"
        });
        let p = spawn(async { panic!("boom {}", 7) });
        let err = p.await.unwrap_err();
        assert!(err.is_panic());
        assert_eq!(err.panic_message(), Some("boom 7"));
        assert_eq!(err.to_string(), "task panicked: boom 7");
        assert_eq!(sibling.await.unwrap(), "sibling fine");
    });
}

#[test]
fn a_detached_task_runs_to_completion() {
    let mut lp = paused_loop();
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    lp.run_until_complete(async move {
        drop(spawn(async move {
            sleep(Duration::from_secs(2)).await;
            l.borrow_mut().push("detached finished");
        }));
        sleep(Duration::from_secs(3)).await;
    });
    assert_eq!(*log.borrow(), ["detached finished"]);
}

#[test]
fn the_output_of_a_detached_task_is_dropped_when_it_completes() {
    let mut lp = paused_loop();
    let drops = DropCounter::default();
    let token = drops.token();
    lp.run_until_complete(async move {
        drop(spawn(async move { token }));
        yield_now().await;
    });
    assert_eq!(drops.count(), 1);
}

#[test]
fn an_output_nobody_took_is_dropped_with_the_handle() {
    let mut lp = paused_loop();
    let drops = DropCounter::default();
    let token = drops.token();
    let t = lp.run_until_complete(async move {
        let t = spawn(async move { token });
        yield_now().await;
        Some(t)
    });
    assert_eq!(drops.count(), 0, "the handle still owns the output");
    drop(t);
    assert_eq!(drops.count(), 1);
}

#[test]
fn ids_are_unique_and_names_follow_asyncio() {
    let mut lp = paused_loop();
    lp.run_until_complete(async {
        let tasks: Vec<Task<()>> = (0..100).map(|_| spawn(async {})).collect();
        let mut ids: Vec<u64> = tasks.iter().map(|t| t.id().as_u64()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 100);
        assert_eq!(tasks[0].name(), format!("Task-{}", tasks[0].id()));
        for t in tasks {
            t.await.unwrap();
        }
    });
}

#[test]
fn a_task_that_cancels_itself_and_returns_is_cancelled() {
    let mut lp = paused_loop();
    let drops = DropCounter::default();
    let token = drops.token();
    lp.run_until_complete(async move {
        let t = spawn(async move {
            assert!(baton::current_task().unwrap().cancel());
            token // returned anyway
        });
        let err = t.await.unwrap_err();
        assert!(
            err.is_cancelled(),
            "cancel() said true, so the task is cancelled"
        );
    });
    assert_eq!(drops.count(), 1, "the output nobody can take is dropped");
}

#[test]
fn a_cancel_from_another_thread_while_the_task_returns_is_never_lost() {
    // Whatever the interleaving: cancel() true means Err(Cancelled), false means Ok.
    common::bounded(Duration::from_secs(20), || {
        for _ in 0..if cfg!(miri) { 3 } else { 200 } {
            let mut lp = EventLoop::new().unwrap();
            let t = lp.spawn(async { 1 });
            let status = t.handle();
            let canceller = std::thread::spawn(move || status.cancel());
            let result = lp.run_until_complete(t);
            let said_cancelled = canceller.join().unwrap();
            assert_eq!(result.is_err(), said_cancelled, "{result:?}");
        }
    });
}

#[test]
fn cancel_with_message_reaches_the_awaiter() {
    let mut lp = paused_loop();
    lp.run_until_complete(async {
        let t = spawn(sleep(Duration::from_secs(60)));
        assert!(t.cancel_with_message("no longer needed"));
        let err = t.await.unwrap_err();
        assert_eq!(err.cancel_message(), Some("no longer needed"));
        assert!(matches!(&err, TaskError::Cancelled(Some(m)) if m == "no longer needed"));
        assert_eq!(err.to_string(), "task was cancelled: no longer needed");

        // A later plain cancel clears the message, as asyncio's cancel(msg=None).
        let t = spawn(sleep(Duration::from_secs(60)));
        t.cancel_with_message("first");
        t.cancel();
        assert_eq!(t.await.unwrap_err().cancel_message(), None);

        // A message given after the task finished changes nothing.
        let t = spawn(async { 3 });
        yield_now().await;
        assert!(!t.cancel_with_message("too late"));
        assert_eq!(t.await.unwrap(), 3);
    });
}

#[test]
fn names_are_set_at_spawn_or_later_and_read_anywhere() {
    let mut lp = paused_loop();
    lp.run_until_complete(async {
        let t = spawn(async { baton::current_task().unwrap().name() }).named("fetcher");
        assert_eq!(t.name(), "fetcher");
        assert_eq!(t.handle().name(), "fetcher");
        assert_eq!(t.await.unwrap(), "fetcher", "the task sees its own name");

        let t = spawn(std::future::pending::<()>());
        let default = format!("Task-{}", t.id());
        assert_eq!(t.name(), default);
        t.handle().set_name("renamed");
        assert_eq!(t.name(), "renamed");
        assert!(format!("{t:?}").contains("renamed"));
        let name = std::thread::scope(|s| s.spawn(|| t.name()).join().unwrap());
        assert_eq!(name, "renamed", "readable from another thread");
        t.cancel();
        let _ = t.await;
    });
}

#[test]
fn a_task_can_be_awaited_from_another_loop() {
    let mut a = paused_loop();
    let t = a.spawn(async { 5 });
    a.run_until_complete(yield_now());
    let mut b = paused_loop();
    assert_eq!(b.run_until_complete(t).unwrap(), 5);
}

#[test]
fn a_task_handle_travels_to_another_thread_and_is_awaited_there() {
    common::bounded(Duration::from_secs(20), || {
        let mut lp = EventLoop::new().unwrap();
        let t = lp.spawn(async {
            sleep(Duration::from_millis(20)).await;
            String::from("made on the loop")
        });
        let status = t.handle();
        let waiter = std::thread::spawn(move || baton::run(t).unwrap());
        // Drive the task's loop until the task is done (not for a fixed time: under Miri's
        // virtual clock a fixed time can end before the task's sleep does).
        lp.run_until_complete(async move {
            while !status.done() {
                sleep(Duration::from_millis(5)).await;
            }
        });
        assert_eq!(waiter.join().unwrap(), "made on the loop");
    });
}

#[test]
fn awaiting_a_task_that_was_cancelled_twice_is_still_cancelled() {
    let mut lp = paused_loop();
    let r = lp.run_until_complete(async {
        let t = spawn(std::future::pending::<()>());
        t.cancel();
        t.cancel();
        t.await
    });
    assert!(matches!(r, Err(TaskError::Cancelled(_))));
}

#[test]
fn a_future_whose_drop_panics_is_contained_in_its_task() {
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("drop failed");
        }
    }
    let mut lp = paused_loop();
    let after = lp.run_until_complete(async {
        let t = spawn(async {
            let _bomb = PanicOnDrop;
            std::future::pending::<()>().await
        });
        yield_now().await;
        t.cancel();
        assert!(t.await.unwrap_err().is_cancelled());
        "the loop carried on"
    });
    assert_eq!(after, "the loop carried on");
}

#[test]
fn public_types_are_send_and_sync_where_threads_are_involved() {
    fn send<T: Send>() {}
    fn sync<T: Sync>() {}
    send::<Task<u64>>();
    sync::<Task<u64>>();
    send::<baton::LoopHandle>();
    sync::<baton::LoopHandle>();
    send::<baton::time::Sleep>();
    send::<baton::time::WaitFor<baton::time::Sleep>>();
    send::<baton::task::Gather<baton::time::Sleep>>();
    send::<baton::task::AsCompleted<baton::time::Sleep>>();
    send::<TaskError>();
    send::<baton::event_loop::CallbackHandle>();
}
