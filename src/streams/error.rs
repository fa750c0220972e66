//! The errors of the stream reader, carried inside `io::Error` so `?` works in functions that
//! return `io::Result`.

use std::error::Error;
use std::fmt;
use std::io;

/// The stream ended before a read could complete (asyncio's `IncompleteReadError`). Travels as
/// the payload of an `io::Error` of kind `UnexpectedEof`; take it back with
/// [`IncompleteReadError::from_io`].
///
/// # Examples
/// ```
/// use baton::StreamReader;
/// use baton::streams::IncompleteReadError;
///
/// baton::run(async {
///     let (a, mut b) = baton::net::UnixStream::pair()?;
///     let mut reader = StreamReader::new(a);
///     b.write_all(b"abc").await?;
///     drop(b);
///     let err = reader.readexactly(10).await.unwrap_err();
///     let incomplete = IncompleteReadError::from_io(err).unwrap();
///     assert_eq!(incomplete.partial, b"abc");
///     assert_eq!(incomplete.expected, Some(10));
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct IncompleteReadError {
    /// The bytes that did arrive before EOF (removed from the reader's buffer).
    pub partial: Vec<u8>,
    /// How many bytes were asked for; `None` when reading up to a separator.
    pub expected: Option<usize>,
}

/// A separator was not found within the reader's limit (asyncio's `LimitOverrunError`): it
/// was found past the limit, or more bytes than the limit came without it. Travels as the
/// payload of an `io::Error` of kind `InvalidData`.
///
/// # Examples
/// ```
/// use baton::StreamReader;
/// use baton::streams::LimitOverrunError;
///
/// baton::run(async {
///     let (a, mut b) = baton::net::UnixStream::pair()?;
///     let mut reader = StreamReader::with_limit(a, 16);
///     b.write_all(&[b'x'; 100]).await?;
///     let err = reader.readline().await.unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
///     assert!(LimitOverrunError::from_io(err).is_some());
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LimitOverrunError {
    /// Where the separator starts, when it was found past the limit; otherwise how many
    /// buffered bytes were searched without finding it (asyncio's `consumed`). The second
    /// case depends on how much had arrived; whether the error happens does not.
    pub consumed: usize,
    /// The reader's limit.
    pub limit: usize,
}

impl IncompleteReadError {
    pub(crate) fn into_io(self) -> io::Error {
        io::Error::new(io::ErrorKind::UnexpectedEof, self)
    }

    /// Takes the `IncompleteReadError` out of an `io::Error`, if that is what it carries.
    ///
    /// # Examples
    /// See [`IncompleteReadError`].
    ///
    /// ```
    /// let other = std::io::Error::from(std::io::ErrorKind::UnexpectedEof);
    /// assert!(baton::streams::IncompleteReadError::from_io(other).is_none());
    /// ```
    pub fn from_io(err: io::Error) -> Option<IncompleteReadError> {
        err.into_inner()?.downcast().ok().map(|b| *b)
    }
}

impl LimitOverrunError {
    pub(crate) fn into_io(self) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, self)
    }

    /// Takes the `LimitOverrunError` out of an `io::Error`, if that is what it carries.
    ///
    /// # Examples
    /// See [`LimitOverrunError`].
    ///
    /// ```
    /// let other = std::io::Error::from(std::io::ErrorKind::InvalidData);
    /// assert!(baton::streams::LimitOverrunError::from_io(other).is_none());
    /// ```
    pub fn from_io(err: io::Error) -> Option<LimitOverrunError> {
        err.into_inner()?.downcast().ok().map(|b| *b)
    }
}

impl fmt::Display for IncompleteReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.expected {
            Some(n) => write!(
                f,
                "stream ended after {} of {} expected bytes",
                self.partial.len(),
                n
            ),
            None => write!(
                f,
                "stream ended after {} bytes without the separator",
                self.partial.len()
            ),
        }
    }
}

impl fmt::Display for LimitOverrunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "separator not found within the reader's limit of {} bytes ({} buffered)",
            self.limit, self.consumed
        )
    }
}

impl Error for IncompleteReadError {}
impl Error for LimitOverrunError {}
