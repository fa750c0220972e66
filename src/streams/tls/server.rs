//! `ServerOptions::tls`: a server whose connections speak TLS (asyncio's `start_server(...,
//! ssl=context, ssl_handshake_timeout=...)`).
//!
//! It is a plain server whose per-connection step first upgrades the connection (the
//! handshake runs in the connection's task, so a client that stalls holds only its own
//! connection, until the handshake timeout drops it), then calls the user's handler with the
//! TLS reader and writer, then waits until the TLS writer has sent its last bytes. A
//! connection whose handshake fails or times out is dropped and the handler never sees it; in
//! debug mode it is reported to the loop's exception handler (`ConnectionFailed`), as asyncio's
//! sslproto logs it only in debug mode.

use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::net::SocketAddr;
use std::os::unix::net::SocketAddr as UnixSocketAddr;
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use super::super::open::{ServerOptions, StartServer};
use super::super::reader::StreamReader;
use super::super::unix::StartUnixServer;
use super::super::writer::StreamWriter;
use super::{upgrade_server, TlsTransport, DEFAULT_HANDSHAKE_TIMEOUT};
use crate::debug::{ExceptionKind, IoFailure};
use crate::event_loop::{report_to_running_loop, running_loop_debug};
use crate::net::{OwnedWriteHalf, ToSocketAddrs, UnixStream, WriteTransport};
use crate::tls::rustls::ServerConfig;
use crate::tls::TlsAcceptor;

impl ServerOptions {
    /// These options, for a server that speaks TLS with `config` (asyncio's `ssl=`): its
    /// handler gets a [`StreamReader`] and a [`StreamWriter<TlsTransport>`](TlsTransport)
    /// once the connection's handshake is done. A connection whose handshake fails or times
    /// out is closed without reaching the handler; in
    /// [debug mode](crate::event_loop::Builder::debug) it is reported to the loop's
    /// [exception handler](crate::EventLoop::set_exception_handler) as
    /// [`ExceptionKind::ConnectionFailed`] (stage `"TLS handshake"`, the client's address, the
    /// error), and otherwise not at all: a public server sees many such clients.
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
    /// # let (client, server_config) = configs();
    /// use baton::streams::ServerOptions;
    /// use std::time::Duration;
    ///
    /// baton::run(async {
    ///     let server = ServerOptions::new()
    ///         .limit(1024)
    ///         .tls(server_config)
    ///         .handshake_timeout(Duration::from_secs(5))
    ///         .start_server(|_r, mut w| async move { w.write(b"hi\n") }, "127.0.0.1:0")
    ///         .await?;
    ///     let connector = baton::tls::TlsConnector::from(client);
    ///     let (mut r, _w) =
    ///         baton::streams::open_tls_connection(server.local_addr()?, "localhost", &connector).await?;
    ///     assert_eq!(r.readline().await?, b"hi\n");
    ///     server.close().await;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn tls(self, config: Arc<ServerConfig>) -> TlsServerOptions {
        TlsServerOptions {
            options: self,
            acceptor: TlsAcceptor::new(config),
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
        }
    }
}

/// Options for a TLS server, from [`ServerOptions::tls`]: the plain server's options, the
/// rustls config and the handshake timeout.
///
/// # Examples
/// See [`ServerOptions::tls`].
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
/// # let (_, server_config) = configs();
/// let options = baton::streams::ServerOptions::new().tls(server_config);
/// assert_eq!(options.get_handshake_timeout(), std::time::Duration::from_secs(60));
/// ```
#[derive(Clone, Debug)]
pub struct TlsServerOptions {
    options: ServerOptions,
    acceptor: TlsAcceptor,
    handshake_timeout: Duration,
}

impl TlsServerOptions {
    /// How long a connection's handshake may take before the connection is dropped (asyncio's
    /// `ssl_handshake_timeout`; 60 s by default). In debug mode the drop is reported, as
    /// [`ExceptionKind::ConnectionFailed`] with an error of kind `TimedOut`.
    ///
    /// # Examples
    /// See [`ServerOptions::tls`].
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
    /// # let (_, server_config) = configs();
    /// use std::time::Duration;
    /// let options = baton::streams::ServerOptions::new()
    ///     .tls(server_config)
    ///     .handshake_timeout(Duration::from_secs(10));
    /// assert_eq!(options.get_handshake_timeout(), Duration::from_secs(10));
    /// ```
    pub fn handshake_timeout(mut self, timeout: Duration) -> TlsServerOptions {
        self.handshake_timeout = timeout;
        self
    }

    /// The handshake timeout.
    ///
    /// # Examples
    /// See [`handshake_timeout`](TlsServerOptions::handshake_timeout).
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
    /// # let (_, server_config) = configs();
    /// let options = baton::streams::ServerOptions::new().tls(server_config);
    /// assert_eq!(options.get_handshake_timeout(), baton::streams::DEFAULT_HANDSHAKE_TIMEOUT);
    /// ```
    pub fn get_handshake_timeout(&self) -> Duration {
        self.handshake_timeout
    }

    /// Starts a TLS server on `addr` that runs `handler(reader, writer)` as a task for each
    /// connection whose handshake succeeded, as [`start_server`](crate::start_server) does for
    /// plain ones; a failed handshake is reported as [`ServerOptions::tls`] says. The
    /// server's `close_clients` reaches the TLS writers (each sends what it holds, then
    /// `close_notify`), `abort_clients` fails them and shuts their sockets down without
    /// `close_notify` (asyncio's `transport.abort()`), and `wait_closed` waits until
    /// each TLS writer has sent its last bytes.
    ///
    /// # Examples
    /// See [`ServerOptions::tls`].
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
    /// # let (_, server_config) = configs();
    /// baton::run(async {
    ///     let server = baton::streams::ServerOptions::new()
    ///         .tls(server_config)
    ///         .start_server(|_r, _w| async {}, "127.0.0.1:0")
    ///         .await?;
    ///     assert!(server.is_serving());
    ///     server.close().await;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`TcpListener::bind`](crate::net::TcpListener::bind).
    ///
    /// # Panics
    /// When polled outside a running event loop.
    ///
    /// # Cancel safety
    /// Cancel safe: a server not yet returned is closed.
    pub fn start_server<H, Fut, A>(&self, handler: H, addr: A) -> StartServer
    where
        H: FnMut(StreamReader, StreamWriter<TlsTransport>) -> Fut + 'static,
        Fut: Future + 'static,
        A: ToSocketAddrs,
    {
        let tls = self.connections("start_server", handler, |peer: &SocketAddr| {
            Some(peer.to_string())
        });
        self.options
            .start_server(move |r, w| tls.clone().serve(r, w), addr)
    }

    /// Starts a TLS server on the Unix socket at `path` (asyncio's `start_unix_server(...,
    /// ssl=context)`), as [`start_server`](TlsServerOptions::start_server) does on TCP; the
    /// plain options apply as to
    /// [`ServerOptions::start_unix_server`](crate::streams::ServerOptions::start_unix_server).
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
    /// # let (client, server_config) = configs();
    /// baton::run(async {
    ///     let path = std::env::temp_dir().join(format!("baton-doc-tls-unix-{}", std::process::id()));
    ///     let server = baton::streams::ServerOptions::new()
    ///         .tls(server_config)
    ///         .start_unix_server(|_r, mut w| async move { w.write(b"hi\n") }, &path)
    ///         .await?;
    ///     let (r, w) = baton::open_unix_connection(&path).await?;
    ///     let connector = baton::tls::TlsConnector::from(client);
    ///     let (mut r, _w) = baton::streams::start_tls(r, w, &connector, "localhost").await?;
    ///     assert_eq!(r.readline().await?, b"hi\n");
    ///     server.close().await; // and its socket file is gone
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`start_unix_server`](crate::start_unix_server), which also says what becomes of the
    /// socket file.
    ///
    /// # Panics
    /// When polled outside a running event loop.
    ///
    /// # Cancel safety
    /// Cancel safe: a server not yet returned is closed.
    pub fn start_unix_server<H, Fut>(&self, handler: H, path: impl AsRef<Path>) -> StartUnixServer
    where
        H: FnMut(StreamReader, StreamWriter<TlsTransport<OwnedWriteHalf<UnixStream>>>) -> Fut
            + 'static,
        Fut: Future + 'static,
    {
        let tls = self.connections("start_unix_server", handler, |peer: &UnixSocketAddr| {
            peer.as_pathname().map(|path| path.display().to_string())
        });
        self.options
            .start_unix_server(move |r, w| tls.clone().serve(r, w), path)
    }

    /// What the plain server runs for each connection, made once per server.
    fn connections<H, A>(
        &self,
        server: &'static str,
        handler: H,
        describe_peer: fn(&A) -> Option<String>,
    ) -> Rc<TlsConnections<H, A>> {
        Rc::new(TlsConnections {
            handler: RefCell::new(handler),
            acceptor: self.acceptor.clone(),
            timeout: self.handshake_timeout,
            server,
            describe_peer,
        })
    }
}

/// A TLS server's per-connection step, shared by its connections: the handshake, then the
/// user's handler over TLS.
struct TlsConnections<H, A> {
    handler: RefCell<H>,
    acceptor: TlsAcceptor,
    timeout: Duration,
    /// How reports name the server.
    server: &'static str,
    /// How reports show a client's address.
    describe_peer: fn(&A) -> Option<String>,
}

impl<H, A> TlsConnections<H, A> {
    /// Serves one connection: the handshake (a failure or timeout ends only this connection,
    /// and is reported in debug mode), then the handler over TLS, then a wait until the TLS
    /// writer has sent its last bytes.
    async fn serve<W, Fut>(self: Rc<Self>, reader: StreamReader, writer: StreamWriter<W>)
    where
        W: WriteTransport<Addr = A> + Send + Sync,
        H: FnMut(StreamReader, StreamWriter<TlsTransport<W>>) -> Fut,
        Fut: Future,
    {
        // Asked before the handshake takes the writer, and only in debug mode, where a failure
        // is reported (it costs a system call).
        let peer = if running_loop_debug() {
            writer
                .peer_addr()
                .ok()
                .and_then(|addr| (self.describe_peer)(&addr))
        } else {
            None
        };
        let (reader, writer) =
            match upgrade_server(reader, writer, &self.acceptor, self.timeout).await {
                Ok(upgraded) => upgraded,
                Err(error) => {
                    // The client's doing (garbage, an unknown certificate, a stall), and a public
                    // server sees many: reported in debug mode only, as asyncio's sslproto logs
                    // a handshake's OSError only then.
                    if running_loop_debug() {
                        report_to_running_loop(ExceptionKind::ConnectionFailed {
                            server: self.server,
                            stage: "TLS handshake",
                            peer,
                            error: IoFailure::from(&error),
                        });
                    }
                    return;
                }
            };
        let finished = writer.handle();
        // The borrow ends when the handler returns its future; a handler cannot reach this
        // cell to call itself.
        let handling = (self.handler.borrow_mut())(reader, writer);
        handling.await;
        poll_fn(|cx| finished.poll_finished(cx)).await;
    }
}
