#!/usr/bin/env bash
# Miri over the unsafe core: the task allocation, its waker vtable and handle, the loop's queues,
# the worker pool's lock-free ring (`runtime/pool/`, with a small threaded race), and
# gather/as_completed's shared waker set; task_panics drives every entry point where user code
# may panic inside the raw task; runtime_workers drives the worker pool (the stealable ring, the
# LIFO slot, cross-worker wakes and shutdown) on real threads; the task-group, cancellation and
# re-entrant-waker suites drive the raw task through the primitives; debug_dump and debug_mode
# read tasks' traces from other threads and report panics dropped unseen (and catch a handler
# that keeps its loop alive). (Suites that need real sockets, which Miri's isolation
# refuses, or real-time bounds across threads, which Miri is too slow for, stay out.) With the
# `hyper` feature, the read path into hyper's uninitialised buffer runs too.
# Installs Miri on the nightly toolchain if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! cargo +nightly miri --version >/dev/null 2>&1; then
  rustup component add --toolchain nightly miri rust-src
fi
export MIRIFLAGS="${MIRIFLAGS:-} -Zmiri-strict-provenance"
# The `tracing` feature's console span sits in the task header behind an `UnsafeCell`.
timeout --signal=KILL 900 cargo +nightly miri test --features tracing --test tracing_console
# The `hyper` feature's read path hands hyper's uninitialised buffer to the kernel or a reader.
timeout --signal=KILL 900 cargo +nightly miri test --features hyper --lib io::hyper_io::
exec timeout --signal=KILL 1800 cargo +nightly miri test \
  --lib \
  --test task_lifecycle \
  --test task_panics \
  --test task_group \
  --test task_group_scope \
  --test sync_cancellation \
  --test sync_reentrant_waker \
  --test queue_cancellation \
  --test queue_reentrant_waker \
  --test channel_mpsc \
  --test channel_reentrant_waker \
  --test combinators_gather \
  --test combinators_reentrant_waker \
  --test runtime_cross_thread \
  --test runtime_workers \
  --test debug_dump \
  --test debug_mode \
  --test runtime_event_loop "$@"
