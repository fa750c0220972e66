//! tokio's I/O traits on baton (feature `tokio-io`), proven with the crates users bring:
//! tokio-util's `Framed` codecs, tokio-rustls (with `tls`) and tokio-tungstenite, all over
//! baton sockets on a baton loop — no tokio runtime anywhere in this file.
#![cfg(feature = "tokio-io")]

mod common;

use std::io;
use std::time::Duration;

use baton::net::{TcpListener, TcpStream, UnixStream};
use common::bounded;
use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::codec::{Framed, FramedRead, FramedWrite, LinesCodec};

const LIMIT: Duration = Duration::from_secs(30);

/// A server task that echoes every line back upper-cased, over tokio-util's `Framed`.
fn spawn_line_echo(listener: TcpListener) -> baton::Task<io::Result<()>> {
    baton::spawn(async move {
        let (stream, _) = listener.accept().await?;
        let mut lines = Framed::new(stream, LinesCodec::new());
        while let Some(line) = lines.next().await {
            let line = line.map_err(io::Error::other)?;
            lines
                .send(line.to_uppercase())
                .await
                .map_err(io::Error::other)?;
        }
        Ok(())
    })
}

#[test]
fn framed_lines_echo_over_a_baton_tcp_stream() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            let server = spawn_line_echo(listener);
            let mut client = Framed::new(TcpStream::connect(addr).await?, LinesCodec::new());
            for word in ["alpha", "beta", "gamma"] {
                client.send(word).await.map_err(io::Error::other)?;
                let echoed = client.next().await.unwrap().map_err(io::Error::other)?;
                assert_eq!(echoed, word.to_uppercase());
            }
            drop(client); // EOF: the server's stream of lines ends
            server.await.unwrap()
        })
        .unwrap();
    });
}

#[test]
fn framed_halves_of_a_split_stream_and_a_unix_pair() {
    bounded(LIMIT, || {
        baton::run(async {
            // The halves of a split TCP stream, each in its own codec.
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            let server = spawn_line_echo(listener);
            let (rd, wr) = TcpStream::connect(addr).await?.split();
            let mut lines_in = FramedRead::new(rd, LinesCodec::new());
            let mut lines_out = FramedWrite::new(wr, LinesCodec::new());
            lines_out.send("split").await.map_err(io::Error::other)?;
            let echoed = lines_in.next().await.unwrap().map_err(io::Error::other)?;
            assert_eq!(echoed, "SPLIT");
            drop(lines_out); // the write half's drop shuts writing down: the server ends
            server.await.unwrap()?;

            // A Unix pair, with tokio's extension traits directly.
            let (mut a, mut b) = UnixStream::pair()?;
            a.write_all(b"over unix").await?;
            AsyncWriteExt::shutdown(&mut a).await?; // the inherent `shutdown` takes a `how`
            let mut got = Vec::new();
            b.read_to_end(&mut got).await?;
            assert_eq!(got, b"over unix");
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn a_large_transfer_arrives_whole_through_read_buf() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let mut client = TcpStream::connect(listener.local_addr()?).await?;
            let (mut server, _) = listener.accept().await?;
            let data: Vec<u8> = (0..4 << 20).map(|i: u32| (i % 251) as u8).collect();
            let sent = data.clone();
            let writer = baton::spawn(async move {
                client.write_all(&sent).await?;
                AsyncWriteExt::shutdown(&mut client).await
            });
            let mut got = Vec::with_capacity(1024); // grows: reads land in uninitialised room
            server.read_to_end(&mut got).await?;
            writer.await.unwrap()?;
            assert!(got == data, "the bytes arrived changed");
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn a_reset_connection_fails_only_its_own_reader() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            let victim = TcpStream::connect(addr).await?;
            let (victim_peer, _) = listener.accept().await?;
            let healthy = TcpStream::connect(addr).await?;
            let (healthy_peer, _) = listener.accept().await?;

            let victim_reader = baton::spawn(async move {
                let mut lines = FramedRead::new(victim_peer, LinesCodec::new());
                lines.next().await
            });
            let healthy_echo = baton::spawn(async move {
                let mut lines = Framed::new(healthy_peer, LinesCodec::new());
                while let Some(Ok(line)) = lines.next().await {
                    if lines.send(line).await.is_err() {
                        break;
                    }
                }
            });

            // Half a line, then an RST instead of a FIN (`SO_LINGER` 0).
            let mut victim = victim;
            victim.write_all(b"half a li").await?;
            socket2::SockRef::from(&victim).set_linger(Some(Duration::ZERO))?;
            drop(victim);

            let outcome = victim_reader.await.unwrap();
            assert!(
                matches!(outcome, Some(Err(_))),
                "the reset reader sees an error, not a line or a clean end: {outcome:?}"
            );

            let mut client = Framed::new(healthy, LinesCodec::new());
            client.send("still here").await.map_err(io::Error::other)?;
            let echoed = client.next().await.unwrap().map_err(io::Error::other)?;
            assert_eq!(echoed, "still here");
            drop(client);
            healthy_echo.await.unwrap();
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn tungstenite_client_and_server_round_trip() {
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::{accept_async, client_async};

    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            let server = baton::spawn(async move {
                let (stream, _) = listener.accept().await.unwrap();
                let mut ws = accept_async(stream).await.unwrap();
                while let Some(message) = ws.next().await {
                    match message.unwrap() {
                        Message::Text(text) => {
                            ws.send(Message::text(format!("echo: {text}")))
                                .await
                                .unwrap();
                        }
                        Message::Binary(bytes) => ws.send(Message::Binary(bytes)).await.unwrap(),
                        Message::Close(_) => break,
                        _ => {}
                    }
                }
            });
            let stream = TcpStream::connect(addr).await?;
            let (mut ws, response) = client_async(format!("ws://{addr}/echo"), stream)
                .await
                .map_err(io::Error::other)?;
            assert_eq!(response.status(), 101);
            ws.send(Message::text("hello"))
                .await
                .map_err(io::Error::other)?;
            let reply = ws.next().await.unwrap().map_err(io::Error::other)?;
            assert_eq!(reply, Message::text("echo: hello"));
            ws.send(Message::binary(vec![1u8, 2, 3]))
                .await
                .map_err(io::Error::other)?;
            let reply = ws.next().await.unwrap().map_err(io::Error::other)?;
            assert_eq!(reply, Message::binary(vec![1u8, 2, 3]));
            ws.close(None).await.map_err(io::Error::other)?;
            server.await.unwrap();
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn a_child_process_pipes_carry_tokio_codecs() {
    use baton::process::{Command, Stdio};

    bounded(LIMIT, || {
        baton::run(async {
            let mut child = Command::new("tr")
                .arg("a-z")
                .arg("A-Z")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()?;
            let mut stdin = FramedWrite::new(child.stdin.take().unwrap(), LinesCodec::new());
            let stdout = FramedRead::new(child.stdout.take().unwrap(), LinesCodec::new());
            stdin.send("one").await.map_err(io::Error::other)?;
            stdin.send("two").await.map_err(io::Error::other)?;
            SinkExt::<&str>::close(&mut stdin)
                .await
                .map_err(io::Error::other)?; // the child reads EOF
            let lines: Vec<String> = stdout.map(Result::unwrap).collect().await;
            assert_eq!(lines, ["ONE", "TWO"]);
            assert!(child.wait().await?.success());
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn async_fd_and_the_compat_adapter_speak_tokio() {
    use baton::io::{Async, TokioCompat};

    bounded(LIMIT, || {
        baton::run(async {
            // `Async<T>` over a std socket pair.
            let (a, b) = std::os::unix::net::UnixStream::pair()?;
            let (mut a, mut b) = (Async::new(a)?, Async::new(b)?);
            a.write_all(b"ping").await?;
            let mut buf = [0; 4];
            b.read_exact(&mut buf).await?;
            assert_eq!(&buf, b"ping");

            // A futures-io object (futures' in-memory pipe-like cursor) into tokio-util.
            let cursor = futures::io::Cursor::new(b"first\nsecond\n".to_vec());
            let lines: Vec<String> = FramedRead::new(TokioCompat::new(cursor), LinesCodec::new())
                .map(Result::unwrap)
                .collect()
                .await;
            assert_eq!(lines, ["first", "second"]);

            // And back: a tokio object written and read through futures-io's traits.
            let mut out = TokioCompat::new(Vec::<u8>::new());
            futures::AsyncWriteExt::write_all(&mut out, b"back").await?;
            futures::AsyncWriteExt::close(&mut out).await?;
            assert_eq!(out.into_inner(), b"back");
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[cfg(feature = "tls")]
mod tls {
    use super::*;
    use baton::tls::rustls::pki_types::ServerName;
    use baton::tls::{TlsAcceptor, TlsConnector};

    #[test]
    fn tokio_rustls_client_and_server_over_baton_tcp() {
        bounded(LIMIT, || {
            let (client_config, server_config) = common::tls::localhost_configs();
            baton::run(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await?;
                let addr = listener.local_addr()?;
                let acceptor = tokio_rustls::TlsAcceptor::from(server_config);
                let server = baton::spawn(async move {
                    let (tcp, _) = listener.accept().await?;
                    let tls = acceptor.accept(tcp).await?;
                    let mut lines = Framed::new(tls, LinesCodec::new());
                    while let Some(line) = lines.next().await {
                        let line = line.map_err(io::Error::other)?;
                        lines
                            .send(line.len().to_string())
                            .await
                            .map_err(io::Error::other)?;
                    }
                    io::Result::Ok(())
                });
                let connector = tokio_rustls::TlsConnector::from(client_config);
                let tcp = TcpStream::connect(addr).await?;
                let name = ServerName::try_from("localhost").unwrap();
                let mut tls = connector.connect(name, tcp).await?;
                tls.write_all(b"twelve bytes\n").await?;
                let mut reply = [0; 3];
                tls.read_exact(&mut reply).await?;
                assert_eq!(&reply, b"12\n");
                tls.shutdown().await?; // close_notify, then the server's lines end
                server.await.unwrap()
            })
            .unwrap();
        });
    }

    #[test]
    fn baton_tls_streams_speak_tokio_with_a_tokio_rustls_peer() {
        bounded(LIMIT, || {
            let (client_config, server_config) = common::tls::localhost_configs();
            let server_config2 = server_config.clone();
            baton::run(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await?;
                let addr = listener.local_addr()?;
                // baton's acceptor; the connection used through tokio's traits.
                let acceptor = TlsAcceptor::from(server_config);
                let server = baton::spawn(async move {
                    let (tcp, _) = listener.accept().await?;
                    let tls = acceptor.accept(tcp).await?;
                    let mut lines = Framed::new(tls, LinesCodec::new());
                    let line = lines.next().await.unwrap().map_err(io::Error::other)?;
                    lines
                        .send(format!("<{line}>"))
                        .await
                        .map_err(io::Error::other)?;
                    let mut tls = lines.into_inner();
                    tls.shutdown().await
                });
                // tokio-rustls's client.
                let connector = tokio_rustls::TlsConnector::from(client_config.clone());
                let tcp = TcpStream::connect(addr).await?;
                let name = ServerName::try_from("localhost").unwrap();
                let mut lines = Framed::new(connector.connect(name, tcp).await?, LinesCodec::new());
                lines.send("mixed").await.map_err(io::Error::other)?;
                let reply = lines.next().await.unwrap().map_err(io::Error::other)?;
                assert_eq!(reply, "<mixed>");
                server.await.unwrap()?;

                // And baton's connector, written and read with tokio's extension traits.
                let listener = TcpListener::bind("127.0.0.1:0").await?;
                let addr = listener.local_addr()?;
                let acceptor = TlsAcceptor::from(server_config2);
                let server = baton::spawn(async move {
                    let (tcp, _) = listener.accept().await?;
                    let mut tls = acceptor.accept(tcp).await?;
                    let mut got = String::new();
                    tls.read_to_string(&mut got).await?;
                    io::Result::Ok(got)
                });
                let tcp = TcpStream::connect(addr).await?;
                let mut tls = TlsConnector::from(client_config)
                    .connect("localhost", tcp)
                    .await?;
                tls.write_all(b"baton to baton").await?;
                tls.shutdown().await?;
                assert_eq!(server.await.unwrap()?, "baton to baton");
                io::Result::Ok(())
            })
            .unwrap();
        });
    }
}
