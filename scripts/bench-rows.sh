#!/usr/bin/env bash
# Rows per second of a customer's database rows (issue 13): one database of a few million rows
# spread over many customers (tenants; pages with text; files with bytea and jsonb), read out
# three ways on the same data in one run, each timed with /usr/bin/time -v (wall time, peak
# resident memory):
#   - pg_dump --data-only of the three tables (plain SQL to a file): the whole-database baseline;
#   - one psql per customer, \copy of each table's rows WHERE the customer's condition, to CSV:
#     what a per-customer script does without Lethe;
#   - lethe backup of the same customers, files and rows (skipped, with a message, when this
#     lethe does not back up rows: its restore of one probe customer has no rows/tables.json).
#
#   scripts/bench-rows.sh [CUSTOMERS [ROWS]]     (defaults 2000 and 3000000)
#
# ROWS is the total of pages (two thirds) and files (one third); tenants add CUSTOMERS rows.
# The database lives in a throwaway cluster (scripts/pg-test-server.sh), made and removed by
# this script; customers' folders are tiny (one small file each). LETHE_BIN=/path/to/lethe
# measures that build instead of building this checkout in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."
customers="${1:-2000}"
rows="${2:-3000000}"
pages=$((rows * 2 / 3))
files=$((rows - pages))
total=$((customers + pages + files))

work="$(mktemp -d "${TMPDIR:-/tmp}/lethe-bench-rows.XXXXXX")"
export LETHE_PG_STATE="$work/pg.env"
cleanup() { bash scripts/pg-test-server.sh stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

if [ -n "${LETHE_BIN:-}" ]; then
  lethe="$LETHE_BIN"
else
  swift build -c release --product lethe --quiet 2>&1 | grep -v "mktemp" >&2 || true
  lethe="$PWD/.build/release/lethe"
fi
[ -x "$lethe" ] || { echo "bench-rows: no lethe at $lethe" >&2; exit 1; }

bash scripts/pg-test-server.sh start >/dev/null
eval "$(bash scripts/pg-test-server.sh env)"
url="${LETHE_TEST_PG_URL%/*}/bench"
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
psql=("$bin/psql" -X -q -v ON_ERROR_STOP=1)
"${psql[@]}" -d "$LETHE_TEST_PG_URL" -c "CREATE DATABASE bench"

# seconds NAME COMMAND…: runs COMMAND under /usr/bin/time -v (output discarded), prints
# "NAME SECONDS PEAK_MIB".
seconds() {
  local name="$1"; shift
  /usr/bin/time -v -o "$work/$name.time" "$@" >/dev/null
  python3 - "$work/$name.time" "$name" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
clock = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text).group(1).split(":")
wall = sum(float(part) * 60 ** i for i, part in enumerate(reversed(clock)))
peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) / 1024
print(sys.argv[2], f"{wall:.2f}", f"{peak:.0f}")
PY
}

echo "Generating $customers customers, $pages pages, $files files…"
start=$(date +%s.%N)
"${psql[@]}" -d "$url" <<SQL
CREATE TABLE tenants (id int PRIMARY KEY, slug text UNIQUE NOT NULL, name text NOT NULL, created timestamptz NOT NULL);
CREATE TABLE pages (id bigint PRIMARY KEY, tenant_id int NOT NULL REFERENCES tenants, title text NOT NULL, body text,
                    updated timestamptz NOT NULL);
CREATE TABLE files (id bigint PRIMARY KEY, tenant_id int NOT NULL REFERENCES tenants, page_id bigint REFERENCES pages,
                    name text NOT NULL, digest bytea NOT NULL, meta jsonb);
INSERT INTO tenants SELECT g, format('customer-%s', lpad(g::text, 6, '0')), 'Customer ' || g,
                           '2020-01-01'::timestamptz + g * interval '1 hour'
  FROM generate_series(0, $customers - 1) g;
INSERT INTO pages SELECT g, g % $customers, 'Page ' || g || ', "draft"',
                         CASE WHEN g % 17 = 0 THEN NULL ELSE repeat(md5(g::text) || E' \n', 1 + g % 6) END,
                         '2026-01-01'::timestamptz + g * interval '1 second'
  FROM generate_series(1, $pages) g;
INSERT INTO files SELECT g, g % $customers, CASE WHEN g <= $pages THEN g END, 'file-' || g || '.pdf',
                         decode(md5(g::text), 'hex') || '\x00'::bytea || decode(md5((-g)::text), 'hex'),
                         jsonb_build_object('size', g * 37 % 100000, 'type', 'application/pdf', 'tags', jsonb_build_array('a', g % 7))
  FROM generate_series(1, $files) g;
CREATE INDEX ON pages (tenant_id);
CREATE INDEX ON files (tenant_id);
VACUUM ANALYZE;
SQL
generated=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)")
size=$("${psql[@]}" -d "$url" -At -c "SELECT pg_size_pretty(pg_database_size(current_database()))")
echo "Generated in ${generated}s; database $size"

cat >"$work/map.yaml" <<'MAP'
tables:
  tenants: "slug = $1"
  pages:   "tenant_id = (SELECT id FROM tenants WHERE slug = $1)"
  files:   "tenant_id = (SELECT id FROM tenants WHERE slug = $1)"
MAP
python3 - "$work/source" "$customers" <<'PY'
import os, sys
root, count = sys.argv[1], int(sys.argv[2])
for n in range(count):
    folder = os.path.join(root, f"customer-{n:06d}")
    os.makedirs(folder)
    with open(os.path.join(folder, "profile.json"), "w") as f:
        f.write('{"customer": %d}\n' % n)
PY

# Warm: every table read once, so no method pays for the first read.
"${psql[@]}" -d "$url" -c "SELECT count(*) FROM tenants" -c "SELECT count(*) FROM pages" -c "SELECT count(*) FROM files" >/dev/null

results=()
results+=("$(seconds pg_dump "$bin/pg_dump" --data-only -t tenants -t pages -t files -f "$work/dump.sql" "$url")")

# One psql per customer, one \copy per table, each with the map's condition.
cat >"$work/per-customer.sh" <<'SH'
#!/usr/bin/env bash
# per-customer.sh PSQL URL CUSTOMERS OUT
set -euo pipefail
psql="$1" url="$2" customers="$3" out="$4"
mkdir -p "$out"
for n in $(seq 0 $((customers - 1))); do
  c=$(printf 'customer-%06d' "$n")
  tenant="(SELECT id FROM tenants WHERE slug = '$c')"
  "$psql" -X -q -v ON_ERROR_STOP=1 -d "$url" \
    -c "\copy (SELECT * FROM tenants WHERE slug = '$c' ORDER BY id) TO '$out/$c.tenants.csv' (FORMAT csv, HEADER)" \
    -c "\copy (SELECT * FROM pages WHERE tenant_id = $tenant ORDER BY id) TO '$out/$c.pages.csv' (FORMAT csv, HEADER)" \
    -c "\copy (SELECT * FROM files WHERE tenant_id = $tenant ORDER BY id) TO '$out/$c.files.csv' (FORMAT csv, HEADER)"
done
SH
results+=("$(seconds psql_per_customer bash "$work/per-customer.sh" "$bin/psql" "$url" "$customers" "$work/psql")")
written=$(find "$work/psql" -name '*.csv' | wc -l)
[ "$written" -eq $((3 * customers)) ] || { echo "bench-rows: psql wrote $written files, expected $((3 * customers))" >&2; exit 1; }

# Does this lethe back up rows? A probe home of one customer, restored: rows/tables.json or not.
probe="$work/probe"
mkdir -p "$probe/source/customer-000001"
echo probe >"$probe/source/customer-000001/note.txt"
lethe_rows=no
if "$lethe" init --home "$probe/home" --source "$probe/source" --database-url "$url" --database-map "$work/map.yaml" >/dev/null 2>&1 \
   && "$lethe" backup --home "$probe/home" >/dev/null 2>&1 \
   && "$lethe" restore --home "$probe/home" --customer customer-000001 --to "$probe/out" >/dev/null 2>&1 \
   && [ -f "$probe/out/rows/tables.json" ]; then
  lethe_rows=yes
fi
if [ "$lethe_rows" = yes ]; then
  "$lethe" init --home "$work/home" --source "$work/source" --database-url "$url" --database-map "$work/map.yaml" >/dev/null
  # The backup's log (one line per customer) goes to a file, shown if the backup fails.
  results+=("$(seconds lethe_backup "$lethe" backup --home "$work/home" 2>"$work/lethe-backup.log")") \
    || { cat "$work/lethe-backup.log" >&2; exit 1; }
else
  echo "bench-rows: lethe backup skipped: $lethe does not back up rows (init --database-url, backup, restore of a probe customer gave no rows/tables.json)"
fi

python3 - "$customers" "$total" "$(nproc)" "$size" <<PY
import sys
customers, total, cores, size = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
print(f"Rows of {customers} customers: {total} rows (tenants, pages, files), database {size}; {cores} cores; warm, one run each")
print(f"  {'method':<20} {'seconds':>9} {'rows/s':>12} {'peak memory':>12}")
rows = """$(printf '%s\n' "${results[@]}")""".splitlines()
for row in rows:
    name, wall, peak = row.split()
    print(f"  {name:<20} {float(wall):>8.2f}s {total / float(wall):>12,.0f} {int(peak):>9} MiB")
PY
