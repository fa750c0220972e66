//! Channels across OS threads: producers on plain threads (or on their own loops), consumers
//! awaiting on a baton loop that parks between wakes.

mod common;

use baton::channel::{mpsc, oneshot, watch};
use baton::{EventLoop, Promise};
use common::bounded;
use std::thread;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn os_thread_producers_feed_an_unbounded_receiver_on_a_loop() {
    bounded(LIMIT, || {
        let (tx, mut rx) = mpsc::unbounded::<u64>();
        let producers: Vec<_> = (0..4u64)
            .map(|p| {
                let tx = tx.clone();
                thread::spawn(move || {
                    for i in 0..10_000 {
                        tx.send(p * 1_000_000 + i).unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        let mut lp = EventLoop::new().unwrap();
        let (count, last) = lp.run_until_complete(async move {
            let mut count = 0;
            let mut last = [None::<u64>; 4];
            while let Some(v) = rx.recv().await {
                let (p, i) = ((v / 1_000_000) as usize, v % 1_000_000);
                // Per producer, values arrive in the order sent.
                assert!(last[p].map_or(true, |prev| prev + 1 == i));
                last[p] = Some(i);
                count += 1;
            }
            (count, last)
        });
        for p in producers {
            p.join().unwrap();
        }
        assert_eq!(count, 40_000);
        assert_eq!(last, [Some(9_999); 4]);
    });
}

#[test]
fn producers_on_their_own_loops_wait_for_room_in_a_bounded_channel() {
    bounded(LIMIT, || {
        let (tx, mut rx) = mpsc::channel::<u32>(8);
        let producers: Vec<_> = (0..3)
            .map(|_| {
                let tx = tx.clone();
                // Each producer awaits `send` on its own loop: the consumer's receives wake the
                // producers' parked loops, and their sends wake the consumer's.
                thread::spawn(move || {
                    baton::run(async move {
                        for i in 0..5_000 {
                            tx.send(i).await.unwrap();
                        }
                    })
                })
            })
            .collect();
        drop(tx);
        let mut lp = EventLoop::new().unwrap();
        let sum = lp.run_until_complete(async move {
            let mut sum = 0u64;
            while let Some(v) = rx.recv().await {
                sum += u64::from(v);
            }
            sum
        });
        for p in producers {
            p.join().unwrap();
        }
        assert_eq!(sum, 3 * (0..5_000u64).sum::<u64>());
    });
}

#[test]
fn a_thread_completes_a_oneshot_and_a_promise_awaited_on_a_loop() {
    bounded(LIMIT, || {
        let (tx, rx) = oneshot::channel();
        let promise = Promise::new();
        let loop_thread = thread::current().id();
        let (p, ran_on) = (
            promise.clone(),
            std::sync::Arc::new(std::sync::Mutex::new(None)),
        );
        let r = ran_on.clone();
        let mut lp = EventLoop::new().unwrap();
        let out = lp.run_until_complete(async move {
            // Added on the loop: it will run on the loop even though a thread completes it.
            promise.add_done_callback(move |_| *r.lock().unwrap() = Some(thread::current().id()));
            let worker = thread::spawn(move || {
                thread::sleep(Duration::from_millis(20)); // let the loop park first
                tx.send(1).unwrap();
                p.set_result(2).unwrap();
            });
            let a = rx.await.unwrap();
            let b = promise.wait().await.unwrap();
            worker.join().unwrap(); // the callback is on the loop's queue by now
            baton::yield_now().await;
            a + b
        });
        assert_eq!(out, 3);
        assert_eq!(*ran_on.lock().unwrap(), Some(loop_thread));
    });
}

#[test]
fn a_thread_publishes_to_a_watch_observed_on_a_loop() {
    bounded(LIMIT, || {
        let (tx, mut rx) = watch::channel(0u32);
        let worker = thread::spawn(move || {
            for i in 1..=100 {
                tx.send(i).unwrap();
            }
        });
        let mut lp = EventLoop::new().unwrap();
        let last = lp.run_until_complete(async move {
            while rx.changed().await.is_ok() {}
            let last = *rx.borrow();
            last
        });
        worker.join().unwrap();
        assert_eq!(last, 100);
    });
}
