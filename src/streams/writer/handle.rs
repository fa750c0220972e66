//! `WriterHandle`: a server's hold on a connection's [`StreamWriter`](super::StreamWriter).
//!
//! A connection upgraded with `start_tls` goes on under a second writer (the TLS one) while the
//! server still holds the plain one's handle: the plain writer's state then names its
//! successor, and the handle passes `close`, `abort` and `poll_finished` on to it, so a
//! server's `close_clients` sends TLS's `close_notify` and `abort_clients` fails the TLS
//! writer's later operations, as asyncio's transports do.

use std::fmt;
use std::io;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::state::{begin_close, wake_all, Shared};
use crate::net::WriteTransport;

const ABORTED: &str = "the connection was aborted (Server::abort_clients); buffered bytes were \
                       dropped";

/// A server's hold on a connection's writer: it closes or aborts the connection from outside
/// the handler, and waits for the connection's bytes to be sent.
pub(crate) struct WriterHandle<W> {
    pub(super) shared: Arc<Shared<W>>,
}

/// A writer's handle with its transport type erased: what a server holds of each connection,
/// and what a writer upgraded to TLS passes its handle's calls on to.
pub(crate) trait HeldWriter: Send + Sync {
    /// As [`WriterHandle::close`].
    fn close(&self);
    /// As [`WriterHandle::abort`].
    fn abort(&self);
    /// As [`WriterHandle::poll_finished`].
    fn poll_finished(&self, cx: &mut Context<'_>) -> Poll<()>;
}

impl<W: WriteTransport> HeldWriter for WriterHandle<W>
where
    WriterHandle<W>: Send + Sync,
{
    fn close(&self) {
        WriterHandle::close(self);
    }

    fn abort(&self) {
        WriterHandle::abort(self);
    }

    fn poll_finished(&self, cx: &mut Context<'_>) -> Poll<()> {
        WriterHandle::poll_finished(self, cx)
    }
}

impl<W: WriteTransport> WriterHandle<W> {
    /// The writer the connection went on under after `start_tls`, if it did.
    fn successor(&self) -> Option<Arc<dyn HeldWriter>> {
        self.shared.state.lock().successor.clone()
    }

    /// Names the writer the connection goes on under after `start_tls` took this one's
    /// transport: this handle and its clones (a server's) close, abort and wait for that one
    /// from now on. A close or abort that came during the handshake is passed on at once.
    #[cfg(feature = "tls")]
    pub(crate) fn hand_over_to(&self, successor: Arc<dyn HeldWriter>) {
        let mut st = self.shared.state.lock();
        let (closing, aborted) = (st.close_requested, st.failure.is_some());
        st.successor = Some(successor.clone());
        drop(st);
        if aborted {
            successor.abort();
        } else if closing {
            successor.close();
        }
    }

    /// As [`StreamWriter::close`], without waiting.
    pub(crate) fn close(&self) {
        match self.successor() {
            Some(next) => next.close(),
            None => begin_close(&self.shared),
        }
    }

    /// Drops the buffered bytes and shuts the connection down at once; the writer's later
    /// operations fail with `ConnectionAborted`. A connection already closed is left alone.
    pub(crate) fn abort(&self) {
        if let Some(next) = self.successor() {
            return next.abort();
        }
        let mut st = self.shared.state.lock();
        if st.closed {
            return;
        }
        let dropped = st.fail(io::ErrorKind::ConnectionAborted, ABORTED.to_owned());
        st.close_requested = true;
        st.closed = true;
        let _ = self.shared.io.abort();
        let waiters = std::mem::take(&mut st.waiters);
        drop(st);
        drop(dropped);
        wake_all(waiters);
    }

    /// Ready once nothing more will be sent: the buffer is flushed and no flusher runs, or
    /// the connection failed.
    pub(crate) fn poll_finished(&self, cx: &mut Context<'_>) -> Poll<()> {
        if let Some(next) = self.successor() {
            return next.poll_finished(cx);
        }
        let mut st = self.shared.state.lock();
        if st.failure.is_some() || (st.pending() == 0 && !st.flusher_running) {
            return Poll::Ready(());
        }
        st.register(cx.waker());
        Poll::Pending
    }
}

impl<W> Clone for WriterHandle<W> {
    fn clone(&self) -> Self {
        WriterHandle {
            shared: self.shared.clone(),
        }
    }
}

impl<W> fmt::Debug for WriterHandle<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriterHandle").finish_non_exhaustive()
    }
}
