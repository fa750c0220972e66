//! TLS echo round trips per second: baton's `TlsStream` (and its streams API) against
//! tokio-rustls on tokio's current-thread runtime, in the same process, over loopback TCP with
//! the same rustls configs (ring provider, a self-signed certificate made by rcgen).
//!
//! Run: `cargo bench --features tls --bench tls_echo [-- --rounds N]` (default 20 000 round
//! trips of 64 bytes on one connection, after 1 000 to warm up). Prints each arm's rate and
//! baton's ratio to tokio-rustls.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use baton::tls::rustls::{self, pki_types::PrivateKeyDer};

const MESSAGE: usize = 64;
const WARMUP: usize = 1_000;

fn configs() -> (Arc<rustls::ClientConfig>, Arc<rustls::ServerConfig>) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.cert.der().clone()).unwrap();
    let client = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let key = PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
    let server = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![cert.cert.der().clone()], key)
        .unwrap();
    (Arc::new(client), Arc::new(server))
}

/// baton: a `TlsStream` echo server task and a client on one event loop.
fn baton_arm(
    rounds: usize,
    client: Arc<rustls::ClientConfig>,
    server: Arc<rustls::ServerConfig>,
) -> Duration {
    use baton::net::{TcpListener, TcpStream};
    use baton::tls::{TlsAcceptor, TlsConnector};
    use futures_lite::{AsyncReadExt, AsyncWriteExt};

    baton::run(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let acceptor = TlsAcceptor::from(server);
        let echo = baton::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            tcp.set_nodelay(true).unwrap();
            let mut tls = acceptor.accept(tcp).await.unwrap();
            let mut buf = [0; MESSAGE];
            while tls.read_exact(&mut buf).await.is_ok() {
                tls.write_all(&buf).await.unwrap();
                tls.flush().await.unwrap();
            }
        });
        let tcp = TcpStream::connect(addr).await.unwrap();
        tcp.set_nodelay(true).unwrap();
        let mut tls = TlsConnector::from(client)
            .connect("localhost", tcp)
            .await
            .unwrap();
        let mut buf = [7; MESSAGE];
        let mut start = Instant::now();
        for i in 0..WARMUP + rounds {
            if i == WARMUP {
                start = Instant::now();
            }
            tls.write_all(&buf).await.unwrap();
            tls.flush().await.unwrap();
            tls.read_exact(&mut buf).await.unwrap();
        }
        let took = start.elapsed();
        tls.close().await.unwrap();
        echo.await.unwrap();
        took
    })
}

/// baton's streams API: a TLS server and `open_tls_connection`, `readexactly` per round trip.
fn baton_streams_arm(
    rounds: usize,
    client: Arc<rustls::ClientConfig>,
    server: Arc<rustls::ServerConfig>,
) -> Duration {
    use baton::streams::{open_tls_connection, ServerOptions};
    use baton::tls::TlsConnector;

    baton::run(async move {
        let server = ServerOptions::new()
            .tls(server)
            .start_server(
                |mut r, mut w| async move {
                    while let Ok(msg) = r.readexactly(MESSAGE).await {
                        w.write(&msg);
                    }
                },
                "127.0.0.1:0",
            )
            .await
            .unwrap();
        let connector = TlsConnector::from(client);
        let (mut r, mut w) =
            open_tls_connection(server.local_addr().unwrap(), "localhost", &connector)
                .await
                .unwrap();
        let msg = [7; MESSAGE];
        let mut start = Instant::now();
        for i in 0..WARMUP + rounds {
            if i == WARMUP {
                start = Instant::now();
            }
            w.write(&msg);
            r.readexactly(MESSAGE).await.unwrap();
        }
        let took = start.elapsed();
        w.close().await.unwrap();
        server.close().await;
        took
    })
}

/// tokio-rustls on tokio's current-thread runtime, the same workload.
fn tokio_arm(
    rounds: usize,
    client: Arc<rustls::ClientConfig>,
    server: Arc<rustls::ServerConfig>,
) -> Duration {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(server);
        let echo = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            tcp.set_nodelay(true).unwrap();
            let mut tls = acceptor.accept(tcp).await.unwrap();
            let mut buf = [0; MESSAGE];
            while tls.read_exact(&mut buf).await.is_ok() {
                tls.write_all(&buf).await.unwrap();
                tls.flush().await.unwrap();
            }
        });
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        tcp.set_nodelay(true).unwrap();
        let name = "localhost".try_into().unwrap();
        let mut tls = tokio_rustls::TlsConnector::from(client)
            .connect(name, tcp)
            .await
            .unwrap();
        let mut buf = [7; MESSAGE];
        let mut start = Instant::now();
        for i in 0..WARMUP + rounds {
            if i == WARMUP {
                start = Instant::now();
            }
            tls.write_all(&buf).await.unwrap();
            tls.flush().await.unwrap();
            tls.read_exact(&mut buf).await.unwrap();
        }
        let took = start.elapsed();
        tls.shutdown().await.unwrap();
        echo.await.unwrap();
        took
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rounds = args
        .iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1))
        .map_or(20_000, |n| n.parse().expect("--rounds takes a number"));
    let (client, server) = configs();
    let rate = |took: Duration| rounds as f64 / took.as_secs_f64();
    let tokio = rate(tokio_arm(rounds, client.clone(), server.clone()));
    let baton = rate(baton_arm(rounds, client.clone(), server.clone()));
    let streams = rate(baton_streams_arm(rounds, client, server));
    println!("TLS echo, {MESSAGE}-byte messages, {rounds} round trips on one connection:");
    println!("  tokio-rustls (current thread)  {tokio:>10.0} round trips/s");
    println!(
        "  baton TlsStream                {baton:>10.0} round trips/s   ratio {:.2}",
        baton / tokio
    );
    println!(
        "  baton streams API over TLS     {streams:>10.0} round trips/s   ratio {:.2}",
        streams / tokio
    );
}
