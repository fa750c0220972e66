//! A waker whose `drop` re-enters the channel it waits on (it owns a sender or a handle and uses
//! it as it goes away): every channel must drop a replaced or forgotten waker after releasing its
//! lock. Dropping it under the lock deadlocked; the hang guard turns that into a failure.

mod common;

use common::{bounded, noop_waker, park_with_reentrant_waker, poll_with};

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use baton::channel::{broadcast, mpsc, oneshot, watch, TrySendError};
use baton::Promise;

const LIMIT: Duration = Duration::from_secs(5);

#[test]
fn mpsc_recv_waker_replaced_on_repoll_may_send() {
    bounded(LIMIT, || {
        let (tx, mut rx) = mpsc::channel(4);
        let mut recv = rx.recv();
        park_with_reentrant_waker(&mut recv, move || tx.try_send(7).unwrap());
        // The replaced waker sends 7, then drops the last sender.
        assert_eq!(poll_with(&mut recv, &noop_waker()), Poll::Pending);
        assert_eq!(poll_with(&mut recv, &noop_waker()), Poll::Ready(Some(7)));
        assert_eq!(rx.try_recv(), Err(baton::channel::TryRecvError::Closed));
    });
}

#[test]
fn mpsc_send_waker_replaced_on_repoll_may_send() {
    bounded(LIMIT, || {
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(1).unwrap();
        let tx2 = tx.clone();
        let mut send = tx.send(2);
        park_with_reentrant_waker(&mut send, move || {
            assert!(matches!(tx2.try_send(3), Err(TrySendError::Full(3))));
        });
        assert!(poll_with(&mut send, &noop_waker()).is_pending());
        assert_eq!(rx.try_recv(), Ok(1));
        assert!(matches!(
            poll_with(&mut send, &noop_waker()),
            Poll::Ready(Ok(()))
        ));
        assert_eq!(rx.try_recv(), Ok(2));
    });
}

#[test]
fn mpsc_send_cancelled_drops_its_waker_outside_the_lock() {
    bounded(LIMIT, || {
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(1).unwrap();
        let tx2 = tx.clone();
        let mut send = tx.send(2);
        park_with_reentrant_waker(&mut send, move || {
            assert!(matches!(tx2.try_send(3), Err(TrySendError::Full(3))));
        });
        drop(send);
        assert_eq!(rx.try_recv(), Ok(1));
        assert!(
            rx.try_recv().is_err(),
            "the cancelled send inserted nothing"
        );
    });
}

#[test]
fn oneshot_waker_replaced_on_repoll_may_send() {
    bounded(LIMIT, || {
        let (tx, mut rx) = oneshot::channel();
        park_with_reentrant_waker(&mut rx, move || tx.send(5).unwrap());
        assert!(poll_with(&mut rx, &noop_waker()).is_pending());
        assert_eq!(poll_with(&mut rx, &noop_waker()), Poll::Ready(Ok(5)));
    });
}

#[test]
fn broadcast_recv_waker_replaced_on_repoll_may_send() {
    bounded(LIMIT, || {
        let (tx, mut rx) = broadcast::channel(4);
        let mut recv = rx.recv();
        park_with_reentrant_waker(&mut recv, move || {
            tx.send(9).unwrap();
        });
        assert!(poll_with(&mut recv, &noop_waker()).is_pending());
        assert_eq!(poll_with(&mut recv, &noop_waker()), Poll::Ready(Ok(9)));
    });
}

#[test]
fn broadcast_recv_cancelled_drops_its_waker_outside_the_lock() {
    bounded(LIMIT, || {
        let (tx, mut rx) = broadcast::channel(4);
        let mut recv = rx.recv();
        park_with_reentrant_waker(&mut recv, move || {
            tx.send(9).unwrap();
        });
        drop(recv);
        assert_eq!(rx.try_recv(), Ok(9));
    });
}

#[test]
fn watch_changed_waker_replaced_on_repoll_may_send() {
    bounded(LIMIT, || {
        let (tx, mut rx) = watch::channel(0);
        let tx2 = tx.clone();
        let mut changed = rx.changed();
        park_with_reentrant_waker(&mut changed, move || tx2.send(1).unwrap());
        assert!(poll_with(&mut changed, &noop_waker()).is_pending());
        assert_eq!(poll_with(&mut changed, &noop_waker()), Poll::Ready(Ok(())));
        drop(changed);
        assert_eq!(*rx.borrow(), 1);
        drop(tx);
    });
}

#[test]
fn watch_changed_cancelled_drops_its_waker_outside_the_lock() {
    bounded(LIMIT, || {
        let (tx, mut rx) = watch::channel(0);
        let tx2 = tx.clone();
        let mut changed = rx.changed();
        park_with_reentrant_waker(&mut changed, move || tx2.send(1).unwrap());
        drop(changed);
        assert_eq!(rx.has_changed(), Ok(true), "the change stays unseen");
        drop(tx);
    });
}

#[test]
fn promise_wait_waker_replaced_on_repoll_may_set_the_result() {
    bounded(LIMIT, || {
        let promise = Promise::new();
        let p = promise.clone();
        let mut wait = promise.wait();
        park_with_reentrant_waker(&mut wait, move || p.set_result(3).unwrap());
        assert!(poll_with(&mut wait, &noop_waker()).is_pending());
        assert_eq!(poll_with(&mut wait, &noop_waker()), Poll::Ready(Ok(3)));
    });
}

#[test]
fn promise_wait_cancelled_drops_its_waker_outside_the_lock() {
    bounded(LIMIT, || {
        let promise = Promise::<u8>::new();
        let ran = Arc::new(AtomicBool::new(false));
        let (p, r) = (promise.clone(), ran.clone());
        let mut wait = promise.wait();
        park_with_reentrant_waker(&mut wait, move || {
            assert!(p.cancel());
            r.store(true, Ordering::SeqCst);
        });
        drop(wait);
        assert!(ran.load(Ordering::SeqCst));
        assert!(promise.cancelled());
    });
}
