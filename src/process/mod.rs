//! Subprocesses on the event loop (asyncio's `create_subprocess_exec`,
//! `create_subprocess_shell` and `Process`), shaped like [`std::process::Command`].
//!
//! [`Command::spawn`] starts a [`Child`] whose exit and pipes are watched by the reactor of
//! the running loop: [`Child::wait`] blocks no thread, and the pipes asked for with
//! [`Stdio::piped()`] are async streams ([`ChildStdin`], [`ChildStdout`], [`ChildStderr`];
//! `futures_io` traits, or asyncio's [`StreamWriter`](crate::StreamWriter) and
//! [`StreamReader`](crate::StreamReader) through `into_writer`/`into_reader`).
//! [`Child::communicate`] feeds stdin while it drains stdout and stderr, so large data in both
//! directions never deadlocks.
//!
//! # How exits are seen
//!
//! Each child gets a pidfd (`pidfd_open(2)`, Linux 5.3+) registered with the loop's reactor;
//! it becomes readable when the child exits, and the child is then reaped with
//! `waitpid(WNOHANG)`. Where pidfds are missing (`ENOSYS`) or forbidden (`EPERM`, e.g. a
//! seccomp filter), each waiting child listens for `SIGCHLD` through [`crate::signal`] (so
//! the program may listen for `SIGCHLD` too) and looks at its own status on every one. Setting
//! `BATON_NO_PIDFD=1` in the environment (read once per process) forces that fallback, for
//! tests.
//!
//! # No zombies
//!
//! A [`Child`] dropped before its process exits (without [`kill_on_drop`](Command::kill_on_drop)
//! the process keeps running) is handed to a reaper thread, started only while such children
//! run, which waits on all of them at once with `poll(2)` and reaps each as it exits — whether
//! or not a loop still runs. (In the `SIGCHLD` fallback a signal reaches it only through a
//! running loop, so it also looks every 100 ms.)
//!
//! Writing to a child's stdin after it closed it is an error (`BrokenPipe`), not a signal, in
//! Rust programs: Rust's `main` ignores `SIGPIPE`. A program whose `main` is not Rust's must
//! ignore `SIGPIPE` itself.
//!
//! A `Child` and its pipes are `Send + Sync`: they may be used from tasks on other threads or
//! workers of a [`Runtime`](crate::Runtime). `Child::wait` works on any loop, even once the
//! spawning loop has closed (the exit watcher moves to the loop that awaits it); the pipes,
//! like sockets, need the loop that spawned them to run.
//!
//! # Examples
//! ```
//! use baton::process::{Command, Stdio};
//!
//! baton::run(async {
//!     let mut child = Command::new("sort").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
//!     let output = child.communicate(Some(b"pear\napple\n".to_vec())).await?;
//!     assert!(output.status.success());
//!     assert_eq!(output.stdout, b"apple\npear\n");
//!     std::io::Result::Ok(())
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```

mod child;
mod command;
mod communicate;
mod create;
mod exit_watcher;
mod orphan;
mod pipe;
mod sigchld;
#[cfg(feature = "tokio-io")]
mod tokio_io;

pub use child::{Child, Wait};
pub use command::{Command, CommandOutput, CommandStatus};
pub use communicate::{Communicate, WaitWithOutput};
pub use create::{create_subprocess_exec, create_subprocess_shell};
pub use pipe::{ChildStderr, ChildStdin, ChildStdout};
pub use std::process::{ExitStatus, Output, Stdio};
