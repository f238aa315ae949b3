#!/usr/bin/env bash
# The retention planner benchmark: builds lethe-bench in release mode and plans 1,000,000
# synthetic catalogued copies under policies/default.yaml. Target: under 2 s and 500 MB.
# Extra arguments go to `lethe-bench planner` (e.g. --copies 200000 --runs 5).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product lethe-bench --quiet
exec "$(swift build -c release --show-bin-path)/lethe-bench" planner --copies 1000000 --policy policies/default.yaml "$@"
