//! What a TLS server reports through the loop's exception handler: a connection whose
//! handshake fails or stalls is reported in debug mode only (asyncio's sslproto logs such an
//! `OSError` only then), naming the handshake and the client, and the server serves on. Also
//! a TLS server on a Unix socket (asyncio's `start_unix_server(ssl=)`).
#![cfg(feature = "tls")]

mod common;

use std::io::{ErrorKind, Read as _, Write as _};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use baton::debug::{Exception, ExceptionKind};
use baton::net::{OwnedWriteHalf, TcpStream, UnixStream};
use baton::streams::{open_tls_connection, ServerOptions, TlsTransport};
use baton::tls::rustls;
use baton::tls::TlsConnector;
use baton::{EventLoop, StreamReader, StreamWriter};
use common::bounded;
use futures_lite::AsyncReadExt;

const LIMIT: Duration = Duration::from_secs(60);

/// The server reports `lp` hands its exception handler (slow polls and tasks pending at close,
/// which debug mode also reports, are left out).
fn server_reports(lp: &EventLoop) -> Arc<Mutex<Vec<Exception>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    lp.set_exception_handler(move |e: &Exception| {
        if matches!(
            e.kind,
            ExceptionKind::ConnectionFailed { .. } | ExceptionKind::AcceptFailed { .. }
        ) {
            log.lock().unwrap().push(e.clone());
        }
    });
    seen
}

/// A TLS server echoing one line per connection.
fn echo_line(mut r: StreamReader, mut w: StreamWriter<TlsTransport>) -> impl std::future::Future {
    async move {
        let line = r.readline().await.unwrap_or_default();
        w.write(&line);
        let _ = w.close().await;
    }
}

/// One line through the TLS echo server at `addr`.
async fn echo_once(addr: std::net::SocketAddr, client: &TlsConnector) -> std::io::Result<()> {
    let (mut r, mut w) = open_tls_connection(addr, "localhost", client).await?;
    w.write(b"ping\n");
    assert_eq!(r.readline().await?, b"ping\n");
    w.close().await
}

/// A client speaking plain HTTP to the TLS server at `addr`: its handshake fails and the
/// server closes the connection (after an alert). Returns the client's address.
async fn send_garbage(addr: std::net::SocketAddr) -> std::io::Result<std::net::SocketAddr> {
    let mut garbage = TcpStream::connect(addr).await?;
    let me = garbage.local_addr()?;
    garbage
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await?;
    let mut answer = Vec::new();
    let _ = garbage.read_to_end(&mut answer).await; // an alert, then EOF
    Ok(me)
}

#[test]
fn debug_mode_reports_a_failed_handshake_once_and_the_server_serves_on() {
    let (client, server_config) = common::tls::localhost_configs();
    bounded(LIMIT, move || {
        let mut lp = EventLoop::builder().debug(true).build().unwrap();
        let seen = server_reports(&lp);
        let garbage_addr = lp
            .run_until_complete(async move {
                let server = ServerOptions::new()
                    .tls(server_config)
                    .start_server(echo_line, "127.0.0.1:0")
                    .await?;
                let addr = server.local_addr()?;
                let garbage_addr = send_garbage(addr).await?;
                // The client saw EOF: the server's connection task has ended and reported.
                echo_once(addr, &TlsConnector::from(client)).await?;
                server.close().await;
                std::io::Result::Ok(garbage_addr)
            })
            .unwrap();
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1, "{seen:?}");
        let ExceptionKind::ConnectionFailed {
            server,
            stage,
            peer,
            error,
        } = &seen[0].kind
        else {
            panic!("{:?}", seen[0]);
        };
        assert_eq!(*server, "start_server");
        assert_eq!(*stage, "TLS handshake");
        assert_eq!(peer.as_deref(), Some(&*garbage_addr.to_string()));
        assert_eq!(error.kind, ErrorKind::InvalidData, "{error}");
        let line = seen[0].to_string();
        assert!(
            line.starts_with(&format!(
                "baton: start_server: TLS handshake with {garbage_addr} failed: "
            )),
            "{line}"
        );
        assert!(!line.contains('\n'), "{line}");
    });
}

#[test]
fn outside_debug_mode_a_failed_handshake_is_not_reported() {
    let (client, server_config) = common::tls::localhost_configs();
    bounded(LIMIT, move || {
        let mut lp = EventLoop::builder().debug(false).build().unwrap();
        let seen = server_reports(&lp);
        lp.run_until_complete(async move {
            let server = ServerOptions::new()
                .tls(server_config)
                .start_server(echo_line, "127.0.0.1:0")
                .await?;
            let addr = server.local_addr()?;
            send_garbage(addr).await?;
            echo_once(addr, &TlsConnector::from(client)).await?;
            server.close().await;
            std::io::Result::Ok(())
        })
        .unwrap();
        assert!(
            seen.lock().unwrap().is_empty(),
            "{:?}",
            seen.lock().unwrap()
        );
    });
}

#[test]
fn debug_mode_reports_a_stalled_handshake_as_timed_out() {
    let (client, server_config) = common::tls::localhost_configs();
    bounded(LIMIT, move || {
        // The paused clock: the 5 s handshake timeout passes in no real time.
        let mut lp = EventLoop::builder()
            .debug(true)
            .paused_clock()
            .build()
            .unwrap();
        let seen = server_reports(&lp);
        let early = seen.clone();
        let staller_addr = lp
            .run_until_complete(async move {
                let server = ServerOptions::new()
                    .tls(server_config)
                    .handshake_timeout(Duration::from_secs(5))
                    .start_server(echo_line, "127.0.0.1:0")
                    .await?;
                let addr = server.local_addr()?;
                // A TLS record header announcing a handshake message that never comes.
                let mut staller = TcpStream::connect(addr).await?;
                staller.write_all(&[0x16, 0x03, 0x01, 0x01, 0x00]).await?;
                let connector = TlsConnector::from(client);
                echo_once(addr, &connector).await?;
                baton::sleep(Duration::from_secs(4)).await;
                assert!(
                    early.lock().unwrap().is_empty(),
                    "reported before the timeout"
                );
                baton::sleep(Duration::from_secs(2)).await;
                // The server gave up on the staller: it closed the connection.
                let mut buf = [0; 64];
                let n = baton::timeout(Duration::from_secs(1), staller.read(&mut buf))
                    .await
                    .expect("the stalled connection was not closed")?;
                assert_eq!(n, 0);
                echo_once(addr, &connector).await?;
                server.close().await;
                staller.local_addr()
            })
            .unwrap();
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1, "{seen:?}");
        let ExceptionKind::ConnectionFailed {
            stage, peer, error, ..
        } = &seen[0].kind
        else {
            panic!("{:?}", seen[0]);
        };
        assert_eq!(*stage, "TLS handshake");
        assert_eq!(peer.as_deref(), Some(&*staller_addr.to_string()));
        assert_eq!(error.kind, ErrorKind::TimedOut);
        assert!(
            seen[0].to_string().contains("did not finish within 5s"),
            "{}",
            seen[0]
        );
    });
}

/// A TLS server on a Unix socket, asyncio's `start_unix_server(ssl=)`: a blocking rustls
/// client (nothing of baton on its side) completes a real handshake and is echoed; in debug
/// mode a client sending garbage is reported, naming `start_unix_server`.
#[test]
fn a_tls_unix_server_serves_a_rustls_client_and_reports_garbage_in_debug_mode() {
    let (client, server_config) = common::tls::localhost_configs();
    bounded(LIMIT, move || {
        let dir = std::env::temp_dir().join(format!("baton-tls-unix-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("server.sock");
        let _ = std::fs::remove_file(&path);
        let mut lp = EventLoop::builder().debug(true).build().unwrap();
        let seen = server_reports(&lp);
        let socket = path.clone();
        lp.run_until_complete(async move {
            let server = ServerOptions::new()
                .tls(server_config)
                .start_unix_server(
                    |mut r: StreamReader,
                     mut w: StreamWriter<TlsTransport<OwnedWriteHalf<UnixStream>>>| async move {
                        let line = r.readline().await.unwrap_or_default();
                        w.write(&line);
                        let _ = w.close().await;
                    },
                    &socket,
                )
                .await?;
            // Garbage first: the handshake fails, the server goes on.
            let mut garbage = UnixStream::connect(&socket).await?;
            garbage.write_all(b"not a TLS record at all\n").await?;
            let mut answer = Vec::new();
            let _ = garbage.read_to_end(&mut answer).await;
            let talk = baton::to_thread(move || {
                let name = "localhost".try_into().unwrap();
                let conn = rustls::ClientConnection::new(client, name).unwrap();
                let sock = std::os::unix::net::UnixStream::connect(&socket).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, sock);
                tls.write_all(b"over unix\n").unwrap();
                let mut echoed = Vec::new();
                tls.read_to_end(&mut echoed).unwrap();
                echoed
            });
            assert_eq!(talk.await, b"over unix\n");
            server.close().await;
            std::io::Result::Ok(())
        })
        .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert!(
            matches!(
                &seen[0].kind,
                ExceptionKind::ConnectionFailed {
                    server: "start_unix_server",
                    stage: "TLS handshake",
                    peer: None, // a Unix client's socket has no name
                    ..
                }
            ),
            "{:?}",
            seen[0]
        );
    });
}
