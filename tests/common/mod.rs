//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::cell::Cell;
use std::rc::Rc;
use std::sync::mpsc;
use std::time::Duration;

#[cfg(feature = "tls")]
pub mod tls;

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

/// A waker whose last drop runs `on_drop`: the shape of a waker that owns a handle to a
/// primitive (an `Arc<Lock>`, a channel sender) and uses it as it goes away. A primitive that
/// drops a waker while holding its own lock deadlocks (or panics) on such a waker.
pub fn waker_with_drop(on_drop: impl FnOnce() + Send + 'static) -> std::task::Waker {
    struct OnDrop(std::sync::Mutex<Option<Box<dyn FnOnce() + Send>>>);
    impl std::task::Wake for OnDrop {
        fn wake(self: std::sync::Arc<Self>) {}
    }
    impl Drop for OnDrop {
        fn drop(&mut self) {
            let on_drop = self.0.get_mut().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(f) = on_drop {
                f();
            }
        }
    }
    std::task::Waker::from(std::sync::Arc::new(OnDrop(std::sync::Mutex::new(Some(
        Box::new(on_drop),
    )))))
}

/// A waker that does nothing (distinct from every other waker, so it replaces a stored one).
pub fn noop_waker() -> std::task::Waker {
    waker_with_drop(|| {})
}

/// Polls `fut` once with `waker`.
pub fn poll_with<F: std::future::Future + Unpin>(
    fut: &mut F,
    waker: &std::task::Waker,
) -> std::task::Poll<F::Output> {
    std::pin::Pin::new(fut).poll(&mut std::task::Context::from_waker(waker))
}

/// Polls `fut` (which must wait) with a waker whose last drop runs `on_drop`, then gives up this
/// test's reference: from here on, the primitive holds the only one, so whenever it replaces or
/// forgets that waker, `on_drop` runs inside the primitive's call.
pub fn park_with_reentrant_waker<F: std::future::Future + Unpin>(
    fut: &mut F,
    on_drop: impl FnOnce() + Send + 'static,
) {
    let waker = waker_with_drop(on_drop);
    assert!(
        poll_with(fut, &waker).is_pending(),
        "the future should wait"
    );
}
