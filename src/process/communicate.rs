//! `communicate` and `wait_with_output`: feed the child's stdin while draining its stdout and
//! stderr, all in one future, then wait for its exit.
//!
//! Doing the three at once is the point: a child that writes more than a pipe holds (64 KiB)
//! before it has read all its input blocks on its stdout, and a parent that first wrote all the
//! input and only then read would block on the child's stdin: a deadlock. `Collector` polls
//! every pipe that still has work on each wake-up.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::process::Output;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use super::child::Child;
use super::pipe::{ChildStderr, ChildStdin, ChildStdout};

/// How much room each read asks for.
const READ_CHUNK: usize = 64 * 1024;

/// The future of [`Child::communicate`]: the status and everything the child wrote.
///
/// # Examples
/// ```
/// use baton::process::{Command, Stdio};
///
/// baton::run(async {
///     let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
///     let talk = child.communicate(Some(b"echo".to_vec())); // a `Communicate`
///     assert_eq!(talk.await?.stdout, b"echo");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Cancel safety
/// Not cancel safe: what was read so far is lost, and the pipes are gone from the `Child`.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Communicate<'a> {
    child: &'a mut Child,
    collect: Collector,
}

/// The future of [`Child::wait_with_output`]; it owns the child (dropping it drops the child).
///
/// # Examples
/// ```
/// use baton::process::{Command, Stdio};
///
/// baton::run(async {
///     let child = Command::new("echo").arg("hi").stdout(Stdio::piped()).spawn()?;
///     let output = child.wait_with_output(); // a `WaitWithOutput`
///     assert_eq!(output.await?.stdout, b"hi\n");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct WaitWithOutput {
    child: Child,
    collect: Collector,
}

/// The pipes' side of both futures: the input still to write, the outputs read so far.
pub(super) struct Collector {
    /// A refusal found when the future was made (input without a piped stdin).
    refused: Option<io::Error>,
    stdin: Option<ChildStdin>,
    input: Vec<u8>,
    written: usize,
    stdout: Option<ChildStdout>,
    stderr: Option<ChildStderr>,
    out: Vec<u8>,
    err: Vec<u8>,
}

impl Collector {
    /// Takes `child`'s pipes; with no `input`, its stdin is closed at once.
    pub(super) fn new(child: &mut Child, input: Option<Vec<u8>>) -> Collector {
        let mut collect = Collector {
            refused: None,
            stdin: None,
            input: Vec::new(),
            written: 0,
            stdout: None,
            stderr: None,
            out: Vec::new(),
            err: Vec::new(),
        };
        if input.is_some() && child.stdin.is_none() {
            // Refused before anything is taken: the child keeps its pipes.
            collect.refused = Some(io::Error::new(
                io::ErrorKind::InvalidInput,
                "communicate was given input but the child's stdin is not piped \
                 (Command::stdin(Stdio::piped())) or was taken",
            ));
            return collect;
        }
        let stdin = child.stdin.take();
        if let Some(input) = input {
            collect.stdin = stdin;
            collect.input = input;
        }
        collect.stdout = child.stdout.take();
        collect.stderr = child.stderr.take();
        collect
    }
}

impl<'a> Communicate<'a> {
    pub(super) fn new(child: &'a mut Child, collect: Collector) -> Communicate<'a> {
        Communicate { child, collect }
    }
}

impl WaitWithOutput {
    pub(super) fn new(child: Child, collect: Collector) -> WaitWithOutput {
        WaitWithOutput { child, collect }
    }
}

impl Collector {
    /// Moves bytes on every pipe that still has work, then waits for the child's exit.
    fn poll(&mut self, cx: &mut Context<'_>, child: &mut Child) -> Poll<io::Result<Output>> {
        if let Some(e) = self.refused.take() {
            return Poll::Ready(Err(e));
        }
        let wrote = self.poll_write_input(cx)?;
        let out = poll_drain(&mut self.stdout, &mut self.out, cx)?;
        let err = poll_drain(&mut self.stderr, &mut self.err, cx)?;
        if wrote.is_pending() || out.is_pending() || err.is_pending() {
            return Poll::Pending;
        }
        let status = match child.poll_wait(cx) {
            Poll::Ready(Ok(status)) => status,
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        };
        Poll::Ready(Ok(Output {
            status,
            stdout: std::mem::take(&mut self.out),
            stderr: std::mem::take(&mut self.err),
        }))
    }

    /// Writes what is left of the input; closes stdin once it is all written, or once the
    /// child has closed its end (`BrokenPipe`: it did not want the rest).
    fn poll_write_input(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some(stdin) = &mut self.stdin {
            let rest = &self.input[self.written..];
            if rest.is_empty() {
                self.stdin = None;
                break;
            }
            match Pin::new(stdin).poll_write(cx, rest) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => self.written += n,
                Poll::Ready(Err(e)) if is_hang_up(&e) => self.stdin = None,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }
}

/// The child closed its end of stdin.
fn is_hang_up(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
    )
}

/// Reads `pipe` into `buf` until EOF (then drops the pipe) or until it would wait.
fn poll_drain<R: AsyncRead + Unpin>(
    pipe: &mut Option<R>,
    buf: &mut Vec<u8>,
    cx: &mut Context<'_>,
) -> Poll<io::Result<()>> {
    while let Some(reader) = pipe {
        let len = buf.len();
        buf.resize(len + READ_CHUNK, 0);
        let read = Pin::new(reader).poll_read(cx, &mut buf[len..]);
        let n = match &read {
            Poll::Ready(Ok(n)) => *n,
            _ => 0,
        };
        buf.truncate(len + n);
        match read {
            Poll::Ready(Ok(0)) => *pipe = None,
            Poll::Ready(Ok(_)) => {}
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        }
    }
    Poll::Ready(Ok(()))
}

impl Future for Communicate<'_> {
    type Output = io::Result<Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.collect.poll(cx, this.child)
    }
}

impl Future for WaitWithOutput {
    type Output = io::Result<Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.collect.poll(cx, &mut this.child)
    }
}

impl fmt::Debug for Collector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Collector")
            .field("written", &self.written)
            .field("of", &self.input.len())
            .field("stdout_read", &self.out.len())
            .field("stderr_read", &self.err.len())
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Communicate<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Communicate")
            .field("child", &self.child)
            .field("progress", &self.collect)
            .finish()
    }
}

impl fmt::Debug for WaitWithOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitWithOutput")
            .field("child", &self.child)
            .field("progress", &self.collect)
            .finish()
    }
}
