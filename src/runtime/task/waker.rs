//! The task's `Waker`: a `RawWakerVTable` over the task allocation itself.
//!
//! A waker's data pointer is the task header; each live waker owns one counted reference. Waking
//! marks the task `SCHEDULED` and hands it to its scheduler through the schedule seam
//! (`TaskRef::schedule`; the single loop pushes it onto its local queue when called on its own
//! thread and onto its remote queue otherwise).

use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

use super::console::waker_op;
use super::raw::{dealloc_raw, Header, TaskRef};
use super::state::Wake;

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// A waker for the duration of one poll, borrowing the runner's reference (no count taken).
/// Clones of it take their own references.
pub(crate) fn borrowed_waker(ptr: NonNull<Header>) -> ManuallyDrop<Waker> {
    // SAFETY: the vtable's contract holds for a task header; `ManuallyDrop` keeps this borrowed
    // waker from releasing a reference it never took.
    ManuallyDrop::new(unsafe { Waker::from_raw(RawWaker::new(ptr.as_ptr() as *const (), &VTABLE)) })
}

/// # Safety (for all four functions)
/// `data` is a task header on which the calling waker holds one counted reference.
unsafe fn header<'a>(data: *const ()) -> &'a Header {
    // SAFETY: by the contract above the header is live for as long as the waker is.
    unsafe { &*(data as *const Header) }
}

unsafe fn clone(data: *const ()) -> RawWaker {
    // SAFETY: see `header`.
    let header = unsafe { header(data) };
    waker_op(header, "waker.clone");
    header.state.ref_inc();
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake(data: *const ()) {
    // SAFETY: see `header`; the waker's reference is ours to pass on or release.
    let ptr = unsafe { NonNull::new_unchecked(data as *mut Header) };
    // SAFETY: see `header`.
    let header = unsafe { header(data) };
    waker_op(header, "waker.wake");
    match header.state.wake_by_val() {
        // SAFETY: `wake_by_val` kept the waker's reference for the queue entry.
        Wake::Submit => unsafe { TaskRef::from_raw(ptr) }.schedule(),
        Wake::Nothing => {}
        // SAFETY: `wake_by_val` released the last reference.
        Wake::Dealloc => unsafe { dealloc_raw(ptr) },
    }
}

unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: see `header`.
    let ptr = unsafe { NonNull::new_unchecked(data as *mut Header) };
    // SAFETY: see `header`.
    let header = unsafe { header(data) };
    waker_op(header, "waker.wake_by_ref");
    match header.state.wake_by_ref() {
        // SAFETY: `wake_by_ref` added a reference for the queue entry.
        Wake::Submit => unsafe { TaskRef::from_raw(ptr) }.schedule(),
        Wake::Nothing | Wake::Dealloc => {}
    }
}

unsafe fn drop_waker(data: *const ()) {
    // SAFETY: see `header`.
    waker_op(unsafe { header(data) }, "waker.drop");
    // SAFETY: see `header`; dropping the waker releases its reference.
    drop(unsafe { TaskRef::from_raw(NonNull::new_unchecked(data as *mut Header)) });
}
