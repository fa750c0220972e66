//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::cell::Cell;
use std::rc::Rc;
use std::sync::mpsc;
use std::time::Duration;

/// Runs `f` on its own thread and fails the test if it has not finished within `limit`:
/// a hang is a failure, never a stuck suite.
pub fn bounded<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(value) => {
            worker.join().unwrap();
            value
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            // `f` panicked: re-raise its panic in the test.
            match worker.join() {
                Err(payload) => std::panic::resume_unwind(payload),
                Ok(()) => unreachable!(),
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("test did not finish within {limit:?}"),
    }
}

/// A paused-clock loop: timed tests run in no real time.
pub fn paused_loop() -> baton::EventLoop {
    baton::EventLoop::builder().paused_clock().build().unwrap()
}

/// Counts how many times values holding it were dropped.
#[derive(Clone, Default)]
pub struct DropCounter(Rc<Cell<usize>>);

impl DropCounter {
    pub fn token(&self) -> DropToken {
        DropToken(self.0.clone())
    }
    pub fn count(&self) -> usize {
        self.0.get()
    }
}

#[derive(Debug)]
pub struct DropToken(Rc<Cell<usize>>);

impl Drop for DropToken {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

/// The message of a panic payload (`panic!` gives `&str` or `String`).
pub fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .unwrap_or_default(),
    }
}

/// Runs `f`'s future on a paused-clock loop, failing the test if it takes over 10 s real time.
pub fn run_paused<F, Fut>(f: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    bounded(Duration::from_secs(10), move || {
        let mut lp = paused_loop();
        lp.run_until_complete(f());
    });
}

/// Lets every ready task run until they are all waiting again.
pub async fn settle() {
    for _ in 0..4 {
        baton::yield_now().await;
    }
}
