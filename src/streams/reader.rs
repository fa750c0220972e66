//! `StreamReader`: asyncio's buffered reader, with `readline`, `readuntil`, `readexactly`.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::AsyncRead;

use super::error::{IncompleteReadError, LimitOverrunError};

/// asyncio's default limit: 64 KiB.
pub(crate) const DEFAULT_LIMIT: usize = 64 * 1024;

/// The smallest read the reader asks the socket for.
const MIN_READ: usize = 8 * 1024;

/// A buffered reader over a byte stream (asyncio's `StreamReader`), made by
/// [`open_connection`](crate::open_connection) and [`start_server`](crate::start_server), or
/// over any `futures_io::AsyncRead` with [`new`](StreamReader::new).
///
/// `readline` and `readuntil` buffer at most `limit` bytes (64 KiB unless told otherwise) while
/// looking for the separator; a longer line is an error, never an unbounded buffer.
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
    io: Box<dyn AsyncRead + Unpin>,
    /// `buf[start..end]` holds unread bytes; `buf` is fully initialised, so reads go straight
    /// into `buf[end..]`.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    limit: usize,
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
    pub fn new(io: impl AsyncRead + Unpin + 'static) -> StreamReader {
        StreamReader::with_limit(io, DEFAULT_LIMIT)
    }

    /// A reader over `io` that buffers at most `limit` bytes while looking for a separator.
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
    pub fn with_limit(io: impl AsyncRead + Unpin + 'static, limit: usize) -> StreamReader {
        assert!(limit > 0, "a StreamReader's limit must be positive");
        StreamReader {
            io: Box::new(io),
            buf: Vec::new(),
            start: 0,
            end: 0,
            eof: false,
            limit,
        }
    }

    /// The buffer limit for `readline`/`readuntil`.
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

    /// True when the buffer is empty and the stream has ended (asyncio's `at_eof`).
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
        self.eof && self.start == self.end
    }

    /// Reads up to `n` bytes: whatever is buffered, or else one read from the stream. Empty at
    /// EOF (asyncio's `read(n)`).
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
    /// Any read error of the stream, e.g. `ConnectionReset`.
    ///
    /// # Cancel safety
    /// Cancel safe: bytes stay buffered until a read returns them.
    pub fn read(&mut self, n: usize) -> ReadN<'_> {
        ReadN { reader: self, n }
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
    /// [`LimitOverrunError`] (kind `InvalidData`) when no `\n` comes within the limit; the
    /// buffered bytes are discarded (through the separator, if it has arrived). Any read
    /// error.
    ///
    /// # Cancel safety
    /// Cancel safe: bytes stay buffered until a line is returned.
    pub fn readline(&mut self) -> ReadLine<'_> {
        ReadLine {
            until: ReadUntil {
                reader: self,
                sep: b"\n",
                searched: 0,
            },
        }
    }

    /// Reads up to and including `sep` (asyncio's `readuntil`).
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
    /// [`IncompleteReadError`] (kind `UnexpectedEof`, `expected: None`) at EOF before `sep`,
    /// carrying the bytes that came; [`LimitOverrunError`] (kind `InvalidData`) when `sep` does
    /// not come within the limit (the bytes stay buffered); any read error.
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
            searched: 0,
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

    fn buffered(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Removes and returns the first `n` buffered bytes.
    fn take(&mut self, n: usize) -> Vec<u8> {
        let out = self.buf[self.start..self.start + n].to_vec();
        self.consume(n);
        out
    }

    fn consume(&mut self, n: usize) {
        self.start += n;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Reads once from the stream into the buffer; at EOF sets `eof`. `Ready(Ok(()))` means
    /// the buffer grew or EOF was seen.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.buf.len() - self.end < MIN_READ {
            if self.start > 0 {
                // Move the unread bytes to the front before growing.
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.buf.len() - self.end < MIN_READ {
                let grown = (self.buf.len() * 2).max(self.end + MIN_READ);
                self.buf.resize(grown, 0);
            }
        }
        let end = self.end;
        match Pin::new(&mut self.io).poll_read(cx, &mut self.buf[end..]) {
            Poll::Ready(Ok(0)) => {
                self.eof = true;
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Ok(n)) => {
                self.end += n;
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
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
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct ReadN<'a> {
    reader: &'a mut StreamReader,
    n: usize,
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
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct ReadUntil<'a> {
    reader: &'a mut StreamReader,
    sep: &'a [u8],
    /// Bytes of the buffer already searched (without a match), so each byte is looked at once.
    searched: usize,
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
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct ReadExactly<'a> {
    reader: &'a mut StreamReader,
    n: usize,
}

impl Future for ReadN<'_> {
    type Output = io::Result<Vec<u8>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let r = &mut *this.reader;
        loop {
            let have = r.end - r.start;
            if have > 0 || this.n == 0 || r.eof {
                return Poll::Ready(Ok(r.take(have.min(this.n))));
            }
            match r.poll_fill(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.len() == 1 {
        return haystack.iter().position(|b| *b == needle[0]);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

impl ReadUntil<'_> {
    /// The shared loop of `readuntil` and `readline`; `Err` carries the error before the
    /// caller decides what to discard.
    fn poll_until(&mut self, cx: &mut Context<'_>) -> Poll<Result<Vec<u8>, UntilError>> {
        let sep = self.sep;
        loop {
            let r = &mut *self.reader;
            let from = self.searched.saturating_sub(sep.len() - 1);
            if let Some(i) = find(&r.buffered()[from..], sep) {
                self.searched = 0;
                return Poll::Ready(Ok(r.take(from + i + sep.len())));
            }
            let have = r.end - r.start;
            self.searched = have;
            if have > r.limit {
                return Poll::Ready(Err(UntilError::Limit(LimitOverrunError {
                    consumed: have,
                    limit: r.limit,
                })));
            }
            if r.eof {
                return Poll::Ready(Err(UntilError::Eof));
            }
            match r.poll_fill(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(UntilError::Io(e))),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

enum UntilError {
    Eof,
    Limit(LimitOverrunError),
    Io(io::Error),
}

impl Future for ReadUntil<'_> {
    type Output = io::Result<Vec<u8>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.poll_until(cx).map(|r| match r {
            Ok(bytes) => Ok(bytes),
            Err(UntilError::Eof) => {
                let r = &mut *this.reader;
                let partial = r.take(r.end - r.start);
                Err(IncompleteReadError {
                    partial,
                    expected: None,
                }
                .into_io())
            }
            Err(UntilError::Limit(e)) => Err(e.into_io()),
            Err(UntilError::Io(e)) => Err(e),
        })
    }
}

impl Future for ReadLine<'_> {
    type Output = io::Result<Vec<u8>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let until = &mut self.get_mut().until;
        until.poll_until(cx).map(|r| match r {
            Ok(line) => Ok(line),
            Err(UntilError::Eof) => {
                // asyncio: at EOF, the rest (possibly empty) is the last line.
                let r = &mut *until.reader;
                Ok(r.take(r.end - r.start))
            }
            Err(UntilError::Limit(e)) => {
                // asyncio: drop the over-long line (through its `\n` if it came), so the
                // next readline starts fresh.
                let r = &mut *until.reader;
                let have = r.end - r.start;
                let drop_len = find(r.buffered(), b"\n").map_or(have, |i| i + 1);
                r.consume(drop_len);
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
        let r = &mut *this.reader;
        loop {
            let have = r.end - r.start;
            if have >= this.n {
                return Poll::Ready(Ok(r.take(this.n)));
            }
            if r.eof {
                let partial = r.take(have);
                return Poll::Ready(Err(IncompleteReadError {
                    partial,
                    expected: Some(this.n),
                }
                .into_io()));
            }
            match r.poll_fill(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl fmt::Debug for StreamReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamReader")
            .field("buffered", &(self.end - self.start))
            .field("eof", &self.eof)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for ReadN<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadN").field("n", &self.n).finish()
    }
}

impl fmt::Debug for ReadLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadLine").finish_non_exhaustive()
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
