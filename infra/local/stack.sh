#!/usr/bin/env bash
# The local stack behind `make run` and `make test`: installs what is missing (idempotent and
# cached), starts the AWS emulator (moto server) on loopback, and stops what it started on exit.
#
#   infra/local/stack.sh run    # moto + the local runner on http://127.0.0.1:${PORT:-8080}
#   infra/local/stack.sh test   # moto + fmt, clippy and every test of the workspace
#   infra/local/stack.sh bench  # moto + release builds + the benchmarks of docs/PERFORMANCE.md
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
STATE="$ROOT/.local"
VENV="$ROOT/.venv/moto"
MOTO_VERSION="5.2.5"
mkdir -p "$STATE"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

setup() {
  if ! command -v cargo >/dev/null; then
    echo "cargo is missing: install Rust with rustup (https://rustup.rs) first." >&2
    exit 1
  fi
  if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    log "adding rustfmt and clippy"
    rustup component add rustfmt clippy
  fi
  if [ ! -x "$VENV/bin/moto_server" ] || ! "$VENV/bin/pip" show moto 2>/dev/null | grep -q "^Version: $MOTO_VERSION$"; then
    log "installing moto $MOTO_VERSION into .venv/moto"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_for_port() { # port, what, pid
  for _ in $(seq 1 150); do
    if python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1', $1)))" 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$3" 2>/dev/null; then
      echo "$2 stopped while starting; its log: $STATE/$2.log" >&2
      tail -n 20 "$STATE/$2.log" >&2 || true
      exit 1
    fi
    sleep 0.1
  done
  echo "$2 did not open port $1 within 15 s; its log: $STATE/$2.log" >&2
  exit 1
}

PIDS=()
cleanup() {
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_moto() { # port
  log "starting moto server on 127.0.0.1:$1"
  "$VENV/bin/moto_server" -H 127.0.0.1 -p "$1" >"$STATE/moto.log" 2>&1 &
  PIDS+=($!)
  wait_for_port "$1" moto "$!"
  export AWS_ENDPOINT_URL="http://127.0.0.1:$1"
}

cmd_run() {
  setup
  local port="${PORT:-8080}"
  start_moto "${MOTO_PORT:-$(free_port)}"
  log "building the local runner"
  cargo build -p rpps-local
  log "RPPS+ on http://127.0.0.1:$port (Ctrl-C stops everything)"
  PORT="$port" "$ROOT/target/debug/rpps-local" --seed &
  PIDS+=($!)
  wait "$!"
}

cmd_test() {
  setup
  start_moto "$(free_port)"
  export RPPS_TEST_AWS_ENDPOINT="$AWS_ENDPOINT_URL"
  log "cargo fmt --check"
  cargo fmt --all -- --check
  log "cargo clippy (warnings are errors)"
  cargo clippy --workspace --all-targets -- -D warnings
  log "cargo test (unit, property, store over moto, HTTP end to end)"
  cargo test --workspace
}

cmd_bench() {
  setup
  start_moto "$(free_port)"
  export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=eu-west-3
  export RPPS_REGISTRY_TABLE=bench-registry RPPS_SESSIONS_TABLE=bench-sessions
  export RPPS_MAIL_FROM=no-reply@rpps-plus.localhost
  log "building release binaries (size profile of the Lambda functions)"
  cargo build --release -p rpps-referentials -p rpps-health -p rpps-e2e --bins
  local release="${CARGO_TARGET_DIR:-$ROOT/target}/release"
  log "cold start: ${RUNS:-20} runs each, baseline first"
  "$release/coldstart" "${RUNS:-20}" \
    "hello-lambda=$release/hello-lambda" \
    "rpps-referentials=$release/rpps-referentials,/api/communes?q=paris" \
    "rpps-health=$release/rpps-health,/api/health"
  log "commune search"
  cargo bench -p rpps-places --bench commune_search
}

case "${1:-}" in
  run) cmd_run ;;
  test) cmd_test ;;
  bench) cmd_bench ;;
  setup) setup ;;
  *) echo "usage: $0 run|test|bench|setup" >&2; exit 2 ;;
esac
