#!/usr/bin/env bash
# Builds everything `pairlink serve` serves, into target/site:
#   1. cargo leptos build: the server binary, Tailwind's CSS and the connect page's bundle
#      (the `hydrate` feature alone: what a customer's phone downloads);
#   2. the dashboard's bundle (`hydrate,dashboard`: the whole app, for / and /admin): the cargo
#      build cargo-leptos runs, with the other feature, in a target directory of its own (the
#      crate's wasm and rlib carry no feature hash in their names, so two builds sharing a
#      directory would hand each other's output on as fresh), then wasm-bindgen (and wasm-opt
#      for --release);
#   3. scripts/assets.mjs: content-hashed names, brotli and gzip copies, pkg/manifest.json;
#   4. the server binary again, with that site inside it (src/main.rs embeds target/site), so
#      the binary alone is the deployment.
# Usage: scripts/build.sh [--release] [--site-only]
#   --site-only: steps 1 to 3 without the server (scripts/static.sh builds its own).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
# cargo-leptos puts node_modules/.bin first on PATH for wasm-opt and Tailwind; so do we.
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

release="" site_only=""
for arg in "$@"; do
  case "$arg" in
    --release) release=1 ;;
    --site-only) site_only=1 ;;
    *) echo "usage: scripts/build.sh [--release] [--site-only]" >&2; exit 2 ;;
  esac
done

cargo leptos build ${release:+--release} ${site_only:+--frontend-only}

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

if [ -n "$site_only" ]; then exit 0; fi
# rust-embed tracks the files it included, not the folder: the new hashed names are new files,
# so the binary is told to look again. Only the binary's own small crate recompiles.
touch src/main.rs
LEPTOS_OUTPUT_NAME=pairlink cargo build --package=pairlink --bin=pairlink --no-default-features --features=ssr ${release:+--release}
