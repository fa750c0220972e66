//! `Server` against asyncio's (3.12/3.13) `Server`: `wait_closed` waits for every
//! connection, `close_clients`, `abort_clients`, `sockets`, `start_serving=False`, and
//! connection bookkeeping that survives panicking handlers.

mod common;

use std::cell::Cell;
use std::io;
use std::rc::Rc;
use std::time::Duration;

use baton::streams::ServerOptions;
use baton::sync::Event;
use baton::{open_connection, start_server, StreamReader, StreamWriter};
use common::{bounded, settle};
use futures_lite::future::poll_once;

const LIMIT: Duration = Duration::from_secs(20);

#[test]
fn wait_closed_waits_for_the_close_and_for_every_handler_to_finish() {
    bounded(LIMIT, || {
        baton::run(async {
            let release = Rc::new(Event::new());
            let finished = Rc::new(Cell::new(0));
            let server = start_server(
                {
                    let (release, finished) = (release.clone(), finished.clone());
                    move |mut r: StreamReader, mut w: StreamWriter| {
                        let (release, finished) = (release.clone(), finished.clone());
                        async move {
                            let line = r.readline().await.unwrap();
                            w.write(&line);
                            release.wait().await;
                            finished.set(finished.get() + 1);
                        }
                    }
                },
                "127.0.0.1:0",
            )
            .await?;
            let server = Rc::new(server);
            let waiting = baton::spawn({
                let server = server.clone();
                async move { server.wait_closed().await }
            });
            let (mut r, mut w) = open_connection(server.local_addr()?).await?;
            w.write(b"hi\n");
            assert_eq!(r.readline().await?, b"hi\n"); // the handler runs
            settle().await;
            assert!(!waiting.done(), "not closed yet");
            server.close().await;
            settle().await;
            assert!(!waiting.done(), "closed, but a handler still runs");
            release.set();
            waiting.await.unwrap();
            assert_eq!(finished.get(), 1);
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn wait_closed_waits_for_a_finished_handler_s_bytes_to_be_sent() {
    bounded(LIMIT, || {
        baton::run(async {
            const BIG: usize = 8 << 20;
            let server = start_server(
                |_r, mut w: StreamWriter| async move { w.write(&vec![1u8; BIG]) },
                "127.0.0.1:0",
            )
            .await?;
            let (mut r, _w) = open_connection(server.local_addr()?).await?;
            assert_eq!(r.readexactly(1).await?, [1]); // the handler wrote, and returned
            server.close().await;
            assert!(
                poll_once(server.wait_closed()).await.is_none(),
                "the bytes are still going out"
            );
            let rest = baton::spawn(async move { r.read_to_end().await });
            server.wait_closed().await;
            assert_eq!(rest.await.unwrap()?.len(), BIG - 1);
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn a_panicking_handler_leaves_the_server_serving_and_its_bookkeeping_whole() {
    bounded(LIMIT, || {
        baton::run(async {
            let calls = Rc::new(Cell::new(0));
            let server = start_server(
                {
                    let calls = calls.clone();
                    move |mut r: StreamReader, mut w: StreamWriter| {
                        calls.set(calls.get() + 1);
                        match calls.get() {
                            1 => panic!("the handler panics when called"),
                            2 => Box::pin(async { panic!("the handler's future panics") })
                                as std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>,
                            _ => Box::pin(async move {
                                let line = r.readline().await.unwrap();
                                w.write(&line);
                                let _ = w.close().await;
                            }),
                        }
                    }
                },
                "127.0.0.1:0",
            )
            .await?;
            let addr = server.local_addr()?;
            for _ in 0..2 {
                let (mut r, _w) = open_connection(addr).await?;
                assert_eq!(r.read_to_end().await?, b"", "the connection just ends");
            }
            let (mut r, mut w) = open_connection(addr).await?;
            w.write(b"still serving\n");
            assert_eq!(r.readline().await?, b"still serving\n");
            assert!(server.is_serving());
            server.close().await;
            server.wait_closed().await; // no connection left behind by the panics
            assert_eq!(calls.get(), 3);
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn close_clients_flushes_then_closes_every_connection() {
    bounded(LIMIT, || {
        baton::run(async {
            const BIG: usize = 4 << 20;
            let server = start_server(
                |mut r: StreamReader, mut w: StreamWriter| async move {
                    w.write(&vec![7u8; BIG]);
                    // Until the server closes the connection: EOF, or an error.
                    while let Ok(line) = r.readline().await {
                        if line.is_empty() {
                            break;
                        }
                    }
                    let err = w.drain().await.unwrap_err();
                    assert!(err.to_string().contains("closing"), "{err}");
                },
                "127.0.0.1:0",
            )
            .await?;
            let mut clients = Vec::new();
            for _ in 0..3 {
                let (mut r, w) = open_connection(server.local_addr()?).await?;
                assert_eq!(r.readexactly(1).await?, [7]);
                clients.push(baton::spawn(async move {
                    let rest = r.read_to_end().await;
                    drop(w);
                    rest
                }));
            }
            server.close().await;
            server.close_clients();
            server.wait_closed().await;
            for client in clients {
                assert_eq!(
                    client.await.unwrap()?.len(),
                    BIG - 1,
                    "every byte, then EOF"
                );
            }
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn abort_clients_closes_at_once_and_the_handler_sees_why() {
    bounded(LIMIT, || {
        baton::run(async {
            const BIG: usize = 16 << 20;
            let aborted = Rc::new(Cell::new(0));
            let server = start_server(
                {
                    let aborted = aborted.clone();
                    move |mut r: StreamReader, mut w: StreamWriter| {
                        let aborted = aborted.clone();
                        async move {
                            w.write(&vec![3u8; BIG]); // the client reads one byte only
                            let err = w.drain().await.unwrap_err();
                            assert_eq!(err.kind(), io::ErrorKind::ConnectionAborted);
                            assert_eq!(r.read_to_end().await.unwrap(), b"");
                            assert!(w.is_closing());
                            aborted.set(aborted.get() + 1);
                        }
                    }
                },
                "127.0.0.1:0",
            )
            .await?;
            let mut clients = Vec::new();
            for _ in 0..2 {
                let (mut r, w) = open_connection(server.local_addr()?).await?;
                assert_eq!(r.readexactly(1).await?, [3]);
                clients.push((r, w));
            }
            server.close().await;
            server.abort_clients();
            server.wait_closed().await; // without the clients reading 32 MiB
            assert_eq!(aborted.get(), 2);
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn sockets_lists_the_listening_address_until_closed() {
    bounded(LIMIT, || {
        baton::run(async {
            let server = start_server(|_r, _w| async {}, "127.0.0.1:0").await?;
            assert_eq!(server.sockets(), [server.local_addr()?]);
            server.close().await;
            assert_eq!(server.sockets(), []);
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn a_server_started_not_serving_accepts_only_once_serving_starts() {
    bounded(LIMIT, || {
        baton::run(async {
            let handled = Rc::new(Cell::new(0));
            let server = ServerOptions::new()
                .start_serving(false)
                .start_server(
                    {
                        let handled = handled.clone();
                        move |mut r: StreamReader, mut w: StreamWriter| {
                            handled.set(handled.get() + 1);
                            async move {
                                let line = r.readline().await.unwrap();
                                w.write(&line);
                            }
                        }
                    },
                    "127.0.0.1:0",
                )
                .await?;
            assert!(!server.is_serving());
            assert_eq!(server.sockets(), [server.local_addr()?]);
            // The socket listens: the connection waits in the backlog.
            let (mut r, mut w) = open_connection(server.local_addr()?).await?;
            w.write(b"queued\n");
            settle().await;
            assert_eq!(handled.get(), 0, "not accepted before start_serving");
            server.start_serving()?;
            assert!(server.is_serving());
            assert_eq!(r.readline().await?, b"queued\n");
            assert_eq!(handled.get(), 1);
            server.close().await;
            let err = server.start_serving().unwrap_err();
            assert!(err.to_string().contains("closed"), "{err}");
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn serve_forever_starts_a_server_that_was_not_serving() {
    bounded(LIMIT, || {
        baton::run(async {
            let server = Rc::new(
                ServerOptions::new()
                    .start_serving(false)
                    .start_server(
                        |mut r: StreamReader, mut w: StreamWriter| async move {
                            w.write(&r.readline().await.unwrap());
                        },
                        "127.0.0.1:0",
                    )
                    .await?,
            );
            let serving = baton::spawn({
                let server = server.clone();
                async move { server.serve_forever().await }
            });
            let (mut r, mut w) = open_connection(server.local_addr()?).await?;
            w.write(b"served\n");
            assert_eq!(r.readline().await?, b"served\n");
            assert!(server.is_serving());
            server.close().await;
            serving.await.unwrap();
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn the_limit_option_applies_to_each_connection_s_reader() {
    bounded(LIMIT, || {
        baton::run(async {
            let server = ServerOptions::new()
                .limit(4)
                .start_server(
                    |mut r: StreamReader, mut w: StreamWriter| async move {
                        let first = r.readline().await;
                        w.write(if first.is_err() {
                            b"too long\n"
                        } else {
                            b"ok\n"
                        });
                    },
                    "127.0.0.1:0",
                )
                .await?;
            let (mut r, mut w) = open_connection(server.local_addr()?).await?;
            w.write(b"longer than four\n");
            assert_eq!(r.readline().await?, b"too long\n");
            io::Result::Ok(())
        })
        .unwrap();
    });
}

thread_local! {
    static SERVER: std::cell::RefCell<Option<Rc<baton::Server>>> =
        const { std::cell::RefCell::new(None) };
    static CLOSES: Cell<usize> = const { Cell::new(0) };
}

/// A waker whose drop is user code that closes the server's connections, so it reaches the
/// state of the very writer that stored it.
struct ClosesClientsOnDrop;

impl std::task::Wake for ClosesClientsOnDrop {
    fn wake(self: std::sync::Arc<Self>) {}
}

impl Drop for ClosesClientsOnDrop {
    fn drop(&mut self) {
        // `try_with`: when a failing test unwinds, thread-locals are being torn down.
        let _ = SERVER.try_with(|s| {
            if let Some(s) = &*s.borrow() {
                s.close_clients();
                CLOSES.with(|c| c.set(c.get() + 1));
            }
        });
    }
}

#[test]
fn a_drain_waker_whose_drop_closes_the_connection_is_not_dropped_under_its_borrow() {
    bounded(LIMIT, || {
        baton::run(async {
            use std::future::Future;
            let server = start_server(
                |_r, mut w: StreamWriter| async move {
                    w.write(&vec![0u8; 16 << 20]); // the client reads one byte: paused
                    let mut drain = std::pin::pin!(w.drain());
                    for _ in 0..3 {
                        let waker =
                            std::task::Waker::from(std::sync::Arc::new(ClosesClientsOnDrop));
                        let mut cx = std::task::Context::from_waker(&waker);
                        assert!(drain.as_mut().poll(&mut cx).is_pending());
                    }
                    assert!(drain.await.is_err());
                },
                "127.0.0.1:0",
            )
            .await?;
            let server = Rc::new(server);
            SERVER.with(|s| *s.borrow_mut() = Some(server.clone()));
            let (mut r, _w) = open_connection(server.local_addr()?).await?;
            assert_eq!(r.readexactly(1).await?, [0]);
            server.close().await;
            server.abort_clients(); // wakes the drain: its wakers are dropped, after the borrow
            server.wait_closed().await;
            assert_eq!(CLOSES.with(Cell::get), 3);
            SERVER.with(|s| s.borrow_mut().take());
            io::Result::Ok(())
        })
        .unwrap();
    });
}
