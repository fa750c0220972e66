//! asyncio streams: the issue's snippet as written, and the reader/writer semantics.

mod common;

use std::io;
use std::time::Duration;

use baton::net::{TcpListener, TcpStream, UdpSocket};
use baton::streams::IncompleteReadError;
use baton::{open_connection, start_server, StreamReader, StreamWriter};
use common::bounded;

const LIMIT: Duration = Duration::from_secs(20);

/// The snippet from issue 3, verbatim apart from the wrapper.
#[test]
fn the_issue_snippet_compiles_and_runs() {
    bounded(LIMIT, || -> io::Result<()> {
        baton::run(async {
            // asyncio streams: start_server / open_connection
            let server = start_server(
                |mut r: StreamReader, mut w: StreamWriter| async move {
                    while let Ok(line) = r.readline().await {
                        // includes b"\n"; empty at EOF
                        if line.is_empty() {
                            break;
                        }
                        w.write(&line); // buffered
                        if w.drain().await.is_err() {
                            break;
                        } // flow control
                    }
                },
                "127.0.0.1:0",
            )
            .await?;
            let addr = server.local_addr()?;
            let (mut r, mut w) = open_connection(addr).await?;
            w.write(b"hello\n");
            w.drain().await?;
            assert_eq!(r.readline().await?, b"hello\n");
            w.close().await?;
            server.close().await;

            // sockets
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let mut client = TcpStream::connect(listener.local_addr()?).await?;
            let (mut conn, _peer) = listener.accept().await?;
            client.write_all(b"ping").await?;
            let mut buf = [0u8; 4];
            conn.read_exact(&mut buf).await?;
            let _udp = UdpSocket::bind("127.0.0.1:0").await?;
            std::io::Result::Ok(())
        })
    })
    .unwrap();
}

#[test]
fn readuntil_readexactly_and_read_share_one_buffer() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let (mut r, w) = open_connection(listener.local_addr()?).await?;
            let (mut conn, _) = listener.accept().await?;
            conn.write_all(b"HEAD\r\n\r\n0123456789tail\nrest").await?;
            drop(conn);
            assert_eq!(r.readuntil(b"\r\n\r\n").await?, b"HEAD\r\n\r\n");
            assert_eq!(r.readexactly(10).await?, b"0123456789");
            assert_eq!(r.readline().await?, b"tail\n");
            let err = r.readuntil(b"END").await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
            let inc = IncompleteReadError::from_io(err).unwrap();
            assert_eq!((inc.partial.as_slice(), inc.expected), (&b"rest"[..], None));
            assert!(r.at_eof());
            assert_eq!(r.read(5).await?, b"");
            w.close().await?;
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn a_separator_split_across_reads_is_found() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let (mut r, _w) = open_connection(listener.local_addr()?).await?;
            let (mut conn, _) = listener.accept().await?;
            let feeder = baton::spawn(async move {
                for piece in [&b"abc\r"[..], b"\n", b"de\r", b"\nx"] {
                    conn.write_all(piece).await?;
                    baton::sleep(Duration::from_millis(5)).await;
                }
                io::Result::Ok(())
            });
            assert_eq!(r.readuntil(b"\r\n").await?, b"abc\r\n");
            assert_eq!(r.readuntil(b"\r\n").await?, b"de\r\n");
            feeder.await.unwrap()?;
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn writes_larger_than_the_socket_buffer_all_arrive_in_order() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let (_r, mut w) = open_connection(listener.local_addr()?).await?;
            let (conn, _) = listener.accept().await?;
            let reader = baton::spawn(async move {
                let (rd, _wr) = conn.split();
                let mut r = StreamReader::new(rd);
                let mut total = Vec::new();
                loop {
                    let chunk = r.read(1 << 16).await?;
                    if chunk.is_empty() {
                        return io::Result::Ok(total);
                    }
                    total.extend_from_slice(&chunk);
                }
            });
            let mut expected = Vec::new();
            for i in 0..200u32 {
                let block = vec![(i % 256) as u8; 50_000];
                w.write(&block);
                expected.extend_from_slice(&block);
                w.drain().await?;
                assert!(w.write_buffer_size() <= 64 * 1024 + 50_000);
            }
            w.close().await?;
            let got = reader.await.unwrap()?;
            assert_eq!(got.len(), expected.len());
            assert!(got == expected);
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn dropping_a_writer_still_flushes_what_was_written() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let (_r, mut w) = open_connection(listener.local_addr()?).await?;
            let (mut conn, _) = listener.accept().await?;
            w.write(&vec![9u8; 4 << 20]);
            drop(w);
            let mut got = Vec::new();
            futures_lite::AsyncReadExt::read_to_end(&mut conn, &mut got).await?;
            assert_eq!(got.len(), 4 << 20);
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn serve_forever_returns_when_the_server_is_closed() {
    bounded(LIMIT, || {
        baton::run(async {
            let server = std::rc::Rc::new(start_server(|_r, _w| async {}, "127.0.0.1:0").await?);
            let s = server.clone();
            let closer = baton::spawn(async move {
                baton::sleep(Duration::from_millis(10)).await;
                s.close().await;
            });
            server.serve_forever().await;
            assert!(!server.is_serving());
            closer.await.unwrap();
            io::Result::Ok(())
        })
        .unwrap();
    });
}
