//! broadcast (every receiver sees every value; lag is reported) and watch (latest value; changes
//! coalesce).

mod common;

use baton::channel::{broadcast, watch, RecvError, TryRecvError};
use baton::{sleep, spawn, wait_for, yield_now};
use common::paused_loop;
use std::time::Duration;

#[test]
fn every_broadcast_receiver_sees_every_value() {
    paused_loop().run_until_complete(async {
        let (tx, rx) = broadcast::channel(8);
        let readers: Vec<_> = std::iter::once(rx)
            .chain((0..2).map(|_| tx.subscribe()))
            .map(|mut rx| {
                spawn(async move {
                    let mut got = Vec::new();
                    while let Ok(v) = rx.recv().await {
                        got.push(v);
                    }
                    got
                })
            })
            .collect();
        yield_now().await; // all three wait
        for i in 0..5 {
            assert_eq!(tx.send(i), Ok(3));
            sleep(Duration::from_millis(1)).await;
        }
        drop(tx);
        for r in readers {
            assert_eq!(r.await.unwrap(), [0, 1, 2, 3, 4]);
        }
    });
}

#[test]
fn a_lagging_broadcast_receiver_is_told_how_much_it_missed() {
    paused_loop().run_until_complete(async {
        let (tx, mut slow) = broadcast::channel(3);
        let mut fast = tx.subscribe();
        for i in 0..3 {
            tx.send(i).unwrap();
            assert_eq!(fast.recv().await, Ok(i));
        }
        for i in 3..8 {
            tx.send(i).unwrap();
        }
        assert_eq!(slow.len(), 8);
        assert_eq!(slow.recv().await, Err(RecvError::Lagged(5)));
        assert_eq!(slow.recv().await, Ok(5));
        assert_eq!(slow.try_recv(), Ok(6));
        assert_eq!(slow.try_recv(), Ok(7));
        assert_eq!(slow.try_recv(), Err(TryRecvError::Empty));
        // The fast receiver lagged too, by less.
        assert_eq!(fast.try_recv(), Err(TryRecvError::Lagged(2)));
        assert_eq!(fast.try_recv(), Ok(5));
    });
}

#[test]
fn a_broadcast_recv_that_times_out_loses_nothing() {
    paused_loop().run_until_complete(async {
        let (tx, mut rx) = broadcast::channel(2);
        assert!(wait_for(Duration::from_secs(1), rx.recv()).await.is_err());
        tx.send("kept").unwrap();
        assert_eq!(rx.recv().await, Ok("kept"));
        drop(tx);
        assert_eq!(rx.recv().await, Err(RecvError::Closed));
    });
}

#[test]
fn watch_changes_coalesce_and_the_latest_value_wins() {
    paused_loop().run_until_complete(async {
        let (tx, mut rx) = watch::channel(0);
        let observer = spawn(async move {
            let mut seen = Vec::new();
            while rx.changed().await.is_ok() {
                seen.push(*rx.borrow_and_update());
            }
            seen
        });
        yield_now().await;
        // Three sends in one turn of the loop are one change to the observer.
        tx.send(1).unwrap();
        tx.send(2).unwrap();
        tx.send(3).unwrap();
        sleep(Duration::from_secs(1)).await;
        tx.send_modify(|v| *v += 1);
        sleep(Duration::from_secs(1)).await;
        drop(tx);
        assert_eq!(observer.await.unwrap(), [3, 4]);
    });
}

#[test]
fn a_watch_change_made_before_the_sender_drops_is_still_seen() {
    paused_loop().run_until_complete(async {
        let (tx, mut rx) = watch::channel("a");
        tx.send("b").unwrap();
        drop(tx);
        assert_eq!(rx.changed().await, Ok(()));
        assert_eq!(*rx.borrow(), "b");
        assert_eq!(rx.changed().await, Err(RecvError::Closed));
    });
}

#[test]
fn a_cancelled_watch_wait_leaves_the_change_unseen() {
    paused_loop().run_until_complete(async {
        let (tx, mut rx) = watch::channel(0);
        assert!(wait_for(Duration::from_secs(1), rx.changed())
            .await
            .is_err());
        tx.send(1).unwrap();
        let mut rx2 = rx.clone();
        assert!(wait_for(Duration::from_secs(1), rx.changed()).await.is_ok());
        assert_eq!(rx2.has_changed(), Ok(true));
        rx2.changed().await.unwrap();
        assert_eq!(tx.receiver_count(), 2);
    });
}
