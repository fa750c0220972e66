//! The Router of `axum_app.rs`, served by `axum::serve` on tokio: current_thread by default,
//! the multi-thread runtime with `--workers N` (tokio's idiomatic way: one accept loop,
//! `tokio::spawn` per connection). The baseline of `APP=axum scripts/bench-http.sh`.
//! `TCP_NODELAY` is set on accepted sockets, as `baton::http::serve` does.
//!
//! Run: `cargo run --release --features hyper,compat --example axum_app_tokio [ADDR]
//! [--workers N]` (default 127.0.0.1:3001).

use axum::serve::ListenerExt;

#[path = "axum_app.rs"]
#[allow(dead_code)]
mod app;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let addr = args
        .iter()
        .find(|a| !a.starts_with("--") && a.parse::<usize>().is_err())
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:3001".into());
    let workers = args
        .iter()
        .position(|a| a == "--workers")
        .and_then(|i| args.get(i + 1))
        .map(|n| n.parse::<usize>().expect("--workers takes a number"));
    let rt = match workers {
        None => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?,
        Some(n) => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(n)
            .enable_all()
            .build()?,
    };
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        println!("listening on http://{}", listener.local_addr()?);
        let listener = listener.tap_io(|stream| {
            let _ = stream.set_nodelay(true);
        });
        let app = app::router(|d| Box::pin(tokio::time::sleep(d)));
        // Without tokio's `signal` feature (not a dependency), Ctrl-C ends it at once.
        axum::serve(listener, app).await
    })
}
