//! Several tasks waiting on one socket in the same direction (baton issue #7): every waiter is
//! woken when the socket becomes ready, and a waiter that gives up takes nothing with it.
//!
//! Each test parks its waiters first (`settle`), then makes the socket ready. A waiter that is
//! never woken shows up as a `wait_for` time-out, and `bounded` guards against anything worse.

mod common;

use std::future::Future;
use std::io;
use std::os::unix::net as std_unix;
use std::pin::pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Wake, Waker};
use std::time::Duration;

use baton::net::{TcpListener, TcpStream, UdpSocket, UnixDatagram, UnixListener, UnixStream};
use baton::{Task, TaskError};
use common::bounded;

const LIMIT: Duration = Duration::from_secs(20);

/// How long a waiter that should have been woken may take before the test calls it lost.
const WAKE_LIMIT: Duration = Duration::from_secs(5);

fn temp_path(name: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("baton-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_file(&p);
    p
}

/// Lets every spawned task run until it waits.
async fn settle() {
    for _ in 0..3 {
        baton::yield_now().await;
    }
}

/// The task's output, or a failure naming `who` if it was not woken in time.
async fn finish<T: 'static>(who: &str, task: Task<T>) -> T {
    match baton::wait_for(WAKE_LIMIT, task).await {
        Ok(Ok(value)) => value,
        Ok(Err(e)) => panic!("{who} failed: {e:?}"),
        Err(_) => panic!("{who} was never woken: its wake-up was lost"),
    }
}

#[test]
fn two_tasks_accepting_on_one_tcp_listener_both_accept() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = Rc::new(TcpListener::bind("127.0.0.1:0").await?);
            let addr = listener.local_addr()?;
            let accepters: Vec<_> = (0..2)
                .map(|_| {
                    let listener = listener.clone();
                    baton::spawn(async move { listener.accept().await.map(|(_, peer)| peer) })
                })
                .collect();
            settle().await;
            let a = TcpStream::connect(addr).await?;
            let b = TcpStream::connect(addr).await?;
            let mut peers = Vec::new();
            for (i, task) in accepters.into_iter().enumerate() {
                peers.push(finish(&format!("accepter {i}"), task).await?);
            }
            peers.sort();
            let mut expected = vec![a.local_addr()?, b.local_addr()?];
            expected.sort();
            assert_eq!(peers, expected);
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn accepters_woken_for_one_connection_take_it_once_and_the_rest_wait_for_the_next() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = Rc::new(TcpListener::bind("127.0.0.1:0").await?);
            let addr = listener.local_addr()?;
            let (accepted_tx, mut accepted) = baton::channel::mpsc::unbounded();
            for _ in 0..3 {
                let listener = listener.clone();
                let accepted_tx = accepted_tx.clone();
                baton::spawn(async move {
                    let peer = listener.accept().await.map(|(_, peer)| peer);
                    let _ = accepted_tx.send(peer);
                });
            }
            settle().await;
            let mut clients = Vec::new();
            for i in 0..3 {
                // One connection at a time: every waiter is woken, one takes it, the others find
                // the queue empty and must wait again for the next.
                let client = TcpStream::connect(addr).await?;
                let peer = baton::wait_for(WAKE_LIMIT, accepted.recv())
                    .await
                    .unwrap_or_else(|_| panic!("connection {i} was never accepted"))
                    .expect("an accepter is still waiting")?;
                assert_eq!(peer, client.local_addr()?);
                settle().await;
                assert!(accepted.try_recv().is_err(), "one accept per connection");
                clients.push(client);
            }
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn two_tasks_receiving_on_one_udp_socket_both_receive() {
    bounded(LIMIT, || {
        baton::run(async {
            let server = Rc::new(UdpSocket::bind("127.0.0.1:0").await?);
            let client = UdpSocket::bind("127.0.0.1:0").await?;
            let receivers: Vec<_> = (0..2)
                .map(|_| {
                    let server = server.clone();
                    baton::spawn(async move {
                        let mut buf = [0u8; 16];
                        let (n, _) = server.recv_from(&mut buf).await?;
                        io::Result::Ok(buf[..n].to_vec())
                    })
                })
                .collect();
            settle().await;
            client.send_to(b"one", server.local_addr()?).await?;
            client.send_to(b"two", server.local_addr()?).await?;
            let mut got = Vec::new();
            for (i, task) in receivers.into_iter().enumerate() {
                got.push(finish(&format!("receiver {i}"), task).await?);
            }
            got.sort();
            assert_eq!(got, [b"one".to_vec(), b"two".to_vec()]);
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn two_tasks_accepting_on_one_unix_listener_both_accept() {
    bounded(LIMIT, || {
        let path = temp_path("two-accepters.sock");
        let p = path.clone();
        baton::run(async move {
            let listener = Rc::new(UnixListener::bind(&p)?);
            let accepters: Vec<_> = (0..2)
                .map(|_| {
                    let listener = listener.clone();
                    baton::spawn(async move { listener.accept().await.map(|_| ()) })
                })
                .collect();
            settle().await;
            let _a = UnixStream::connect(&p).await?;
            let _b = UnixStream::connect(&p).await?;
            for (i, task) in accepters.into_iter().enumerate() {
                finish(&format!("accepter {i}"), task).await?;
            }
            io::Result::Ok(())
        })
        .unwrap();
        std::fs::remove_file(&path).unwrap();
    });
}

#[test]
fn two_tasks_receiving_on_one_unix_datagram_both_receive() {
    bounded(LIMIT, || {
        baton::run(async {
            let (tx, rx) = UnixDatagram::pair()?;
            let rx = Rc::new(rx);
            let receivers: Vec<_> = (0..2)
                .map(|_| {
                    let rx = rx.clone();
                    baton::spawn(async move {
                        let mut buf = [0u8; 16];
                        let n = rx.recv(&mut buf).await?;
                        io::Result::Ok(buf[..n].to_vec())
                    })
                })
                .collect();
            settle().await;
            tx.send(b"one").await?;
            tx.send(b"two").await?;
            let mut got = Vec::new();
            for (i, task) in receivers.into_iter().enumerate() {
                got.push(finish(&format!("receiver {i}"), task).await?);
            }
            got.sort();
            assert_eq!(got, [b"one".to_vec(), b"two".to_vec()]);
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn two_tasks_sending_on_one_full_unix_datagram_both_send() {
    bounded(LIMIT, || {
        baton::run(async {
            // Fill the peer's queue through the std socket, so the next send must wait.
            let (tx, rx) = std_unix::UnixDatagram::pair()?;
            tx.set_nonblocking(true)?;
            let mut queued = 0usize;
            loop {
                match tx.send(b"filler") {
                    Ok(_) => queued += 1,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => return Err(e),
                }
            }
            let tx = Rc::new(UnixDatagram::from_std(tx)?);
            let rx = UnixDatagram::from_std(rx)?;
            let senders: Vec<_> = (0..2)
                .map(|i| {
                    let tx = tx.clone();
                    baton::spawn(
                        async move { tx.send(if i == 0 { b"last0" } else { b"last1" }).await },
                    )
                })
                .collect();
            settle().await;
            let mut buf = [0u8; 16];
            let mut last = Vec::new();
            while last.len() < 2 {
                let n = baton::wait_for(WAKE_LIMIT, rx.recv(&mut buf))
                    .await
                    .expect("a sender was never woken: its wake-up was lost")?;
                if &buf[..n] != b"filler" {
                    last.push(buf[..n].to_vec());
                } else {
                    queued -= 1;
                }
            }
            for (i, task) in senders.into_iter().enumerate() {
                assert_eq!(finish(&format!("sender {i}"), task).await?, 5);
            }
            last.sort();
            assert_eq!(last, [b"last0".to_vec(), b"last1".to_vec()]);
            assert_eq!(queued, 0, "every filler arrives before the waiting sends");
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn a_cancelled_accepter_does_not_swallow_the_wake_of_another() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = Rc::new(TcpListener::bind("127.0.0.1:0").await?);
            let addr = listener.local_addr()?;
            let spawn_accepter = || {
                let listener = listener.clone();
                baton::spawn(async move { listener.accept().await.map(|(_, peer)| peer) })
            };
            let survivor = spawn_accepter();
            settle().await;
            let cancelled = spawn_accepter();
            settle().await;
            assert!(cancelled.cancel());
            assert!(matches!(cancelled.await, Err(TaskError::Cancelled(_))));
            let client = TcpStream::connect(addr).await?;
            assert_eq!(
                finish("the surviving accepter", survivor).await?,
                client.local_addr()?
            );
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn a_timed_out_receiver_does_not_swallow_the_wake_of_another() {
    bounded(LIMIT, || {
        baton::run(async {
            let server = Rc::new(UdpSocket::bind("127.0.0.1:0").await?);
            let client = UdpSocket::bind("127.0.0.1:0").await?;
            let survivor = {
                let server = server.clone();
                baton::spawn(async move {
                    let mut buf = [0u8; 16];
                    let (n, _) = server.recv_from(&mut buf).await?;
                    io::Result::Ok(buf[..n].to_vec())
                })
            };
            settle().await;
            let impatient = {
                let server = server.clone();
                baton::spawn(async move {
                    let mut buf = [0u8; 16];
                    baton::wait_for(Duration::from_millis(20), server.recv_from(&mut buf))
                        .await
                        .is_err()
                })
            };
            assert!(impatient.await.unwrap(), "the impatient receiver timed out");
            client.send_to(b"late", server.local_addr()?).await?;
            assert_eq!(finish("the surviving receiver", survivor).await?, b"late");
            io::Result::Ok(())
        })
        .unwrap();
    });
}

/// A waker that does nothing; its `Arc`'s strong count tells how many copies are held.
struct Counting;

impl Wake for Counting {
    fn wake(self: Arc<Self>) {}
}

#[test]
fn dropped_accept_futures_leave_no_waker_behind() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let flags: Vec<Arc<Counting>> = (0..100).map(|_| Arc::new(Counting)).collect();
            for flag in &flags {
                let waker = Waker::from(flag.clone());
                let mut cx = Context::from_waker(&waker);
                let mut accept = pin!(listener.accept());
                // Polled twice by the same task: kept once.
                assert!(accept.as_mut().poll(&mut cx).is_pending());
                assert!(accept.as_mut().poll(&mut cx).is_pending());
                assert_eq!(
                    Arc::strong_count(flag),
                    3,
                    "ours, the waker, the listener's copy"
                );
            }
            for (i, flag) in flags.iter().enumerate() {
                assert_eq!(
                    Arc::strong_count(flag),
                    1,
                    "the listener still holds the waker of dropped accept {i}"
                );
            }
            io::Result::Ok(())
        })
        .unwrap();
    });
}
