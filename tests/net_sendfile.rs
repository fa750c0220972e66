//! `sendfile` (asyncio's `loop.sendfile`): a file to a TCP or Unix stream by `sendfile(2)` and
//! by the read/write fallback, with offsets, counts and the end of the file.

mod common;

use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

use baton::net::{force_sendfile_fallback, TcpListener, TcpStream, UnixStream};
use common::bounded;

const LIMIT: Duration = Duration::from_secs(30);

/// A temp file holding `len` patterned bytes; removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, len: usize) -> (TempFile, Vec<u8>) {
        let path = std::env::temp_dir().join(format!("baton-sf-{name}-{}", std::process::id()));
        let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
        File::create(&path).unwrap().write_all(&data).unwrap();
        (TempFile(path), data)
    }

    fn open(&self) -> File {
        File::open(&self.0).unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Sends the file over TCP (while the peer reads concurrently) and returns what arrived.
fn tcp_round_trip(name: &str, len: usize, offset: u64, count: Option<u64>, fallback: bool) {
    let name = name.to_owned();
    bounded(LIMIT, move || {
        baton::run(async move {
            force_sendfile_fallback(fallback);
            let (tmp, data) = TempFile::new(&name, len);
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let client = TcpStream::connect(listener.local_addr()?).await?;
            let (mut server, _) = listener.accept().await?;
            let reader = baton::spawn(async move {
                let mut got = Vec::new();
                let mut buf = vec![0; 1 << 16];
                loop {
                    let n = server.read(&mut buf).await?;
                    if n == 0 {
                        return io::Result::Ok(got);
                    }
                    got.extend_from_slice(&buf[..n]);
                }
            });
            let file = tmp.open();
            let sent = client.sendfile(&file, offset, count).await?;
            drop(client);
            let got = reader.await.unwrap()?;
            let start = (offset as usize).min(len);
            let end = count.map_or(len, |c| (start + c as usize).min(len));
            assert_eq!(sent as usize, end - start);
            assert!(got == data[start..end], "the bytes arrived in order");
            force_sendfile_fallback(false);
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn sendfile_sends_a_whole_file_larger_than_the_socket_buffer() {
    tcp_round_trip("whole", 8 << 20, 0, None, false);
}

#[test]
fn the_fallback_sends_the_same_bytes() {
    tcp_round_trip("fallback", 8 << 20, 0, None, true);
}

#[test]
fn offset_and_count_pick_a_slice_on_both_paths() {
    for fallback in [false, true] {
        tcp_round_trip("slice", 300_000, 12_345, Some(100_000), fallback);
    }
}

#[test]
fn a_count_past_the_end_stops_at_the_end_and_an_offset_past_it_sends_nothing() {
    for fallback in [false, true] {
        tcp_round_trip("past-end", 10_000, 9_000, Some(5_000), fallback);
        tcp_round_trip("beyond", 10_000, 20_000, None, fallback);
    }
}

#[test]
fn a_pipe_as_the_source_falls_back_by_itself_and_reports_its_read_error() {
    bounded(LIMIT, || {
        baton::run(async {
            let (a, _b) = UnixStream::pair()?;
            let mut fds = [0; 2];
            // SAFETY: `fds` has room for the two descriptors `pipe2` writes.
            assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
            // SAFETY: both descriptors are new and owned by nobody else.
            let (rd, _wr) = unsafe {
                use std::os::fd::FromRawFd;
                (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1]))
            };
            // sendfile(2) refuses a pipe (EINVAL); the fallback's pread then fails (ESPIPE).
            let err = a.sendfile(&rd, 0, Some(10)).await.unwrap_err();
            assert_eq!(err.raw_os_error(), Some(libc::ESPIPE), "{err}");
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn sendfile_to_a_unix_stream_and_to_a_closed_peer() {
    bounded(LIMIT, || {
        baton::run(async {
            let (tmp, data) = TempFile::new("unix", 100_000);
            let (a, mut b) = UnixStream::pair()?;
            let file = tmp.open();
            let reader = baton::spawn(async move {
                let mut got = vec![0; 100_000];
                b.read_exact(&mut got).await.map(|()| got)
            });
            assert_eq!(a.sendfile(&file, 0, None).await?, 100_000);
            assert!(reader.await.unwrap()? == data);
            // The peer is gone now: a broken pipe, reported, nothing else disturbed.
            let err = a.sendfile(&file, 0, None).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err}");
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn a_stream_writer_sends_its_buffer_then_the_file_on_both_paths() {
    for fallback in [false, true] {
        bounded(LIMIT, move || {
            baton::run(async move {
                force_sendfile_fallback(fallback);
                let (tmp, data) = TempFile::new("writer", 1 << 20);
                let (a, b) = UnixStream::pair()?;
                let (_a_rd, a_wr) = a.split();
                let mut w = baton::StreamWriter::new(a_wr);
                let mut r = baton::StreamReader::new(b);
                // More than the socket takes at once: the flusher is still at work when
                // sendfile starts, and the file must wait for it.
                let head = vec![b'h'; 512 * 1024];
                w.write(&head);
                assert!(w.write_buffer_size() > 0);
                let reader =
                    baton::spawn(async move { r.readexactly(512 * 1024 + (1 << 20)).await });
                let file = tmp.open();
                assert_eq!(w.sendfile(&file, 0, None).await?, 1 << 20);
                let got = reader.await.unwrap()?;
                assert!(got[..head.len()] == head[..] && got[head.len()..] == data[..]);

                w.write_eof();
                let err = w.sendfile(&file, 0, None).await.unwrap_err();
                assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
                force_sendfile_fallback(false);
                io::Result::Ok(())
            })
            .unwrap();
        });
    }
}

#[test]
fn a_write_half_sends_a_file_on_both_paths_while_its_read_half_reads() {
    for fallback in [false, true] {
        bounded(LIMIT, move || {
            baton::run(async move {
                force_sendfile_fallback(fallback);
                let (tmp, data) = TempFile::new("half", 1 << 20);
                let listener = TcpListener::bind("127.0.0.1:0").await?;
                let (mut rd, wr) = TcpStream::connect(listener.local_addr()?).await?.split();
                let (mut server, _) = listener.accept().await?;
                // The peer echoes the file back as it comes: the read half reads it while the
                // write half is still sending, each waiting on its own direction.
                let echo = baton::spawn(async move {
                    let mut buf = vec![0; 1 << 16];
                    loop {
                        let n = server.read(&mut buf).await?;
                        if n == 0 {
                            return io::Result::Ok(());
                        }
                        server.write_all(&buf[..n]).await?;
                    }
                });
                let reader = baton::spawn(async move {
                    let mut got = vec![0; 1 << 20];
                    rd.read_exact(&mut got).await.map(|()| got)
                });
                let file = tmp.open();
                assert_eq!(wr.sendfile(&file, 0, None).await?, 1 << 20);
                assert!(
                    reader.await.unwrap()? == data,
                    "the bytes came back in order"
                );
                wr.write_eof()?; // the echo reads EOF and ends
                echo.await.unwrap()?;
                force_sendfile_fallback(false);
                io::Result::Ok(())
            })
            .unwrap();
        });
    }
}
