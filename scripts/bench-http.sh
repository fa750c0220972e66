#!/usr/bin/env bash
# Side-by-side HTTP benchmark: the same hyper "Hello, World!" service on baton
# (examples/hello_http.rs) and on tokio's current_thread runtime (examples/hello_http_tokio.rs);
# with APP=axum, the same axum Router's `/` served by `baton::http::serve`
# (examples/axum_app.rs) and by `axum::serve` on tokio (examples/axum_app_tokio.rs).
# Each server is measured in turn with `wrk -t1 -c64 -d10s`, twice (b t b t), on loopback only.
# Prints requests/s and p99 latency per run, the medians, and the baton/tokio ratios
# (requests/s: higher is better; p99: lower is better).
#
# Usage: scripts/bench-http.sh            (DURATION=10s CONNS=64 ROUNDS=2 to override)
#        WORKERS=2 scripts/bench-http.sh  both on 2 workers: baton's Runtime with one
#                                         SO_REUSEPORT listener per worker (BATON_MODE=--steal:
#                                         one accept loop, Send handlers), tokio multi_thread
#        APP=axum scripts/bench-http.sh   the axum app (WORKERS=N: `serve` hands connections to
#                                         the least busy worker; BATON_MODE=--reuse-port: one
#                                         listener per worker, `serve(..).local()` on each)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNS=${CONNS:-64}
ROUNDS=${ROUNDS:-2}
WORKERS=${WORKERS:-}
APP=${APP:-hello}
BATON_MODE=${BATON_MODE:-}
EXTRA=()
if [ -n "$WORKERS" ]; then EXTRA=(--workers "$WORKERS"); fi
BATON_ADDR=${BATON_ADDR:-127.0.0.1:3000}
TOKIO_ADDR=${TOKIO_ADDR:-127.0.0.1:3001}

if ! command -v wrk >/dev/null 2>&1; then
    echo "installing wrk (Debian package)..." >&2
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq wrk
fi

case "$APP" in
    hello) BATON_BIN=hello_http; TOKIO_BIN=hello_http_tokio; FEATURES=hyper ;;
    axum) BATON_BIN=axum_app; TOKIO_BIN=axum_app_tokio; FEATURES=hyper,compat ;;
    *) echo "APP is hello or axum, not '$APP'" >&2; exit 2 ;;
esac
cargo build --release --features "$FEATURES" --example "$BATON_BIN" --example "$TOKIO_BIN" >&2
BIN=${CARGO_TARGET_DIR:-target}/release/examples

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

"$BIN/$BATON_BIN" "$BATON_ADDR" "${EXTRA[@]}" $BATON_MODE >/dev/null &
pids+=($!)
"$BIN/$TOKIO_BIN" "$TOKIO_ADDR" "${EXTRA[@]}" >/dev/null &
pids+=($!)

# Wait for both servers to answer.
for addr in "$BATON_ADDR" "$TOKIO_ADDR"; do
    for _ in $(seq 1 100); do
        if curl -fs "http://$addr/" >/dev/null 2>&1; then break; fi
        sleep 0.1
    done
    body=$(curl -fs "http://$addr/")
    [ "$body" = "Hello, World!" ] || { echo "server at $addr answered '$body'" >&2; exit 1; }
done

# Converts wrk's latency ("812.00us", "1.20ms", "2.01s") to microseconds.
to_us() {
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) print n; else if (v ~ /ms$/) print n * 1000; else if (v ~ /s$/) print n * 1000000; else print n
    }'
}

declare -A RPS P99
run() { # name addr round
    local out rps p99
    out=$(wrk -t1 -c"$CONNS" -d"$DURATION" --latency "http://$2/")
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    printf '%-6s round %d: %12s req/s   p99 %s\n' "$1" "$3" "$rps" "$p99"
    RPS[$1]+="$rps "
    P99[$1]+="$(to_us "$p99") "
}

echo "$APP: wrk -t1 -c$CONNS -d$DURATION, $ROUNDS rounds, alternating${WORKERS:+, $WORKERS workers} $BATON_MODE"
for r in $(seq 1 "$ROUNDS"); do
    run baton "$BATON_ADDR" "$r"
    run tokio "$TOKIO_ADDR" "$r"
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
b_rps=$(median <<<"${RPS[baton]}"); t_rps=$(median <<<"${RPS[tokio]}")
b_p99=$(median <<<"${P99[baton]}"); t_p99=$(median <<<"${P99[tokio]}")
echo
printf 'median  baton %12.0f req/s  p99 %8.0f us\n' "$b_rps" "$b_p99"
printf 'median  tokio %12.0f req/s  p99 %8.0f us\n' "$t_rps" "$t_p99"
awk -v b="$b_rps" -v t="$t_rps" 'BEGIN {printf "baton/tokio requests/s: %.2fx (>= 1.0 is the target)\n", b / t}'
awk -v b="$b_p99" -v t="$t_p99" 'BEGIN {printf "baton/tokio p99 latency: %.2fx (<= 1.0 is the target)\n", b / t}'
