//! `Event`: asyncio's `Event`, a flag tasks can wait for.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use futures_core::future::FusedFuture;

use crate::coop;
use crate::util::{leave_locked, wake_all, Mutex, WaitKey, WaitList};

/// A flag that tasks wait to see set (asyncio's `Event`).
///
/// [`set`](Event::set) wakes every waiting task, and later waits return at once until
/// [`clear`](Event::clear). A task woken by `set` returns even if the event is cleared again
/// before it runs (as in asyncio).
///
/// `Event` is `Send + Sync`: share it with `Rc` on the loop or `Arc` across threads.
///
/// # Examples
/// ```
/// use baton::sync::Event;
/// use std::rc::Rc;
///
/// baton::run(async {
///     let ev = Rc::new(Event::new());
///     let ev2 = ev.clone();
///     let waiter = baton::spawn(async move {
///         ev2.wait().await;
///         "woken"
///     });
///     baton::yield_now().await;
///     assert!(!waiter.done());
///     ev.set();
///     assert_eq!(waiter.await.unwrap(), "woken");
/// });
/// ```
pub struct Event {
    state: Mutex<State>,
}

struct State {
    set: bool,
    waiters: WaitList<()>,
}

impl Event {
    /// An event that is not set.
    ///
    /// # Examples
    /// ```
    /// assert!(!baton::sync::Event::new().is_set());
    /// ```
    pub fn new() -> Event {
        Event {
            state: Mutex::new(State {
                set: false,
                waiters: WaitList::new(),
            }),
        }
    }

    /// Sets the flag and wakes every waiting task.
    ///
    /// # Examples
    /// ```
    /// let ev = baton::sync::Event::new();
    /// ev.set();
    /// assert!(ev.is_set());
    /// ```
    pub fn set(&self) {
        let mut wakers = None;
        {
            let mut st = self.state.lock();
            st.set = true;
            st.waiters.notify_all_into(&mut wakers);
        }
        wake_all(&mut wakers);
    }

    /// Clears the flag: later waits wait again.
    ///
    /// # Examples
    /// ```
    /// let ev = baton::sync::Event::new();
    /// ev.set();
    /// ev.clear();
    /// assert!(!ev.is_set());
    /// ```
    pub fn clear(&self) {
        self.state.lock().set = false;
    }

    /// True while the flag is set.
    ///
    /// # Examples
    /// ```
    /// assert!(!baton::sync::Event::new().is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.state.lock().set
    }

    /// Waits until the flag is set; returns at once if it is.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let ev = baton::sync::Event::new();
    ///     ev.set();
    ///     ev.wait().await; // already set: no wait
    /// });
    /// ```
    ///
    /// # Cancel safety
    /// Cancel safe: dropping the future only leaves the waiters; nothing is consumed.
    pub fn wait(&self) -> EventWait<'_> {
        EventWait {
            event: self,
            key: None,
            done: false,
        }
    }
}

impl Default for Event {
    fn default() -> Event {
        Event::new()
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.state.lock();
        f.debug_struct("Event")
            .field("set", &st.set)
            .field("waiting", &st.waiters.waiting())
            .finish()
    }
}

/// The future returned by [`Event::wait`].
///
/// # Examples
/// ```
/// use baton::sync::{Event, EventWait};
///
/// baton::run(async {
///     let ev = Event::new();
///     ev.set();
///     let wait: EventWait<'_> = ev.wait();
///     wait.await;
/// });
/// ```
///
/// # Cancel safety
/// Cancel safe: dropping it only leaves the waiters.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct EventWait<'a> {
    event: &'a Event,
    key: Option<WaitKey>,
    done: bool,
}

impl EventWait<'_> {
    fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        assert!(!self.done, "EventWait polled after it completed");
        // Declared before the guard, so it is dropped after it (locals drop in reverse order).
        let _replaced_waker: Option<Waker>;
        let mut st = self.event.state.lock();
        match &self.key {
            None if st.set => {}
            None => {
                self.key = Some(st.waiters.push(cx.waker(), ()));
                return Poll::Pending;
            }
            Some(key) if st.waiters.is_notified(key) => {
                _replaced_waker = st
                    .waiters
                    .release(self.key.take().expect("checked above"))
                    .waker;
            }
            Some(key) => {
                _replaced_waker = st.waiters.update_waker(key, cx.waker());
                return Poll::Pending;
            }
        }
        self.done = true;
        Poll::Ready(())
    }
}

impl Future for EventWait<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        coop::poll_budgeted(cx, coop::Cost::Memory, |cx| self.poll_wait(cx))
    }
}

/// Terminated once it returned (the event was set).
impl FusedFuture for EventWait<'_> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

impl Drop for EventWait<'_> {
    fn drop(&mut self) {
        leave_locked(&self.event.state, &mut self.key, |st| &mut st.waiters);
    }
}

impl fmt::Debug for EventWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventWait")
            .field("waiting", &self.key.is_some())
            .field("done", &self.done)
            .finish()
    }
}
