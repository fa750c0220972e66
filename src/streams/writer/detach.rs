//! `DetachedWriter`: a writer's transport taken back for `start_tls`, once its buffer is sent.
//!
//! The transport stays inside the writer's shared state (the server that accepted the
//! connection holds it too, to close or abort it), so what comes back is that state, used from
//! now on only for its transport: the TLS layer writes through it. Once the TLS writer exists,
//! `hand_over_to` names it in that state, so a server's `close_clients`/`abort_clients` reach
//! the TLS writer (and `close_notify` is sent).

use std::future::poll_fn;
use std::io;
use std::sync::Arc;
use std::task::Poll;

use super::handle::WriterHandle;
use super::state::Shared;
use super::StreamWriter;
use crate::net::WriteTransport;

/// The transport of a writer that was given up whole.
pub(crate) struct DetachedWriter<W> {
    shared: Arc<Shared<W>>,
}

impl<W: WriteTransport> DetachedWriter<W> {
    /// The transport.
    pub(crate) fn io(&self) -> &W {
        &self.shared.io
    }

    /// A handle on the writer this was, to name its successor (`WriterHandle::hand_over_to`).
    pub(crate) fn handle(&self) -> WriterHandle<W> {
        WriterHandle {
            shared: self.shared.clone(),
        }
    }
}

impl<W: WriteTransport> StreamWriter<W> {
    /// Waits until every buffered byte is sent, then gives the transport back. A writer that
    /// failed, is closing or wrote EOF has no transport to give (`BrokenPipe`, or its error).
    pub(crate) async fn detach(self) -> io::Result<DetachedWriter<W>> {
        poll_fn(|cx| {
            let mut st = self.shared.state.lock();
            if let Some(e) = st.failure() {
                return Poll::Ready(Err(e));
            }
            if st.close_requested || st.eof_requested {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::BrokenPipe,
                    "start_tls on a writer that is closing or wrote EOF",
                )));
            }
            if st.pending() == 0 && !st.flusher_running {
                return Poll::Ready(Ok(()));
            }
            st.register(cx.waker());
            Poll::Pending
        })
        .await?;
        Ok(DetachedWriter {
            shared: self.shared,
        })
    }
}
