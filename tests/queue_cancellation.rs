//! What `Task::cancel()` does to a task waiting on a queue: the queue rows of the table in
//! `src/sync/mod.rs`.

mod common;

use common::{run_paused as run, settle};

use std::rc::Rc;
use std::time::Duration;

use baton::queue::{GetError, LifoQueue, PriorityQueue, Queue};
use baton::{spawn, wait_for};

#[test]
fn get_cancelled_loses_no_item() {
    run(|| async {
        let q = Rc::new(Queue::new(0));
        let q2 = q.clone();
        let getter = spawn(async move { q2.get().await });
        settle().await;
        getter.cancel();
        settle().await;
        q.put_nowait(1).unwrap();
        assert_eq!(q.qsize(), 1);
        assert_eq!(q.get_nowait(), Ok(1));
    });
}

#[test]
fn get_handed_over_then_cancelled_passes_item_on() {
    run(|| async {
        let q = Rc::new(Queue::new(0));
        let q2 = q.clone();
        let b = spawn(async move { q2.get().await });
        let q2 = q.clone();
        let c = spawn(async move { q2.get().await });
        settle().await;
        q.put_nowait("item").unwrap(); // reserved for B, which is woken...
        assert_eq!(q.get_nowait(), Err(GetError::Empty), "reserved: no barging");
        b.cancel(); // ...and dropped before it takes it
        assert_eq!(c.await.unwrap(), Ok("item"));
        assert!(b.await.is_err());
        assert!(q.empty());
    });
}

#[test]
fn get_handed_over_then_cancelled_with_nobody_next_keeps_item() {
    run(|| async {
        let q = Rc::new(LifoQueue::new(0));
        let q2 = q.clone();
        let b = spawn(async move { q2.get().await });
        settle().await;
        q.put_nowait(5).unwrap();
        b.cancel();
        settle().await;
        assert_eq!(q.get_nowait(), Ok(5));
    });
}

#[test]
fn put_cancelled_on_full_queue_inserts_nothing_and_wakes_next() {
    run(|| async {
        let q = Rc::new(Queue::new(1));
        q.put_nowait(0).unwrap();
        let q2 = q.clone();
        let b = spawn(async move { q2.put(1).await });
        let q2 = q.clone();
        let c = spawn(async move { q2.put(2).await });
        settle().await;
        // Cancelled while simply waiting: nothing goes in.
        let q2 = q.clone();
        let d = spawn(async move { q2.put(3).await });
        settle().await;
        d.cancel();
        settle().await;
        assert_eq!(q.qsize(), 1);
        // Cancelled after a slot was reserved for it: the slot goes to the next putter.
        assert_eq!(q.get_nowait(), Ok(0)); // frees the slot, reserved for B
        b.cancel();
        c.await.unwrap().unwrap();
        assert!(b.await.is_err());
        assert_eq!(q.get_nowait(), Ok(2));
        assert!(q.empty());
        assert_eq!(
            q.unfinished_tasks(),
            2,
            "items 0 and 2 were put; 1 and 3 never were"
        );
    });
}

#[test]
fn join_cancelled_changes_nothing() {
    run(|| async {
        let q = Rc::new(PriorityQueue::new(0));
        q.put_nowait(1).unwrap();
        let q2 = q.clone();
        let joiner = spawn(async move { q2.join().await });
        settle().await;
        joiner.cancel();
        settle().await;
        assert_eq!(q.unfinished_tasks(), 1);
        q.get_nowait().unwrap();
        q.task_done().unwrap();
        assert!(wait_for(Duration::from_secs(1), q.join()).await.is_ok());
    });
}
