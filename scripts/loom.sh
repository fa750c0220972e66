#!/usr/bin/env bash
# Loom models of cross-thread protocols: the task state word (wake vs. poll, awaiter vs.
# completion, handle drop vs. completion), WakeSet's wake list, mpsc and oneshot senders
# against their receiver, Semaphore release vs. a cancelled acquire. Every model lives in a
# `loom_models` test module.
set -euo pipefail
cd "$(dirname "$0")/.."
RUSTFLAGS="--cfg baton_loom" CARGO_TARGET_DIR=target/loom \
  exec timeout --signal=KILL 1200 cargo test --release --lib loom_models "$@"
