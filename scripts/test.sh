#!/usr/bin/env bash
# The test command: installs what the tests need, starts the S3-compatible test server on
# loopback, runs every test, stops the server, and exits with the tests' status.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

bash scripts/s3-test-server.sh start >/dev/null
trap 'bash scripts/s3-test-server.sh stop >/dev/null 2>&1 || true' EXIT
eval "$(bash scripts/s3-test-server.sh env)"

swift build --build-tests --quiet
export LETHE_BIN="$PWD/.build/debug/lethe"
swift test --skip-build "$@"
