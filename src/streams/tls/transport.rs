//! The TLS session of an upgraded connection, shared by its reader and its writer.
//!
//! [`Upgraded`] is the plain connection taken back from a `StreamReader`/`StreamWriter` pair
//! (the bytes the reader had buffered, its transport, the writer's transport); a
//! [`TlsStream`] runs over it, behind a lock that the reader's side ([`TlsReadHalf`], an
//! `AsyncRead` inside the new `StreamReader`) and the writer's side ([`TlsTransport`], the new
//! `StreamWriter`'s transport) share. Only the writer's side writes to the connection (the
//! reader's TLS session never takes the write waker from the writer's flusher); TLS bytes
//! the reader's side owes the peer go with the next write.

use std::fmt;
use std::io::{self, Write as _};
use std::net::Shutdown;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use super::super::reader::BoxedRead;
use super::super::writer::DetachedWriter;
use crate::net::WriteTransport;
use crate::tls::rustls::pki_types::CertificateDer;
use crate::tls::rustls::{Connection, ProtocolVersion, SupportedCipherSuite};
use crate::tls::TlsStream;
use crate::util::Mutex;

/// A plain connection taken back from a reader and a writer.
pub(super) struct Upgraded<W> {
    /// Bytes the reader had read and nobody consumed: the first the TLS session reads.
    pub(super) prefix: Vec<u8>,
    pub(super) prefix_start: usize,
    pub(super) read: BoxedRead,
    pub(super) write: DetachedWriter<W>,
}

impl<W: WriteTransport> AsyncRead for Upgraded<W> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.prefix_start < this.prefix.len() {
            let rest = &this.prefix[this.prefix_start..];
            let n = rest.len().min(buf.len());
            buf[..n].copy_from_slice(&rest[..n]);
            this.prefix_start += n;
            if this.prefix_start == this.prefix.len() {
                this.prefix = Vec::new();
                this.prefix_start = 0;
            }
            return Poll::Ready(Ok(n));
        }
        Pin::new(&mut this.read).poll_read(cx, buf)
    }
}

impl<W: WriteTransport> AsyncWrite for Upgraded<W> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.write.io().poll_write_shared(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.write.io().shutdown(Shutdown::Write))
    }
}

/// `io::Write` over a transport's `try_write`: sends what the socket takes now and registers
/// no waker (it must not take the flusher's).
struct TryWrite<'a, W>(&'a W);

impl<W: WriteTransport> io::Write for TryWrite<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.try_write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What both sides share: the TLS session over the connection.
type Session<W> = Arc<Mutex<TlsStream<Upgraded<W>>>>;

/// The new `StreamReader`'s transport: decrypted bytes.
pub(super) struct TlsReadHalf<W> {
    pub(super) session: Session<W>,
}

impl<W: WriteTransport> AsyncRead for TlsReadHalf<W> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.session.lock().poll_read_plain(cx, buf)
    }
}

/// The transport of a [`StreamWriter`](crate::StreamWriter) over TLS, from
/// [`open_tls_connection`](super::open_tls_connection), a TLS server's handler
/// ([`ServerOptions::tls`](crate::streams::ServerOptions::tls)) or
/// [`start_tls`](super::start_tls): `StreamWriter<TlsTransport>` over TCP, or
/// `StreamWriter<TlsTransport<OwnedWriteHalf<UnixStream>>>` over a Unix socket.
///
/// Written bytes are encrypted and sent as the socket takes them; `close` sends TLS's
/// `close_notify` (as far as the socket takes it at once) and shuts the socket down, as does
/// `write_eof` for writing only. A server's `close_clients` closes it the same way (also for a
/// connection its handler upgraded with [`start_tls_server`](super::start_tls_server));
/// `abort_clients` shuts the socket down without `close_notify`.
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
/// # let (client, server) = configs();
/// use baton::streams::{open_tls_connection, ServerOptions, TlsTransport};
/// use baton::{StreamReader, StreamWriter};
///
/// baton::run(async {
///     let server = ServerOptions::new()
///         .tls(server)
///         .start_server(|_r, mut w: StreamWriter<TlsTransport>| async move {
///             assert_eq!(w.transport().alpn_protocol(), None);
///             w.write(b"hello over TLS\n");
///             let _ = w.close().await;
///         }, "127.0.0.1:0")
///         .await?;
///     let connector = baton::tls::TlsConnector::from(client);
///     let (mut r, w): (StreamReader, StreamWriter<TlsTransport>) =
///         open_tls_connection(server.local_addr()?, "localhost", &connector).await?;
///     assert!(w.transport().peer_certificates().is_some());
///     assert_eq!(r.readline().await?, b"hello over TLS\n");
///     server.close().await;
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct TlsTransport<W = crate::net::OwnedWriteHalf> {
    pub(super) session: Session<W>,
}

impl<W: WriteTransport> TlsTransport<W> {
    /// The application protocol the handshake agreed on (ALPN), if any.
    ///
    /// # Examples
    /// See [`TlsTransport`].
    ///
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
    /// # let (client, server) = configs();
    /// baton::run(async {
    ///     let server = baton::streams::ServerOptions::new()
    ///         .tls(server)
    ///         .start_server(|_r, _w| async {}, "127.0.0.1:0").await?;
    ///     let connector = baton::tls::TlsConnector::from(client);
    ///     let (_r, w) = baton::streams::open_tls_connection(server.local_addr()?, "localhost", &connector).await?;
    ///     assert_eq!(w.transport().alpn_protocol(), None); // neither side offered ALPN
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn alpn_protocol(&self) -> Option<Vec<u8>> {
        self.session
            .lock()
            .connection()
            .alpn_protocol()
            .map(<[u8]>::to_vec)
    }

    /// The certificate chain the peer presented (asyncio's `get_extra_info("peercert")`):
    /// the server's, on a client; a client's only if the server asked for one.
    ///
    /// # Examples
    /// See [`TlsTransport`].
    ///
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
    /// # let (client, server) = configs();
    /// baton::run(async {
    ///     let server = baton::streams::ServerOptions::new()
    ///         .tls(server)
    ///         .start_server(|_r, w: baton::StreamWriter<baton::streams::TlsTransport>| async move {
    ///             assert!(w.transport().peer_certificates().is_none()); // no client certificate
    ///         }, "127.0.0.1:0").await?;
    ///     let connector = baton::tls::TlsConnector::from(client);
    ///     let (_r, w) = baton::streams::open_tls_connection(server.local_addr()?, "localhost", &connector).await?;
    ///     assert_eq!(w.transport().peer_certificates().map(|chain| chain.len()), Some(1));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn peer_certificates(&self) -> Option<Vec<CertificateDer<'static>>> {
        self.session
            .lock()
            .connection()
            .peer_certificates()
            .map(<[CertificateDer<'static>]>::to_vec)
    }

    /// The TLS version and cipher suite the handshake agreed on (asyncio's
    /// `get_extra_info("cipher")` and `ssl_object.version()`).
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
    /// # let (client, server) = configs();
    /// use baton::tls::rustls::ProtocolVersion;
    ///
    /// baton::run(async {
    ///     let server = baton::streams::ServerOptions::new()
    ///         .tls(server)
    ///         .start_server(|_r, _w| async {}, "127.0.0.1:0").await?;
    ///     let connector = baton::tls::TlsConnector::from(client);
    ///     let (_r, w) = baton::streams::open_tls_connection(server.local_addr()?, "localhost", &connector).await?;
    ///     let (version, suite) = w.transport().negotiated().unwrap();
    ///     assert_eq!(version, ProtocolVersion::TLSv1_3);
    ///     assert_eq!(suite.version().version, version);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn negotiated(&self) -> Option<(ProtocolVersion, SupportedCipherSuite)> {
        let tls = self.session.lock();
        let connection = tls.connection();
        Some((
            connection.protocol_version()?,
            connection.negotiated_cipher_suite()?,
        ))
    }

    /// The host name the client asked for (SNI), on a server's connection: to pick a site
    /// by name. `None` on a client's, or when the client sent none (it connected by address).
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
    /// # let (client, server) = configs();
    /// use baton::streams::TlsTransport;
    /// use baton::StreamWriter;
    ///
    /// baton::run(async {
    ///     let server = baton::streams::ServerOptions::new()
    ///         .tls(server)
    ///         .start_server(|_r, mut w: StreamWriter<TlsTransport>| async move {
    ///             let name = w.transport().server_name().unwrap_or_default();
    ///             w.write(format!("hello, {name}\n").as_bytes());
    ///             let _ = w.close().await;
    ///         }, "127.0.0.1:0").await?;
    ///     let connector = baton::tls::TlsConnector::from(client);
    ///     let (mut r, w) = baton::streams::open_tls_connection(server.local_addr()?, "localhost", &connector).await?;
    ///     assert_eq!(r.readline().await?, b"hello, localhost\n");
    ///     assert_eq!(w.transport().server_name(), None); // a client's own side
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn server_name(&self) -> Option<String> {
        match self.session.lock().connection() {
            Connection::Server(server) => server.server_name().map(str::to_owned),
            Connection::Client(_) => None,
        }
    }
}

impl<W: WriteTransport> WriteTransport for TlsTransport<W> {
    type Addr = W::Addr;

    fn peer_addr(&self) -> io::Result<W::Addr> {
        self.session.lock().get_ref().write.io().peer_addr()
    }
}

impl<W: WriteTransport> crate::net::Transport for TlsTransport<W> {
    /// Takes bytes only when no older TLS bytes wait (they would go first); sends what the
    /// socket takes now, and leaves the rest to the flusher (`has_unsent`).
    fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        let mut tls = self.session.lock();
        if tls.has_unsent() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let (io, conn) = tls.parts_mut();
        let n = conn.writer().write(buf)?;
        send_now(io, conn)?;
        Ok(n)
    }

    fn poll_write_shared(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.session.lock().poll_write_plain(cx, buf)
    }

    fn poll_flush_shared(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.session.lock().poll_send_all(cx)
    }

    fn has_unsent(&self) -> bool {
        self.session.lock().has_unsent()
    }

    /// `close_notify` first (what the socket takes now), then the socket's shutdown.
    fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        let mut tls = self.session.lock();
        tls.queue_close_notify();
        let (io, conn) = tls.parts_mut();
        let _ = send_now(io, conn);
        io.write.io().shutdown(how)
    }

    /// The socket's shutdown alone: no `close_notify`.
    fn abort(&self) -> io::Result<()> {
        self.session
            .lock()
            .get_ref()
            .write
            .io()
            .shutdown(Shutdown::Both)
    }
}

/// Sends the TLS bytes rustls holds, as far as the socket takes them now.
fn send_now<W: WriteTransport>(
    io: &mut Upgraded<W>,
    conn: &mut crate::tls::rustls::Connection,
) -> io::Result<()> {
    let mut socket = TryWrite(io.write.io());
    while conn.wants_write() {
        match conn.write_tls(&mut socket) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => return Err(e),
        }
    }
    socket.flush()
}

impl<W> fmt::Debug for TlsTransport<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsTransport").finish_non_exhaustive()
    }
}
