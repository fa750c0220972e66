//! asyncio's `add_signal_handler`/`remove_signal_handler`: per loop and signal number, one
//! callback, run on the loop by a task that listens through a [`Signals`] stream.
//!
//! The table is process-wide and keyed by loop number, so a `LoopHandle` reaches it from any
//! thread. An entry leaves it when its handler is removed or replaced, when its loop closes
//! (`EventLoop`'s drop cancels the tasks first, so debug mode does not report them as pending at
//! close), or when its task is dropped some other way (a worker's loop shutting down).

use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::handle::LoopHandle;
use crate::debug::{Exception, ExceptionKind};
use crate::panic::{drop_payload, message};
use crate::signal::{self, Signals};
use crate::task::TaskHandle;

static HANDLERS: Mutex<Vec<Entry>> = Mutex::new(Vec::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// The table, locked; nothing of the user's runs under the lock, so poisoning means nothing.
fn handlers() -> MutexGuard<'static, Vec<Entry>> {
    HANDLERS.lock().unwrap_or_else(PoisonError::into_inner)
}

struct Entry {
    loop_id: u32,
    signal: i32,
    id: u64,
    task: TaskHandle,
}

/// Installs `callback` as loop `loop_id`'s handler of `signal`, replacing the one it had:
/// `spawn` makes the task (on the loop) of the future it is given.
pub(crate) fn add<C, S>(loop_id: u32, signal: i32, callback: C, spawn: S) -> io::Result<()>
where
    C: FnMut() + 'static,
    S: FnOnce(HandlerTask<C>) -> TaskHandle,
{
    let signals = Signals::new([signal])?;
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let task = spawn(HandlerTask {
        signal,
        signals,
        callback,
        _entry: EntryGuard { id },
    });
    task.set_name(format!("signal handler of {}", signal::name(signal)));
    let replaced = {
        let mut table = handlers();
        let old = take(&mut table, |e| e.loop_id == loop_id && e.signal == signal);
        if !task.done() {
            table.push(Entry {
                loop_id,
                signal,
                id,
                task,
            });
        }
        old
    };
    cancel_all(replaced);
    Ok(())
}

/// Removes loop `loop_id`'s handler of `signal`; false if it had none.
pub(crate) fn remove(loop_id: u32, signal: i32) -> bool {
    let removed = take(&mut handlers(), |e| {
        e.loop_id == loop_id && e.signal == signal
    });
    let had = !removed.is_empty();
    cancel_all(removed);
    had
}

/// Removes every handler of loop `loop_id` (it is closing).
pub(crate) fn remove_all(loop_id: u32) {
    let removed = take(&mut handlers(), |e| e.loop_id == loop_id);
    cancel_all(removed);
}

fn take(handlers: &mut Vec<Entry>, which: impl Fn(&Entry) -> bool) -> Vec<Entry> {
    let mut taken = Vec::new();
    let mut at = 0;
    while at < handlers.len() {
        if which(&handlers[at]) {
            taken.push(handlers.swap_remove(at));
        } else {
            at += 1;
        }
    }
    taken
}

/// Cancels the tasks of `entries`, after the table's lock was released.
fn cancel_all(entries: Vec<Entry>) {
    for entry in entries {
        entry.task.cancel();
    }
}

/// The task of one handler: waits for the signal and runs the callback, reporting its panics
/// to the loop's exception handler.
pub(crate) struct HandlerTask<C> {
    signal: i32,
    signals: Signals,
    callback: C,
    _entry: EntryGuard,
}

impl<C: FnMut() + 'static> HandlerTask<C> {
    pub(crate) async fn run(mut self) {
        while self.signals.recv().await.is_some() {
            if let Err(payload) = catch_unwind(AssertUnwindSafe(&mut self.callback)) {
                let mut report = Exception::new(ExceptionKind::SignalHandlerPanic {
                    signal: self.signal,
                });
                report.panic_message = message(&*payload);
                if let Some(lp) = LoopHandle::try_current() {
                    lp.call_exception_handler(&report);
                }
                drop_payload(payload);
            }
        }
    }
}

/// Takes the handler's entry out of the table when its task's future is dropped, if it is
/// still there (a worker's loop closing; removal and replacement took it already).
struct EntryGuard {
    id: u64,
}

impl Drop for EntryGuard {
    fn drop(&mut self) {
        let id = self.id;
        let gone = take(&mut handlers(), |e| e.id == id);
        drop(gone); // after the lock
    }
}
