//! TLS with real handshakes: a certificate made here with rcgen; rustls, tokio-rustls and curl
//! on the other end; bad certificates, stalled and garbage peers; start_tls; large transfers;
//! a `Runtime` worker.
#![cfg(feature = "tls")]

mod common;

use std::io::{Read as _, Write as _};
use std::sync::Arc;
use std::time::Duration;

use baton::net::{TcpListener, TcpStream, UnixStream};
use baton::streams::{
    open_tls_connection, open_tls_unix_connection, start_tls, start_tls_server, ServerOptions,
    TlsTransport,
};
use baton::tls::rustls;
use baton::tls::{TlsAcceptor, TlsConnector, TlsStream};
use baton::{StreamReader, StreamWriter};
use common::bounded;
use futures_lite::{AsyncReadExt, AsyncWriteExt};

const LIMIT: Duration = Duration::from_secs(60);

/// A TLS server that echoes lines until EOF.
fn echo_server(config: Arc<rustls::ServerConfig>) -> baton::streams::StartServer {
    ServerOptions::new().tls(config).start_server(
        |mut r: StreamReader, mut w: StreamWriter<TlsTransport>| async move {
            while let Ok(line) = r.readline().await {
                if line.is_empty() {
                    break;
                }
                w.write(&line);
                if w.drain().await.is_err() {
                    break;
                }
            }
            let _ = w.close().await;
        },
        "127.0.0.1:0",
    )
}

/// One line through the TLS echo server at `addr`, from a baton client.
async fn echo_once(addr: std::net::SocketAddr, client: &TlsConnector) -> std::io::Result<()> {
    let (mut r, mut w) = open_tls_connection(addr, "localhost", client).await?;
    w.write(b"ping\n");
    assert_eq!(r.readline().await?, b"ping\n");
    w.close().await
}

#[test]
fn a_rustls_client_talks_to_a_baton_tls_server() {
    let (client, server) = common::tls::localhost_configs();
    bounded(LIMIT, move || {
        baton::run(async move {
            let server = echo_server(server).await?;
            let addr = server.local_addr()?;
            // A blocking rustls client on its own thread: nothing of baton on that side.
            let talk = baton::to_thread(move || {
                let name = "localhost".try_into().unwrap();
                let conn = rustls::ClientConnection::new(client, name).unwrap();
                let sock = std::net::TcpStream::connect(addr).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, sock);
                let mut got = Vec::new();
                for i in 0..3 {
                    let line = format!("line {i}\n");
                    tls.write_all(line.as_bytes()).unwrap();
                    let mut buf = vec![0; line.len()];
                    tls.read_exact(&mut buf).unwrap();
                    got.push(String::from_utf8(buf).unwrap());
                }
                tls.conn.send_close_notify();
                tls.flush().unwrap();
                // The server closes too, with close_notify: a clean EOF.
                let mut rest = Vec::new();
                tls.read_to_end(&mut rest).unwrap();
                assert!(rest.is_empty());
                got
            });
            assert_eq!(talk.await, ["line 0\n", "line 1\n", "line 2\n"]);
            server.close().await;
            server.wait_closed().await;
            std::io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn a_baton_client_talks_to_a_tokio_rustls_server() {
    let (client, server) = common::tls::localhost_configs();
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let tokio_side = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            addr_tx.send(listener.local_addr().unwrap()).unwrap();
            let (tcp, _) = listener.accept().await.unwrap();
            let acceptor = tokio_rustls::TlsAcceptor::from(server);
            let mut tls = acceptor.accept(tcp).await.unwrap();
            let mut buf = [0; 5];
            tls.read_exact(&mut buf).await.unwrap();
            tls.write_all(&buf).await.unwrap();
            tls.shutdown().await.unwrap();
        });
    });
    let addr = addr_rx.recv().unwrap();
    bounded(LIMIT, move || {
        baton::run(async move {
            let tcp = TcpStream::connect(addr).await?;
            let mut tls = TlsConnector::from(client).connect("localhost", tcp).await?;
            tls.write_all(b"hello").await?;
            let mut got = Vec::new();
            tls.read_to_end(&mut got).await?; // ends at tokio-rustls's close_notify
            assert_eq!(got, b"hello");
            std::io::Result::Ok(())
        })
        .unwrap();
    });
    tokio_side.join().unwrap();
}

#[test]
fn curl_fetches_from_a_baton_tls_server() {
    let curl = "/usr/bin/curl";
    if !std::path::Path::new(curl).exists() {
        eprintln!("note: {curl} is missing; the curl test is skipped");
        return;
    }
    let (_, server) = common::tls::localhost_configs();
    bounded(LIMIT, move || {
        baton::run(async move {
            let server = ServerOptions::new()
                .tls(server)
                .start_server(
                    |mut r: StreamReader, mut w: StreamWriter<TlsTransport>| async move {
                        let _head = r.readuntil(b"\r\n\r\n").await;
                        w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nConnection: close\r\n\r\nHello, World!");
                        let _ = w.close().await;
                    },
                    "127.0.0.1:0",
                )
                .await?;
            let url = format!("https://127.0.0.1:{}/", server.local_addr()?.port());
            let out = baton::to_thread(move || {
                std::process::Command::new(curl)
                    .args(["-k", "-s", "-S", "--max-time", "20", &url])
                    .output()
                    .unwrap()
            })
            .await;
            assert!(
                out.status.success(),
                "curl failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(out.stdout, b"Hello, World!");
            server.close().await;
            std::io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn a_client_that_trusts_another_root_fails_the_handshake_and_the_server_serves_on() {
    let (good_client, server) = common::tls::localhost_configs();
    let (stranger, _) = common::tls::localhost_configs(); // trusts a different self-signed certificate
    bounded(LIMIT, move || {
        baton::run(async move {
            let server = echo_server(server).await?;
            let addr = server.local_addr()?;
            let err = open_tls_connection(addr, "localhost", &TlsConnector::from(stranger))
                .await
                .unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
            let cause = err
                .get_ref()
                .and_then(|e| e.downcast_ref::<rustls::Error>());
            assert!(
                matches!(cause, Some(rustls::Error::InvalidCertificate(_))),
                "{err:?}"
            );
            assert!(
                err.to_string().contains("invalid peer certificate"),
                "{err}"
            );
            // A client asking for a name the certificate is not for fails too.
            let wrong_name = open_tls_connection(
                addr,
                "example.com",
                &TlsConnector::from(good_client.clone()),
            )
            .await
            .unwrap_err();
            assert!(
                wrong_name.to_string().contains("certificate"),
                "{wrong_name}"
            );
            echo_once(addr, &TlsConnector::from(good_client)).await?;
            server.close().await;
            std::io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn open_tls_unix_connection_talks_to_a_tls_unix_server_and_checks_its_certificate() {
    let (client, server_config) = common::tls::localhost_configs();
    let (stranger, _) = common::tls::localhost_configs();
    bounded(LIMIT, move || {
        baton::run(async move {
            let path = std::env::temp_dir().join(format!("baton-otuc-{}", std::process::id()));
            let server = ServerOptions::new()
                .tls(server_config)
                .start_unix_server(
                    |mut r: StreamReader, mut w: StreamWriter<TlsTransport<_>>| async move {
                        let line = r.readline().await.unwrap_or_default();
                        w.write(&line);
                        let _ = w.close().await;
                    },
                    &path,
                )
                .await?;
            let connector = TlsConnector::from(client);
            let (mut r, mut w) = open_tls_unix_connection(&path, "localhost", &connector).await?;
            w.write(b"through the file\n");
            assert_eq!(r.readline().await?, b"through the file\n");
            assert!(w.transport().peer_certificates().is_some());

            let err = open_tls_unix_connection(&path, "localhost", &TlsConnector::from(stranger))
                .await
                .unwrap_err();
            assert!(
                err.to_string().contains("invalid peer certificate"),
                "{err}"
            );
            server.close().await;
            let gone = open_tls_unix_connection(&path, "localhost", &connector)
                .await
                .unwrap_err();
            assert_eq!(
                gone.kind(),
                std::io::ErrorKind::NotFound,
                "the file went at close"
            );
            std::io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn a_client_that_stalls_mid_handshake_times_out_alone() {
    let (client, server) = common::tls::localhost_configs();
    bounded(LIMIT, move || {
        // The paused clock: the 5 s handshake timeout passes in no real time.
        let mut lp = common::paused_loop();
        lp.run_until_complete(async move {
            let server = ServerOptions::new()
                .tls(server)
                .handshake_timeout(Duration::from_secs(5))
                .start_server(
                    |mut r: StreamReader, mut w: StreamWriter<TlsTransport>| async move {
                        let line = r.readline().await.unwrap_or_default();
                        w.write(&line);
                        let _ = w.close().await;
                    },
                    "127.0.0.1:0",
                )
                .await?;
            let addr = server.local_addr()?;
            // A TLS record header announcing a handshake message that never comes.
            let mut staller = TcpStream::connect(addr).await?;
            staller.write_all(&[0x16, 0x03, 0x01, 0x01, 0x00]).await?;
            // Others are served meanwhile.
            let connector = TlsConnector::from(client);
            echo_once(addr, &connector).await?;
            baton::sleep(Duration::from_secs(6)).await;
            // The server gave up on the staller: it closed the connection.
            let mut buf = [0; 64];
            let n = baton::timeout(Duration::from_secs(1), staller.read(&mut buf))
                .await
                .expect("the stalled connection was not closed")?;
            assert_eq!(n, 0);
            echo_once(addr, &connector).await?;
            server.close().await;
            std::io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn garbage_or_a_reset_fails_only_that_connection() {
    let (client, server_config) = common::tls::localhost_configs();
    bounded(LIMIT, move || {
        baton::run(async move {
            let server = echo_server(server_config.clone()).await?;
            let addr = server.local_addr()?;
            let connector = TlsConnector::from(client.clone());
            // Plain HTTP at a TLS server: its handshake fails, the connection is closed.
            let mut garbage = TcpStream::connect(addr).await?;
            garbage
                .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                .await?;
            let mut answer = Vec::new();
            let _ = garbage.read_to_end(&mut answer).await; // an alert, then EOF
                                                            // A client that resets in the middle of its handshake.
            let resetter = std::net::TcpStream::connect(addr)?;
            socket2::SockRef::from(&resetter).set_linger(Some(Duration::ZERO))?;
            (&resetter).write_all(&[0x16, 0x03, 0x01, 0x01, 0x00])?;
            drop(resetter); // RST
            echo_once(addr, &connector).await?;

            // After a handshake: a peer that sends garbage is an error on that stream.
            let (a, b) = UnixStream::pair()?;
            let accepting = baton::spawn(TlsAcceptor::from(server_config.clone()).accept(b));
            let mut tls = TlsConnector::from(client.clone())
                .connect("localhost", a)
                .await?;
            let (mut raw, _session) = accepting.await.unwrap()?.into_inner();
            raw.write_all(b"\x17\x03\x03\x00\x05nonsense").await?;
            let mut buf = [0; 16];
            let err = tls.read(&mut buf).await.unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidData, "{err}");
            // And a peer that goes away without close_notify is a truncation, not an EOF.
            let (a, b) = UnixStream::pair()?;
            let accepting = baton::spawn(TlsAcceptor::from(server_config.clone()).accept(b));
            let mut tls = TlsConnector::from(client.clone())
                .connect("localhost", a)
                .await?;
            drop(accepting.await.unwrap()?);
            let err = tls.read(&mut buf).await.unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof, "{err}");
            server.close().await;
            std::io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn start_tls_upgrades_a_connection_and_keeps_the_bytes_the_reader_had_buffered() {
    let (client, server) = common::tls::localhost_configs();
    bounded(LIMIT, move || {
        baton::run(async move {
            let acceptor = TlsAcceptor::from(server);
            let server = baton::start_server(
                move |mut r: StreamReader, w: StreamWriter| {
                    let acceptor = acceptor.clone();
                    async move {
                        assert_eq!(r.readline().await.unwrap(), b"STARTTLS\n");
                        let (mut r, mut w) = start_tls_server(r, w, &acceptor).await.unwrap();
                        let line = r.readline().await.unwrap();
                        w.write(&line);
                        let _ = w.close().await;
                    }
                },
                "127.0.0.1:0",
            )
            .await?;
            let addr = server.local_addr()?;
            // A blocking rustls client sends the plain line and its ClientHello in one write,
            // so the server's reader holds the hello's first bytes when start_tls begins.
            let rustls_client = client.clone();
            let got = baton::to_thread(move || {
                let name = "localhost".try_into().unwrap();
                let mut conn = rustls::ClientConnection::new(rustls_client, name).unwrap();
                let mut first = b"STARTTLS\n".to_vec();
                conn.write_tls(&mut first).unwrap();
                let mut sock = std::net::TcpStream::connect(addr).unwrap();
                sock.write_all(&first).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, sock);
                tls.write_all(b"secret\n").unwrap();
                let mut got = Vec::new();
                tls.read_to_end(&mut got).unwrap();
                got
            })
            .await;
            assert_eq!(got, b"secret\n");

            // baton on both sides: the client upgrades with start_tls.
            let (r, mut w) = baton::open_connection(addr).await?;
            w.write(b"STARTTLS\n");
            let connector = TlsConnector::from(client);
            let (mut r, mut w) = start_tls(r, w, &connector, "localhost").await?;
            assert!(w.transport().peer_certificates().is_some());
            w.write(b"also secret\n");
            assert_eq!(r.readline().await?, b"also secret\n");
            assert_eq!(r.readline().await?, b""); // the server's close_notify
            w.close().await?;

            // A fed reader has no connection to upgrade.
            let (fed, _feeder) = StreamReader::fed();
            let (_r, w) = baton::open_connection(addr).await?;
            let err = start_tls(fed, w, &connector, "localhost")
                .await
                .unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
            server.close().await;
            std::io::Result::Ok(())
        })
        .unwrap();
    });
}

/// Bytes `i` of a long test stream: a pattern a shifted or dropped chunk cannot pass.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8 ^ seed).collect()
}

#[test]
fn several_mebibytes_go_both_ways_at_once() {
    const LEN: usize = 8 << 20;
    let (client, server) = common::tls::localhost_configs();
    bounded(LIMIT, move || {
        baton::run(async move {
            // The server echoes in 64 KiB reads, writing while the client still sends.
            let server = ServerOptions::new()
                .tls(server)
                .start_server(
                    |mut r: StreamReader, mut w: StreamWriter<TlsTransport>| async move {
                        loop {
                            let chunk = r.read(64 * 1024).await.unwrap();
                            if chunk.is_empty() {
                                break;
                            }
                            w.write(&chunk);
                            w.drain().await.unwrap();
                        }
                        w.close().await.unwrap();
                    },
                    "127.0.0.1:0",
                )
                .await?;
            let connector = TlsConnector::from(client);
            let (mut r, mut w) =
                open_tls_connection(server.local_addr()?, "localhost", &connector).await?;
            let sent = pattern(LEN, 7);
            let expected = sent.clone();
            let reader = baton::spawn(async move { r.read_to_end().await });
            for chunk in sent.chunks(100_003) {
                w.write(chunk);
                w.drain().await?;
            }
            w.write_eof(); // close_notify, then FIN: the server's reads end
            let echoed = reader.await.unwrap()?;
            assert_eq!(echoed.len(), LEN);
            assert!(echoed == expected, "the echoed bytes differ");
            w.close().await?;
            server.close().await;

            std::io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn a_tls_stream_carries_mebibytes_each_way_after_a_half_close() {
    const LEN: usize = 4 << 20;
    let (client, server) = common::tls::localhost_configs();
    bounded(LIMIT, move || {
        baton::run(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            let acceptor = TlsAcceptor::from(server);
            // The client's close_notify ends the server's reads; the server still answers.
            let echo = baton::spawn(async move {
                let (tcp, _) = listener.accept().await?;
                let mut tls = acceptor.accept(tcp).await?;
                let mut got = Vec::new();
                tls.read_to_end(&mut got).await?;
                tls.write_all(&got).await?;
                tls.close().await?;
                std::io::Result::Ok(got.len())
            });
            let tcp = TcpStream::connect(addr).await?;
            let mut tls = TlsConnector::from(client).connect("localhost", tcp).await?;
            let sent = pattern(LEN, 3);
            tls.write_all(&sent).await?;
            tls.close().await?;
            let mut back = Vec::new();
            tls.read_to_end(&mut back).await?;
            assert_eq!(echo.await.unwrap()?, LEN);
            assert!(back == sent, "the echoed bytes differ");
            std::io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn tls_works_on_runtime_workers() {
    fn is_send<T: Send>(_: &T) {}
    let (client, server) = common::tls::localhost_configs();
    bounded(LIMIT, move || {
        let rt = baton::Runtime::builder().workers(2).build().unwrap();
        // The server (its accept loop is not `Send`) lives on worker 0.
        let started = rt.handle().run_on_worker(0, move || async move {
            let server = echo_server(server).await.unwrap();
            let addr = server.local_addr().unwrap();
            (
                addr,
                baton::spawn(async move {
                    baton::sleep(Duration::from_secs(3600)).await;
                    drop(server);
                }),
            )
        });
        let (addr, server) = rt.block_on(started).unwrap();
        rt.block_on(async move {
            let connector = TlsConnector::from(client);
            // Send tasks that may move between workers, each with its own TLS connection.
            let clients: Vec<_> = (0..4)
                .map(|i| {
                    let connector = connector.clone();
                    baton::spawn_send(async move {
                        let tcp = TcpStream::connect(addr).await?;
                        let handshake = connector.connect("localhost", tcp);
                        is_send(&handshake);
                        let tls: TlsStream<TcpStream> = handshake.await?;
                        is_send(&tls);
                        let (mut r, mut w) =
                            open_tls_connection(addr, "localhost", &connector).await?;
                        is_send(&r);
                        is_send(&w);
                        drop(tls);
                        for _ in 0..10 {
                            let line = format!("worker client {i}\n");
                            w.write(line.as_bytes());
                            assert_eq!(r.readline().await?, line.as_bytes());
                            baton::yield_now().await;
                        }
                        w.close().await
                    })
                })
                .collect();
            for c in clients {
                c.await.unwrap()?;
            }
            server.cancel();
            std::io::Result::Ok(())
        })
        .unwrap();
    });
}

#[cfg(feature = "hyper")]
#[test]
fn curl_fetches_from_hyper_over_a_tls_stream() {
    use http_body_util::Full;
    use hyper::body::Bytes;

    let curl = "/usr/bin/curl";
    if !std::path::Path::new(curl).exists() {
        eprintln!("note: {curl} is missing; the curl test is skipped");
        return;
    }
    let (_, server) = common::tls::localhost_configs();
    bounded(LIMIT, move || {
        baton::run(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let url = format!("https://localhost:{}/", listener.local_addr()?.port());
            let acceptor = TlsAcceptor::from(server);
            let serve = baton::spawn(async move {
                let (tcp, _) = listener.accept().await?;
                let tls = acceptor.accept(tcp).await?;
                let service = hyper::service::service_fn(|_req| async {
                    let body = Full::new(Bytes::from_static(b"Hello over hyper"));
                    Ok::<_, std::convert::Infallible>(hyper::Response::new(body))
                });
                hyper::server::conn::http1::Builder::new()
                    .timer(baton::net::hyper_rt::HyperTimer)
                    .serve_connection(tls, service)
                    .await
                    .map_err(std::io::Error::other)
            });
            let out = baton::to_thread(move || {
                std::process::Command::new(curl)
                    .args(["-k", "-s", "-S", "--max-time", "20", &url])
                    .output()
                    .unwrap()
            })
            .await;
            assert!(
                out.status.success(),
                "curl failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(out.stdout, b"Hello over hyper");
            serve.await.unwrap()
        })
        .unwrap();
    });
}

#[test]
fn a_tls_servers_close_clients_sends_close_notify_and_wait_closed_reaches_its_connections() {
    let (client, server) = common::tls::localhost_configs();
    bounded(LIMIT, move || {
        baton::run(async move {
            let server = ServerOptions::new()
                .tls(server)
                .start_server(
                    |mut r: StreamReader, mut w: StreamWriter<TlsTransport>| async move {
                        w.write(b"welcome\n");
                        let _ = r.readline().await; // until the server closes the connection
                    },
                    "127.0.0.1:0",
                )
                .await?;
            let connector = TlsConnector::from(client);
            let (mut r, _w) =
                open_tls_connection(server.local_addr()?, "localhost", &connector).await?;
            assert_eq!(r.readline().await?, b"welcome\n");
            server.close().await;
            server.close_clients();
            server.wait_closed().await; // the handler ended: its connection was shut
                                        // close_notify came first: a clean end, not a truncation error.
            assert_eq!(r.readline().await?, b"");
            std::io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn a_tls_servers_abort_clients_fails_the_tls_writer_and_sends_no_close_notify() {
    let (client, server) = common::tls::localhost_configs();
    bounded(LIMIT, move || {
        baton::run(async move {
            let (seen_tx, seen_rx) = baton::channel::oneshot::channel();
            let mut seen_tx = Some(seen_tx);
            let server = ServerOptions::new()
                .tls(server)
                .start_server(
                    move |mut r: StreamReader, mut w: StreamWriter<TlsTransport>| {
                        let seen_tx = seen_tx.take();
                        async move {
                            w.write(b"welcome\n");
                            let _ = r.readline().await; // until the server aborts
                            w.write(b"too late\n");
                            let _ = seen_tx.unwrap().send(w.drain().await.map_err(|e| e.kind()));
                        }
                    },
                    "127.0.0.1:0",
                )
                .await?;
            let connector = TlsConnector::from(client);
            let (mut r, _w) =
                open_tls_connection(server.local_addr()?, "localhost", &connector).await?;
            assert_eq!(r.readline().await?, b"welcome\n");
            server.abort_clients();
            assert_eq!(
                seen_rx.await.unwrap(),
                Err(std::io::ErrorKind::ConnectionAborted),
                "the TLS writer itself was aborted"
            );
            assert!(r.readline().await.is_err(), "an abort is a truncation");
            server.close().await;
            std::io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn close_clients_reaches_a_connection_its_handler_upgraded_with_start_tls() {
    let (client, server) = common::tls::localhost_configs();
    bounded(LIMIT, move || {
        baton::run(async move {
            let acceptor = TlsAcceptor::from(server);
            let server = baton::start_server(
                move |mut r: StreamReader, mut w: StreamWriter| {
                    let acceptor = acceptor.clone();
                    async move {
                        assert_eq!(r.readline().await.unwrap(), b"STARTTLS\n");
                        w.write(b"GO\n");
                        let (mut r, mut w) = start_tls_server(r, w, &acceptor).await.unwrap();
                        w.write(b"welcome\n");
                        let _ = r.readline().await; // until the server closes the connection
                    }
                },
                "127.0.0.1:0",
            )
            .await?;
            let (r, mut w) = baton::open_connection(server.local_addr()?).await?;
            w.write(b"STARTTLS\n");
            let mut r = r;
            assert_eq!(r.readline().await?, b"GO\n");
            let connector = TlsConnector::from(client);
            let (mut r, _w) = start_tls(r, w, &connector, "localhost").await?;
            assert_eq!(r.readline().await?, b"welcome\n");
            server.close_clients();
            assert_eq!(r.readline().await?, b"", "close_notify, then the end");
            server.close().await;
            server.wait_closed().await;
            std::io::Result::Ok(())
        })
        .unwrap();
    });
}
