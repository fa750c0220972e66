#!/usr/bin/env bash
# Loom models of cross-thread protocols: the task state word (wake vs. poll, awaiter vs.
# completion, handle drop vs. completion, cancel vs. completion), WakeSet's wake list, mpsc and
# oneshot senders against their receiver, Semaphore and BoundedSemaphore release vs. a cancelled
# acquire, and the worker pool's queues (a worker's ring: owner push/pop vs. one thief, two
# thieves vs. the owner, an overflow vs. a steal, a batch refill vs. a steal; the injector:
# push and pop vs. close; a wake racing a steal; a worker going to sleep vs. a queuer), the loop's
# notify/park handshake, and a socket's readiness (an event vs. an operation's clear, a wake or
# shutdown vs. a waiter's registration). Every model lives in a `loom_models` test module.
#
# Usage: scripts/loom.sh                     every model
#        scripts/loom.sh task::state         the models of one module (its path in the crate)
#        scripts/loom.sh runtime::pool       the models of every module under a folder
#        scripts/loom.sh PATH -- ARGS        ARGS go to the test binary (e.g. --nocapture)
set -euo pipefail
cd "$(dirname "$0")/.."
export RUSTFLAGS="--cfg baton_loom" CARGO_TARGET_DIR=target/loom
run() { exec timeout --signal=KILL 1200 cargo test --release --lib "$@"; }
if [ $# -eq 0 ] || [ "$1" = "--" ]; then
  run loom_models "$@"
fi
path="$1"
shift
# libtest's filters are substrings and match any one of them, so a folder's models are picked
# by name from the list of all models, then run by exact name.
mapfile -t models < <(
  cargo test --release --lib loom_models -- --list --format=terse 2>/dev/null |
    sed -n 's/: test$//p' | grep -F "$path::" | grep -F '::loom_models::' || true
)
if [ ${#models[@]} -eq 0 ]; then
  echo "no loom models under \`$path\`" >&2
  exit 1
fi
[ "${1:-}" = "--" ] && shift
run -- --exact "${models[@]}" "$@"
