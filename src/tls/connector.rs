//! `TlsConnector`: the client side — a rustls `ClientConfig` that connects streams.

use std::fmt;
use std::io;
use std::sync::Arc;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection};

use super::error::tls_error;
use super::handshake::Handshake;
use super::stream::TlsStream;

/// The client side of TLS: holds a rustls [`ClientConfig`] (trusted roots, ALPN protocols,
/// client certificate) and makes TLS connections over streams with it. Cheap to clone.
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
/// # let (client_config, server_config) = configs();
/// use baton::tls::{TlsAcceptor, TlsConnector};
///
/// let connector = TlsConnector::from(client_config); // an Arc<rustls::ClientConfig>
/// let acceptor = TlsAcceptor::from(server_config);
/// baton::run(async {
///     let (a, b) = baton::net::UnixStream::pair()?;
///     let accepting = baton::spawn(async move { acceptor.accept(b).await });
///     let tls = connector.connect("localhost", a).await?;
///     assert!(!tls.connection().is_handshaking());
///     accepting.await.unwrap()?;
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct TlsConnector {
    config: Arc<ClientConfig>,
}

impl TlsConnector {
    /// A connector with `config`.
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
    /// # let (client_config, _) = configs();
    /// let connector = baton::tls::TlsConnector::new(client_config);
    /// assert!(connector.config().alpn_protocols.is_empty());
    /// ```
    pub fn new(config: Arc<ClientConfig>) -> TlsConnector {
        TlsConnector { config }
    }

    /// The rustls configuration.
    ///
    /// # Examples
    /// See [`new`](TlsConnector::new).
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
    /// # let (client_config, _) = configs();
    /// let connector = baton::tls::TlsConnector::from(client_config.clone());
    /// assert!(std::sync::Arc::ptr_eq(connector.config(), &client_config));
    /// ```
    pub fn config(&self) -> &Arc<ClientConfig> {
        &self.config
    }

    /// Starts a TLS handshake as a client over `stream`, checking that the server's
    /// certificate is valid for `server_name` (a DNS name or an IP address; also sent as SNI
    /// when it is a name).
    ///
    /// # Examples
    /// See [`TlsConnector`] and [`TlsStream`].
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
    ///     let (a, b) = baton::net::UnixStream::pair()?;
    ///     let accepting = baton::spawn(baton::tls::TlsAcceptor::from(server).accept(b));
    ///     // The certificate is for "localhost", not for this name:
    ///     let err = baton::tls::TlsConnector::from(client).connect("example.com", a).await.unwrap_err();
    ///     assert!(err.to_string().contains("certificate"), "{err}");
    ///     assert!(accepting.await.unwrap().is_err()); // the server hears why (an alert)
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// The handshake's: an invalid `server_name` (`InvalidInput`), a certificate the config
    /// does not trust or that is for another name, an alert from the server (`InvalidData`,
    /// with the `rustls::Error` inside), the stream's errors, EOF before the end
    /// (`UnexpectedEof`).
    pub fn connect<S>(&self, server_name: &str, stream: S) -> Handshake<S> {
        let connection = ServerName::try_from(server_name.to_owned())
            .map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("invalid TLS server name {server_name:?}: {e}"),
                )
            })
            .and_then(|name| ClientConnection::new(self.config.clone(), name).map_err(tls_error));
        Handshake::new(connection.map(|c| TlsStream::new(stream, c.into())))
    }
}

impl From<Arc<ClientConfig>> for TlsConnector {
    /// As [`TlsConnector::new`].
    fn from(config: Arc<ClientConfig>) -> TlsConnector {
        TlsConnector::new(config)
    }
}

impl fmt::Debug for TlsConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConnector").finish_non_exhaustive()
    }
}
