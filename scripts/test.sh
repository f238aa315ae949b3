#!/usr/bin/env bash
# The test command: installs what the tests need, starts the S3-compatible test server on
# loopback, runs every test, stops the server, and exits with the tests' status.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# shellcheck source=scripts/s3-test-server.sh
source scripts/s3-test-server.sh
s3_server_start
trap s3_server_stop EXIT

swift build --build-tests --quiet
export LETHE_BIN="$PWD/.build/debug/lethe"
swift test --skip-build "$@"
