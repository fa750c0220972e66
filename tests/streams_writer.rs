//! `StreamWriter` against asyncio's `StreamWriter`: closing, `is_closing`, `wait_closed`, and
//! no write lost without an error.

mod common;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::io;
use std::pin::pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Wake, Waker};
use std::time::Duration;

use baton::net::TcpListener;
use baton::{open_connection, StreamWriter};
use common::bounded;
use futures_lite::future::poll_once;

const LIMIT: Duration = Duration::from_secs(20);

#[test]
fn a_write_after_close_is_an_error_not_silently_dropped() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let (_r, mut w) = open_connection(listener.local_addr()?).await?;
            let (_conn, _) = listener.accept().await?;
            w.write(b"sent");
            w.close().await?;
            w.write(b"lost");
            let err = w.drain().await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
            assert!(err.to_string().contains("after close"), "{err}");
            io::Result::Ok(())
        })
        .unwrap();
    });
}

thread_local! {
    /// The writer that `TouchesTheWriter` wakers look at when dropped.
    static WRITER: RefCell<Option<Rc<StreamWriter>>> = const { RefCell::new(None) };
    static TOUCHES: Cell<usize> = const { Cell::new(0) };
}

/// A waker whose drop is user code that reads the writer.
struct TouchesTheWriter;

impl Wake for TouchesTheWriter {
    fn wake(self: Arc<Self>) {}
}

impl Drop for TouchesTheWriter {
    fn drop(&mut self) {
        // `try_with`: when a failing test unwinds, thread-locals are being torn down.
        let _ = WRITER.try_with(|w| {
            if let Some(w) = &*w.borrow() {
                let _ = (w.is_closing(), w.write_buffer_size());
                TOUCHES.with(|t| t.set(t.get() + 1));
            }
        });
    }
}

#[test]
fn a_waker_whose_drop_reads_the_writer_is_not_dropped_under_its_borrow() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let (_r, w) = open_connection(listener.local_addr()?).await?;
            let w = Rc::new(w);
            WRITER.with(|slot| *slot.borrow_mut() = Some(w.clone()));
            let mut closed = pin!(w.wait_closed());
            // Polled by three tasks in turn: each new waker must not drop the last one while
            // the writer's state is borrowed.
            for _ in 0..3 {
                let waker = Waker::from(Arc::new(TouchesTheWriter));
                assert!(closed
                    .as_mut()
                    .poll(&mut Context::from_waker(&waker))
                    .is_pending());
            }
            drop(w.close());
            closed.await?;
            assert_eq!(
                TOUCHES.with(Cell::get),
                3,
                "every waker dropped, after the borrow"
            );
            WRITER.with(|slot| slot.borrow_mut().take());
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn wait_closed_waits_for_the_buffer_to_be_flushed_then_the_shutdown() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let (_r, mut w) = open_connection(listener.local_addr()?).await?;
            let (mut conn, _) = listener.accept().await?;
            w.write(&vec![5u8; 8 << 20]); // far more than the socket buffers hold
            assert!(!w.is_closing());
            drop(w.close());
            assert!(w.is_closing());
            assert!(
                poll_once(w.wait_closed()).await.is_none(),
                "the peer has not read yet: still flushing"
            );
            let peer = baton::spawn(async move {
                let mut got = Vec::new();
                futures_lite::AsyncReadExt::read_to_end(&mut conn, &mut got).await?;
                io::Result::Ok(got.len())
            });
            w.wait_closed().await?;
            w.wait_closed().await?; // closed stays closed
            assert_eq!(peer.await.unwrap()?, 8 << 20, "every byte, then EOF");
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn every_task_waiting_in_wait_closed_is_woken() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let (_r, w) = open_connection(listener.local_addr()?).await?;
            let w = Rc::new(w);
            let waiters: Vec<_> = (0..3)
                .map(|_| {
                    let w = w.clone();
                    baton::spawn(async move { w.wait_closed().await })
                })
                .collect();
            common::settle().await;
            w.close().await?;
            for waiter in waiters {
                waiter.await.unwrap()?;
            }
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn drain_on_a_closing_writer_is_an_error() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let (_r, mut w) = open_connection(listener.local_addr()?).await?;
            w.write(b"fine");
            w.drain().await?;
            drop(w.close());
            let err = w.drain().await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
            assert!(err.to_string().contains("closing"), "{err}");
            w.wait_closed().await?; // nothing was lost: the close itself succeeds
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn a_write_after_write_eof_is_an_error() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let (_r, mut w) = open_connection(listener.local_addr()?).await?;
            let (mut conn, _) = listener.accept().await?;
            w.write(b"before");
            w.write_eof();
            w.write(b"after");
            let err = w.drain().await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
            assert!(err.to_string().contains("after write_eof"), "{err}");
            let mut got = Vec::new();
            futures_lite::AsyncReadExt::read_to_end(&mut conn, &mut got).await?;
            assert_eq!(got, b"before");
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn a_connection_failure_ends_wait_closed_with_the_error() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let (_r, mut w) = open_connection(listener.local_addr()?).await?;
            let (conn, _) = listener.accept().await?;
            // The peer resets the connection (SO_LINGER 0, then close).
            socket2::SockRef::from(&conn).set_linger(Some(Duration::ZERO))?;
            drop(conn);
            let w = &mut w;
            let failed = loop {
                w.write(&[0u8; 64 * 1024]);
                if let Err(e) = w.drain().await {
                    break e;
                }
                baton::yield_now().await;
            };
            assert!(w.is_closing(), "a failed connection is closing");
            let err = w.wait_closed().await.unwrap_err();
            assert_eq!(err.kind(), failed.kind());
            io::Result::Ok(())
        })
        .unwrap();
    });
}
