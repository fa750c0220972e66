//! The process-wide part: one `sigaction` per signal number, installed on first use, whose
//! handler does the least a signal handler may (set the signal's pending flag, write a byte to
//! the self-pipe, keep `errno`), and the self-pipe itself.
//!
//! Everything a loop does with a signal starts from the pipe: each loop with listeners has a dup
//! of its read end registered in its reactor (`loop_pipe.rs`), so the byte wakes whichever loop
//! parks, and that loop drains the pipe and reads the pending flags (`registry.rs`).
//!
//! A handler stays installed once a listener has used it (as tokio's): a signal that arrives
//! while nobody listens is then swallowed rather than killing the process. The one exception is
//! the Ctrl-C watch of a `Runner`, which installs the handler only over the default disposition
//! and puts the default back when the last runner is done, if no listener of the program's own
//! used it meanwhile (asyncio's `Runner` restores `SIGINT`'s handler too).

use std::io;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use super::number::MAX_SIGNAL;
use crate::util::lock_static;

/// Per signal number, whether it arrived since the registry last looked (index = number).
static PENDING: [AtomicBool; MAX_SIGNAL as usize + 1] =
    [const { AtomicBool::new(false) }; MAX_SIGNAL as usize + 1];

/// The self-pipe's write end, for the handler; -1 until the pipe exists.
static WRITE_END: AtomicI32 = AtomicI32::new(-1);

/// The self-pipe's read end (non-blocking, never closed); -1 until the pipe exists.
static READ_END: AtomicI32 = AtomicI32::new(-1);

/// What baton did with each signal's disposition (index = number).
static DISPOSITIONS: std::sync::Mutex<[Disposition; MAX_SIGNAL as usize + 1]> =
    std::sync::Mutex::new([Disposition::NONE; MAX_SIGNAL as usize + 1]);

#[derive(Clone, Copy)]
struct Disposition {
    /// baton's handler is the signal's handler now.
    installed: bool,
    /// A listener of the program's own used the handler: it stays for the process's life.
    keep: bool,
    /// Runners watching the signal (Ctrl-C) while it is installed.
    runners: u32,
}

impl Disposition {
    const NONE: Disposition = Disposition {
        installed: false,
        keep: false,
        runners: 0,
    };
}

/// Makes sure `signal` (already [checked](super::number::check)) reaches the registry from now
/// on, for a listener of the program's own.
///
/// # Errors
/// When the pipe cannot be made or the OS refuses the handler.
pub(crate) fn listen(signal: i32) -> io::Result<()> {
    let mut dispositions = lock_static(&DISPOSITIONS);
    let state = &mut dispositions[signal as usize];
    if !state.installed {
        install(signal)?;
        state.installed = true;
    }
    state.keep = true;
    Ok(())
}

/// For a `Runner`'s Ctrl-C watch: makes sure `signal` reaches the registry if its disposition is
/// the default one (or baton's already), and says whether it does. A signal the process
/// ignores (a program started with `nohup` or in the background) or that other code handles is
/// left alone, as asyncio does. Pair a `true` with [`unwatch`].
///
/// # Errors
/// When the pipe cannot be made or the OS refuses the handler.
pub(crate) fn watch(signal: i32) -> io::Result<bool> {
    let mut dispositions = lock_static(&DISPOSITIONS);
    let state = &mut dispositions[signal as usize];
    if !state.installed {
        if current_handler(signal)? != libc::SIG_DFL {
            return Ok(false);
        }
        install(signal)?;
        state.installed = true;
    }
    state.runners += 1;
    Ok(true)
}

/// A runner stopped watching `signal`: the last one puts the default disposition back, unless
/// a listener of the program's own uses the handler.
pub(crate) fn unwatch(signal: i32) {
    let mut dispositions = lock_static(&DISPOSITIONS);
    let state = &mut dispositions[signal as usize];
    state.runners = state.runners.saturating_sub(1);
    if state.runners == 0 && state.installed && !state.keep {
        set_default(signal);
        state.installed = false;
    }
}

/// Puts `signal`'s default disposition back now (a runner's first Ctrl-C: the second one
/// then ends the process at once).
pub(crate) fn reset_to_default(signal: i32) {
    let mut dispositions = lock_static(&DISPOSITIONS);
    let state = &mut dispositions[signal as usize];
    set_default(signal);
    state.installed = false;
    state.keep = false;
}

/// Ends the process as `signal`'s default action does (so a shell sees "killed by SIGINT",
/// status 130), after flushing stdout; exits with `128 + signal` if the signal does not kill.
pub(crate) fn die_by(signal: i32) -> ! {
    use std::io::Write as _;
    let _ = io::stdout().flush();
    let _ = io::stderr().flush();
    reset_to_default(signal);
    // SAFETY: a zeroed `sigset_t` is a valid argument for `sigemptyset`, which initialises it;
    // unblocking one signal and raising it on this thread touch no memory of ours.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, signal);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(signal);
    }
    std::process::exit(128 + signal)
}

/// Takes `signal`'s pending flag: whether it arrived since the last look.
pub(crate) fn take_pending(signal: i32) -> bool {
    PENDING[signal as usize].swap(false, Ordering::AcqRel)
}

/// The self-pipe's read end, once the pipe exists.
pub(crate) fn read_end() -> Option<RawFd> {
    let fd = READ_END.load(Ordering::Acquire);
    (fd >= 0).then_some(fd)
}

/// The signal handler. Async-signal-safe: two atomic stores and a `write(2)`.
extern "C" fn on_signal(signal: libc::c_int) {
    // SAFETY: `__errno_location` is this thread's errno; it is restored before returning, so
    // the interrupted code never sees the `write`'s.
    let errno = unsafe { *libc::__errno_location() };
    if let Some(pending) = PENDING.get(signal as usize) {
        pending.store(true, Ordering::SeqCst);
    }
    let fd = WRITE_END.load(Ordering::SeqCst);
    if fd >= 0 {
        let byte = 1u8;
        // SAFETY: `write` is async-signal-safe; `fd` is the pipe's non-blocking write end, open
        // for the life of the process (a full pipe refuses the byte: one is enough to wake a
        // loop, and the flag above holds the news), and `byte` outlives the call.
        unsafe { libc::write(fd, (&byte as *const u8).cast(), 1) };
    }
    // SAFETY: as above.
    unsafe { *libc::__errno_location() = errno };
}

/// Installs [`on_signal`] for `signal`, making the pipe first if it is the first signal.
fn install(signal: i32) -> io::Result<()> {
    make_pipe()?;
    // SAFETY: a zeroed `sigaction` is a valid start that the fields set below complete;
    // `on_signal` is async-signal-safe; `sigaction` reads the struct only during the call.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        if libc::sigaction(signal, &action, std::ptr::null_mut()) != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

fn set_default(signal: i32) {
    // SAFETY: as in `install`, with the default disposition.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = libc::SIG_DFL;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(signal, &action, std::ptr::null_mut());
    }
}

fn current_handler(signal: i32) -> io::Result<libc::sighandler_t> {
    // SAFETY: a null new action only reads the current one into `old`, a valid `sigaction`.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(signal, std::ptr::null(), &mut old) != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(old.sa_sigaction)
    }
}

/// Makes the self-pipe once (both ends non-blocking and close-on-exec); they stay open for the
/// life of the process, as the handler may write at any time. Called under `DISPOSITIONS`.
fn make_pipe() -> io::Result<()> {
    if read_end().is_some() {
        return Ok(());
    }
    let mut ends = [0; 2];
    // SAFETY: `ends` has room for the two descriptors `pipe2` writes.
    if unsafe { libc::pipe2(ends.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } != 0 {
        return Err(io::Error::last_os_error());
    }
    READ_END.store(ends[0], Ordering::Release);
    WRITE_END.store(ends[1], Ordering::SeqCst);
    Ok(())
}
