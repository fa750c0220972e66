//! A waker whose `drop` re-enters the queue it waits on: the queue must drop a replaced or
//! forgotten waker after releasing its lock (dropping it under the lock deadlocked; the hang
//! guard turns that into a failure).

mod common;

use common::{bounded, noop_waker, park_with_reentrant_waker, poll_with};

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use baton::queue::Queue;

const LIMIT: Duration = Duration::from_secs(5);

#[test]
fn get_waker_replaced_on_repoll_may_put_the_item_it_waits_for() {
    bounded(LIMIT, || {
        let q = Arc::new(Queue::new(0));
        let q2 = q.clone();
        let mut get = q.get();
        park_with_reentrant_waker(&mut get, move || q2.put_nowait(7).unwrap());
        assert!(poll_with(&mut get, &noop_waker()).is_pending());
        assert_eq!(poll_with(&mut get, &noop_waker()), Poll::Ready(Ok(7)));
    });
}

#[test]
fn get_cancelled_drops_its_waker_outside_the_lock() {
    bounded(LIMIT, || {
        let q = Arc::new(Queue::new(0));
        let q2 = q.clone();
        let mut get = q.get();
        park_with_reentrant_waker(&mut get, move || q2.put_nowait(1).unwrap());
        drop(get);
        // The cancelled getter had left: the item stays for the next one.
        assert_eq!(q.get_nowait(), Ok(1));
    });
}

#[test]
fn put_waker_replaced_on_repoll_may_free_the_slot_it_waits_for() {
    bounded(LIMIT, || {
        let q = Arc::new(Queue::new(1));
        q.put_nowait(1).unwrap();
        let q2 = q.clone();
        let mut put = q.put(2);
        park_with_reentrant_waker(&mut put, move || assert_eq!(q2.get_nowait(), Ok(1)));
        assert!(poll_with(&mut put, &noop_waker()).is_pending());
        assert_eq!(poll_with(&mut put, &noop_waker()), Poll::Ready(Ok(())));
        assert_eq!(q.get_nowait(), Ok(2));
    });
}

#[test]
fn put_cancelled_drops_its_waker_outside_the_lock() {
    bounded(LIMIT, || {
        let q = Arc::new(Queue::new(1));
        q.put_nowait(1).unwrap();
        let q2 = q.clone();
        let mut put = q.put(2);
        park_with_reentrant_waker(&mut put, move || assert_eq!(q2.get_nowait(), Ok(1)));
        drop(put);
        assert!(q.empty(), "the cancelled put inserted nothing");
    });
}

#[test]
fn join_waker_replaced_on_repoll_may_finish_the_work() {
    bounded(LIMIT, || {
        let q = Arc::new(Queue::new(0));
        q.put_nowait(1).unwrap();
        assert_eq!(q.get_nowait(), Ok(1));
        let q2 = q.clone();
        let mut join = q.join();
        park_with_reentrant_waker(&mut join, move || q2.task_done().unwrap());
        assert!(poll_with(&mut join, &noop_waker()).is_pending());
        assert_eq!(poll_with(&mut join, &noop_waker()), Poll::Ready(()));
    });
}

#[test]
fn join_cancelled_drops_its_waker_outside_the_lock() {
    bounded(LIMIT, || {
        let q = Arc::new(Queue::new(0));
        q.put_nowait(1).unwrap();
        let ran = Arc::new(AtomicBool::new(false));
        let (q2, r) = (q.clone(), ran.clone());
        let mut join = q.join();
        park_with_reentrant_waker(&mut join, move || {
            assert_eq!(q2.unfinished_tasks(), 1);
            r.store(true, Ordering::SeqCst);
        });
        drop(join);
        assert!(ran.load(Ordering::SeqCst));
    });
}
