//! Pieces every runtime's arm shares: the oneshot channel and message bodies of `ping_pong` and
//! `chained_spawn`, the `timers` durations, and the expected results the arms check.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::cpu::process_cpu;
use crate::{MPSC_MSGS, PING_MSGS, TIMER_TASKS};

/// The process's CPU time (every thread) during the last [`timed_drive`].
static LAST_DRIVE_CPU_NS: AtomicU64 = AtomicU64::new(0);

/// Runs `drive` (one sample's `block_on`) and returns its wall time; its CPU time, summed over
/// every thread of the process, is kept for [`last_drive_cpu`]. The multi-core rows show both:
/// on a shared machine a worker that waits for a core to be free costs wall time but no CPU.
pub fn timed_drive<T>(drive: impl FnOnce() -> T) -> Duration {
    let cpu = process_cpu();
    let start = Instant::now();
    std::hint::black_box(drive());
    let wall = start.elapsed();
    let cpu = process_cpu() - cpu;
    LAST_DRIVE_CPU_NS.store(cpu.as_nanos() as u64, Ordering::Relaxed);
    wall
}

/// Runs `drive`, a runner that times itself (a single-loop row's `block_on`), and returns its
/// time; its process CPU time is kept for [`last_drive_cpu`], as [`timed_drive`] does.
pub fn cpu_of(drive: impl FnOnce() -> Duration) -> Duration {
    let mut timed = Duration::ZERO;
    timed_drive(|| timed = drive());
    timed
}

/// The CPU time of the last [`timed_drive`].
pub fn last_drive_cpu() -> Duration {
    Duration::from_nanos(LAST_DRIVE_CPU_NS.load(Ordering::Relaxed))
}

/// A minimal oneshot channel used by every runtime in `ping_pong` and `chained_spawn`.
///
/// Fairness: tokio has `tokio::sync::oneshot`, smol and baton (so far) have none; one shared
/// implementation keeps the channel cost identical so the workloads compare schedulers. It is
/// `Arc<Mutex<_>>` rather than `Rc<RefCell<_>>` because `tokio::spawn` requires `Send`.
pub mod oneshot {
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Poll, Waker};

    struct Inner<T> {
        value: Option<T>,
        waker: Option<Waker>,
        sender_gone: bool,
        receiver_gone: bool,
    }

    pub struct Sender<T>(Option<Arc<Mutex<Inner<T>>>>);
    pub struct Receiver<T>(Arc<Mutex<Inner<T>>>);

    /// The sender was dropped without sending.
    #[derive(Debug)]
    pub struct Closed;

    pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
        let inner = Arc::new(Mutex::new(Inner {
            value: None,
            waker: None,
            sender_gone: false,
            receiver_gone: false,
        }));
        (Sender(Some(inner.clone())), Receiver(inner))
    }

    impl<T> Sender<T> {
        /// Sends `value`, or hands it back if the receiver is gone.
        pub fn send(mut self, value: T) -> Result<(), T> {
            let inner = self.0.take().expect("sender used once");
            let waker = {
                let mut g = inner.lock().unwrap();
                if g.receiver_gone {
                    return Err(value);
                }
                g.value = Some(value);
                g.sender_gone = true;
                g.waker.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
            Ok(())
        }
    }

    impl<T> Drop for Sender<T> {
        fn drop(&mut self) {
            if let Some(inner) = self.0.take() {
                let waker = {
                    let mut g = inner.lock().unwrap();
                    g.sender_gone = true;
                    g.waker.take()
                };
                if let Some(w) = waker {
                    w.wake();
                }
            }
        }
    }

    impl<T> Future for Receiver<T> {
        type Output = Result<T, Closed>;

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
            let mut g = self.0.lock().unwrap();
            if let Some(v) = g.value.take() {
                return Poll::Ready(Ok(v));
            }
            if g.sender_gone {
                return Poll::Ready(Err(Closed));
            }
            match &g.waker {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => g.waker = Some(cx.waker().clone()),
            }
            Poll::Pending
        }
    }

    impl<T> Drop for Receiver<T> {
        fn drop(&mut self) {
            if let Ok(mut g) = self.0.lock() {
                g.receiver_gone = true;
            }
        }
    }
}

/// One `ping_pong` message: a number and the sender for the reply (each message a fresh oneshot).
pub struct Msg {
    n: u32,
    reply: oneshot::Sender<Msg>,
}

/// The pinging side of a pair: sends `PING_MSGS` messages, awaiting each reply.
pub async fn pinger(mut tx: oneshot::Sender<Msg>) -> u32 {
    let mut got = 0;
    for n in 0..PING_MSGS {
        let (reply, rx) = oneshot::channel();
        assert!(tx.send(Msg { n, reply }).is_ok(), "ponger gone");
        let msg = rx.await.expect("ponger replies");
        assert_eq!(msg.n, n + 1);
        tx = msg.reply;
        got += 1;
    }
    got
}

/// The ponging side: answers every message until the pinger drops its last reply sender.
pub async fn ponger(mut rx: oneshot::Receiver<Msg>) -> u32 {
    let mut sent = 0;
    while let Ok(msg) = rx.await {
        let (reply, next) = oneshot::channel();
        assert!(
            msg.reply
                .send(Msg {
                    n: msg.n + 1,
                    reply
                })
                .is_ok(),
            "pinger gone"
        );
        rx = next;
        sent += 1;
    }
    sent
}

/// The `timers` durations: 1–100 ms from a fixed-seed xorshift64, the same for every runtime.
pub fn timer_durations() -> Vec<Duration> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..TIMER_TASKS)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            Duration::from_millis(1 + x % 100)
        })
        .collect()
}

/// Sum of the outputs of `gather_sleep(n)`: x*x for x in 0..n, in closed form so that checking it
/// costs nothing inside the timed region.
pub fn gather_expected(n: u64) -> u64 {
    n.saturating_sub(1) * n * (2 * n).saturating_sub(1) / 6
}

/// Messages each of `producers` producers sends (they share `MPSC_MSGS` evenly).
pub fn mpsc_per_producer(producers: u64) -> u64 {
    assert_eq!(MPSC_MSGS % producers, 0);
    MPSC_MSGS / producers
}

/// Sum the consumer must see: every producer sends 0..per.
pub fn mpsc_expected(producers: u64) -> u64 {
    let per = mpsc_per_producer(producers);
    producers * (per * (per - 1) / 2)
}
