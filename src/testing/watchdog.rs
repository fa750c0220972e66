//! `Watchdog`: the real-time limit of a test run. A thread waits for the run to end; if the
//! limit passes first, it asks the loop for a task dump and stops it, so a hang becomes a
//! failure that shows where every task was waiting.

use std::io::Write;
use std::panic;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::event_loop::LoopHandle;

/// How long the watchdog waits for the loop to answer the dump request. The loop answers
/// between polls, so only a poll that blocks its thread keeps it waiting this long.
const DUMP_WAIT: Duration = Duration::from_secs(5);

/// Watches one run; [`finish`](Watchdog::finish) it when the run returns. Dropped instead
/// (the run unwound), it tells the thread the same way and lets it end on its own.
#[derive(Debug)]
pub(crate) struct Watchdog {
    /// Dropping it tells the thread the run ended.
    ended: mpsc::Sender<()>,
    /// Gives what the thread saw if the limit passed first: the dump, or why there is none.
    thread: JoinHandle<Option<String>>,
}

impl Watchdog {
    /// Starts watching the loop behind `handle`, which must run the body within `limit`.
    ///
    /// # Panics
    /// When the OS refuses a thread.
    pub(crate) fn start(handle: LoopHandle, limit: Duration) -> Watchdog {
        let (ended, watch) = mpsc::channel::<()>();
        let thread = thread::Builder::new()
            .name("baton-test-watchdog".to_owned())
            .spawn(move || match watch.recv_timeout(limit) {
                Err(RecvTimeoutError::Timeout) => Some(stop_with_dump(&handle, limit)),
                // The run ended (the sender was dropped); nothing to do.
                Ok(()) | Err(RecvTimeoutError::Disconnected) => None,
            })
            .unwrap_or_else(|e| panic!("baton could not start a test's watchdog thread: {e}"));
        Watchdog { ended, thread }
    }

    /// Ends the watch; what the watchdog reported if the time limit passed first.
    pub(crate) fn finish(self) -> Option<String> {
        let Watchdog { ended, thread } = self;
        drop(ended);
        thread
            .join()
            .unwrap_or_else(|payload| panic::resume_unwind(payload))
    }
}

/// The limit passed: take a dump of the loop's tasks, then stop the loop.
fn stop_with_dump(handle: &LoopHandle, limit: Duration) -> String {
    let report = match handle.dump_timeout(DUMP_WAIT) {
        Ok(dump) => format!("its tasks when the limit passed:\n{dump}"),
        Err(e) => {
            let why = format!(
                "no task dump ({e}): the loop did not answer within {DUMP_WAIT:?}, so a poll is \
                 blocking its thread (a busy loop, a blocking call, a deadlock)"
            );
            // Straight to the process's stderr, not the test's captured output: if that poll
            // never returns, the test never ends and captured output is never shown.
            let _ = writeln!(
                std::io::stderr(),
                "baton: a test ran past its time limit of {limit:?}; {why}"
            );
            why
        }
    };
    handle.stop();
    report
}
