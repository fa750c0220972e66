//! The cooperative budget: a task whose I/O (or channel, or primitive) is always ready still
//! yields to the loop, so timers and other tasks keep their latency. These tests use real sockets
//! and the real clock (a firehose needs a real peer). A starved loop shows in every round: the
//! sleeper wakes only when the busy task stops, so the test hangs until `bounded` fails it. A
//! loaded machine shows in a few rounds: the process is descheduled now and then. So the tests
//! bound the *median* lateness tightly and the worst one loosely. The firehose does not always
//! outrun its reader, so one test also asks the same question without a clock: a reader of a
//! socket that holds more than a budget of reads lets the next task run before it finishes.

mod common;

use baton::net::{TcpListener, TcpStream};
use baton::{sleep, spawn, EventLoop, StreamReader};
use common::bounded;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How late a sleeper may wake in a typical round (the median). Without the budget it wakes only
/// when the busy task stops; with it, within one budget's worth of work (well under a
/// millisecond on an idle machine).
const MEDIAN_LATENESS_BOUND: Duration = Duration::from_millis(100);

/// How late a sleeper may wake in its worst round: loose, since a shared machine may stop this
/// process for a while in any round.
const WORST_LATENESS_BOUND: Duration = Duration::from_secs(2);

/// How late something was, round by round.
struct Lateness(Vec<Duration>);

impl Lateness {
    fn median(&self) -> Duration {
        let mut sorted = self.0.clone();
        sorted.sort();
        sorted[sorted.len() / 2]
    }

    fn worst(&self) -> Duration {
        self.0.iter().copied().max().unwrap_or_default()
    }

    /// Panics naming `what` when a round was too late.
    fn assert_within_bounds(&self, what: &str) {
        assert!(
            self.median() < MEDIAN_LATENESS_BOUND && self.worst() < WORST_LATENESS_BOUND,
            "{what}: median {:?}, worst {:?} late (rounds: {:?})",
            self.median(),
            self.worst(),
            self.0
        );
    }
}

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

/// Sleeps 10 ms `rounds` times and returns how late each wake was.
async fn sleep_lateness(rounds: usize) -> Lateness {
    let mut late = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let start = Instant::now();
        sleep(Duration::from_millis(10)).await;
        late.push(start.elapsed().saturating_sub(Duration::from_millis(10)));
    }
    Lateness(late)
}

#[test]
fn a_sleeper_keeps_its_time_while_a_task_reads_a_socket_that_is_always_full() {
    bounded(Duration::from_secs(60), || {
        let mut lp = EventLoop::new().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let (late, read) = lp.run_until_complete(async {
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
            let late = sleep_lateness(20).await;
            stop.store(true, Ordering::Relaxed);
            (late, reader.await.unwrap())
        });
        assert!(read > 0, "the firehose was served");
        late.assert_within_bounds("a 10 ms sleeper beside a busy socket");
    });
}

#[test]
fn a_sleeper_keeps_its_time_while_a_task_reads_lines_from_a_firehose() {
    bounded(Duration::from_secs(60), || {
        let mut lp = EventLoop::new().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let (late, lines) = lp.run_until_complete(async {
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
            let late = sleep_lateness(20).await;
            stop.store(true, Ordering::Relaxed);
            (late, reader.await.unwrap())
        });
        assert!(lines > 0, "the firehose was served");
        late.assert_within_bounds("a 10 ms sleeper beside a readline loop");
    });
}

#[test]
fn a_second_client_is_served_while_the_first_floods_the_server() {
    bounded(Duration::from_secs(60), || {
        let mut lp = EventLoop::new().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let round_trips = lp.run_until_complete(async {
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
            let mut took = Vec::with_capacity(20);
            let mut buf = [0u8; 8];
            for _ in 0..20 {
                let start = Instant::now();
                client.write_all(b"ping").await.unwrap();
                client.read_exact(&mut buf[..4]).await.unwrap();
                assert_eq!(&buf[..4], b"pong");
                took.push(start.elapsed());
            }
            stop.store(true, Ordering::Relaxed);
            server.cancel();
            Lateness(took)
        });
        round_trips
            .assert_within_bounds("a ping round trip while another client floods the server");
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
        let (late, rounds) = bounded(Duration::from_secs(30), move || {
            let mut lp = EventLoop::new().unwrap();
            lp.run_until_complete(async move {
                let stop = std::rc::Rc::new(std::cell::Cell::new(false));
                let task = spawn(busy.run(stop.clone()));
                let late = sleep_lateness(10).await;
                stop.set(true);
                (late, task.await.unwrap())
            })
        });
        assert!(rounds > 0, "{busy:?}: the busy task ran");
        late.assert_within_bounds(&format!("{busy:?}: a 10 ms sleeper beside it"));
    }
}

/// A connected pair whose accepted end already holds `bytes` of data and then end-of-file: the
/// peer wrote it all and closed before this returns, so a reader never finds the socket empty
/// until it has read everything.
async fn socket_holding(bytes: &[u8]) -> TcpStream {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    // Fits the kernel's buffers (64 KiB here): the blocking write returns at once.
    peer.write_all(bytes).unwrap();
    drop(peer);
    let (conn, _) = listener.accept().await.unwrap();
    conn
}

/// How much of a fixed amount of work `busy` had done when a task spawned right after it first
/// ran. Without a budget, `busy` (never seeing `Pending`) finishes everything first.
fn progress_seen_by_a_later_task<F>(
    busy: impl FnOnce(std::rc::Rc<std::cell::Cell<u64>>) -> F + Send + 'static,
) -> (u64, u64)
where
    F: std::future::Future<Output = u64> + 'static,
{
    bounded(Duration::from_secs(30), move || {
        let mut lp = EventLoop::new().unwrap();
        lp.run_until_complete(async move {
            let progress = std::rc::Rc::new(std::cell::Cell::new(0u64));
            let busy = spawn(busy(progress.clone()));
            let seen = spawn(async move { progress.get() }).await.unwrap();
            (seen, busy.await.unwrap())
        })
    })
}

#[test]
fn a_task_reading_a_socket_that_stays_ready_lets_the_next_task_run_before_it_has_read_it_all() {
    let (seen, total) = progress_seen_by_a_later_task(|progress| async move {
        let data = vec![7u8; 64 * 1024];
        let mut conn = socket_holding(&data).await;
        // One byte per read: 65 536 reads, every one of them ready at once.
        let mut byte = [0u8; 1];
        while conn.read(&mut byte).await.unwrap() == 1 {
            progress.set(progress.get() + 1);
        }
        progress.get()
    });
    assert_eq!(total, 64 * 1024);
    assert!(
        seen < total,
        "the next task first ran after all {total} reads: the reader never gave way"
    );
}
