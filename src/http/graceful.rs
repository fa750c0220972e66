//! The drain behind [`with_graceful_shutdown`](super::Serve::with_graceful_shutdown): every
//! connection a server accepted holds a [`Watch`]; [`Drain::begin`] tells them all to shut
//! down gracefully, and [`Drain::poll_drained`] is ready once the last one is gone.
//!
//! hyper-util's `GracefulShutdown` does the same over a tokio `watch` channel, whose receiver
//! a connection polls on every one of its own polls; here a poll costs one atomic load and a
//! `Waker::will_wake` (a connection's task keeps one waker), and the lock is taken only when a
//! connection starts, ends or gets a new waker, and once at shutdown.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use slab::Slab;

use crate::util::Mutex;

/// What a server's connections and its accept loop share.
#[derive(Debug)]
pub(crate) struct Drain {
    /// Set (under the lock) once shutdown began: read without the lock on every poll.
    begun: AtomicBool,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Per live connection, the waker to wake when shutdown begins (`None` before its first
    /// poll: it looks at `begun` then).
    connections: Slab<Option<Waker>>,
    /// The server waiting for the last connection to end.
    drained: Option<Waker>,
}

impl Default for Drain {
    fn default() -> Drain {
        Drain {
            begun: AtomicBool::new(false),
            state: Mutex::new(State::default()),
        }
    }
}

impl Drain {
    /// Counts a new connection; it is counted until the returned `Watch` is dropped.
    pub(crate) fn watch(self: &Arc<Self>) -> Watch {
        let key = self.state.lock().connections.insert(None);
        Watch {
            drain: self.clone(),
            key,
            registered: None,
            told: false,
        }
    }

    /// Tells every connection to shut down gracefully (each finishes the requests it has
    /// begun, then closes).
    pub(crate) fn begin(&self) {
        let mut wakers: Vec<Waker> = {
            let mut state = self.state.lock();
            self.begun.store(true, Ordering::Release);
            state
                .connections
                .iter_mut()
                .filter_map(|(_, waker)| waker.take())
                .collect()
        };
        // After the lock: waking is user code.
        crate::panic::wake_all(&mut wakers);
    }

    /// Ready once every connection counted so far has ended.
    pub(crate) fn poll_drained(&self, cx: &mut Context<'_>) -> Poll<()> {
        let old = {
            let mut state = self.state.lock();
            if state.connections.is_empty() {
                return Poll::Ready(());
            }
            state.drained.replace(cx.waker().clone())
        };
        crate::panic::drop_quietly(old);
        Poll::Pending
    }

    /// How many connections are open.
    #[cfg(test)]
    pub(crate) fn connections(&self) -> usize {
        self.state.lock().connections.len()
    }
}

/// A connection's hold on the [`Drain`]: it keeps the connection counted and tells it when
/// to shut down.
#[derive(Debug)]
pub(crate) struct Watch {
    drain: Arc<Drain>,
    key: usize,
    /// The waker last stored in the drain, to store it again only when it changes.
    registered: Option<Waker>,
    /// Whether `poll_shutdown` already returned true.
    told: bool,
}

impl Watch {
    /// True exactly once: on the first poll after shutdown began. Until then, the drain holds
    /// `cx`'s waker to wake the connection when it does.
    pub(crate) fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> bool {
        if self.told {
            return false;
        }
        if !self.drain.begun.load(Ordering::Acquire) {
            if self
                .registered
                .as_ref()
                .is_some_and(|w| w.will_wake(cx.waker()))
            {
                return false;
            }
            let old = {
                let mut state = self.drain.state.lock();
                // Looked at again under the lock: `begin` sets it under the lock, so either it
                // sees this waker or this sees the flag.
                if !self.drain.begun.load(Ordering::Relaxed) {
                    let old = state.connections[self.key].replace(cx.waker().clone());
                    drop(state);
                    self.registered = Some(cx.waker().clone());
                    crate::panic::drop_quietly(old);
                    return false;
                }
                state.connections[self.key].take()
            };
            crate::panic::drop_quietly(old);
        }
        self.told = true;
        true
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let (waker, server) = {
            let mut state = self.drain.state.lock();
            let waker = state.connections.remove(self.key);
            let server = if state.connections.is_empty() {
                state.drained.take()
            } else {
                None
            };
            (waker, server)
        };
        crate::panic::drop_quietly(waker);
        if let Some(server) = server {
            crate::panic::contain(|| server.wake());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::task::Wake;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_connection_is_told_once_and_the_server_waits_for_the_last() {
        let drain = Arc::new(Drain::default());
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        let mut a = drain.watch();
        let b = drain.watch();
        assert!(!a.poll_shutdown(&mut cx));
        assert!(!a.poll_shutdown(&mut cx));
        assert!(drain.poll_drained(&mut cx).is_pending());
        drain.begin();
        assert_eq!(
            count.0.load(Ordering::SeqCst),
            1,
            "the polled connection is woken"
        );
        assert!(a.poll_shutdown(&mut cx));
        assert!(!a.poll_shutdown(&mut cx), "told once");
        drop(a);
        assert!(drain.poll_drained(&mut cx).is_pending());
        drop(b);
        assert_eq!(count.0.load(Ordering::SeqCst), 2, "the server is woken");
        assert!(drain.poll_drained(&mut cx).is_ready());
    }

    #[test]
    fn a_connection_that_starts_after_shutdown_began_is_told_at_its_first_poll() {
        let drain = Arc::new(Drain::default());
        let waker = Waker::from(Arc::new(Count(AtomicUsize::new(0))));
        let mut cx = Context::from_waker(&waker);
        let mut late = drain.watch();
        drain.begin();
        assert!(late.poll_shutdown(&mut cx));
        assert_eq!(drain.connections(), 1);
    }
}
