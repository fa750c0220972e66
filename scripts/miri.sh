#!/usr/bin/env bash
# Miri over the unsafe core: the task allocation, its waker vtable and handle, the loop's queues,
# and gather/as_completed's shared waker set; task_panics drives every entry point where user code
# may panic inside the raw task. Installs Miri on the nightly toolchain if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! cargo +nightly miri --version >/dev/null 2>&1; then
  rustup component add --toolchain nightly miri rust-src
fi
export MIRIFLAGS="${MIRIFLAGS:-} -Zmiri-strict-provenance"
exec timeout --signal=KILL 1800 cargo +nightly miri test \
  --lib \
  --test task_lifecycle \
  --test task_panics \
  --test runtime_cross_thread \
  --test runtime_event_loop "$@"
