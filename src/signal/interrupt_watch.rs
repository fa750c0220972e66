//! What a `Runner` (`event_loop/runner.rs`) needs of signals: a watch of Ctrl-C that yields to
//! the program's own listeners, and the way out of the process afterwards.

use std::io;
use std::task::{Context, Poll};

use super::handler;
use super::listener::Listener;

/// A `Runner`'s watch of `SIGINT`: hears a Ctrl-C only while the program does not listen for
/// it itself. Inactive (never ready) when the process ignores `SIGINT` or other code handles it.
pub(crate) struct InterruptWatch {
    listener: Option<Listener>,
}

impl InterruptWatch {
    /// Watches `SIGINT` if its disposition is the default one (or baton's).
    ///
    /// # Errors
    /// When the OS refuses the handler or the self-pipe.
    pub(crate) fn new() -> io::Result<InterruptWatch> {
        // Miri cannot call `sigaction`; there, `baton::run` simply runs without the watch.
        if cfg!(miri) {
            return Ok(InterruptWatch { listener: None });
        }
        Ok(InterruptWatch {
            listener: Listener::fallback(libc::SIGINT)?,
        })
    }

    /// Ready at the first Ctrl-C meant for the runner. From then on `SIGINT` has its default
    /// disposition again, so a second Ctrl-C ends the process at once, during the clean-up.
    pub(crate) fn poll_interrupted(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(listener) = &mut self.listener else {
            return Poll::Pending;
        };
        match listener.poll_recv(cx) {
            Poll::Ready(_) => {
                handler::reset_to_default(libc::SIGINT);
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Ends the process as an unhandled Ctrl-C does (the shell sees a death by `SIGINT`, 130), as
/// Python does after `asyncio.run` was interrupted.
pub(crate) fn exit_interrupted() -> ! {
    handler::die_by(libc::SIGINT)
}
