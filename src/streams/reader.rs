//! `StreamReader`: asyncio's buffered reader, with `readline`, `readuntil`, `readexactly`,
//! `read` and `read_to_end`, over a byte stream or over bytes fed by a [`StreamFeeder`].
//!
//! # The limit, as asyncio has it
//!
//! `readuntil(sep)` returns at most `limit` bytes before `sep`: the separator must *start*
//! within the first `limit` bytes. It fails with [`LimitOverrunError`] when the separator is
//! found past that, or when more than `limit + sep.len() - 1` bytes have come without one;
//! either way the bytes stay buffered. Whether a call succeeds therefore depends only on the
//! bytes, never on how they were cut into reads: the separator starting at `i <= limit` is
//! found before `limit + sep.len()` bytes are buffered. (`LimitOverrunError::consumed`, how
//! far the search got, does depend on what had arrived, as in asyncio.)
//!
//! `readline` is `readuntil(b"\n")`, and on `LimitOverrunError` drops the over-long line
//! through its `\n`. asyncio does that when the `\n` is already buffered and otherwise clears
//! the buffer, so its next `readline` returns the line's tail as if it were a line, or not,
//! depending on TCP segmentation. baton drops the rest of the line through its `\n` as it
//! arrives (`skipping_line`), so a given byte stream always gives the same lines.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_io::AsyncRead;

use super::error::{IncompleteReadError, LimitOverrunError};
use super::feed::{feed, FedSource, StreamFeeder, Taken};
use super::read_buffer::ReadBuffer;

/// asyncio's default limit: 64 KiB.
pub(crate) const DEFAULT_LIMIT: usize = 64 * 1024;

/// A buffered reader over a byte stream (asyncio's `StreamReader`), made by
/// [`open_connection`](crate::open_connection) and [`start_server`](crate::start_server), over
/// any `futures_io::AsyncRead` with [`new`](StreamReader::new), or fed by hand with
/// [`fed`](StreamReader::fed).
///
/// `readline` and `readuntil` return at most `limit` bytes (64 KiB unless told otherwise)
/// before the separator; a longer line is an error, never an unbounded buffer, and whether it
/// is one does not depend on how the bytes arrived (see [`readuntil`](StreamReader::readuntil)).
///
/// A reader is `Send`, so a task that moves between threads may hold one: its transport must be
/// `Send` (every baton stream and read half is).
///
/// # Examples
/// ```
/// use baton::StreamReader;
///
/// baton::run(async {
///     let (a, mut b) = baton::net::UnixStream::pair()?;
///     let mut reader = StreamReader::new(a);
///     b.write_all(b"first line\nsecond").await?;
///     drop(b);
///     assert_eq!(reader.readline().await?, b"first line\n");
///     assert_eq!(reader.readline().await?, b"second"); // EOF ends the last line
///     assert_eq!(reader.readline().await?, b"");       // and then: empty
///     assert!(reader.at_eof());
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct StreamReader {
    source: Source,
    buffer: ReadBuffer,
    /// The source reported EOF.
    eof: bool,
    limit: usize,
    /// `readline` failed on a line whose `\n` had not arrived: bytes through the next `\n` are
    /// dropped as they come (set only with the buffer empty, so a fill's bytes are all new).
    skipping_line: bool,
}

/// A transport a reader reads from.
pub(crate) type BoxedRead = Box<dyn AsyncRead + Unpin + Send>;

/// Where the bytes come from.
enum Source {
    Io(BoxedRead),
    Fed(FedSource),
}

impl StreamReader {
    /// A reader over `io` with the default limit (64 KiB).
    ///
    /// # Examples
    /// See [`StreamReader`].
    ///
    /// ```
    /// baton::run(async {
    ///     let (a, _b) = baton::net::UnixStream::pair()?;
    ///     let reader = baton::StreamReader::new(a);
    ///     assert!(!reader.at_eof());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new(io: impl AsyncRead + Unpin + Send + 'static) -> StreamReader {
        StreamReader::with_limit(io, DEFAULT_LIMIT)
    }

    /// A reader over `io` whose `readline`/`readuntil` return at most `limit` bytes before the
    /// separator.
    ///
    /// # Examples
    /// See [`LimitOverrunError`].
    ///
    /// ```
    /// baton::run(async {
    ///     let (a, _b) = baton::net::UnixStream::pair()?;
    ///     let reader = baton::StreamReader::with_limit(a, 1024);
    ///     assert_eq!(reader.limit(), 1024);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Panics
    /// If `limit` is zero.
    pub fn with_limit(io: impl AsyncRead + Unpin + Send + 'static, limit: usize) -> StreamReader {
        StreamReader::from_source(Source::Io(Box::new(io)), limit)
    }

    /// A reader with no transport, and the [`StreamFeeder`] that gives it bytes, EOF or an
    /// error (asyncio's bare `StreamReader()` with `feed_data`/`feed_eof`/`set_exception`).
    /// Reads wait until the feeder feeds; the default limit (64 KiB) applies as to any reader.
    ///
    /// # Examples
    /// See [`StreamFeeder`].
    ///
    /// ```
    /// baton::run(async {
    ///     let (mut reader, feeder) = baton::StreamReader::fed();
    ///     feeder.feed_data(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    ///     feeder.feed_eof();
    ///     assert_eq!(reader.readline().await?, b"GET / HTTP/1.1\r\n");
    ///     assert_eq!(reader.readuntil(b"\r\n\r\n").await?, b"Host: x\r\n\r\n");
    ///     assert!(reader.at_eof());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn fed() -> (StreamReader, StreamFeeder) {
        StreamReader::fed_with_limit(DEFAULT_LIMIT)
    }

    /// As [`fed`](StreamReader::fed), with the limit given.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let (mut reader, feeder) = baton::StreamReader::fed_with_limit(4);
    ///     feeder.feed_data(b"toolong\nok\n");
    ///     assert!(reader.readline().await.is_err());
    ///     assert_eq!(reader.readline().await?, b"ok\n");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Panics
    /// If `limit` is zero.
    pub fn fed_with_limit(limit: usize) -> (StreamReader, StreamFeeder) {
        let (source, feeder) = feed();
        (
            StreamReader::from_source(Source::Fed(source), limit),
            feeder,
        )
    }

    /// For `start_tls`: the reader taken apart into the bytes it read but nobody consumed (the
    /// first bytes of the peer's handshake, say), its transport and its limit; `None` for a fed
    /// reader, or one that saw EOF: it has no transport to give.
    #[cfg(feature = "tls")]
    pub(crate) fn into_transport(mut self) -> Option<(Vec<u8>, BoxedRead, usize)> {
        match self.source {
            Source::Io(io) if !self.eof => {
                Some((self.buffer.take(self.buffer.len()), io, self.limit))
            }
            _ => None,
        }
    }

    fn from_source(source: Source, limit: usize) -> StreamReader {
        assert!(limit > 0, "a StreamReader's limit must be positive");
        StreamReader {
            source,
            buffer: ReadBuffer::new(limit),
            eof: false,
            limit,
            skipping_line: false,
        }
    }

    /// The limit of `readline`/`readuntil`: the most bytes they return before the separator.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let (a, _b) = baton::net::UnixStream::pair()?;
    ///     assert_eq!(baton::StreamReader::new(a).limit(), 64 * 1024);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// True when the buffer is empty and the stream has ended (asyncio's `at_eof`). A socket's
    /// EOF is known once a read has seen it; a fed reader's once `feed_eof` was called and
    /// every fed byte was read.
    ///
    /// # Examples
    /// See [`StreamReader`].
    ///
    /// ```
    /// baton::run(async {
    ///     let (a, b) = baton::net::UnixStream::pair()?;
    ///     let mut reader = baton::StreamReader::new(a);
    ///     drop(b);
    ///     assert!(!reader.at_eof()); // not seen yet
    ///     assert_eq!(reader.read(10).await?, b"");
    ///     assert!(reader.at_eof());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn at_eof(&self) -> bool {
        self.buffer.is_empty()
            && (self.eof || matches!(&self.source, Source::Fed(fed) if fed.ended()))
    }

    /// Reads up to `n` bytes: whatever is buffered, or else what the next read brings. Empty at
    /// EOF, and at once when `n` is 0 (asyncio's `read(n)`).
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let (a, mut b) = baton::net::UnixStream::pair()?;
    ///     let mut reader = baton::StreamReader::new(a);
    ///     b.write_all(b"hello").await?;
    ///     assert_eq!(reader.read(3).await?, b"hel");
    ///     assert_eq!(reader.read(100).await?, b"lo");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// Any read error of the stream, e.g. `ConnectionReset`; a fed reader's
    /// [`set_exception`](StreamFeeder::set_exception) error.
    ///
    /// # Cancel safety
    /// Cancel safe: bytes stay buffered until a read returns them.
    pub fn read(&mut self, n: usize) -> ReadN<'_> {
        ReadN { reader: self, n }
    }

    /// Reads until EOF and returns every byte (asyncio's `read()` / `read(-1)`). The limit does
    /// not apply: memory grows with the stream.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let (a, mut b) = baton::net::UnixStream::pair()?;
    ///     let mut reader = baton::StreamReader::new(a);
    ///     b.write_all(b"header\nthe whole body").await?;
    ///     drop(b);
    ///     assert_eq!(reader.readline().await?, b"header\n");
    ///     assert_eq!(reader.read_to_end().await?, b"the whole body");
    ///     assert_eq!(reader.read_to_end().await?, b""); // at EOF: empty
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// Any read error; the bytes read so far stay buffered.
    ///
    /// # Cancel safety
    /// Cancel safe: the bytes stay buffered until EOF returns them all.
    pub fn read_to_end(&mut self) -> ReadToEnd<'_> {
        ReadToEnd { reader: self }
    }

    /// Reads one line, including its `\n`; at EOF, the last unterminated bytes, then empty
    /// (asyncio's `readline`).
    ///
    /// # Examples
    /// See [`StreamReader`].
    ///
    /// ```
    /// baton::run(async {
    ///     let (a, mut b) = baton::net::UnixStream::pair()?;
    ///     let mut reader = baton::StreamReader::new(a);
    ///     b.write_all(b"GET / HTTP/1.1\r\n").await?;
    ///     assert_eq!(reader.readline().await?, b"GET / HTTP/1.1\r\n");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`LimitOverrunError`] (kind `InvalidData`) when the line is longer than the limit
    /// (before its `\n`). The over-long line is dropped through its `\n`, now or as the rest
    /// arrives, so the next read starts on the next line whatever the packet boundaries
    /// (asyncio drops it only when the `\n` has already arrived). Any read error.
    ///
    /// # Cancel safety
    /// Cancel safe: bytes stay buffered until a line is returned.
    pub fn readline(&mut self) -> ReadLine<'_> {
        ReadLine {
            until: ReadUntil {
                reader: self,
                sep: b"\n",
                offset: 0,
            },
        }
    }

    /// Reads up to and including `sep` (asyncio's `readuntil`). At most `limit` bytes may come
    /// before `sep`.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let (a, mut b) = baton::net::UnixStream::pair()?;
    ///     let mut reader = baton::StreamReader::new(a);
    ///     b.write_all(b"key: value\r\n\r\nbody").await?;
    ///     assert_eq!(reader.readuntil(b"\r\n\r\n").await?, b"key: value\r\n\r\n");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`LimitOverrunError`] (kind `InvalidData`) when `sep` is found past the limit, or more
    /// than `limit + sep.len() - 1` bytes came without it; the bytes stay buffered, to be read
    /// otherwise. [`IncompleteReadError`] (kind `UnexpectedEof`, `expected: None`) at EOF
    /// before `sep`, carrying (and consuming) the bytes that came. Any read error.
    ///
    /// # Panics
    /// If `sep` is empty.
    ///
    /// # Cancel safety
    /// Cancel safe: bytes stay buffered until returned.
    pub fn readuntil<'a>(&'a mut self, sep: &'a [u8]) -> ReadUntil<'a> {
        assert!(!sep.is_empty(), "readuntil needs a non-empty separator");
        ReadUntil {
            reader: self,
            sep,
            offset: 0,
        }
    }

    /// Reads exactly `n` bytes (asyncio's `readexactly`); `n` may exceed the limit.
    ///
    /// # Examples
    /// See [`IncompleteReadError`].
    ///
    /// ```
    /// baton::run(async {
    ///     let (a, mut b) = baton::net::UnixStream::pair()?;
    ///     let mut reader = baton::StreamReader::new(a);
    ///     b.write_all(&[1, 2, 3, 4, 5]).await?;
    ///     assert_eq!(reader.readexactly(4).await?, [1, 2, 3, 4]);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`IncompleteReadError`] (kind `UnexpectedEof`) at EOF first, carrying the partial bytes
    /// and `expected: Some(n)`; any read error.
    ///
    /// # Cancel safety
    /// Cancel safe: bytes stay buffered until all `n` are returned.
    pub fn readexactly(&mut self, n: usize) -> ReadExactly<'_> {
        ReadExactly { reader: self, n }
    }

    /// A fed reader's `set_exception` error: every read fails with it, buffered bytes or not.
    fn exception(&self) -> Option<io::Error> {
        match &self.source {
            Source::Io(_) => None,
            Source::Fed(fed) => fed.exception(),
        }
    }

    /// Fills the buffer until `done` has the answer: a feeder's exception comes first, then
    /// `done` is asked before every fill (the loop of `read`, `readexactly`, `read_to_end`).
    fn poll_fill_until(
        &mut self,
        cx: &mut Context<'_>,
        mut done: impl FnMut(&mut StreamReader) -> Option<io::Result<Vec<u8>>>,
    ) -> Poll<io::Result<Vec<u8>>> {
        if let Some(e) = self.exception() {
            return Poll::Ready(Err(e));
        }
        loop {
            if let Some(answer) = done(self) {
                return Poll::Ready(answer);
            }
            ready!(self.poll_fill(cx))?;
        }
    }

    /// Reads once into the buffer; at EOF sets `eof`. `Ready(Ok(()))` means bytes came (maybe
    /// all dropped as the rest of a skipped line) or EOF was seen.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let n = match &mut self.source {
            Source::Io(io) => ready!(self.buffer.poll_read_from(&mut **io, cx))?,
            Source::Fed(fed) => match ready!(fed.poll_take(cx))? {
                Taken::Data(data) => {
                    let n = data.len();
                    self.buffer.append(data);
                    n
                }
                Taken::Eof => 0,
            },
        };
        if n == 0 {
            self.eof = true;
        } else if self.skipping_line {
            self.skipping_line = !self.buffer.skip_line();
        }
        Poll::Ready(Ok(()))
    }
}

/// The future returned by [`StreamReader::read`].
///
/// # Examples
/// See [`StreamReader::read`].
///
/// ```
/// baton::run(async {
///     let (a, mut b) = baton::net::UnixStream::pair()?;
///     let mut reader = baton::StreamReader::new(a);
///     b.write_all(b"x").await?;
///     let read = reader.read(1); // a `ReadN`
///     assert_eq!(read.await?, b"x");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Cancel safety
/// As [`StreamReader::read`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct ReadN<'a> {
    reader: &'a mut StreamReader,
    n: usize,
}

/// The future returned by [`StreamReader::read_to_end`].
///
/// # Examples
/// See [`StreamReader::read_to_end`].
///
/// ```
/// baton::run(async {
///     let (mut reader, feeder) = baton::StreamReader::fed();
///     feeder.feed_data(b"all");
///     feeder.feed_eof();
///     let rest = reader.read_to_end(); // a `ReadToEnd`
///     assert_eq!(rest.await?, b"all");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Cancel safety
/// As [`StreamReader::read_to_end`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct ReadToEnd<'a> {
    reader: &'a mut StreamReader,
}

/// The future returned by [`StreamReader::readline`].
///
/// # Examples
/// See [`StreamReader::readline`].
///
/// ```
/// baton::run(async {
///     let (a, mut b) = baton::net::UnixStream::pair()?;
///     let mut reader = baton::StreamReader::new(a);
///     b.write_all(b"l\n").await?;
///     let line = reader.readline(); // a `ReadLine`
///     assert_eq!(line.await?, b"l\n");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Cancel safety
/// As [`StreamReader::readline`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct ReadLine<'a> {
    until: ReadUntil<'a>,
}

/// The future returned by [`StreamReader::readuntil`].
///
/// # Examples
/// See [`StreamReader::readuntil`].
///
/// ```
/// baton::run(async {
///     let (a, mut b) = baton::net::UnixStream::pair()?;
///     let mut reader = baton::StreamReader::new(a);
///     b.write_all(b"a;b").await?;
///     let until = reader.readuntil(b";"); // a `ReadUntil`
///     assert_eq!(until.await?, b"a;");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Cancel safety
/// As [`StreamReader::readuntil`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct ReadUntil<'a> {
    reader: &'a mut StreamReader,
    sep: &'a [u8],
    /// asyncio's `offset`: the unread bytes before it hold no start of `sep`, so each search
    /// resumes there (at most `sep.len() - 1` bytes are looked at twice).
    offset: usize,
}

/// The future returned by [`StreamReader::readexactly`].
///
/// # Examples
/// See [`StreamReader::readexactly`].
///
/// ```
/// baton::run(async {
///     let (a, mut b) = baton::net::UnixStream::pair()?;
///     let mut reader = baton::StreamReader::new(a);
///     b.write_all(b"xy").await?;
///     let exactly = reader.readexactly(2); // a `ReadExactly`
///     assert_eq!(exactly.await?, b"xy");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Cancel safety
/// As [`StreamReader::readexactly`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct ReadExactly<'a> {
    reader: &'a mut StreamReader,
    n: usize,
}

impl Future for ReadN<'_> {
    type Output = io::Result<Vec<u8>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let want = this.n;
        this.reader.poll_fill_until(cx, |r| {
            let ready = want == 0 || !r.buffer.is_empty() || r.eof;
            ready.then(|| Ok(r.buffer.take(r.buffer.len().min(want))))
        })
    }
}

impl Future for ReadToEnd<'_> {
    type Output = io::Result<Vec<u8>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let r = &mut *self.get_mut().reader;
        r.poll_fill_until(cx, |r| r.eof.then(|| Ok(r.buffer.take(r.buffer.len()))))
    }
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.len() == 1 {
        return haystack.iter().position(|b| *b == needle[0]);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Why `readuntil`'s search stopped without a separator within the limit.
enum UntilError {
    Eof,
    Limit(LimitOverrunError),
    Io(io::Error),
}

impl ReadUntil<'_> {
    /// asyncio's `readuntil` loop, shared with `readline`: the separator's index, or why
    /// there is none, before the caller decides what to consume.
    fn poll_until(&mut self, cx: &mut Context<'_>) -> Poll<Result<usize, UntilError>> {
        let r = &mut *self.reader;
        if let Some(e) = r.exception() {
            return Poll::Ready(Err(UntilError::Io(e)));
        }
        let sep = self.sep;
        let limit = r.limit;
        loop {
            let unread = r.buffer.unread();
            // Bytes only ever join the end while this future lives, so `offset` stays valid.
            if unread.len() - self.offset >= sep.len() {
                if let Some(i) = find(&unread[self.offset..], sep) {
                    let at = self.offset + i;
                    if at > limit {
                        let e = LimitOverrunError {
                            consumed: at,
                            limit,
                        };
                        return Poll::Ready(Err(UntilError::Limit(e)));
                    }
                    return Poll::Ready(Ok(at));
                }
                self.offset = unread.len() + 1 - sep.len();
                if self.offset > limit {
                    let e = LimitOverrunError {
                        consumed: self.offset,
                        limit,
                    };
                    return Poll::Ready(Err(UntilError::Limit(e)));
                }
            }
            // Checked after the search: the last bytes before EOF may complete the separator.
            if r.eof {
                return Poll::Ready(Err(UntilError::Eof));
            }
            if let Err(e) = ready!(r.poll_fill(cx)) {
                return Poll::Ready(Err(UntilError::Io(e)));
            }
        }
    }
}

impl Future for ReadUntil<'_> {
    type Output = io::Result<Vec<u8>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let found = ready!(this.poll_until(cx));
        let r = &mut *this.reader;
        Poll::Ready(match found {
            Ok(at) => Ok(r.buffer.take(at + this.sep.len())),
            Err(UntilError::Eof) => {
                let partial = r.buffer.take(r.buffer.len());
                Err(IncompleteReadError {
                    partial,
                    expected: None,
                }
                .into_io())
            }
            // The bytes stay buffered (asyncio), to be read some other way.
            Err(UntilError::Limit(e)) => Err(e.into_io()),
            Err(UntilError::Io(e)) => Err(e),
        })
    }
}

impl Future for ReadLine<'_> {
    type Output = io::Result<Vec<u8>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let until = &mut self.get_mut().until;
        let found = ready!(until.poll_until(cx));
        let r = &mut *until.reader;
        Poll::Ready(match found {
            Ok(at) => Ok(r.buffer.take(at + 1)),
            // asyncio: at EOF, the rest (maybe empty) is the last line.
            Err(UntilError::Eof) => Ok(r.buffer.take(r.buffer.len())),
            Err(UntilError::Limit(e)) => {
                // Drop the over-long line through its `\n`: now if it is here (the search
                // stopped at it), else as it arrives.
                if r.buffer.unread().get(e.consumed) == Some(&b'\n') {
                    r.buffer.consume(e.consumed + 1);
                } else {
                    r.buffer.consume(r.buffer.len());
                    r.skipping_line = !r.eof;
                }
                Err(e.into_io())
            }
            Err(UntilError::Io(e)) => Err(e),
        })
    }
}

impl Future for ReadExactly<'_> {
    type Output = io::Result<Vec<u8>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let want = this.n;
        this.reader.poll_fill_until(cx, |r| {
            if r.buffer.len() >= want {
                return Some(Ok(r.buffer.take(want)));
            }
            r.eof.then(|| {
                let partial = r.buffer.take(r.buffer.len());
                Err(IncompleteReadError {
                    partial,
                    expected: Some(want),
                }
                .into_io())
            })
        })
    }
}

impl fmt::Debug for StreamReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamReader")
            .field("buffered", &self.buffer.len())
            .field("eof", &self.eof)
            .field("limit", &self.limit)
            .field("fed", &matches!(self.source, Source::Fed(_)))
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for ReadN<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadN").field("n", &self.n).finish()
    }
}

impl fmt::Debug for ReadToEnd<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadToEnd")
            .field("reader", &self.reader)
            .finish()
    }
}

impl fmt::Debug for ReadLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadLine")
            .field("reader", &self.until.reader)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for ReadUntil<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadUntil")
            .field("sep", &self.sep)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for ReadExactly<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadExactly").field("n", &self.n).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One large `readexactly` must not pin its buffer for the reader's lifetime.
    #[test]
    #[cfg_attr(miri, ignore = "real sockets")]
    fn a_large_read_does_not_pin_its_buffer() {
        crate::run(async {
            let big = 4 << 20;
            let (a, mut b) = crate::net::UnixStream::pair().unwrap();
            let mut reader = StreamReader::new(a);
            let writer = crate::task::spawn(async move {
                b.write_all(&vec![7u8; big + 10]).await.unwrap();
                b
            });
            let got = reader.readexactly(big).await.unwrap();
            assert_eq!(got.len(), big);
            let _b = writer.await.unwrap();
            assert_eq!(reader.readexactly(10).await.unwrap(), [7; 10]);
            assert!(
                reader.buffer.capacity() <= 2 * DEFAULT_LIMIT,
                "{} bytes kept after the read",
                reader.buffer.capacity()
            );
        });
    }
}
