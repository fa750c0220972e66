//! A listener for a thread of baton's own rather than a task: it blocks in `poll(2)` on a dup
//! of the self-pipe's read end, so it hears its signal even when every loop is blocked or none
//! runs (the `SIGUSR1` task dump and the orphan reaper are for exactly those cases). It drains
//! the pipe and broadcasts itself when it wakes first; when a loop did, the broadcast wakes it
//! through its waker: an eventfd of its own for [`recv`](BlockingListener::recv), or the
//! caller's for a thread that polls other descriptors too
//! ([`poll_recv`](BlockingListener::poll_recv) with [`fd`](BlockingListener::fd) in its
//! `poll(2)` set).

use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::task::{Context, Poll, Wake, Waker};

use super::handler;
use super::listener::Listener;

/// Receives `signal` on a plain thread, blocking.
pub(crate) struct BlockingListener {
    listener: Listener,
    /// The self-pipe's read end, duplicated for this thread.
    pipe: File,
    /// Written by the listener's waker: a broadcast from a loop reached the mailbox.
    woken: std::sync::Arc<EventFd>,
    waker: Waker,
}

struct EventFd(OwnedFd);

impl Wake for EventFd {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        let one = 1u64;
        // SAFETY: writes the 8 bytes of `one` to the eventfd we own; a full counter (never, at
        // one write per broadcast) would only fail with `EAGAIN`.
        unsafe { libc::write(self.0.as_raw_fd(), (&one as *const u64).cast(), 8) };
    }
}

impl BlockingListener {
    /// Listens for `signal` (installing baton's handler for it).
    ///
    /// # Errors
    /// A forbidden signal; the OS refusing the handler, the pipe's dup or the eventfd.
    pub(crate) fn new(signal: i32) -> io::Result<BlockingListener> {
        let listener = Listener::new([signal])?;
        let read_end = handler::read_end().expect("the handler made the pipe");
        // SAFETY: `read_end` is the self-pipe's read end, open for the life of the process;
        // `F_DUPFD_CLOEXEC` gives a new descriptor sharing its (non-blocking) open file.
        let dup = unsafe { libc::fcntl(read_end, libc::F_DUPFD_CLOEXEC, 0) };
        if dup < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `dup` was just opened and nothing else owns it.
        let pipe = unsafe { File::from_raw_fd(dup) };
        // SAFETY: `eventfd` takes no pointers.
        let event = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if event < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `event` was just opened and nothing else owns it.
        let woken = std::sync::Arc::new(EventFd(unsafe { OwnedFd::from_raw_fd(event) }));
        Ok(BlockingListener {
            listener,
            pipe,
            waker: Waker::from(woken.clone()),
            woken,
        })
    }

    /// Blocks until the signal arrives (since the listener was made, or the last call).
    pub(crate) fn recv(&mut self) -> i32 {
        loop {
            let waker = self.waker.clone();
            if let Poll::Ready(signal) = self.poll_recv(&mut Context::from_waker(&waker)) {
                return signal;
            }
            self.wait();
        }
    }

    /// The signal, if it arrived since the listener was made or last returned it; otherwise
    /// `Pending`, and then either [`fd`](Self::fd) becomes readable or `cx`'s waker is woken
    /// when it arrives. Never blocks: for a thread that waits on other descriptors too, with
    /// `fd` among them.
    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<i32> {
        self.drain_pipe();
        super::registry::dispatch();
        self.listener.poll_recv(cx)
    }

    /// The descriptor to wait on (readable, level-triggered) between two `Pending`s of
    /// [`poll_recv`](Self::poll_recv): this listener's dup of the self-pipe.
    pub(crate) fn fd(&self) -> RawFd {
        self.pipe.as_raw_fd()
    }

    /// Reads the pipe until it would block.
    fn drain_pipe(&mut self) {
        let mut bytes = [0u8; 64];
        loop {
            match self.pipe.read(&mut bytes) {
                Ok(n) if n > 0 => continue,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                _ => return,
            }
        }
    }

    /// Blocks until the pipe has a byte or a broadcast woke the listener; resets the eventfd.
    fn wait(&mut self) {
        let mut fds = [
            libc::pollfd {
                fd: self.pipe.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: self.woken.0.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        // SAFETY: `fds` is a valid array of two `pollfd`s for the length of the call, over
        // descriptors this listener owns. An `EINTR` just returns: the caller looks again.
        unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
        let mut count = 0u64;
        // SAFETY: reads at most 8 bytes into `count`; the eventfd is non-blocking.
        unsafe { libc::read(self.woken.0.as_raw_fd(), (&mut count as *mut u64).cast(), 8) };
    }
}
