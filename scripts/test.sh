#!/usr/bin/env bash
# The test command: the whole suite (unit, integration, example builds and doc tests), first with
# the default features, then with every optional feature (`hyper`), each under a time limit so a
# hang fails the run instead of stalling it. `--workspace`: the unit tests of baton-macros too.
# Extra arguments go to both `cargo test` runs.
set -euo pipefail
cd "$(dirname "$0")/.."
timeout --signal=KILL 1800 cargo test --workspace "$@"
exec timeout --signal=KILL 1800 cargo test --workspace --all-features "$@"
