//! A hyper HTTP/1.1 server answering "Hello, World!", on baton.
//!
//! Run: `cargo run --release --features hyper --example hello_http [ADDR] [--workers N]
//! [--steal]` (default 127.0.0.1:3000, one `EventLoop`), then `curl http://127.0.0.1:3000/`.
//! `scripts/bench-http.sh` compares it with the same service on tokio
//! (`examples/hello_http_tokio.rs`).
//!
//! With `--workers N`, a `Runtime` of N workers serves it, thread-per-core by default: every
//! worker binds its own `SO_REUSEPORT` listener on the port and serves its connections
//! locally (the kernel spreads the connections). With `--steal` instead, one accept loop hands
//! each connection to a `Send` task that idle workers may steal.

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
    let steal = args.iter().any(|a| a == "--steal");
    let Some(workers) = workers else {
        return baton::run(async move {
            let listener = TcpListener::bind(addr).await?;
            println!("listening on http://{}", listener.local_addr()?);
            accept_loop(listener, |conn| drop(baton::spawn(conn))).await
        });
    };
    let rt = baton::Runtime::builder().workers(workers).build()?;
    if steal {
        rt.block_on(async move {
            let listener = TcpListener::bind(addr).await?;
            println!(
                "listening on http://{} ({workers} workers, stealing)",
                listener.local_addr()?
            );
            accept_loop(listener, |conn| drop(baton::spawn_send(conn))).await
        })
    } else {
        println!("listening on http://{addr} ({workers} workers, one listener each)");
        let per_worker = rt.handle().run_on_every_worker(move || {
            let addr = addr.clone();
            async move {
                let listener = TcpListener::bind_reuse_port(addr).await?;
                accept_loop(listener, |conn| drop(baton::spawn(conn))).await
            }
        });
        for result in rt.block_on(per_worker).expect("a worker's server failed") {
            result?;
        }
        Ok(())
    }
}

/// Accepts connections forever and hands each one's hyper connection future to `spawn`.
async fn accept_loop(
    listener: TcpListener,
    spawn: impl Fn(std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>),
) -> std::io::Result<()> {
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
        spawn(Box::pin(async move {
            let conn = http1::Builder::new()
                .timer(HyperTimer)
                .serve_connection(stream, service_fn(hello));
            if let Err(e) = conn.await {
                eprintln!("connection error: {e}");
            }
        }));
    }
}
