//! `WakerSet`: the wakers of every task waiting on one channel end (broadcast receivers, watch
//! receivers, promise awaiters), woken all at once.
//!
//! A waiting future keeps a [`WaitKey`] to its slot so that re-polls replace its waker in place
//! and a dropped future removes it. `take_all` empties the set and bumps the generation, which
//! turns every outstanding key stale: a stale key is never used to remove a slot that another
//! waiter has since been given.
//!
//! The set lives under its channel's lock, and a waker's `drop` is user code that may re-enter
//! the channel, so the set never drops a waker itself: `register` returns the one it replaced
//! and `remove` the one it took out, and the caller drops them after releasing the lock.

use std::task::Waker;

use slab::Slab;

use crate::panic::contain;

/// Wakers of waiting futures; kept under the channel's lock.
#[derive(Debug, Default)]
pub(crate) struct WakerSet {
    wakers: Slab<Waker>,
    /// Bumped by every `take_all`; keys of an older generation refer to nothing.
    generation: u64,
}

/// A waiting future's slot in a [`WakerSet`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct WaitKey {
    key: usize,
    generation: u64,
}

impl WakerSet {
    pub(crate) fn new() -> WakerSet {
        WakerSet::default()
    }

    /// Records `waker` for the future that owns `slot`, replacing the one it left before (unless
    /// that one wakes the same task); returns the replaced waker, to drop after the lock.
    #[must_use = "drop the replaced waker after releasing the lock"]
    pub(crate) fn register(&mut self, slot: &mut Option<WaitKey>, waker: &Waker) -> Option<Waker> {
        if let Some(k) = *slot {
            if k.generation == self.generation {
                if let Some(w) = self.wakers.get_mut(k.key) {
                    if w.will_wake(waker) {
                        return None;
                    }
                    return Some(std::mem::replace(w, waker.clone()));
                }
            }
        }
        let key = self.wakers.insert(waker.clone());
        *slot = Some(WaitKey {
            key,
            generation: self.generation,
        });
        None
    }

    /// Forgets the waker of the future that owns `slot` (it is done waiting or dropped) and
    /// returns it, to drop after the lock.
    #[must_use = "drop the removed waker after releasing the lock"]
    pub(crate) fn remove(&mut self, slot: &mut Option<WaitKey>) -> Option<Waker> {
        let k = slot.take()?;
        if k.generation == self.generation {
            self.wakers.try_remove(k.key)
        } else {
            None
        }
    }

    /// Empties the set. The caller wakes the returned wakers after releasing its lock (a waker
    /// may run arbitrary code).
    pub(crate) fn take_all(&mut self) -> Slab<Waker> {
        if self.wakers.is_empty() {
            return Slab::new();
        }
        self.generation += 1;
        std::mem::take(&mut self.wakers)
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.wakers.is_empty()
    }
}

/// Wakes every waker of a set taken with [`WakerSet::take_all`].
/// Each wake is contained: a waker that panics must not leave the ones after it unwoken.
pub(crate) fn wake_all(wakers: Slab<Waker>) {
    for (_, waker) in wakers {
        contain(move || waker.wake());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "Miri does not keep vtables unique, so `will_wake` may say no to a clone"
    )]
    fn stale_keys_never_remove_a_newer_waiter() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut set = WakerSet::new();
        let (mut a, mut b) = (None, None);
        assert!(set.register(&mut a, &waker).is_none());
        assert!(set.register(&mut a, &waker).is_none()); // re-poll: same slot
        wake_all(set.take_all());
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert!(set.register(&mut b, &waker).is_none()); // likely reuses slot 0
        assert!(set.remove(&mut a).is_none()); // stale: must not remove b
        assert!(!set.is_empty());
        assert!(set.remove(&mut b).is_some());
        assert!(set.is_empty());
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "Miri does not keep vtables unique, so `will_wake` may say no to a clone"
    )]
    fn hands_back_the_wakers_it_lets_go_of() {
        let first = Waker::from(Arc::new(Count(AtomicUsize::new(0))));
        let second = Waker::from(Arc::new(Count(AtomicUsize::new(0))));
        let mut set = WakerSet::new();
        let mut slot = None;
        assert!(set.register(&mut slot, &first).is_none());
        let replaced = set
            .register(&mut slot, &second)
            .expect("another task: replaced");
        assert!(replaced.will_wake(&first));
        let removed = set.remove(&mut slot).expect("registered");
        assert!(removed.will_wake(&second));
        assert!(set.remove(&mut slot).is_none(), "already removed");
    }
}
