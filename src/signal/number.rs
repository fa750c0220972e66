//! Signal numbers: the named constants users write, their names for messages, and which numbers
//! may be listened for at all.

use std::io;

/// The highest signal number on Linux (`SIGRTMAX`); the registry has one slot per number up to it.
pub(crate) const MAX_SIGNAL: i32 = 64;

/// Named signal numbers, so a program need not depend on `libc` to say which signal it wants
/// (the values are Linux's, as `libc::SIGINT` and friends).
///
/// # Examples
/// ```
/// use baton::signal::{Signal, Signals};
///
/// # baton::run(async {
/// let signals = Signals::new([Signal::TERM, Signal::HUP])?;
/// # drop(signals);
/// # Ok::<(), std::io::Error>(())
/// # })?;
/// assert_eq!(Signal::INT, 2);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub enum Signal {}

impl Signal {
    /// `SIGINT`: Ctrl-C at the terminal.
    pub const INT: i32 = libc::SIGINT;
    /// `SIGTERM`: the polite request to stop (`kill`, systemd, Kubernetes).
    pub const TERM: i32 = libc::SIGTERM;
    /// `SIGHUP`: the terminal went away; daemons take it as "reload the configuration".
    pub const HUP: i32 = libc::SIGHUP;
    /// `SIGQUIT`: Ctrl-\ at the terminal.
    pub const QUIT: i32 = libc::SIGQUIT;
    /// `SIGUSR1`: for the program to define.
    pub const USR1: i32 = libc::SIGUSR1;
    /// `SIGUSR2`: for the program to define.
    pub const USR2: i32 = libc::SIGUSR2;
    /// `SIGCHLD`: a child process stopped or exited.
    pub const CHLD: i32 = libc::SIGCHLD;
    /// `SIGWINCH`: the terminal's window size changed.
    pub const WINCH: i32 = libc::SIGWINCH;
    /// `SIGALRM`: a timer set with `alarm(2)` or `setitimer(2)` expired.
    pub const ALRM: i32 = libc::SIGALRM;
    /// `SIGPIPE`: a write to a pipe or socket nobody reads any more.
    pub const PIPE: i32 = libc::SIGPIPE;
}

/// The conventional name of `signal` (`"SIGINT"`), or `"signal N"`.
pub(crate) fn name(signal: i32) -> String {
    let known = match signal {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGUSR1 => "SIGUSR1",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGUSR2 => "SIGUSR2",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        libc::SIGCHLD => "SIGCHLD",
        libc::SIGCONT => "SIGCONT",
        libc::SIGSTOP => "SIGSTOP",
        libc::SIGTSTP => "SIGTSTP",
        libc::SIGWINCH => "SIGWINCH",
        _ => return format!("signal {signal}"),
    };
    known.to_owned()
}

/// Whether a handler may be installed for `signal`: not for the signals the kernel will not let
/// a process catch (`SIGKILL`, `SIGSTOP`), nor for the faults a handler that returns would only
/// repeat forever (`SIGSEGV`, `SIGBUS`, `SIGILL`, `SIGFPE`) — tokio's list.
///
/// # Errors
/// `InvalidInput`, naming the signal, for those and for numbers that are no signal.
pub(crate) fn check(signal: i32) -> io::Result<()> {
    let forbidden = [
        libc::SIGKILL,
        libc::SIGSTOP,
        libc::SIGSEGV,
        libc::SIGBUS,
        libc::SIGILL,
        libc::SIGFPE,
    ];
    if forbidden.contains(&signal) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "baton cannot listen for {}: it may not be caught",
                name(signal)
            ),
        ));
    }
    if !(1..=MAX_SIGNAL).contains(&signal) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{signal} is not a signal number (1 to {MAX_SIGNAL})"),
        ));
    }
    Ok(())
}
