//! asyncio's `open_unix_connection` and `start_unix_server`: the same server as over TCP
//! (options, `close_clients`, `wait_closed`), on filesystem, abstract and autobound paths, and
//! the errors of a missing or occupied path; the socket file cleared when stale and removed at
//! close, as asyncio 3.13 does.

mod common;

use std::io;
use std::os::linux::net::SocketAddrExt;
use std::path::PathBuf;
use std::time::Duration;

use baton::net::{UnixListener, UnixStream};
use baton::streams::{LimitOverrunError, ServerOptions, UnixStreamWriter};
use baton::{open_unix_connection, start_unix_server, StreamReader};
use common::{bounded, run_paused};

const LIMIT: Duration = Duration::from_secs(20);

/// A fresh socket path in the temp directory, with nothing at it.
fn socket_path(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("baton-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

/// Echoes lines until EOF.
async fn echo(mut r: StreamReader, mut w: UnixStreamWriter) {
    while let Ok(line) = r.readline().await {
        if line.is_empty() {
            break;
        }
        w.write(&line);
        if w.drain().await.is_err() {
            break;
        }
    }
}

#[test]
fn a_unix_server_echoes_and_removes_its_socket_file_at_close() {
    bounded(LIMIT, || {
        baton::run(async {
            let path = socket_path("echo");
            let server = start_unix_server(echo, &path).await?;
            assert_eq!(server.local_addr()?.as_pathname(), Some(path.as_path()));
            assert_eq!(server.sockets().len(), 1);
            let (mut r, mut w) = open_unix_connection(&path).await?;
            assert!(w.peer_addr()?.as_pathname().is_some());
            w.write(b"one\ntwo\n");
            w.drain().await?;
            assert_eq!(r.readline().await?, b"one\n");
            assert_eq!(r.readline().await?, b"two\n");
            w.close().await?;
            assert_eq!(r.readline().await?, b"");
            assert!(
                path.exists(),
                "the socket file is there while the server is"
            );
            server.close().await;
            server.wait_closed().await;
            assert!(server.sockets().is_empty());
            // asyncio 3.13's cleanup_socket: the file goes with the server.
            assert!(!path.exists(), "the socket file is removed at close");
            let again = start_unix_server(echo, &path).await?;
            again.close().await;
            assert!(!path.exists());
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn a_stale_socket_file_is_cleared_but_a_live_servers_path_or_another_file_is_refused() {
    bounded(LIMIT, || {
        baton::run(async {
            let path = socket_path("takeover");
            drop(UnixListener::bind(&path)?); // a dead server's file: connections are refused
            let server = start_unix_server(echo, &path).await?;

            // A live server keeps its path: asyncio would remove its file and take it over.
            let err = start_unix_server(echo, &path).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
            assert!(err.to_string().contains(&*path.to_string_lossy()), "{err}");
            let (mut r, mut w) = open_unix_connection(&path).await?;
            w.write(b"still mine\n");
            assert_eq!(r.readline().await?, b"still mine\n");
            server.close().await;

            // A file that is not a socket is never removed.
            std::fs::write(&path, b"notes")?;
            let err = start_unix_server(echo, &path).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
            assert_eq!(std::fs::read(&path)?, b"notes");
            std::fs::remove_file(&path)?;
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn cleanup_socket_false_keeps_the_file_and_a_file_that_replaced_the_servers_is_left_alone() {
    bounded(LIMIT, || {
        baton::run(async {
            let path = socket_path("kept");
            let kept = ServerOptions::new().cleanup_socket(false);
            let server = kept.start_unix_server(echo, &path).await?;
            server.close().await;
            assert!(path.exists(), "cleanup_socket(false) leaves the file");
            let err = open_unix_connection(&path).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);

            // Someone else's socket took the path while the server ran: closing the server
            // must not remove that one.
            let server = start_unix_server(echo, &path).await?;
            std::fs::remove_file(&path)?;
            let successor = UnixListener::bind(&path)?;
            server.close().await;
            assert!(path.exists(), "the successor's file stays");
            let _client = UnixStream::connect(&path).await?;
            let (_conn, _peer) = successor.accept().await?;
            drop(successor);
            std::fs::remove_file(&path)?;
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn server_options_limit_and_start_serving_apply_to_a_unix_server() {
    run_paused(|| async {
        async {
            let path = socket_path("options");
            let server = ServerOptions::new()
                .start_serving(false)
                .limit(8)
                .start_unix_server(
                    |mut r: StreamReader, mut w: UnixStreamWriter| async move {
                        let err = r.readline().await.unwrap_err();
                        assert!(err.get_ref().unwrap().is::<LimitOverrunError>());
                        w.write(b"overrun\n");
                        let _ = w.drain().await;
                    },
                    &path,
                )
                .await?;
            assert!(!server.is_serving());
            // Connected while not serving: waits in the backlog, served once serving starts.
            let (mut r, mut w) = open_unix_connection(&path).await?;
            w.write(b"longer than eight bytes\n");
            w.drain().await?;
            let early = baton::wait_for(Duration::from_secs(5), r.readline()).await;
            assert!(early.is_err(), "not served before start_serving");
            server.start_serving()?;
            assert_eq!(r.readline().await?, b"overrun\n");
            server.close().await;
            server.wait_closed().await;
            assert!(!path.exists());
            io::Result::Ok(())
        }
        .await
        .unwrap();
    });
}

#[test]
fn close_clients_shuts_every_unix_connection_down() {
    bounded(LIMIT, || {
        baton::run(async {
            let path = socket_path("close-clients");
            let server = start_unix_server(
                |mut r: StreamReader, mut w: UnixStreamWriter| async move {
                    w.write(b"hello\n");
                    while !r.readline().await.unwrap_or_default().is_empty() {}
                },
                &path,
            )
            .await?;
            let (mut r, _w) = open_unix_connection(&path).await?;
            assert_eq!(r.readline().await?, b"hello\n");
            server.close().await;
            server.close_clients();
            server.wait_closed().await;
            assert_eq!(r.readline().await?, b"");
            assert!(!path.exists());
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn an_abstract_path_serves_without_a_file() {
    bounded(LIMIT, || {
        baton::run(async {
            let name = format!("baton-test-abstract-{}", std::process::id());
            let path = format!("\0{name}");
            let server = start_unix_server(echo, &path).await?;
            assert_eq!(
                server.local_addr()?.as_abstract_name(),
                Some(name.as_bytes())
            );
            let (mut r, mut w) = open_unix_connection(&path).await?;
            w.write(b"abstract\n");
            w.drain().await?;
            assert_eq!(r.readline().await?, b"abstract\n");
            server.close().await;
            // No file to remove: the name goes with the socket.
            let again = start_unix_server(echo, &path).await?;
            again.close().await;
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn an_empty_path_autobinds_to_an_abstract_name_clients_can_reach() {
    bounded(LIMIT, || {
        baton::run(async {
            let server = start_unix_server(echo, "").await?;
            let addr = server.local_addr()?;
            let name = addr
                .as_abstract_name()
                .expect("Linux autobinds an abstract name");
            let mut path = vec![0];
            path.extend_from_slice(name);
            let path: std::ffi::OsString = std::os::unix::ffi::OsStringExt::from_vec(path);
            let (mut r, mut w) = open_unix_connection(&path).await?;
            w.write(b"auto\n");
            w.drain().await?;
            assert_eq!(r.readline().await?, b"auto\n");
            server.close().await;
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn connecting_to_a_missing_path_is_not_found_and_names_the_path() {
    bounded(LIMIT, || {
        baton::run(async {
            let path = socket_path("missing");
            let err = open_unix_connection(&path).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::NotFound);
            assert!(err.to_string().contains(&*path.to_string_lossy()), "{err}");
            let err = UnixStream::connect(&path).await.unwrap_err();
            assert!(err.to_string().contains(&*path.to_string_lossy()), "{err}");
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn a_stale_socket_file_refuses_connections_and_blocks_a_new_bind() {
    bounded(LIMIT, || {
        baton::run(async {
            let path = socket_path("stale");
            drop(UnixListener::bind(&path)?); // the listener is gone, its file is not
            let err = open_unix_connection(&path).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
            let err = UnixListener::bind(&path).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
            assert!(err.to_string().contains(&*path.to_string_lossy()), "{err}");
            std::fs::remove_file(&path)?;
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn unix_owned_halves_split_and_reunite_like_tcp_ones() {
    bounded(LIMIT, || {
        baton::run(async {
            let (a, mut b) = UnixStream::pair()?;
            let (mut rd, mut wr) = a.split();
            wr.write_all(b"ping").await?;
            let mut buf = [0; 4];
            b.read_exact(&mut buf).await?;
            b.write_all(b"pong").await?;
            rd.read_exact(&mut buf).await?;
            assert_eq!(&buf, b"pong");
            let mut a = rd.reunite(wr).expect("halves of one stream");
            a.write_all(b"!").await?;
            b.read_exact(&mut buf[..1]).await?;
            assert_eq!(buf[0], b'!');
            io::Result::Ok(())
        })
        .unwrap();
    });
}
