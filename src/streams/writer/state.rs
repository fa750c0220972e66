//! The state a [`StreamWriter`](super::StreamWriter) shares with its flusher task and its
//! server: the buffer, the water marks, the close protocol, and the tasks waiting on them.

use crate::util::Mutex;
use std::io;
use std::net::Shutdown;
use std::sync::Arc;
use std::task::Waker;

use super::handle::HeldWriter;
use crate::net::WriteTransport;

/// asyncio's default high-water mark: 64 KiB.
pub(crate) const DEFAULT_HIGH_WATER: usize = 64 * 1024;

/// What the writer, its flusher task and the server's [`WriterHandle`](super::WriterHandle)
/// share.
pub(super) struct Shared<W> {
    pub(super) io: W,
    pub(super) state: Mutex<State>,
}

/// The buffer, the water marks and where the writer is in its life.
#[derive(Default)]
pub(super) struct State {
    /// `buf[start..]` is waiting to be written.
    pub(super) buf: Vec<u8>,
    pub(super) start: usize,
    pub(super) high: usize,
    pub(super) low: usize,
    /// Set when the buffer passed `high`; cleared when the flusher brings it to `low`.
    pub(super) paused: bool,
    /// The connection failed (the first write error) or was aborted; the buffer was dropped
    /// and every later `drain`/`close`/`wait_closed` reports it.
    pub(super) failure: Option<(io::ErrorKind, String)>,
    /// A `write` came after `close` or `write_eof` and its bytes were dropped; reported as
    /// `BrokenPipe` by `drain`, `close` and `wait_closed`. Bytes written before still go out.
    pub(super) dropped_write: Option<&'static str>,
    /// `write_eof` was called: shut writing down once the buffer is empty.
    pub(super) eof_requested: bool,
    /// `close` was called (or the server closed or aborted the connection): shut both
    /// directions down once the buffer is empty. The writer *is closing* from here on.
    pub(super) close_requested: bool,
    /// The shutdown that `close` asked for has happened (or the connection was aborted).
    pub(super) closed: bool,
    /// A flusher task exists (it ends when the buffer is empty, or on failure).
    pub(super) flusher_running: bool,
    /// `start_tls` took the transport for a TLS writer: the handles held of this writer (a
    /// server's) act on that one instead (see `handle.rs`).
    pub(super) successor: Option<Arc<dyn HeldWriter>>,
    /// Tasks waiting in `drain`, `close` or `wait_closed`, or for the connection to finish;
    /// all are woken at every change one of them may wait for, and re-check.
    pub(super) waiters: Vec<Waker>,
}

impl State {
    pub(super) fn pending(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Leaves `waker` to be woken at the next change, unless it is there already.
    pub(super) fn register(&mut self, waker: &Waker) {
        // Never replaces (so never drops) a stored waker under the lock: a waker's drop is
        // user code, and may touch this writer.
        if !self.waiters.iter().any(|w| w.will_wake(waker)) {
            self.waiters.push(waker.clone());
        }
    }

    /// Records the first failure and drops the buffer, which can no longer be sent; returns
    /// the dropped bytes, to be freed after the lock.
    pub(super) fn fail(&mut self, kind: io::ErrorKind, msg: String) -> Vec<u8> {
        if self.failure.is_none() {
            self.failure = Some((kind, msg));
        }
        self.start = 0;
        self.paused = false;
        std::mem::take(&mut self.buf)
    }

    pub(super) fn failure(&self) -> Option<io::Error> {
        self.failure
            .as_ref()
            .map(|(kind, msg)| io::Error::new(*kind, msg.clone()))
    }

    /// The failure, else the dropped write: what `drain`, `close` and `wait_closed` report.
    pub(super) fn error(&self) -> Option<io::Error> {
        self.failure().or_else(|| {
            self.dropped_write
                .map(|msg| io::Error::new(io::ErrorKind::BrokenPipe, msg))
        })
    }

    /// Gives back a large buffer once it is empty, so one big write does not pin its memory.
    pub(super) fn release_empty_buffer(&mut self) -> Vec<u8> {
        self.start = 0;
        if self.buf.capacity() > self.high.max(DEFAULT_HIGH_WATER) {
            std::mem::take(&mut self.buf)
        } else {
            self.buf.clear();
            Vec::new()
        }
    }
}

/// Wakes what was collected under the lock, after it was released.
pub(super) fn wake_all(waiters: Vec<Waker>) {
    for w in waiters {
        w.wake();
    }
}

/// Asks for the close: at once when nothing is buffered, else by the flusher once it is.
pub(super) fn begin_close<W: WriteTransport>(shared: &Shared<W>) {
    let mut st = shared.state.lock();
    if st.close_requested {
        return;
    }
    st.close_requested = true;
    let idle = st.pending() == 0 && !st.flusher_running;
    if st.failure.is_some() || idle {
        // Nothing (more) can be sent: shut down now.
        let _ = shared.io.shutdown(Shutdown::Both);
        st.closed = true;
    }
    // Waiters see the change: `drain` fails from now on, `wait_closed` may be done.
    let waiters = std::mem::take(&mut st.waiters);
    drop(st);
    wake_all(waiters);
}
