//! asyncio's two entry points, `create_subprocess_exec` and `create_subprocess_shell`, as the
//! short form of a [`Command`] with all three standard streams piped.

use std::ffi::OsStr;
use std::io;
use std::process::Stdio;

use super::child::Child;
use super::command::Command;

/// Starts `program` with `args`, its stdin, stdout and stderr piped (asyncio's
/// `create_subprocess_exec(program, *args, stdin=PIPE, stdout=PIPE, stderr=PIPE)`). For other
/// streams, an environment or a working directory, use [`Command`].
///
/// # Examples
/// ```
/// baton::run(async {
///     let mut proc = baton::process::create_subprocess_exec("cat", ["-n"])?;
///     let output = proc.communicate(Some(b"line\n".to_vec())).await?;
///     assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "1\tline");
///     assert_eq!(proc.returncode(), Some(0));
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
/// As [`Command::spawn`]: the message names the program.
///
/// # Panics
/// Outside a running event loop.
#[track_caller]
pub fn create_subprocess_exec<I, S>(program: impl AsRef<OsStr>, args: I) -> io::Result<Child>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    piped(Command::new(program).args(args))
}

/// Runs `cmd` through `sh -c`, its stdin, stdout and stderr piped (asyncio's
/// `create_subprocess_shell(cmd, stdin=PIPE, stdout=PIPE, stderr=PIPE)`). The shell reads
/// `cmd` as it is: quote whatever comes from outside.
///
/// # Examples
/// ```
/// baton::run(async {
///     let proc = baton::process::create_subprocess_shell("yes | head -n 3")?;
///     let output = proc.wait_with_output().await?;
///     assert_eq!(output.stdout, b"y\ny\ny\n");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
/// As [`Command::spawn`].
///
/// # Panics
/// Outside a running event loop.
#[track_caller]
pub fn create_subprocess_shell(cmd: impl AsRef<OsStr>) -> io::Result<Child> {
    piped(Command::new("sh").arg("-c").arg(cmd))
}

#[track_caller]
fn piped(cmd: &mut Command) -> io::Result<Child> {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
}
