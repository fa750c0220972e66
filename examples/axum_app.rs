//! An axum app on baton: a JSON route, a path parameter, a WebSocket echo and a plain-text
//! `/`, served by `baton::http::serve` until Ctrl-C, which drains the requests in flight.
//!
//! Run: `cargo run --release --features hyper,compat --example axum_app [ADDR] [--workers N]
//! [--reuse-port]` (default 127.0.0.1:3000, one `EventLoop`), then
//! `curl http://127.0.0.1:3000/users/7` or
//! `curl -d '{"name":"Ada"}' -H 'content-type: application/json' http://127.0.0.1:3000/greet`.
//!
//! With `--workers N`, a `Runtime` of N workers serves it: one accept loop hands each
//! connection to the least busy worker (`serve`'s default). With `--reuse-port` instead, every
//! worker binds its own `SO_REUSEPORT` listener and serves it alone (`serve(..).local()`).
//! `scripts/bench-http.sh` (`APP=axum`) compares it with the same Router on tokio
//! (`examples/axum_app_tokio.rs`).
//!
//! Routes:
//! - `GET /` → `Hello, World!`
//! - `GET /users/{id}` → `{"id":7,"name":"user 7"}`
//! - `POST /greet` with `{"name":"Ada"}` → `{"greeting":"Hello, Ada!"}`
//! - `GET /slow` → `slow done` after 300 ms (to watch a graceful shutdown drain it)
//! - `GET /ws` → a WebSocket that echoes every message (axum's `WebSocketUpgrade`, which calls
//!   `tokio::spawn`: the `compat` feature runs the service in baton's tokio context)

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::Path;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

/// A pause on the runtime serving the app (`baton::sleep` here, tokio's in the tokio example).
pub type Pause = fn(Duration) -> Pin<Box<dyn Future<Output = ()> + Send>>;

/// The app: every route above. `pause` sleeps on the runtime that serves it.
pub fn router(pause: Pause) -> Router {
    Router::new()
        .route("/", get(|| async { "Hello, World!" }))
        .route("/users/{id}", get(user))
        .route("/greet", post(greet))
        .route(
            "/slow",
            get(move || async move {
                pause(Duration::from_millis(300)).await;
                "slow done"
            }),
        )
        .route("/ws", get(websocket))
}

/// The app on baton's timers.
pub fn baton_router() -> Router {
    router(|d| Box::pin(baton::sleep(d)))
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct User {
    pub id: u64,
    pub name: String,
}

async fn user(Path(id): Path<u64>) -> Json<User> {
    Json(User {
        id,
        name: format!("user {id}"),
    })
}

#[derive(Deserialize)]
struct Greet {
    name: String,
}

#[derive(Serialize)]
struct Greeting {
    greeting: String,
}

async fn greet(Json(who): Json<Greet>) -> Json<Greeting> {
    Json(Greeting {
        greeting: format!("Hello, {}!", who.name),
    })
}

async fn websocket(upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(echo)
}

/// Sends every text or binary message back until the peer closes.
async fn echo(mut socket: WebSocket) {
    while let Some(Ok(message)) = socket.recv().await {
        match message {
            Message::Text(_) | Message::Binary(_) => {
                if socket.send(message).await.is_err() {
                    return;
                }
            }
            Message::Close(_) => return,
            Message::Ping(_) | Message::Pong(_) => {}
        }
    }
}

#[allow(dead_code)] // included by tests/http_axum.rs and the tokio example for `router`
fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let addr = args
        .iter()
        .find(|a| !a.starts_with("--") && a.parse::<usize>().is_err())
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:3000".into());
    let workers = args
        .iter()
        .position(|a| a == "--workers")
        .and_then(|i| args.get(i + 1))
        .map(|n| n.parse::<usize>().expect("--workers takes a number"));
    let reuse_port = args.iter().any(|a| a == "--reuse-port");
    let Some(workers) = workers else {
        return baton::run(async move {
            let listener = baton::net::TcpListener::bind(addr).await?;
            println!("listening on http://{}", listener.local_addr()?);
            baton::http::serve(listener, baton_router())
                .with_graceful_shutdown(baton::signal::ctrl_c())
                .await?;
            println!("drained");
            Ok(())
        });
    };
    let rt = baton::Runtime::builder().workers(workers).build()?;
    if reuse_port {
        let listeners = rt.handle().run_on_every_worker(move || {
            let addr = addr.clone();
            async move {
                let listener = baton::net::TcpListener::bind_reuse_port(addr).await?;
                println!(
                    "listening on http://{} ({workers} workers, one listener each)",
                    listener.local_addr()?
                );
                baton::http::serve(listener, baton_router())
                    .local()
                    .with_graceful_shutdown(baton::signal::ctrl_c())
                    .await
            }
        });
        for served in rt.block_on(listeners).expect("a worker's server failed") {
            served?;
        }
    } else {
        rt.block_on(async move {
            let listener = baton::net::TcpListener::bind(addr).await?;
            println!(
                "listening on http://{} ({workers} workers)",
                listener.local_addr()?
            );
            baton::http::serve(listener, baton_router())
                .with_graceful_shutdown(baton::signal::ctrl_c())
                .await
        })?;
    }
    println!("drained");
    Ok(())
}
