//! Promise: several awaiters, callbacks scheduled on the loop, cancellation.

mod common;

use baton::channel::Cancelled;
use baton::{sleep, spawn, yield_now, Promise};
use common::paused_loop;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[test]
fn several_tasks_await_one_promise() {
    let mut lp = paused_loop();
    let start = lp.time();
    lp.run_until_complete(async {
        let p = Promise::new();
        let waiters: Vec<_> = (0..5)
            .map(|_| {
                let p = p.clone();
                spawn(async move { p.wait().await })
            })
            .collect();
        sleep(Duration::from_secs(2)).await;
        assert!(waiters.iter().all(|w| !w.done()));
        p.set_result(String::from("value")).unwrap();
        for w in waiters {
            assert_eq!(w.await.unwrap().as_deref(), Ok("value"));
        }
        assert_eq!(p.wait().await.as_deref(), Ok("value"));
    });
    assert_eq!(lp.time() - start, Duration::from_secs(2));
}

#[test]
fn cancelling_a_promise_wakes_every_awaiter_with_cancelled() {
    paused_loop().run_until_complete(async {
        let p = Promise::<u32>::new();
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let p = p.clone();
                spawn(async move { p.wait().await })
            })
            .collect();
        yield_now().await;
        assert!(p.cancel());
        assert!(!p.cancel());
        assert!(p.done() && p.cancelled());
        assert_eq!(p.set_result(1), Err(1));
        for w in waiters {
            assert_eq!(w.await.unwrap(), Err(Cancelled));
        }
    });
}

#[test]
fn a_cancelled_awaiter_does_not_disturb_the_others() {
    paused_loop().run_until_complete(async {
        let p = Promise::new();
        let (p1, p2) = (p.clone(), p.clone());
        let a = spawn(async move { p1.wait().await });
        let b = spawn(async move { p2.wait().await });
        yield_now().await;
        a.cancel();
        yield_now().await;
        p.set_result(9).unwrap();
        assert!(a.await.unwrap_err().is_cancelled());
        assert_eq!(b.await.unwrap(), Ok(9));
    });
}

#[test]
fn callbacks_run_once_on_the_loop_in_the_order_added() {
    paused_loop().run_until_complete(async {
        let log = Arc::new(Mutex::new(Vec::new()));
        let p = Promise::new();
        for name in ["first", "second"] {
            let log = log.clone();
            p.add_done_callback(move |p| {
                log.lock().unwrap().push((name, p.result()));
            });
        }
        p.set_result(5).unwrap();
        assert!(log.lock().unwrap().is_empty()); // scheduled, not run inside set_result
        yield_now().await;
        assert_eq!(
            *log.lock().unwrap(),
            [("first", Some(Ok(5))), ("second", Some(Ok(5)))]
        );
        // Added after completion: scheduled at once, not run inside the call.
        let l = log.clone();
        p.add_done_callback(move |_| l.lock().unwrap().push(("late", None)));
        assert_eq!(log.lock().unwrap().len(), 2);
        yield_now().await;
        assert_eq!(log.lock().unwrap().len(), 3);
        assert!(!p.cancel()); // nothing runs again
        yield_now().await;
        assert_eq!(log.lock().unwrap().len(), 3);
    });
}

#[test]
fn callbacks_run_on_cancellation_too() {
    paused_loop().run_until_complete(async {
        let seen = Arc::new(Mutex::new(None));
        let p = Promise::<u8>::new();
        let s = seen.clone();
        p.add_done_callback(move |p| *s.lock().unwrap() = Some(p.cancelled()));
        p.cancel();
        yield_now().await;
        assert_eq!(*seen.lock().unwrap(), Some(true));
    });
}
