#!/usr/bin/env bash
# The local stack behind `make run` and `make test`: installs what is missing (idempotent and
# cached), starts the AWS emulator (moto server) on loopback, and stops what it started on exit.
#
#   infra/local/stack.sh run    # moto + the local runner on http://127.0.0.1:${PORT:-8080}
#   infra/local/stack.sh test   # moto + fmt, clippy and every test of the workspace
#   infra/local/stack.sh bench  # moto + release builds + the benchmarks of docs/PERFORMANCE.md
#   infra/local/stack.sh coldstart  # moto + the cold start of every function (part of bench)
#   infra/local/stack.sh package  # every Lambda function for arm64, zipped for `sam deploy`
#   infra/local/stack.sh frontend # the web app into frontend/dist (frontend/build.sh)
#   infra/local/stack.sh browser  # moto + the local runner + the browser tests only
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
STATE="$ROOT/.local"
VENV="$ROOT/.venv/moto"
MOTO_VERSION="5.2.5"
# The deployment tools, in a virtualenv of their own (aws-sam-cli would downgrade moto's boto3).
DEPLOY_VENV="$ROOT/.venv/deploy"
# cfn-lint and sam for the template's checks (`make test`), cargo-lambda (brings zig, the cross
# linker) for `make package`: one pinned set, so neither command reinstalls after the other.
DEPLOY_TOOLS="cfn-lint==1.58.0 aws-sam-cli==1.170.0 cargo-lambda==1.9.2"
export SAM_CLI_TELEMETRY=0
mkdir -p "$STATE"

# Each step with the seconds since the command started (where the time of `make test` goes).
log() { printf '\033[1m==> [%ss] %s\033[0m\n' "$SECONDS" "$*" >&2; }

setup() {
  if ! command -v cargo >/dev/null; then
    echo "cargo is missing: install Rust with rustup (https://rustup.rs) first." >&2
    exit 1
  fi
  if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    log "adding rustfmt and clippy"
    rustup component add rustfmt clippy
  fi
  if [ ! -x "$VENV/bin/moto_server" ] || ! "$VENV/bin/pip" show moto 2>/dev/null | grep "^Version: $MOTO_VERSION$" >/dev/null; then
    log "installing moto $MOTO_VERSION into .venv/moto"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  fi
}

# The independent FHIR validator of the end-to-end tests (issue 16, tests/fhir/validate.py):
# PyPI fhir.resources (its R4B models) in a virtualenv of its own; the tests find its Python in
# RPPS_FHIR_PYTHON.
FHIR_VALIDATOR="fhir.resources==8.3.0"
FHIR_VENV="$ROOT/.venv/fhir"
setup_fhir_validator() {
  local stamp="$FHIR_VENV/rpps-installed.txt"
  if ! { [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$FHIR_VALIDATOR" ] && [ -x "$FHIR_VENV/bin/python" ]; }; then
    log "installing $FHIR_VALIDATOR into .venv/fhir (the FHIR validator of the tests)"
    [ -x "$FHIR_VENV/bin/pip" ] || python3 -m venv "$FHIR_VENV"
    "$FHIR_VENV/bin/pip" install --quiet --disable-pip-version-check "$FHIR_VALIDATOR"
    printf '%s' "$FHIR_VALIDATOR" >"$stamp"
  fi
  export RPPS_FHIR_PYTHON="$FHIR_VENV/bin/python"
}

# Installs DEPLOY_TOOLS into .venv/deploy unless that exact set is already there (a stamp file:
# the second run costs nothing).
setup_deploy_tools() {
  local wanted="$DEPLOY_TOOLS"
  local stamp="$DEPLOY_VENV/rpps-installed.txt"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] && [ -x "$DEPLOY_VENV/bin/sam" ]; then
    return 0
  fi
  log "installing $wanted into .venv/deploy"
  [ -x "$DEPLOY_VENV/bin/pip" ] || python3 -m venv "$DEPLOY_VENV"
  # shellcheck disable=SC2086 # one word per package
  "$DEPLOY_VENV/bin/pip" install --quiet --disable-pip-version-check $wanted
  printf '%s' "$wanted" >"$stamp"
}

# The SAM template passes both linters (offline, about 3 s); the WAF's template (us-east-1) too.
lint_template() {
  setup_deploy_tools
  log "cfn-lint and sam validate --lint (infra/template.yaml, infra/waf.yaml)"
  "$DEPLOY_VENV/bin/cfn-lint" -- infra/template.yaml
  "$DEPLOY_VENV/bin/cfn-lint" --regions us-east-1 -- infra/waf.yaml
  "$DEPLOY_VENV/bin/sam" validate --lint --template infra/template.yaml --region eu-west-3
}

# Headless Chromium for the browser tests: Debian's package (never a downloaded browser).
setup_browser() {
  if [ -x /usr/bin/chromium ]; then
    return 0
  fi
  log "installing chromium (Debian package) for the browser tests"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
}

# The web app into frontend/dist: quick when nothing changed (frontend/build.sh).
build_frontend() {
  log "building the web app (frontend/build.sh)"
  "$ROOT/frontend/build.sh"
}

# The local runner (built) on a free port against the moto already started, fresh tables,
# then the browser journeys of frontend/tests/browser.mjs; screenshots in target/screenshots.
# `--built`: the caller built every target of the workspace already (cmd_test). The local runner
# is then up to date in target/debug, built with the features the tests' dev-dependencies unify;
# `cargo build -p rpps-local` would resolve other features and compile most crates again (343 s
# of a fresh clone's make test).
run_browser_tests() {
  setup_browser
  build_frontend
  if [ "${1:-}" != --built ]; then
    log "building the local runner"
    cargo build -p rpps-local
  fi
  local port
  port="$(free_port)"
  log "starting the local runner on 127.0.0.1:$port for the browser tests"
  PORT="$port" RPPS_TABLE_PREFIX="browser-$(date +%s)-$$" RPPS_FRONTEND_DIR="$ROOT/frontend/dist" \
    "${CARGO_TARGET_DIR:-$ROOT/target}/debug/rpps-local" --seed >"$STATE/rpps-local-browser.log" 2>&1 &
  PIDS+=($!)
  wait_for_port "$port" rpps-local-browser "$!"
  log "browser tests (headless Chromium, 390×844)"
  BASE_URL="http://127.0.0.1:$port" SCREENSHOTS="$ROOT/target/screenshots" node "$ROOT/frontend/tests/browser.mjs"
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
  # moto's server with per-item rollback of its DynamoDB transactions instead of a copy of the
  # whole table (tests/moto/server.py says why; functions/store/tests/over_moto.rs checks it).
  "$VENV/bin/python" "$ROOT/tests/moto/server.py" -H 127.0.0.1 -p "$1" >"$STATE/moto.log" 2>&1 &
  PIDS+=($!)
  wait_for_port "$1" moto "$!"
  export AWS_ENDPOINT_URL="http://127.0.0.1:$1"
}

cmd_run() {
  setup
  local port="${PORT:-8080}"
  start_moto "${MOTO_PORT:-$(free_port)}"
  build_frontend
  log "building the local runner"
  cargo build -p rpps-local
  log "RPPS+ on http://127.0.0.1:$port (Ctrl-C stops everything)"
  PORT="$port" "${CARGO_TARGET_DIR:-$ROOT/target}/debug/rpps-local" --seed --demo-register &
  PIDS+=($!)
  wait "$!"
}

cmd_test() {
  setup
  start_moto "$(free_port)"
  export RPPS_TEST_AWS_ENDPOINT="$AWS_ENDPOINT_URL"
  lint_template
  log "cargo fmt --check"
  cargo fmt --all -- --check
  log "cargo clippy (warnings are errors)"
  cargo clippy --workspace --all-targets -- -D warnings
  # Every target, the functions' Lambda binaries included (cargo test builds only the binaries
  # of packages with integration tests), before the tests: tests/tests/e2e/lambda_binaries.rs
  # then finds them up to date instead of building them while the other end-to-end tests run
  # beside it in the same process. cargo test finds everything built (same targets, same
  # features).
  log "cargo build (every target, the Lambda binaries included)"
  cargo build --workspace --all-targets
  setup_certified_provider
  setup_fhir_validator
  log "cargo test (unit, property, store over moto, HTTP end to end, Lambda binaries)"
  cargo test --workspace
  run_browser_tests --built
  run_frontend_wasm_tests
}

# The independent OpenID provider the sign-in tests also run against (npm oidc-provider, run by
# Node: tests/oidc-provider/server.mjs, tests/tests/e2e/certified_provider.rs); the lock file
# pins it. About 4 s, once.
setup_certified_provider() {
  if [ -f tests/oidc-provider/node_modules/.package-lock.json ] &&
    [ tests/oidc-provider/node_modules/.package-lock.json -nt tests/oidc-provider/package-lock.json ]; then
    return 0
  fi
  log "npm ci (oidc-provider, the certified provider of the sign-in tests) in tests/oidc-provider"
  (cd tests/oidc-provider && npm ci --no-audit --no-fund --loglevel=error)
}

# The web app's browser-only code linted, and its tests that need a JavaScript engine
# (src/json.rs against the real `JSON.parse`, in Node), after build_frontend installed the wasm32
# target and wasm-bindgen-test-runner into .tools/.
run_frontend_wasm_tests() {
  log "cargo clippy of the web app, its QR decoder and the contract for wasm32 (the browser-only code)"
  cargo clippy -p rpps-frontend -p rpps-qr -p rpps-contract --target wasm32-unknown-unknown --all-targets -- -D warnings
  log "web app tests in Node (wasm32: the JSON reader against JSON.parse, a card's signature by WebCrypto)"
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER="$ROOT/.tools/bin/wasm-bindgen-test-runner" \
    cargo test -p rpps-frontend --target wasm32-unknown-unknown --lib
}

cmd_browser() {
  setup
  start_moto "$(free_port)"
  run_browser_tests
}

# The functions of the template (Metadata.BuildProperties.Binary), one per line.
template_binaries() {
  sed -n 's/^ *Binary: *\([A-Za-z0-9_-]*\) *$/\1/p' infra/template.yaml
}

# Cold start of every function of the template against a hello-world `lambda_runtime` binary,
# all built with the profile `make package` uses (lambda-release), for this machine's
# architecture. Needs moto (AWS_ENDPOINT_URL) and the variables cmd_bench exports.
cold_start() {
  local dir="${CARGO_TARGET_DIR:-$ROOT/target}/lambda-release"
  local binaries=() pkgs=() targets=()
  mapfile -t binaries < <(template_binaries)
  for binary in "${binaries[@]}"; do pkgs+=(-p "$binary"); done
  log "building the functions (profile lambda-release, -p per function as make package does)"
  cargo build --profile lambda-release "${pkgs[@]}"
  cargo build --profile lambda-release -p rpps-e2e --bin coldstart --bin hello-lambda \
    --bin hello-lambda-one-thread
  # rpps-auth reads its two client secrets (Secrets Manager, here moto's) at its first sign-in,
  # which no first request here is.
  "$VENV/bin/python" - <<'PY'
import os
import boto3
sm = boto3.client("secretsmanager", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="eu-west-3")
for name in ("bench/franceconnect", "bench/psc"):
    try:
        sm.create_secret(Name=name, SecretString="bench-client-secret")
    except sm.exceptions.ResourceExistsException:
        pass
PY
  # Issuers on a closed loopback port: nothing is fetched from them at start-up.
  export RPPS_PUBLIC_ORIGIN=http://127.0.0.1:9
  export RPPS_FC_ISSUER=http://127.0.0.1:9/fc RPPS_FC_CLIENT_ID=bench RPPS_FC_CLIENT_SECRET_ID=bench/franceconnect
  export RPPS_PSC_ISSUER=http://127.0.0.1:9/psc RPPS_PSC_CLIENT_ID=bench RPPS_PSC_CLIENT_SECRET_ID=bench/psc
  # The first invocation of each: a route that answers without AWS where there is one (no
  # session, a malformed number); the stream consumers get an event that is not a batch; the
  # purge runs (against a table that does not exist here: its error is its answer).
  for binary in "${binaries[@]}"; do
    case "$binary" in
      rpps-birthplaces) targets+=("$binary=$dir/$binary,/api/communes?q=paris") ;;
      rpps-referentials) targets+=("$binary=$dir/$binary,/api/establishments?q=26010004500012") ;;
      rpps-health) targets+=("$binary=$dir/$binary,/api/health") ;;
      rpps-auth) targets+=("$binary=$dir/$binary,/api/session") ;;
      rpps-registrations) targets+=("$binary=$dir/$binary,/api/registrations/mine") ;;
      rpps-directory) targets+=("$binary=$dir/$binary,/api/directory/not-a-number") ;;
      # Without a key here (no KMS key in the bench stack): the keys' document answers its 503.
      rpps-cards) targets+=("$binary=$dir/$binary,/.well-known/rpps-card-keys.json") ;;
      rpps-staff) targets+=("$binary=$dir/$binary,/api/manager/staff") ;;
      *) targets+=("$binary=$dir/$binary") ;;
    esac
  done
  log "cold start: ${RUNS:-20} runs each, interleaved, baseline first"
  # The baseline (the usual `#[tokio::main]`), then the same on the one-thread runtime the
  # functions use, then the functions.
  "$dir/coldstart" "${RUNS:-20}" "hello-lambda=$dir/hello-lambda" \
    "hello-lambda-one-thread=$dir/hello-lambda-one-thread" "${targets[@]}"
}

# moto and the environment every benchmark runs with (placeholder credentials, bench tables).
start_bench_stack() {
  setup
  start_moto "$(free_port)"
  export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=eu-west-3
  export RPPS_REGISTRY_TABLE=bench-registry RPPS_SESSIONS_TABLE=bench-sessions
  export RPPS_MAIL_FROM=no-reply@rpps-plus.localhost
}

cmd_coldstart() {
  start_bench_stack
  cold_start
}

cmd_bench() {
  start_bench_stack
  cold_start
  log "building the release binaries of the benchmarks"
  cargo build --release -p rpps-e2e --bins
  local release="${CARGO_TARGET_DIR:-$ROOT/target}/release"
  # 200 requests by default: moto's transactions copy (and keep) the whole table, so time and
  # memory grow with the square of the count (docs/PERFORMANCE.md); VALIDATIONS=500 for more.
  log "validations under concurrency (${VALIDATIONS:-200} requests, ${SAME_REQUEST:-50} callers on one) and DynamoDB round trips"
  "$release/validations" "${VALIDATIONS:-200}" "${SAME_REQUEST:-50}"
  # Directory reads (calls per page, latency) and the purge of departed sites (items read, time):
  # 300 professionals, 200 requests of each kind; 10,000 sites of which 100 departed, 1 run (moto keeps a copy of the table per transaction).
  log "directory and purge (${DIRECTORY_PROS:-300} professionals, ${PURGE_SITES:-10000} practice sites of which ${PURGE_DEPARTED:-100} departed)"
  "$release/directory_bench" "${DIRECTORY_PROS:-300}" "${DIRECTORY_QUERIES:-200}" \
    "${PURGE_SITES:-10000}" "${PURGE_DEPARTED:-100}" "${PURGE_RUNS:-1}"
  log "FHIR API (${FHIR_ENTRIES:-1000} entries, ${FHIR_REQUESTS:-200} requests of each kind)"
  "$release/fhir_bench" "${FHIR_ENTRIES:-1000}" "${FHIR_REQUESTS:-200}"
  log "open-data extract (${OPENDATA_PROS:-100000} professionals, two days)"
  "$release/opendata_bench" "${OPENDATA_PROS:-100000}"
  log "commune search"
  cargo bench -p rpps-places --bench commune_search
}

# The Lambda functions of the template (Metadata.BuildProperties.Binary), built once together
# for arm64 by cargo-lambda into target/lambda/<binary>/bootstrap.zip, the CodeUri of each.
cmd_package() {
  setup
  setup_deploy_tools
  build_frontend
  if ! rustup target list --installed | grep -x aarch64-unknown-linux-gnu >/dev/null; then
    log "adding the Rust target aarch64-unknown-linux-gnu"
    rustup target add aarch64-unknown-linux-gnu
  fi
  local binaries=() bins=()
  mapfile -t binaries < <(template_binaries)
  if [ "${#binaries[@]}" -eq 0 ]; then
    echo "no Metadata.BuildProperties.Binary in infra/template.yaml" >&2
    exit 1
  fi
  # One package per function, named as its binary: `-p` (not `--bin`) so that features are
  # resolved for the functions alone, not unified with the local runner's and the tests'.
  for binary in "${binaries[@]}"; do bins+=(-p "$binary"); done
  local lambda_dir="$ROOT/target/lambda"
  log "cargo lambda build --profile lambda-release --arm64 (${binaries[*]})"
  local start=$SECONDS
  # `cargo lambda` and zig (through the virtualenv's python, package ziglang) from .venv/deploy.
  PATH="$DEPLOY_VENV/bin:$PATH" cargo lambda build --profile lambda-release --arm64 \
    --output-format zip --lambda-dir "$lambda_dir" "${bins[@]}"
  log "built in $((SECONDS - start)) s; zipped sizes (target: at most 3 MB = 3,000,000 bytes each)"
  local over=0 size
  for binary in "${binaries[@]}"; do
    size=$(stat -c %s "$lambda_dir/$binary/bootstrap.zip")
    printf '  %-24s %10d bytes  %5.2f MB  %s\n' "$binary" "$size" \
      "$(awk "BEGIN { print $size / 1000000 }")" "target/lambda/$binary/bootstrap.zip"
    [ "$size" -le 3000000 ] || over=1
  done
  [ "$over" -eq 0 ] || log "warning: a function is over 3 MB zipped"
  log "ready for: sam deploy --template-file infra/template.yaml … (docs/DEPLOY.md)"
}

case "${1:-}" in
  run) cmd_run ;;
  test) cmd_test ;;
  bench) cmd_bench ;;
  coldstart) cmd_coldstart ;;
  package) cmd_package ;;
  frontend) build_frontend ;;
  browser) cmd_browser ;;
  setup) setup ;;
  *) echo "usage: $0 run|test|bench|coldstart|package|frontend|browser|setup" >&2; exit 2 ;;
esac
