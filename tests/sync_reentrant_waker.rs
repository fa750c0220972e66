//! A waker whose `drop` re-enters the primitive it waits on (it owns an `Arc` of it and uses it
//! as it goes away). Each primitive must drop a replaced or forgotten waker after releasing its
//! own lock; dropping it under the lock deadlocked (the hang guard turns that into a failure).

mod common;

use common::{bounded, noop_waker, park_with_reentrant_waker, poll_with};

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use baton::sync::{Barrier, Condition, Event, Lock, Semaphore};

const LIMIT: Duration = Duration::from_secs(5);

/// A flag the re-entering drop sets, so each test also checks that the drop did run.
fn flag() -> (Arc<AtomicBool>, Arc<AtomicBool>) {
    let f = Arc::new(AtomicBool::new(false));
    (f.clone(), f)
}

#[test]
fn lock_waker_replaced_on_repoll_is_dropped_outside_the_lock() {
    bounded(LIMIT, || {
        let lock = Arc::new(Lock::new(0u32));
        let guard = lock.try_lock().unwrap();
        let (ran, seen) = flag();
        let l = lock.clone();
        let mut acquire = lock.lock();
        park_with_reentrant_waker(&mut acquire, move || {
            assert!(l.try_lock().is_none(), "still held by the guard");
            ran.store(true, Ordering::SeqCst);
        });
        // A poll with another waker replaces (drops) the first one.
        assert!(poll_with(&mut acquire, &noop_waker()).is_pending());
        assert!(seen.load(Ordering::SeqCst));
        drop(guard);
        assert!(poll_with(&mut acquire, &noop_waker()).is_ready());
    });
}

#[test]
fn lock_waiter_cancelled_drops_its_waker_outside_the_lock() {
    bounded(LIMIT, || {
        let lock = Arc::new(Lock::new(()));
        let guard = lock.try_lock().unwrap();
        let (ran, seen) = flag();
        let l = lock.clone();
        let mut acquire = lock.lock();
        park_with_reentrant_waker(&mut acquire, move || {
            assert!(l.locked());
            ran.store(true, Ordering::SeqCst);
        });
        drop(acquire);
        assert!(seen.load(Ordering::SeqCst));
        drop(guard);
        assert!(
            lock.try_lock().is_some(),
            "the cancelled waiter took nothing"
        );
    });
}

#[test]
fn semaphore_waiter_cancelled_drops_its_waker_outside_the_lock() {
    bounded(LIMIT, || {
        let sem = Arc::new(Semaphore::new(0));
        let (ran, seen) = flag();
        let s = sem.clone();
        let mut acquire = sem.acquire();
        park_with_reentrant_waker(&mut acquire, move || {
            // Re-enters twice: a release with nobody waiting, then a take.
            s.release();
            s.try_acquire().unwrap().forget();
            ran.store(true, Ordering::SeqCst);
        });
        drop(acquire);
        assert!(seen.load(Ordering::SeqCst));
        assert_eq!(sem.available_permits(), 0);
    });
}

#[test]
fn event_waker_replaced_on_repoll_may_set_the_event() {
    bounded(LIMIT, || {
        let event = Arc::new(Event::new());
        let e = event.clone();
        let mut wait = event.wait();
        park_with_reentrant_waker(&mut wait, move || e.set());
        assert!(poll_with(&mut wait, &noop_waker()).is_pending());
        assert!(event.is_set());
        // The set, from inside the replaced waker's drop, notified this waiter.
        assert_eq!(poll_with(&mut wait, &noop_waker()), Poll::Ready(()));
    });
}

#[test]
fn event_waiter_cancelled_drops_its_waker_outside_the_lock() {
    bounded(LIMIT, || {
        let event = Arc::new(Event::new());
        let e = event.clone();
        let mut wait = event.wait();
        park_with_reentrant_waker(&mut wait, move || e.set());
        drop(wait);
        assert!(event.is_set());
    });
}

#[test]
fn condition_waker_replaced_on_repoll_may_notify() {
    bounded(LIMIT, || {
        let cond = Arc::new(Condition::new(0u32));
        let c = cond.clone();
        let mut wait = cond.wait(cond.try_lock().unwrap());
        park_with_reentrant_waker(&mut wait, move || {
            assert_eq!(c.notify(1), 1);
        });
        // Replacing the waker notifies this waiter, which then re-takes the lock.
        assert!(poll_with(&mut wait, &noop_waker()).is_pending());
        assert_eq!(cond.waiting(), 0);
        let guard = match poll_with(&mut wait, &noop_waker()) {
            Poll::Ready(guard) => guard,
            Poll::Pending => panic!("notified and the lock is free: should be ready"),
        };
        assert_eq!(*guard, 0);
    });
}

#[test]
fn condition_waiter_cancelled_drops_its_waker_outside_the_lock() {
    bounded(LIMIT, || {
        let cond = Arc::new(Condition::new(()));
        let (ran, seen) = flag();
        let c = cond.clone();
        let mut wait = cond.wait(cond.try_lock().unwrap());
        park_with_reentrant_waker(&mut wait, move || {
            assert_eq!(c.waiting(), 0, "the cancelled waiter left first");
            ran.store(true, Ordering::SeqCst);
        });
        drop(wait);
        assert!(seen.load(Ordering::SeqCst));
        assert!(!cond.locked());
    });
}

#[test]
fn barrier_waker_replaced_on_repoll_may_abort_the_barrier() {
    bounded(LIMIT, || {
        let barrier = Arc::new(Barrier::new(2));
        let b = barrier.clone();
        let mut wait = barrier.wait();
        park_with_reentrant_waker(&mut wait, move || b.abort());
        assert!(poll_with(&mut wait, &noop_waker()).is_pending());
        assert!(barrier.is_broken());
        assert!(matches!(
            poll_with(&mut wait, &noop_waker()),
            Poll::Ready(Err(_))
        ));
    });
}

#[test]
fn barrier_waiter_cancelled_drops_its_waker_outside_the_lock() {
    bounded(LIMIT, || {
        let barrier = Arc::new(Barrier::new(2));
        let (ran, seen) = flag();
        let b = barrier.clone();
        let mut wait = barrier.wait();
        park_with_reentrant_waker(&mut wait, move || {
            assert_eq!(b.n_waiting(), 0, "the cancelled waiter no longer counts");
            ran.store(true, Ordering::SeqCst);
        });
        drop(wait);
        assert!(seen.load(Ordering::SeqCst));
    });
}
