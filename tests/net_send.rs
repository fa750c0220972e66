//! Sockets are `Send + Sync`: made on one loop, used from tasks of loops on other threads,
//! dropped anywhere, and failing clearly once their loop has closed; and `SO_REUSEPORT`.

mod common;

use std::future::Future;
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::Duration;

use baton::channel::oneshot;
use baton::net::{
    Accept, Bind, BindUdp, Connect, ConnectUdp, ConnectUnix, Flush, OwnedReadHalf, OwnedWriteHalf,
    Read, ReadExact, RecvDatagram, RecvFrom, SendDatagram, SendTo, TcpListener, TcpStream,
    UdpSocket, UnixAccept, UnixDatagram, UnixListener, UnixRecvFrom, UnixSendTo, UnixStream, Write,
    WriteAll,
};
use baton::streams::OpenConnection;
use baton::EventLoop;
use common::bounded;

const LIMIT: Duration = Duration::from_secs(20);

fn assert_send_sync<T: Send + Sync>() {}
fn assert_send<T: Send>() {}

#[test]
fn sockets_halves_and_their_futures_are_send_and_sync() {
    assert_send_sync::<TcpStream>();
    assert_send_sync::<TcpListener>();
    assert_send_sync::<UdpSocket>();
    assert_send_sync::<UnixStream>();
    assert_send_sync::<UnixListener>();
    assert_send_sync::<UnixDatagram>();
    assert_send_sync::<OwnedReadHalf>();
    assert_send_sync::<OwnedWriteHalf>();
    assert_send_sync::<OwnedReadHalf<UnixStream>>();
    assert_send_sync::<OwnedWriteHalf<UnixStream>>();
    // The futures of `&self` and `&mut self` methods borrow the socket: `Send` and `Sync`.
    assert_send_sync::<Accept<'static>>();
    assert_send_sync::<UnixAccept<'static>>();
    assert_send_sync::<RecvDatagram<'static>>();
    assert_send_sync::<SendDatagram<'static>>();
    assert_send_sync::<RecvFrom<'static>>();
    assert_send_sync::<SendTo<'static>>();
    assert_send_sync::<UnixRecvFrom<'static>>();
    assert_send_sync::<UnixSendTo<'static>>();
    assert_send_sync::<Read<'static, TcpStream>>();
    assert_send_sync::<ReadExact<'static, TcpStream>>();
    assert_send_sync::<Write<'static, TcpStream>>();
    assert_send_sync::<WriteAll<'static, TcpStream>>();
    assert_send_sync::<Flush<'static, TcpStream>>();
    assert_send_sync::<baton::io::Readiness<'static>>();
    assert_send_sync::<baton::net::Peek<'static>>();
    assert_send_sync::<baton::net::PeekFrom<'static>>();
    assert_send_sync::<baton::net::SendFile<'static>>();
    assert_send_sync::<baton::streams::WriterSendFile<'static, TcpStream>>();
    assert_send_sync::<baton::streams::WriterSendFile<'static, UnixStream>>();
    assert_send_sync::<baton::io::Async<std::fs::File>>();
    // The boxed futures of the cold paths are `Send` (a boxed `dyn Future` is not `Sync`).
    assert_send::<Bind>();
    assert_send::<Connect>();
    assert_send::<BindUdp>();
    assert_send::<ConnectUdp>();
    assert_send::<ConnectUnix>();
    assert_send::<OpenConnection>();
    // asyncio's streams over them.
    // A reader boxes its transport as `dyn AsyncRead + Send`: `Send`, and `&mut`-only anyway.
    assert_send::<baton::StreamReader>();
    assert_send_sync::<baton::StreamWriter>();
    assert_send_sync::<baton::StreamWriter<OwnedWriteHalf<UnixStream>>>();
    assert_send_sync::<baton::streams::StreamFeeder>();
    assert_send::<baton::streams::ReadLine<'static>>();
    assert_send_sync::<baton::Server>();
    assert_send_sync::<baton::streams::ServerClose<'static>>();
    assert_send_sync::<baton::streams::ServerWaitClosed<'static>>();
    assert_send_sync::<baton::streams::ServeForever<'static>>();
    assert_send_sync::<baton::streams::WriterDrain<'static>>();
}

#[test]
#[cfg_attr(miri, ignore = "real sockets and threads")]
fn a_stream_reader_and_writer_made_on_one_loop_work_from_another_thread() {
    let _serial = serial();
    bounded(LIMIT, || {
        let (loop_a, (reader, writer, peer)) = LoopThread::start(|| async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let (reader, writer) = baton::open_connection(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (peer, _) = listener.accept().await.unwrap();
            (reader, writer, peer)
        });
        std::thread::spawn(move || {
            baton::run(async move {
                let (mut reader, mut writer, mut peer) = (reader, writer, peer);
                // Buffered past what the socket takes at once: the flusher runs on this loop.
                let big = vec![b'x'; 4 << 20];
                writer.write(&big);
                writer.write(b"\n");
                let drain = async { writer.drain().await.unwrap() };
                let echo = async {
                    let mut got = vec![0; big.len() + 1];
                    peer.read_exact(&mut got).await.unwrap();
                    peer.write_all(b"line\n").await.unwrap();
                };
                baton::gather!(drain, echo).await;
                assert_eq!(reader.readline().await.unwrap(), b"line\n");
                writer.close().await.unwrap();
            })
        })
        .join()
        .unwrap();
        loop_a.close();
    });
}

/// The tests here count descriptors and pend on shared sockets: one at a time.
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// A loop running on its own thread until `stop` is sent (or dropped); `make` runs on it first,
/// and what it makes comes back.
struct LoopThread {
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl LoopThread {
    fn start<T, F, Fut>(make: F) -> (LoopThread, T)
    where
        T: Send + 'static,
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = T> + 'static,
    {
        let (made_tx, made_rx) = mpsc::channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let mut lp = EventLoop::new().unwrap();
            lp.run_until_complete(async move {
                made_tx.send(make().await).unwrap();
                let _ = stopped.await;
            });
            // Dropping `lp` here closes the loop.
        });
        let made = made_rx
            .recv()
            .expect("the loop thread failed to make its sockets");
        let lt = LoopThread {
            stop: Some(stop),
            thread: Some(thread),
        };
        (lt, made)
    }

    /// Stops the loop and waits until it is closed (dropped).
    fn close(mut self) {
        self.close_now();
    }

    fn close_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

impl Drop for LoopThread {
    fn drop(&mut self) {
        self.close_now();
    }
}

/// Reports (once) when the wrapped future first returns `Pending`: it is then waiting.
struct SignalPending<F> {
    inner: Pin<Box<F>>,
    signal: Option<mpsc::Sender<()>>,
}

fn signal_pending<F: Future>(inner: F, signal: mpsc::Sender<()>) -> SignalPending<F> {
    SignalPending {
        inner: Box::pin(inner),
        signal: Some(signal),
    }
}

impl<F: Future> Future for SignalPending<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let r = self.inner.as_mut().poll(cx);
        if r.is_pending() {
            if let Some(signal) = self.signal.take() {
                let _ = signal.send(());
            }
        }
        r
    }
}

#[test]
#[cfg_attr(miri, ignore = "real sockets and threads")]
fn a_connection_made_on_one_loop_round_trips_from_a_task_of_a_loop_on_another_thread() {
    let _serial = serial();
    bounded(LIMIT, || {
        let (loop_a, (client, server)) = LoopThread::start(|| async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let client = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (server, _) = listener.accept().await.unwrap();
            (client, server)
        });
        // Loop B, on this thread: both ends are registered with loop A.
        baton::run(async move {
            let (mut server_rd, mut server_wr) = server.split();
            // The server echoes from its own task on loop B, the read half waiting first.
            let echo = baton::spawn(async move {
                let mut buf = [0; 5];
                server_rd.read_exact(&mut buf).await.unwrap();
                server_wr.write_all(&buf).await.unwrap();
            });
            let mut client = client;
            baton::yield_now().await; // the echo task now waits to read
            client.write_all(b"hello").await.unwrap();
            let mut back = [0; 5];
            client.read_exact(&mut back).await.unwrap();
            assert_eq!(&back, b"hello");
            echo.await.unwrap();
        });
        loop_a.close();
    });
}

#[test]
#[cfg_attr(miri, ignore = "real sockets and threads")]
fn a_stream_moves_between_loops_and_keeps_working() {
    let _serial = serial();
    bounded(LIMIT, || {
        let (loop_a, (client, mut server)) = LoopThread::start(|| async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let client = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (server, _) = listener.accept().await.unwrap();
            (client, server)
        });
        // Loop B reads once, then hands the stream to loop C on a third thread.
        let client = std::thread::spawn(move || {
            baton::run(async move {
                let mut client = client;
                let mut b = [0; 1];
                client.read_exact(&mut b).await.unwrap();
                assert_eq!(b[0], b'1');
                client
            })
        });
        std::thread::spawn(move || {
            baton::run(async move {
                server.write_all(b"1").await.unwrap();
                let mut client = client.join().unwrap();
                let (pending_tx, pending_rx) = mpsc::channel();
                let reader = std::thread::spawn(move || {
                    baton::run(async move {
                        let mut b = [0; 1];
                        signal_pending(client.read_exact(&mut b), pending_tx)
                            .await
                            .unwrap();
                        b[0]
                    })
                });
                // Loop C's read waits (readiness from loop A) before the byte is sent.
                pending_rx.recv().unwrap();
                server.write_all(b"2").await.unwrap();
                assert_eq!(reader.join().unwrap(), b'2');
            })
        })
        .join()
        .unwrap();
        loop_a.close();
    });
}

#[test]
#[cfg_attr(miri, ignore = "real sockets and threads")]
fn every_task_on_every_thread_awaiting_accept_on_one_shared_listener_is_woken() {
    const THREADS: usize = 4;
    let _serial = serial();
    bounded(LIMIT, || {
        let (loop_a, listener) =
            LoopThread::start(|| async { TcpListener::bind("127.0.0.1:0").await.unwrap() });
        let listener = Arc::new(listener);
        let addr = listener.local_addr().unwrap();
        let (pending_tx, pending_rx) = mpsc::channel();
        let acceptors: Vec<_> = (0..THREADS)
            .map(|_| {
                let listener = listener.clone();
                let pending = pending_tx.clone();
                std::thread::spawn(move || {
                    baton::run(async move {
                        let (conn, peer) =
                            signal_pending(listener.accept(), pending).await.unwrap();
                        assert_eq!(conn.peer_addr().unwrap(), peer);
                        peer
                    })
                })
            })
            .collect();
        // Every accept waits before any connection arrives: one edge must wake them all.
        for _ in 0..THREADS {
            pending_rx.recv().unwrap();
        }
        let clients: Vec<_> = (0..THREADS)
            .map(|_| std::net::TcpStream::connect(addr).unwrap())
            .collect();
        let mut peers: Vec<_> = acceptors.into_iter().map(|t| t.join().unwrap()).collect();
        let mut expected: Vec<_> = clients.iter().map(|c| c.local_addr().unwrap()).collect();
        peers.sort();
        expected.sort();
        assert_eq!(peers, expected);
        drop(listener);
        loop_a.close();
    });
}

#[test]
#[cfg_attr(miri, ignore = "real sockets and threads")]
fn every_task_on_every_thread_awaiting_recv_on_one_shared_socket_gets_a_datagram() {
    const THREADS: usize = 4;
    let _serial = serial();
    bounded(LIMIT, || {
        let (loop_a, socket) =
            LoopThread::start(|| async { UdpSocket::bind("127.0.0.1:0").await.unwrap() });
        let socket = Arc::new(socket);
        let addr = socket.local_addr().unwrap();
        let (pending_tx, pending_rx) = mpsc::channel();
        let receivers: Vec<_> = (0..THREADS)
            .map(|_| {
                let socket = socket.clone();
                let pending = pending_tx.clone();
                std::thread::spawn(move || {
                    baton::run(async move {
                        let mut buf = [0; 8];
                        let (n, _) = signal_pending(socket.recv_from(&mut buf), pending)
                            .await
                            .unwrap();
                        buf[..n].to_vec()
                    })
                })
            })
            .collect();
        for _ in 0..THREADS {
            pending_rx.recv().unwrap();
        }
        let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        for i in 0..THREADS {
            sender.send_to(&[i as u8], addr).unwrap();
        }
        let mut got: Vec<_> = receivers.into_iter().map(|t| t.join().unwrap()).collect();
        got.sort();
        let expected: Vec<_> = (0..THREADS).map(|i| vec![i as u8]).collect();
        assert_eq!(got, expected);
        drop(socket);
        loop_a.close();
    });
}

#[test]
#[cfg_attr(miri, ignore = "real sockets and threads")]
fn a_socket_dropped_on_another_thread_deregisters_and_its_descriptor_serves_a_new_socket() {
    let _serial = serial();
    bounded(LIMIT, || {
        let (loop_a, (socket, handle)) = LoopThread::start(|| async {
            let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            (socket, baton::get_running_loop())
        });
        let fd = socket.as_raw_fd();
        std::thread::spawn(move || drop(socket)).join().unwrap();
        // The next descriptor this process opens is the lowest free one: the one just freed
        // (the tests of this file run one at a time).
        let std_socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        assert_eq!(std_socket.as_raw_fd(), fd, "the descriptor was not freed");
        let addr = std_socket.local_addr().unwrap();
        // Registered with loop A again, under the same descriptor.
        let adopt = handle.spawn(async move { UdpSocket::from_std(std_socket) });
        baton::run(async move {
            let reused = adopt.await.unwrap().unwrap();
            assert_eq!(reused.as_raw_fd(), fd);
            let sender = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let mut buf = [0; 8];
            // Nothing queued yet: the receive waits for loop A's reactor to report the datagram.
            let (pending_tx, pending_rx) = mpsc::channel();
            let recv = signal_pending(reused.recv_from(&mut buf), pending_tx);
            let send = async {
                while pending_rx.try_recv().is_err() {
                    baton::yield_now().await;
                }
                sender.send_to(b"again", addr).await.unwrap();
            };
            let (received, ()) = baton::gather!(recv, send).await;
            let (n, from) = received.unwrap();
            assert_eq!(&buf[..n], b"again");
            assert_eq!(from, sender.local_addr().unwrap());
        });
        loop_a.close();
    });
}

#[test]
#[cfg_attr(miri, ignore = "real sockets and threads")]
fn operations_on_a_socket_whose_loop_closed_fail_with_a_clear_error_instead_of_hanging() {
    let _serial = serial();
    bounded(LIMIT, || {
        let (loop_a, (socket, peer)) = LoopThread::start(|| async {
            let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            a.connect(b.local_addr().unwrap()).await.unwrap();
            b.connect(a.local_addr().unwrap()).await.unwrap();
            (a, b)
        });
        let socket = Arc::new(socket);
        let (pending_tx, pending_rx) = mpsc::channel();
        // A receive waiting on loop B's thread while loop A closes.
        let waiting = {
            let socket = socket.clone();
            std::thread::spawn(move || {
                baton::run(async move {
                    let mut buf = [0; 8];
                    signal_pending(socket.recv(&mut buf), pending_tx).await
                })
            })
        };
        pending_rx.recv().unwrap();
        loop_a.close();
        let err = waiting.join().unwrap().unwrap_err();
        assert!(
            err.to_string()
                .contains("the event loop this socket was registered with has closed"),
            "{err}"
        );
        // And a later operation, even one the readiness would let through, fails the same way.
        baton::run(async move {
            let err = peer.send(b"x").await.unwrap_err();
            assert!(err.to_string().contains("has closed"), "{err}");
            let mut buf = [0; 8];
            let err = socket.recv(&mut buf).await.unwrap_err();
            assert!(err.to_string().contains("has closed"), "{err}");
        });
    });
}

#[test]
#[cfg_attr(miri, ignore = "real sockets")]
fn listeners_bound_with_reuse_port_share_the_port_and_both_accept() {
    let _serial = serial();
    bounded(LIMIT, || {
        baton::run(async {
            let first = TcpListener::bind_reuse_port("127.0.0.1:0").await.unwrap();
            let addr = first.local_addr().unwrap();
            let second = TcpListener::bind_reuse_port(addr).await.unwrap();
            // The kernel spreads connections by a hash of the peer: connect until each listener
            // has accepted one.
            let (accepted_tx, mut accepted) = baton::channel::mpsc::unbounded();
            let acceptors: Vec<_> = [(0, first), (1, second)]
                .into_iter()
                .map(|(which, listener)| {
                    let accepted_tx = accepted_tx.clone();
                    baton::spawn(async move {
                        loop {
                            let (conn, _) = listener.accept().await.unwrap();
                            if accepted_tx.send((which, conn)).is_err() {
                                break;
                            }
                        }
                    })
                })
                .collect();
            let mut clients = Vec::new();
            let mut by = [0; 2];
            while by[0] == 0 || by[1] == 0 {
                assert!(
                    clients.len() < 256,
                    "the kernel never used one of the listeners"
                );
                clients.push(TcpStream::connect(addr).await.unwrap());
                let (which, _conn) = accepted.recv().await.unwrap();
                by[which] += 1;
            }
            for acceptor in acceptors {
                acceptor.cancel();
            }
        });
    });
}

#[test]
#[cfg_attr(miri, ignore = "real sockets")]
fn without_reuse_port_a_second_bind_of_the_port_fails_with_addr_in_use() {
    let _serial = serial();
    bounded(LIMIT, || {
        baton::run(async {
            let first = TcpListener::bind_reuse_port("127.0.0.1:0").await.unwrap();
            let addr = first.local_addr().unwrap();
            let err = TcpListener::bind(addr).await.unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
            let plain = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let err = TcpListener::bind_reuse_port(plain.local_addr().unwrap())
                .await
                .unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
        });
    });
}

#[test]
#[cfg_attr(miri, ignore = "real sockets")]
fn servers_started_with_reuse_port_share_the_port() {
    let _serial = serial();
    bounded(LIMIT, || {
        baton::run(async {
            let options = baton::streams::ServerOptions::new().reuse_port(true);
            let a = options
                .start_server(|_r, _w| async {}, "127.0.0.1:0")
                .await
                .unwrap();
            let addr = a.local_addr().unwrap();
            let b = options.start_server(|_r, _w| async {}, addr).await.unwrap();
            assert_eq!(b.local_addr().unwrap(), addr);
            let err = baton::streams::ServerOptions::new()
                .start_server(|_r, _w| async {}, addr)
                .await
                .unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
            a.close().await;
            b.close().await;
        });
    });
}

#[test]
#[cfg_attr(miri, ignore = "real sockets and threads")]
fn a_server_started_on_one_loop_is_started_and_closed_from_another_thread() {
    let _serial = serial();
    bounded(LIMIT, || {
        let (loop_a, server) = LoopThread::start(|| async {
            // A `!Send` handler: it stays on loop A, whoever drives the server.
            let greeting = std::rc::Rc::new(*b"hi\n");
            baton::streams::ServerOptions::new()
                .start_serving(false)
                .start_server(
                    move |_r, mut w| {
                        let greeting = greeting.clone();
                        async move {
                            w.write(&greeting[..]);
                            let _ = w.drain().await;
                        }
                    },
                    "127.0.0.1:0",
                )
                .await
                .unwrap()
        });
        baton::run(async move {
            assert!(!server.is_serving());
            server.start_serving().unwrap();
            let addr = server.local_addr().unwrap();
            let (mut reader, _w) = baton::open_connection(addr).await.unwrap();
            assert_eq!(reader.readline().await.unwrap(), b"hi\n");
            server.close().await;
            server.wait_closed().await;
            // The listening socket is closed: nothing accepts any more.
            assert!(TcpStream::connect(addr).await.is_err());
        });
        loop_a.close();
    });
}
