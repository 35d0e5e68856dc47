#!/usr/bin/env bash
# Builds the web app into frontend/dist (the fast offline route of the team's TOOLCHAIN.md):
#   cargo build --profile wasm-release --target wasm32-unknown-unknown -p rpps-frontend
#   → wasm-bindgen --target web (wasm-bindgen-cli at the version of Cargo.lock, in .tools/)
#   → wasm-opt -Oz (npm binaryen, frontend/node_modules)
#   → esbuild (npm): the glue, dioxus' JavaScript snippets and the two lines that start the app,
#     bundled and minified into one module (no inline script: the site's CSP refuses them)
#   → dist/: index.html, app-<hash>.js, app-<hash>_bg.wasm, style-<hash>.css, sw.js (the service
#     worker keeping those for offline use), app-qr-<hash>.js and app-qr-<hash>_bg.wasm (the QR
#     code decoder /verifier loads where the browser has no BarcodeDetector), each with .br and .gz.
# Installs what is missing on first use (the wasm32 target, wasm-bindgen-cli, npm packages) and
# does nothing more when the build is unchanged. Honours CARGO_TARGET_DIR.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
FRONTEND="$ROOT/frontend"
DIST="$FRONTEND/dist"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
TOOLS="$ROOT/.tools"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# The wasm-bindgen CLI must be exactly the version of the wasm-bindgen crate in Cargo.lock.
WBG_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
if [ -z "$WBG_VERSION" ]; then
  echo "wasm-bindgen is not in Cargo.lock" >&2
  exit 1
fi

if ! rustup target list --installed | grep -x wasm32-unknown-unknown >/dev/null; then
  log "adding the Rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
if [ "$("$TOOLS/bin/wasm-bindgen" --version 2>/dev/null)" != "wasm-bindgen $WBG_VERSION" ]; then
  log "installing wasm-bindgen-cli $WBG_VERSION into .tools (a few minutes, once)"
  # Not --locked: the CLI's own lock file pins versions that no longer build (TOOLCHAIN.md).
  # Built at opt-level 1 without debug info: a fresh clone compiles it once, and what it does
  # (rewriting a 600 KB module, running the Node tests) takes a second either way; the output
  # does not depend on how the tool itself was optimised.
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_LTO=false \
    CARGO_TARGET_DIR="$TARGET_DIR/tools" cargo install wasm-bindgen-cli --version "$WBG_VERSION" --root "$TOOLS"
fi
if [ ! -x "$FRONTEND/node_modules/.bin/wasm-opt" ] || [ ! -x "$FRONTEND/node_modules/.bin/esbuild" ] || [ "$FRONTEND/package-lock.json" -nt "$FRONTEND/node_modules/.package-lock.json" ]; then
  log "npm ci (binaryen, esbuild, playwright-core) in frontend/"
  (cd "$FRONTEND" && npm ci --no-audit --no-fund --loglevel=error)
fi

# Panic locations name source files: without the machine's folders (shorter, and the same module
# on every machine). With --target, RUSTFLAGS reach only the wasm build, not the host's.
remap="--remap-path-prefix=$ROOT/="
for registry in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do
  remap="$remap --remap-path-prefix=$registry="
done
log "cargo build --profile wasm-release --target wasm32-unknown-unknown -p rpps-frontend -p rpps-qr"
RUSTFLAGS="${RUSTFLAGS:-} $remap" cargo build --profile wasm-release --target wasm32-unknown-unknown -p rpps-frontend -p rpps-qr
WASM="$TARGET_DIR/wasm32-unknown-unknown/wasm-release/rpps-frontend.wasm"
# The QR code decoder of /verifier (frontend/qr), a module of its own: loaded by that page alone.
QR_WASM="$TARGET_DIR/wasm32-unknown-unknown/wasm-release/rpps_qr.wasm"

# Unchanged inputs: the dist folder is already right.
stamp="$(cat "$WASM" "$QR_WASM" "$FRONTEND/index.html" "$FRONTEND/sw.js" "$FRONTEND/style.css" "$FRONTEND/build.sh" "$FRONTEND/compress.mjs" "$FRONTEND/package-lock.json" | sha256sum | cut -c1-16)"
if [ -f "$DIST/.stamp" ] && [ "$(cat "$DIST/.stamp")" = "$stamp" ]; then
  log "frontend/dist is up to date"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
log "wasm-bindgen --target web"
"$TOOLS/bin/wasm-bindgen" --target web --no-typescript --out-name app --out-dir "$work" "$WASM"
"$TOOLS/bin/wasm-bindgen" --target web --no-typescript --out-name qr --out-dir "$work" "$QR_WASM"
log "wasm-opt -Oz"
for module in app qr; do
  "$FRONTEND/node_modules/.bin/wasm-opt" -Oz --converge --strip-debug --strip-producers \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    -o "$work/${module}_bg.opt.wasm" "$work/${module}_bg.wasm"
done

# File names carry a hash of their content, so they can be cached for ever; index.html never is.
hash() { sha256sum "$1" | cut -c1-10; }
wasm="app-$(hash "$work/app_bg.opt.wasm")_bg.wasm"
css="style-$(hash "$FRONTEND/style.css").css"
# The decoder's glue, minified; named app-qr-… so that it is uploaded and cached as the app's
# files are (docs/DEPLOY.md).
"$FRONTEND/node_modules/.bin/esbuild" "$work/qr.js" --minify --format=esm --target=es2020 \
  --legal-comments=none --log-level=warning --outfile="$work/qr.min.js"
qr_wasm="app-qr-$(hash "$work/qr_bg.opt.wasm")_bg.wasm"
qr_js="app-qr-$(hash "$work/qr.min.js").js"
# One module: the glue, the snippets it imports (./snippets/…), where the decoder is, and the
# start of the app.
printf 'import init from "./app.js";\nglobalThis.rppsQr = { js: "/%s", wasm: "/%s" };\ninit({ module_or_path: "/%s" });\n' \
  "$qr_js" "$qr_wasm" "$wasm" >"$work/boot.js"
log "esbuild (bundle and minify the JavaScript)"
"$FRONTEND/node_modules/.bin/esbuild" "$work/boot.js" --bundle --minify --format=esm \
  --target=es2020 --legal-comments=none --log-level=warning --outfile="$work/app.bundle.js"
js="app-$(hash "$work/app.bundle.js").js"
rm -rf "$DIST"
mkdir -p "$DIST"
cp "$work/app.bundle.js" "$DIST/$js"
cp "$work/app_bg.opt.wasm" "$DIST/$wasm"
cp "$work/qr.min.js" "$DIST/$qr_js"
cp "$work/qr_bg.opt.wasm" "$DIST/$qr_wasm"
cp "$FRONTEND/style.css" "$DIST/$css"
# Crawlers may index the public pages (the API answers no-store and needs no crawling).
printf 'User-agent: *\nAllow: /\nDisallow: /api/\n' >"$DIST/robots.txt"
sed -e "s|__JS__|$js|g" -e "s|__WASM__|$wasm|g" -e "s|__CSS__|$css|g" "$FRONTEND/index.html" >"$DIST/index.html"
# The service worker keeps these very files for offline use (/verifier, issue 20).
sed -e "s|__JS__|$js|g" -e "s|__WASM__|$wasm|g" -e "s|__CSS__|$css|g" -e "s|__VERSION__|$stamp|g" "$FRONTEND/sw.js" >"$DIST/sw.js"
node "$FRONTEND/compress.mjs" "$DIST"
echo "$stamp" >"$DIST/.stamp"

log "frontend/dist (bytes: raw, brotli)"
for f in index.html sw.js "$css" "$js" "$wasm" "$qr_js" "$qr_wasm"; do
  printf '  %-32s %8d %8d\n' "$f" "$(stat -c %s "$DIST/$f")" "$(stat -c %s "$DIST/$f.br")"
done
