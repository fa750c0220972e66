//! asyncio's streams over Unix sockets: `StreamReader` and `StreamWriter` over the halves of a
//! split `UnixStream`, as over TCP.

mod common;

use std::io;
use std::time::Duration;

use baton::net::{OwnedWriteHalf, UnixStream};
use baton::{StreamReader, StreamWriter};
use common::bounded;

const LIMIT: Duration = Duration::from_secs(20);

/// A writer on one end of a Unix socket pair, and a reader on the other.
fn writer_and_reader() -> io::Result<(StreamWriter<OwnedWriteHalf<UnixStream>>, StreamReader)> {
    let (a, b) = UnixStream::pair()?;
    let (_a_rd, a_wr) = a.split(); // the writer needs only the write half
    Ok((StreamWriter::new(a_wr), StreamReader::new(b)))
}

#[test]
fn lines_written_drained_and_closed_are_read_back_then_eof() {
    bounded(LIMIT, || {
        baton::run(async {
            let (a, b) = UnixStream::pair()?;
            let (_a_rd, a_wr) = a.split();
            let (b_rd, _b_wr) = b.split();
            let mut w: StreamWriter<OwnedWriteHalf<UnixStream>> = StreamWriter::new(a_wr);
            let mut r = StreamReader::new(b_rd);
            assert!(w.peer_addr()?.is_unnamed());

            w.write(b"first\n");
            w.writelines([&b"second\n"[..], b"third"]);
            w.drain().await?;
            w.close().await?;
            assert!(w.is_closing());

            assert_eq!(r.readline().await?, b"first\n");
            assert_eq!(r.readline().await?, b"second\n");
            assert_eq!(r.readline().await?, b"third"); // EOF ends the last line
            assert_eq!(r.readline().await?, b"");
            assert!(r.at_eof());
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn a_write_larger_than_the_socket_buffer_goes_out_through_the_flusher() {
    bounded(LIMIT, || {
        baton::run(async {
            let (mut w, mut r) = writer_and_reader()?;
            let data: Vec<u8> = (0..4 << 20).map(|i: u32| i as u8).collect();
            w.write(&data);
            assert!(
                w.write_buffer_size() > 0,
                "a socket pair takes less than 4 MiB at once"
            );
            let reader = baton::spawn(async move { r.read_to_end().await });
            w.drain().await?;
            w.close().await?;
            assert_eq!(reader.await.unwrap()?, data);
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn a_write_after_write_eof_is_reported_by_drain() {
    bounded(LIMIT, || {
        baton::run(async {
            let (mut w, mut r) = writer_and_reader()?;
            w.write(b"last");
            w.write_eof();
            w.write(b"lost");
            let err = w.drain().await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
            assert_eq!(r.read_to_end().await?, b"last");
            io::Result::Ok(())
        })
        .unwrap();
    });
}
