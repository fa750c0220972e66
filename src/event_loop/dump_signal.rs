//! The opt-in `SIGUSR1` task dump of a live process (`Builder::dump_on_signal`): `kill -USR1
//! <pid>` prints every open loop's dump, and every runtime's pool tasks, to stderr.
//!
//! The signal handler only writes a byte to a pipe (the one thing it may safely do); a thread of
//! its own reads the pipe and asks each loop for its dump, which the loop answers between two
//! polls — so a dump never interrupts a task, and a loop blocked by a task is named as such
//! after a second instead of hanging the dump of the others.

use std::fmt::Write as _;
use std::io;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::debug::Dump;
use crate::runtime::pool::Pool;
use crate::runtime::Shared;

/// How long the dump waits for each loop.
const LOOP_ANSWER_LIMIT: Duration = Duration::from_secs(1);

/// The pipe's write end, for the signal handler; -1 until installed.
static WRITE_END: AtomicI32 = AtomicI32::new(-1);

/// Installs the handler and its thread, once per process; later calls do nothing.
pub(crate) fn install() -> io::Result<()> {
    static INSTALLED: Mutex<bool> = Mutex::new(false);
    let mut installed = INSTALLED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if *installed {
        return Ok(());
    }
    let mut ends = [0; 2];
    // SAFETY: `ends` has room for the two descriptors `pipe2` writes.
    if unsafe { libc::pipe2(ends.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let [read_end, write_end] = ends;
    // The handler must never block: a full pipe just drops the extra request.
    // SAFETY: `write_end` is the descriptor `pipe2` just opened.
    unsafe { libc::fcntl(write_end, libc::F_SETFL, libc::O_NONBLOCK) };
    std::thread::Builder::new()
        .name("baton-dump".to_owned())
        .spawn(move || print_on_request(read_end))?;
    WRITE_END.store(write_end, Ordering::SeqCst);
    // SAFETY: a zeroed `sigaction` is a valid start; the handler only calls `write`, which is
    // async-signal-safe, and restores `errno`.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        if libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()) != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    *installed = true;
    Ok(())
}

extern "C" fn on_signal(_: libc::c_int) {
    // SAFETY: `__errno_location` is this thread's errno; saved and restored around `write`.
    let errno = unsafe { *libc::__errno_location() };
    let byte = 1u8;
    // SAFETY: `write` is async-signal-safe; the descriptor is the pipe's write end, open for the
    // life of the process, and `byte` outlives the call.
    unsafe {
        libc::write(
            WRITE_END.load(Ordering::Relaxed),
            (&byte as *const u8).cast(),
            1,
        )
    };
    // SAFETY: as above.
    unsafe { *libc::__errno_location() = errno };
}

/// The dump thread: one dump on stderr per signal.
fn print_on_request(read_end: libc::c_int) {
    let mut byte = 0u8;
    loop {
        // SAFETY: `byte` is a valid one-byte buffer for the blocking read.
        let read = unsafe { libc::read(read_end, (&mut byte as *mut u8).cast(), 1) };
        if read == 1 {
            eprint!("{}", dump_process());
        } else if read < 0 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
            continue;
        } else {
            return;
        }
    }
}

/// Every open loop's dump and every runtime pool's tasks, as text.
fn dump_process() -> String {
    let mut out = String::from("baton: task dump (SIGUSR1)\n");
    for (id, shared) in Shared::open_loops() {
        let answer = shared.inspect(
            |core| Dump::new(core.task_snapshots(None)),
            Some(LOOP_ANSWER_LIMIT),
        );
        let _ = match answer {
            Ok(dump) => writeln!(out, "== loop {id}: {dump}"),
            Err(error) => writeln!(out, "== loop {id}: {}", super::handle::dump_error(error)),
        };
    }
    for pool in Pool::open_pools() {
        let dump = Dump::new(pool.task_snapshots(Instant::now()));
        let _ = writeln!(out, "== a runtime's Send tasks: {dump}");
    }
    out
}
