//! What `Task::cancel()` does to a task waiting on each `baton::sync` primitive: one test per
//! row of the table in `src/sync/mod.rs`.

mod common;

use common::{run_paused as run, settle};

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use baton::sync::{Barrier, BoundedSemaphore, Condition, Event, Lock, ReleaseError, Semaphore};
use baton::{spawn, wait_for};

type Log = Rc<RefCell<Vec<&'static str>>>;

#[test]
fn lock_waiter_cancelled_wakes_next() {
    run(|| async {
        let lock = Rc::new(Lock::new(()));
        let log: Log = Rc::default();
        let guard = lock.lock().await;
        let (l, g) = (lock.clone(), log.clone());
        let b = spawn(async move {
            let _g = l.lock().await;
            g.borrow_mut().push("b");
        });
        let (l, g) = (lock.clone(), log.clone());
        let c = spawn(async move {
            let _g = l.lock().await;
            g.borrow_mut().push("c");
        });
        settle().await;
        b.cancel();
        settle().await;
        drop(guard);
        c.await.unwrap();
        assert!(b.cancelled());
        assert_eq!(*log.borrow(), ["c"]);
        assert!(!lock.locked());
        assert!(lock.try_lock().is_some());
    });
}

#[test]
fn lock_handed_over_then_cancelled_passes_on() {
    run(|| async {
        let lock = Rc::new(Lock::new(0));
        let guard = lock.lock().await;
        let l = lock.clone();
        let b = spawn(async move {
            *l.lock().await += 1;
        });
        let l = lock.clone();
        let c = spawn(async move {
            *l.lock().await += 10;
        });
        settle().await;
        // The release hands the lock to B (it stays locked) and wakes B; B is cancelled before
        // it runs, so it never sees the lock: its future's drop must pass it on to C.
        drop(guard);
        assert!(lock.locked(), "the lock went straight to the oldest waiter");
        b.cancel();
        c.await.unwrap();
        assert!(b.await.is_err());
        assert_eq!(*lock.lock().await, 10);
    });
}

#[test]
fn lock_handed_over_then_cancelled_with_nobody_next_unlocks() {
    run(|| async {
        let lock = Rc::new(Lock::new(()));
        let guard = lock.lock().await;
        let l = lock.clone();
        let b = spawn(async move {
            let _g = l.lock().await;
        });
        settle().await;
        drop(guard);
        b.cancel();
        settle().await;
        assert!(!lock.locked());
    });
}

#[test]
fn lock_holder_cancelled_unlocks() {
    run(|| async {
        let lock = Rc::new(Lock::new(()));
        let l = lock.clone();
        let holder = spawn(async move {
            let _g = l.lock().await;
            baton::sleep(Duration::from_secs(3600)).await;
        });
        settle().await;
        assert!(lock.locked());
        holder.cancel();
        settle().await;
        assert!(!lock.locked());
    });
}

#[test]
fn lock_wait_timed_out_by_wait_for_leaves_the_queue() {
    run(|| async {
        let lock = Rc::new(Lock::new(()));
        let guard = lock.lock().await;
        let timed_out = wait_for(Duration::from_secs(1), lock.lock()).await;
        assert!(timed_out.is_err());
        drop(guard);
        assert!(lock.try_lock().is_some());
    });
}

#[test]
fn event_waiter_cancelled_others_still_woken() {
    run(|| async {
        let ev = Rc::new(Event::new());
        let woken = Rc::new(Cell::new(0));
        let mut tasks = Vec::new();
        for _ in 0..3 {
            let (e, w) = (ev.clone(), woken.clone());
            tasks.push(spawn(async move {
                e.wait().await;
                w.set(w.get() + 1);
            }));
        }
        settle().await;
        tasks[1].cancel();
        settle().await;
        ev.set();
        settle().await;
        assert_eq!(woken.get(), 2);
        assert!(ev.is_set());
        assert!(tasks[1].cancelled());
    });
}

#[test]
fn condition_wait_cancelled_holds_nothing() {
    run(|| async {
        let cond = Rc::new(Condition::new(0));
        let c = cond.clone();
        let waiter = spawn(async move {
            let g = c.lock().await;
            let _g = c.wait(g).await;
            unreachable!("never notified");
        });
        settle().await;
        assert!(!cond.locked(), "wait released the lock");
        assert_eq!(cond.waiting(), 1);
        waiter.cancel();
        settle().await;
        assert_eq!(cond.waiting(), 0);
        assert!(
            !cond.locked(),
            "a cancelled wait does not take the lock back"
        );
        assert_eq!(cond.notify(1), 0, "nobody left to notify");
        assert!(cond.try_lock().is_some());
    });
}

#[test]
fn condition_notify_one_to_cancelled_passes_on() {
    run(|| async {
        let cond = Rc::new(Condition::new(()));
        let log: Log = Rc::default();
        let mut tasks = Vec::new();
        for name in ["b", "c"] {
            let (c, l) = (cond.clone(), log.clone());
            tasks.push(spawn(async move {
                let g = c.lock().await;
                let _g = c.wait(g).await;
                l.borrow_mut().push(name);
            }));
        }
        settle().await;
        assert_eq!(cond.waiting(), 2);
        assert_eq!(cond.notify(1), 1); // to B, the oldest
        tasks[0].cancel(); // before B ran: the notification must reach C
        let c = tasks.pop().unwrap();
        assert!(wait_for(Duration::from_secs(1), c).await.is_ok());
        assert_eq!(*log.borrow(), ["c"]);
        assert!(!cond.locked());
    });
}

#[test]
fn condition_cancelled_while_relocking_passes_lock_on() {
    run(|| async {
        let cond = Rc::new(Condition::new(0));
        let c = cond.clone();
        let b = spawn(async move {
            let g = c.lock().await;
            let mut g = c.wait(g).await;
            *g += 1;
        });
        settle().await;
        let guard = cond.lock().await;
        cond.notify(1);
        settle().await; // B saw the notification and now queues for the lock
        let c = cond.clone();
        let next = spawn(async move {
            *c.lock().await += 10;
        });
        settle().await;
        drop(guard); // hands the lock to B...
        b.cancel(); // ...which is dropped before it sees it
        next.await.unwrap();
        assert_eq!(*cond.lock().await, 10);
    });
}

#[test]
fn semaphore_waiter_cancelled_leaks_no_permit() {
    run(|| async {
        let sem = Rc::new(Semaphore::new(1));
        let permit = sem.acquire().await;
        let s = sem.clone();
        let b = spawn(async move {
            let _p = s.acquire().await;
        });
        let s = sem.clone();
        let c = spawn(async move {
            let _p = s.acquire().await;
            7
        });
        settle().await;
        b.cancel();
        settle().await;
        drop(permit);
        assert_eq!(c.await.unwrap(), 7);
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn semaphore_handed_over_then_cancelled_passes_on() {
    run(|| async {
        let sem = Rc::new(Semaphore::new(1));
        let permit = sem.acquire().await;
        let s = sem.clone();
        let b = spawn(async move {
            s.acquire().await.forget();
        });
        let s = sem.clone();
        let c = spawn(async move {
            let _p = s.acquire().await;
        });
        settle().await;
        drop(permit);
        assert_eq!(sem.available_permits(), 0, "handed to B, not to the pool");
        b.cancel();
        c.await.unwrap();
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn bounded_semaphore_cancelled_waiter_keeps_bound() {
    run(|| async {
        let sem = Rc::new(BoundedSemaphore::new(1));
        let permit = sem.acquire().await;
        let s = sem.clone();
        let b = spawn(async move {
            s.acquire().await.forget();
        });
        settle().await;
        drop(permit); // handed to B
        b.cancel(); // B never sees it: back to the pool
        settle().await;
        assert_eq!(sem.available_permits(), 1);
        assert_eq!(sem.release(), Err(ReleaseError::TooManyReleases));
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn bounded_semaphore_handed_over_then_cancelled_passes_on_within_bound() {
    run(|| async {
        let sem = Rc::new(BoundedSemaphore::new(1));
        sem.acquire().await.forget();
        let s = sem.clone();
        let b = spawn(async move { s.acquire().await.forget() });
        let s = sem.clone();
        let c = spawn(async move { s.acquire().await.forget() });
        settle().await;
        assert_eq!(sem.release(), Ok(())); // handed to B
        b.cancel(); // B never sees it: its drop passes it on to C
        assert_eq!(sem.release(), Err(ReleaseError::TooManyReleases));
        settle().await;
        assert!(b.cancelled());
        c.await.unwrap();
        assert_eq!(sem.available_permits(), 0, "C holds the one permit");
        assert_eq!(sem.release(), Ok(()));
        assert_eq!(sem.release(), Err(ReleaseError::TooManyReleases));
    });
}

#[test]
fn barrier_waiter_cancelled_no_longer_counts() {
    run(|| async {
        let barrier = Rc::new(Barrier::new(2));
        let b = barrier.clone();
        let early = spawn(async move { b.wait().await });
        settle().await;
        assert_eq!(barrier.n_waiting(), 1);
        early.cancel();
        settle().await;
        assert_eq!(barrier.n_waiting(), 0);
        let b = barrier.clone();
        let one = spawn(async move { b.wait().await });
        settle().await;
        assert!(
            !one.done(),
            "one arrival is not enough once the cancelled one left"
        );
        let two = barrier.wait().await.unwrap();
        let one = one.await.unwrap().unwrap();
        let mut indices = [one, two];
        indices.sort();
        assert_eq!(indices, [0, 1]);
        assert!(!barrier.is_broken());
    });
}
