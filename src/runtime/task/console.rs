//! What tokio-console sees of baton's tasks, with the `tracing` feature: the span and event names
//! `console-subscriber` listens for, as tokio emits them (`tokio/src/util/trace.rs`,
//! `runtime/task/waker.rs`), so `tokio-console` lists baton's tasks, their polls and wakes.
//!
//! - A task gets a `runtime.spawn` span (target `tokio::task`, no parent) with `kind = "task"`,
//!   `task.name` (if named), `task.id` (`TaskId::as_u64`), `size.bytes` (the future's size) and
//!   `loc.file`/`loc.line`/`loc.col` (its spawn site). The span is made at the task's first
//!   poll, not in `spawn`: baton names a task after spawning it (`spawn(f).named(…)`), and a task
//!   spawned on its loop's thread is not polled before its spawner awaits, so the span carries
//!   the name. It is made only while some subscriber wants `trace` spans; while none does, a
//!   poll pays two relaxed loads (the slot, tracing's max level) and the next poll tries again.
//! - Every poll runs inside the span (entered, then exited); completion (returned, panicked,
//!   cancelled) closes it, so console shows the task as done even if its handle lives on.
//! - Each waker operation is an event of target `tokio::task::waker` with
//!   `op = "waker.clone" | "waker.drop" | "waker.wake" | "waker.wake_by_ref"` and
//!   `task.id = <the span's id>`, as console expects.
//!
//! Where it lives: with the feature, the header ends with a `TaskSpan` — the span's id (an
//! atomic, for wakers on any thread) and a pointer to the boxed span, touched only by the thread
//! that runs the task (the `RUNNING` bit, as for the future): 16 bytes more per task. Without
//! the feature the header has no such field and every function here is an empty inline one, so
//! the header stays 64 bytes and nothing runs.

use super::raw::Header;
use super::TaskId;

#[cfg(feature = "tracing")]
use std::{
    cell::UnsafeCell,
    sync::atomic::{AtomicU64, Ordering},
};
#[cfg(feature = "tracing")]
use tracing::level_filters::LevelFilter;

/// A task's console span, in its header.
#[cfg(feature = "tracing")]
pub(crate) struct TaskSpan {
    /// The span's id (`tracing::Id::into_u64`), or 0: before the span exists and once the task
    /// completed. Read by wakers on any thread. A read racing completion may tag an event with
    /// the closed span's id, which console ignores (tokio keeps the id for the task's whole
    /// life, so its late waker events always carry it).
    id: AtomicU64,
    /// The span, boxed so the header grows by one pointer only. Touched only by the thread that
    /// holds the task's `RUNNING` bit, or by whoever frees the task.
    span: UnsafeCell<Option<Box<tracing::Span>>>,
}

#[cfg(feature = "tracing")]
impl TaskSpan {
    /// No span yet: it is made at the first poll.
    pub(crate) fn new() -> TaskSpan {
        TaskSpan {
            id: AtomicU64::new(0),
            span: UnsafeCell::new(None),
        }
    }
}

/// Runs `poll` (a poll of the task's future) inside the task's span, making the span first if
/// it has none yet and a subscriber wants one; `id` is the task's id, `size` its future's size.
///
/// # Safety
/// The caller holds the task's `RUNNING` bit: no other thread touches the span meanwhile.
#[cfg(feature = "tracing")]
#[inline(always)]
pub(crate) unsafe fn in_span<R>(
    header: &Header,
    id: impl FnOnce() -> TaskId,
    size: usize,
    poll: impl FnOnce() -> R,
) -> R {
    // SAFETY: by the caller's contract this thread is the only one touching the slot.
    let has_span = unsafe { (*header.console.span.get()).is_some() };
    // Without a span nor a subscriber at `trace` level: two loads, and the poll runs here.
    if has_span || tracing::Level::TRACE <= LevelFilter::current() {
        // SAFETY: the caller's contract, passed on.
        return unsafe { in_span_traced(header, id, size, poll) };
    }
    poll()
}

/// [`in_span`] when a span exists or may be made: out of line, so that the common case stays
/// small.
///
/// # Safety
/// As for `in_span`.
#[cfg(feature = "tracing")]
#[inline(never)]
unsafe fn in_span_traced<R>(
    header: &Header,
    id: impl FnOnce() -> TaskId,
    size: usize,
    poll: impl FnOnce() -> R,
) -> R {
    let slot = header.console.span.get();
    // SAFETY: by the caller's contract this thread is the only one touching the slot, and no
    // reference into it outlives these statements.
    if unsafe { (*slot).is_none() } {
        let span = open(header, id, size);
        // SAFETY: as above.
        unsafe { *slot = span };
    }
    // SAFETY: as above; the slot is written again only by `close`, by this same `RUNNING` holder
    // after this call returned, so the shared reference stays valid for the poll.
    let _entered = unsafe { (*slot).as_deref() }.map(tracing::Span::enter);
    poll()
}

/// Without the `tracing` feature: just `poll()`.
///
/// # Safety
/// None needed; the signature matches the feature's.
#[cfg(not(feature = "tracing"))]
#[inline(always)]
pub(crate) unsafe fn in_span<R>(
    _header: &Header,
    _id: impl FnOnce() -> TaskId,
    _size: usize,
    poll: impl FnOnce() -> R,
) -> R {
    poll()
}

/// The task's `runtime.spawn` span, if a subscriber wants it.
#[cfg(feature = "tracing")]
#[cold]
#[inline(never)]
fn open(header: &Header, id: impl FnOnce() -> TaskId, size: usize) -> Option<Box<tracing::Span>> {
    let site = header.trace.site;
    // Field values are evaluated only if the span is enabled, so the name's lookup and the id
    // cost nothing when no subscriber listens.
    let span = tracing::trace_span!(
        target: "tokio::task",
        parent: None,
        "runtime.spawn",
        kind = "task",
        task.name = super::meta::name(header).as_deref(),
        task.id = id().as_u64(),
        size.bytes = size,
        loc.file = site.file(),
        loc.line = site.line(),
        loc.col = site.column(),
    );
    let span_id = span.id()?;
    header
        .console
        .id
        .store(span_id.into_u64(), Ordering::Relaxed);
    Some(Box::new(span))
}

/// The task completed: closes its span (the subscriber's `try_close` runs here).
///
/// # Safety
/// The caller holds the task's `RUNNING` bit (or frees the task): no other thread touches the
/// span meanwhile, and the span is not entered.
#[cfg(feature = "tracing")]
#[inline]
pub(crate) unsafe fn close(header: &Header) {
    header.console.id.store(0, Ordering::Relaxed);
    // SAFETY: by the caller's contract.
    let span = unsafe { (*header.console.span.get()).take() };
    drop(span);
}

/// Without the `tracing` feature: nothing.
///
/// # Safety
/// None needed; the signature matches the feature's.
#[cfg(not(feature = "tracing"))]
#[inline(always)]
pub(crate) unsafe fn close(_header: &Header) {}

/// A waker of the task's did `op` (`"waker.clone"`, `"waker.drop"`, `"waker.wake"`,
/// `"waker.wake_by_ref"`): tells console, if the task has a span. Any thread; call it before the
/// operation, while the waker's reference keeps the header alive.
#[cfg(feature = "tracing")]
#[inline]
pub(crate) fn waker_op(header: &Header, op: &'static str) {
    let id = header.console.id.load(Ordering::Relaxed);
    if id != 0 {
        report_waker_op(id, op);
    }
}

/// The event itself, out of line: a waker of a task without a span pays a load and a branch.
#[cfg(feature = "tracing")]
#[cold]
#[inline(never)]
fn report_waker_op(span_id: u64, op: &'static str) {
    tracing::trace!(target: "tokio::task::waker", op, task.id = span_id);
}

/// Without the `tracing` feature: nothing.
#[cfg(not(feature = "tracing"))]
#[inline(always)]
pub(crate) fn waker_op(_header: &Header, _op: &'static str) {}
