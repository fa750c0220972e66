//! `baton::io::Async`: readiness and retried operations on descriptors baton has no type for —
//! a pipe, an eventfd, a socket pair — and on a multi-core runtime.

mod common;

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::time::Duration;

use baton::io::Async;
use baton::Runtime;
use common::{bounded, run_paused, settle};
use futures_lite::future::poll_once;
use futures_lite::{AsyncReadExt, AsyncWriteExt};

const LIMIT: Duration = Duration::from_secs(20);

/// A pipe's read and write ends, close-on-exec.
fn pipe() -> (File, File) {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors `pipe2` writes.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(rc, 0, "pipe2: {}", io::Error::last_os_error());
    // SAFETY: both descriptors are new and owned by nobody else.
    unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) }
}

/// A new eventfd counter at zero.
fn eventfd() -> File {
    // SAFETY: plain syscall; the result is checked before use.
    let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
    assert!(fd >= 0, "eventfd: {}", io::Error::last_os_error());
    // SAFETY: the descriptor is new and owned by nobody else.
    File::from(unsafe { OwnedFd::from_raw_fd(fd) })
}

#[test]
fn an_empty_pipe_is_not_readable_until_written_and_read_with_waits_for_the_bytes() {
    run_paused(|| async {
        let (rd, mut wr) = pipe();
        let rd = Async::new(rd).unwrap();
        settle().await;
        assert!(poll_once(rd.readable()).await.is_none(), "empty pipe");

        let mut buf = [0; 16];
        let mut read = Box::pin(rd.read_with(|mut f| f.read(&mut buf)));
        assert!(poll_once(&mut read).await.is_none(), "WouldBlock waits");
        wr.write_all(b"through the pipe").unwrap();
        let n = read.await.unwrap();
        assert_eq!(&buf[..n], b"through the pipe");

        drop(wr);
        let mut rest = Vec::new();
        let mut rd = rd;
        rd.read_to_end(&mut rest).await.unwrap(); // AsyncRead, to EOF
        assert!(rest.is_empty());
    });
}

#[test]
fn a_full_pipe_is_not_writable_until_the_reader_drains_it() {
    run_paused(|| async {
        let (mut rd, wr) = pipe();
        let wr = Async::new(wr).unwrap();
        wr.writable().await.unwrap(); // the reactor has reported it
        let chunk = [7u8; 4096];
        let mut written = 0;
        // Until full: then the write waits.
        while let Some(n) = poll_once(wr.write_with(|mut f| f.write(&chunk))).await {
            written += n.unwrap();
        }
        assert!(written >= 4096);
        assert!(poll_once(wr.writable()).await.is_none(), "full pipe");
        let mut sink = vec![0; written];
        rd.read_exact(&mut sink).unwrap();
        wr.writable().await.unwrap();
        assert_eq!(wr.write_with(|mut f| f.write(b"x")).await.unwrap(), 1);
    });
}

#[test]
fn an_eventfd_wakes_a_waiting_task_once_per_signal() {
    run_paused(|| async {
        let efd = std::rc::Rc::new(Async::new(eventfd()).unwrap());
        let waiter = baton::spawn({
            let efd = efd.clone();
            async move {
                let mut count = [0; 8];
                efd.read_with(|mut f| f.read(&mut count)).await.unwrap();
                u64::from_ne_bytes(count)
            }
        });
        settle().await;
        assert!(!waiter.done(), "nothing signalled yet");
        efd.write_with(|mut f| f.write(&3u64.to_ne_bytes()))
            .await
            .unwrap();
        assert_eq!(waiter.await.unwrap(), 3);
        // Read back to zero: the next read finds WouldBlock and waits, and from then on the
        // eventfd is not readable until signalled again.
        let mut count = [0; 8];
        assert!(poll_once(efd.read_with(|mut f| f.read(&mut count)))
            .await
            .is_none());
        assert!(poll_once(efd.readable()).await.is_none());
        efd.write_with(|mut f| f.write(&1u64.to_ne_bytes()))
            .await
            .unwrap();
        efd.readable().await.unwrap();
    });
}

#[test]
fn a_socket_pair_works_through_shared_references_and_into_inner_deregisters() {
    bounded(LIMIT, || {
        baton::run(async {
            let (a, b) = std::os::unix::net::UnixStream::pair()?;
            let (a, b) = (Async::new(a)?, Async::new(b)?);
            (&a).write_all(b"by reference").await?; // AsyncWrite for &Async<T>
            let mut buf = [0; 12];
            (&b).read_exact(&mut buf).await?;
            assert_eq!(&buf, b"by reference");

            // Registered again after into_inner: the first registration is gone (epoll would
            // refuse the same descriptor twice).
            let a = Async::new(a.into_inner())?;
            a.write_with(|mut s| s.write(b"!")).await?;
            b.read_with(|mut s| s.read(&mut buf[..1])).await?;
            assert_eq!(buf[0], b'!');
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn a_regular_file_is_refused_with_an_error_not_a_panic() {
    bounded(LIMIT, || {
        baton::run(async {
            let file = File::open("/proc/self/exe").unwrap();
            let err = Async::new(file).unwrap_err();
            assert_eq!(err.raw_os_error(), Some(libc::EPERM), "{err}");
        });
    });
}

#[test]
fn async_is_send_and_its_futures_run_on_any_worker() {
    fn assert_send<T: Send + Sync>() {}
    assert_send::<Async<File>>();
    bounded(LIMIT, || {
        let rt = Runtime::builder().workers(2).build().unwrap();
        let got = rt.block_on(async {
            let (rd, mut wr) = pipe();
            let rd = Async::new(rd).unwrap();
            let reader = baton::task::spawn_send(async move {
                let mut buf = [0; 5];
                rd.read_with(|mut f| f.read(&mut buf)).await.unwrap();
                buf
            });
            baton::sleep(Duration::from_millis(1)).await;
            wr.write_all(b"moved").unwrap();
            reader.await.unwrap()
        });
        assert_eq!(&got, b"moved");
        rt.shutdown();
    });
}

#[test]
fn async_write_and_read_by_value_move_more_than_a_pipe_holds() {
    run_paused(|| async {
        let (rd, wr) = pipe();
        let (mut rd, mut wr) = (Async::new(rd).unwrap(), Async::new(wr).unwrap());
        let data: Vec<u8> = (0..1 << 20).map(|i: u32| i as u8).collect();
        let writer = baton::spawn(async move {
            wr.write_all(&data).await.unwrap(); // AsyncWrite for Async<File>: waits when full
            wr.flush().await.unwrap();
            wr.close().await.unwrap();
            data
        });
        let mut got = Vec::new();
        rd.read_to_end(&mut got).await.unwrap(); // EOF once the writer is dropped
        assert!(got == writer.await.unwrap());
    });
}
