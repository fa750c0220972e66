//! `baton::http::serve` with plain tower services over real sockets: HTTP/1, h2c, graceful
//! shutdown, and faults (a panicking handler, a malformed request, a reset peer) that end one
//! connection and leave the server serving; several workers of a `Runtime` all serving.
#![cfg(feature = "hyper")]

mod common;

use std::convert::Infallible;
use std::future::IntoFuture;
use std::io::{Read as _, Write as _};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use baton::net::hyper_rt::HyperExecutor;
use baton::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use baton::sync::Event;
use common::bounded;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode, Version};

const LIMIT: Duration = Duration::from_secs(30);

/// The events a `/slow` request passes: it sets `started`, then waits for `release`.
#[derive(Clone, Default)]
struct Slow {
    started: Arc<Event>,
    release: Arc<Event>,
}

/// Routes: `/slow` (see [`Slow`]), `/panic` (the handler panics), `/worker` (the name of the
/// thread serving it), anything else "hello".
fn service(
    slow: Slow,
) -> impl tower::Service<
    Request<Incoming>,
    Response = Response<Full<Bytes>>,
    Error = Infallible,
    Future = impl Send,
> + Clone
       + Send {
    tower::service_fn(move |req: Request<Incoming>| {
        let slow = slow.clone();
        async move {
            let body = match req.uri().path() {
                "/slow" => {
                    slow.started.set();
                    slow.release.wait().await;
                    "slow done".to_owned()
                }
                "/panic" => panic!("the handler panicked"),
                "/worker" => std::thread::current().name().unwrap_or("?").to_owned(),
                _ => "hello".to_owned(),
            };
            Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(body))))
        }
    })
}

/// A shutdown signal and the event that fires it.
fn stopper() -> (
    Arc<Event>,
    impl std::future::Future<Output = ()> + Send + 'static,
) {
    let stop = Arc::new(Event::new());
    let signal = {
        let stop = stop.clone();
        async move { stop.wait().await }
    };
    (stop, signal)
}

/// One request over a fresh HTTP/1.1 connection (`Connection: close`); the raw response.
async fn get(addr: SocketAddr, path: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(addr).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: baton\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    futures_lite::AsyncReadExt::read_to_string(&mut stream, &mut response).await?;
    Ok(response)
}

/// The body of a hyper client response.
async fn body_of(response: Response<Incoming>) -> String {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// Runs `client` against a server serving [`service`] on a fresh listener, then shuts the
/// server down gracefully and checks it ended cleanly.
fn with_server<F, Fut>(client: F)
where
    F: FnOnce(SocketAddr, Slow) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let slow = Slow::default();
            let (stop, signal) = stopper();
            let server = baton::http::serve(listener, service(slow.clone()))
                .with_graceful_shutdown(signal)
                .into_future();
            let client = async {
                client(addr, slow).await;
                stop.set();
            };
            let (served, ()) = futures_lite::future::zip(server, client).await;
            served.unwrap();
        });
    });
}

#[test]
fn http1_requests_are_answered_on_one_kept_alive_connection() {
    with_server(|addr, _| async move {
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut sender, conn) = hyper::client::conn::http1::handshake(stream).await.unwrap();
        let conn = baton::spawn(conn);
        for _ in 0..3 {
            let request = Request::get("/").body(Empty::<Bytes>::new()).unwrap();
            let response = sender.send_request(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(response.version(), Version::HTTP_11);
            assert_eq!(body_of(response).await, "hello");
        }
        drop(sender);
        conn.await.unwrap().unwrap();
    });
}

#[test]
fn h2c_with_prior_knowledge_is_detected_and_served() {
    with_server(|addr, _| async move {
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut sender, conn) = hyper::client::conn::http2::handshake(HyperExecutor, stream)
            .await
            .unwrap();
        let conn = baton::spawn(conn);
        let requests: Vec<_> = (0..4)
            .map(|_| {
                sender.send_request(
                    Request::get("http://baton/")
                        .body(Empty::<Bytes>::new())
                        .unwrap(),
                )
            })
            .collect();
        for request in requests {
            let response = request.await.unwrap();
            assert_eq!(response.version(), Version::HTTP_2);
            assert_eq!(body_of(response).await, "hello");
        }
        drop(sender);
        conn.await.unwrap().unwrap();
    });
}

#[test]
fn graceful_shutdown_refuses_new_connections_and_finishes_the_request_in_flight() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let slow = Slow::default();
            let (stop, signal) = stopper();
            let server = baton::spawn(
                baton::http::serve(listener, service(slow.clone()))
                    .with_graceful_shutdown(signal)
                    .into_future(),
            );
            let in_flight = baton::spawn(get(addr, "/slow"));
            slow.started.wait().await;
            stop.set();
            // The listener closes as soon as the server sees the signal.
            loop {
                match TcpStream::connect(addr).await {
                    // Refused, or reset if it raced the close of the listener.
                    Err(e) => {
                        assert!(
                            matches!(
                                e.kind(),
                                std::io::ErrorKind::ConnectionRefused
                                    | std::io::ErrorKind::ConnectionReset
                            ),
                            "{e}"
                        );
                        break;
                    }
                    Ok(_) => baton::sleep(Duration::from_millis(1)).await,
                }
            }
            assert!(!server.done(), "the server waits for the request in flight");
            slow.release.set();
            let response = in_flight.await.unwrap().unwrap();
            assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
            assert!(response.ends_with("slow done"), "{response}");
            server.await.unwrap().unwrap();
        });
    });
}

#[test]
fn graceful_shutdown_closes_idle_kept_alive_connections() {
    with_server(|addr, _| async move {
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut sender, conn) = hyper::client::conn::http1::handshake(stream).await.unwrap();
        let request = Request::get("/").body(Empty::<Bytes>::new()).unwrap();
        let conn = baton::spawn(conn);
        assert_eq!(
            body_of(sender.send_request(request).await.unwrap()).await,
            "hello"
        );
        // Left open and idle: `with_server`'s graceful shutdown must still end (the server
        // closes this connection), or the test's time limit fails it.
        drop(conn);
        std::mem::forget(sender);
    });
}

#[test]
fn a_panicking_handler_ends_only_its_connection() {
    with_server(|addr, _| async move {
        let response = get(addr, "/panic").await;
        assert!(
            response.as_deref().map_or(true, |r| r.is_empty()),
            "no response to the panicked request: {response:?}"
        );
        let response = get(addr, "/").await.unwrap();
        assert!(response.ends_with("hello"), "{response}");
    });
}

#[test]
fn a_panicking_handler_on_http2_ends_only_its_stream() {
    with_server(|addr, _| async move {
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut sender, conn) = hyper::client::conn::http2::handshake(HyperExecutor, stream)
            .await
            .unwrap();
        let conn = baton::spawn(conn);
        let get = |path: &str| {
            Request::get(format!("http://baton{path}"))
                .body(Empty::<Bytes>::new())
                .unwrap()
        };
        assert!(sender.send_request(get("/panic")).await.is_err());
        // The same connection still serves its other streams.
        let response = sender.send_request(get("/")).await.unwrap();
        assert_eq!(body_of(response).await, "hello");
        drop(sender);
        conn.await.unwrap().unwrap();
    });
}

#[test]
fn a_malformed_request_gets_400_and_the_server_keeps_serving() {
    with_server(|addr, _| async move {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(b"NOT HTTP AT ALL\r\n\r\n").await.unwrap();
        let mut response = String::new();
        futures_lite::AsyncReadExt::read_to_string(&mut stream, &mut response)
            .await
            .unwrap();
        assert!(response.starts_with("HTTP/1.1 400"), "{response}");
        let response = get(addr, "/").await.unwrap();
        assert!(response.ends_with("hello"), "{response}");
    });
}

#[test]
fn a_peer_that_resets_mid_request_ends_only_its_connection() {
    with_server(|addr, _| async move {
        let stream = TcpStream::connect(addr).await.unwrap();
        stream.set_linger(Some(Duration::ZERO)).unwrap();
        let mut stream = stream;
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: ba")
            .await
            .unwrap();
        baton::sleep(Duration::from_millis(10)).await;
        drop(stream); // RST: linger 0
        let response = get(addr, "/").await.unwrap();
        assert!(response.ends_with("hello"), "{response}");
    });
}

#[test]
fn a_unix_listener_is_served_too() {
    bounded(LIMIT, || {
        baton::run(async {
            let path = std::env::temp_dir().join(format!("baton-http-{}", std::process::id()));
            let _ = std::fs::remove_file(&path);
            let listener = UnixListener::bind(&path).unwrap();
            let (stop, signal) = stopper();
            let server = baton::http::serve(listener, service(Slow::default()))
                .with_graceful_shutdown(signal)
                .into_future();
            let client = async {
                let mut stream = UnixStream::connect(&path).await.unwrap();
                stream
                    .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .await
                    .unwrap();
                let mut response = String::new();
                futures_lite::AsyncReadExt::read_to_string(&mut stream, &mut response)
                    .await
                    .unwrap();
                assert!(response.ends_with("hello"), "{response}");
                stop.set();
            };
            let (served, ()) = futures_lite::future::zip(server, client).await;
            served.unwrap();
            std::fs::remove_file(&path).unwrap();
        });
    });
}

#[test]
fn a_not_send_service_is_served_on_its_loop_with_local() {
    use std::cell::Cell;
    use std::rc::Rc;
    bounded(LIMIT, || {
        baton::run(async {
            let hits = Rc::new(Cell::new(0u32));
            let counted = hits.clone();
            let service = tower::service_fn(move |_req: Request<Incoming>| {
                counted.set(counted.get() + 1);
                let body = format!("hit {}", counted.get());
                async move { Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(body)))) }
            });
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let (stop, signal) = stopper();
            let server = baton::http::serve(listener, service)
                .local()
                .with_graceful_shutdown(signal)
                .into_future();
            let client = async {
                assert!(get(addr, "/").await.unwrap().ends_with("hit 1"));
                assert!(get(addr, "/").await.unwrap().ends_with("hit 2"));
                stop.set();
            };
            let (served, ()) = futures_lite::future::zip(server, client).await;
            served.unwrap();
            assert_eq!(hits.get(), 2);
        });
    });
}

#[test]
fn every_worker_of_a_runtime_serves_connections() {
    bounded(LIMIT, || {
        let rt = baton::Runtime::builder().workers(2).build().unwrap();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let stop = Arc::new(Event::new());
        let server = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                rt.block_on(async move {
                    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                    addr_tx.send(listener.local_addr().unwrap()).unwrap();
                    baton::http::serve(listener, service(Slow::default()))
                        .with_graceful_shutdown(async move { stop.wait().await })
                        .await
                })
            })
        };
        let addr = addr_rx.recv().unwrap();
        // Four connections open at once: each goes to the least busy worker.
        let mut clients: Vec<std::net::TcpStream> = (0..4)
            .map(|_| std::net::TcpStream::connect(addr).unwrap())
            .collect();
        let mut names = Vec::new();
        for client in &mut clients {
            client
                .write_all(b"GET /worker HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
        }
        for client in &mut clients {
            let mut response = String::new();
            client.read_to_string(&mut response).unwrap();
            names.push(response.rsplit("\r\n").next().unwrap().to_owned());
        }
        names.sort();
        names.dedup();
        assert_eq!(names, ["baton-worker-0", "baton-worker-1"]);
        stop.set();
        server.join().unwrap().unwrap();
    });
}

/// Environment variable that turns `emfile_child` into the low-limit server.
const CHILD_ENV: &str = "BATON_HTTP_EMFILE_CHILD";

/// `serve` in a child process whose descriptor table is nearly full, sent more connections at
/// once than it has descriptors for: it reports `EMFILE` through the loop's exception handler,
/// backs off, and answers every one as earlier ones close.
#[test]
fn accept_hitting_emfile_is_reported_and_the_server_recovers() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    bounded(Duration::from_secs(60), || {
        let exe = std::env::current_exe().unwrap();
        let mut child = Command::new(exe)
            .args(["--exact", "emfile_child", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let port: u16 = loop {
            line.clear();
            assert!(out.read_line(&mut line).unwrap() > 0, "child exited early");
            if let Some(at) = line.find("PORT ") {
                break line[at + 5..].trim().parse().unwrap();
            }
        };
        // 30 connections at once against room for about 8.
        let mut clients: Vec<std::net::TcpStream> = (0..30)
            .map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).unwrap())
            .collect();
        for client in &mut clients {
            client
                .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
        }
        for client in &mut clients {
            let mut response = String::new();
            client.read_to_string(&mut response).unwrap();
            assert!(response.ends_with("hello"), "{response}");
        }
        drop(child.stdin.take()); // tells the child to shut down
        let mut rest = String::new();
        out.read_to_string(&mut rest).unwrap();
        let mut err = String::new();
        child
            .stderr
            .as_mut()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert!(child.wait().unwrap().success(), "child failed:\n{err}");
        // Reported through the loop's exception handler, which the child's handler forwards
        // to the default one: stderr (a `tracing` event with that feature).
        assert!(
            rest.contains("ACCEPT_FAILED http::serve Too many open files (os error 24); 100ms"),
            "the handler heard of no EMFILE:\n{rest}"
        );
        #[cfg(not(feature = "tracing"))]
        assert!(
            err.contains("baton: http::serve: accept failed: Too many open files"),
            "the default handler printed no EMFILE:\n{err}"
        );
    });
}

/// The child half of `accept_hitting_emfile_is_reported_and_the_server_recovers`; a no-op in
/// normal runs.
#[test]
fn emfile_child() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    baton::run(async {
        // Every report, through the user's handler, then on to the default one (stderr).
        baton::get_running_loop().set_exception_handler(|e: &baton::debug::Exception| {
            if let baton::debug::ExceptionKind::AcceptFailed {
                server,
                error,
                retry_in,
            } = &e.kind
            {
                println!("ACCEPT_FAILED {server} {error}; {retry_in:?}");
            }
            baton::debug::default_exception_handler(e);
        });
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        // Serve until the parent closes our stdin (read off the loop).
        let stdin_closed = baton::to_thread(|| {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
        });
        let server = baton::http::serve(listener, service(Slow::default()))
            .with_graceful_shutdown(stdin_closed)
            .into_future();
        // Leave room for about 8 accepted connections above what is open now.
        let open = std::fs::read_dir("/proc/self/fd").unwrap().count() as u64;
        let lim = libc::rlimit {
            rlim_cur: open + 8,
            rlim_max: open + 8,
        };
        // SAFETY: `lim` is a valid rlimit; lowering limits is always permitted.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) }, 0);
        println!("PORT {port}");
        server.await.unwrap();
    });
}
