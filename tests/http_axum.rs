//! The axum app of `examples/axum_app.rs`, served by `baton::http::serve` over real sockets:
//! its JSON and path routes over HTTP/1 and h2c, a WebSocket round trip (axum's upgrade calls
//! `tokio::spawn`, which the `compat` feature makes work), and a graceful shutdown that lets the
//! request in flight finish.
#![cfg(all(feature = "hyper", feature = "compat"))]

mod common;

#[path = "../examples/axum_app.rs"]
#[allow(dead_code)]
mod app;

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use baton::net::hyper_rt::HyperExecutor;
use baton::net::TcpStream;
use baton::sync::Event;
use common::bounded;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode, Version};

const LIMIT: Duration = Duration::from_secs(30);

/// A shutdown signal and the event that fires it.
fn stopper() -> (Arc<Event>, impl Future<Output = ()> + Send + 'static) {
    let stop = Arc::new(Event::new());
    let signal = {
        let stop = stop.clone();
        async move { stop.wait().await }
    };
    (stop, signal)
}

/// Serves `router` on a fresh port while `client` runs, then shuts the server down gracefully.
fn with_app<Fut: Future<Output = ()>>(router: Router, client: impl FnOnce(SocketAddr) -> Fut) {
    baton::run(async {
        let listener = baton::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, signal) = stopper();
        let server = baton::http::serve(listener, router)
            .with_graceful_shutdown(signal)
            .into_future();
        let client = async {
            client(addr).await;
            stop.set();
        };
        let (served, ()) = futures_lite::future::zip(server, client).await;
        served.unwrap();
    });
}

async fn body_of(response: Response<Incoming>) -> String {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn json_and_path_routes_over_http1() {
    bounded(LIMIT, || {
        with_app(app::baton_router(), |addr| async move {
            let stream = TcpStream::connect(addr).await.unwrap();
            let (mut sender, conn) = hyper::client::conn::http1::handshake(stream).await.unwrap();
            let conn = baton::spawn(conn);

            let response = sender
                .send_request(Request::get("/").body(Full::new(Bytes::new())).unwrap())
                .await
                .unwrap();
            assert_eq!(body_of(response).await, "Hello, World!");

            let response = sender
                .send_request(
                    Request::get("/users/7")
                        .body(Full::new(Bytes::new()))
                        .unwrap(),
                )
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let user: app::User = serde_json::from_str(&body_of(response).await).unwrap();
            assert_eq!(
                user,
                app::User {
                    id: 7,
                    name: "user 7".into()
                }
            );

            let greet = Request::post("/greet")
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(r#"{"name":"Ada"}"#)))
                .unwrap();
            let response = sender.send_request(greet).await.unwrap();
            let greeting: serde_json::Value =
                serde_json::from_str(&body_of(response).await).unwrap();
            assert_eq!(greeting, serde_json::json!({"greeting": "Hello, Ada!"}));

            let response = sender
                .send_request(
                    Request::get("/users/x")
                        .body(Full::new(Bytes::new()))
                        .unwrap(),
                )
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "not a number");
            drop(sender);
            conn.await.unwrap().unwrap();
        });
    });
}

#[test]
fn path_route_over_h2c() {
    bounded(LIMIT, || {
        with_app(app::baton_router(), |addr| async move {
            let stream = TcpStream::connect(addr).await.unwrap();
            let (mut sender, conn) = hyper::client::conn::http2::handshake(HyperExecutor, stream)
                .await
                .unwrap();
            let conn = baton::spawn(conn);
            let request = Request::get("http://baton/users/3")
                .body(Empty::<Bytes>::new())
                .unwrap();
            let response = sender.send_request(request).await.unwrap();
            assert_eq!(response.version(), Version::HTTP_2);
            assert_eq!(body_of(response).await, r#"{"id":3,"name":"user 3"}"#);
            drop(sender);
            conn.await.unwrap().unwrap();
        });
    });
}

#[test]
fn websocket_echo_round_trip() {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    bounded(LIMIT, || {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, signal) = stopper();
        let server = std::thread::spawn(move || {
            baton::run(async move {
                let listener = baton::net::TcpListener::bind("127.0.0.1:0").await?;
                addr_tx.send(listener.local_addr()?).unwrap();
                baton::http::serve(listener, app::baton_router())
                    .with_graceful_shutdown(signal)
                    .await
            })
        });
        let addr: SocketAddr = addr_rx.recv().unwrap();
        // The client: tokio-tungstenite on its own tokio runtime, on this thread.
        let client = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        client.block_on(async {
            let (mut ws, response) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws"))
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
            for text in ["hello", "baton"] {
                ws.send(Message::text(text)).await.unwrap();
                let echoed = ws.next().await.unwrap().unwrap();
                assert_eq!(echoed, Message::text(text));
            }
            ws.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
            assert_eq!(
                ws.next().await.unwrap().unwrap(),
                Message::binary(vec![1u8, 2, 3])
            );
            ws.close(None).await.unwrap();
        });
        stop.set();
        server.join().unwrap().unwrap();
    });
}

#[test]
fn graceful_shutdown_finishes_the_request_in_flight() {
    bounded(LIMIT, || {
        // The test sees the request reach the app through a layer of its own.
        let arrived = Arc::new(Event::new());
        let router = app::baton_router().layer(axum::middleware::from_fn({
            let arrived = arrived.clone();
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                let arrived = arrived.clone();
                async move {
                    arrived.set();
                    next.run(request).await
                }
            }
        }));
        baton::run(async move {
            let listener = baton::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let (stop, signal) = stopper();
            let server = baton::spawn(
                baton::http::serve(listener, router)
                    .with_graceful_shutdown(signal)
                    .into_future(),
            );
            let in_flight = baton::spawn(async move {
                let stream = TcpStream::connect(addr).await.unwrap();
                let (mut sender, conn) =
                    hyper::client::conn::http1::handshake(stream).await.unwrap();
                let conn = baton::spawn(conn);
                let request = Request::get("/slow").body(Empty::<Bytes>::new()).unwrap();
                let response = sender.send_request(request).await.unwrap();
                let body = body_of(response).await;
                // The server closes the connection after this answer.
                conn.await.unwrap().unwrap();
                body
            });
            arrived.wait().await;
            stop.set();
            // Stopped accepting: a new connection is refused (or reset, if it raced the close).
            loop {
                match TcpStream::connect(addr).await {
                    Err(_) => break,
                    Ok(_) => baton::sleep(Duration::from_millis(1)).await,
                }
            }
            assert!(!server.done(), "the server waits for the request in flight");
            assert_eq!(in_flight.await.unwrap(), "slow done");
            server.await.unwrap().unwrap();
        });
    });
}
