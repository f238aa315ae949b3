#!/usr/bin/env bash
# A local check (not part of CI) that the suite holds on a busy machine: runs the README's test
# command RUNS times in a row (default 3) with two CPU-burning processes beside it, and prints
# each run's exit status and time. Exits non-zero if any run failed; logs in $TMPDIR.
#
#   scripts/test-under-load.sh [RUNS]
set -uo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
burners=()
for _ in 1 2; do
  ( while :; do :; done ) &
  burners+=($!)
done
trap 'kill "${burners[@]}" 2>/dev/null' EXIT

failed=0
for run in $(seq 1 "$runs"); do
  log="${TMPDIR:-/tmp}/lethe-test-under-load-$run.log"
  start=$(date +%s)
  bash scripts/test.sh >"$log" 2>&1
  status=$?
  echo "run $run: exit $status in $(( $(date +%s) - start )) s; $(grep -E 'Test run with' "$log" | tail -n 1) (log: $log)"
  [ "$status" -eq 0 ] || failed=1
done
exit "$failed"
