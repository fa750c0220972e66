//! Structured concurrency and task introspection: TaskGroup, wait, shield, current_task,
//! all_tasks, add_done_callback, timeout.

mod common;

use baton::task::ChildError;
use baton::{
    all_tasks, current_task, shield, sleep, spawn, timeout, timeout_at, wait, wait_for, yield_now,
    ReturnWhen, TaskGroup, TimeoutError,
};
use common::{paused_loop, DropCounter};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

#[test]
fn the_issue_snippet_task_group_part() {
    let mut lp = paused_loop();
    let start = lp.time();
    lp.run_until_complete(async {
        // structured concurrency: join waits for every child; a failing child cancels the rest
        let tg = TaskGroup::new();
        tg.spawn(async { sleep(Duration::from_millis(10)).await });
        tg.spawn(async { panic!("child failed") });
        tg.spawn(async { sleep(Duration::from_secs(3600)).await }); // cancelled, not waited for
        let err = tg.join().await.unwrap_err(); // Result<(), TaskGroupError>; carries the child's panic
        println!("{err}");
        assert_eq!(err.errors().len(), 1);
        assert!(err.to_string().contains("child failed"));
    });
    assert!(
        lp.time() - start < Duration::from_secs(1),
        "the hour-long child was not waited for"
    );
}

#[test]
fn a_panicking_child_cancels_sleeping_siblings_and_their_drops_run() {
    let mut lp = paused_loop();
    let drops = DropCounter::default();
    let (t1, t2) = (drops.token(), drops.token());
    let (s1, s2, err) = lp.run_until_complete(async move {
        let tg = TaskGroup::new();
        let s1 = tg.spawn(async move {
            let _t = t1;
            sleep(Duration::from_secs(100)).await;
        });
        let s2 = tg.spawn(async move {
            let _t = t2;
            sleep(Duration::from_secs(200)).await;
        });
        tg.spawn(async {
            sleep(Duration::from_secs(1)).await;
            panic!("disk on fire");
        });
        let err = tg.join().await.unwrap_err();
        (s1, s2, err)
    });
    assert_eq!(drops.count(), 2, "both siblings' futures were dropped");
    assert!(s1.cancelled() && s2.cancelled());
    let (_, error) = err.into_errors().remove(0);
    match error {
        ChildError::Panicked(payload) => {
            assert_eq!(payload.downcast_ref::<&str>(), Some(&"disk on fire"))
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn join_waits_for_every_child_and_gives_their_results() {
    let mut lp = paused_loop();
    let start = lp.time();
    let total = lp.run_until_complete(async {
        let tg = TaskGroup::new();
        let tasks: Vec<_> = (1..=3u64)
            .map(|i| {
                tg.spawn(async move {
                    sleep(Duration::from_secs(i)).await;
                    i
                })
            })
            .collect();
        tg.join().await.unwrap();
        let mut total = 0;
        for t in tasks {
            assert!(t.done());
            total += t.await.unwrap();
        }
        total
    });
    assert_eq!(total, 6);
    assert_eq!(lp.time() - start, Duration::from_secs(3));
}

#[test]
fn a_fallible_child_returning_err_fails_the_group_and_cancels_the_rest() {
    let mut lp = paused_loop();
    let err = lp.run_until_complete(async {
        let tg = TaskGroup::<String>::fallible();
        tg.try_spawn(async { Err::<(), _>("first".to_string()) });
        // Queued behind the first: cancelled before it runs, as asyncio's group would.
        let second = tg.try_spawn(async { Err::<(), _>("second".to_string()) });
        let never = tg.try_spawn(async {
            sleep(Duration::from_secs(60)).await;
            Ok(())
        });
        let err = tg.join().await.unwrap_err();
        assert!(never.await.unwrap_err().is_cancelled());
        assert!(second.await.unwrap_err().is_cancelled());
        err
    });
    let messages: Vec<String> = err.errors().iter().map(|(_, e)| e.to_string()).collect();
    assert_eq!(messages, ["task failed: first"]);
    assert_eq!(
        err.to_string(),
        "1 child of the task group failed: task failed: first"
    );
}

#[test]
fn dropping_a_group_without_joining_cancels_its_children() {
    let mut lp = paused_loop();
    let drops = DropCounter::default();
    let token = drops.token();
    let child = lp.run_until_complete(async move {
        let tg = TaskGroup::new();
        let child = tg.spawn(async move {
            let _token = token;
            sleep(Duration::from_secs(60)).await;
        });
        drop(tg);
        yield_now().await;
        child.handle()
    });
    assert!(child.cancelled());
    assert_eq!(drops.count(), 1);
}

#[test]
fn a_join_that_times_out_cancels_the_children() {
    let mut lp = paused_loop();
    let child = lp.run_until_complete(async {
        let tg = TaskGroup::new();
        let child = tg.spawn(sleep(Duration::from_secs(60)));
        assert!(matches!(
            wait_for(Duration::from_secs(1), tg.join()).await,
            Err(TimeoutError)
        ));
        yield_now().await;
        child.handle()
    });
    assert!(child.cancelled());
}

#[test]
fn a_child_spawned_into_a_failing_group_is_cancelled() {
    let mut lp = paused_loop();
    lp.run_until_complete(async {
        let tg = TaskGroup::new();
        tg.spawn(async { panic!("fail") });
        yield_now().await;
        let late = tg.spawn(async { 1 });
        assert!(tg.join().await.is_err());
        assert!(late.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn wait_first_completed_returns_the_first_and_leaves_the_rest_running() {
    let mut lp = paused_loop();
    let start = lp.time();
    lp.run_until_complete(async {
        let tasks: Vec<_> = [3u64, 1, 2]
            .into_iter()
            .map(|s| {
                spawn(async move {
                    sleep(Duration::from_secs(s)).await;
                    s
                })
            })
            .collect();
        let (done, pending) = wait(tasks, ReturnWhen::FirstCompleted, None).await;
        assert_eq!(done.len(), 1);
        assert_eq!(pending.len(), 2);
        for t in done {
            assert_eq!(t.await.unwrap(), 1);
        }
        let (done, pending) = wait(pending, ReturnWhen::AllCompleted, None).await;
        assert_eq!((done.len(), pending.len()), (2, 0));
    });
    assert_eq!(lp.time() - start, Duration::from_secs(3));
}

#[test]
fn wait_first_exception_returns_at_the_first_panic() {
    let mut lp = paused_loop();
    let start = lp.time();
    lp.run_until_complete(async {
        let ok = spawn(async { sleep(Duration::from_secs(1)).await });
        let bad = spawn(async {
            sleep(Duration::from_secs(2)).await;
            panic!("bad");
        });
        let slow = spawn(async { sleep(Duration::from_secs(10)).await });
        let (done, pending) = wait(vec![ok, bad, slow], ReturnWhen::FirstException, None).await;
        assert_eq!((done.len(), pending.len()), (2, 1));
        assert!(done.iter().any(|t| t.panicked()));
    });
    assert_eq!(lp.time() - start, Duration::from_secs(2));
}

#[test]
fn wait_with_a_timeout_returns_what_is_done_by_then() {
    let mut lp = paused_loop();
    let start = lp.time();
    lp.run_until_complete(async {
        let tasks = vec![
            spawn(async { sleep(Duration::from_secs(1)).await }),
            spawn(async { sleep(Duration::from_secs(10)).await }),
        ];
        let (done, pending) = wait(
            tasks,
            ReturnWhen::AllCompleted,
            Some(Duration::from_secs(5)),
        )
        .await;
        assert_eq!((done.len(), pending.len()), (1, 1));
        assert!(!pending[0].done(), "wait cancels nothing");
    });
    assert_eq!(lp.time() - start, Duration::from_secs(5));
}

#[test]
fn shield_keeps_work_running_when_the_waiter_gives_up() {
    let mut lp = paused_loop();
    let finished = Rc::new(Cell::new(false));
    let f = finished.clone();
    lp.run_until_complete(async move {
        let work = shield(async move {
            sleep(Duration::from_secs(3)).await;
            f.set(true);
        });
        assert!(timeout(Duration::from_secs(1), work).await.is_err());
        sleep(Duration::from_secs(3)).await;
    });
    assert!(finished.get());
}

#[test]
fn timeout_at_uses_the_loop_clock() {
    let mut lp = paused_loop();
    let deadline = lp.time() + Duration::from_secs(2);
    let r = lp.run_until_complete(timeout_at(deadline, sleep(Duration::from_secs(3))));
    assert_eq!(r, Err(TimeoutError));
    assert_eq!(lp.time(), deadline);
}

#[test]
fn current_task_and_all_tasks_describe_the_running_loop() {
    let mut lp = paused_loop();
    lp.run_until_complete(async {
        assert!(current_task().is_none(), "the main future is not a task");
        let t = spawn(async { current_task().unwrap().id() });
        let blocked = spawn(std::future::pending::<()>());
        let ids: Vec<_> = all_tasks().iter().map(|h| h.id()).collect();
        assert_eq!(ids, [t.id(), blocked.id()]);
        let id = t.id();
        assert_eq!(t.await.unwrap(), id);
        assert_eq!(all_tasks(), vec![blocked.handle()]);
        blocked.cancel();
        let _ = blocked.await;
        assert!(all_tasks().is_empty());
    });
}

#[test]
fn done_callbacks_run_after_completion_cancellation_and_for_done_tasks() {
    let mut lp = paused_loop();
    let log = Rc::new(RefCell::new(Vec::new()));
    lp.run_until_complete({
        let log = log.clone();
        async move {
            let quick = spawn(async { sleep(Duration::from_secs(1)).await });
            let l = log.clone();
            quick.add_done_callback(move |t| l.borrow_mut().push(("quick", t.cancelled())));
            let doomed = spawn(std::future::pending::<()>());
            let l = log.clone();
            doomed.add_done_callback(move |t| l.borrow_mut().push(("doomed", t.cancelled())));
            doomed.cancel();
            let _ = doomed.await;
            quick.await.unwrap();
            let done = spawn(async {});
            yield_now().await;
            let l = log.clone();
            done.add_done_callback(move |t| l.borrow_mut().push(("done", t.done())));
            yield_now().await;
        }
    });
    assert_eq!(
        *log.borrow(),
        [("doomed", true), ("quick", false), ("done", true)]
    );
}

#[test]
fn add_done_callback_on_another_loop_panics_with_a_clear_message() {
    let a = paused_loop();
    let t = a.spawn(async {});
    let mut b = paused_loop();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        b.run_until_complete(async { t.add_done_callback(|_| {}) })
    }));
    let message = common::panic_message(caught.unwrap_err());
    assert!(message.contains("task's own event loop"), "{message}");
}
