#!/usr/bin/env bash
# The benchmark: release server on loopback, fresh databases, the table of issue 8.
#   scripts/bench.sh                          # SQLite and PostgreSQL (TEST_DATABASE_URL or BENCH_DATABASE_URL)
#   scripts/bench.sh --db sqlite --secs 3     # see benches/bench.rs for every option
#   scripts/bench.sh --leases                 # lease renewal of 10,000 numbers (benches/leases.rs)
# 10,000 SSE streams need as many file descriptors in the server and in the load generator.
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "${1:-}" = "--leases" ]; then
  shift
  exec cargo bench --features ssr --bench leases -- "$@"
fi
# The server refuses to start without the browser assets its pages link to.
[ -f target/site/pkg/manifest.json ] || bash scripts/build.sh --release
exec cargo bench --features ssr --bench bench -- "$@"
