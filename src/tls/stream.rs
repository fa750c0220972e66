//! `TlsStream<S>`: a TLS connection (rustls) over any byte stream, itself a byte stream.
//!
//! rustls is sans-I/O: it takes TLS bytes (`read_tls`), hands out plaintext (`reader`), takes
//! plaintext (`writer`) and hands out TLS bytes (`write_tls`). This file is the loop between
//! those calls and the stream's polls; a poll that cannot go on leaves the stream's waker
//! registered (through [`SyncIo`]) and returns `Pending`.

use std::fmt;
use std::io::{self, Read as _, Write as _};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};
use rustls::Connection;

use super::error::tls_error;
use super::sync_io::SyncIo;

/// A TLS connection over a byte stream `S` (a [`TcpStream`](crate::net::TcpStream), a
/// [`UnixStream`](crate::net::UnixStream), or any `futures_io::AsyncRead + AsyncWrite +
/// Unpin`), made by [`TlsConnector::connect`](super::TlsConnector::connect) or
/// [`TlsAcceptor::accept`](super::TlsAcceptor::accept) once the handshake is done.
///
/// It reads and writes plaintext through `futures_io`'s `AsyncRead`/`AsyncWrite` (and, with
/// the `hyper` feature, hyper's `rt::Read`/`rt::Write`). Written bytes are encrypted into
/// rustls's buffer and sent as the stream takes them: `flush` waits until they are all sent;
/// `close` sends TLS's `close_notify` alert, then closes `S` for writing. A read returns 0
/// once the peer sent `close_notify`; a peer that closes the stream without it is an
/// `UnexpectedEof` error (a truncation attack cannot pass for the end of the data).
///
/// `Send` when `S` is, so a task of a [`Runtime`](crate::Runtime) may hold it.
///
/// # Examples
/// ```
/// # use std::sync::Arc;
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
/// use baton::net::{TcpListener, TcpStream};
/// use baton::tls::{TlsAcceptor, TlsConnector};
/// use futures_lite::{AsyncReadExt, AsyncWriteExt};
///
/// let (client_config, server_config) = configs(); // rustls configs, a self-signed cert
/// baton::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     let server = baton::spawn(async move {
///         let (tcp, _) = listener.accept().await?;
///         let mut tls = TlsAcceptor::from(server_config).accept(tcp).await?;
///         let mut line = [0; 5];
///         tls.read_exact(&mut line).await?;
///         tls.write_all(&line).await?;
///         tls.close().await // close_notify, then FIN
///     });
///     let tcp = TcpStream::connect(addr).await?;
///     let mut tls = TlsConnector::from(client_config).connect("localhost", tcp).await?;
///     tls.write_all(b"hello").await?;
///     let mut echoed = Vec::new();
///     tls.read_to_end(&mut echoed).await?;
///     assert_eq!(echoed, b"hello");
///     server.await.unwrap()?;
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct TlsStream<S> {
    io: S,
    conn: Connection,
    /// The stream reported EOF: no more TLS bytes will come.
    read_eof: bool,
    /// `close_notify` was queued (by `poll_close`, or a streams writer's shutdown).
    close_notify_queued: bool,
    /// Whether a read that fails may send the alert rustls queued: false once the stream is
    /// split between a reader and a writer task, where only the writer writes, so the reader
    /// never takes the stream's one write-waker slot from the writer.
    read_may_write: bool,
}

impl<S> TlsStream<S> {
    pub(super) fn new(io: S, conn: Connection) -> TlsStream<S> {
        TlsStream {
            io,
            conn,
            read_eof: false,
            close_notify_queued: false,
            read_may_write: true,
        }
    }

    /// The stream underneath.
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
    /// baton::run(async {
    ///     let (a, b) = baton::net::UnixStream::pair()?;
    ///     let accepting = baton::spawn(baton::tls::TlsAcceptor::from(server).accept(b));
    ///     let tls = baton::tls::TlsConnector::from(client).connect("localhost", a).await?;
    ///     assert!(tls.get_ref().peer_addr()?.is_unnamed());
    ///     accepting.await.unwrap()?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn get_ref(&self) -> &S {
        &self.io
    }

    /// The stream underneath, mutably: reading or writing it directly corrupts the TLS
    /// session; setting socket options is what it is for.
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
    /// baton::run(async {
    ///     let listener = baton::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let tcp = baton::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (peer, _) = listener.accept().await?;
    ///     let accepting = baton::spawn(baton::tls::TlsAcceptor::from(server).accept(peer));
    ///     let mut tls = baton::tls::TlsConnector::from(client).connect("localhost", tcp).await?;
    ///     tls.get_mut().set_nodelay(true)?;
    ///     accepting.await.unwrap()?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.io
    }

    /// The rustls connection: the negotiated ALPN protocol (`alpn_protocol`), the peer's
    /// certificates (`peer_certificates`), the protocol version, the cipher suite, and, for a
    /// server, the name the client asked for (match on `rustls::Connection::Server`).
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
    /// baton::run(async {
    ///     let (a, b) = baton::net::UnixStream::pair()?;
    ///     let accepting = baton::spawn(baton::tls::TlsAcceptor::from(server).accept(b));
    ///     let tls = baton::tls::TlsConnector::from(client).connect("localhost", a).await?;
    ///     assert!(tls.connection().peer_certificates().is_some()); // the server's chain
    ///     assert_eq!(tls.connection().alpn_protocol(), None); // no ALPN configured
    ///     let server_side = accepting.await.unwrap()?;
    ///     match server_side.connection() {
    ///         rustls::Connection::Server(s) => assert_eq!(s.server_name(), Some("localhost")),
    ///         rustls::Connection::Client(_) => unreachable!(),
    ///     }
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The rustls connection, mutably (to refresh traffic keys, say).
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
    /// baton::run(async {
    ///     let (a, b) = baton::net::UnixStream::pair()?;
    ///     let accepting = baton::spawn(baton::tls::TlsAcceptor::from(server).accept(b));
    ///     let mut tls = baton::tls::TlsConnector::from(client).connect("localhost", a).await?;
    ///     tls.connection_mut().refresh_traffic_keys().expect("TLS 1.3");
    ///     accepting.await.unwrap()?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn connection_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// The stream and the rustls connection, taken apart. TLS bytes rustls has not sent yet
    /// stay in the connection (flush first to send them).
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
    /// baton::run(async {
    ///     let (a, b) = baton::net::UnixStream::pair()?;
    ///     let accepting = baton::spawn(baton::tls::TlsAcceptor::from(server).accept(b));
    ///     let tls = baton::tls::TlsConnector::from(client).connect("localhost", a).await?;
    ///     let (unix, connection) = tls.into_inner();
    ///     assert!(!connection.is_handshaking());
    ///     accepting.await.unwrap()?; // the server's last flight is in before `unix` goes
    ///     drop(unix);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn into_inner(self) -> (S, Connection) {
        (self.io, self.conn)
    }

    /// The stream and the rustls connection, both mutably, for a caller that drives rustls
    /// itself (the streams API's writer side sends without registering a waker).
    pub(crate) fn parts_mut(&mut self) -> (&mut S, &mut Connection) {
        (&mut self.io, &mut self.conn)
    }

    /// Queues TLS's `close_notify` alert, once.
    pub(crate) fn queue_close_notify(&mut self) {
        if !self.close_notify_queued {
            self.conn.send_close_notify();
            self.close_notify_queued = true;
        }
    }

    /// From here on reads never write (see `read_may_write`).
    pub(crate) fn set_read_only_reads(&mut self) {
        self.read_may_write = false;
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> TlsStream<S> {
    /// Reads TLS bytes from the stream into rustls and processes them: `Ok(0)` at the
    /// stream's EOF. A TLS error is returned after trying to send the alert rustls queued.
    pub(super) fn poll_read_tls(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let read = self.conn.read_tls(&mut SyncIo {
            io: &mut self.io,
            cx,
        });
        let n = match read {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Poll::Pending,
            Err(e) => return Poll::Ready(Err(e)),
        };
        if n == 0 {
            self.read_eof = true;
        }
        if let Err(e) = self.conn.process_new_packets() {
            if self.read_may_write {
                // Best effort: tell the peer why (the error is ours to report either way).
                while self.conn.wants_write() {
                    match self.poll_write_tls(cx) {
                        Poll::Ready(Ok(n)) if n > 0 => {}
                        _ => break,
                    }
                }
            }
            return Poll::Ready(Err(tls_error(e)));
        }
        Poll::Ready(Ok(n))
    }

    /// Writes TLS bytes rustls holds to the stream.
    pub(super) fn poll_write_tls(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        match self.conn.write_tls(&mut SyncIo {
            io: &mut self.io,
            cx,
        }) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Poll::Pending,
            done => Poll::Ready(done),
        }
    }

    /// Sends every TLS byte rustls holds.
    pub(crate) fn poll_send_all(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.conn.wants_write() {
            if ready!(self.poll_write_tls(cx))? == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Whether rustls holds TLS bytes not yet sent.
    pub(crate) fn has_unsent(&self) -> bool {
        self.conn.wants_write()
    }

    /// Decrypted bytes into `buf`; reads and processes TLS records as needed.
    pub(crate) fn poll_read_plain(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        loop {
            match self.conn.reader().read(buf) {
                // 0: the peer sent close_notify, the clean end.
                Ok(n) => return Poll::Ready(Ok(n)),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the peer closed the connection without sending TLS close_notify",
                    )))
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
            if self.read_eof {
                // rustls saw the EOF and still has nothing to say: treat as truncation.
                return Poll::Ready(Err(io::ErrorKind::UnexpectedEof.into()));
            }
            // TLS bytes rustls owes the peer after a read (a key update's answer) go with the
            // next write or flush: a read never waits on, or registers for, writing.
            ready!(self.poll_read_tls(cx))?;
        }
    }

    /// Encrypts bytes of `buf` and sends what the stream takes: `Ready(n)` once `n > 0` bytes
    /// are in rustls's hands, `Pending` if none could be taken.
    pub(crate) fn poll_write_plain(
        &mut self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        // Older TLS bytes first, so rustls's buffer stays bounded by one write.
        if self.poll_send_all(cx)?.is_pending() {
            return Poll::Pending;
        }
        let n = self.conn.writer().write(buf)?;
        // Send now what the stream takes; the rest goes with the next write or flush.
        if let Poll::Ready(Err(e)) = self.poll_send_all(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(n))
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for TlsStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_read_plain(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for TlsStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write_plain(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_send_all(cx))?;
        Pin::new(&mut this.io).poll_flush(cx)
    }

    /// Sends `close_notify`, then closes the stream for writing.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.queue_close_notify();
        ready!(this.poll_send_all(cx))?;
        Pin::new(&mut this.io).poll_close(cx)
    }
}

impl<S: fmt::Debug> fmt::Debug for TlsStream<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsStream")
            .field("io", &self.io)
            .field("protocol_version", &self.conn.protocol_version())
            .field("alpn_protocol", &self.conn.alpn_protocol())
            .finish_non_exhaustive()
    }
}
