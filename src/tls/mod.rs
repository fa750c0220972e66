//! TLS on baton's streams (cargo feature `tls`), on [rustls](https://docs.rs/rustls) with the
//! *ring* crypto provider.
//!
//! - [`TlsStream<S>`]: a TLS connection over any byte stream (TCP, Unix, anything
//!   `futures_io::AsyncRead + AsyncWrite + Unpin`), itself `AsyncRead + AsyncWrite` (and
//!   hyper's `rt::Read + rt::Write` with the `hyper` feature, tokio's `AsyncRead + AsyncWrite`
//!   with `tokio-io`);
//! - [`TlsConnector`] and [`TlsAcceptor`]: a rustls client or server config that runs the
//!   handshake over a stream ([`Handshake`] is its future);
//! - asyncio's `ssl=` on the streams API lives with the streams:
//!   [`open_tls_connection`](crate::streams::open_tls_connection),
//!   [`ServerOptions::tls`](crate::streams::ServerOptions::tls) and
//!   [`start_tls`](crate::streams::start_tls).
//!
//! rustls is re-exported as [`baton::tls::rustls`](rustls), so configs are built with the
//! version baton uses.
//!
//! `stream.rs` is the loop between rustls's sans-I/O calls and the stream's polls
//! (`sync_io.rs` lets rustls call the stream as if it blocked); `handshake.rs` the handshake's
//! future; `connector.rs`/`acceptor.rs` the two sides; `error.rs` how rustls's errors become
//! `io::Error`s; `hyper_io.rs` hyper's traits; `tokio_io.rs` tokio's.
//!
//! # Examples
//! See [`TlsStream`].
//!
//! ```
//! # use std::sync::Arc;
//! # use baton::tls::rustls;
//! # fn configs() -> (Arc<rustls::ClientConfig>, Arc<rustls::ServerConfig>) {
//! #     let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
//! #     let mut roots = rustls::RootCertStore::empty();
//! #     roots.add(cert.cert.der().clone()).unwrap();
//! #     let client = rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
//! #     let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
//! #     let server = rustls::ServerConfig::builder().with_no_client_auth()
//! #         .with_single_cert(vec![cert.cert.der().clone()], key).unwrap();
//! #     (Arc::new(client), Arc::new(server))
//! # }
//! # let (client_config, _) = configs();
//! let connector = baton::tls::TlsConnector::from(client_config);
//! # drop(connector);
//! ```

mod acceptor;
mod connector;
mod error;
mod handshake;
#[cfg(feature = "hyper")]
mod hyper_io;
mod stream;
mod sync_io;
#[cfg(feature = "tokio-io")]
mod tokio_io;

pub use acceptor::TlsAcceptor;
pub use connector::TlsConnector;
pub use handshake::Handshake;
pub use rustls;
pub use stream::TlsStream;
