#!/usr/bin/env bash
# The test command: the whole suite (unit, integration, example builds and doc tests) under a
# time limit, so a hang fails the run instead of stalling it. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
exec timeout --signal=KILL 1800 cargo test "$@"
