//! UDP and Unix-domain sockets on the loop.

mod common;

use std::io;
use std::time::Duration;

use baton::net::{UdpSocket, UnixDatagram, UnixListener, UnixStream};
use common::bounded;

const LIMIT: Duration = Duration::from_secs(20);

fn temp_path(name: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("baton-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_file(&p);
    p
}

#[test]
fn udp_send_to_recv_from_and_connected_send_recv() {
    bounded(LIMIT, || {
        baton::run(async {
            let server = UdpSocket::bind("127.0.0.1:0").await?;
            let client = UdpSocket::bind("127.0.0.1:0").await?;
            let saddr = server.local_addr()?;
            let echo = baton::spawn(async move {
                let mut buf = [0u8; 1500];
                for _ in 0..100 {
                    let (n, from) = server.recv_from(&mut buf).await?;
                    server.send_to(&buf[..n], from).await?;
                }
                io::Result::Ok(())
            });
            client.connect(saddr).await?;
            assert_eq!(client.peer_addr()?, saddr);
            let mut buf = [0u8; 1500];
            for i in 0..100u32 {
                client.send(&i.to_be_bytes()).await?;
                let n = client.recv(&mut buf).await?;
                assert_eq!(&buf[..n], &i.to_be_bytes());
            }
            echo.await.unwrap()?;
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn udp_recv_waits_for_a_datagram_sent_later() {
    bounded(LIMIT, || {
        baton::run(async {
            let a = UdpSocket::bind("127.0.0.1:0").await?;
            let b = UdpSocket::bind("127.0.0.1:0").await?;
            let baddr = b.local_addr()?;
            let late = baton::spawn(async move {
                baton::sleep(Duration::from_millis(20)).await;
                a.send_to(b"late", baddr).await
            });
            let mut buf = [0u8; 8];
            let (n, _) = b.recv_from(&mut buf).await?;
            assert_eq!(&buf[..n], b"late");
            late.await.unwrap()?;
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn unix_stream_listener_round_trip() {
    bounded(LIMIT, || {
        let path = temp_path("stream.sock");
        let p = path.clone();
        baton::run(async move {
            let listener = UnixListener::bind(&p)?;
            let server = baton::spawn(async move {
                let (mut conn, _) = listener.accept().await?;
                let mut buf = [0u8; 5];
                conn.read_exact(&mut buf).await?;
                conn.write_all(&buf).await?;
                io::Result::Ok(())
            });
            let mut client = UnixStream::connect(&p).await?;
            client.write_all(b"hello").await?;
            let mut buf = [0u8; 5];
            client.read_exact(&mut buf).await?;
            assert_eq!(&buf, b"hello");
            server.await.unwrap()?;
            assert_eq!(client.read(&mut buf).await?, 0);
            io::Result::Ok(())
        })
        .unwrap();
        std::fs::remove_file(path).unwrap();
    });
}

#[test]
fn unix_datagram_paths_and_pairs() {
    bounded(LIMIT, || {
        let path = temp_path("dgram.sock");
        let p = path.clone();
        baton::run(async move {
            let server = UnixDatagram::bind(&p)?;
            let client = UnixDatagram::unbound()?;
            client.send_to(b"to path", &p).await?;
            let mut buf = [0u8; 16];
            let (n, _) = server.recv_from(&mut buf).await?;
            assert_eq!(&buf[..n], b"to path");

            let (a, b) = UnixDatagram::pair()?;
            let reader = baton::spawn(async move {
                let mut buf = [0u8; 16];
                b.recv(&mut buf).await.map(|n| buf[..n].to_vec())
            });
            baton::yield_now().await;
            a.send(b"paired").await?;
            assert_eq!(reader.await.unwrap()?, b"paired");
            io::Result::Ok(())
        })
        .unwrap();
        std::fs::remove_file(path).unwrap();
    });
}

#[test]
fn unix_connect_to_a_missing_path_fails() {
    bounded(LIMIT, || {
        baton::run(async {
            let err = UnixStream::connect(temp_path("missing.sock"))
                .await
                .unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::NotFound);
        });
    });
}

#[test]
fn unix_datagram_errors_name_the_path() {
    bounded(LIMIT, || {
        baton::run(async {
            let missing = temp_path("dgram-missing.sock");
            let shown = format!("{missing:?}");
            let socket = UnixDatagram::unbound()?;

            let err = socket.send_to(b"x", &missing).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::NotFound);
            assert!(err.to_string().contains(&shown), "{err}");
            let err = socket.connect(&missing).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::NotFound);
            assert!(err.to_string().contains(&shown), "{err}");

            // A socket file nobody is bound to any more: refused, and said where.
            let stale = temp_path("dgram-stale.sock");
            drop(UnixDatagram::bind(&stale)?);
            let err = socket.send_to(b"x", &stale).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
            assert!(err.to_string().contains(&format!("{stale:?}")), "{err}");
            // ... and binding over it is in use, said where.
            let err = UnixDatagram::bind(&stale).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
            assert!(err.to_string().contains(&format!("{stale:?}")), "{err}");
            std::fs::remove_file(&stale)?;

            let in_no_dir = missing.join("no-such-dir").join("x.sock");
            let err = UnixDatagram::bind(&in_no_dir).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::NotFound);
            assert!(err.to_string().contains(&format!("{in_no_dir:?}")), "{err}");
            let err = UnixListener::bind(&in_no_dir).unwrap_err();
            assert!(err.to_string().contains(&format!("{in_no_dir:?}")), "{err}");
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn unix_stream_halves_work_apart_shut_down_on_drop_and_reunite() {
    bounded(LIMIT, || {
        baton::run(async {
            let (a, mut b) = UnixStream::pair()?;
            let (mut rd, mut wr) = a.split();
            let writer = baton::spawn(async move {
                wr.write_all(b"from the half").await?;
                io::Result::Ok(wr)
            });
            let mut buf = [0u8; 13];
            b.read_exact(&mut buf).await?;
            assert_eq!(&buf, b"from the half");
            b.write_all(b"back").await?;
            rd.read_exact(&mut buf[..4]).await?;
            assert_eq!(&buf[..4], b"back");
            let wr = writer.await.unwrap()?;

            // Halves of different streams stay apart, and come back in the error.
            let (c, _d) = UnixStream::pair()?;
            let (c_rd, c_wr) = c.split();
            let baton::net::ReuniteError(rd, c_wr) = rd.reunite(c_wr).unwrap_err();
            drop((c_rd, c_wr));
            // Halves of one stream make it whole again, without shutting it down.
            let mut a = rd.reunite(wr).expect("halves of one stream");
            a.write_all(b"whole").await?;
            b.read_exact(&mut buf[..5]).await?;
            assert_eq!(&buf[..5], b"whole");

            // A dropped write half shuts writing down: the peer reads EOF.
            let (_rd, wr) = a.split();
            drop(wr);
            assert_eq!(b.read(&mut buf).await?, 0);
            io::Result::Ok(())
        })
        .unwrap();
    });
}
