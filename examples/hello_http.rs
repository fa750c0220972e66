//! A hyper HTTP/1.1 server answering "Hello, World!", on baton.
//!
//! Run: `cargo run --release --features hyper --example hello_http [ADDR]` (default
//! 127.0.0.1:3000), then `curl http://127.0.0.1:3000/`. `scripts/bench-http.sh` compares it
//! with the same service on tokio (`examples/hello_http_tokio.rs`).

use std::convert::Infallible;

use baton::net::hyper_rt::HyperTimer;
use baton::net::TcpListener;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};

async fn hello(_req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(
        b"Hello, World!",
    ))))
}

fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3000".into());
    baton::run(async move {
        let listener = TcpListener::bind(addr).await?;
        println!("listening on http://{}", listener.local_addr()?);
        loop {
            let (stream, _) = match listener.accept().await {
                Ok(conn) => conn,
                Err(e) => {
                    eprintln!("accept failed: {e}");
                    baton::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            // Detached: the connection lives as long as its task.
            drop(baton::spawn(async move {
                let conn = http1::Builder::new()
                    .timer(HyperTimer)
                    .serve_connection(stream, service_fn(hello));
                if let Err(e) = conn.await {
                    eprintln!("connection error: {e}");
                }
            }));
        }
    })
}
