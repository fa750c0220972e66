//! A listener: one entry in the registry, and the running loop's pipe it keeps registered so
//! that its loop wakes when a signal arrives.

use std::io;
use std::task::{Context, Poll};

use super::loop_pipe::LoopPipe;
use super::registry::{self, Mailbox, SignalSet};
use super::{handler, number};
use crate::loom::Arc;

/// Receives the signals of its set that arrive from its making on.
pub(crate) struct Listener {
    id: u64,
    mailbox: Arc<Mailbox>,
    /// The pipe of the loop it was last polled on.
    pipe: Option<std::sync::Arc<LoopPipe>>,
    /// The `Runner`'s Ctrl-C watch: the signal it watches, to give back on drop.
    watching: Option<i32>,
}

impl Listener {
    /// A listener of the program's own, for `signals`.
    ///
    /// # Errors
    /// A forbidden or unknown signal number, or a handler the OS refuses.
    pub(crate) fn new(signals: impl IntoIterator<Item = i32>) -> io::Result<Listener> {
        let mut set: SignalSet = 0;
        for signal in signals {
            number::check(signal)?;
            set |= registry::bit(signal);
        }
        for signal in (1..=number::MAX_SIGNAL).filter(|&s| set & registry::bit(s) != 0) {
            handler::listen(signal)?;
        }
        Ok(Listener::register(set, None))
    }

    /// A `Runner`'s watch of `signal`, which hears it only when no other listener does; `None`
    /// when the signal is ignored or handled by code other than baton's (left alone).
    ///
    /// # Errors
    /// A handler the OS refuses.
    pub(crate) fn fallback(signal: i32) -> io::Result<Option<Listener>> {
        number::check(signal)?;
        if !handler::watch(signal)? {
            return Ok(None);
        }
        Ok(Some(Listener::register(
            registry::bit(signal),
            Some(signal),
        )))
    }

    fn register(set: SignalSet, watching: Option<i32>) -> Listener {
        let (id, mailbox) = registry::register(set, watching.is_some());
        let mut listener = Listener {
            id,
            mailbox,
            pipe: None,
            watching,
        };
        // Made on a loop: its pipe now, so a signal that comes before the first poll wakes it.
        let _ = LoopPipe::attach(&mut listener.pipe);
        listener
    }

    /// The next signal received; `Pending` until one arrives, with `cx`'s task woken then.
    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<i32> {
        // A failed registration (out of descriptors) is tried again on the next poll; other
        // loops' broadcasts reach the mailbox meanwhile.
        let _ = LoopPipe::attach(&mut self.pipe);
        self.mailbox.poll_take(cx)
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        registry::unregister(self.id);
        if let Some(signal) = self.watching {
            handler::unwatch(signal);
        }
    }
}
