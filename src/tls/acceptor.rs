//! `TlsAcceptor`: the server side — a rustls `ServerConfig` that accepts streams.

use std::fmt;
use std::sync::Arc;

use rustls::{ServerConfig, ServerConnection};

use super::error::tls_error;
use super::handshake::Handshake;
use super::stream::TlsStream;

/// The server side of TLS: holds a rustls [`ServerConfig`] (certificate chain and key, ALPN
/// protocols, client authentication) and runs the server's handshake over accepted streams.
/// Cheap to clone.
///
/// # Examples
/// See [`TlsStream`](super::TlsStream).
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
/// # let (client, server_config) = configs();
/// let acceptor = baton::tls::TlsAcceptor::from(server_config); // an Arc<rustls::ServerConfig>
/// baton::run(async {
///     let (a, b) = baton::net::UnixStream::pair()?;
///     let connecting = baton::spawn(baton::tls::TlsConnector::from(client).connect("localhost", a));
///     let tls = acceptor.accept(b).await?;
///     assert!(tls.connection().peer_certificates().is_none()); // no client certificate asked
///     connecting.await.unwrap()?;
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct TlsAcceptor {
    config: Arc<ServerConfig>,
}

impl TlsAcceptor {
    /// An acceptor with `config`.
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
    /// # let (_, server_config) = configs();
    /// let acceptor = baton::tls::TlsAcceptor::new(server_config);
    /// assert!(acceptor.config().alpn_protocols.is_empty());
    /// ```
    pub fn new(config: Arc<ServerConfig>) -> TlsAcceptor {
        TlsAcceptor { config }
    }

    /// The rustls configuration.
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
    /// # let (_, server_config) = configs();
    /// let acceptor = baton::tls::TlsAcceptor::from(server_config.clone());
    /// assert!(std::sync::Arc::ptr_eq(acceptor.config(), &server_config));
    /// ```
    pub fn config(&self) -> &Arc<ServerConfig> {
        &self.config
    }

    /// Runs the server's side of a TLS handshake over `stream`.
    ///
    /// # Examples
    /// See [`TlsAcceptor`].
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
    /// # let (_, server) = configs();
    /// baton::run(async {
    ///     let (mut a, b) = baton::net::UnixStream::pair()?;
    ///     a.write_all(b"GET / HTTP/1.1\r\n\r\n").await?; // not TLS
    ///     let err = baton::tls::TlsAcceptor::from(server).accept(b).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// The handshake's: what the client sent is not TLS or not acceptable, an alert from the
    /// client (`InvalidData`, with the `rustls::Error` inside), the stream's errors, EOF
    /// before the end (`UnexpectedEof`).
    pub fn accept<S>(&self, stream: S) -> Handshake<S> {
        let connection = ServerConnection::new(self.config.clone()).map_err(tls_error);
        Handshake::new(connection.map(|c| TlsStream::new(stream, c.into())))
    }
}

impl From<Arc<ServerConfig>> for TlsAcceptor {
    /// As [`TlsAcceptor::new`].
    fn from(config: Arc<ServerConfig>) -> TlsAcceptor {
        TlsAcceptor::new(config)
    }
}

impl fmt::Debug for TlsAcceptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsAcceptor").finish_non_exhaustive()
    }
}
