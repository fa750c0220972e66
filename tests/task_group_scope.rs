//! TaskGroup as asyncio's `async with TaskGroup() as tg:` block: the scoped form whose body is
//! cancelled when a child fails, children spawning siblings while the group is joined, and
//! spawning into a finished group. Mirrors CPython's `Lib/test/test_asyncio/test_taskgroups.py`.

mod common;

use baton::task::TaskGroupHandle;
use baton::{sleep, spawn, wait_for, yield_now, EventLoop, TaskGroup};
use common::{bounded, paused_loop, DropCounter};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

/// Runs `test` on a paused-clock loop, failing it if it takes over 10 s of real time.
fn on_paused_loop(test: impl FnOnce(&mut EventLoop) + Send + 'static) {
    bounded(Duration::from_secs(10), move || test(&mut paused_loop()));
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

// test_taskgroup_01: the body ends, then the scope waits for every child.
#[test]
fn the_scope_waits_for_the_children_after_the_body_finishes() {
    on_paused_loop(|lp| {
        let start = lp.time();
        let (t1, t2) = lp
            .run_until_complete(TaskGroup::new().scope(|tg| async move {
                let t1 = tg.spawn(async {
                    sleep(ms(100)).await;
                    42
                });
                let t2 = tg.spawn(async {
                    sleep(ms(200)).await;
                    11
                });
                (t1, t2)
            }))
            .unwrap();
        assert_eq!(lp.time() - start, ms(200));
        assert!(t1.done() && t2.done());
        assert_eq!(lp.run_until_complete(t1).unwrap(), 42);
        assert_eq!(lp.run_until_complete(t2).unwrap(), 11);
    });
}

// test_taskgroup_02: the body runs concurrently with the children and may spawn after awaiting.
#[test]
fn the_body_runs_alongside_the_children_and_may_spawn_later() {
    on_paused_loop(|lp| {
        let start = lp.time();
        let total = lp.run_until_complete(async {
            let (t1, t2) = TaskGroup::new()
                .scope(|tg| async move {
                    let t1 = tg.spawn(async {
                        sleep(ms(100)).await;
                        42
                    });
                    sleep(ms(150)).await;
                    assert!(t1.done(), "the child ran while the body slept");
                    let t2 = tg.spawn(async {
                        sleep(ms(200)).await;
                        11
                    });
                    (t1, t2)
                })
                .await
                .unwrap();
            t1.await.unwrap() + t2.await.unwrap()
        });
        assert_eq!(total, 53);
        assert_eq!(lp.time() - start, ms(350));
    });
}

// test_cancel_children_on_child_error: a failing child cancels the body and the other children;
// nothing after the body's await runs.
#[test]
fn a_child_failure_cancels_the_body_and_the_other_children() {
    on_paused_loop(|lp| {
        let start = lp.time();
        let drops = DropCounter::default();
        let (body_token, sibling_token) = (drops.token(), drops.token());
        let body_went_on = Rc::new(Cell::new(false));
        let went_on = body_went_on.clone();
        let (err, sibling) = lp.run_until_complete(async move {
            let sibling = Rc::new(RefCell::new(None));
            let sibling_slot = sibling.clone();
            let err = TaskGroup::new()
                .scope(|tg| async move {
                    let _token = body_token;
                    tg.spawn(async {
                        sleep(ms(100)).await;
                        panic!("division by zero");
                    });
                    *sibling_slot.borrow_mut() = Some(tg.spawn(async move {
                        let _token = sibling_token;
                        sleep(Duration::from_secs(5)).await;
                    }));
                    sleep(Duration::from_secs(10)).await;
                    went_on.set(true);
                })
                .await
                .unwrap_err();
            let sibling = sibling.borrow_mut().take().unwrap();
            (err, sibling)
        });
        assert_eq!(lp.time() - start, ms(100), "nobody waited for the sleepers");
        assert_eq!(err.errors().len(), 1);
        assert!(err.to_string().contains("division by zero"), "{err}");
        assert_eq!(drops.count(), 2, "the body and the sibling were dropped");
        assert!(!body_went_on.get());
        assert!(sibling.cancelled());
    });
}

// A child failing after the body has finished still fails the scope; the body's output is lost.
#[test]
fn a_child_failing_after_the_body_finished_fails_the_scope() {
    on_paused_loop(|lp| {
        let r = lp.run_until_complete(TaskGroup::<&'static str>::fallible().scope(
            |tg| async move {
                tg.try_spawn(async {
                    sleep(Duration::from_secs(1)).await;
                    Err::<(), _>("late failure")
                });
                "body output"
            },
        ));
        let err = r.unwrap_err();
        assert_eq!(
            err.to_string(),
            "1 child of the task group failed: task failed: late failure"
        );
    });
}

// The body runs inline, so it may borrow the caller's locals.
#[test]
fn the_body_may_borrow_locals() {
    on_paused_loop(|lp| {
        let mut log = Vec::new();
        let log_ref = &mut log;
        let n = lp
            .run_until_complete(TaskGroup::new().scope(|tg| async move {
                log_ref.push("body starts");
                let child = tg.spawn(async { 7 });
                log_ref.push("body ends");
                child.id()
            }))
            .unwrap();
        assert_eq!(log, ["body starts", "body ends"]);
        assert!(n.as_u64() > 0);
    });
}

// Dropping the scope future (here: a time-out) drops the body and cancels the children.
#[test]
fn dropping_the_scope_drops_the_body_and_cancels_the_children() {
    on_paused_loop(|lp| {
        let drops = DropCounter::default();
        let (body_token, child_token) = (drops.token(), drops.token());
        let child = Rc::new(RefCell::new(None));
        let child_slot = child.clone();
        let counter = drops.clone();
        lp.run_until_complete(async move {
            let scope = TaskGroup::new().scope(|tg| async move {
                let _token = body_token;
                *child_slot.borrow_mut() = Some(tg.spawn(async move {
                    let _token = child_token;
                    sleep(Duration::from_secs(10)).await;
                }));
                sleep(Duration::from_secs(10)).await;
            });
            assert!(wait_for(Duration::from_secs(1), scope).await.is_err());
            assert_eq!(counter.count(), 1, "the body went with the scope");
            yield_now().await;
        });
        assert_eq!(drops.count(), 2, "the child was cancelled");
        assert!(child.borrow().as_ref().unwrap().cancelled());
    });
}

// test_taskgroup_09 in Rust terms: a panicking body unwinds out of the scope, whose drop cancels
// the children.
#[test]
fn a_panicking_body_cancels_the_children() {
    on_paused_loop(|lp| {
        let drops = DropCounter::default();
        let token = drops.token();
        let outer = lp.run_until_complete(async move {
            let outer = spawn(TaskGroup::new().scope(|tg| async move {
                tg.spawn(async move {
                    let _token = token;
                    sleep(Duration::from_secs(1)).await;
                });
                sleep(ms(100)).await;
                panic!("body failed");
            }));
            sleep(ms(200)).await;
            outer.handle()
        });
        assert!(outer.panicked());
        assert_eq!(
            drops.count(),
            1,
            "the child was cancelled, not run to its end"
        );
    });
}

// test_taskgroup_03: a child cancelled by hand does not fail the group.
#[test]
fn a_child_cancelled_by_hand_does_not_fail_the_scope() {
    on_paused_loop(|lp| {
        let (t1, t2) = lp.run_until_complete(async {
            let (t1, t2) = TaskGroup::new()
                .scope(|tg| async move {
                    let t1 = tg.spawn(async {
                        sleep(Duration::from_secs(1)).await;
                        42
                    });
                    sleep(ms(150)).await;
                    t1.cancel();
                    let t2 = tg.spawn(async {
                        sleep(ms(200)).await;
                        11
                    });
                    (t1, t2)
                })
                .await
                .unwrap();
            (t1.await, t2.await)
        });
        assert!(t1.unwrap_err().is_cancelled());
        assert_eq!(t2.unwrap(), 11);
    });
}

// test_taskgroup_24: a child spawns siblings into its own group while the group is joined.
#[test]
fn join_waits_for_children_spawned_by_children_meanwhile() {
    on_paused_loop(|lp| {
        let start = lp.time();
        let finished = Rc::new(Cell::new(0));
        let done = finished.clone();
        lp.run_until_complete(async move {
            let tg = TaskGroup::new();
            let handle = tg.handle();
            tg.spawn(async move {
                sleep(ms(100)).await;
                for delay in [100, 200] {
                    let done = done.clone();
                    handle.spawn(async move {
                        sleep(ms(delay)).await;
                        done.set(done.get() + 1);
                    });
                }
            });
            tg.join().await.unwrap();
        });
        assert_eq!(finished.get(), 2, "join waited for both late siblings");
        assert_eq!(lp.time() - start, ms(300));
    });
}

/// test_taskgroup_25's hydra: each head grows two more; a sibling fails once there are ten.
fn hydra(tg: TaskGroupHandle, heads: Rc<Cell<u32>>) {
    let group = tg.clone();
    tg.spawn(async move {
        heads.set(heads.get() + 1);
        sleep(ms(10)).await;
        hydra(group.clone(), heads.clone());
        hydra(group, heads);
    });
}

// test_taskgroup_25: children keep spawning siblings until one fails; the failure cancels them
// all (also those spawned into the failing group) and the group stops.
#[test]
fn siblings_spawned_into_a_failing_group_are_cancelled_and_the_group_stops() {
    on_paused_loop(|lp| {
        let heads = Rc::new(Cell::new(0));
        let counted = heads.clone();
        let err = lp.run_until_complete(async move {
            TaskGroup::new()
                .scope(|tg| async move {
                    hydra(tg.clone(), counted.clone());
                    tg.spawn(async move {
                        while counted.get() < 10 {
                            sleep(ms(15)).await;
                        }
                        panic!("hercules");
                    });
                })
                .await
                .unwrap_err()
        });
        assert_eq!(err.errors().len(), 1);
        assert!(err.to_string().contains("hercules"));
        assert!(heads.get() >= 10);
    });
}

// asyncio: `create_task` on a group whose `async with` has exited raises
// RuntimeError("TaskGroup ... is finished").
#[test]
fn spawning_into_a_group_whose_join_returned_panics_with_a_clear_message() {
    on_paused_loop(|lp| {
        let handle = lp.run_until_complete(async {
            let tg = TaskGroup::new();
            let handle = tg.handle();
            tg.spawn(async {});
            tg.join().await.unwrap();
            handle
        });
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            lp.run_until_complete(async {
                handle.spawn(async {});
            })
        }));
        let message = common::panic_message(caught.unwrap_err());
        assert!(message.contains("TaskGroup is finished"), "{message}");
    });
}

#[test]
fn spawning_into_a_finished_scope_panics_with_a_clear_message() {
    on_paused_loop(|lp| {
        let handle = lp
            .run_until_complete(TaskGroup::new().scope(|tg| async move { tg }))
            .unwrap();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            lp.run_until_complete(async {
                handle.spawn(async {});
            })
        }));
        let message = common::panic_message(caught.unwrap_err());
        assert!(message.contains("TaskGroup is finished"), "{message}");
    });
}

// A handle that outlives an unjoined, dropped group cannot start a child that nobody would
// wait for or cancel: the child is cancelled at once, as in a failing group.
#[test]
fn a_child_spawned_through_a_handle_after_the_group_was_dropped_is_cancelled() {
    on_paused_loop(|lp| {
        lp.run_until_complete(async {
            let tg = TaskGroup::new();
            let handle = tg.handle();
            drop(tg);
            let late = handle.spawn(sleep(Duration::from_secs(60)));
            assert!(late.await.unwrap_err().is_cancelled());
        });
    });
}

#[test]
fn a_fallible_scope_reports_the_error_of_a_child() {
    on_paused_loop(|lp| {
        let r = lp.run_until_complete(TaskGroup::<String>::fallible().scope(|tg| async move {
            let ok = tg.try_spawn(async { Ok(1) });
            tg.try_spawn(async {
                sleep(ms(10)).await;
                Err::<(), _>("no disk".to_string())
            });
            sleep(Duration::from_secs(1)).await;
            ok.id()
        }));
        let err = r.unwrap_err();
        assert_eq!(
            err.to_string(),
            "1 child of the task group failed: task failed: no disk"
        );
    });
}

#[test]
fn a_scope_with_no_children_returns_the_body_output_at_once() {
    on_paused_loop(|lp| {
        let r = lp.run_until_complete(TaskGroup::new().scope(|_tg| async { 5 }));
        assert_eq!(r.unwrap(), 5);
    });
}
