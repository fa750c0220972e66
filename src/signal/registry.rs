//! The listeners of every loop in the process, and the broadcast that hands each arrived signal
//! to every listener of it.
//!
//! A listener is a mailbox: the signals that arrived since it was made, each queued at most once
//! (signals coalesce, as the kernel's do and tokio's: at least one delivery after each arrival),
//! and the waker of the task waiting on it. Whichever loop drains the self-pipe first calls
//! [`dispatch`]; the wakes reach the waiting tasks on whatever loop or worker they run.
//!
//! A *fallback* listener (a `Runner`'s Ctrl-C watch) hears a signal only when no other listener
//! of that signal exists: a program that listens for `SIGINT` itself gets it instead of being
//! cancelled, as asyncio only installs its handler when the program has not.

use std::collections::VecDeque;
use std::task::{Context, Poll, Waker};

use super::handler;
use super::number::MAX_SIGNAL;
use crate::loom::Arc;
use crate::panic::wake_all;
use crate::util::{lock_static, Mutex};

/// Every listener of the process.
static LISTENERS: std::sync::Mutex<Vec<Entry>> = std::sync::Mutex::new(Vec::new());

/// Numbers the listeners.
static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A set of signal numbers, one bit per number.
pub(crate) type SignalSet = u128;

/// The set holding only `signal`.
pub(crate) fn bit(signal: i32) -> SignalSet {
    1 << signal
}

struct Entry {
    id: u64,
    signals: SignalSet,
    fallback: bool,
    mailbox: Arc<Mailbox>,
}

/// What a listener has received and who waits for it; shared by the listener and the registry.
pub(crate) struct Mailbox {
    inbox: Mutex<Inbox>,
}

struct Inbox {
    /// Arrived signals not yet taken, in arrival order, each at most once.
    queued: VecDeque<i32>,
    waker: Option<Waker>,
}

/// Adds a listener of `signals`, and returns its number and mailbox.
pub(crate) fn register(signals: SignalSet, fallback: bool) -> (u64, Arc<Mailbox>) {
    let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mailbox = Arc::new(Mailbox {
        inbox: Mutex::new(Inbox {
            queued: VecDeque::new(),
            waker: None,
        }),
    });
    lock_static(&LISTENERS).push(Entry {
        id,
        signals,
        fallback,
        mailbox: mailbox.clone(),
    });
    (id, mailbox)
}

/// Removes listener `id`.
pub(crate) fn unregister(id: u64) {
    let removed = {
        let mut listeners = lock_static(&LISTENERS);
        let at = listeners.iter().position(|entry| entry.id == id);
        at.map(|at| listeners.swap_remove(at))
    };
    // Its mailbox may hold the last reference to a waker: dropped after the lock.
    drop(removed);
}

/// Reads which signals arrived since the last look and queues each in every mailbox that
/// listens for it; wakes their tasks after the locks are released. The caller has drained the
/// self-pipe first: a signal whose byte it read has set its flag before writing the byte.
pub(crate) fn dispatch() {
    let mut fired: SignalSet = 0;
    for signal in 1..=MAX_SIGNAL {
        if handler::take_pending(signal) {
            fired |= bit(signal);
        }
    }
    if fired == 0 {
        return;
    }
    let mut wakers = Vec::new();
    {
        let listeners = lock_static(&LISTENERS);
        for signal in (1..=MAX_SIGNAL).filter(|&s| fired & bit(s) != 0) {
            let hears = |entry: &&Entry| entry.signals & bit(signal) != 0;
            let has_own = listeners.iter().filter(hears).any(|entry| !entry.fallback);
            for entry in listeners.iter().filter(hears) {
                if entry.fallback && has_own {
                    continue;
                }
                let mut inbox = entry.mailbox.inbox.lock();
                if !inbox.queued.contains(&signal) {
                    inbox.queued.push_back(signal);
                }
                wakers.extend(inbox.waker.take());
            }
        }
    }
    wake_all(&mut wakers);
}

impl Mailbox {
    /// The next signal received, or `Pending` with `cx`'s waker kept for the next one.
    pub(crate) fn poll_take(&self, cx: &mut Context<'_>) -> Poll<i32> {
        let replaced = {
            let mut inbox = self.inbox.lock();
            if let Some(signal) = inbox.queued.pop_front() {
                return Poll::Ready(signal);
            }
            match &inbox.waker {
                Some(waker) if waker.will_wake(cx.waker()) => None,
                _ => inbox.waker.replace(cx.waker().clone()),
            }
        };
        drop(replaced); // after the lock: a waker's drop is user code
        Poll::Pending
    }
}
