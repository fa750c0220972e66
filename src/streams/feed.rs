//! `StreamFeeder`: the pushing end of a [`StreamReader`] with no transport behind it, as
//! asyncio's protocols feed a `StreamReader` (`feed_data`, `feed_eof`, `set_exception`).
//!
//! The feeder and the reader share one `Mutex<FeedState>` (`Arc`'d: both are `Send + Sync`,
//! so a feeder may feed from another thread). Fed bytes wait there until the
//! reader needs them; the reader then takes them all at once, as asyncio's `feed_data` puts
//! them straight into the reader's buffer. The reader leaves its waker when it must wait, and
//! every feed wakes it. No lock is held while a waker is woken or dropped.

use crate::util::Mutex;
use std::fmt;
use std::io;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

#[cfg(doc)]
use super::reader::StreamReader;

/// Feeds a [`StreamReader`] made by [`StreamReader::fed`]: bytes, the end of the stream, or an
/// error (asyncio's `feed_data`, `feed_eof`, `set_exception`). Feeding wakes a task waiting in
/// one of the reader's reads.
///
/// Cloning gives another handle on the same reader. Feeding after the reader was dropped
/// discards the bytes.
///
/// # Examples
/// ```
/// use baton::StreamReader;
///
/// baton::run(async {
///     let (mut reader, feeder) = StreamReader::fed();
///     let protocol = baton::spawn(async move {
///         // e.g. bytes decoded from some transport
///         feeder.feed_data(b"HELO ");
///         baton::yield_now().await;
///         feeder.feed_data(b"world\nbye");
///         feeder.feed_eof();
///     });
///     assert_eq!(reader.readline().await?, b"HELO world\n"); // waits for the second feed
///     assert_eq!(reader.read_to_end().await?, b"bye");
///     assert!(reader.at_eof());
///     protocol.await.unwrap();
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct StreamFeeder {
    shared: Arc<Mutex<FeedState>>,
}

/// The reader's end: where a fed `StreamReader` takes its bytes from.
pub(super) struct FedSource {
    shared: Arc<Mutex<FeedState>>,
}

#[derive(Default)]
struct FeedState {
    /// Fed bytes the reader has not taken yet.
    data: Vec<u8>,
    /// `feed_eof` was called.
    eof: bool,
    /// `set_exception`'s error, until a read returns it.
    error: Option<io::Error>,
    /// The error's kind and message, to fail every later read the same way (as asyncio raises
    /// the same exception again).
    error_again: Option<(io::ErrorKind, String)>,
    /// The task waiting for bytes.
    waker: Option<Waker>,
    /// The reader was dropped: nobody will take fed bytes.
    reader_gone: bool,
}

/// What the reader took from the feed.
pub(super) enum Taken {
    Data(Vec<u8>),
    Eof,
}

/// A fresh feed: the reader's source and its feeder.
pub(super) fn feed() -> (FedSource, StreamFeeder) {
    let shared = Arc::new(Mutex::new(FeedState::default()));
    (
        FedSource {
            shared: shared.clone(),
        },
        StreamFeeder { shared },
    )
}

impl StreamFeeder {
    /// Adds bytes to the reader's stream and wakes the reader (asyncio's `feed_data`). Empty
    /// data does nothing.
    ///
    /// Takes anything that becomes a `Vec<u8>` (`&[u8]`, `&str`, `Vec<u8>`, …); a `Vec` is
    /// handed over without copying when the reader has nothing buffered.
    ///
    /// # Examples
    /// See [`StreamFeeder`].
    ///
    /// ```
    /// baton::run(async {
    ///     let (mut reader, feeder) = baton::StreamReader::fed();
    ///     feeder.feed_data("one\n");
    ///     feeder.feed_data(vec![b't', b'w', b'o', b'\n']);
    ///     assert_eq!(reader.readline().await?, b"one\n");
    ///     assert_eq!(reader.readline().await?, b"two\n");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Panics
    /// After [`feed_eof`](StreamFeeder::feed_eof): the stream has ended (asyncio asserts the
    /// same).
    #[track_caller]
    pub fn feed_data(&self, data: impl Into<Vec<u8>>) {
        let data = data.into();
        let mut st = self.shared.lock();
        assert!(
            !st.eof,
            "StreamFeeder::feed_data after feed_eof: the stream has ended; feed every byte \
             before feed_eof"
        );
        if data.is_empty() || st.reader_gone {
            return;
        }
        if st.data.is_empty() {
            st.data = data;
        } else {
            st.data.extend_from_slice(&data);
        }
        let waker = st.waker.take();
        drop(st);
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Ends the stream: once the fed bytes are read, reads see EOF (asyncio's `feed_eof`).
    /// Calling it again does nothing.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let (mut reader, feeder) = baton::StreamReader::fed();
    ///     feeder.feed_data(b"last line, no newline");
    ///     feeder.feed_eof();
    ///     assert_eq!(reader.readline().await?, b"last line, no newline");
    ///     assert_eq!(reader.readline().await?, b"");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn feed_eof(&self) {
        let waker = {
            let mut st = self.shared.lock();
            st.eof = true;
            st.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Makes the reader fail: its next read, and every read after it, returns an error of
    /// `err`'s kind and message, even with bytes still buffered (asyncio's `set_exception`).
    /// The first such read returns `err` itself. A waiting read is woken and fails.
    ///
    /// # Examples
    /// ```
    /// use std::io;
    ///
    /// baton::run(async {
    ///     let (mut reader, feeder) = baton::StreamReader::fed();
    ///     feeder.feed_data(b"partial");
    ///     feeder.set_exception(io::Error::new(io::ErrorKind::ConnectionReset, "peer vanished"));
    ///     let err = reader.read(100).await.unwrap_err();
    ///     assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
    ///     assert_eq!(err.to_string(), "peer vanished");
    ///     assert!(reader.readline().await.is_err()); // and again
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_exception(&self, err: io::Error) {
        let (waker, replaced) = {
            let mut st = self.shared.lock();
            st.error_again = Some((err.kind(), err.to_string()));
            let replaced = st.error.replace(err);
            (st.waker.take(), replaced)
        };
        drop(replaced);
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl FedSource {
    /// The error `set_exception` left, if any: the original the first time, a copy after.
    pub(super) fn exception(&self) -> Option<io::Error> {
        let mut st = self.shared.lock();
        if let Some(e) = st.error.take() {
            return Some(e);
        }
        st.error_again
            .as_ref()
            .map(|(kind, msg)| io::Error::new(*kind, msg.clone()))
    }

    /// True once `feed_eof` was called and every fed byte was taken.
    pub(super) fn ended(&self) -> bool {
        let st = self.shared.lock();
        st.eof && st.data.is_empty()
    }

    /// Takes every fed byte, or EOF; otherwise leaves `cx`'s waker for the next feed.
    pub(super) fn poll_take(&self, cx: &mut Context<'_>) -> Poll<io::Result<Taken>> {
        let mut st = self.shared.lock();
        if let Some(e) = st.error.take() {
            return Poll::Ready(Err(e));
        }
        if let Some((kind, msg)) = &st.error_again {
            return Poll::Ready(Err(io::Error::new(*kind, msg.clone())));
        }
        if !st.data.is_empty() {
            return Poll::Ready(Ok(Taken::Data(std::mem::take(&mut st.data))));
        }
        if st.eof {
            return Poll::Ready(Ok(Taken::Eof));
        }
        let old = match &st.waker {
            Some(w) if w.will_wake(cx.waker()) => None,
            _ => st.waker.replace(cx.waker().clone()),
        };
        drop(st);
        // The replaced waker is dropped after the lock: its drop may be user code.
        drop(old);
        Poll::Pending
    }
}

impl Drop for FedSource {
    fn drop(&mut self) {
        let (data, waker) = {
            let mut st = self.shared.lock();
            st.reader_gone = true;
            (std::mem::take(&mut st.data), st.waker.take())
        };
        drop(data);
        drop(waker);
    }
}

impl fmt::Debug for StreamFeeder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.shared.lock();
        f.debug_struct("StreamFeeder")
            .field("unread", &st.data.len())
            .field("eof", &st.eof)
            .field("failed", &st.error_again.is_some())
            .field("reader_gone", &st.reader_gone)
            .finish()
    }
}

impl fmt::Debug for FedSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FedSource").finish_non_exhaustive()
    }
}
