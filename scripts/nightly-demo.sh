#!/usr/bin/env bash
# Runs Lethe's main job on embedded defaults (SQLite catalog and key store, a local store) with
# generated sample data: init, the nightly backup, the listing, the catalog checked against the
# store, and a restore of one customer, compared with its source; then the nightly's metrics file
# (what node_exporter's textfile collector reads) and `lethe doctor`'s checks of the home. Set
# LETHE_DEMO_DIR to keep the demo somewhere else.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --product lethe 2>&1 | tail -n 1
lethe=".build/debug/lethe"

demo="${LETHE_DEMO_DIR:-${TMPDIR:-/tmp}/lethe-demo}"
rm -rf "$demo"
mkdir -p "$demo"
python3 scripts/sample-data.py "$demo/source"

export LETHE_HOME="$demo/home"
"$lethe" init --source "$demo/source"
"$lethe" nightly --metrics-file "$demo/lethe.prom"
echo
"$lethe" list sets
echo
"$lethe" list archives
echo
"$lethe" verify
echo
"$lethe" restore --customer customer-003 --to "$demo/restored"
diff -r --no-dereference "$demo/source/customer-003" "$demo/restored" && echo "The restored customer matches its source."
echo
echo "The nightly's metrics ($demo/lethe.prom):"
cat "$demo/lethe.prom"
echo
"$lethe" doctor
