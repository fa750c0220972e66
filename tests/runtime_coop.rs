//! The cooperative budget: a task whose I/O (or channel, or primitive) is always ready still
//! yields to the loop, so timers and other tasks keep their latency. These tests use real sockets
//! and the real clock (a firehose needs a real peer); their bounds are generous for a loaded
//! machine, and far below the seconds a starved loop shows.

mod common;

use baton::net::{TcpListener, TcpStream};
use baton::{sleep, spawn, EventLoop, StreamReader};
use common::bounded;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How late a sleeper on a starved loop may wake, at most, in these tests. Without the budget it
/// wakes seconds late (or only when the firehose stops).
const LATENESS_BOUND: Duration = Duration::from_millis(100);

/// A thread that writes `chunk` to `addr` as fast as the socket takes it, until `stop`.
fn firehose(addr: std::net::SocketAddr, chunk: Vec<u8>, stop: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        let mut peer = std::net::TcpStream::connect(addr).unwrap();
        while !stop.load(Ordering::Relaxed) {
            if peer.write_all(&chunk).is_err() {
                break;
            }
        }
    });
}

/// Sleeps 10 ms `rounds` times and returns the worst lateness.
async fn worst_lateness(rounds: usize) -> Duration {
    let mut worst = Duration::ZERO;
    for _ in 0..rounds {
        let start = Instant::now();
        sleep(Duration::from_millis(10)).await;
        worst = worst.max(start.elapsed().saturating_sub(Duration::from_millis(10)));
    }
    worst
}

#[test]
fn a_sleeper_keeps_its_time_while_a_task_reads_a_socket_that_is_always_full() {
    bounded(Duration::from_secs(60), || {
        let mut lp = EventLoop::new().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let (worst, read) = lp.run_until_complete(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            firehose(
                listener.local_addr().unwrap(),
                vec![7; 64 * 1024],
                stop.clone(),
            );
            let (mut conn, _) = listener.accept().await.unwrap();
            let reader = spawn(async move {
                // Small reads: each fills its buffer, so the socket never looks drained.
                let mut buf = [0u8; 1024];
                let mut total = 0u64;
                loop {
                    match conn.read(&mut buf).await {
                        Ok(0) | Err(_) => return total,
                        Ok(n) => total += n as u64,
                    }
                }
            });
            sleep(Duration::from_millis(50)).await; // the firehose is flowing
            let worst = worst_lateness(20).await;
            stop.store(true, Ordering::Relaxed);
            (worst, reader.await.unwrap())
        });
        assert!(read > 0, "the firehose was served");
        assert!(
            worst < LATENESS_BOUND,
            "a 10 ms sleeper woke {worst:?} late beside a busy socket"
        );
    });
}

#[test]
fn a_sleeper_keeps_its_time_while_a_task_reads_lines_from_a_firehose() {
    bounded(Duration::from_secs(60), || {
        let mut lp = EventLoop::new().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let (worst, lines) = lp.run_until_complete(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let line = b"a line of the firehose, as a chatty peer would send it\n".repeat(1000);
            firehose(listener.local_addr().unwrap(), line, stop.clone());
            let (conn, _) = listener.accept().await.unwrap();
            let reader = spawn(async move {
                let mut reader = StreamReader::new(conn);
                let mut lines = 0u64;
                while let Ok(line) = reader.readline().await {
                    if line.is_empty() {
                        break;
                    }
                    lines += 1;
                }
                lines
            });
            sleep(Duration::from_millis(50)).await;
            let worst = worst_lateness(20).await;
            stop.store(true, Ordering::Relaxed);
            (worst, reader.await.unwrap())
        });
        assert!(lines > 0, "the firehose was served");
        assert!(
            worst < LATENESS_BOUND,
            "a 10 ms sleeper woke {worst:?} late beside a readline loop"
        );
    });
}

#[test]
fn a_second_client_is_served_while_the_first_floods_the_server() {
    bounded(Duration::from_secs(60), || {
        let mut lp = EventLoop::new().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let worst = lp.run_until_complete(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            // The server: one task per connection, answering each `ping` with a `pong` (the
            // flood has none: it is read and discarded).
            let server = spawn(async move {
                loop {
                    let (mut conn, _) = listener.accept().await.unwrap();
                    conn.set_nodelay(true).unwrap();
                    drop(spawn(async move {
                        let mut buf = [0u8; 1024];
                        while let Ok(n) = conn.read(&mut buf).await {
                            if n == 0 {
                                break;
                            }
                            if buf[..n].starts_with(b"ping")
                                && conn.write_all(b"pong").await.is_err()
                            {
                                break;
                            }
                        }
                    }));
                }
            });
            firehose(addr, vec![1; 64 * 1024], stop.clone());
            sleep(Duration::from_millis(50)).await;
            let mut client = TcpStream::connect(addr).await.unwrap();
            client.set_nodelay(true).unwrap();
            let mut worst = Duration::ZERO;
            let mut buf = [0u8; 8];
            for _ in 0..20 {
                let start = Instant::now();
                client.write_all(b"ping").await.unwrap();
                client.read_exact(&mut buf[..4]).await.unwrap();
                assert_eq!(&buf[..4], b"pong");
                worst = worst.max(start.elapsed());
            }
            stop.store(true, Ordering::Relaxed);
            server.cancel();
            worst
        });
        assert!(
            worst < LATENESS_BOUND,
            "a round trip took {worst:?} while another client flooded the server"
        );
    });
}

/// What a busy task does in a loop that is always ready, never touching a socket.
#[derive(Clone, Copy, Debug)]
enum Busy {
    Channel,
    Queue,
    Lock,
    Event,
}

impl Busy {
    /// Runs one kind of always-ready loop until `stop`; returns how many rounds it made.
    async fn run(self, stop: std::rc::Rc<std::cell::Cell<bool>>) -> u64 {
        let mut rounds = 0u64;
        match self {
            Busy::Channel => {
                let (tx, mut rx) = baton::channel::mpsc::channel(16);
                while !stop.get() {
                    tx.send(rounds).await.unwrap();
                    rx.recv().await.unwrap();
                    rounds += 1;
                }
            }
            Busy::Queue => {
                let queue = baton::queue::Queue::new(16);
                while !stop.get() {
                    queue.put(rounds).await.unwrap();
                    queue.get().await.unwrap();
                    rounds += 1;
                }
            }
            Busy::Lock => {
                let lock = baton::sync::Lock::new(0u64);
                while !stop.get() {
                    *lock.lock().await += 1;
                    rounds += 1;
                }
            }
            Busy::Event => {
                let event = baton::sync::Event::new();
                event.set();
                while !stop.get() {
                    event.wait().await;
                    rounds += 1;
                }
            }
        }
        rounds
    }
}

#[test]
fn a_sleeper_keeps_its_time_beside_a_task_whose_channel_queue_lock_or_event_is_always_ready() {
    for busy in [Busy::Channel, Busy::Queue, Busy::Lock, Busy::Event] {
        let (worst, rounds) = bounded(Duration::from_secs(30), move || {
            let mut lp = EventLoop::new().unwrap();
            lp.run_until_complete(async move {
                let stop = std::rc::Rc::new(std::cell::Cell::new(false));
                let task = spawn(busy.run(stop.clone()));
                let worst = worst_lateness(10).await;
                stop.set(true);
                (worst, task.await.unwrap())
            })
        });
        assert!(rounds > 0, "{busy:?}: the busy task ran");
        assert!(
            worst < LATENESS_BOUND,
            "{busy:?}: a 10 ms sleeper woke {worst:?} late beside it"
        );
    }
}
