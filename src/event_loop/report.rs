//! Reports from the floors above the loop (a server's accept loop, its connections) to the
//! exception handler of the loop running on this thread (asyncio's
//! `self._loop.call_exception_handler(...)` inside its transports).

use super::handle::LoopHandle;
use crate::debug::{default_exception_handler, Exception, ExceptionKind};

/// Hands a report of `kind` to the running loop's exception handler; with no loop running
/// here, to the default handler (stderr), so nothing is lost. The handler runs with no lock or
/// borrow held by the caller's floor: callers report after their own state is put back.
pub(crate) fn report_to_running_loop(kind: ExceptionKind) {
    let exception = Exception::new(kind);
    match LoopHandle::try_current() {
        Some(lp) => lp.call_exception_handler(&exception),
        None => default_exception_handler(&exception),
    }
}

/// Whether the loop running on this thread is in debug mode (false off any loop): reports
/// that asyncio makes only in debug mode check it first, and skip gathering what they would
/// say (a peer's address costs a system call) when it is off.
#[cfg(any(feature = "tls", feature = "hyper"))]
pub(crate) fn running_loop_debug() -> bool {
    LoopHandle::try_current().is_some_and(|lp| lp.debug())
}
