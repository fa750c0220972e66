//! Low-level socket use (asyncio's `add_reader`/`sock_*` layer): readiness futures with
//! `try_*` operations, `peek`, the way to std and back, and socket options; on whole sockets
//! and on the owned halves of a split stream.

mod common;

use std::io;
use std::time::Duration;

use baton::net::{
    OwnedWriteHalf, TcpListener, TcpStream, UdpSocket, UnixDatagram, UnixListener, UnixStream,
};
use common::bounded;

const LIMIT: Duration = Duration::from_secs(20);

/// Reads until `want` bytes came, through readiness and `try_read` only.
async fn read_by_readiness(s: &TcpStream, want: usize) -> io::Result<Vec<u8>> {
    let mut got = Vec::new();
    let mut buf = [0; 1024];
    while got.len() < want {
        s.readable().await?;
        match s.try_read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

#[test]
fn readiness_and_try_operations_move_a_megabyte_without_spinning() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let client = TcpStream::connect(listener.local_addr()?).await?;
            let (server, _) = listener.accept().await?;
            let data: Vec<u8> = (0..1 << 20).map(|i: u32| i as u8).collect();
            let reader = baton::spawn(async move { read_by_readiness(&server, 1 << 20).await });
            let mut sent = 0;
            let mut would_block = 0;
            while sent < data.len() {
                client.writable().await?;
                match client.try_write(&data[sent..]) {
                    Ok(n) => sent += n,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => would_block += 1,
                    Err(e) => return Err(e),
                }
            }
            assert_eq!(reader.await.unwrap()?, data);
            // Each WouldBlock cleared readiness, so writable() waited: a handful, not a spin.
            assert!(would_block < 1000, "{would_block} WouldBlocks");
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn try_read_on_an_empty_stream_and_try_recv_on_an_empty_socket_would_block() {
    bounded(LIMIT, || {
        baton::run(async {
            let (a, _b) = UnixStream::pair()?;
            let err = a.try_read(&mut [0; 4]).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
            let (c, _d) = UnixDatagram::pair()?;
            let err = c.try_recv(&mut [0; 4]).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn peek_leaves_the_bytes_for_the_next_read_on_tcp_unix_and_udp() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let mut client = TcpStream::connect(listener.local_addr()?).await?;
            let (mut server, _) = listener.accept().await?;
            client.write_all(b"tcp bytes").await?;
            let mut buf = [0; 9];
            let peeked = server.peek(&mut buf).await?;
            let mut read = [0; 9];
            server.read_exact(&mut read[..peeked]).await?;
            assert_eq!(buf[..peeked], read[..peeked]);

            let (u, mut v) = UnixStream::pair()?;
            v.write_all(b"unix").await?;
            let mut buf = [0; 4];
            assert_eq!(u.peek(&mut buf).await?, 4);
            assert_eq!(u.peek(&mut buf).await?, 4, "still there");

            let a = UdpSocket::bind("127.0.0.1:0").await?;
            let b = UdpSocket::bind("127.0.0.1:0").await?;
            a.send_to(b"dgram", b.local_addr()?).await?;
            let mut buf = [0; 8];
            let (n, from) = b.peek_from(&mut buf).await?;
            assert_eq!((&buf[..n], from), (&b"dgram"[..], a.local_addr()?));
            let (n, _) = b.recv_from(&mut buf).await?;
            assert_eq!(&buf[..n], b"dgram");
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn every_socket_type_goes_to_std_and_back() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener =
                TcpListener::from_std(TcpListener::bind("127.0.0.1:0").await?.into_std())?;
            let client =
                TcpStream::from_std(TcpStream::connect(listener.local_addr()?).await?.into_std())?;
            let (mut server, _) = listener.accept().await?;
            let mut client = client;
            client.write_all(b"x").await?;
            server.read_exact(&mut [0]).await?;

            let name = format!("\0baton-test-std-{}", std::process::id());
            let ul = UnixListener::from_std(UnixListener::bind(&name)?.into_std())?;
            let mut us = UnixStream::from_std(UnixStream::connect(&name).await?.into_std())?;
            let (mut uc, _) = ul.accept().await?;
            us.write_all(b"y").await?;
            uc.read_exact(&mut [0]).await?;

            let udp = UdpSocket::from_std(UdpSocket::bind("127.0.0.1:0").await?.into_std())?;
            udp.send_to(b"z", udp.local_addr()?).await?;
            udp.recv_from(&mut [0; 1]).await?;

            let (d1, d2) = UnixDatagram::pair()?;
            let d1 = UnixDatagram::from_std(d1.into_std())?;
            d1.send(b"w").await?;
            d2.recv(&mut [0; 1]).await?;
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn a_zero_linger_resets_the_connection_and_ttl_and_keepalive_stick() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            listener.set_ttl(33)?;
            assert_eq!(listener.ttl()?, 33);
            let client = TcpStream::connect(listener.local_addr()?).await?;
            let (mut server, _) = listener.accept().await?;
            client.set_ttl(17)?;
            assert_eq!(client.ttl()?, 17);
            client.set_keepalive(true)?;
            assert!(client.keepalive()?);
            client.set_linger(Some(Duration::ZERO))?;
            drop(client);
            let err = server.read(&mut [0; 4]).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
            assert!(server.set_ttl(1000).is_err(), "a TTL above 255 is refused");

            let udp = UdpSocket::bind("127.0.0.1:0").await?;
            udp.set_ttl(7)?;
            assert_eq!(udp.ttl()?, 7);
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn send_to_takes_every_address_form_and_fails_cleanly_on_a_bad_one() {
    bounded(LIMIT, || {
        baton::run(async {
            let a = UdpSocket::bind("127.0.0.1:0").await?;
            let b = UdpSocket::bind("127.0.0.1:0").await?;
            let to = b.local_addr()?;
            let port = to.port();
            let mut buf = [0; 16];
            a.send_to(b"addr", to).await?;
            a.send_to(b"pair", (std::net::Ipv4Addr::LOCALHOST, port))
                .await?;
            a.send_to(b"string", format!("127.0.0.1:{port}")).await?;
            a.send_to(b"name", format!("localhost:{port}").as_str())
                .await?;
            a.send_to(b"tuple", ("localhost", port)).await?;
            for want in [&b"addr"[..], b"pair", b"string", b"name", b"tuple"] {
                let (n, from) = b.recv_from(&mut buf).await?;
                assert_eq!((&buf[..n], from), (want, a.local_addr()?));
            }

            let malformed = a.send_to(b"x", "not an address").await.unwrap_err();
            assert_eq!(malformed.kind(), io::ErrorKind::InvalidInput, "{malformed}");
            let unknown = a
                .send_to(b"x", ("no-such-host.invalid", 9))
                .await
                .unwrap_err();
            assert!(!unknown.to_string().is_empty());
            let nothing: &[std::net::SocketAddr] = &[];
            let empty = a.send_to(b"x", nothing).await.unwrap_err();
            assert_eq!(empty.kind(), io::ErrorKind::InvalidInput, "{empty}");
            // The socket still works after the failures.
            a.send_to(b"after", to).await?;
            let (n, _) = b.recv_from(&mut buf).await?;
            assert_eq!(&buf[..n], b"after");
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn a_task_awaiting_readiness_in_a_loop_still_lets_others_run() {
    bounded(LIMIT, || {
        baton::run(async {
            let (a, mut b) = UnixStream::pair()?;
            b.write_all(b"x").await?; // readable, and never read: readable() is always ready
            let ran = std::rc::Rc::new(std::cell::Cell::new(false));
            let other = baton::spawn({
                let ran = ran.clone();
                async move { ran.set(true) }
            });
            let mut polls = 0;
            while !ran.get() {
                a.readable().await?;
                polls += 1;
                assert!(polls < 100_000, "the readiness loop starved the other task");
            }
            other.await.unwrap();
            io::Result::Ok(())
        })
        .unwrap();
    });
}

/// Writes through `wr` without waiting until the socket takes no more; how many bytes went.
fn fill(wr: &OwnedWriteHalf<UnixStream>) -> usize {
    let chunk = [7; 4096];
    let mut sent = 0;
    loop {
        match wr.try_write(&chunk) {
            Ok(n) => sent += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return sent,
            Err(e) => panic!("try_write: {e}"),
        }
    }
}

/// Lets the loop run its ready tasks a few times.
async fn let_tasks_run() {
    for _ in 0..4 {
        baton::yield_now().await;
    }
}

#[test]
fn both_halves_wait_at_once_and_each_is_woken_by_its_own_direction() {
    bounded(LIMIT, || {
        baton::run(async {
            let (a, mut peer) = UnixStream::pair()?;
            let (rd, wr) = a.split();
            // Neither direction known ready: the socket is full, and a read found nothing.
            let sent = fill(&wr);
            let err = rd.try_read(&mut [0; 1]).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
            let reading = baton::spawn(async move {
                rd.readable().await?;
                let mut buf = [0; 8];
                let n = rd.try_read(&mut buf)?;
                io::Result::Ok((rd, buf[..n].to_vec()))
            });
            let writing = baton::spawn(async move {
                wr.writable().await?;
                let n = wr.try_write(b"more")?;
                io::Result::Ok((wr, n))
            });
            let_tasks_run().await;
            assert!(!reading.done() && !writing.done(), "both wait");

            // A byte to read wakes the read half only.
            peer.write_all(b"r").await?;
            let (rd, got) = reading.await.unwrap()?;
            assert_eq!(got, b"r");
            let_tasks_run().await;
            assert!(
                !writing.done(),
                "the socket is still full: the write half waits on"
            );

            // Room to write wakes the write half.
            let mut drained = vec![0; sent];
            peer.read_exact(&mut drained).await?;
            let (wr, n) = writing.await.unwrap()?;
            assert_eq!(n, 4);
            let mut more = [0; 4];
            peer.read_exact(&mut more).await?;
            assert_eq!(&more, b"more");
            drop((rd, wr));
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn a_read_half_peeks_and_tries_and_a_write_half_tries_shuts_down_or_forgets() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let (mut rd, wr) = TcpStream::connect(listener.local_addr()?).await?.split();
            let (mut server, _) = listener.accept().await?;

            // Read half: nothing yet, then peek leaves the bytes for the read.
            let err = rd.try_read(&mut [0; 4]).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
            server.write_all(b"peeked").await?;
            let mut buf = [0; 6];
            let n = rd.peek(&mut buf).await?;
            let mut again = [0; 6];
            rd.read_exact(&mut again[..n]).await?;
            assert_eq!(buf[..n], again[..n]);

            // Write half: try_write, then write_eof gives the peer EOF while both directions
            // of the read half still work.
            wr.writable().await?;
            assert_eq!(wr.try_write(b"hi")?, 2);
            wr.write_eof()?;
            let mut got = Vec::new();
            futures::AsyncReadExt::read_to_end(&mut server, &mut got).await?;
            assert_eq!(got, b"hi");
            server.write_all(b"after").await?;
            let mut after = [0; 5];
            rd.read_exact(&mut after).await?;
            assert_eq!(&after, b"after");
            // Through `AsRef`, the shared stream's own methods.
            assert_eq!(rd.as_ref().peer_addr()?, server.local_addr()?);

            // forget: no EOF while the read half lives; the socket closes with it.
            let (a, mut b) = UnixStream::pair()?;
            let (a_rd, a_wr) = a.split();
            a_wr.forget();
            let err = b.try_read(&mut [0; 1]).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::WouldBlock, "no EOF yet");
            drop(a_rd);
            assert_eq!(b.read(&mut [0; 1]).await?, 0);
            io::Result::Ok(())
        })
        .unwrap();
    });
}
