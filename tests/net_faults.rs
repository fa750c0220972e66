//! Bad input and faults from issue 3, one test each. Loopback only; every test is bounded.

mod common;

use std::cell::Cell;
use std::io::{self, BufRead, BufReader};
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use baton::net::{TcpListener, TcpStream};
use baton::streams::{IncompleteReadError, LimitOverrunError};
use baton::{open_connection, start_server, StreamReader, StreamWriter};
use common::bounded;
use socket2::SockRef;

const LIMIT: Duration = Duration::from_secs(30);

/// Closes `stream` with an RST instead of a FIN (`SO_LINGER` 0).
fn reset(stream: TcpStream) {
    SockRef::from(&stream)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    drop(stream);
}

/// An echo server on streams; each handler reports how its connection ended.
async fn echo_server(
    ended: Rc<std::cell::RefCell<Vec<io::Result<()>>>>,
) -> io::Result<baton::Server> {
    start_server(
        move |mut r: StreamReader, mut w: StreamWriter| {
            let ended = ended.clone();
            async move {
                let result = async {
                    loop {
                        let line = r.readline().await?;
                        if line.is_empty() {
                            return Ok(());
                        }
                        w.write(&line);
                        w.drain().await?;
                    }
                }
                .await;
                ended.borrow_mut().push(result);
            }
        },
        "127.0.0.1:0",
    )
    .await
}

#[test]
fn peer_reset_mid_read_fails_only_that_connection() {
    bounded(LIMIT, || {
        baton::run(async {
            let ended = Rc::default();
            let server = echo_server(Rc::clone(&ended)).await?;
            let addr = server.local_addr()?;
            let (mut r_ok, mut w_ok) = open_connection(addr).await?;

            // A half-sent line, then a reset: the server is inside readline when it hits.
            let mut bad = TcpStream::connect(addr).await?;
            bad.write_all(b"half a li").await?;
            baton::sleep(Duration::from_millis(20)).await;
            reset(bad);
            while ended.borrow().is_empty() {
                baton::sleep(Duration::from_millis(5)).await;
            }
            let err = ended.borrow_mut().remove(0).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);

            // The other connection and the server carry on.
            w_ok.write(b"still here\n");
            w_ok.drain().await?;
            assert_eq!(r_ok.readline().await?, b"still here\n");
            let (mut r2, mut w2) = open_connection(addr).await?;
            w2.write(b"new\n");
            w2.drain().await?;
            assert_eq!(r2.readline().await?, b"new\n");
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn peer_reset_mid_write_fails_only_that_connection() {
    bounded(LIMIT, || {
        baton::run(async {
            // The server streams data until the writer fails.
            let outcome: Rc<std::cell::RefCell<Vec<io::Error>>> = Rc::default();
            let o = outcome.clone();
            let server = start_server(
                move |mut r: StreamReader, mut w: StreamWriter| {
                    let o = o.clone();
                    async move {
                        let Ok(line) = r.readline().await else { return };
                        if line == b"flood\n" {
                            let chunk = vec![b'x'; 16 * 1024];
                            loop {
                                w.write(&chunk);
                                if let Err(e) = w.drain().await {
                                    o.borrow_mut().push(e);
                                    return;
                                }
                            }
                        }
                        w.write(&line);
                        let _ = w.drain().await;
                    }
                },
                "127.0.0.1:0",
            )
            .await?;
            let addr = server.local_addr()?;

            let mut victim = TcpStream::connect(addr).await?;
            victim.write_all(b"flood\n").await?;
            let mut buf = vec![0u8; 64 * 1024];
            victim.read_exact(&mut buf).await?; // the flood is under way
            reset(victim);
            let start = Instant::now();
            while outcome.borrow().is_empty() {
                assert!(
                    start.elapsed() < Duration::from_secs(10),
                    "writer never failed"
                );
                baton::sleep(Duration::from_millis(5)).await;
            }
            let kind = outcome.borrow()[0].kind();
            assert!(
                matches!(
                    kind,
                    io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
                ),
                "{kind:?}"
            );

            let (mut r, mut w) = open_connection(addr).await?;
            w.write(b"echo\n");
            w.drain().await?;
            assert_eq!(r.readline().await?, b"echo\n");
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn eof_in_the_middle_of_readexactly_hands_back_the_partial_bytes() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let (mut r, _w) = open_connection(listener.local_addr()?).await?;
            let (mut conn, _) = listener.accept().await?;
            conn.write_all(b"only seven").await?;
            drop(conn);
            let err = r.readexactly(100).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
            assert!(err.to_string().contains("10 of 100"), "{err}");
            let inc = IncompleteReadError::from_io(err).unwrap();
            assert_eq!(inc.partial, b"only seven");
            assert_eq!(inc.expected, Some(100));
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn a_line_longer_than_the_limit_is_a_clear_error_not_a_big_buffer() {
    bounded(LIMIT, || {
        baton::run(async {
            let server = start_server(
                |mut r: StreamReader, mut w: StreamWriter| async move {
                    match r.readline().await {
                        Err(e) => {
                            let msg = format!("ERR {}\n", e);
                            assert!(LimitOverrunError::from_io(e).is_some());
                            w.write(msg.as_bytes());
                        }
                        Ok(line) => w.write(&line),
                    }
                    let _ = w.close().await;
                },
                "127.0.0.1:0",
            )
            .await?;
            let addr = server.local_addr()?;
            let (mut r, mut w) = open_connection(addr).await?;
            w.write(&vec![b'a'; 1 << 20]); // 1 MiB, no newline; the limit is 64 KiB
            let reply = r.readline().await?;
            let reply = String::from_utf8(reply).unwrap();
            assert!(
                reply.starts_with("ERR separator not found within"),
                "{reply}"
            );
            assert!(reply.contains("65536"), "{reply}");

            // Other clients are served normally.
            let (mut r2, mut w2) = open_connection(addr).await?;
            w2.write(b"short\n");
            w2.drain().await?;
            assert_eq!(r2.readline().await?, b"short\n");
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn a_client_that_never_reads_holds_drain_at_the_high_water_mark() {
    bounded(LIMIT, || {
        baton::run(async {
            const CHUNK: usize = 4096;
            let rounds = Rc::new(Cell::new(0usize));
            let peak = Rc::new(Cell::new(0usize));
            let (ro, pk) = (rounds.clone(), peak.clone());
            let server = start_server(
                move |_r: StreamReader, mut w: StreamWriter| {
                    let (ro, pk) = (ro.clone(), pk.clone());
                    async move {
                        let chunk = vec![b'z'; CHUNK];
                        loop {
                            w.write(&chunk);
                            pk.set(pk.get().max(w.write_buffer_size()));
                            if w.drain().await.is_err() {
                                return;
                            }
                            ro.set(ro.get() + 1);
                        }
                    }
                },
                "127.0.0.1:0",
            )
            .await?;
            let _silent = TcpStream::connect(server.local_addr()?).await?;
            // Let the kernel buffers fill; then the writer must stop.
            baton::sleep(Duration::from_millis(500)).await;
            let stalled_at = rounds.get();
            baton::sleep(Duration::from_millis(300)).await;
            assert_eq!(rounds.get(), stalled_at, "drain kept returning");
            assert!(stalled_at > 0);
            let high = 64 * 1024;
            assert!(peak.get() > high, "never reached the high-water mark");
            assert!(peak.get() <= high + CHUNK, "buffered {} bytes", peak.get());
            io::Result::Ok(())
        })
        .unwrap();
    });
}

/// Raises this process's descriptor limit to the hard limit and returns it.
fn raise_nofile() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid, writable rlimit.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) }, 0);
    lim.rlim_cur = lim.rlim_max;
    // SAFETY: as above; raising the soft limit up to the hard limit is always permitted.
    unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) };
    // SAFETY: as above.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) }, 0);
    lim.rlim_cur
}

#[test]
fn thousands_of_concurrent_connections_all_complete() {
    bounded(Duration::from_secs(120), || {
        let nofile = raise_nofile();
        // Two descriptors a connection (both ends live here), with room to spare.
        let n = (nofile.saturating_sub(200) / 2).min(5000) as usize;
        assert!(n >= 100, "descriptor limit {nofile} too low");
        println!("{n} concurrent connections (RLIMIT_NOFILE {nofile})");
        baton::run(async move {
            let ended = Rc::default();
            let server = echo_server(ended).await?;
            let addr = server.local_addr()?;
            let clients: Vec<_> = (0..n)
                .map(|i| {
                    baton::spawn(async move {
                        let (mut r, mut w) = open_connection(addr).await?;
                        let msg = format!("client {i}\n");
                        w.write(msg.as_bytes());
                        w.drain().await?;
                        let back = r.readline().await?;
                        assert_eq!(back, msg.as_bytes());
                        w.close().await?;
                        io::Result::Ok(())
                    })
                })
                .collect();
            let mut done = 0;
            for c in clients {
                c.await.unwrap()?;
                done += 1;
            }
            assert_eq!(done, n);
            io::Result::Ok(())
        })
        .unwrap();
    });
}

/// Environment variable that turns `emfile_child` into the low-limit server.
const CHILD_ENV: &str = "BATON_EMFILE_CHILD";

/// A start_server echo server in a child process whose descriptor table is nearly full. It is
/// connected to by more clients than it has descriptors for: it must report `EMFILE` through
/// the loop's exception handler, back off, and serve them all as earlier clients leave,
/// without spinning.
#[test]
fn accept_hitting_emfile_backs_off_and_recovers() {
    bounded(Duration::from_secs(60), || {
        let exe = std::env::current_exe().unwrap();
        let mut child = Command::new(exe)
            .args(["--exact", "emfile_child", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let port: u16 = loop {
            line.clear();
            assert!(out.read_line(&mut line).unwrap() > 0, "child exited early");
            // The harness may print its own text before ours on the same line.
            if let Some(at) = line.find("PORT ") {
                break line[at + 5..].trim().parse().unwrap();
            }
        };
        // 40 clients against a server with room for about 10 connections at once: each
        // holds its connection 200 ms after its reply.
        baton::run(async move {
            let clients: Vec<_> = (0..40)
                .map(|i| {
                    baton::spawn(async move {
                        let (mut r, mut w) = open_connection(("127.0.0.1", port)).await?;
                        let msg = format!("client {i}\n");
                        w.write(msg.as_bytes());
                        w.drain().await?;
                        assert_eq!(r.readline().await?, msg.as_bytes());
                        baton::sleep(Duration::from_millis(200)).await;
                        w.close().await?;
                        io::Result::Ok(())
                    })
                })
                .collect();
            for c in clients {
                c.await.unwrap().unwrap();
            }
        });
        drop(child.stdin.take()); // tells the child to report and exit
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
        let mut err = String::new();
        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
        assert!(child.wait().unwrap().success(), "child failed:\n{err}");
        // Reported through the loop's exception handler, which the child's handler forwards
        // to the default one: stderr (a `tracing` event with that feature).
        assert!(
            rest.contains(
                "ACCEPT_FAILED start_server Too many open files (os error 24); 100ms serving=true"
            ),
            "the handler heard of no EMFILE:\n{rest}"
        );
        #[cfg(not(feature = "tracing"))]
        assert!(
            err.contains("baton: start_server: accept failed: Too many open files"),
            "the default handler printed no EMFILE:\n{err}"
        );
        let usage = rest
            .lines()
            .find_map(|l| l.find("CPU ").map(|at| &l[at + 4..]))
            .expect("child reported no CPU use");
        let (cpu, wall): (f64, f64) = {
            let mut it = usage.split_whitespace().map(|x| x.parse::<f64>().unwrap());
            (it.next().unwrap(), it.next().unwrap())
        };
        println!("child used {cpu:.3} s CPU in {wall:.3} s");
        assert!(
            cpu < wall * 0.5,
            "the accept loop spun: {cpu} s CPU in {wall} s"
        );
    });
}

/// The child half of `accept_hitting_emfile_backs_off_and_recovers`; a no-op in normal runs.
#[test]
fn emfile_child() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let start = Instant::now();
    baton::run(async {
        let serving = Arc::new(OnceLock::<baton::Server>::new());
        let asked = serving.clone();
        // Every report, through the user's handler, then on to the default one (stderr).
        baton::get_running_loop().set_exception_handler(move |e: &baton::debug::Exception| {
            if let baton::debug::ExceptionKind::AcceptFailed {
                server,
                error,
                retry_in,
            } = &e.kind
            {
                // The handler may use the server: the accept loop holds none of its locks.
                let listening = asked.get().is_some_and(|s| s.is_serving());
                println!("ACCEPT_FAILED {server} {error}; {retry_in:?} serving={listening}");
            }
            baton::debug::default_exception_handler(e);
        });
        let _ = serving.set(echo_server(Rc::default()).await.unwrap());
        let server = serving.get().unwrap();
        // Leave room for about 10 accepted connections above what is open now.
        let open = std::fs::read_dir("/proc/self/fd").unwrap().count() as u64;
        let lim = libc::rlimit {
            rlim_cur: open + 10,
            rlim_max: open + 10,
        };
        // SAFETY: `lim` is a valid rlimit; lowering limits is always permitted.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) }, 0);
        println!("PORT {}", server.local_addr().unwrap().port());
        // Serve until the parent closes our stdin (checked off the loop).
        let stdin_closed = baton::to_thread(|| {
            let mut sink = Vec::new();
            let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
        });
        stdin_closed.await;
    });
    let wall = start.elapsed().as_secs_f64();
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `usage` is valid for writes of one rusage.
    assert_eq!(
        unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) },
        0
    );
    // SAFETY: getrusage succeeded and filled it.
    let usage = unsafe { usage.assume_init() };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    println!(
        "CPU {} {}",
        secs(usage.ru_utime) + secs(usage.ru_stime),
        wall
    );
}
