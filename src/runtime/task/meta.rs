//! Cold per-task data: a task's name, the message it was cancelled with, and (in debug mode)
//! when it was spawned.
//!
//! Few tasks have either, so they live beside the tasks, in one process-wide table keyed by task
//! id, not in the 64-byte task allocation. A task with an entry has `META` set in its state word
//! (`state.rs`), so the common paths (a task without a name, freeing a task) never take the
//! table's lock, and the last reference removes the entry when it frees the task.
//!
//! The table is a plain `std` mutex, not `crate::loom`'s: no loom model involves names, and a
//! `static` cannot hold a loom primitive. No user code runs while it is held (names and messages
//! are `String`s).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use crate::util::lock_static;

use super::raw::Header;
use super::state::{Cancel, META};

/// What the table keeps for one task.
#[derive(Default)]
struct Meta {
    name: Option<String>,
    cancel_message: Option<String>,
    spawned_at: Option<Instant>,
}

static TABLE: Mutex<Option<HashMap<usize, Meta>>> = Mutex::new(None);

/// A live task's key: its header's address, unique while the task lives (its entry is removed
/// when the allocation is freed, `forget`).
fn key(header: &Header) -> usize {
    header as *const Header as usize
}

fn table() -> MutexGuard<'static, Option<HashMap<usize, Meta>>> {
    lock_static(&TABLE)
}

/// The task's entry, made if missing (and `META` set, so freeing the task removes it).
fn entry<'a>(table: &'a mut Option<HashMap<usize, Meta>>, header: &Header) -> &'a mut Meta {
    header.state.mark_meta();
    table
        .get_or_insert_with(HashMap::new)
        .entry(key(header))
        .or_default()
}

/// Reads the task's entry, if it has one; the lock-free path for a task without (`META` clear).
fn read<R>(header: &Header, read: impl FnOnce(&mut Meta) -> Option<R>) -> Option<R> {
    if !header.state.load().has(META) {
        return None;
    }
    table()
        .as_mut()
        .and_then(|t| t.get_mut(&key(header)))
        .and_then(read)
}

/// The name given with `set_name`, if any.
pub(crate) fn name(header: &Header) -> Option<String> {
    read(header, |m| m.name.clone())
}

pub(crate) fn set_name(header: &Header, name: String) {
    entry(&mut table(), header).name = Some(name);
}

/// Records when the task was spawned, on its loop's clock (debug mode, for a dump's age).
pub(crate) fn set_spawned_at(header: &Header, at: Instant) {
    entry(&mut table(), header).spawned_at = Some(at);
}

/// When the task was spawned, if that was recorded.
pub(crate) fn spawned_at(header: &Header) -> Option<Instant> {
    read(header, |m| m.spawned_at)
}

/// Records a cancellation request with its message (`None`: a plain `cancel`, which clears a
/// message given before, as asyncio's `cancel(msg=None)` does). The state transition happens
/// under the table's lock, so a handle that sees the task complete as cancelled finds the message
/// already recorded.
pub(crate) fn cancel(header: &Header, message: Option<String>) -> Cancel {
    if message.is_none() && !header.state.load().has(META) {
        // Nothing recorded to clear: the lock-free path.
        return header.state.cancel();
    }
    let mut table = table();
    let outcome = header.state.cancel();
    if outcome != Cancel::AlreadyDone {
        entry(&mut table, header).cancel_message = message;
    }
    outcome
}

/// Takes the cancel message, for the `TaskError` of a task that completed cancelled.
pub(crate) fn take_cancel_message(header: &Header) -> Option<String> {
    read(header, |m| m.cancel_message.take())
}

/// Removes the task's entry; called when the task is freed, if `META` is set.
pub(crate) fn forget(header: &Header) {
    let removed = table().as_mut().and_then(|t| t.remove(&key(header)));
    drop(removed); // after the lock: nothing in it runs user code, but keep the lock short
}
