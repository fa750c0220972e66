//! hyper's `rt::Read` and `rt::Write` for [`TlsStream`] (with the `hyper` feature), so a TLS
//! connection goes straight into hyper's `serve_connection` or client `handshake`. The code is
//! the one `baton::io::HyperIo` uses (`io/hyper_io.rs`): rustls hands out plaintext into
//! initialised bytes, so at most one record's worth of hyper's buffer is zeroed per read.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use ::hyper::rt::{Read, ReadBufCursor};
use futures_io::{AsyncRead, AsyncWrite};

use super::stream::TlsStream;
use crate::io::hyper_io;

/// The most plaintext one TLS record carries: the most one read gives at once.
const MAX_RECORD: usize = 16 * 1024;

impl<S: AsyncRead + AsyncWrite + Unpin> Read for TlsStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let tls = self.get_mut();
        hyper_io::poll_read_zeroed(buf, MAX_RECORD, |init| tls.poll_read_plain(cx, init))
    }
}

// `poll_shutdown` sends `close_notify`, then shuts the stream down for writing.
hyper_io::hyper_write!([S: AsyncRead + AsyncWrite + Unpin] TlsStream<S>, vectored: false);
