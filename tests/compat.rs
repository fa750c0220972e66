//! `baton::compat`: tokio-only futures (timers, `tokio::spawn`, `tokio::net`, reqwest) run on a
//! baton loop through the hidden tokio runtime; without the bridge, tokio's panic comes with a
//! hint that names it.
#![cfg(all(feature = "compat", feature = "hyper"))]

mod common;

use std::convert::Infallible;
use std::time::Duration;

use baton::compat::{compat, TokioContext};
use baton::net::TcpListener;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};

const LIMIT: Duration = Duration::from_secs(30);

#[test]
fn tokio_timers_spawn_and_sockets_work_inside_the_bridge() {
    common::bounded(LIMIT, || {
        baton::run(async {
            let echoed = compat(async {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                let server = tokio::spawn(async move {
                    let (mut socket, _) = listener.accept().await.unwrap();
                    let mut buf = [0; 5];
                    socket.read_exact(&mut buf).await.unwrap();
                    socket.write_all(&buf).await.unwrap();
                });
                tokio::time::sleep(Duration::from_millis(1)).await;
                let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
                client.write_all(b"hello").await.unwrap();
                let mut buf = [0; 5];
                client.read_exact(&mut buf).await.unwrap();
                server.await.unwrap();
                buf
            })
            .await;
            assert_eq!(&echoed, b"hello");
        });
    });
}

#[test]
fn the_bridge_works_from_every_worker_of_a_runtime() {
    common::bounded(LIMIT, || {
        let rt = baton::Runtime::builder().workers(2).build().unwrap();
        let results = rt.block_on(async {
            let tasks: Vec<_> = (0..8)
                .map(|i| {
                    baton::spawn_send(compat(async move {
                        tokio::time::sleep(Duration::from_millis(2)).await;
                        tokio::spawn(async move { i * 2 }).await.unwrap()
                    }))
                })
                .collect();
            let mut results = Vec::new();
            for task in tasks {
                results.push(task.await.unwrap());
            }
            results
        });
        assert_eq!(results, (0..8).map(|i| i * 2).collect::<Vec<_>>());
    });
}

/// reqwest, the crate users most often reach for, against a hyper server served by baton.
#[test]
fn reqwest_fetches_from_a_baton_server_through_the_bridge() {
    common::bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = baton::spawn(async move {
                let (stream, _) = listener.accept().await.unwrap();
                let service = hyper::service::service_fn(|req: Request<Incoming>| async move {
                    let body = format!("you asked for {}", req.uri().path());
                    Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(body))))
                });
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(stream, service)
                    .await
                    .unwrap();
            });
            let body = compat(async move {
                let response = reqwest::get(format!("http://{addr}/fruit")).await.unwrap();
                assert_eq!(response.status(), 200);
                response.text().await.unwrap()
            })
            .await;
            assert_eq!(body, "you asked for /fruit");
            server.cancel();
        });
    });
}

#[test]
fn a_tower_service_wrapped_in_tokio_context_may_call_tokio_spawn() {
    common::bounded(LIMIT, || {
        baton::run(async {
            use tower::Service;
            let mut service = TokioContext::new(SpawnsOnTokio);
            let spawned = service.call(20).await.unwrap();
            assert_eq!(spawned.await.unwrap(), 21);
        });
    });
}

#[derive(Clone)]
struct SpawnsOnTokio;

impl tower::Service<u32> for SpawnsOnTokio {
    type Response = tokio::task::JoinHandle<u32>;
    type Error = Infallible;
    type Future =
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self::Response, Infallible>>>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Infallible>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, n: u32) -> Self::Future {
        // Spawned from the response future's poll, as axum's upgrade does from its handler.
        Box::pin(async move {
            tokio::task::yield_now().await;
            Ok(tokio::spawn(async move { n + 1 }))
        })
    }
}

/// The pitfall the docs warn about: a tokio future polled on baton without the bridge panics,
/// and the error names the bridge.
#[test]
fn a_tokio_future_without_the_bridge_fails_with_a_message_naming_it() {
    common::bounded(LIMIT, || {
        baton::run(async {
            let task = baton::spawn(async {
                tokio::time::sleep(Duration::from_millis(1)).await;
            });
            let err = task.await.unwrap_err();
            let message = err.to_string();
            assert!(
                message.contains("Tokio 1.x runtime") && message.contains("baton::compat::compat"),
                "{message}"
            );
        });
    });
}
