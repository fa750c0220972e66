//! `Command`: what to run and how (std's builder, whose `spawn` gives a loop-aware `Child`),
//! and the futures of its one-shot runs, `status` and `output`.

use std::ffi::OsStr;
use std::fmt;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::child::Child;
use crate::io::boxed::boxed_future;
use crate::runtime::context;

/// A process to start, configured like [`std::process::Command`] (asyncio's
/// `create_subprocess_exec` arguments): program, arguments, environment, working directory,
/// standard streams, and `kill_on_drop`. [`spawn`](Command::spawn) starts it as a [`Child`]
/// watched by the running loop.
///
/// The program is looked up in `PATH` when its name has no `/`; it is run directly, not
/// through a shell (see [`create_subprocess_shell`](super::create_subprocess_shell)).
///
/// # Examples
/// ```
/// use baton::process::Command;
///
/// baton::run(async {
///     let output = Command::new("sh").args(["-c", "echo $GREETING"]).env("GREETING", "hi").output().await?;
///     assert_eq!(output.stdout, b"hi\n");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Command {
    std: std::process::Command,
    kill_on_drop: bool,
    /// Which of stdin, stdout and stderr the user set: `output` pipes the others.
    stdio_set: [bool; 3],
    /// Whether the child's stderr is its stdout, once `stderr_to_stdout` was ever called:
    /// the flag the `pre_exec` hook reads in the child (a hook cannot be taken back, so a
    /// later `stderr` clears the flag instead).
    stderr_to_stdout: Option<Arc<AtomicBool>>,
}

boxed_future! {
    /// The future of [`Command::status`]: the exit status of a run.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let status = baton::process::Command::new("false").status(); // a `CommandStatus`
    ///     assert_eq!(status.await?.code(), Some(1));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub struct CommandStatus -> io::Result<ExitStatus>;
}

boxed_future! {
    /// The future of [`Command::output`]: the status and output of a run.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let output = baton::process::Command::new("echo").arg("x").output(); // a `CommandOutput`
    ///     assert_eq!(output.await?.stdout, b"x\n");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub struct CommandOutput -> io::Result<Output>;
}

impl Command {
    /// A command that runs `program` with no arguments, this process's environment and working
    /// directory, and inherited standard streams.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let status = baton::process::Command::new("true").status().await?;
    ///     assert!(status.success());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new(program: impl AsRef<OsStr>) -> Command {
        Command {
            std: std::process::Command::new(program),
            kill_on_drop: false,
            stdio_set: [false; 3],
            stderr_to_stdout: None,
        }
    }

    /// Adds one argument.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let out = baton::process::Command::new("echo").arg("one").arg("two").output().await?;
    ///     assert_eq!(out.stdout, b"one two\n");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds arguments.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let out = baton::process::Command::new("echo").args(["a", "b"]).output().await?;
    ///     assert_eq!(out.stdout, b"a b\n");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets an environment variable for the child.
    ///
    /// # Examples
    /// See [`Command`].
    ///
    /// ```
    /// baton::run(async {
    ///     let out = baton::process::Command::new("sh").args(["-c", "echo $X"]).env("X", "1").output().await?;
    ///     assert_eq!(out.stdout, b"1\n");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn env(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Command {
        self.std.env(key, value);
        self
    }

    /// Sets several environment variables for the child.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let out = baton::process::Command::new("sh")
    ///         .args(["-c", "echo $A$B"])
    ///         .envs([("A", "x"), ("B", "y")])
    ///         .output()
    ///         .await?;
    ///     assert_eq!(out.stdout, b"xy\n");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes an environment variable from the child's environment.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let out = baton::process::Command::new("sh")
    ///         .args(["-c", "echo ${HOME-unset}"])
    ///         .env_remove("HOME")
    ///         .output()
    ///         .await?;
    ///     assert_eq!(out.stdout, b"unset\n");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Starts the child with an empty environment (plus what `env` adds afterwards).
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let out = baton::process::Command::new("/usr/bin/env").env_clear().env("ONLY", "me").output().await?;
    ///     assert_eq!(out.stdout, b"ONLY=me\n");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// The child's working directory.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let out = baton::process::Command::new("pwd").current_dir("/").output().await?;
    ///     assert_eq!(out.stdout, b"/\n");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// The child's standard input: [`Stdio::piped()`] gives [`Child::stdin`], a pipe to
    /// write to; also `Stdio::null()`, `Stdio::inherit()` (the default for `spawn` and
    /// `status`) or a file.
    ///
    /// # Examples
    /// ```
    /// use baton::process::{Command, Stdio};
    ///
    /// baton::run(async {
    ///     let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
    ///     assert!(child.stdin.is_some());
    ///     let out = child.communicate(Some(b"in".to_vec())).await?;
    ///     assert_eq!(out.stdout, b"in");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn stdin(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdin(cfg);
        self.stdio_set[0] = true;
        self
    }

    /// The child's standard output: [`Stdio::piped()`] gives [`Child::stdout`], a pipe to read
    /// from. Inherited by default for `spawn` and `status`, piped for `output`.
    ///
    /// # Examples
    /// ```
    /// use baton::process::{Command, Stdio};
    ///
    /// baton::run(async {
    ///     let out = Command::new("echo").arg("quiet").stdout(Stdio::null()).output().await?;
    ///     assert!(out.stdout.is_empty());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn stdout(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdout(cfg);
        self.stdio_set[1] = true;
        self
    }

    /// The child's standard error: [`Stdio::piped()`] gives [`Child::stderr`]. Inherited by
    /// default for `spawn` and `status`, piped for `output`.
    ///
    /// # Examples
    /// ```
    /// use baton::process::{Command, Stdio};
    ///
    /// baton::run(async {
    ///     let mut child = Command::new("sh").args(["-c", "echo e >&2"]).stderr(Stdio::piped()).spawn()?;
    ///     let out = child.communicate(None).await?;
    ///     assert_eq!(out.stderr, b"e\n");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn stderr(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stderr(cfg);
        self.stdio_set[2] = true;
        if let Some(merged) = &self.stderr_to_stdout {
            merged.store(false, Ordering::Relaxed);
        }
        self
    }

    /// Sends the child's standard error wherever its standard output goes — the stdout pipe,
    /// a file, `/dev/null` or this process's stdout (asyncio's
    /// `stderr=asyncio.subprocess.STDOUT`, a shell's `2>&1`). [`Child::stderr`] is then `None`
    /// and [`output`](Command::output)'s `stderr` is empty. A later [`stderr`](Command::stderr)
    /// undoes it.
    ///
    /// The child's descriptor 2 is made a copy of descriptor 1 between fork and exec, so std
    /// starts such a command with `fork`/`exec` rather than `posix_spawn`.
    ///
    /// # Examples
    /// ```
    /// use baton::process::{Command, Stdio};
    ///
    /// baton::run(async {
    ///     let mut child = Command::new("sh")
    ///         .args(["-c", "echo out; echo err >&2"])
    ///         .stdout(Stdio::piped())
    ///         .stderr_to_stdout()
    ///         .spawn()?;
    ///     assert!(child.stderr.is_none());
    ///     let mut both = child.stdout.take().unwrap().into_reader();
    ///     assert_eq!(both.read_to_end().await?, b"out\nerr\n");
    ///     child.wait().await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn stderr_to_stdout(&mut self) -> &mut Command {
        // No pipe or file of its own: descriptor 2 is replaced in the child.
        self.std.stderr(Stdio::inherit());
        self.stdio_set[2] = true;
        match &self.stderr_to_stdout {
            Some(merged) => merged.store(true, Ordering::Relaxed),
            None => {
                let merged = Arc::new(AtomicBool::new(true));
                let in_child = merged.clone();
                let hook = move || {
                    // SAFETY: `dup2` on two descriptor numbers has no memory-safety
                    // requirement; a failure is returned as std's spawn error.
                    if in_child.load(Ordering::Relaxed) && unsafe { libc::dup2(1, 2) } == -1 {
                        return Err(io::Error::last_os_error());
                    }
                    Ok(())
                };
                // SAFETY: the hook runs in the forked child, after std has set descriptors
                // 0-2 up and before exec, where only async-signal-safe work is allowed: it
                // loads an atomic and calls `dup2`, and allocates nothing (an OS error is
                // stored inline).
                unsafe { self.std.pre_exec(hook) };
                self.stderr_to_stdout = Some(merged);
            }
        }
        self
    }

    /// Whether dropping the [`Child`] (or a `status`/`output` future) before the process exits
    /// sends it `SIGKILL`. Off by default: a dropped child keeps running (and is still reaped
    /// when it exits).
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    ///
    /// baton::run(async {
    ///     let mut cmd = baton::process::Command::new("sleep");
    ///     cmd.arg("10").kill_on_drop(true);
    ///     // The timeout drops the `status` future, and with it the child: it is killed.
    ///     let run = baton::timeout(Duration::from_millis(10), cmd.status()).await;
    ///     assert!(run.is_err());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn kill_on_drop(&mut self, kill_on_drop: bool) -> &mut Command {
        self.kill_on_drop = kill_on_drop;
        self
    }

    /// The std command underneath, for what this type does not wrap (`uid`, `process_group`,
    /// `pre_exec` through `std::os::unix::process::CommandExt`). Standard streams set here
    /// count as unset for [`output`](Command::output), which pipes stdout and stderr.
    ///
    /// # Examples
    /// ```
    /// use std::os::unix::process::CommandExt;
    ///
    /// baton::run(async {
    ///     let mut cmd = baton::process::Command::new("true");
    ///     cmd.as_std_mut().process_group(0);
    ///     assert!(cmd.status().await?.success());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn as_std_mut(&mut self) -> &mut std::process::Command {
        &mut self.std
    }

    /// Starts the process (asyncio's `create_subprocess_exec`). Its exit and its pipes are
    /// registered with the running loop.
    ///
    /// # Examples
    /// ```
    /// use baton::process::{Command, Stdio};
    ///
    /// baton::run(async {
    ///     let mut child = Command::new("echo").arg("spawned").stdout(Stdio::piped()).spawn()?;
    ///     let line = child.stdout.take().unwrap().into_reader().readline().await?;
    ///     assert_eq!(line, b"spawned\n");
    ///     child.wait().await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// When the process cannot be started; the message names the program, e.g. "cannot run
    /// `nosuch`: No such file or directory (os error 2)" (kind `NotFound`).
    ///
    /// # Panics
    /// Outside a running event loop.
    #[track_caller]
    pub fn spawn(&mut self) -> io::Result<Child> {
        // Asked before the fork: a panic after it would leave the process unwatched.
        if !context::try_with(|lp| lp.is_some()) {
            context::no_running_loop();
        }
        super::orphan::reap_queued();
        let process = self.std.spawn().map_err(|e| self.spawn_error(e))?;
        Child::from_std(process, self.kill_on_drop)
    }

    /// Runs the process and waits for its exit status. Its standard streams are inherited
    /// unless set; pipes it was given are closed at once (nobody would read them).
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let status = baton::process::Command::new("sh").args(["-c", "exit 7"]).status().await?;
    ///     assert_eq!(status.code(), Some(7));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`spawn`](Command::spawn) (returned when awaited) and [`Child::wait`].
    ///
    /// # Panics
    /// Outside a running event loop (the process starts when `status` is called).
    #[track_caller]
    pub fn status(&mut self) -> CommandStatus {
        let child = self.spawn();
        CommandStatus::new(async move {
            let mut child = child?;
            drop((child.stdout.take(), child.stderr.take()));
            child.wait().await
        })
    }

    /// Runs the process and collects its status and output (asyncio's `communicate()` after
    /// `create_subprocess_exec(..., stdout=PIPE, stderr=PIPE)`). Unless set, stdout and stderr
    /// are piped and stdin is `Stdio::null()`.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let output = baton::process::Command::new("sh").args(["-c", "echo a; echo b >&2; exit 1"]).output().await?;
    ///     assert_eq!(output.status.code(), Some(1));
    ///     assert_eq!((&output.stdout[..], &output.stderr[..]), (&b"a\n"[..], &b"b\n"[..]));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`spawn`](Command::spawn) (returned when awaited) and
    /// [`Child::wait_with_output`].
    ///
    /// # Panics
    /// Outside a running event loop (the process starts when `output` is called).
    #[track_caller]
    pub fn output(&mut self) -> CommandOutput {
        let [stdin_set, stdout_set, stderr_set] = self.stdio_set;
        if !stdin_set {
            self.std.stdin(Stdio::null());
        }
        if !stdout_set {
            self.std.stdout(Stdio::piped());
        }
        if !stderr_set {
            self.std.stderr(Stdio::piped());
        }
        let child = self.spawn();
        // Back to what `spawn` does by default, for later runs of this command.
        if !stdin_set {
            self.std.stdin(Stdio::inherit());
        }
        if !stdout_set {
            self.std.stdout(Stdio::inherit());
        }
        if !stderr_set {
            self.std.stderr(Stdio::inherit());
        }
        CommandOutput::new(async move { child?.wait_with_output().await })
    }

    /// `e`, saying which program could not be started.
    fn spawn_error(&self, e: io::Error) -> io::Error {
        io::Error::new(
            e.kind(),
            format!(
                "cannot run `{}`: {e}",
                self.std.get_program().to_string_lossy()
            ),
        )
    }
}

impl From<std::process::Command> for Command {
    /// A command from a configured std one (its standard streams count as unset for
    /// [`output`](Command::output)).
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let mut std_cmd = std::process::Command::new("echo");
    ///     std_cmd.arg("from std");
    ///     let output = baton::process::Command::from(std_cmd).output().await?;
    ///     assert_eq!(output.stdout, b"from std\n");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    fn from(std: std::process::Command) -> Command {
        Command {
            std,
            kill_on_drop: false,
            stdio_set: [false; 3],
            stderr_to_stdout: None,
        }
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Command")
            .field("command", &self.std)
            .field("kill_on_drop", &self.kill_on_drop)
            .field(
                "stderr_to_stdout",
                &self
                    .stderr_to_stdout
                    .as_ref()
                    .is_some_and(|merged| merged.load(Ordering::Relaxed)),
            )
            .finish()
    }
}
