//! Behaviour of `baton::queue`: FIFO service of waiters, ordering, task_done/join, shutdown.

mod common;

use common::{run_paused as run, settle};

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use baton::queue::{
    GetError, LifoQueue, PriorityQueue, PutError, Queue, QueueShutDown, TaskDoneError,
};
use baton::{spawn, wait_for};

#[test]
fn queues_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Queue<String>>();
    send_sync::<LifoQueue<String>>();
    send_sync::<PriorityQueue<String>>();
    send_sync::<baton::queue::Put<'static, String>>();
    send_sync::<baton::queue::Get<'static, String>>();
    send_sync::<baton::queue::QueueJoin<'static, String>>();
}

#[test]
fn getters_are_served_in_fifo_order() {
    run(|| async {
        let q = Rc::new(Queue::new(0));
        let tasks: Vec<_> = (0..5)
            .map(|_| {
                let q = q.clone();
                spawn(async move { q.get().await.unwrap() })
            })
            .collect();
        settle().await;
        for i in 0..5 {
            q.put_nowait(i).unwrap();
        }
        for (i, t) in tasks.into_iter().enumerate() {
            assert_eq!(t.await.unwrap(), i);
        }
    });
}

#[test]
fn putters_are_served_in_fifo_order() {
    run(|| async {
        let q = Rc::new(Queue::new(1));
        q.put_nowait(100).unwrap();
        let _tasks: Vec<_> = (0..5)
            .map(|i| {
                let q = q.clone();
                spawn(async move { q.put(i).await.unwrap() })
            })
            .collect();
        settle().await;
        assert!(q.full());
        assert!(matches!(q.put_nowait(9), Err(PutError::Full(9))));
        let mut got = Vec::new();
        for _ in 0..6 {
            got.push(q.get().await.unwrap());
        }
        assert_eq!(got, [100, 0, 1, 2, 3, 4]);
    });
}

#[test]
fn lifo_and_priority_order_across_tasks() {
    run(|| async {
        let lifo = Rc::new(LifoQueue::new(0));
        let prio = Rc::new(PriorityQueue::new(0));
        let (l, p) = (lifo.clone(), prio.clone());
        spawn(async move {
            for x in [3, 1, 2] {
                l.put(x).await.unwrap();
                p.put(x).await.unwrap();
            }
        })
        .await
        .unwrap();
        let mut from_lifo = Vec::new();
        let mut from_prio = Vec::new();
        for _ in 0..3 {
            from_lifo.push(lifo.get().await.unwrap());
            from_prio.push(prio.get().await.unwrap());
        }
        assert_eq!(from_lifo, [2, 1, 3]);
        assert_eq!(from_prio, [1, 2, 3]);
    });
}

#[test]
fn task_done_and_join() {
    run(|| async {
        let q = Rc::new(Queue::new(0));
        q.join().await; // nothing unfinished
        let done = Rc::new(RefCell::new(Vec::new()));
        let (q2, d) = (q.clone(), done.clone());
        let worker = spawn(async move {
            while let Ok(x) = q2.get().await {
                baton::sleep(Duration::from_millis(10)).await;
                d.borrow_mut().push(x);
                q2.task_done().unwrap();
            }
        });
        for x in 0..4 {
            q.put(x).await.unwrap();
        }
        q.join().await;
        assert_eq!(*done.borrow(), [0, 1, 2, 3]);
        assert_eq!(q.task_done(), Err(TaskDoneError::TooManyCalls));
        q.shutdown(false);
        worker.await.unwrap();
    });
}

#[test]
fn shutdown_wakes_waiting_getters_and_putters() {
    run(|| async {
        let empty: Rc<Queue<u8>> = Rc::new(Queue::new(1));
        let q = empty.clone();
        let getter = spawn(async move { q.get().await });
        let full = Rc::new(Queue::new(1));
        full.put_nowait(1).unwrap();
        let q = full.clone();
        let putter = spawn(async move { q.put(2).await });
        settle().await;
        empty.shutdown(false);
        full.shutdown(false);
        assert_eq!(getter.await.unwrap(), Err(QueueShutDown));
        assert!(matches!(putter.await.unwrap(), Err(PutError::ShutDown(2))));
        // Not immediate: the item left is still handed out, then gets fail.
        assert_eq!(full.get().await, Ok(1));
        assert_eq!(full.get().await, Err(QueueShutDown));
        assert_eq!(full.get_nowait(), Err(GetError::ShutDown));
        assert!(matches!(full.put(3).await, Err(PutError::ShutDown(3))));
    });
}

#[test]
fn immediate_shutdown_drains_and_releases_join() {
    run(|| async {
        let drops = common::DropCounter::default();
        let q = Rc::new(Queue::new(0));
        for _ in 0..3 {
            q.put_nowait(drops.token()).unwrap();
        }
        let q2 = q.clone();
        let joiner = spawn(async move { q2.join().await });
        settle().await;
        assert!(!joiner.done());
        q.shutdown(true);
        assert_eq!(drops.count(), 3, "drained items are dropped");
        assert!(q.empty());
        assert_eq!(q.unfinished_tasks(), 0);
        assert!(wait_for(Duration::from_secs(1), joiner).await.is_ok());
        assert!(q.get().await.is_err());
    });
}

#[test]
fn put_wakes_next_putter_after_get() {
    run(|| async {
        let q = Rc::new(Queue::new(2));
        q.put_nowait(0).unwrap();
        q.put_nowait(1).unwrap();
        let q2 = q.clone();
        let putter = spawn(async move {
            for i in 2..6 {
                q2.put(i).await.unwrap();
            }
        });
        let mut got = Vec::new();
        while got.len() < 6 {
            got.push(q.get().await.unwrap());
        }
        putter.await.unwrap();
        assert_eq!(got, [0, 1, 2, 3, 4, 5]);
    });
}

#[test]
fn queue_between_threads_and_loops() {
    common::bounded(Duration::from_secs(30), || {
        let q = std::sync::Arc::new(Queue::new(4));
        let producer = {
            let q = q.clone();
            std::thread::spawn(move || {
                baton::run(async move {
                    for i in 0..2000u32 {
                        q.put(i).await.unwrap();
                    }
                    q.join().await;
                    q.shutdown(false);
                })
            })
        };
        let consumer = std::thread::spawn(move || {
            baton::run(async move {
                let mut got = Vec::new();
                while let Ok(i) = q.get().await {
                    got.push(i);
                    q.task_done().unwrap();
                }
                got
            })
        });
        producer.join().unwrap();
        assert_eq!(consumer.join().unwrap(), (0..2000).collect::<Vec<_>>());
    });
}
