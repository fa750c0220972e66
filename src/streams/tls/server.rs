//! `ServerOptions::tls`: a server whose connections speak TLS (asyncio's `start_server(...,
//! ssl=context, ssl_handshake_timeout=...)`).
//!
//! It is a plain server whose per-connection step first upgrades the connection (the
//! handshake runs in the connection's task, so a client that stalls holds only its own
//! connection, until the handshake timeout drops it), then calls the user's handler with the
//! TLS reader and writer, then waits until the TLS writer has sent its last bytes. A
//! connection whose handshake fails or times out is dropped and the handler never sees it.

use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use super::super::open::{ServerOptions, StartServer};
use super::super::reader::StreamReader;
use super::super::writer::StreamWriter;
use super::{upgrade_server, TlsTransport, DEFAULT_HANDSHAKE_TIMEOUT};
use crate::net::ToSocketAddrs;
use crate::tls::rustls::ServerConfig;
use crate::tls::TlsAcceptor;

impl ServerOptions {
    /// These options, for a server that speaks TLS with `config` (asyncio's `ssl=`): its
    /// handler gets a [`StreamReader`] and a [`StreamWriter<TlsTransport>`](TlsTransport)
    /// once the connection's handshake is done.
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
    /// `ssl_handshake_timeout`; 60 s by default).
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
    /// plain ones. The server's `close_clients` reaches the TLS writers (each sends what it
    /// holds, then `close_notify`), `abort_clients` fails them and shuts their sockets down
    /// without `close_notify` (asyncio's `transport.abort()`), and `wait_closed` waits until
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
        let handler = Rc::new(RefCell::new(handler));
        let acceptor = self.acceptor.clone();
        let timeout = self.handshake_timeout;
        let per_connection = move |reader: StreamReader, writer: StreamWriter| {
            let handler = handler.clone();
            let acceptor = acceptor.clone();
            async move {
                let Ok((reader, writer)) = upgrade_server(reader, writer, &acceptor, timeout).await
                else {
                    return; // a failed or timed-out handshake ends only this connection
                };
                let finished = writer.handle();
                // The borrow ends when the handler returns its future; a handler cannot reach
                // this cell to call itself.
                let handling = (handler.borrow_mut())(reader, writer);
                handling.await;
                poll_fn(|cx| finished.poll_finished(cx)).await;
            }
        };
        self.options.start_server(per_connection, addr)
    }
}
