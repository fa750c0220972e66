//! baton's futures are `FusedFuture`s: `futures::select!` takes them as they are, with no
//! `.fuse()`, and a future that returned is skipped afterwards (terminated), never re-polled.

mod common;

use std::future::Future;
use std::io;
use std::pin::pin;
use std::time::Duration;

use baton::channel::{broadcast, mpsc, oneshot, watch, Promise};
use baton::net::{TcpListener, TcpStream, UdpSocket, UnixDatagram};
use baton::queue::Queue;
use baton::sync::{Barrier, Condition, Event, Lock, Semaphore};
use baton::time::{interval, sleep, wait_for, Timeout};
use common::{bounded, paused_loop};
use futures::future::FusedFuture;
use futures::select;

const LIMIT: Duration = Duration::from_secs(20);

#[test]
fn select_loops_over_a_task_and_a_sleep_without_fuse() {
    let mut lp = paused_loop();
    let (ticks, out) = lp.run_until_complete(async {
        let mut task = baton::spawn(async {
            sleep(Duration::from_millis(35)).await;
            "done"
        });
        let mut tick = sleep(Duration::from_millis(10));
        let mut ticks = 0;
        let out = loop {
            select! {
                out = task => break out.unwrap(),
                () = tick => {
                    ticks += 1;
                    tick = sleep(Duration::from_millis(10));
                }
            }
        };
        assert!(task.is_terminated());
        (ticks, out)
    });
    assert_eq!((ticks, out), (3, "done"));
}

#[test]
fn a_returned_future_is_skipped_until_all_are_complete() {
    let mut lp = paused_loop();
    let seen = lp.run_until_complete(async {
        let (tx, mut rx) = oneshot::channel::<u32>();
        let mut task = baton::spawn(async move {
            sleep(Duration::from_millis(5)).await;
            tx.send(2).unwrap();
            1
        });
        let mut timeout = wait_for(Duration::from_secs(1), sleep(Duration::from_millis(20)));
        let mut seen = Vec::new();
        loop {
            select! {
                n = task => seen.push(n.unwrap()),
                n = rx => seen.push(n.unwrap()),
                r = timeout => { r.unwrap(); seen.push(3) }
                complete => break,
            }
        }
        seen
    });
    // The task's result and its message are ready at once, and `select!` picks among ready
    // branches at random: each is taken once, in either order.
    let mut seen = seen;
    seen[..2].sort_unstable();
    assert_eq!(seen, [1, 2, 3]);
}

/// Polls `fut` to completion and checks `is_terminated` before and after.
async fn terminates<F: FusedFuture>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    assert!(!fut.is_terminated(), "terminated before it returned");
    let out = fut.as_mut().await;
    assert!(fut.is_terminated(), "not terminated after it returned");
    out
}

#[test]
fn time_and_blocking_futures_terminate_when_they_return() {
    let mut lp = paused_loop();
    lp.run_until_complete(async {
        terminates(sleep(Duration::from_millis(1))).await;
        terminates(wait_for(Duration::from_secs(1), async { 5 }))
            .await
            .unwrap();
        let err = terminates(wait_for(
            Duration::from_millis(1),
            std::future::pending::<()>(),
        ))
        .await;
        assert!(err.is_err());
        let timeout = Timeout::after(Duration::from_secs(1));
        terminates(timeout.guard(async { 6 })).await.unwrap();
        terminates(baton::spawn(async { 7 })).await.unwrap();
    });
    // `to_thread` on a real-clock loop (it waits for a real thread).
    baton::run(async {
        assert_eq!(terminates(baton::to_thread(|| 8)).await, 8);
    });
}

#[test]
fn channel_futures_terminate_when_they_return() {
    baton::run(async {
        let (tx, rx) = oneshot::channel();
        tx.send(1).unwrap();
        assert_eq!(terminates(rx).await.unwrap(), 1);

        let (tx, mut rx) = mpsc::channel(1);
        terminates(tx.send(2)).await.unwrap();
        assert_eq!(terminates(rx.recv()).await, Some(2));

        let (tx, mut rx) = broadcast::channel(4);
        tx.send(3).unwrap();
        assert_eq!(terminates(rx.recv()).await.unwrap(), 3);

        let (tx, mut rx) = watch::channel(0);
        tx.send(4).unwrap();
        terminates(rx.changed()).await.unwrap();

        let promise = Promise::new();
        promise.set_result(5).unwrap();
        assert_eq!(terminates(promise.wait()).await.unwrap(), 5);
    });
}

#[test]
fn sync_and_queue_futures_terminate_when_they_return() {
    baton::run(async {
        let lock = Lock::new(0);
        *terminates(lock.lock()).await += 1;

        let semaphore = Semaphore::new(1);
        drop(terminates(semaphore.acquire()).await);

        let event = Event::new();
        event.set();
        terminates(event.wait()).await;

        terminates(Barrier::new(1).wait()).await.unwrap();

        let condition = Condition::new(false);
        let waiter = {
            let guard = condition.lock().await;
            let mut wait = pin!(condition.wait(guard));
            assert!(!wait.is_terminated());
            // Another party notifies while this one waits.
            futures::future::poll_fn(|cx| {
                assert!(wait.as_mut().poll(cx).is_pending());
                std::task::Poll::Ready(())
            })
            .await;
            let held = condition.lock().await;
            condition.notify_all();
            drop(held);
            drop(wait.as_mut().await);
            wait.is_terminated()
        };
        assert!(waiter);

        let queue = Queue::new(1);
        terminates(queue.put(9)).await.unwrap();
        assert_eq!(terminates(queue.get()).await.unwrap(), 9);
        queue.task_done().unwrap();
        terminates(queue.join()).await;
    });
}

#[test]
fn select_loops_over_a_queue_join_and_interval_ticks_without_fuse() {
    let mut lp = paused_loop();
    let ticks = lp.run_until_complete(async {
        let queue = Queue::new(0);
        queue.put_nowait("job").unwrap();
        let mut join = queue.join();
        let mut every = interval(Duration::from_millis(10));
        let mut ticks = 0;
        loop {
            select! {
                () = join => break,
                _ = every.tick() => {
                    ticks += 1;
                    if ticks == 3 {
                        queue.get_nowait().unwrap();
                        queue.task_done().unwrap();
                    }
                }
            }
        }
        assert!(join.is_terminated());
        ticks
    });
    assert_eq!(ticks, 3);
}

#[test]
fn socket_futures_terminate_when_they_return() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let client = terminates(TcpStream::connect(listener.local_addr()?)).await?;
            let (mut server, _) = terminates(listener.accept()).await?;
            let (mut rd, mut wr) = client.split();
            terminates(wr.writable()).await?;
            terminates(wr.write(b"ab")).await?;
            terminates(wr.write_all(b"cd")).await?;
            terminates(wr.flush()).await?;
            let mut buf = [0; 4];
            terminates(server.read_exact(&mut buf)).await?;
            server.write_all(b"xy").await?;
            terminates(rd.readable()).await?;
            terminates(rd.peek(&mut buf)).await?;
            terminates(rd.read(&mut buf)).await?;

            let path = std::env::temp_dir().join(format!("baton-fused-{}", std::process::id()));
            std::fs::write(&path, b"file")?;
            let file = std::fs::File::open(&path)?;
            assert_eq!(terminates(wr.sendfile(&file, 0, None)).await?, 4);
            std::fs::remove_file(&path)?;

            let a = UdpSocket::bind("127.0.0.1:0").await?;
            let b = UdpSocket::bind("127.0.0.1:0").await?;
            terminates(a.connect(b.local_addr()?)).await?;
            terminates(a.send(b"1")).await?;
            terminates(a.send_to(b"2", b.local_addr()?)).await?;
            terminates(b.peek_from(&mut buf)).await?;
            terminates(b.recv_from(&mut buf)).await?;
            b.connect(a.local_addr()?).await?;
            terminates(b.recv(&mut buf)).await?;

            let (c, d) = UnixDatagram::pair()?;
            c.send(b"3").await?;
            terminates(d.recv_from(&mut buf)).await?;
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn select_loops_over_accept_connect_and_readiness_without_fuse() {
    bounded(LIMIT, || {
        baton::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let mut connect = TcpStream::connect(listener.local_addr()?);
            let mut accept = listener.accept();
            let (mut client, mut server) = (None, None);
            loop {
                select! {
                    c = connect => client = Some(c?),
                    a = accept => server = Some(a?.0),
                    complete => break,
                }
            }
            assert!(connect.is_terminated() && accept.is_terminated());

            // Each half waits on its own direction; one `select!` loop serves both, and a
            // branch that returned is not polled again.
            let (rd, wr) = client.unwrap().split();
            let mut server: TcpStream = server.unwrap();
            server.write_all(b"ping").await?;
            let mut readable = rd.readable();
            let mut writable = wr.writable();
            let mut seen = Vec::new();
            loop {
                select! {
                    r = readable => { r?; seen.push("readable") }
                    w = writable => { w?; seen.push("writable") }
                    complete => break,
                }
            }
            seen.sort_unstable();
            assert_eq!(seen, ["readable", "writable"]);
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn select_takes_sync_and_channel_futures_directly() {
    let mut lp = paused_loop();
    let winner = lp.run_until_complete(async {
        let event = Event::new();
        let (tx, mut rx) = mpsc::channel::<&str>(1);
        let sender = baton::spawn(async move {
            sleep(Duration::from_millis(5)).await;
            tx.send("message").await.unwrap();
        });
        let winner = select! {
            () = event.wait() => "event",
            m = rx.recv() => m.unwrap(),
            () = sleep(Duration::from_secs(1)) => "timeout",
        };
        sender.await.unwrap();
        winner
    });
    assert_eq!(winner, "message");
}
