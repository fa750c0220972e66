//! `baton::http`'s pooling client and timeout layer over real sockets, against baton hyper
//! servers in the same test: connections reused from the pool, HTTP/2 chosen by ALPN over TLS,
//! a connection reset mid-response failing only its own request (on a `Runtime` worker),
//! errors that name what failed, and `TimeoutLayer` on a client and on an axum server.
#![cfg(feature = "hyper")]

mod common;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use baton::http::{client, Connector, Elapsed, TimeoutLayer};
use baton::net::hyper_rt::HyperExecutor;
use baton::net::{TcpListener, TcpStream};
use common::{bounded, paused_loop};
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode, Uri};
use hyper_util::service::TowerToHyperService;
use tower::{Layer, ServiceExt};

const LIMIT: Duration = Duration::from_secs(60);

/// An error and all its sources, as one line: what a user would print.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out += &format!(": {s}");
        source = s.source();
    }
    out
}

/// A hyper server (HTTP/1 and HTTP/2) answering "hello <path>"; counts the connections it
/// accepted.
async fn hello_server() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepts = Arc::new(AtomicUsize::new(0));
    let counted = accepts.clone();
    baton::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            counted.fetch_add(1, Ordering::SeqCst);
            baton::spawn(async move {
                let service = service_fn(|req: Request<Incoming>| async move {
                    let body = format!("hello {}", req.uri().path());
                    Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(body))))
                });
                let _ = hyper_util::server::conn::auto::Builder::new(HyperExecutor)
                    .serve_connection(stream, service)
                    .await;
            });
        }
    });
    (addr, accepts)
}

fn uri(addr: SocketAddr, path: &str) -> Uri {
    format!("http://{addr}{path}").parse().unwrap()
}

#[test]
fn requests_reuse_a_pooled_connection() {
    bounded(LIMIT, || {
        baton::run(async {
            let (addr, accepts) = hello_server().await;
            let client = client::<Empty<Bytes>>();
            for i in 0..5 {
                let res = client.get(uri(addr, &format!("/{i}"))).await.unwrap();
                assert_eq!(res.status(), StatusCode::OK);
                let body = res.into_body().collect().await.unwrap().to_bytes();
                assert_eq!(body, format!("hello /{i}"));
            }
            assert_eq!(accepts.load(Ordering::SeqCst), 1, "one connection, reused");
        })
    });
}

#[test]
fn errors_name_the_host_and_the_address() {
    bounded(LIMIT, || {
        baton::run(async {
            let client = client::<Empty<Bytes>>();

            // A port nobody listens on: refused, and the error says where.
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            drop(listener);
            let err = client.get(uri(addr, "/")).await.unwrap_err();
            assert!(err.is_connect());
            let msg = chain(&err);
            assert!(msg.contains(&addr.to_string()), "{msg}");

            // A name that cannot resolve (`.invalid` is reserved): the error names it.
            let err = client
                .get("http://no-such-host.invalid/".parse().unwrap())
                .await
                .unwrap_err();
            let msg = chain(&err);
            assert!(msg.contains("no-such-host.invalid"), "{msg}");

            // https without a TLS configuration: the error says what is missing.
            let err = client
                .get(format!("https://{addr}/").parse().unwrap())
                .await
                .unwrap_err();
            let msg = chain(&err);
            assert!(msg.contains("https needs"), "{msg}");
            assert!(
                msg.contains("with_tls") || msg.contains("`tls` feature"),
                "{msg}"
            );
        })
    });
}

/// A server that answers every request with a response cut short by a reset: headers and
/// part of a promised body, then RST.
async fn resetting_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    baton::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            baton::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    let n = stream.read(&mut buf).await.unwrap();
                    if n == 0 {
                        return;
                    }
                    head.extend_from_slice(&buf[..n]);
                }
                stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\npartial")
                    .await
                    .unwrap();
                stream.set_linger(Some(Duration::ZERO)).unwrap();
                drop(stream); // RST
            });
        }
    });
    addr
}

/// The whole body of a GET, or the error of the request or of its body.
async fn get_body(
    client: &hyper_util::client::legacy::Client<Connector, Empty<Bytes>>,
    uri: Uri,
) -> Result<Bytes, String> {
    let res = client.get(uri).await.map_err(|e| chain(&e))?;
    let body = res.into_body().collect().await.map_err(|e| chain(&e))?;
    Ok(body.to_bytes())
}

#[test]
fn a_reset_mid_response_fails_only_its_request_on_a_runtime_worker() {
    bounded(LIMIT, || {
        let rt = baton::Runtime::builder().workers(2).build().unwrap();
        rt.block_on(async {
            let (good, accepts) = hello_server().await;
            let bad = resetting_server().await;
            let client = client::<Empty<Bytes>>();
            // In flight together: one to the good server, one cut short.
            let (ok, cut) = futures::join!(
                get_body(&client, uri(good, "/a")),
                get_body(&client, uri(bad, "/b")),
            );
            assert_eq!(ok.unwrap(), "hello /a");
            let err = cut.unwrap_err();
            assert!(!err.is_empty());
            // The client and the good connection serve on.
            let again = baton::spawn_send({
                let client = client.clone();
                async move { get_body(&client, uri(good, "/c")).await }
            });
            assert_eq!(again.await.unwrap().unwrap(), "hello /c");
            assert_eq!(accepts.load(Ordering::SeqCst), 1);
        });
        rt.shutdown();
    });
}

#[cfg(feature = "tls")]
mod tls {
    use super::*;
    use baton::http::client_builder;
    use baton::tls::rustls::{self, pki_types::PrivateKeyDer};
    use baton::tls::TlsAcceptor;

    /// A self-signed certificate for `localhost`: a client config trusting it (no ALPN: the
    /// connector adds it), a server config presenting it, offering h2 and http/1.1.
    fn configs() -> (Arc<rustls::ClientConfig>, Arc<rustls::ServerConfig>) {
        let (client, mut server) = crate::common::tls::localhost_config_parts();
        server.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        (Arc::new(client), Arc::new(server))
    }

    /// An https server answering with the HTTP version it spoke; counts connections.
    async fn https_server(config: Arc<rustls::ServerConfig>) -> (u16, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepts = Arc::new(AtomicUsize::new(0));
        let counted = accepts.clone();
        let acceptor = TlsAcceptor::from(config);
        baton::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                counted.fetch_add(1, Ordering::SeqCst);
                let acceptor = acceptor.clone();
                baton::spawn(async move {
                    let Ok(tls) = acceptor.accept(stream).await else {
                        return;
                    };
                    let service = service_fn(|req: Request<Incoming>| async move {
                        let body = format!("{:?}", req.version());
                        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(body))))
                    });
                    let _ = hyper_util::server::conn::auto::Builder::new(HyperExecutor)
                        .serve_connection(tls, service)
                        .await;
                });
            }
        });
        (port, accepts)
    }

    #[test]
    fn https_speaks_http2_when_alpn_chooses_it_and_multiplexes() {
        let (client_config, server_config) = configs();
        bounded(LIMIT, move || {
            baton::run(async move {
                let (port, accepts) = https_server(server_config).await;
                let client = client_builder()
                    .build::<_, Empty<Bytes>>(Connector::new().with_tls(client_config));
                let url: Uri = format!("https://localhost:{port}/").parse().unwrap();
                let res = client.get(url.clone()).await.unwrap();
                assert_eq!(res.version(), hyper::Version::HTTP_2);
                let body = res.into_body().collect().await.unwrap().to_bytes();
                assert_eq!(body, "HTTP/2.0");
                // Three at once share the one HTTP/2 connection.
                let (a, b, c) = futures::join!(
                    client.get(url.clone()),
                    client.get(url.clone()),
                    client.get(url.clone())
                );
                for res in [a, b, c] {
                    assert_eq!(res.unwrap().version(), hyper::Version::HTTP_2);
                }
                assert_eq!(accepts.load(Ordering::SeqCst), 1);
            })
        });
    }

    #[test]
    fn the_example_fetches_over_https_trusting_a_root_pem() {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let pem =
            std::env::temp_dir().join(format!("baton-http-client-{}.pem", std::process::id()));
        std::fs::write(&pem, cert.cert.pem()).unwrap();
        let key = PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
        let mut server = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(vec![cert.cert.der().clone()], key)
            .unwrap();
        server.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let path = pem.clone();
        let got = bounded(LIMIT, move || {
            baton::run(async move {
                let (port, _) = https_server(Arc::new(server)).await;
                let url = format!("https://localhost:{port}/");
                super::example::fetch(&url, Some(&path))
                    .await
                    .map_err(|e| e.to_string())
            })
        });
        std::fs::remove_file(pem).unwrap();
        let (status, body) = got.unwrap();
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, "HTTP/2.0");
    }

    #[test]
    fn a_stalled_handshake_times_out_on_the_connect_timeout() {
        let (client_config, _) = configs();
        let mut lp = paused_loop();
        lp.run_until_complete(async move {
            // Accepts TCP, never answers the TLS hello.
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            let _server = baton::spawn(async move {
                let (_stream, _) = listener.accept().await.unwrap();
                std::future::pending::<()>().await;
            });
            let connector = Connector::new()
                .with_tls(client_config)
                .connect_timeout(Some(Duration::from_secs(3)));
            let client = client_builder().build::<_, Empty<Bytes>>(connector);
            let start = baton::time::now();
            let err = client
                .get(format!("https://127.0.0.1:{port}/").parse().unwrap())
                .await
                .unwrap_err();
            let msg = chain(&err);
            assert!(msg.contains("timed out after 3s"), "{msg}");
            assert_eq!(baton::time::now() - start, Duration::from_secs(3));
        });
    }
}

#[test]
fn timeout_layer_fails_a_slow_client_request() {
    let mut lp = paused_loop();
    lp.run_until_complete(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let _server = baton::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let service = service_fn(|_req: Request<Incoming>| async {
                baton::sleep(Duration::from_secs(60)).await;
                Ok::<_, Infallible>(Response::new(Empty::<Bytes>::new()))
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(stream, service)
                .await;
        });
        let client = TimeoutLayer::new(Duration::from_secs(2)).layer(client::<Empty<Bytes>>());
        let start = baton::time::now();
        let err = client
            .oneshot(Request::get(uri(addr, "/")).body(Empty::new()).unwrap())
            .await
            .unwrap_err();
        assert!(err.is::<Elapsed>(), "{err}");
        assert_eq!(baton::time::now() - start, Duration::from_secs(2));
    });
}

#[test]
fn timeout_layer_turns_a_slow_axum_handler_into_408() {
    use axum::error_handling::HandleErrorLayer;
    use axum::routing::get;

    let app = axum::Router::new()
        .route(
            "/slow",
            get(|| async {
                baton::sleep(Duration::from_secs(60)).await;
                "done"
            }),
        )
        .route("/fast", get(|| async { "quick" }))
        .layer(
            tower::ServiceBuilder::new()
                .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
                    StatusCode::REQUEST_TIMEOUT
                }))
                .layer(TimeoutLayer::new(Duration::from_secs(1))),
        );
    let mut lp = paused_loop();
    lp.run_until_complete(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let _server = baton::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let service = TowerToHyperService::new(app.clone());
                baton::spawn(async move {
                    let _ = hyper_util::server::conn::auto::Builder::new(HyperExecutor)
                        .serve_connection(stream, service)
                        .await;
                });
            }
        });
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut send, conn) = hyper::client::conn::http1::handshake(stream).await.unwrap();
        baton::spawn(conn);
        let start = baton::time::now();
        let get = |path: &str| Request::get(path).body(Empty::<Bytes>::new()).unwrap();
        let res = send.send_request(get("/slow")).await.unwrap();
        assert_eq!(res.status(), StatusCode::REQUEST_TIMEOUT);
        assert_eq!(baton::time::now() - start, Duration::from_secs(1));
        // The connection serves on.
        let res = send.send_request(get("/fast")).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let body = res.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, "quick");
    });
}

/// `examples/http_client.rs`, driven against a local server.
#[path = "../examples/http_client.rs"]
#[allow(dead_code)]
mod example;

#[test]
fn the_example_fetches_a_local_url() {
    bounded(LIMIT, || {
        baton::run(async {
            let (addr, _) = hello_server().await;
            let (status, body) = example::fetch(&format!("http://{addr}/example"), None)
                .await
                .unwrap();
            assert_eq!(status, StatusCode::OK);
            assert_eq!(body, "hello /example");
        })
    });
}
