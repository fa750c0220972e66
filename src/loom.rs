//! The one place concurrency primitives come from.
//!
//! Code that other threads can touch (task state, the remote queue, wake flags) takes its atomics
//! and locks from here, so a `--cfg baton_loom` build can swap in loom's model-checked versions.
//! (Locks are taken through `crate::util::Mutex`, which wraps this module's and ignores poisoning.)
//! Hand-managed allocations take `alloc`/`dealloc` from [`alloc`] (loom then reports leaks and
//! double frees) and mark their uses with a [`Liveness`] (loom then reports a use that does not
//! happen before the free). Memory that threads hand to each other without a lock (the slots of
//! a lock-free queue) sits in an [`UnsafeCell`] (loom then reports unordered accesses).

#[cfg(baton_loom)]
pub(crate) use loom::sync::{atomic, Arc, Condvar, Mutex, MutexGuard};

#[cfg(not(baton_loom))]
pub(crate) use std::sync::{atomic, Arc, Condvar, Mutex, MutexGuard};

/// Under loom, its model-checked cell; see the `std` version for the API.
#[cfg(baton_loom)]
pub(crate) use loom::cell::UnsafeCell;

/// A cell whose contents are reached only through [`with`](UnsafeCell::with) (shared) and
/// [`with_mut`](UnsafeCell::with_mut) (exclusive), each handing a raw pointer to a closure.
///
/// Under loom it is `loom::cell::UnsafeCell`, which fails a model in which an exclusive access
/// is not ordered (happens-before) against every other access of the same cell: how the models
/// catch a slot of a lock-free queue written while another thread still reads it. In a normal
/// build it is this zero-cost wrapper over `std`'s, with the same API, so code is written once.
#[cfg(not(baton_loom))]
#[derive(Debug)]
#[repr(transparent)]
pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(baton_loom))]
impl<T> UnsafeCell<T> {
    pub(crate) fn new(value: T) -> UnsafeCell<T> {
        UnsafeCell(std::cell::UnsafeCell::new(value))
    }

    /// Calls `f` with a pointer for reading; the caller's protocol must rule out a concurrent
    /// `with_mut`.
    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Calls `f` with a pointer for writing; the caller's protocol must rule out any concurrent
    /// access.
    #[inline(always)]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

/// `alloc` and `dealloc`; under loom, tracked for leaks and double frees.
pub(crate) mod alloc {
    #[cfg(baton_loom)]
    pub(crate) use loom::alloc::{alloc, dealloc};

    #[cfg(not(baton_loom))]
    pub(crate) use std::alloc::{alloc, dealloc};
}

/// A marker in a hand-freed allocation: shared uses call [`used`](Self::used), the free calls
/// [`freed`](Self::freed) first.
///
/// Zero-sized and free in a normal build. Under loom it is a tracked cell that uses read and the
/// free writes, so loom fails a model in which some use does not *happen before* the free — the
/// reference count's release/acquire pairing is what must order them.
#[derive(Debug)]
pub(crate) struct Liveness {
    #[cfg(baton_loom)]
    cell: loom::cell::UnsafeCell<()>,
}

impl Liveness {
    pub(crate) fn new() -> Liveness {
        Liveness {
            #[cfg(baton_loom)]
            cell: loom::cell::UnsafeCell::new(()),
        }
    }

    /// Records a use of the allocation by a holder of a reference.
    #[inline(always)]
    pub(crate) fn used(&self) {
        #[cfg(baton_loom)]
        self.cell.with(|_| ());
    }

    /// Records the free; call it once, after the last reference was given up.
    #[inline(always)]
    pub(crate) fn freed(&self) {
        #[cfg(baton_loom)]
        self.cell.with_mut(|_| ());
    }
}

/// Helpers for the loom models (`loom_models` test modules).
#[cfg(all(test, baton_loom))]
pub(crate) mod model {
    use std::future::Future;
    use std::mem::ManuallyDrop;
    use std::pin::Pin;
    use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

    use loom::sync::atomic::{AtomicUsize, Ordering};
    use loom::sync::Arc;

    /// A waker that counts its wakes, built on loom's `Arc` so loom reports a leaked clone.
    #[derive(Debug, Clone)]
    pub(crate) struct CountingWaker(Arc<AtomicUsize>);

    impl CountingWaker {
        pub(crate) fn new() -> CountingWaker {
            CountingWaker(Arc::new(AtomicUsize::new(0)))
        }

        pub(crate) fn waker(&self) -> Waker {
            let data = Arc::into_raw(self.0.clone()).cast::<()>();
            // SAFETY: `data` owns one count of an `Arc<AtomicUsize>`, which is what `VTABLE`
            // expects; the `Arc` is `Send + Sync`.
            unsafe { Waker::from_raw(RawWaker::new(data, &VTABLE)) }
        }

        pub(crate) fn count(&self) -> usize {
            self.0.load(Ordering::SeqCst)
        }
    }

    /// Polls `fut` once while `other` runs on another thread, joins `other`, and returns the
    /// output. If that poll was `Pending`, the future's waker must have been woken by the time
    /// `other` is done (else the wake-up was lost) and the next poll must finish.
    pub(crate) fn poll_racing<F: Future + Unpin>(
        fut: &mut F,
        other: loom::thread::JoinHandle<()>,
    ) -> F::Output {
        let counter = CountingWaker::new();
        let waker = counter.waker();
        let first = Pin::new(&mut *fut).poll(&mut Context::from_waker(&waker));
        other.join().unwrap();
        match first {
            Poll::Ready(out) => out,
            Poll::Pending => {
                assert!(
                    counter.count() >= 1,
                    "pending future never woken: lost wake-up"
                );
                match Pin::new(fut).poll(&mut Context::from_waker(&waker)) {
                    Poll::Ready(out) => out,
                    Poll::Pending => panic!("woken future still pending with its peer done"),
                }
            }
        }
    }

    static VTABLE: RawWakerVTable =
        RawWakerVTable::new(waker_clone, waker_wake, waker_wake_by_ref, waker_drop);

    /// The `Arc` behind `data`, without taking its count.
    unsafe fn borrow(data: *const ()) -> ManuallyDrop<Arc<AtomicUsize>> {
        // SAFETY: `data` came from `Arc::into_raw` and its count is still held (caller).
        ManuallyDrop::new(unsafe { Arc::from_raw(data.cast::<AtomicUsize>()) })
    }

    unsafe fn waker_clone(data: *const ()) -> RawWaker {
        // SAFETY: the waker being cloned holds a count.
        let arc = unsafe { borrow(data) };
        let data = Arc::into_raw(Arc::clone(&arc)).cast::<()>();
        RawWaker::new(data, &VTABLE)
    }

    unsafe fn waker_wake(data: *const ()) {
        // SAFETY: forwarded; then the waker's own count is given back.
        unsafe {
            waker_wake_by_ref(data);
            waker_drop(data);
        }
    }

    unsafe fn waker_wake_by_ref(data: *const ()) {
        // SAFETY: the waker holds a count.
        unsafe { borrow(data) }.fetch_add(1, Ordering::SeqCst);
    }

    unsafe fn waker_drop(data: *const ()) {
        // SAFETY: the waker owns this count and is going away.
        drop(ManuallyDrop::into_inner(unsafe { borrow(data) }));
    }
}
