#!/usr/bin/env bash
# The test command: installs what the tests need, starts the S3-compatible test server and a
# throwaway PostgreSQL cluster on loopback, runs every test, stops both, and exits with the
# tests' status.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

trap 'bash scripts/s3-test-server.sh stop >/dev/null 2>&1 || true; bash scripts/pg-test-server.sh stop >/dev/null 2>&1 || true' EXIT
bash scripts/s3-test-server.sh start >/dev/null
eval "$(bash scripts/s3-test-server.sh env)"
bash scripts/pg-test-server.sh start >/dev/null
eval "$(bash scripts/pg-test-server.sh env)"

swift build --build-tests --quiet
export LETHE_BIN="$PWD/.build/debug/lethe"
swift test --skip-build "$@"
