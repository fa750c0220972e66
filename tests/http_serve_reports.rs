//! What `baton::http::serve` reports through the loop's exception handler when a client's
//! connection fails (a malformed request, a reset): in debug mode, one report naming the
//! client; otherwise nothing, as asyncio logs a connection's `OSError` only in debug mode.
#![cfg(feature = "hyper")]

mod common;

use std::convert::Infallible;
use std::future::IntoFuture;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use baton::debug::{Exception, ExceptionKind};
use baton::net::{TcpListener, TcpStream};
use baton::sync::Event;
use baton::EventLoop;
use common::bounded;
use futures_lite::AsyncReadExt;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};

const LIMIT: Duration = Duration::from_secs(30);

/// Answers "hello" to anything.
fn hello() -> impl tower::Service<
    Request<Incoming>,
    Response = Response<Full<Bytes>>,
    Error = Infallible,
    Future = impl Send,
> + Clone
       + Send {
    tower::service_fn(|_req: Request<Incoming>| async {
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from("hello"))))
    })
}

/// Server reports, and an event set at each one (so a test can wait for one).
#[derive(Clone, Default)]
struct Reports {
    seen: Arc<Mutex<Vec<Exception>>>,
    arrived: Arc<Event>,
}

impl Reports {
    /// A handler keeping the server's reports (debug mode's slow polls and tasks pending at
    /// close are left out).
    fn handler(&self) -> impl Fn(&Exception) + Send + Sync + 'static {
        let reports = self.clone();
        move |e: &Exception| {
            if matches!(
                e.kind,
                ExceptionKind::ConnectionFailed { .. }
                    | ExceptionKind::AcceptFailed { .. }
                    | ExceptionKind::HandOverFailed { .. }
            ) {
                reports.seen.lock().unwrap().push(e.clone());
                reports.arrived.set();
            }
        }
    }

    fn taken(&self) -> Vec<Exception> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

/// Runs `client` against `serve` on a loop in debug mode or not, then shuts the server down
/// gracefully (every connection has ended, and so reported, when `serve` returns); the
/// server's reports.
fn serve_with<F, Fut>(debug: bool, client: F) -> Vec<Exception>
where
    F: FnOnce(SocketAddr, Reports) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    bounded(LIMIT, move || {
        let mut lp = EventLoop::builder().debug(debug).build().unwrap();
        let reports = Reports::default();
        lp.set_exception_handler(reports.handler());
        let watched = reports.clone();
        lp.run_until_complete(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let stop = Arc::new(Event::new());
            let signal = {
                let stop = stop.clone();
                async move { stop.wait().await }
            };
            let server = baton::http::serve(listener, hello())
                .with_graceful_shutdown(signal)
                .into_future();
            let client = async {
                client(addr, watched).await;
                stop.set();
            };
            let (served, ()) = futures_lite::future::zip(server, client).await;
            served.unwrap();
        });
        reports.taken()
    })
}

/// Sends a request hyper cannot parse and reads its 400 to the end; the client's address.
async fn malformed(addr: SocketAddr) -> SocketAddr {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let me = stream.local_addr().unwrap();
    stream.write_all(b"NOT HTTP AT ALL\r\n\r\n").await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    me
}

/// Sends half a request, then resets the connection (linger 0); the client's address.
async fn reset_mid_request(addr: SocketAddr) -> SocketAddr {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let me = stream.local_addr().unwrap();
    stream.set_linger(Some(Duration::ZERO)).unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: ba")
        .await
        .unwrap();
    drop(stream); // RST
    me
}

/// One good request, answered.
async fn hello_answered(addr: SocketAddr) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.ends_with("hello"), "{response}");
}

/// The one report in `seen`, as (peer, error kind, line), checked to be an HTTP connection's.
fn only_connection_report(seen: &[Exception]) -> (Option<String>, ErrorKind, String) {
    assert_eq!(seen.len(), 1, "{seen:?}");
    let ExceptionKind::ConnectionFailed {
        server,
        stage,
        peer,
        error,
    } = &seen[0].kind
    else {
        panic!("{:?}", seen[0]);
    };
    assert_eq!(*server, "http::serve");
    assert_eq!(*stage, "HTTP connection");
    (peer.clone(), error.kind, seen[0].to_string())
}

#[test]
fn debug_mode_reports_a_malformed_request_naming_the_client() {
    let (client_tx, client_rx) = std::sync::mpsc::channel();
    let seen = serve_with(true, move |addr, _| async move {
        client_tx.send(malformed(addr).await).unwrap();
        hello_answered(addr).await;
    });
    let client = client_rx.recv().unwrap();
    let (peer, kind, line) = only_connection_report(&seen);
    assert_eq!(peer, Some(client.to_string()));
    assert_eq!(kind, ErrorKind::InvalidData, "{line}");
    assert!(
        line.starts_with(&format!(
            "baton: http::serve: HTTP connection with {client} failed: "
        )),
        "{line}"
    );
    assert!(!line.contains('\n'), "{line}");
}

#[test]
fn debug_mode_reports_a_client_that_resets_mid_request() {
    let (client_tx, client_rx) = std::sync::mpsc::channel();
    let seen = serve_with(true, move |addr, reports| async move {
        client_tx.send(reset_mid_request(addr).await).unwrap();
        reports.arrived.wait().await; // bounded by the test's limit
        hello_answered(addr).await;
    });
    let client = client_rx.recv().unwrap();
    let (peer, kind, line) = only_connection_report(&seen);
    assert_eq!(peer, Some(client.to_string()));
    assert_eq!(kind, ErrorKind::ConnectionReset, "{line}");
}

#[test]
fn outside_debug_mode_failed_connections_are_not_reported() {
    let seen = serve_with(false, |addr, _| async move {
        malformed(addr).await;
        reset_mid_request(addr).await;
        hello_answered(addr).await;
    });
    // `serve` returned: every connection had ended, and would have reported by then.
    assert!(seen.is_empty(), "{seen:?}");
}

/// On a `Runtime`, connections are handed to workers: a failed one is reported to the
/// runtime's handler from the worker that served it.
#[test]
fn a_runtime_in_debug_mode_reports_from_the_worker_serving_the_connection() {
    bounded(LIMIT, || {
        let rt = baton::Runtime::builder()
            .workers(2)
            .debug(true)
            .build()
            .unwrap();
        let reports = Reports::default();
        rt.handle().set_exception_handler(reports.handler());
        let arrived = reports.arrived.clone();
        rt.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let stop = Arc::new(Event::new());
            let signal = {
                let stop = stop.clone();
                async move { stop.wait().await }
            };
            let server = baton::spawn(
                baton::http::serve(listener, hello())
                    .with_graceful_shutdown(signal)
                    .into_future(),
            );
            let client = malformed(addr).await;
            arrived.wait().await; // bounded by the test's limit
            stop.set();
            server.await.unwrap().unwrap();
            let (peer, kind, _) = only_connection_report(&reports.taken());
            assert_eq!(peer, Some(client.to_string()));
            assert_eq!(kind, ErrorKind::InvalidData);
        });
    });
}
