//! The one place concurrency primitives come from.
//!
//! Code that other threads can touch (task state, the remote queue, wake flags) takes its atomics
//! and locks from here, so a `--cfg baton_loom` build can swap in loom's model-checked versions.

#[cfg(baton_loom)]
pub(crate) use loom::sync::{atomic, Arc, Mutex, MutexGuard};

#[cfg(not(baton_loom))]
pub(crate) use std::sync::{atomic, Arc, Mutex, MutexGuard};
