//! A parent waker whose `drop` wakes one of the gathered children: `Gather` registers a new
//! parent waker on every poll and must drop the one it replaces after releasing the lock that
//! guards it, because a child's wake takes that same lock. Dropping it under the lock
//! deadlocked; the hang guard turns that into a failure.

mod common;

use common::{bounded, noop_waker, park_with_reentrant_waker, poll_with};

use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

#[test]
fn gather_parent_waker_replaced_on_repoll_may_wake_a_child() {
    bounded(Duration::from_secs(5), || {
        let child_waker: Arc<Mutex<Option<Waker>>> = Arc::default();
        let go = Arc::new(AtomicBool::new(false));
        let (slot, ready) = (child_waker.clone(), go.clone());
        let child = poll_fn(move |cx| {
            if ready.load(Ordering::SeqCst) {
                Poll::Ready(1u8)
            } else {
                *slot.lock().unwrap() = Some(cx.waker().clone());
                Poll::Pending
            }
        });
        let mut gathered = baton::gather([child]);
        park_with_reentrant_waker(&mut gathered, move || {
            go.store(true, Ordering::SeqCst);
            let waker = child_waker.lock().unwrap().take();
            waker.expect("the child stored its waker").wake();
        });
        // This poll registers a new parent waker, dropping the old one, whose drop wakes the
        // child; the same poll (or the next, which the wake asked for) then finishes it.
        let waker = noop_waker();
        let out = match poll_with(&mut gathered, &waker) {
            Poll::Ready(out) => out,
            Poll::Pending => match poll_with(&mut gathered, &waker) {
                Poll::Ready(out) => out,
                Poll::Pending => panic!("the child was woken but never polled"),
            },
        };
        assert_eq!(out, [1]);
    });
}
