#!/usr/bin/env bash
# The slow fault tests, kept out of `cargo test`: kill -9 of the server binary during a burst
# of link creations and pairings, then a restart on the same database, on SQLite and on
# PostgreSQL. Each waits out the killed process's webhook leases (about a minute).
#
#   TEST_DATABASE_URL=postgres://pairlink_test:pairlink_test@127.0.0.1:5432/pairlink_test tests/resilience.sh
#
# The fast fault tests (database outage, misbehaving receivers) are in `cargo test` (tests/it/faults.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${TEST_DATABASE_URL:?set TEST_DATABASE_URL to a PostgreSQL database (see the README)}"
exec cargo test --features ssr --test it resilience:: -- --ignored --nocapture --test-threads=1 "$@"
