#!/usr/bin/env bash
# The static binary: x86_64-unknown-linux-musl, optimised, with the site inside; it runs on
# any x86_64 Linux, from any folder, with nothing beside it (FROM scratch in the image).
# Everything comes from rustup and the package registries: the musl target (rustup), musl-gcc
# (Debian's musl-tools) for the C in SQLite and ring, the crates, the npm tools.
# Usage: scripts/static.sh [--test]
#   --test: then the lone-binary browser test (end2end) with the static binary.
# Leaves the binary, stripped of its symbols (what ships; 63 MB), in $CARGO_TARGET_DIR/static/.
source "$(dirname "${BASH_SOURCE[0]}")/../.ci/lib.sh"
TARGET=x86_64-unknown-linux-musl

ensure_rust_tools
ensure_node_tools
if ! rustup target list --installed | grep -qx "$TARGET"; then
  step "adding the $TARGET target"
  rustup target add "$TARGET"
fi
command -v musl-gcc >/dev/null || { step "installing Debian's musl-tools (musl-gcc)"; apt_install musl-tools; }

step "the optimised site (scripts/build.sh --release --site-only)"
bash scripts/build.sh --release --site-only

step "the static server, site inside (cargo build --release --target $TARGET)"
touch src/main.rs
# cc-rs compiles SQLite's and ring's C with musl-gcc for this target.
CC_x86_64_unknown_linux_musl=musl-gcc \
  cargo build --release --target "$TARGET" --package=pairlink --bin=pairlink --no-default-features --features=ssr
built="$CARGO_TARGET_DIR/$TARGET/release/pairlink"
if ! ldd "$built" 2>&1 | grep -qE "statically linked|not a dynamic executable"; then
  echo "static.sh: $built is dynamically linked" >&2
  exit 1
fi
mkdir -p "$CARGO_TARGET_DIR/static"
bin="$CARGO_TARGET_DIR/static/pairlink"
# The symbol table is a third of the file; panics still say where, by file and line.
strip --strip-all -o "$bin" "$built"
printf '%s  %s bytes (%s MB; %s MB with symbols)\n' "$bin" "$(stat -c %s "$bin")" \
  "$(($(stat -c %s "$bin") / 1048576))" "$(($(stat -c %s "$built") / 1048576))"

if [ "${1:-}" = "--test" ]; then
  ensure_browser_tools
  step "the lone-binary browser test with the static binary"
  E2E_LONE_BIN="$bin" E2E_PAIRLINK_BIN="$bin" LEPTOS_SITE_ROOT=$(site_root) node end2end/run.mjs lone-binary
fi
