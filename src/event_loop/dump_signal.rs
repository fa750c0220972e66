//! The opt-in `SIGUSR1` task dump of a live process (`Builder::dump_on_signal`): `kill -USR1
//! <pid>` prints every open loop's dump, and every runtime's pool tasks, to stderr.
//!
//! The signal arrives through `baton::signal`'s registry, as any other (so a program's own
//! `Signals` of `SIGUSR1` hears it too, rather than fighting over the handler); a thread of its
//! own waits for it, even while every loop is blocked, and asks each loop for its dump, which
//! the loop answers between two polls — so a dump never interrupts a task, and a loop blocked
//! by a task is named as such after a second instead of hanging the dump of the others.

use std::fmt::Write as _;
use std::io;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::debug::Dump;
use crate::runtime::pool::Pool;
use crate::runtime::Shared;
use crate::signal::BlockingListener;

/// How long the dump waits for each loop.
const LOOP_ANSWER_LIMIT: Duration = Duration::from_secs(1);

/// Starts the dump thread, once per process; later calls do nothing.
pub(crate) fn install() -> io::Result<()> {
    static INSTALLED: Mutex<bool> = Mutex::new(false);
    let mut installed = INSTALLED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if *installed {
        return Ok(());
    }
    let mut requests = BlockingListener::new(libc::SIGUSR1)?;
    std::thread::Builder::new()
        .name("baton-dump".to_owned())
        .spawn(move || loop {
            requests.recv();
            eprint!("{}", dump_process());
        })?;
    *installed = true;
    Ok(())
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
