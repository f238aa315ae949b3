#!/usr/bin/env bash
# Cryptographic expiry benchmark (docs/BENCHMARKS.md, "Cryptographic expiry (issue 10)").
#
# Builds `lethe-bench` in release mode and times `expire` runs in homes of 1,000, 10,000 and
# 100,000 keyed customers, each with 1,000,000 simulated catalog rows (all local, no archive
# bytes on disk) and 190 expiry keys: each run makes one more delete-by date due, so it destroys
# that date's expiry key, rotates the key-encryption key (every customer key and expiry key
# re-wrapped, the old one destroyed in both key directories), records both, and marks the
# date's copies deleted. Median of 3 runs per home; destroying and rotating are also timed alone.
#
# Environment: BENCH_DIR (work folder, default /tmp/lethe-bench-expire), CUSTOMERS (default
# "1000,10000,100000"), COPIES (default 1000000), REPEATS (default 3). Extra arguments are
# passed on to `lethe-bench expire` (e.g. --json).
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_DIR=${BENCH_DIR:-/tmp/lethe-bench-expire}
CUSTOMERS=${CUSTOMERS:-1000,10000,100000}
COPIES=${COPIES:-1000000}
REPEATS=${REPEATS:-3}
mkdir -p "$BENCH_DIR"

echo "== Lethe: expire (expiry key destroyed + KEK rotation) vs customers (release build, warm cache)"
uptime
swift build -c release --product lethe-bench
rm -rf "$BENCH_DIR/lethe"
.build/release/lethe-bench expire --customers "$CUSTOMERS" --copies "$COPIES" --repeats "$REPEATS" --work "$BENCH_DIR/lethe" "$@"
rm -rf "$BENCH_DIR/lethe"
uptime
