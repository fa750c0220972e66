//! mpsc and oneshot: values handed back on close, cancellation that loses nothing, FIFO room.

mod common;

use baton::channel::{mpsc, oneshot, RecvError, SendError, TryRecvError, TrySendError};
use baton::{sleep, spawn, wait_for, yield_now, TaskError};
use common::{paused_loop, DropCounter, DropToken};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

#[test]
fn a_sender_waiting_on_a_full_channel_gets_its_value_back_when_the_receiver_drops() {
    paused_loop().run_until_complete(async {
        let (tx, rx) = mpsc::channel(1);
        tx.try_send("first").unwrap();
        let waiting = spawn(async move { tx.send("second").await });
        yield_now().await; // it is waiting for room now
        assert!(!waiting.done());
        drop(rx);
        match waiting.await.unwrap() {
            Err(SendError(v)) => assert_eq!(v, "second"),
            Ok(()) => panic!("sent into a dropped receiver"),
        }
    });
}

#[test]
fn a_oneshot_send_after_the_receiver_dropped_returns_the_value() {
    paused_loop().run_until_complete(async {
        let (tx, rx) = oneshot::channel::<String>();
        let receiver = spawn(rx);
        yield_now().await;
        receiver.cancel(); // the awaiting task is cancelled: its receiver is dropped
        assert!(receiver.await.unwrap_err().is_cancelled());
        assert!(tx.is_closed());
        assert_eq!(tx.send("kept".into()).unwrap_err().into_inner(), "kept");
    });
}

#[test]
fn a_oneshot_sender_dropped_unsent_closes_the_receiver() {
    paused_loop().run_until_complete(async {
        let (tx, rx) = oneshot::channel::<u8>();
        let waiter = spawn(rx);
        sleep(Duration::from_secs(1)).await;
        drop(tx);
        assert_eq!(waiter.await.unwrap(), Err(RecvError::Closed));
    });
}

/// Two senders wait on a full channel; the first is cancelled. `grant_first` decides whether
/// room was already granted to it when it was cancelled.
fn cancelled_sender_inserts_nothing(grant_first: bool) {
    paused_loop().run_until_complete(async move {
        let drops = DropCounter::default();
        let (tx, mut rx) = mpsc::channel::<(u32, DropToken)>(1);
        let tx = Rc::new(tx);
        tx.try_send((0, drops.token())).unwrap();
        let (t1, t2) = (tx.clone(), tx.clone());
        let (tok1, tok2) = (drops.token(), drops.token());
        let a = spawn(async move { t1.send((1, tok1)).await.is_ok() });
        let b = spawn(async move { t2.send((2, tok2)).await.is_ok() });
        yield_now().await; // both wait, `a` first
        if grant_first {
            assert_eq!(rx.recv().await.unwrap().0, 0); // room granted to `a`, not yet used
            a.cancel();
        } else {
            a.cancel();
            assert_eq!(rx.recv().await.unwrap().0, 0);
        }
        assert!(a.await.unwrap_err().is_cancelled());
        assert_eq!(drops.count(), 2); // the first value, and `a`'s, dropped with its future
        assert_eq!(rx.recv().await.unwrap().0, 2); // `b` got the room
        assert!(b.await.unwrap());
        assert_eq!(rx.try_recv().map(|v| v.0), Err(TryRecvError::Empty));
        assert_eq!(tx.capacity(), 1);
    });
}

#[test]
fn a_sender_cancelled_while_waiting_inserts_nothing_and_wakes_the_next() {
    cancelled_sender_inserts_nothing(false);
}

#[test]
fn a_sender_cancelled_after_room_was_granted_passes_the_room_on() {
    cancelled_sender_inserts_nothing(true);
}

#[test]
fn a_task_cancelled_in_recv_loses_no_message() {
    paused_loop().run_until_complete(async {
        let (tx, rx) = mpsc::channel(4);
        let rx = Rc::new(RefCell::new(rx));
        let r = rx.clone();
        #[allow(clippy::await_holding_refcell_ref)]
        let receiver = spawn(async move { r.borrow_mut().recv().await });
        yield_now().await; // waiting in recv
        tx.send(42).await.unwrap(); // wakes it...
        receiver.cancel(); // ...but it is cancelled before it runs
        assert!(matches!(receiver.await, Err(TaskError::Cancelled(_))));
        assert_eq!(rx.borrow_mut().try_recv(), Ok(42));
    });
}

#[test]
fn a_recv_that_times_out_loses_no_message() {
    paused_loop().run_until_complete(async {
        let (tx, mut rx) = mpsc::unbounded();
        assert!(wait_for(Duration::from_secs(1), rx.recv()).await.is_err());
        tx.send(1).unwrap();
        assert_eq!(rx.recv().await, Some(1));
    });
}

#[test]
fn waiting_senders_are_served_in_fifo_order() {
    paused_loop().run_until_complete(async {
        let (tx, mut rx) = mpsc::channel(2);
        let tx = Rc::new(tx);
        tx.send(0).await.unwrap();
        tx.send(1).await.unwrap();
        let mut senders = Vec::new();
        for id in 2..12 {
            let tx = tx.clone();
            senders.push(spawn(async move { tx.send(id).await.unwrap() }));
            yield_now().await; // each begins to wait before the next is spawned
        }
        // A newcomer never overtakes the waiting senders, even when room appears.
        assert_eq!(tx.try_send(99), Err(TrySendError::Full(99)));
        let mut got = Vec::new();
        for i in 0..12 {
            got.push(rx.recv().await.unwrap());
            if i < 10 {
                // Room freed by each receive went to the oldest waiting sender.
                assert_eq!(tx.try_send(99), Err(TrySendError::Full(99)));
            }
        }
        assert_eq!(got, (0..12).collect::<Vec<_>>());
        for s in senders {
            s.await.unwrap();
        }
        assert!(tx.try_send(12).is_ok());
    });
}

#[test]
fn the_receiver_drains_the_buffer_then_sees_none() {
    paused_loop().run_until_complete(async {
        let (tx, mut rx) = mpsc::channel(8);
        let tx2 = tx.clone();
        tx.send(1).await.unwrap();
        tx2.send(2).await.unwrap();
        drop(tx);
        assert!(!rx.is_closed());
        drop(tx2);
        assert!(rx.is_closed());
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.recv().await, Some(2));
        assert_eq!(rx.recv().await, None);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

#[test]
fn dropping_the_receiver_drops_buffered_values_and_refuses_more() {
    let drops = DropCounter::default();
    let (tx, rx) = mpsc::unbounded();
    tx.send(drops.token()).unwrap();
    tx.send(drops.token()).unwrap();
    drop(rx);
    assert_eq!(drops.count(), 2);
    assert!(tx.is_closed());
    assert!(tx.send(drops.token()).is_err());
    assert_eq!(drops.count(), 3); // handed back, then dropped here
}

#[test]
fn a_receiver_waits_across_timed_sends() {
    let mut lp = paused_loop();
    let start = lp.time();
    let got = lp.run_until_complete(async {
        let (tx, mut rx) = mpsc::channel(1);
        let _producer = spawn(async move {
            for i in 0..3 {
                sleep(Duration::from_secs(10)).await;
                tx.send(i).await.unwrap();
            }
        });
        let mut got = Vec::new();
        while let Some(v) = rx.recv().await {
            got.push(v);
        }
        got
    });
    assert_eq!(got, [0, 1, 2]);
    assert_eq!(lp.time() - start, Duration::from_secs(30));
}
