//! `StreamReader` against asyncio's `StreamReader`: the limit of `readline`/`readuntil` (the
//! cases of CPython's `test_streams.py`), and the same results however the bytes arrive.

mod common;

use std::io;
use std::time::Duration;

use baton::net::UnixStream;
use baton::streams::{IncompleteReadError, LimitOverrunError};
use baton::StreamReader;
use common::bounded;
use futures_lite::future::poll_once;

const LIMIT: Duration = Duration::from_secs(20);

/// What one `readline`/`readuntil` gave, comparable across runs.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    Line(Vec<u8>),
    /// `LimitOverrunError` (its `consumed` depends on how much had arrived, as in asyncio).
    TooLong,
    Incomplete(Vec<u8>),
    Failed(io::ErrorKind),
}

fn outcome(r: io::Result<Vec<u8>>) -> Outcome {
    let e = match r {
        Ok(line) => return Outcome::Line(line),
        Err(e) => e,
    };
    match e.kind() {
        io::ErrorKind::UnexpectedEof => {
            Outcome::Incomplete(IncompleteReadError::from_io(e).unwrap().partial)
        }
        io::ErrorKind::InvalidData if LimitOverrunError::from_io(e).is_some() => Outcome::TooLong,
        kind => Outcome::Failed(kind),
    }
}

fn line(s: &[u8]) -> Outcome {
    Outcome::Line(s.to_vec())
}

/// `readline` until it returns the empty line of EOF.
async fn all_lines(reader: &mut StreamReader, out: &mut Vec<Outcome>) {
    loop {
        let r = reader.readline().await;
        if matches!(&r, Ok(l) if l.is_empty()) {
            return;
        }
        out.push(outcome(r));
    }
}

/// The lines of `input` read over a socket pair, the bytes before `cut` written (and read as
/// far as they go) before the rest is.
async fn lines_split_at(input: &[u8], cut: usize, limit: usize) -> io::Result<Vec<Outcome>> {
    let (a, mut b) = UnixStream::pair()?;
    let mut reader = StreamReader::with_limit(a, limit);
    let mut out = Vec::new();
    b.write_all(&input[..cut]).await?;
    // Take every line the first part gives, until a readline has to wait for more bytes.
    let mut pending = reader.readline();
    while let Some(r) = poll_once(&mut pending).await {
        if matches!(&r, Ok(l) if l.is_empty()) {
            return Ok(out); // EOF cannot come before `b` is dropped
        }
        out.push(outcome(r));
        pending = reader.readline();
    }
    b.write_all(&input[cut..]).await?;
    drop(b);
    let r = pending.await;
    if !matches!(&r, Ok(l) if l.is_empty()) {
        out.push(outcome(r));
        all_lines(&mut reader, &mut out).await;
    }
    Ok(out)
}

/// `(limit, input, expected lines)`: asyncio's answers (`test_readline_limit*`), where a line
/// whose `\n` comes past the limit is an error and is consumed through its `\n`.
fn line_cases() -> Vec<(usize, &'static [u8], Vec<Outcome>)> {
    vec![
        (3, b"line1\nab\n", vec![Outcome::TooLong, line(b"ab\n")]),
        (
            7,
            b"1234567\n12345678\nxy",
            vec![line(b"1234567\n"), Outcome::TooLong, line(b"xy")],
        ),
        (7, b"12345678", vec![Outcome::TooLong]),
        (
            7,
            b"chunk1chunk2\nchunk3\n",
            vec![Outcome::TooLong, line(b"chunk3\n")],
        ),
        (4, b"abcd\nabcde\n\nx", {
            vec![line(b"abcd\n"), Outcome::TooLong, line(b"\n"), line(b"x")]
        }),
    ]
}

#[test]
fn readline_rejects_a_buffered_line_longer_than_the_limit() {
    bounded(LIMIT, || {
        baton::run(async {
            // asyncio's test_readline_limit_with_existing_data: limit 3, two lines at once.
            let (a, mut b) = UnixStream::pair()?;
            let mut reader = StreamReader::with_limit(a, 3);
            b.write_all(b"line1\nline2\nab\n").await?;
            drop(b);
            let mut got = Vec::new();
            all_lines(&mut reader, &mut got).await;
            assert_eq!(got, [Outcome::TooLong, Outcome::TooLong, line(b"ab\n")]);
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn readline_limit_is_strict_when_the_line_arrives_whole() {
    bounded(LIMIT, || {
        baton::run(async {
            // asyncio's "check strictness of the limit": 7 bytes pass, 8 do not.
            let (a, mut b) = UnixStream::pair()?;
            let mut reader = StreamReader::with_limit(a, 7);
            b.write_all(b"1234567\n12345678\n").await?;
            drop(b);
            assert_eq!(reader.readline().await?, b"1234567\n");
            let err = reader.readline().await.unwrap_err();
            let overrun = LimitOverrunError::from_io(err).expect("a LimitOverrunError");
            assert_eq!((overrun.consumed, overrun.limit), (8, 7));
            assert_eq!(reader.readline().await?, b""); // consumed through its `\n`
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn readline_gives_the_same_lines_for_every_two_way_split_of_a_socket_stream() {
    bounded(LIMIT, || {
        baton::run(async {
            for (limit, input, expected) in line_cases() {
                for cut in 0..=input.len() {
                    let got = lines_split_at(input, cut, limit).await?;
                    assert_eq!(
                        got,
                        expected,
                        "limit {limit}, {:?} | {:?}",
                        String::from_utf8_lossy(&input[..cut]),
                        String::from_utf8_lossy(&input[cut..]),
                    );
                }
            }
            io::Result::Ok(())
        })
        .unwrap();
    });
}

/// `readuntil(sep)` over a socket pair split at `cut` as above, then every byte left.
async fn until_split_at(
    input: &[u8],
    cut: usize,
    limit: usize,
    sep: &[u8],
) -> io::Result<(Outcome, Vec<u8>)> {
    let (a, mut b) = UnixStream::pair()?;
    let mut reader = StreamReader::with_limit(a, limit);
    b.write_all(&input[..cut]).await?;
    let mut until = reader.readuntil(sep);
    let first = match poll_once(&mut until).await {
        Some(r) => {
            b.write_all(&input[cut..]).await?;
            drop(b);
            r
        }
        None => {
            b.write_all(&input[cut..]).await?;
            drop(b);
            until.await
        }
    };
    let first = outcome(first);
    let mut rest = Vec::new();
    loop {
        let chunk = reader.read(1024).await?;
        if chunk.is_empty() {
            return Ok((first, rest));
        }
        rest.extend_from_slice(&chunk);
    }
}

/// `(limit, sep, input, outcome, bytes left)`: asyncio's answers. The limit counts the bytes
/// before the separator; a separator found past it, or more than `limit + len(sep) - 1`
/// bytes without one, is a `LimitOverrunError` that leaves the bytes buffered.
#[allow(clippy::type_complexity)]
fn until_cases() -> Vec<(usize, &'static [u8], &'static [u8], Outcome, &'static [u8])> {
    vec![
        (
            3,
            b"AAA",
            b"some dataAAA",
            Outcome::TooLong,
            b"some dataAAA",
        ),
        (3, b"AAA", b"abcAAAxyz", line(b"abcAAA"), b"xyz"),
        (3, b"AAA", b"abcdAA", Outcome::TooLong, b"abcdAA"),
        (
            3,
            b"AAA",
            b"abcAA",
            Outcome::Incomplete(b"abcAA".to_vec()),
            b"",
        ),
        (5, b"\r\n", b"hello\r\nworld", line(b"hello\r\n"), b"world"),
        (5, b"\r\n", b"hello!\r\n", Outcome::TooLong, b"hello!\r\n"),
    ]
}

#[test]
fn readuntil_rejects_a_separator_found_beyond_the_limit() {
    bounded(LIMIT, || {
        baton::run(async {
            // asyncio's test_readuntil_limit_found_sep.
            let (a, mut b) = UnixStream::pair()?;
            let mut reader = StreamReader::with_limit(a, 3);
            b.write_all(b"some dataAAA").await?;
            let err = reader.readuntil(b"AAA").await.unwrap_err();
            let overrun = LimitOverrunError::from_io(err).expect("a LimitOverrunError");
            assert_eq!((overrun.consumed, overrun.limit), (9, 3));
            // The bytes stay buffered, to be read again.
            assert_eq!(reader.readexactly(12).await?, b"some dataAAA");
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn readuntil_gives_the_same_result_for_every_two_way_split_of_a_socket_stream() {
    bounded(LIMIT, || {
        baton::run(async {
            for (limit, sep, input, expected, rest) in until_cases() {
                for cut in 0..=input.len() {
                    let got = until_split_at(input, cut, limit, sep).await?;
                    assert_eq!(
                        got,
                        (expected.clone(), rest.to_vec()),
                        "limit {limit}, sep {:?}, {:?} | {:?}",
                        String::from_utf8_lossy(sep),
                        String::from_utf8_lossy(&input[..cut]),
                        String::from_utf8_lossy(&input[cut..]),
                    );
                }
            }
            io::Result::Ok(())
        })
        .unwrap();
    });
}

/// What a fed reader is asked to do.
#[derive(Clone, Copy)]
enum Script {
    /// `readline` until EOF.
    Lines,
    /// One `readuntil(sep)`, then `read_to_end`.
    Until(&'static [u8]),
}

async fn run_script(reader: &mut StreamReader, script: Script) -> (Vec<Outcome>, Vec<u8>) {
    match script {
        Script::Lines => {
            let mut out = Vec::new();
            all_lines(reader, &mut out).await;
            (out, Vec::new())
        }
        Script::Until(sep) => {
            let first = outcome(reader.readuntil(sep).await);
            let rest = reader.read_to_end().await.unwrap();
            (vec![first], rest)
        }
    }
}

/// Feeds `input` cut at `cuts`, letting the reader run after each chunk (a reader task and a
/// feeder task, in FIFO order), and returns what `script` got.
async fn fed_in_chunks(
    input: &'static [u8],
    cuts: &[usize],
    limit: usize,
    script: Script,
) -> (Vec<Outcome>, Vec<u8>) {
    let (mut reader, feeder) = StreamReader::fed_with_limit(limit);
    let reading = baton::spawn(async move { run_script(&mut reader, script).await });
    let mut chunks = Vec::new();
    let mut from = 0;
    for &cut in cuts.iter().chain([&input.len()]) {
        chunks.push(&input[from..cut]);
        from = cut;
    }
    let feeding = baton::spawn(async move {
        for chunk in chunks {
            feeder.feed_data(chunk);
            baton::yield_now().await; // the woken reader runs before the next chunk
        }
        feeder.feed_eof();
    });
    feeding.await.unwrap();
    reading.await.unwrap()
}

/// Every way to cut `n` bytes into chunks (as sets of cut points) when there are few, else
/// every way into at most three chunks, and into single bytes.
fn chunkings(n: usize) -> Vec<Vec<usize>> {
    let inner: Vec<usize> = (1..n).collect();
    if n <= 12 {
        return (0u32..1 << inner.len())
            .map(|mask| {
                let picked = inner.iter().enumerate();
                picked
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .map(|(_, &c)| c)
                    .collect()
            })
            .collect();
    }
    let mut all = vec![Vec::new(), inner.clone()];
    for &a in &inner {
        all.push(vec![a]);
        for &b in inner.iter().filter(|&&b| b > a) {
            all.push(vec![a, b]);
        }
    }
    all
}

#[test]
fn a_fed_reader_gives_the_same_lines_for_every_chunking_of_its_input() {
    bounded(LIMIT, || {
        baton::run(async {
            for (limit, input, expected) in line_cases() {
                for cuts in chunkings(input.len()) {
                    let (got, _) = fed_in_chunks(input, &cuts, limit, Script::Lines).await;
                    assert_eq!(got, expected, "limit {limit}, {input:?} cut at {cuts:?}");
                }
            }
        });
    });
}

#[test]
fn a_fed_reader_gives_the_same_readuntil_result_for_every_chunking_of_its_input() {
    bounded(LIMIT, || {
        baton::run(async {
            for (limit, sep, input, expected, rest) in until_cases() {
                for cuts in chunkings(input.len()) {
                    let got = fed_in_chunks(input, &cuts, limit, Script::Until(sep)).await;
                    assert_eq!(
                        got,
                        (vec![expected.clone()], rest.to_vec()),
                        "limit {limit}, sep {sep:?}, {input:?} cut at {cuts:?}"
                    );
                }
            }
        });
    });
}

#[test]
fn limit_errors_report_asyncio_consumed_counts() {
    bounded(LIMIT, || {
        baton::run(async {
            // asyncio's test_readuntil_limit_found_sep, fed.
            let (mut reader, feeder) = StreamReader::fed_with_limit(3);
            feeder.feed_data(b"some dataAA");
            let err = reader.readuntil(b"AAA").await.unwrap_err();
            let e = LimitOverrunError::from_io(err).unwrap();
            assert_eq!(e.consumed, 9, "not found: searched 9 bytes");
            feeder.feed_data(b"A");
            let err = reader.readuntil(b"AAA").await.unwrap_err();
            let e = LimitOverrunError::from_io(err).unwrap();
            assert_eq!(e.consumed, 9, "found at 9");
            feeder.feed_eof();
            assert_eq!(reader.read_to_end().await.unwrap(), b"some dataAAA");
        });
    });
}

#[test]
fn readline_limit_cases_from_asyncio() {
    bounded(LIMIT, || {
        baton::run(async {
            // test_readline_limit_with_existing_data, second half: no `\n` yet, and more than
            // the limit: an error at once, not a wait for the `\n`.
            let (mut reader, feeder) = StreamReader::fed_with_limit(3);
            feeder.feed_data(b"li");
            feeder.feed_data(b"ne1");
            feeder.feed_data(b"li");
            assert!(reader.readline().await.is_err());
            // asyncio's next readline would return the tail "ne2\n" as a line; the rest of
            // the long line is dropped instead.
            feeder.feed_data(b"ne2\nok\n");
            assert_eq!(reader.readline().await.unwrap(), b"ok\n");

            // test_readline_limit: the line arrives in pieces after readline starts.
            let (mut reader, feeder) = StreamReader::fed_with_limit(7);
            let feeding = baton::spawn(async move {
                feeder.feed_data(b"chunk1");
                feeder.feed_data(b"chunk2\n");
                feeder.feed_data(b"chunk3\n");
                feeder.feed_eof();
            });
            assert!(reader.readline().await.is_err());
            assert_eq!(reader.readline().await.unwrap(), b"chunk3\n");
            assert_eq!(reader.readline().await.unwrap(), b"");
            feeding.await.unwrap();
        });
    });
}
