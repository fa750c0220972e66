#!/usr/bin/env bash
# Loom models of the task state word's cross-thread protocols (wake vs. poll, awaiter vs.
# completion, handle drop vs. completion).
set -euo pipefail
cd "$(dirname "$0")/.."
RUSTFLAGS="--cfg baton_loom" CARGO_TARGET_DIR=target/loom \
  exec timeout --signal=KILL 1200 cargo test --release --lib loom_models "$@"
