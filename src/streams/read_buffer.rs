//! `ReadBuffer`: the bytes a `StreamReader` has read and not yet returned.
//!
//! # Implementation notes
//!
//! `buf[start..end]` holds the unread bytes, and all of `buf[..buf.len()]` is initialised:
//! `buf[end..]` is room left by bytes already returned (the buffer is compacted toward the
//! front), which a read fills directly. The buffer never grows by zero-filling: when it has
//! less than `READ_CHUNK` bytes of room, a read lands in `scratch` (one chunk, zeroed once,
//! reused) and the buffer grows by exactly the bytes that came, into capacity the allocator
//! has not handed out as zeroes. So a large `readexactly` touches only as much memory as the
//! bytes it receives, without `unsafe`: `AsyncRead::poll_read` takes `&mut [u8]`, which must
//! be initialised.
//!
//! Memory comes back after large reads: a read of at least `HAND_OVER` bytes that leaves
//! little behind gives the caller the allocation itself (the rest is copied out instead), and
//! once few bytes are left unread a buffer larger than `keep` is shrunk.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_io::AsyncRead;

/// The size of one read into the scratch chunk, and the least room worth reading into.
pub(super) const READ_CHUNK: usize = 8 * 1024;

/// Reads of at least this many bytes hand the buffer's allocation to the caller.
const HAND_OVER: usize = 32 * 1024;

/// The least capacity a buffer may keep when shrinking.
const KEEP_AT_LEAST: usize = 64 * 1024;

pub(super) struct ReadBuffer {
    /// Initialised through `len()`; unread bytes at `start..end`.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Where a read lands when `buf` has too little initialised room; empty until needed.
    scratch: Vec<u8>,
    /// The capacity kept once few bytes are unread: enough for a line at the reader's limit.
    keep: usize,
}

impl ReadBuffer {
    /// An empty buffer for a reader whose lines may reach `limit` bytes.
    pub(super) fn new(limit: usize) -> ReadBuffer {
        ReadBuffer {
            buf: Vec::new(),
            start: 0,
            end: 0,
            scratch: Vec::new(),
            keep: limit.saturating_add(READ_CHUNK).max(KEEP_AT_LEAST),
        }
    }

    pub(super) fn unread(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    pub(super) fn len(&self) -> usize {
        self.end - self.start
    }

    pub(super) fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The bytes of memory the buffer holds (for tests of the shrinking).
    #[cfg(test)]
    pub(super) fn capacity(&self) -> usize {
        self.buf.capacity() + self.scratch.capacity()
    }

    /// Removes and returns the first `n` unread bytes.
    pub(super) fn take(&mut self, n: usize) -> Vec<u8> {
        assert!(n <= self.len(), "take past the unread bytes");
        let rest = self.end - n;
        if self.start == 0 && n >= HAND_OVER && rest < n {
            // Cheaper to copy the rest out than the answer: hand the allocation over.
            let tail = self.buf[n..self.end].to_vec();
            let mut out = std::mem::replace(&mut self.buf, tail);
            self.end = rest;
            out.truncate(n);
            if out.capacity() - n > n / 4 {
                out.shrink_to_fit();
            }
            return out;
        }
        let out = self.buf[self.start..self.start + n].to_vec();
        self.consume(n);
        out
    }

    /// Drops the first `n` unread bytes.
    pub(super) fn consume(&mut self, n: usize) {
        assert!(n <= self.len(), "consume past the unread bytes");
        self.start += n;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        if self.buf.capacity() > self.keep && self.len() <= self.keep / 2 {
            self.shrink();
        }
    }

    /// Drops the unread bytes up to and including the first `\n`, or all of them if there is
    /// none; says whether there was one.
    pub(super) fn skip_line(&mut self) -> bool {
        match self.unread().iter().position(|b| *b == b'\n') {
            Some(i) => {
                self.consume(i + 1);
                true
            }
            None => {
                self.consume(self.len());
                false
            }
        }
    }

    /// Appends fed bytes; an empty buffer takes the `Vec` itself.
    pub(super) fn append(&mut self, data: Vec<u8>) {
        if self.is_empty() {
            self.buf = data;
            self.start = 0;
            self.end = self.buf.len();
            return;
        }
        self.compact();
        self.buf.truncate(self.end);
        self.buf.extend_from_slice(&data);
        self.end = self.buf.len();
    }

    /// Reads once from `io`, appending what came; `Ok(0)` is EOF.
    pub(super) fn poll_read_from(
        &mut self,
        io: &mut (dyn AsyncRead + Unpin),
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<usize>> {
        if self.is_empty() {
            self.start = 0;
            self.end = 0;
        } else if self.buf.len() - self.end < READ_CHUNK {
            self.compact();
        }
        if self.buf.len() - self.end >= READ_CHUNK {
            let n = ready!(Pin::new(io).poll_read(cx, &mut self.buf[self.end..]))?;
            self.end += n;
            return Poll::Ready(Ok(n));
        }
        if self.scratch.is_empty() {
            self.scratch = vec![0; READ_CHUNK];
        }
        let n = ready!(Pin::new(io).poll_read(cx, &mut self.scratch))?;
        self.buf.truncate(self.end);
        self.buf.extend_from_slice(&self.scratch[..n]);
        self.end += n;
        Poll::Ready(Ok(n))
    }

    /// Moves the unread bytes to the front.
    fn compact(&mut self) {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
    }

    /// Gives back memory beyond what the unread bytes need.
    fn shrink(&mut self) {
        self.compact();
        self.buf.truncate(self.end);
        self.buf.shrink_to(self.end.max(READ_CHUNK));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg_attr(
        miri,
        ignore = "Miri moves every reallocation, so the address check cannot hold"
    )]
    fn a_large_take_hands_the_allocation_over_and_copies_the_rest() {
        let mut b = ReadBuffer::new(16);
        let mut data = vec![1u8; 100_000];
        data.extend_from_slice(b"tail");
        let ptr = data.as_ptr();
        b.append(data);
        let out = b.take(100_000);
        assert_eq!(out.as_ptr(), ptr, "handed over, not copied");
        assert_eq!(out.len(), 100_000);
        assert_eq!(b.unread(), b"tail");
        assert!(b.capacity() < 1024);
    }

    #[test]
    fn consuming_most_of_a_large_buffer_shrinks_it() {
        let mut b = ReadBuffer::new(16);
        b.append(vec![0u8; 1 << 20]);
        assert_eq!(b.take(10).len(), 10); // small: copied out, the buffer stays
        assert!(b.capacity() >= 1 << 20);
        b.consume((1 << 20) - 20);
        assert_eq!(b.len(), 10);
        assert!(b.capacity() <= KEEP_AT_LEAST, "{}", b.capacity());
    }

    #[test]
    fn skip_line_drops_through_the_first_newline() {
        let mut b = ReadBuffer::new(16);
        b.append(b"rest of a long line\nnext\n".to_vec());
        assert!(b.skip_line());
        assert_eq!(b.unread(), b"next\n");
        b.consume(5);
        b.append(b"no newline".to_vec());
        assert!(!b.skip_line());
        assert!(b.is_empty());
    }
}
