//! `Child`: a running (or finished) child process, and `Wait`, the future of its exit.

use std::fmt;
use std::future::Future;
use std::io;
use std::os::unix::process::ExitStatusExt;
use std::pin::Pin;
use std::process::ExitStatus;
use std::task::{Context, Poll};

use super::communicate::{Collector, Communicate, WaitWithOutput};
use super::exit_watcher::ExitWatcher;
use super::orphan::{self, Unreaped};
use super::pipe::{ChildStderr, ChildStdin, ChildStdout};

/// A child process spawned by [`Command::spawn`](super::Command::spawn) or
/// [`create_subprocess_exec`](super::create_subprocess_exec) (asyncio's `Process`).
///
/// Its exit is watched by a reactor (a pidfd, or `SIGCHLD` where there are none), so
/// [`wait`](Child::wait) blocks no thread: the pidfd starts in the spawning loop's reactor and
/// moves to the reactor of whichever loop awaits `wait`. The pipes asked for with
/// [`Stdio::piped()`](super::Stdio::piped) are the public fields `stdin`, `stdout` and
/// `stderr`; take them to use them in other tasks.
///
/// A `Child` may be dropped at any time: one that has not exited is still reaped when it does
/// (it never becomes a lasting zombie), and it keeps running unless
/// [`kill_on_drop`](super::Command::kill_on_drop) was set.
///
/// `Send + Sync`: it may be awaited from a task on another thread or loop, even after the
/// loop that spawned it has closed. (Its pipes stay with the spawning loop, as sockets do.)
///
/// # Examples
/// ```
/// use baton::process::Command;
///
/// baton::run(async {
///     let mut child = Command::new("sh").args(["-c", "exit 3"]).spawn()?;
///     assert!(child.id().is_some());
///     let status = child.wait().await?;
///     assert_eq!(status.code(), Some(3));
///     assert_eq!(child.returncode(), Some(3));
///     assert_eq!(child.id(), None); // reaped
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Child {
    /// The child's standard input, if it was [`Stdio::piped()`](super::Stdio::piped).
    pub stdin: Option<ChildStdin>,
    /// The child's standard output, if it was [`Stdio::piped()`](super::Stdio::piped).
    pub stdout: Option<ChildStdout>,
    /// The child's standard error, if it was [`Stdio::piped()`](super::Stdio::piped).
    pub stderr: Option<ChildStderr>,
    /// The process until it is reaped.
    running: Option<Unreaped>,
    /// Its exit status once reaped.
    status: Option<ExitStatus>,
    pid: u32,
    kill_on_drop: bool,
}

/// The future of [`Child::wait`]: the child's exit status.
///
/// # Examples
/// ```
/// baton::run(async {
///     let mut child = baton::process::Command::new("true").spawn()?;
///     let wait = child.wait(); // a `Wait`
///     assert!(wait.await?.success());
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Cancel safety
/// Cancel safe: the status is kept in the `Child` once reaped.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Wait<'a> {
    child: &'a mut Child,
}

impl Child {
    /// Wraps a process std spawned: registers its exit watcher and pipes with the running loop.
    /// On failure the process is killed and reaped, never left behind.
    #[track_caller]
    pub(super) fn from_std(
        mut process: std::process::Child,
        kill_on_drop: bool,
    ) -> io::Result<Child> {
        let pid = process.id();
        let (stdin, stdout, stderr) = (
            process.stdin.take(),
            process.stdout.take(),
            process.stderr.take(),
        );
        let watcher = match ExitWatcher::new(pid) {
            Ok(watcher) => watcher,
            Err(e) => {
                let _ = process.kill();
                let _ = process.wait();
                return Err(e);
            }
        };
        // Killed on drop until it is whole: a failure below leaves nothing running.
        let mut child = Child {
            stdin: None,
            stdout: None,
            stderr: None,
            running: Some(Unreaped { process, watcher }),
            status: None,
            pid,
            kill_on_drop: true,
        };
        child.stdin = stdin.map(ChildStdin::new).transpose()?;
        child.stdout = stdout.map(ChildStdout::new).transpose()?;
        child.stderr = stderr.map(ChildStderr::new).transpose()?;
        child.kill_on_drop = kill_on_drop;
        Ok(child)
    }

    /// The process id, while the child has not been reaped (asyncio's `pid`); `None` once
    /// [`wait`](Child::wait) or [`try_wait`](Child::try_wait) has seen it exit, when the id may
    /// already name another process.
    ///
    /// # Examples
    /// See [`Child`].
    ///
    /// ```
    /// baton::run(async {
    ///     let mut child = baton::process::Command::new("true").spawn()?;
    ///     let pid = child.id().unwrap();
    ///     assert!(pid > 0);
    ///     child.wait().await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn id(&self) -> Option<u32> {
        self.running.as_ref().map(|_| self.pid)
    }

    /// Waits for the child to exit and returns its status. Closes `stdin` first (if it is still
    /// here), so a child that reads until EOF can finish; the other pipes stay open — a child
    /// that fills a pipe nobody reads never exits, so read them, or use
    /// [`wait_with_output`](Child::wait_with_output) or [`communicate`](Child::communicate).
    ///
    /// # Examples
    /// ```
    /// use std::os::unix::process::ExitStatusExt;
    ///
    /// baton::run(async {
    ///     let mut child = baton::process::Command::new("sleep").arg("10").spawn()?;
    ///     child.kill()?;
    ///     let status = child.wait().await?;
    ///     assert_eq!(status.signal(), Some(libc::SIGKILL));
    ///     assert_eq!(child.wait().await?, status); // kept
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// `waitpid`'s; or the reactor's, when the pidfd cannot be registered with the loop
    /// awaiting it (it is closing, or the OS refuses).
    pub fn wait(&mut self) -> Wait<'_> {
        drop(self.stdin.take());
        Wait { child: self }
    }

    /// The exit status if the child has exited (reaping it), `None` while it runs. Does not
    /// wait.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let mut child = baton::process::Command::new("sleep").arg("10").spawn()?;
    ///     assert_eq!(child.try_wait()?, None);
    ///     child.kill()?;
    ///     child.wait().await?;
    ///     assert!(child.try_wait()?.is_some());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// `waitpid`'s.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if let Some(unreaped) = &mut self.running {
            if let Some(status) = unreaped.process.try_wait()? {
                self.reaped(status);
            }
        }
        Ok(self.status)
    }

    /// asyncio's `returncode`: `None` while the child runs, its exit code once it has exited,
    /// or `-N` if signal `N` ended it. Reaps the child if it has exited (hence `&mut`).
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let mut child = baton::process::Command::new("sleep").arg("10").spawn()?;
    ///     assert_eq!(child.returncode(), None);
    ///     child.terminate()?;
    ///     child.wait().await?;
    ///     assert_eq!(child.returncode(), Some(-libc::SIGTERM));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn returncode(&mut self) -> Option<i32> {
        let status = self.try_wait().ok().flatten()?;
        status
            .code()
            .or_else(|| status.signal().map(|signal| -signal))
    }

    /// Sends `SIGKILL` (asyncio's `kill`); does not wait: [`wait`](Child::wait) for the exit.
    /// Nothing happens if the child has already been reaped.
    ///
    /// # Examples
    /// See [`wait`](Child::wait).
    ///
    /// ```
    /// baton::run(async {
    ///     let mut child = baton::process::Command::new("sleep").arg("10").spawn()?;
    ///     child.kill()?;
    ///     assert!(!child.wait().await?.success());
    ///     child.kill()?; // reaped: nothing to do
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As `kill(2)`.
    pub fn kill(&mut self) -> io::Result<()> {
        self.send_signal(libc::SIGKILL)
    }

    /// Sends `SIGTERM` (asyncio's `terminate`): asks the child to stop. Does not wait.
    ///
    /// # Examples
    /// See [`returncode`](Child::returncode).
    ///
    /// ```
    /// baton::run(async {
    ///     let mut child = baton::process::Command::new("sleep").arg("10").spawn()?;
    ///     child.terminate()?;
    ///     child.wait().await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As `kill(2)`.
    pub fn terminate(&mut self) -> io::Result<()> {
        self.send_signal(libc::SIGTERM)
    }

    /// Sends `signal` (a `libc::SIG*` number) to the child (asyncio's `send_signal`). Nothing
    /// happens once the child has been reaped: its id may name another process by then. Until
    /// then the id is still this child's (a process that exited stays a zombie until reaped).
    ///
    /// # Examples
    /// ```
    /// use std::os::unix::process::ExitStatusExt;
    ///
    /// baton::run(async {
    ///     let mut child = baton::process::Command::new("sleep").arg("10").spawn()?;
    ///     child.send_signal(libc::SIGINT)?;
    ///     assert_eq!(child.wait().await?.signal(), Some(libc::SIGINT));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As `kill(2)`: `InvalidInput` for a bad signal number.
    pub fn send_signal(&mut self, signal: i32) -> io::Result<()> {
        if self.running.is_none() {
            return Ok(());
        }
        // SAFETY: `kill(2)` touches no memory; the pid is our unreaped child's, so it names
        // no other process.
        if unsafe { libc::kill(self.pid as libc::pid_t, signal) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Reads `stdout` and `stderr` to their ends while waiting for the child to exit, and
    /// returns all three (std's and tokio's `wait_with_output`). Closes `stdin` first. A pipe
    /// that was not piped gives an empty `Vec`.
    ///
    /// # Examples
    /// ```
    /// use baton::process::{Command, Stdio};
    ///
    /// baton::run(async {
    ///     let child = Command::new("sh")
    ///         .args(["-c", "echo out; echo err >&2"])
    ///         .stdout(Stdio::piped())
    ///         .stderr(Stdio::piped())
    ///         .spawn()?;
    ///     let output = child.wait_with_output().await?;
    ///     assert!(output.status.success());
    ///     assert_eq!((&output.stdout[..], &output.stderr[..]), (&b"out\n"[..], &b"err\n"[..]));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// A read error, or as [`wait`](Child::wait).
    pub fn wait_with_output(mut self) -> WaitWithOutput {
        let collect = Collector::new(&mut self, None);
        WaitWithOutput::new(self, collect)
    }

    /// asyncio's `communicate(input)`: writes `input` (if any) to `stdin` and closes it, while
    /// reading `stdout` and `stderr` to their ends, then waits for the child to exit; returns
    /// the status and both outputs. The three pipes move at once, so a child that writes a lot
    /// before reading all its input never deadlocks with us. A child that exits without reading
    /// all of `input` is no error (its stdin's `BrokenPipe` is ignored, as in asyncio).
    ///
    /// # Examples
    /// ```
    /// use baton::process::{Command, Stdio};
    ///
    /// baton::run(async {
    ///     let mut child = Command::new("tr")
    ///         .args(["a-z", "A-Z"])
    ///         .stdin(Stdio::piped())
    ///         .stdout(Stdio::piped())
    ///         .spawn()?;
    ///     let output = child.communicate(Some(b"shout".to_vec())).await?;
    ///     assert_eq!(output.stdout, b"SHOUT");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// `InvalidInput` when `input` is given but `stdin` is not piped (or was taken), and then
    /// the child keeps its pipes; a read or write error other than `BrokenPipe`; as
    /// [`wait`](Child::wait).
    ///
    /// # Cancel safety
    /// Not cancel safe: the pipes are taken from the `Child` at once, and what was read is lost.
    pub fn communicate(&mut self, input: Option<Vec<u8>>) -> Communicate<'_> {
        let collect = Collector::new(self, input);
        Communicate::new(self, collect)
    }

    /// Polls for the exit status, waiting through the exit watcher.
    pub(super) fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        if let Some(status) = self.status {
            return Poll::Ready(Ok(status));
        }
        let Some(unreaped) = &mut self.running else {
            unreachable!("a child is either running or reaped");
        };
        let status = match unreaped.watcher.poll_exit(cx, &mut unreaped.process) {
            Poll::Ready(Ok(status)) => status,
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        };
        self.reaped(status);
        Poll::Ready(Ok(status))
    }

    /// The child has been reaped: its watcher goes (closing the pidfd), the status stays.
    fn reaped(&mut self, status: ExitStatus) {
        self.running = None;
        self.status = Some(status);
        orphan::reap_queued();
    }
}

impl Future for Wait<'_> {
    type Output = io::Result<ExitStatus>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().child.poll_wait(cx)
    }
}

impl Drop for Child {
    /// Kills the child if asked to, and leaves a child that still runs to the orphan reaper.
    fn drop(&mut self) {
        if let Some(mut unreaped) = self.running.take() {
            if self.kill_on_drop {
                let _ = unreaped.process.kill();
            }
            orphan::adopt(unreaped);
        }
    }
}

impl fmt::Debug for Child {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Child")
            .field("pid", &self.pid)
            .field("status", &self.status)
            .field("stdin", &self.stdin)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Wait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("pid", &self.child.pid)
            .finish_non_exhaustive()
    }
}
