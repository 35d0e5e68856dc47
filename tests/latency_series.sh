#!/usr/bin/env bash
# Issue 18, item 4: validation → number email and → directory entry over RUNS × N validations,
# each run of N on a fresh moto (tests/moto/server.py, as make test runs it), pooled into one
# distribution.
#   tests/latency_series.sh [RUNS=10] [N=100] [PAUSE_MS=1000]
# Needs the release build of the bench (cargo build --release -p rpps-e2e --bin latency_bench),
# and moto in .venv/moto (make setup). Prints the pooled p50/p99/max.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}; n=${2:-100}; pause=${3:-1000}
raw=$(mktemp); port=5698
python=${MOTO_PYTHON:-.venv/moto/bin/python}
bench=${CARGO_TARGET_DIR:-target}/release/latency_bench
for run in $(seq 1 "$runs"); do
  "$python" tests/moto/server.py -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  echo "run $run/$runs"
  AWS_ENDPOINT_URL="http://127.0.0.1:$port" LATENCY_RAW="$raw" "$bench" "$n" 1 "$pause" | grep -v '^|'
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
"$bench" pool "$raw"
rm -f "$raw"
