//! Wakes from other threads really wake a parked loop; wakers outlive their loop safely.

mod common;

use baton::{spawn, EventLoop};
use common::bounded;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// A future completed by another thread: it publishes its waker, the thread sets `done` and
/// wakes it.
#[derive(Clone, Default)]
struct Remote {
    done: Arc<AtomicBool>,
    waker: Arc<Mutex<Option<Waker>>>,
}

impl Remote {
    fn wait(&self) -> RemoteWait {
        RemoteWait(self.clone())
    }

    /// On another thread: waits until the loop has parked on this future, then completes it.
    fn complete_from_thread(&self) -> std::thread::JoinHandle<()> {
        let this = self.clone();
        std::thread::spawn(move || loop {
            if let Some(waker) = this.waker.lock().unwrap().take() {
                this.done.store(true, Ordering::SeqCst);
                waker.wake();
                return;
            }
            std::thread::yield_now();
        })
    }
}

struct RemoteWait(Remote);

impl Future for RemoteWait {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0.done.load(Ordering::SeqCst) {
            return Poll::Ready(());
        }
        *self.0.waker.lock().unwrap() = Some(cx.waker().clone());
        if self.0.done.load(Ordering::SeqCst) {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

#[test]
fn a_task_woken_from_another_thread_wakes_the_parked_loop() {
    bounded(Duration::from_secs(20), || {
        let mut lp = EventLoop::new().unwrap();
        let remote = Remote::default();
        let r = remote.clone();
        let task = lp.spawn(async move {
            r.wait().await;
            "woken"
        });
        let thread = remote.complete_from_thread();
        // No timers, nothing ready: the loop parks until the other thread's wake.
        assert_eq!(lp.run_until_complete(task).unwrap(), "woken");
        thread.join().unwrap();
    });
}

#[test]
fn the_main_future_woken_from_another_thread_wakes_the_parked_loop() {
    bounded(Duration::from_secs(20), || {
        let mut lp = EventLoop::new().unwrap();
        let remote = Remote::default();
        let thread = remote.complete_from_thread();
        lp.run_until_complete(remote.wait());
        thread.join().unwrap();
    });
}

#[test]
fn many_threads_waking_many_tasks_lose_no_wake() {
    bounded(Duration::from_secs(60), || {
        let mut lp = EventLoop::new().unwrap();
        let remotes: Vec<Remote> = (0..200).map(|_| Remote::default()).collect();
        let finished = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = remotes
            .iter()
            .map(|r| {
                let (r, finished) = (r.clone(), finished.clone());
                lp.spawn(async move {
                    r.wait().await;
                    finished.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        let threads: Vec<_> = remotes
            .chunks(50)
            .map(|chunk| {
                let chunk = chunk.to_vec();
                std::thread::spawn(move || {
                    for r in chunk {
                        r.complete_from_thread().join().unwrap();
                    }
                })
            })
            .collect();
        lp.run_until_complete(async {
            for t in tasks {
                t.await.unwrap();
            }
        });
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(finished.load(Ordering::SeqCst), 200);
    });
}

#[test]
fn a_waker_that_outlives_its_loop_is_harmless() {
    let mut lp = EventLoop::new().unwrap();
    let stash: Arc<Mutex<Option<Waker>>> = Arc::default();
    let s = stash.clone();
    let _t = lp.spawn(std::future::poll_fn(move |cx| {
        *s.lock().unwrap() = Some(cx.waker().clone());
        Poll::<()>::Pending
    }));
    lp.run_until_complete(baton::yield_now());
    lp.close();
    let waker = stash.lock().unwrap().take().unwrap();
    std::thread::spawn(move || {
        waker.wake_by_ref();
        waker.wake();
    })
    .join()
    .unwrap();
}

#[test]
fn a_task_handle_cancelled_from_another_thread_is_cancelled_on_its_loop() {
    bounded(Duration::from_secs(20), || {
        let mut lp = EventLoop::new().unwrap();
        let drops = Arc::new(AtomicUsize::new(0));
        struct Token(Arc<AtomicUsize>);
        impl Drop for Token {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let token = Token(drops.clone());
        let task = lp.spawn(async move {
            let _token = token;
            std::future::pending::<()>().await
        });
        let task = Arc::new(task);
        let t = task.clone();
        let canceller = std::thread::spawn(move || assert!(t.cancel()));
        canceller.join().unwrap();
        // The loop parks until the remote cancel's wake arrives, then drops the future.
        lp.run_until_complete(async {
            while !task.done() {
                baton::yield_now().await;
            }
        });
        assert!(task.cancelled());
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn spawning_inside_a_task_from_a_loop_handle_runs_on_the_same_loop() {
    let mut lp = EventLoop::builder().paused_clock().build().unwrap();
    let v = lp.run_until_complete(async {
        let handle = baton::get_running_loop();
        let t = handle.spawn(async { spawn(async { 9 }).await.unwrap() });
        t.await.unwrap()
    });
    assert_eq!(v, 9);
}
