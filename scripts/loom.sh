#!/usr/bin/env bash
# Loom models of cross-thread protocols: the task state word (wake vs. poll, awaiter vs.
# completion, handle drop vs. completion, cancel vs. completion), WakeSet's wake list, mpsc and
# oneshot senders against their receiver, Semaphore and BoundedSemaphore release vs. a cancelled
# acquire. Every model lives in a `loom_models` test module.
#
# Usage: scripts/loom.sh                     every model
#        scripts/loom.sh task::state         the models of one module (its path in the crate)
set -euo pipefail
cd "$(dirname "$0")/.."
filter="loom_models"
if [ $# -gt 0 ]; then
  filter="$1::loom_models"
  shift
fi
RUSTFLAGS="--cfg baton_loom" CARGO_TARGET_DIR=target/loom \
  exec timeout --signal=KILL 1200 cargo test --release --lib "$filter" "$@"
