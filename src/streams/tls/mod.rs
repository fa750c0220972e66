//! asyncio's `ssl=` on the streams API (cargo feature `tls`): [`open_tls_connection`],
//! [`open_tls_unix_connection`],
//! [`ServerOptions::tls`](super::ServerOptions::tls) and [`start_tls`]/[`start_tls_server`],
//! whose readers and writers are the usual [`StreamReader`] and a
//! [`StreamWriter<TlsTransport>`](TlsTransport).
//!
//! All three take the plain connection's reader and writer apart (`Upgraded`, keeping the
//! bytes the reader had buffered), run the handshake over it under asyncio's
//! `ssl_handshake_timeout` (60 s unless told otherwise), and build the TLS reader and writer
//! over one shared session (`transport.rs`); `server.rs` has the server's options.

mod server;
mod transport;

use std::future::Future;
use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures_io::{AsyncRead, AsyncWrite};

use super::open::open_connection;
use super::reader::StreamReader;
use super::unix::open_unix_connection;
use super::writer::StreamWriter;
use crate::net::{OwnedWriteHalf, ToSocketAddrs, UnixStream, WriteTransport};
use crate::tls::{TlsAcceptor, TlsConnector, TlsStream};
use crate::util::Mutex;

pub use server::TlsServerOptions;
pub use transport::TlsTransport;
use transport::{TlsReadHalf, Upgraded};

/// asyncio's default `ssl_handshake_timeout`: 60 s. [`open_tls_connection`], [`start_tls`]
/// and [`start_tls_server`] use it; a TLS server's is set with
/// [`TlsServerOptions::handshake_timeout`].
///
/// # Examples
/// ```
/// assert_eq!(baton::streams::DEFAULT_HANDSHAKE_TIMEOUT.as_secs(), 60);
/// ```
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(60);

/// Opens a TCP connection to `addr` and runs a TLS handshake over it as a client, checking the
/// server's certificate against `server_name` (asyncio's `open_connection(..., ssl=context,
/// server_hostname=name)`); the handshake must finish within 60 s
/// ([`DEFAULT_HANDSHAKE_TIMEOUT`]).
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
/// use baton::streams::{open_tls_connection, ServerOptions};
///
/// baton::run(async {
///     let server = ServerOptions::new()
///         .tls(server) // an Arc<rustls::ServerConfig>
///         .start_server(|mut r, mut w| async move {
///             while let Ok(line) = r.readline().await {
///                 if line.is_empty() { break; }
///                 w.write(&line);
///             }
///             let _ = w.close().await;
///         }, "127.0.0.1:0")
///         .await?;
///     let connector = baton::tls::TlsConnector::from(client); // an Arc<rustls::ClientConfig>
///     let (mut r, mut w) = open_tls_connection(server.local_addr()?, "localhost", &connector).await?;
///     w.write(b"secret\n");
///     assert_eq!(r.readline().await?, b"secret\n");
///     w.close().await?;
///     server.close().await;
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
/// As [`open_connection`](crate::open_connection), then the handshake's (see
/// [`TlsConnector::connect`]), or `TimedOut` after 60 s.
///
/// # Panics
/// When polled outside a running event loop.
///
/// # Cancel safety
/// Cancel safe: the connection is dropped.
pub fn open_tls_connection<A: ToSocketAddrs>(
    addr: A,
    server_name: &str,
    connector: &TlsConnector,
) -> impl Future<Output = io::Result<(StreamReader, StreamWriter<TlsTransport>)>> + Send {
    tls_over(open_connection(addr), server_name, connector)
}

/// Connects to the Unix socket at `path` and runs a TLS handshake over it as a client
/// (asyncio's `open_unix_connection(path, ssl=context, server_hostname=name)`), as
/// [`open_tls_connection`] does over TCP: the server's certificate is checked against
/// `server_name`, and the handshake must finish within 60 s.
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
/// use baton::streams::{open_tls_unix_connection, ServerOptions};
///
/// baton::run(async {
///     let path = format!("\0baton-doc-otuc-{}", std::process::id()); // abstract: no file
///     let server = ServerOptions::new()
///         .tls(server)
///         .start_unix_server(|_r, mut w| async move {
///             w.write(b"over unix\n");
///             let _ = w.close().await;
///         }, &path)
///         .await?;
///     let connector = baton::tls::TlsConnector::from(client);
///     let (mut r, _w) = open_tls_unix_connection(&path, "localhost", &connector).await?;
///     assert_eq!(r.readline().await?, b"over unix\n");
///     server.close().await;
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
/// As [`open_unix_connection`](crate::open_unix_connection), then the handshake's (see
/// [`TlsConnector::connect`]), or `TimedOut` after 60 s.
///
/// # Panics
/// When polled outside a running event loop.
///
/// # Cancel safety
/// Cancel safe: the connection is dropped.
pub fn open_tls_unix_connection(
    path: impl AsRef<Path>,
    server_name: &str,
    connector: &TlsConnector,
) -> impl Future<
    Output = io::Result<(
        StreamReader,
        StreamWriter<TlsTransport<OwnedWriteHalf<UnixStream>>>,
    )>,
> + Send {
    tls_over(open_unix_connection(path), server_name, connector)
}

/// Opens a plain connection with `open`, then upgrades it as [`start_tls`] does.
fn tls_over<W: WriteTransport + Send + Sync>(
    open: impl Future<Output = io::Result<(StreamReader, StreamWriter<W>)>> + Send,
    server_name: &str,
    connector: &TlsConnector,
) -> impl Future<Output = io::Result<(StreamReader, StreamWriter<TlsTransport<W>>)>> + Send {
    let server_name = server_name.to_owned();
    let connector = connector.clone();
    async move {
        let (reader, writer) = open.await?;
        start_tls(reader, writer, &connector, &server_name).await
    }
}

/// Upgrades a plain connection to TLS as its client (asyncio's `StreamWriter.start_tls` and
/// `loop.start_tls`): takes the reader and writer back, waits until the writer's bytes are
/// sent, runs the handshake within 60 s ([`DEFAULT_HANDSHAKE_TIMEOUT`]) and returns the TLS
/// reader and writer. Bytes the reader had buffered and nobody read are not lost: they are the
/// first bytes the handshake reads. Works on TCP and Unix connections alike.
///
/// # Examples
/// A protocol that says `STARTTLS` in plain text, then speaks TLS:
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
/// use baton::streams::{start_tls, start_tls_server};
///
/// let acceptor = baton::tls::TlsAcceptor::from(server);
/// let connector = baton::tls::TlsConnector::from(client);
/// baton::run(async {
///     let server = baton::start_server(move |mut r, mut w| {
///         let acceptor = acceptor.clone();
///         async move {
///             assert_eq!(r.readline().await.unwrap(), b"STARTTLS\n");
///             w.write(b"GO\n");
///             let (mut r, mut w) = start_tls_server(r, w, &acceptor).await.unwrap();
///             let line = r.readline().await.unwrap();
///             w.write(&line);
///             let _ = w.close().await;
///         }
///     }, "127.0.0.1:0").await?;
///     let (mut r, mut w) = baton::open_connection(server.local_addr()?).await?;
///     w.write(b"STARTTLS\n");
///     assert_eq!(r.readline().await?, b"GO\n");
///     let (mut r, mut w) = start_tls(r, w, &connector, "localhost").await?;
///     w.write(b"now encrypted\n");
///     assert_eq!(r.readline().await?, b"now encrypted\n");
///     server.close().await;
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
/// `InvalidInput` for a reader made with [`StreamReader::fed`] or at EOF (it has no transport),
/// the writer's error (`BrokenPipe` if it is closing), the handshake's (see
/// [`TlsConnector::connect`]), or `TimedOut` after 60 s. The connection is dropped then.
///
/// # Panics
/// When polled outside a running event loop.
///
/// # Cancel safety
/// Not cancel safe: cancelled, the connection is dropped.
pub async fn start_tls<W: WriteTransport + Send + Sync>(
    reader: StreamReader,
    writer: StreamWriter<W>,
    connector: &TlsConnector,
    server_name: &str,
) -> io::Result<(StreamReader, StreamWriter<TlsTransport<W>>)> {
    let (plain, limit) = take_apart(reader, writer).await?;
    let handshake = connector.connect(server_name, plain);
    finish(
        handshake_within(DEFAULT_HANDSHAKE_TIMEOUT, handshake).await?,
        limit,
    )
}

/// Upgrades a plain connection to TLS as its server (asyncio's `loop.start_tls(...,
/// server_side=True)`); otherwise as [`start_tls`].
///
/// # Examples
/// See [`start_tls`].
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
/// let acceptor = baton::tls::TlsAcceptor::from(server);
/// baton::run(async {
///     let (a, b) = baton::net::UnixStream::pair()?;
///     let (a_rd, a_wr) = a.split();
///     let (b_rd, b_wr) = b.split();
///     let connector = baton::tls::TlsConnector::from(client);
///     let client = baton::spawn(async move {
///         let (r, w) = (baton::StreamReader::new(a_rd), baton::StreamWriter::new(a_wr));
///         baton::streams::start_tls(r, w, &connector, "localhost").await
///     });
///     let (r, w) = (baton::StreamReader::new(b_rd), baton::StreamWriter::new(b_wr));
///     let (_r, mut w) = baton::streams::start_tls_server(r, w, &acceptor).await?;
///     w.write(b"over TLS\n");
///     let (mut client_r, _client_w) = client.await.unwrap()?;
///     assert_eq!(client_r.readline().await?, b"over TLS\n");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
/// As [`start_tls`], the handshake's errors being [`TlsAcceptor::accept`]'s.
///
/// # Panics
/// When polled outside a running event loop.
///
/// # Cancel safety
/// Not cancel safe: cancelled, the connection is dropped.
pub async fn start_tls_server<W: WriteTransport + Send + Sync>(
    reader: StreamReader,
    writer: StreamWriter<W>,
    acceptor: &TlsAcceptor,
) -> io::Result<(StreamReader, StreamWriter<TlsTransport<W>>)> {
    upgrade_server(reader, writer, acceptor, DEFAULT_HANDSHAKE_TIMEOUT).await
}

/// [`start_tls_server`] with a chosen handshake timeout (the TLS server's connections).
pub(super) async fn upgrade_server<W: WriteTransport + Send + Sync>(
    reader: StreamReader,
    writer: StreamWriter<W>,
    acceptor: &TlsAcceptor,
    timeout: Duration,
) -> io::Result<(StreamReader, StreamWriter<TlsTransport<W>>)> {
    let (plain, limit) = take_apart(reader, writer).await?;
    finish(
        handshake_within(timeout, acceptor.accept(plain)).await?,
        limit,
    )
}

/// The plain connection under a reader and a writer, and the reader's limit.
async fn take_apart<W: WriteTransport>(
    reader: StreamReader,
    writer: StreamWriter<W>,
) -> io::Result<(Upgraded<W>, usize)> {
    let Some((prefix, read, limit)) = reader.into_transport() else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "start_tls needs a reader over a connection that has not reached EOF (not one made \
             with StreamReader::fed)",
        ));
    };
    let write = writer.detach().await?;
    let plain = Upgraded {
        prefix,
        prefix_start: 0,
        read,
        write,
    };
    Ok((plain, limit))
}

/// Waits for a handshake at most `limit` (asyncio's `ssl_handshake_timeout`).
async fn handshake_within<S: AsyncRead + AsyncWrite + Unpin>(
    limit: Duration,
    handshake: crate::tls::Handshake<S>,
) -> io::Result<TlsStream<S>> {
    match crate::time::timeout(limit, handshake).await {
        Ok(done) => done,
        Err(_) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("the TLS handshake did not finish within {limit:?}"),
        )),
    }
}

/// The TLS reader and writer over one session.
fn finish<W: WriteTransport + Send + Sync>(
    mut tls: TlsStream<Upgraded<W>>,
    limit: usize,
) -> io::Result<(StreamReader, StreamWriter<TlsTransport<W>>)> {
    tls.set_read_only_reads();
    let plain = tls.get_ref().write.handle();
    let session = Arc::new(Mutex::new(tls));
    let reader = StreamReader::with_limit(
        TlsReadHalf {
            session: session.clone(),
        },
        limit,
    );
    let writer = StreamWriter::new(TlsTransport {
        session: session.clone(),
    });
    // Whoever holds the plain writer (a server) now closes and aborts the TLS one. Not under
    // the session's lock: a close passed on at once sends `close_notify`, which takes it.
    plain.hand_over_to(Arc::new(writer.handle()));
    Ok((reader, writer))
}
