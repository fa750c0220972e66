//! `Handshake<S>`: the future of a TLS handshake, returning the [`TlsStream`] when it is done.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use super::error::eof_in_handshake;
use super::stream::TlsStream;

/// The future of [`TlsConnector::connect`](super::TlsConnector::connect) and
/// [`TlsAcceptor::accept`](super::TlsAcceptor::accept): drives the handshake and gives the
/// [`TlsStream`] once it is done and every byte of it sent (so a server's session tickets go
/// out with its last flight).
///
/// It has no timeout of its own: a peer that stalls stalls it. Wrap it in
/// [`timeout`](crate::time::timeout), as the streams API does (asyncio's
/// `ssl_handshake_timeout`, 60 s by default).
///
/// # Examples
/// ```
/// # use std::sync::Arc;
/// # use baton::tls::rustls;
/// # fn configs() -> (Arc<rustls::ClientConfig>, Arc<rustls::ServerConfig>) {
/// #     let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
/// #     let mut roots = rustls::RootCertStore::empty();
/// #     roots.add(cert.cert.der().clone()).unwrap();
/// #     let client = rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
/// #     let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
/// #     let server = rustls::ServerConfig::builder().with_no_client_auth()
/// #         .with_single_cert(vec![cert.cert.der().clone()], key).unwrap();
/// #     (Arc::new(client), Arc::new(server))
/// # }
/// # let (client, _) = configs();
/// use std::time::Duration;
///
/// baton::run(async {
///     let (a, _silent_peer) = baton::net::UnixStream::pair()?;
///     let handshake = baton::tls::TlsConnector::from(client).connect("localhost", a);
///     let stalled = baton::time::timeout(Duration::from_millis(10), handshake).await;
///     assert!(stalled.is_err()); // the peer never answered
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Cancel safety
/// Dropping it drops the connection, mid-handshake.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Handshake<S> {
    /// `Err`: the connection could not even start (a bad server name); reported at the poll.
    stream: Option<io::Result<TlsStream<S>>>,
}

impl<S> Handshake<S> {
    pub(super) fn new(stream: io::Result<TlsStream<S>>) -> Handshake<S> {
        Handshake {
            stream: Some(stream),
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Future for Handshake<S> {
    type Output = io::Result<TlsStream<S>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let stream = match self
            .stream
            .as_mut()
            .expect("Handshake polled after completion")
        {
            Ok(stream) => stream,
            Err(_) => return Poll::Ready(self.stream.take().unwrap()),
        };
        let step = loop {
            match stream.poll_send_all(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => break Poll::Ready(Err(e)),
                Poll::Pending => break Poll::Pending,
            }
            if !stream.connection().is_handshaking() {
                break Poll::Ready(Ok(()));
            }
            match stream.poll_read_tls(cx) {
                Poll::Ready(Ok(0)) => break Poll::Ready(Err(eof_in_handshake())),
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(e)) => break Poll::Ready(Err(e)),
                Poll::Pending => break Poll::Pending,
            }
        };
        match step {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(())) => Poll::Ready(self.stream.take().unwrap()),
            Poll::Ready(Err(e)) => {
                self.stream = None;
                Poll::Ready(Err(e))
            }
        }
    }
}

impl<S> fmt::Debug for Handshake<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handshake").finish_non_exhaustive()
    }
}
