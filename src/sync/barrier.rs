//! `Barrier`: asyncio's `Barrier` (Python 3.11), with `abort` and a broken state.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use futures_core::future::FusedFuture;

use super::BarrierError;
use crate::util::{Mutex, WaitKey, WaitList, WakeList};

/// Makes `parties` tasks wait for each other (asyncio's `Barrier`).
///
/// Each [`wait`](Barrier::wait) returns its arrival index (`0..parties`) once `parties` tasks
/// have arrived; then the barrier starts over for the next round. [`abort`](Barrier::abort)
/// breaks it: present and future waits fail with [`BarrierError::Broken`] until
/// [`reset`](Barrier::reset).
///
/// # Differences from asyncio
/// The last arrival releases the round in one step, so a task that comes back at once joins the
/// next round instead of waiting for the others to leave (asyncio's "draining" state has no
/// observable effect here). As in asyncio, a waiter cancelled before its round completes no
/// longer counts as arrived.
///
/// `Barrier` is `Send + Sync`.
///
/// # Examples
/// ```
/// use baton::sync::Barrier;
/// use std::rc::Rc;
///
/// baton::run(async {
///     let barrier = Rc::new(Barrier::new(3));
///     let tasks: Vec<_> = (0..3)
///         .map(|_| {
///             let b = barrier.clone();
///             baton::spawn(async move { b.wait().await.unwrap() })
///         })
///         .collect();
///     let mut indices = Vec::new();
///     for t in tasks {
///         indices.push(t.await.unwrap());
///     }
///     indices.sort();
///     assert_eq!(indices, [0, 1, 2]);
/// });
/// ```
pub struct Barrier {
    parties: usize,
    state: Mutex<State>,
}

struct State {
    /// Tasks arrived in the current round.
    count: usize,
    broken: bool,
    waiters: WaitList<Slot>,
}

/// A waiter's arrival index, and how its round ended.
#[derive(Clone, Copy)]
struct Slot {
    index: usize,
    broken: bool,
}

impl Barrier {
    /// A barrier for `parties` tasks.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(baton::sync::Barrier::new(2).parties(), 2);
    /// ```
    ///
    /// # Panics
    /// If `parties` is 0 (asyncio raises `ValueError`).
    pub fn new(parties: usize) -> Barrier {
        assert!(parties > 0, "a Barrier needs at least one party");
        Barrier {
            parties,
            state: Mutex::new(State {
                count: 0,
                broken: false,
                waiters: WaitList::new(),
            }),
        }
    }

    /// Waits until `parties` tasks have called `wait`; returns this task's arrival index.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let barrier = baton::sync::Barrier::new(1);
    ///     assert_eq!(barrier.wait().await, Ok(0)); // the only party: passes at once
    /// });
    /// ```
    ///
    /// # Errors
    /// [`BarrierError::Broken`] if the barrier is broken when the task arrives, or is aborted or
    /// reset while it waits.
    ///
    /// # Cancel safety
    /// Cancel safe: dropped before its round completes, the task leaves the barrier and no
    /// longer counts as arrived.
    pub fn wait(&self) -> BarrierWait<'_> {
        BarrierWait {
            barrier: self,
            key: None,
            done: false,
        }
    }

    /// Breaks the barrier: every waiting task, and every later `wait`, gets
    /// [`BarrierError::Broken`] until [`reset`](Barrier::reset).
    ///
    /// # Examples
    /// ```
    /// let barrier = baton::sync::Barrier::new(2);
    /// barrier.abort();
    /// assert!(barrier.is_broken());
    /// ```
    pub fn abort(&self) {
        self.break_round(true);
    }

    /// Returns the barrier to its empty, unbroken state; tasks waiting in the interrupted round
    /// get [`BarrierError::Broken`].
    ///
    /// # Examples
    /// ```
    /// let barrier = baton::sync::Barrier::new(2);
    /// barrier.abort();
    /// barrier.reset();
    /// assert!(!barrier.is_broken());
    /// ```
    pub fn reset(&self) {
        self.break_round(false);
    }

    fn break_round(&self, stay_broken: bool) {
        let mut wakers = WakeList::new();
        {
            let mut st = self.state.lock();
            st.broken = stay_broken;
            st.count = 0;
            st.waiters
                .notify_all(&mut wakers, |slot| slot.broken = true);
        }
        wakers.wake_all();
    }

    /// How many tasks the barrier waits for.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(baton::sync::Barrier::new(4).parties(), 4);
    /// ```
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// Tasks waiting in the current round.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(baton::sync::Barrier::new(4).n_waiting(), 0);
    /// ```
    pub fn n_waiting(&self) -> usize {
        self.state.lock().count
    }

    /// True once aborted (until reset).
    ///
    /// # Examples
    /// ```
    /// assert!(!baton::sync::Barrier::new(4).is_broken());
    /// ```
    pub fn is_broken(&self) -> bool {
        self.state.lock().broken
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.state.lock();
        f.debug_struct("Barrier")
            .field("parties", &self.parties)
            .field("n_waiting", &st.count)
            .field("broken", &st.broken)
            .finish()
    }
}

/// The future returned by [`Barrier::wait`].
///
/// # Examples
/// ```
/// use baton::sync::{Barrier, BarrierWait};
///
/// baton::run(async {
///     let barrier = Barrier::new(1);
///     let wait: BarrierWait<'_> = barrier.wait();
///     assert_eq!(wait.await, Ok(0));
/// });
/// ```
///
/// # Cancel safety
/// Cancel safe: see [`Barrier::wait`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct BarrierWait<'a> {
    barrier: &'a Barrier,
    key: Option<WaitKey>,
    done: bool,
}

impl Future for BarrierWait<'_> {
    type Output = Result<usize, BarrierError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        assert!(!this.done, "BarrierWait polled after it completed");
        let parties = this.barrier.parties;
        let mut wakers = WakeList::new();
        // Declared before the guard, so it is dropped after it (locals drop in reverse order).
        let _replaced_waker: Option<Waker>;
        let out = {
            let mut st = this.barrier.state.lock();
            match &this.key {
                None if st.broken => Err(BarrierError::Broken),
                None => {
                    let index = st.count;
                    st.count += 1;
                    if st.count == parties {
                        st.count = 0;
                        st.waiters.notify_all(&mut wakers, |_| {});
                        Ok(index)
                    } else {
                        let slot = Slot {
                            index,
                            broken: false,
                        };
                        this.key = Some(st.waiters.push(cx.waker(), slot));
                        return Poll::Pending;
                    }
                }
                Some(key) if st.waiters.is_notified(key) => {
                    let released = st.waiters.release(this.key.take().expect("checked"));
                    _replaced_waker = released.waker;
                    let slot = released.data;
                    if slot.broken {
                        Err(BarrierError::Broken)
                    } else {
                        Ok(slot.index)
                    }
                }
                Some(key) => {
                    _replaced_waker = st.waiters.update_waker(key, cx.waker());
                    return Poll::Pending;
                }
            }
        };
        wakers.wake_all();
        this.done = true;
        Poll::Ready(out)
    }
}

impl Drop for BarrierWait<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let left_behind = {
                let mut st = self.barrier.state.lock();
                let released = st.waiters.release(key);
                if !released.notified {
                    // Still in the filling round: no longer arrived.
                    st.count -= 1;
                }
                released.waker
            };
            drop(left_behind); // after the guard: a waker's drop may re-enter the barrier
        }
    }
}

/// Terminated once it returned (the barrier passed or broke).
impl FusedFuture for BarrierWait<'_> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

impl fmt::Debug for BarrierWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarrierWait")
            .field("waiting", &self.key.is_some())
            .field("done", &self.done)
            .finish()
    }
}
