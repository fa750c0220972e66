//! hyper's I/O traits on every baton stream: hyper's own client and server over TCP, Unix,
//! the owned halves of both, TLS (feature `tls`), and any futures-io type through `HyperIo`
//! (and back: an upgraded connection read as futures-io).
#![cfg(feature = "hyper")]

mod common;

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use baton::io::HyperIo;
use baton::net::hyper_rt::{HyperExecutor, HyperTimer};
use baton::net::{OwnedReadHalf, OwnedWriteHalf, SplitStream, TcpListener, TcpStream, UnixStream};
use common::bounded;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Bytes, Incoming};
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};

const LIMIT: Duration = Duration::from_secs(60);

/// Echoes the request body, prefixed with the path: large bodies cross many reads.
async fn echo(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let path = req.uri().path().to_owned();
    let body = req.into_body().collect().await?.to_bytes();
    let mut out = path.into_bytes();
    out.extend_from_slice(&body);
    Ok(Response::new(Full::new(out.into())))
}

/// Serves one connection over `io` with hyper-util's auto builder (HTTP/1 or HTTP/2).
async fn serve<I: Read + Write + Unpin + 'static>(io: I) {
    hyper_util::server::conn::auto::Builder::new(HyperExecutor)
        .serve_connection(io, service_fn(echo))
        .await
        .unwrap();
}

/// One request over `io` with hyper's HTTP/1 client: what the echo server returned.
async fn request_http1<I: Read + Write + Unpin + 'static>(io: I, body: Vec<u8>) -> Vec<u8> {
    let (mut send, conn) = hyper::client::conn::http1::handshake(io).await.unwrap();
    let conn = baton::spawn(conn);
    let req = Request::post("/echo")
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let res = send.send_request(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let got = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    drop(send);
    conn.await.unwrap().unwrap();
    got
}

/// One request over `io` with hyper's HTTP/2 client.
async fn request_http2<I: Read + Write + Unpin + 'static>(io: I, body: Vec<u8>) -> Vec<u8> {
    let (mut send, conn) = hyper::client::conn::http2::Builder::new(HyperExecutor)
        .timer(HyperTimer)
        .handshake(io)
        .await
        .unwrap();
    baton::spawn(conn);
    let req = Request::post("/echo")
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let res = send.send_request(req).await.unwrap();
    assert_eq!(res.version(), hyper::Version::HTTP_2);
    res.into_body().collect().await.unwrap().to_bytes().to_vec()
}

/// 1 MiB of a pattern: many reads, many writes.
fn big_body() -> Vec<u8> {
    (0..1 << 20).map(|i| (i % 251) as u8).collect()
}

fn expected(body: &[u8]) -> Vec<u8> {
    let mut out = b"/echo".to_vec();
    out.extend_from_slice(body);
    out
}

async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

#[test]
fn hyper_client_and_server_over_tcp_both_versions() {
    bounded(LIMIT, || {
        baton::run(async {
            for http2 in [false, true] {
                let (client, server) = tcp_pair().await;
                baton::spawn(serve(server));
                let got = if http2 {
                    request_http2(client, big_body()).await
                } else {
                    request_http1(client, big_body()).await
                };
                assert_eq!(got, expected(&big_body()), "http2: {http2}");
            }
        })
    });
}

#[test]
fn hyper_client_and_server_over_unix() {
    bounded(LIMIT, || {
        baton::run(async {
            for http2 in [false, true] {
                let (client, server) = UnixStream::pair().unwrap();
                baton::spawn(serve(server));
                let got = if http2 {
                    request_http2(client, big_body()).await
                } else {
                    request_http1(client, big_body()).await
                };
                assert_eq!(got, expected(&big_body()), "http2: {http2}");
            }
        })
    });
}

/// A read half and a write half as one hyper connection: hyper reads through the read half's
/// `rt::Read` and writes through the write half's `rt::Write`.
struct Halves<S: SplitStream> {
    read: OwnedReadHalf<S>,
    write: OwnedWriteHalf<S>,
}

impl<S: SplitStream> Read for Halves<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.read).poll_read(cx, buf)
    }
}

impl<S: SplitStream> Write for Halves<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.write).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.write).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.write).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.write.is_write_vectored()
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.write).poll_write_vectored(cx, bufs)
    }
}

fn halves<S: SplitStream>((read, write): (OwnedReadHalf<S>, OwnedWriteHalf<S>)) -> Halves<S> {
    Halves { read, write }
}

#[test]
fn hyper_over_the_owned_halves_of_tcp_and_unix() {
    bounded(LIMIT, || {
        baton::run(async {
            let (client, server) = tcp_pair().await;
            baton::spawn(serve(halves(server.split())));
            let got = request_http1(halves(client.split()), big_body()).await;
            assert_eq!(got, expected(&big_body()));

            let (client, server) = UnixStream::pair().unwrap();
            baton::spawn(serve(halves(server.split())));
            let got = request_http2(halves(client.split()), big_body()).await;
            assert_eq!(got, expected(&big_body()));
        })
    });
}

/// A futures-io type that is nothing else: only `AsyncRead`/`AsyncWrite`, forwarded.
struct FuturesOnly<T>(T);

impl<T: futures_io::AsyncRead + Unpin> futures_io::AsyncRead for FuturesOnly<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        // Small reads: hyper's buffer is offered many times per message.
        let len = buf.len().min(1000);
        Pin::new(&mut self.0).poll_read(cx, &mut buf[..len])
    }
}

impl<T: futures_io::AsyncWrite + Unpin> futures_io::AsyncWrite for FuturesOnly<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_close(cx)
    }
}

#[test]
fn hyper_io_carries_any_futures_io_type_into_hyper() {
    bounded(LIMIT, || {
        baton::run(async {
            for http2 in [false, true] {
                let (client, server) = UnixStream::pair().unwrap();
                baton::spawn(serve(HyperIo::new(FuturesOnly(server))));
                let client = HyperIo::new(FuturesOnly(client));
                let got = if http2 {
                    request_http2(client, big_body()).await
                } else {
                    request_http1(client, big_body()).await
                };
                assert_eq!(got, expected(&big_body()), "http2: {http2}");
            }
        })
    });
}

#[test]
fn hyper_io_turns_an_upgraded_connection_into_futures_io() {
    bounded(LIMIT, || {
        baton::run(async {
            let (client, server) = tcp_pair().await;
            baton::spawn(async move {
                let service = service_fn(|mut req: Request<Incoming>| async move {
                    baton::spawn(async move {
                        let upgraded = hyper::upgrade::on(&mut req).await.unwrap();
                        let mut io = HyperIo::new(upgraded);
                        // Echo everything back until EOF, through futures-io.
                        let mut buf = vec![0; 7000];
                        loop {
                            let n = io.read(&mut buf).await.unwrap();
                            if n == 0 {
                                break;
                            }
                            io.write_all(&buf[..n]).await.unwrap();
                        }
                        io.close().await.unwrap();
                    });
                    let mut res = Response::new(Empty::<Bytes>::new());
                    *res.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
                    res.headers_mut().insert("upgrade", "echo".parse().unwrap());
                    Ok::<_, Infallible>(res)
                });
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(server, service)
                    .with_upgrades()
                    .await
                    .unwrap();
            });
            let (mut send, conn) = hyper::client::conn::http1::handshake(client).await.unwrap();
            baton::spawn(conn.with_upgrades());
            let req = Request::get("/")
                .header("connection", "upgrade")
                .header("upgrade", "echo")
                .body(Empty::<Bytes>::new())
                .unwrap();
            let mut res = send.send_request(req).await.unwrap();
            assert_eq!(res.status(), StatusCode::SWITCHING_PROTOCOLS);
            let io = HyperIo::new(hyper::upgrade::on(&mut res).await.unwrap());
            assert!(format!("{io:?}").starts_with("HyperIo("));
            let (mut rd, mut wr) = futures_lite::io::split(io);
            let writer = baton::spawn(async move {
                wr.write_all(&big_body()).await.unwrap();
                wr.close().await.unwrap();
            });
            let mut got = Vec::new();
            rd.read_to_end(&mut got).await.unwrap();
            writer.await.unwrap();
            assert_eq!(got, big_body());
        })
    });
}

#[cfg(feature = "tls")]
#[test]
fn hyper_client_and_server_over_tls_both_versions() {
    use baton::tls::rustls::{self, pki_types::PrivateKeyDer};
    use baton::tls::{TlsAcceptor, TlsConnector};
    use std::sync::Arc;

    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.cert.der().clone()).unwrap();
    let client_config = Arc::new(
        rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    );
    let key = PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
    let server_config = Arc::new(
        rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(vec![cert.cert.der().clone()], key)
            .unwrap(),
    );
    bounded(LIMIT, move || {
        baton::run(async move {
            for http2 in [false, true] {
                let (client, server) = tcp_pair().await;
                let acceptor = TlsAcceptor::from(server_config.clone());
                baton::spawn(async move { serve(acceptor.accept(server).await.unwrap()).await });
                let tls = TlsConnector::from(client_config.clone())
                    .connect("localhost", client)
                    .await
                    .unwrap();
                let got = if http2 {
                    request_http2(tls, big_body()).await
                } else {
                    request_http1(tls, big_body()).await
                };
                assert_eq!(got, expected(&big_body()), "http2: {http2}");
            }
        })
    });
}
