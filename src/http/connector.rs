//! `Connector`: how hyper-util's pooling `legacy::Client` opens connections on baton — names
//! resolved through `lookup_host` (off the loop), TCP through `TcpStream::connect`'s happy
//! eyeballs, `TCP_NODELAY`, and TLS through `baton::tls` (feature `tls`) with ALPN.

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use ::hyper::rt::{Read, ReadBufCursor, Write};
use ::hyper::Uri;
use hyper_util::client::legacy::connect::{Connected, Connection};

use crate::net::TcpStream;
#[cfg(feature = "tls")]
use crate::tls::{TlsConnector, TlsStream};

/// A connector for hyper-util's `legacy::Client` (a `tower::Service<Uri>`): resolves the
/// URI's host with [`lookup_host`](crate::net::lookup_host) on a blocking thread, connects
/// with [`TcpStream::connect`]'s happy eyeballs, sets `TCP_NODELAY`, and for `https` URIs
/// (feature `tls`, after `Connector::with_tls`) runs a TLS handshake offering
/// ALPN `h2` and `http/1.1`, telling the client when `h2` was chosen.
///
/// [`client`](super::client) builds a `Client` with it and baton's executor and timers; build
/// one by hand for other client options.
///
/// Errors name what failed: the host that did not resolve, the address that refused, the
/// missing TLS configuration for an `https` URI.
///
/// # Examples
/// ```
/// use baton::http::Connector;
/// use baton::net::hyper_rt::{HyperExecutor, HyperTimer};
/// use http_body_util::{BodyExt, Empty};
/// use hyper::body::Bytes;
/// use hyper_util::client::legacy::Client;
/// use std::time::Duration;
///
/// baton::run(async {
///     let listener = baton::net::TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     baton::spawn(async move {
///         let (mut conn, _) = listener.accept().await.unwrap();
///         conn.read(&mut [0; 1024]).await.unwrap();
///         conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi").await.unwrap();
///     });
///     let connector = Connector::new().connect_timeout(Some(Duration::from_secs(5)));
///     let client: Client<_, Empty<Bytes>> = Client::builder(HyperExecutor)
///         .timer(HyperTimer)
///         .pool_timer(HyperTimer)
///         .build(connector);
///     let res = client.get(format!("http://{addr}/").parse().unwrap()).await.unwrap();
///     let body = res.into_body().collect().await.unwrap().to_bytes();
///     assert_eq!(body, "hi");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct Connector {
    connect_timeout: Option<Duration>,
    #[cfg(feature = "tls")]
    tls: Option<TlsConnector>,
}

impl Connector {
    /// A connector for `http` URIs, without a connect timeout.
    ///
    /// # Examples
    /// ```
    /// let connector = baton::http::Connector::new();
    /// println!("{connector:?}");
    /// ```
    pub fn new() -> Connector {
        Connector::default()
    }

    /// Fails a connection that is not established within `timeout` (name lookup, TCP connect
    /// and TLS handshake together) with `TimedOut`, on baton's timers; `None` (the default)
    /// waits as long as the system does.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    ///
    /// let connector = baton::http::Connector::new().connect_timeout(Some(Duration::from_secs(3)));
    /// # drop(connector);
    /// ```
    pub fn connect_timeout(mut self, timeout: Option<Duration>) -> Connector {
        self.connect_timeout = timeout;
        self
    }

    /// Speaks `https` too, with `tls` (a [`TlsConnector`] or an `Arc<rustls::ClientConfig>`:
    /// baton bundles no root certificates, so the configuration says whom to trust). A
    /// configuration without ALPN protocols gets `h2` and `http/1.1`, so the server may choose
    /// HTTP/2; one that lists its own keeps them.
    ///
    /// # Examples
    /// ```
    /// # use std::sync::Arc;
    /// use baton::tls::rustls;
    ///
    /// let roots = rustls::RootCertStore::empty(); // add the roots you trust
    /// let config = rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
    /// let connector = baton::http::Connector::new().with_tls(Arc::new(config));
    /// # drop(connector);
    /// ```
    #[cfg(feature = "tls")]
    pub fn with_tls(mut self, tls: impl Into<TlsConnector>) -> Connector {
        let tls = tls.into();
        let tls = if tls.config().alpn_protocols.is_empty() {
            let mut config = (**tls.config()).clone();
            config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
            TlsConnector::new(std::sync::Arc::new(config))
        } else {
            tls
        };
        self.tls = Some(tls);
        self
    }

    /// Opens a connection to `uri`'s host: what `Service::call` returns.
    fn connect(&self, uri: Uri) -> Connecting {
        let this = self.clone();
        let timeout = self.connect_timeout;
        let fut = async move {
            let target = Target::of(&uri)?;
            let connecting = this.open(target.clone());
            match timeout {
                None => connecting.await,
                Some(limit) => crate::time::timeout(limit, connecting)
                    .await
                    .unwrap_or_else(|_| {
                        Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            format!("connect to {} timed out after {limit:?}", target.authority),
                        ))
                    }),
            }
        };
        Connecting {
            inner: Box::pin(fut),
        }
    }

    async fn open(self, target: Target) -> io::Result<HttpStream> {
        // Refuse https without TLS before connecting: the error names what is missing.
        #[cfg(feature = "tls")]
        let tls = match (&self.tls, target.https) {
            (None, true) => {
                return Err(io::Error::new(
                    io::ErrorKind::Unsupported,
                    format!(
                        "{}: https needs a TLS configuration: give the connector one with \
                         `Connector::with_tls`",
                        target.authority
                    ),
                ))
            }
            (tls, https) => tls.as_ref().filter(|_| https),
        };
        #[cfg(not(feature = "tls"))]
        if target.https {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!(
                    "{}: https needs baton's `tls` feature and a TLS configuration \
                     (`Connector::with_tls`)",
                    target.authority
                ),
            ));
        }
        let addrs: Vec<SocketAddr> = crate::net::lookup_host((target.host.as_str(), target.port))
            .await?
            .collect();
        let tcp = TcpStream::connect(addrs.as_slice())
            .await
            .map_err(|e| naming_addrs(&target, &addrs, e))?;
        tcp.set_nodelay(true)?;
        #[cfg(feature = "tls")]
        if let Some(tls) = tls {
            let stream = tls.connect(&target.host, tcp).await?;
            return Ok(HttpStream::over_tls(stream));
        }
        Ok(HttpStream::over_tcp(tcp))
    }
}

/// A connect error naming the address (or, with several, the host: the error of a happy
/// eyeballs race already names each address).
fn naming_addrs(target: &Target, addrs: &[SocketAddr], e: io::Error) -> io::Error {
    let msg = match addrs {
        [one] if one.to_string() != target.authority => {
            format!("connect to {} ({one}): {e}", target.authority)
        }
        _ => format!("connect to {}: {e}", target.authority),
    };
    io::Error::new(e.kind(), msg)
}

impl fmt::Debug for Connector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Connector");
        d.field("connect_timeout", &self.connect_timeout);
        #[cfg(feature = "tls")]
        d.field("tls", &self.tls.is_some());
        d.finish()
    }
}

/// Where a URI points: scheme, host (without IPv6 brackets) and port.
#[derive(Clone)]
struct Target {
    https: bool,
    host: String,
    port: u16,
    /// `host:port` as the URI wrote it, for messages.
    authority: String,
}

impl Target {
    fn of(uri: &Uri) -> io::Result<Target> {
        let https = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            other => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{uri}: unsupported scheme {other:?} (http or https)"),
                ))
            }
        };
        let host = uri.host().filter(|h| !h.is_empty()).ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, format!("{uri}: no host"))
        })?;
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        Ok(Target {
            https,
            authority: format!("{host}:{port}"),
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned(),
            port,
        })
    }
}

impl tower::Service<Uri> for Connector {
    type Response = HttpStream;
    type Error = io::Error;
    type Future = Connecting;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Connecting {
        self.connect(uri)
    }
}

/// The future of [`Connector`]'s `call`: a connection being opened (`Send`, as hyper-util's
/// client needs).
///
/// # Examples
/// ```
/// use tower::Service;
///
/// baton::run(async {
///     let listener = baton::net::TcpListener::bind("127.0.0.1:0").await?;
///     let uri = format!("http://{}/", listener.local_addr()?).parse().unwrap();
///     let connecting: baton::http::Connecting = baton::http::Connector::new().call(uri);
///     let stream = connecting.await?;
///     assert!(stream.tcp().nodelay()?);
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Connecting {
    inner: Pin<Box<dyn Future<Output = io::Result<HttpStream>> + Send>>,
}

impl Future for Connecting {
    type Output = io::Result<HttpStream>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.inner.as_mut().poll(cx)
    }
}

impl fmt::Debug for Connecting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connecting").finish_non_exhaustive()
    }
}

/// A connection [`Connector`] opened: TCP, or TLS over TCP. It implements hyper's
/// `rt::Read`/`rt::Write` and hyper-util's `Connection` (which reports an ALPN-chosen `h2`).
///
/// # Examples
/// ```
/// use hyper_util::client::legacy::connect::Connection;
/// use tower::Service;
///
/// baton::run(async {
///     let listener = baton::net::TcpListener::bind("127.0.0.1:0").await?;
///     let uri = format!("http://{}/", listener.local_addr()?).parse().unwrap();
///     let stream = baton::http::Connector::new().call(uri).await?;
///     assert!(!stream.connected().is_negotiated_h2());
///     assert_eq!(stream.tcp().peer_addr()?, listener.local_addr()?);
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct HttpStream {
    inner: Inner,
}

enum Inner {
    Tcp(TcpStream),
    #[cfg(feature = "tls")]
    Tls(Box<TlsStream<TcpStream>>),
}

impl HttpStream {
    fn over_tcp(stream: TcpStream) -> HttpStream {
        HttpStream {
            inner: Inner::Tcp(stream),
        }
    }

    #[cfg(feature = "tls")]
    fn over_tls(stream: TlsStream<TcpStream>) -> HttpStream {
        HttpStream {
            inner: Inner::Tls(Box::new(stream)),
        }
    }

    /// The TCP connection underneath (under TLS, when the URI was `https`): for its addresses
    /// and options.
    ///
    /// # Examples
    /// See [`HttpStream`].
    ///
    /// ```
    /// use tower::Service;
    ///
    /// baton::run(async {
    ///     let listener = baton::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let uri = format!("http://{}/", listener.local_addr()?).parse().unwrap();
    ///     let stream = baton::http::Connector::new().call(uri).await?;
    ///     assert!(stream.tcp().nodelay()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn tcp(&self) -> &TcpStream {
        match &self.inner {
            Inner::Tcp(tcp) => tcp,
            #[cfg(feature = "tls")]
            Inner::Tls(tls) => tls.get_ref(),
        }
    }

    /// The TLS stream, when the URI was `https`.
    ///
    /// # Examples
    /// ```
    /// use tower::Service;
    ///
    /// baton::run(async {
    ///     let listener = baton::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let uri = format!("http://{}/", listener.local_addr()?).parse().unwrap();
    ///     let stream = baton::http::Connector::new().call(uri).await?;
    ///     assert!(stream.tls().is_none()); // plain http
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[cfg(feature = "tls")]
    pub fn tls(&self) -> Option<&TlsStream<TcpStream>> {
        match &self.inner {
            Inner::Tcp(_) => None,
            Inner::Tls(tls) => Some(tls),
        }
    }
}

impl Connection for HttpStream {
    fn connected(&self) -> Connected {
        let connected = Connected::new();
        #[cfg(feature = "tls")]
        if let Inner::Tls(tls) = &self.inner {
            if tls.connection().alpn_protocol() == Some(b"h2") {
                return connected.negotiated_h2();
            }
        }
        connected
    }
}

impl Read for HttpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        match &mut self.get_mut().inner {
            Inner::Tcp(tcp) => Pin::new(tcp).poll_read(cx, buf),
            #[cfg(feature = "tls")]
            Inner::Tls(tls) => Pin::new(&mut **tls).poll_read(cx, buf),
        }
    }
}

impl Write for HttpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().inner {
            Inner::Tcp(tcp) => Pin::new(tcp).poll_write(cx, buf),
            #[cfg(feature = "tls")]
            Inner::Tls(tls) => Pin::new(&mut **tls).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().inner {
            Inner::Tcp(tcp) => Pin::new(tcp).poll_flush(cx),
            #[cfg(feature = "tls")]
            Inner::Tls(tls) => Pin::new(&mut **tls).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().inner {
            Inner::Tcp(tcp) => Pin::new(tcp).poll_shutdown(cx),
            #[cfg(feature = "tls")]
            Inner::Tls(tls) => Pin::new(&mut **tls).poll_shutdown(cx),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match &self.inner {
            Inner::Tcp(tcp) => tcp.is_write_vectored(),
            #[cfg(feature = "tls")]
            Inner::Tls(tls) => tls.is_write_vectored(),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().inner {
            Inner::Tcp(tcp) => Pin::new(tcp).poll_write_vectored(cx, bufs),
            #[cfg(feature = "tls")]
            Inner::Tls(tls) => Pin::new(&mut **tls).poll_write_vectored(cx, bufs),
        }
    }
}

impl fmt::Debug for HttpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.inner {
            Inner::Tcp(_) => "tcp",
            #[cfg(feature = "tls")]
            Inner::Tls(_) => "tls",
        };
        f.debug_struct("HttpStream")
            .field("kind", &kind)
            .field("peer", &self.tcp().peer_addr().ok())
            .finish()
    }
}
