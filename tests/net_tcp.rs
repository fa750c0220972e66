//! TCP sockets on the loop: connect/accept, read/write, split, shutdown, errors.

mod common;

use std::io;
use std::net::Shutdown;
use std::time::Duration;

use baton::net::{TcpListener, TcpStream};
use common::bounded;

const LIMIT: Duration = Duration::from_secs(20);

#[test]
fn echo_round_trips_over_loopback() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            let server = baton::spawn(async move {
                let (mut conn, _) = listener.accept().await?;
                let mut buf = [0u8; 64];
                loop {
                    let n = conn.read(&mut buf).await?;
                    if n == 0 {
                        return io::Result::Ok(());
                    }
                    conn.write_all(&buf[..n]).await?;
                }
            });
            let mut client = TcpStream::connect(addr).await?;
            client.set_nodelay(true)?;
            for i in 0..1000u32 {
                let msg = i.to_le_bytes();
                client.write_all(&msg).await?;
                let mut back = [0u8; 4];
                client.read_exact(&mut back).await?;
                assert_eq!(back, msg);
            }
            client.shutdown(Shutdown::Write)?;
            server.await.unwrap()?;
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn large_transfer_waits_on_writability_without_losing_bytes() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            const LEN: usize = 8 << 20;
            let writer = baton::spawn(async move {
                let mut s = TcpStream::connect(addr).await?;
                let data: Vec<u8> = (0..LEN).map(|i| (i % 251) as u8).collect();
                s.write_all(&data).await?;
                io::Result::Ok(())
            });
            let (mut conn, _) = listener.accept().await?;
            let mut got = Vec::with_capacity(LEN);
            let mut buf = vec![0u8; 65536];
            loop {
                let n = conn.read(&mut buf).await?;
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
                // Read slowly at first so the writer fills the socket and must wait.
                if got.len() < LEN / 8 {
                    baton::sleep(Duration::from_millis(1)).await;
                }
            }
            writer.await.unwrap()?;
            assert_eq!(got.len(), LEN);
            assert!(got.iter().enumerate().all(|(i, b)| *b == (i % 251) as u8));
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn split_halves_read_and_write_from_different_tasks() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let client = TcpStream::connect(listener.local_addr()?).await?;
            let (conn, _) = listener.accept().await?;
            // Server echoes with its halves in two tasks joined by nothing but the socket.
            let (mut srd, mut swr) = conn.split();
            let echo = baton::spawn(async move {
                let mut buf = [0u8; 1024];
                loop {
                    let n = srd.read(&mut buf).await?;
                    if n == 0 {
                        return io::Result::Ok(());
                    }
                    swr.write_all(&buf[..n]).await?;
                }
            });
            let (mut rd, mut wr) = client.split();
            let reader = baton::spawn(async move {
                let mut buf = vec![0u8; 100_000];
                rd.read_exact(&mut buf).await?;
                io::Result::Ok(buf)
            });
            let data: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
            wr.write_all(&data).await?;
            let back = reader.await.unwrap()?;
            assert_eq!(back, data);
            drop(wr); // shuts down writing: the echo task sees EOF
            echo.await.unwrap()?;
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn connect_to_a_closed_port_is_refused() {
    bounded(LIMIT, || {
        baton::run(async {
            let port = {
                let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                l.local_addr().unwrap().port()
            };
            let err = TcpStream::connect(("127.0.0.1", port)).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
        });
    });
}

#[test]
fn connect_resolves_localhost_off_the_loop() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let port = listener.local_addr()?.port();
            let s = TcpStream::connect(format!("localhost:{port}")).await?;
            assert!(s.peer_addr()?.ip().is_loopback());
            let addrs: Vec<_> = baton::net::lookup_host(("localhost", port))
                .await?
                .collect();
            assert!(!addrs.is_empty());
            let err = baton::net::lookup_host("no-such-host.invalid:80")
                .await
                .unwrap_err();
            println!("expected failure: {err}");
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn io_is_polled_while_tasks_keep_the_loop_busy() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            // A task that never stops yielding: the loop never runs out of ready work.
            let stop = std::rc::Rc::new(std::cell::Cell::new(false));
            let s = stop.clone();
            let spinner = baton::spawn(async move {
                while !s.get() {
                    baton::yield_now().await;
                }
            });
            let mut client = TcpStream::connect(addr).await?;
            let (mut conn, _) = listener.accept().await?;
            client.write_all(b"through").await?;
            let mut buf = [0u8; 7];
            conn.read_exact(&mut buf).await?;
            assert_eq!(&buf, b"through");
            stop.set(true);
            spinner.await.unwrap();
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn dropping_a_stream_deregisters_and_the_peer_sees_eof() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            for _ in 0..200 {
                let client = TcpStream::connect(listener.local_addr()?).await?;
                let (mut conn, _) = listener.accept().await?;
                drop(client);
                assert_eq!(conn.read(&mut [0u8; 8]).await?, 0);
            }
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn a_reader_waiting_in_another_task_is_woken_by_data() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let mut client = TcpStream::connect(listener.local_addr()?).await?;
            let (mut conn, _) = listener.accept().await?;
            let reader = baton::spawn(async move {
                let mut buf = [0u8; 5];
                conn.read_exact(&mut buf).await.map(|()| buf)
            });
            baton::sleep(Duration::from_millis(20)).await;
            client.write_all(b"later").await?;
            assert_eq!(&reader.await.unwrap()?, b"later");
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn futures_io_traits_work_with_ecosystem_helpers() {
    use futures_lite::{AsyncReadExt, AsyncWriteExt};
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let mut client = TcpStream::connect(listener.local_addr()?).await?;
            let (mut conn, _) = listener.accept().await?;
            AsyncWriteExt::write_all(&mut client, b"via futures-io").await?;
            AsyncWriteExt::close(&mut client).await?;
            let mut s = String::new();
            AsyncReadExt::read_to_string(&mut conn, &mut s).await?;
            assert_eq!(s, "via futures-io");
            io::Result::Ok(())
        })
        .unwrap();
    });
}

/// Regression guard for the short-read shortcut: data and FIN arriving in one event must still
/// yield EOF after the short read (the closed bit survives the "drained" clear).
#[test]
fn a_short_read_followed_by_eof_does_not_hang() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            for _ in 0..50 {
                let mut client = TcpStream::connect(listener.local_addr()?).await?;
                let (mut conn, _) = listener.accept().await?;
                conn.write_all(b"abc").await?;
                drop(conn);
                baton::sleep(Duration::from_millis(1)).await; // both arrive before we look
                let mut buf = [0u8; 16];
                assert_eq!(client.read(&mut buf).await?, 3);
                assert_eq!(client.read(&mut buf).await?, 0);
            }
            io::Result::Ok(())
        })
        .unwrap();
    });
}
