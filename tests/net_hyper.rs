//! The `hyper` feature: hyper 1.x serving on baton's sockets, executor and timer.
#![cfg(feature = "hyper")]

mod common;

use baton::net::hyper_rt::HyperTimer;
use baton::net::{TcpListener, TcpStream};
use common::{bounded, paused_loop};
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::Response;
use std::convert::Infallible;
use std::time::Duration;

/// Serves one connection of `listener` with a service answering "Hello, World!".
async fn serve_one(listener: TcpListener, builder: http1::Builder) -> Result<(), hyper::Error> {
    let (stream, _) = listener.accept().await.unwrap();
    let service = service_fn(|_req| async {
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from("Hello, World!"))))
    });
    builder.serve_connection(stream, service).await
}

/// Reads from `client` until the buffer ends with `suffix` (or EOF); returns what came.
async fn read_until_suffix(client: &mut TcpStream, suffix: &[u8]) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while !got.ends_with(suffix) {
        let n = client.read(&mut buf).await.unwrap();
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    got
}

#[test]
fn keep_alive_requests_are_served_over_one_connection() {
    bounded(Duration::from_secs(30), || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let mut builder = http1::Builder::new();
            builder.timer(HyperTimer);
            let server = baton::spawn(serve_one(listener, builder));
            let mut client = TcpStream::connect(addr).await.unwrap();
            for _ in 0..3 {
                client
                    .write_all(b"GET / HTTP/1.1\r\nHost: baton\r\n\r\n")
                    .await
                    .unwrap();
                let response = read_until_suffix(&mut client, b"Hello, World!").await;
                let text = String::from_utf8(response).unwrap();
                assert!(text.starts_with("HTTP/1.1 200 OK"), "{text}");
            }
            client
                .write_all(b"GET / HTTP/1.1\r\nHost: baton\r\nConnection: close\r\n\r\n")
                .await
                .unwrap();
            let last = read_until_suffix(&mut client, b"\0never").await;
            assert!(last.ends_with(b"Hello, World!"), "then the server closed");
            server.await.unwrap().unwrap();
        });
    });
}

#[test]
fn a_client_stalling_in_its_headers_is_timed_out_on_the_loop_clock() {
    bounded(Duration::from_secs(30), || {
        let mut lp = paused_loop();
        let (result, waited) = lp.run_until_complete(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let mut builder = http1::Builder::new();
            builder
                .timer(HyperTimer)
                .header_read_timeout(Duration::from_secs(30));
            let server = baton::spawn(serve_one(listener, builder));
            let mut client = TcpStream::connect(addr).await.unwrap();
            client.write_all(b"GET / HTTP/1.1\r\nHo").await.unwrap();
            let start = std::time::Instant::now();
            let result = server.await.unwrap();
            (result, start.elapsed())
        });
        let err = result.expect_err("the stalled connection ends in a time-out");
        assert!(err.is_timeout(), "{err}");
        assert!(
            waited < Duration::from_secs(10),
            "30 s of virtual time, not real time"
        );
    });
}
