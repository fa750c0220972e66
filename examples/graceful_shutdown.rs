//! An HTTP server (hyper on baton) that stops cleanly on Ctrl-C: it stops accepting, lets every
//! request in flight finish (hyper's `graceful_shutdown` on each connection), says so, and exits
//! 0. A second Ctrl-C while it drains ends it at once.
//!
//! Run: `cargo run --features hyper --example graceful_shutdown [ADDR]` (default
//! 127.0.0.1:3000), then `curl http://127.0.0.1:3000/slow` and press Ctrl-C while it waits: the
//! response still arrives, then the server prints "drained" and exits.
//!
//! Routes: `/slow` answers after 300 ms, anything else at once.
//!
//! How Ctrl-C reaches it: `baton::signal::ctrl_c()` is a listener of the program's own, so
//! `#[baton::main]` does not cancel `main` at the first Ctrl-C (asyncio's `Runner` behaves the
//! same) — the program decides. Once that listener is gone, a second Ctrl-C goes to
//! `#[baton::main]` again, which cancels `main` (dropping the connections) and ends the process
//! by `SIGINT`.

use std::convert::Infallible;
use std::pin::pin;
use std::rc::Rc;
use std::time::Duration;

use baton::net::hyper_rt::HyperTimer;
use baton::net::{TcpListener, TcpStream};
use baton::sync::Event;
use baton::Task;
use futures_lite::future;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};

async fn route(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = if req.uri().path() == "/slow" {
        println!("serving /slow");
        baton::sleep(Duration::from_millis(300)).await;
        "slow done\n"
    } else {
        "Hello, World!\n"
    };
    Ok(Response::new(Full::new(Bytes::from_static(
        body.as_bytes(),
    ))))
}

/// What the accept loop waits for.
enum Next {
    Connection(std::io::Result<TcpStream>),
    Shutdown,
}

#[baton::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3000".into());
    let listener = TcpListener::bind(addr).await?;
    println!("listening on http://{}", listener.local_addr()?);

    let shutdown = Rc::new(Event::new());
    let mut connections: Vec<Task<()>> = Vec::new();
    {
        let mut ctrl_c = pin!(baton::signal::ctrl_c());
        loop {
            let next = future::or(
                async { Next::Connection(listener.accept().await.map(|(stream, _)| stream)) },
                async {
                    let _ = ctrl_c.as_mut().await;
                    Next::Shutdown
                },
            )
            .await;
            match next {
                Next::Connection(Ok(stream)) => {
                    connections.retain(|task| !task.done());
                    connections.push(baton::spawn(serve(stream, shutdown.clone())));
                }
                Next::Connection(Err(e)) => {
                    eprintln!("accept failed: {e}");
                    baton::sleep(Duration::from_millis(10)).await;
                }
                Next::Shutdown => break,
            }
        }
    } // the Ctrl-C listener goes: a second Ctrl-C cancels `main` (see the module docs)

    drop(listener); // new connections are refused from here on
    connections.retain(|task| !task.done());
    println!(
        "stopped accepting; draining {} connection(s)",
        connections.len()
    );
    shutdown.set();
    for task in connections {
        let _ = task.await;
    }
    println!("drained");
    Ok(())
}

/// Serves one connection; once `shutdown` is set, finishes the request in flight (if any) and
/// closes it.
async fn serve(stream: TcpStream, shutdown: Rc<Event>) {
    let _ = stream.set_nodelay(true);
    let mut conn = pin!(http1::Builder::new()
        .timer(HyperTimer)
        .serve_connection(stream, service_fn(route)));
    let finished = future::or(async { Some(conn.as_mut().await) }, async {
        shutdown.wait().await;
        None
    })
    .await;
    let result = match finished {
        Some(result) => result,
        None => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        eprintln!("connection error: {e}");
    }
}
