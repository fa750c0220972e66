//! The `SIGCHLD` fallback: how a child's exit is seen where pidfds are not available (see
//! `exit_watcher.rs`), through [`baton::signal`](crate::signal)'s process-wide registry.
//!
//! Each waiting child listens for `SIGCHLD` ([`Signals`]): the registry's handler owns the
//! signal's disposition, and every listener hears every `SIGCHLD` (through the reactor of
//! whichever loop drains the self-pipe first), so several loops, and code of the program's own
//! that listens for `SIGCHLD`, coexist. A `SIGCHLD` says that *some* child exited; each waiter
//! then looks at its own. The listener is made before the first look, so an exit after that
//! look always brings a delivery (signals coalesce, but one is queued after each arrival).

use std::io;
use std::process::ExitStatus;
use std::task::{Context, Poll};

use crate::signal::Signals;

/// One child's `SIGCHLD` listener.
pub(crate) struct SigchldWatch {
    signals: Signals,
}

impl SigchldWatch {
    /// Listens for `SIGCHLD` from now on (installing the registry's handler on first use).
    ///
    /// # Errors
    /// When the handler or its self-pipe cannot be set up.
    pub(super) fn new() -> io::Result<SigchldWatch> {
        Ok(SigchldWatch {
            signals: Signals::new([libc::SIGCHLD])?,
        })
    }

    /// Ready once `child` has exited (reaping it); otherwise `cx`'s waker waits for the next
    /// `SIGCHLD`.
    pub(super) fn poll_exit(
        &mut self,
        cx: &mut Context<'_>,
        child: &mut std::process::Child,
    ) -> Poll<io::Result<ExitStatus>> {
        loop {
            if let Some(status) = child.try_wait()? {
                return Poll::Ready(Ok(status));
            }
            if self.signals.poll_recv(cx).is_pending() {
                return Poll::Pending;
            }
            // A SIGCHLD came since the listener last looked: look again.
        }
    }
}
