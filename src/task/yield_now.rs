//! `yield_now`: asyncio's `sleep(0)`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Gives the other ready tasks a turn (asyncio's `await asyncio.sleep(0)`): the task goes to the
/// back of the ready queue and resumes after everything that was ready before it.
///
/// # Examples
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// baton::run(async {
///     let log = Rc::new(RefCell::new(Vec::new()));
///     let l = log.clone();
///     let t = baton::spawn(async move { l.borrow_mut().push("task") });
///     log.borrow_mut().push("before yield");
///     baton::yield_now().await;
///     log.borrow_mut().push("after yield");
///     t.await.unwrap();
///     assert_eq!(*log.borrow(), ["before yield", "task", "after yield"]);
/// });
/// ```
///
/// # Cancel safety
/// Cancel safe: it holds nothing.
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl fmt::Debug for YieldNow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("YieldNow")
            .field("yielded", &self.yielded)
            .finish()
    }
}
