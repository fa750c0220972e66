//! A `StreamReader` fed by hand (`StreamReader::fed`), as asyncio's protocols feed theirs:
//! CPython's `test_streams.py` cases for `feed_data`, `feed_eof`, `set_exception` and
//! `read(-1)`.

mod common;

use std::io;
use std::time::Duration;

use baton::streams::IncompleteReadError;
use baton::StreamReader;
use common::{bounded, settle};
use futures_lite::future::poll_once;

const LIMIT: Duration = Duration::from_secs(10);

#[test]
fn feeding_wakes_a_waiting_read() {
    bounded(LIMIT, || {
        baton::run(async {
            // test_read, test_readline: the read starts before the bytes come.
            let (mut reader, feeder) = StreamReader::fed();
            let reading = baton::spawn(async move {
                let line = reader.readline().await.unwrap();
                (line, reader)
            });
            settle().await;
            assert!(!reading.done());
            feeder.feed_data(b"chunk1 ");
            feeder.feed_data(b"chunk2 ");
            settle().await;
            assert!(!reading.done(), "no newline yet");
            feeder.feed_data(b"\n chunk4");
            let (line, mut reader) = reading.await.unwrap();
            assert_eq!(line, b"chunk1 chunk2 \n");
            assert_eq!(reader.read(100).await.unwrap(), b" chunk4");
        });
    });
}

#[test]
fn read_to_end_reads_every_fed_byte_until_eof() {
    bounded(LIMIT, || {
        baton::run(async {
            // test_read_until_eof, with more bytes than the limit.
            let (mut reader, feeder) = StreamReader::fed_with_limit(4);
            let reading = baton::spawn(async move { reader.read_to_end().await });
            settle().await;
            feeder.feed_data(b"chunk1\n");
            settle().await;
            feeder.feed_data(b"chunk2");
            feeder.feed_eof();
            assert_eq!(reading.await.unwrap().unwrap(), b"chunk1\nchunk2");
        });
    });
}

#[test]
fn read_zero_returns_at_once_and_eof_is_empty() {
    bounded(LIMIT, || {
        baton::run(async {
            let (mut reader, feeder) = StreamReader::fed();
            assert_eq!(reader.read(0).await.unwrap(), b""); // test_read_zero: no wait
            feeder.feed_data(b"");
            assert!(!reader.at_eof(), "empty data is not EOF");
            feeder.feed_eof();
            assert!(reader.at_eof(), "test_at_eof: known without a read");
            assert_eq!(reader.read(10).await.unwrap(), b"");
            assert_eq!(reader.readline().await.unwrap(), b"");
            assert_eq!(reader.read_to_end().await.unwrap(), b"");
        });
    });
}

#[test]
fn readexactly_at_eof_is_incomplete_with_the_partial_bytes() {
    bounded(LIMIT, || {
        baton::run(async {
            // test_readexactly_eof.
            let (mut reader, feeder) = StreamReader::fed();
            feeder.feed_data(b"line1\nline2\n");
            feeder.feed_eof();
            let err = reader.readexactly(24).await.unwrap_err();
            let e = IncompleteReadError::from_io(err).unwrap();
            assert_eq!(
                (e.partial.as_slice(), e.expected),
                (&b"line1\nline2\n"[..], Some(24))
            );
            assert!(reader.at_eof());
        });
    });
}

#[test]
fn set_exception_fails_every_later_read_even_with_bytes_buffered() {
    bounded(LIMIT, || {
        baton::run(async {
            // test_read_exception, test_readline_exception, test_readexactly_exception.
            let (mut reader, feeder) = StreamReader::fed();
            feeder.feed_data(b"line\n");
            assert_eq!(reader.read(2).await.unwrap(), b"li");
            feeder.set_exception(io::Error::new(io::ErrorKind::ConnectionReset, "reset"));
            let first = reader.read(2).await.unwrap_err();
            assert_eq!(
                (first.kind(), first.to_string()),
                (io::ErrorKind::ConnectionReset, "reset".into())
            );
            for err in [
                reader.readline().await.unwrap_err(),
                reader.readexactly(1).await.unwrap_err(),
                reader.readuntil(b"\n").await.unwrap_err(),
                reader.read_to_end().await.unwrap_err(),
                reader.read(0).await.unwrap_err(),
            ] {
                assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
                assert_eq!(err.to_string(), "reset");
            }
        });
    });
}

#[test]
fn set_exception_wakes_a_waiting_read_with_the_error() {
    bounded(LIMIT, || {
        baton::run(async {
            // test_exception_waiter.
            let (mut reader, feeder) = StreamReader::fed();
            let reading = baton::spawn(async move { reader.readline().await });
            settle().await;
            feeder.set_exception(io::Error::new(io::ErrorKind::InvalidData, "bad frame"));
            let err = reading.await.unwrap().unwrap_err();
            assert_eq!(err.to_string(), "bad frame");
        });
    });
}

#[test]
fn set_exception_after_a_cancelled_read_is_harmless() {
    bounded(LIMIT, || {
        baton::run(async {
            // test_exception_cancel.
            let (mut reader, feeder) = StreamReader::fed();
            assert!(poll_once(reader.readline()).await.is_none()); // waits, then is dropped
            feeder.set_exception(io::Error::other("after the cancel"));
            settle().await;
            assert!(reader.read(1).await.is_err());
        });
    });
}

#[test]
#[should_panic(expected = "feed_data after feed_eof")]
fn feed_data_after_feed_eof_panics() {
    let (_reader, feeder) = StreamReader::fed();
    feeder.feed_eof();
    feeder.feed_data(b"too late");
}

#[test]
fn feeding_a_dropped_reader_discards_the_bytes() {
    let (reader, feeder) = StreamReader::fed();
    let other = feeder.clone();
    drop(reader);
    feeder.feed_data(vec![0u8; 1 << 20]);
    other.feed_eof();
    assert!(format!("{feeder:?}").contains("unread: 0"), "{feeder:?}");
}
