//! A loop's view of the self-pipe: a dup of its read end registered in the loop's reactor, so a
//! signal's byte wakes the loop out of `park` like any socket would — delivery through baton's
//! own reactor, with no thread of its own (tokio's design).
//!
//! The registration's waker is the pipe's own: woken by the reactor (on the loop's thread,
//! after the reactor let go of its locks), it reads the pipe dry, which also waits for the next
//! byte, and calls the registry's [`dispatch`](super::registry::dispatch). Every loop with
//! listeners has one; the pipe's bytes go to whichever loop reads first, and the broadcast wakes
//! the listeners of every loop. Listeners hold it (`Arc`); the waker only a `Weak`, so the last
//! listener of a loop deregisters it.

use std::fs::File;
use std::io;
use std::os::fd::FromRawFd;
use std::sync::{Mutex as StdMutex, Weak};
use std::task::{Context, Poll, Wake, Waker};

use super::{handler, registry};
use crate::coop;
use crate::io::evented::Evented;
use crate::runtime::context;
use crate::runtime::driver::reactor::Initially;
use crate::util::lock_static;

/// The open pipes by loop number, so a loop's listeners share one.
static BY_LOOP: StdMutex<Vec<(u32, Weak<LoopPipe>)>> = StdMutex::new(Vec::new());

/// The self-pipe as one loop's reactor sees it.
pub(crate) struct LoopPipe {
    loop_id: u32,
    read: Evented<File>,
}

/// The registration's waker: drains the pipe and broadcasts.
struct DrainOnWake(Weak<LoopPipe>);

impl Wake for DrainOnWake {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        if let Some(pipe) = self.0.upgrade() {
            pipe.drain_and_dispatch();
        }
    }
}

impl LoopPipe {
    /// The running loop's pipe, kept in `cached` (made and registered if this loop has none).
    /// Does nothing outside a loop, and leaves `cached` as it is when the registration fails
    /// (the next poll tries again; other loops' broadcasts still arrive).
    pub(crate) fn attach(cached: &mut Option<std::sync::Arc<LoopPipe>>) -> io::Result<()> {
        let Some(loop_id) = context::try_with(|lp| lp.map(|lp| lp.loop_id())) else {
            return Ok(());
        };
        if matches!(cached, Some(pipe) if pipe.loop_id == loop_id) {
            return Ok(());
        }
        let found = {
            let mut pipes = lock_static(&BY_LOOP);
            pipes.retain(|(_, pipe)| pipe.strong_count() > 0);
            pipes
                .iter()
                .find(|(id, _)| *id == loop_id)
                .and_then(|(_, pipe)| pipe.upgrade())
        };
        let pipe = match found {
            Some(pipe) => pipe,
            None => {
                let pipe = std::sync::Arc::new(LoopPipe::register(loop_id)?);
                lock_static(&BY_LOOP).push((loop_id, std::sync::Arc::downgrade(&pipe)));
                // Reads what arrived before, and arms the waker for what comes next.
                pipe.drain_and_dispatch();
                pipe
            }
        };
        *cached = Some(pipe);
        Ok(())
    }

    fn register(loop_id: u32) -> io::Result<LoopPipe> {
        let read_end = handler::read_end()
            .ok_or_else(|| io::Error::other("no signal handler is installed yet"))?;
        // SAFETY: `read_end` is the self-pipe's read end, open for the life of the process;
        // `F_DUPFD_CLOEXEC` gives a new descriptor sharing its (non-blocking) open file.
        let dup = unsafe { libc::fcntl(read_end, libc::F_DUPFD_CLOEXEC, 0) };
        if dup < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `dup` was just opened and nothing else owns it.
        let file = unsafe { File::from_raw_fd(dup) };
        Ok(LoopPipe {
            loop_id,
            read: Evented::new(file, Initially::Ready)?,
        })
    }

    /// Reads the pipe until it would block (which leaves this pipe's waker in the
    /// registration), then hands the arrived signals out.
    fn drain_and_dispatch(self: &std::sync::Arc<Self>) {
        let waker = Waker::from(std::sync::Arc::new(DrainOnWake(std::sync::Arc::downgrade(
            self,
        ))));
        let mut cx = Context::from_waker(&waker);
        let mut bytes = [0u8; 64];
        // The reading is the runtime's work, not the task's that may be polling: a spent
        // budget must not make the read wake this very waker from inside its wake.
        coop::unconstrained(|| loop {
            match self.read.poll_read(&mut cx, &mut bytes) {
                Poll::Ready(Ok(n)) if n > 0 => continue,
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                // No writer ever closes; an error means the loop closed: nothing to wait for.
                Poll::Ready(_) | Poll::Pending => break,
            }
        });
        registry::dispatch();
    }
}
