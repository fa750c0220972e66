//! The reactor: the loop parks in `mio::Poll`, and a `mio::Waker` lets other threads wake it.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use mio::{Events, Poll, Token};

/// The token of the cross-thread waker.
const UNPARK: Token = Token(usize::MAX);

/// Owns the loop's `mio::Poll`. Loop thread only.
pub(crate) struct Reactor {
    poll: Poll,
    events: Events,
    unparker: Unparker,
}

/// Wakes a parked loop from any thread.
#[derive(Clone)]
pub(crate) struct Unparker {
    waker: Arc<mio::Waker>,
}

impl Reactor {
    pub(crate) fn new() -> io::Result<Reactor> {
        let poll = Poll::new()?;
        let waker = Arc::new(mio::Waker::new(poll.registry(), UNPARK)?);
        Ok(Reactor {
            poll,
            events: Events::with_capacity(1024),
            unparker: Unparker { waker },
        })
    }

    pub(crate) fn unparker(&self) -> Unparker {
        self.unparker.clone()
    }

    /// Blocks until an event, an unpark, or `timeout` (`None`: no limit).
    pub(crate) fn park(&mut self, timeout: Option<Duration>) {
        match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => {}
            // A signal interrupted the wait: the loop re-checks its work and parks again.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => panic!("the event loop's poller failed: {e}"),
        }
        // Only the unpark token is registered so far: its events need no handling (the loop
        // reads the remote queue after every park).
    }
}

impl Unparker {
    pub(crate) fn unpark(&self) {
        // A failure here means the eventfd is gone, i.e. the loop was dropped: nothing to wake.
        let _ = self.waker.wake();
    }
}
