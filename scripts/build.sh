#!/usr/bin/env bash
# Builds everything `pairlink serve` serves, into target/site:
#   1. cargo leptos build: the server binary, Tailwind's CSS and the connect page's bundle
#      (the `hydrate` feature alone: what a customer's phone downloads);
#   2. the dashboard's bundle (`hydrate,dashboard`: the whole app, for / and /admin): the cargo
#      build cargo-leptos runs, with the other feature, in a target directory of its own (the
#      crate's wasm and rlib carry no feature hash in their names, so two builds sharing a
#      directory would hand each other's output on as fresh), then wasm-bindgen (and wasm-opt
#      for --release);
#   3. scripts/assets.mjs: content-hashed names, brotli and gzip copies, pkg/manifest.json.
# Usage: scripts/build.sh [--release]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
# cargo-leptos puts node_modules/.bin first on PATH for wasm-opt and Tailwind; so do we.
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

release=""
if [ "${1:-}" = "--release" ]; then release=1; fi

cargo leptos build ${release:+--release}

site=${LEPTOS_SITE_ROOT:-$PWD/target/site}
front="$CARGO_TARGET_DIR/front-dashboard"
profile=(); dir=debug
if [ -n "$release" ]; then profile=(--profile=wasm-release); dir=wasm-release; fi
# The environment cargo-leptos gives its front build: the leptos crates read
# LEPTOS_OUTPUT_NAME at compile time, and a different value would rebuild them.
LEPTOS_OUTPUT_NAME=pairlink cargo build --package=pairlink --lib --target-dir="$front" \
  --target=wasm32-unknown-unknown --no-default-features --features=hydrate,dashboard "${profile[@]}"
wasm-bindgen --target=web --out-name=dashboard --out-dir="$site/pkg" --no-typescript \
  "$front/wasm32-unknown-unknown/$dir/pairlink.wasm"
mv "$site/pkg/dashboard_bg.wasm" "$site/pkg/dashboard.wasm"
if [ -n "$release" ]; then
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    "$site/pkg/dashboard.wasm" -o "$site/pkg/dashboard.wasm"
fi

node scripts/assets.mjs "$site"
