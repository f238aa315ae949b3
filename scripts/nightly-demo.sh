#!/usr/bin/env bash
# Runs Lethe's main job on embedded defaults (SQLite catalog and key store, a local store) with
# generated sample data: init, the nightly backup, the listing, the catalog checked against the
# store, and a restore of one customer, compared with its source; then the nightly's metrics file
# (what node_exporter's textfile collector reads) and `lethe doctor`'s checks of the home.
# When PostgreSQL is installed (scripts/setup.sh installs it), the customers are also rows of a
# sample application database in a throwaway cluster (scripts/sample-database.sql, mapped by
# scripts/sample-database-map.yaml), and the restored customer comes back as files and rows,
# then as rows loaded into an empty copy of the schema.
# Set LETHE_DEMO_DIR to keep the demo somewhere else.
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
database=()
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  export LETHE_PG_STATE="$demo/pg.env"
  bash scripts/pg-test-server.sh start >/dev/null
  trap 'bash scripts/pg-test-server.sh stop' EXIT
  eval "$(bash scripts/pg-test-server.sh env)"
  psql -q -v ON_ERROR_STOP=1 -d "$LETHE_TEST_PG_URL" -f scripts/sample-database.sql
  database=(--database-url "$LETHE_TEST_PG_URL" --database-map scripts/sample-database-map.yaml)
  echo "The customers' rows come from a sample database ($LETHE_TEST_PG_URL)."
else
  echo "PostgreSQL is not installed: the demo backs up folders only (scripts/setup.sh installs it)."
fi
"$lethe" init --source "$demo/source" "${database[@]}"
"$lethe" nightly --metrics-file "$demo/lethe.prom"
echo
"$lethe" list sets
echo
"$lethe" list archives
echo
"$lethe" verify
echo
"$lethe" restore --customer customer-003 --to "$demo/restored"
if [ ${#database[@]} -gt 0 ]; then
  diff -r --no-dereference "$demo/source/customer-003" "$demo/restored/files" && echo "The restored customer's files match their source."
  echo "Their rows, as PostgreSQL's COPY wrote them:"
  for table in "$demo/restored/rows/"*.csv; do echo "== rows/$(basename "$table")"; cat "$table"; done
  echo
  echo "The same customer's rows loaded into an empty copy of the schema (database demo_restored):"
  psql -q -v ON_ERROR_STOP=1 -d "$LETHE_TEST_PG_URL" -c "CREATE DATABASE demo_restored"
  restored_url="${LETHE_TEST_PG_URL%/*}/demo_restored"
  pg_dump --schema-only "$LETHE_TEST_PG_URL" | psql -q -v ON_ERROR_STOP=1 -d "$restored_url" >/dev/null
  "$lethe" restore --customer customer-003 --into-database "$restored_url"
else
  diff -r --no-dereference "$demo/source/customer-003" "$demo/restored" && echo "The restored customer matches its source."
fi
echo
echo "The nightly's metrics ($demo/lethe.prom):"
cat "$demo/lethe.prom"
echo
"$lethe" doctor
