# Shared by .ci/serve and .ci/test: installs what Pairlink needs, skipping what is there.
# Everything comes from the package registries (crates.io, npm, Debian); nothing is downloaded
# from anywhere else.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pairlink/target}"
export PATH="$HOME/.cargo/bin:$PATH"
# cargo-leptos builds with this set, and the leptos crates read it at compile time: set for
# `cargo test` and clippy too, they share one build of those crates instead of two.
export LEPTOS_OUTPUT_NAME=pairlink
CARGO_LEPTOS_VERSION=0.3.11

step() { printf '\n==> %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  if [ -z "${APT_UPDATED:-}" ]; then
    as_root apt-get update -qq
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_rust_tools() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    step "adding the wasm32 target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    step "installing cargo-leptos $CARGO_LEPTOS_VERSION (15-30 minutes, once)"
    # no_downloads: take wasm-bindgen, wasm-opt and tailwindcss from PATH / node_modules.
    cargo install --locked --ignore-rust-version cargo-leptos --version "$CARGO_LEPTOS_VERSION" --features no_downloads
  fi
  # The CLI must equal the wasm-bindgen crate in Cargo.lock exactly.
  local want
  want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
  if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $want"; then
    step "installing wasm-bindgen-cli $want (about 8 minutes, once)"
    # Not --locked: its lockfile names a crate version the registry no longer serves.
    cargo install wasm-bindgen-cli --version "$want" --force
  fi
}

ensure_node_tools() {
  command -v npm >/dev/null || apt_install nodejs npm
  # Tailwind CSS and wasm-opt (binaryen 132; Debian's binaryen breaks hydration).
  npm_ci "$ROOT"
}

ensure_browser_tools() {
  command -v chromium >/dev/null || { step "installing Debian's chromium"; apt_install chromium; }
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm_ci "$ROOT/end2end"
}

# npm ci, unless node_modules was installed from this very package-lock.json.
npm_ci() {
  local dir=$1 stamp want
  stamp="$dir/node_modules/.pairlink-lock-sha256"
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    step "npm ci in ${dir#"$ROOT"/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" >"$stamp"
  fi
}

# kubernetes-validate (PyPI), pinned, in a virtualenv of our own: deploy/check.sh checks the
# Kubernetes manifests with it (and deploy/check.py reads YAML with its PyYAML).
KUBERNETES_VALIDATE_VERSION=1.37.0
ensure_deploy_tools() {
  local venv="$HOME/.cache/pairlink/venv"
  if ! "$venv/bin/kubernetes-validate" --version 2>/dev/null | grep -q "$KUBERNETES_VALIDATE_VERSION"; then
    step "installing kubernetes-validate $KUBERNETES_VALIDATE_VERSION (PyPI)"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
  fi
  export KUBERNETES_VALIDATE="$venv/bin/kubernetes-validate" DEPLOY_PYTHON="$venv/bin/python"
}

pg_admin() {
  if id postgres >/dev/null 2>&1 && command -v runuser >/dev/null; then
    runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 "$@"
  else
    psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres "$@"
  fi
}

# A PostgreSQL role and database of our own for the store tests, made fresh each run.
ensure_test_database() {
  command -v pg_ctlcluster >/dev/null || { step "installing PostgreSQL"; apt_install postgresql; }
  if ! pg_isready -q -h 127.0.0.1; then
    step "starting PostgreSQL"
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
    for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
  fi
  pg_admin -d postgres <<'SQL'
SELECT 'CREATE ROLE pairlink_test LOGIN PASSWORD ''pairlink_test'''
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pairlink_test') \gexec
DROP DATABASE IF EXISTS pairlink_test WITH (FORCE);
CREATE DATABASE pairlink_test OWNER pairlink_test;
SQL
  export TEST_DATABASE_URL=postgres://pairlink_test:pairlink_test@127.0.0.1:5432/pairlink_test
}

# Where cargo-leptos puts the site (pkg/ with the WASM, JS and CSS).
site_root() {
  echo "$ROOT/target/site"
}
