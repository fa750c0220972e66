//! `WriterHandle`: a server's hold on a connection's [`StreamWriter`](super::StreamWriter).

use std::fmt;
use std::io;
use std::net::Shutdown;
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

impl<W: WriteTransport> WriterHandle<W> {
    /// As [`StreamWriter::close`], without waiting.
    pub(crate) fn close(&self) {
        begin_close(&self.shared);
    }

    /// Drops the buffered bytes and shuts the connection down at once; the writer's later
    /// operations fail with `ConnectionAborted`. A connection already closed is left alone.
    pub(crate) fn abort(&self) {
        let mut st = self.shared.state.lock();
        if st.closed {
            return;
        }
        let dropped = st.fail(io::ErrorKind::ConnectionAborted, ABORTED.to_owned());
        st.close_requested = true;
        st.closed = true;
        let _ = self.shared.io.shutdown(Shutdown::Both);
        let waiters = std::mem::take(&mut st.waiters);
        drop(st);
        drop(dropped);
        wake_all(waiters);
    }

    /// Ready once nothing more will be sent: the buffer is flushed and no flusher runs, or
    /// the connection failed.
    pub(crate) fn poll_finished(&self, cx: &mut Context<'_>) -> Poll<()> {
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
