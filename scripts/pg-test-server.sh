#!/usr/bin/env bash
# Starts and stops the throwaway PostgreSQL cluster the database tests run against.
#
#   scripts/pg-test-server.sh start    # start a cluster, write the state file, print it
#   scripts/pg-test-server.sh env      # print `export` lines for the running cluster
#   scripts/pg-test-server.sh stop     # stop it, remove its folder and the state file
#   scripts/pg-test-server.sh run CMD… # start, run CMD with the variables set, stop; CMD's exit status
#
# One cluster (Debian's `postgresql`, `initdb` + `pg_ctl`) on a free loopback port, with a
# private socket folder, so two test runs may overlap. The server refuses to run as root: as
# root, the cluster's folder belongs to the `postgres` user and the commands run as it.
# - LETHE_TEST_PG_URL: the superuser `postgres`, trusted on loopback (no password);
# - LETHE_TEST_PG_AUTH_URL / LETHE_TEST_PG_AUTH_PASSWORD: the role `lethe_auth`, which must
#   give its password (scram-sha-256): the tests use it for PGPASSWORD, password files and a
#   wrong password.
# State: $LETHE_PG_STATE (default ${TMPDIR:-/tmp}/lethe-pg.env), KEY=VALUE lines; the
# cluster's folder is named in "$LETHE_PG_STATE.dir".
set -euo pipefail

state="${LETHE_PG_STATE:-${TMPDIR:-/tmp}/lethe-pg.env}"
dirfile="$state.dir"
auth_password="lethe-test-secret"

bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  [ -x "$dir/initdb" ] || { echo "pg-test-server: no PostgreSQL server found (/usr/lib/postgresql/*/bin/initdb); run scripts/setup.sh" >&2; exit 1; }
  echo "$dir"
}

# as_postgres CMD…: runs CMD as the cluster's owner (the `postgres` user when we are root).
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

running() {
  [ -f "$dirfile" ] && [ -f "$state" ] || return 1
  as_postgres "$(bindir)/pg_ctl" -D "$(cat "$dirfile")/data" status >/dev/null 2>&1
}

start() {
  if running; then cat "$state"; return 0; fi
  stop >/dev/null 2>&1 || true
  local bin dir port
  bin=$(bindir)
  # Under /tmp (world-traversable), not $TMPDIR, which may be private to this user.
  dir=$(mktemp -d /tmp/lethe-pg.XXXXXXXX)
  chmod 755 "$dir"
  mkdir "$dir/data" "$dir/socket"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir/data" "$dir/socket"
  echo "$dir" >"$dirfile"
  as_postgres "$bin/initdb" -D "$dir/data" -A trust -U postgres >"$dir/initdb.log" 2>&1 \
    || { echo "pg-test-server: initdb failed; its log:" >&2; cat "$dir/initdb.log" >&2; exit 1; }
  cat >"$dir/pg_hba.conf" <<HBA
local all all trust
host all lethe_auth 127.0.0.1/32 scram-sha-256
host all all 127.0.0.1/32 trust
HBA
  as_postgres cp "$dir/pg_hba.conf" "$dir/data/pg_hba.conf"
  # A port taken between choosing and binding fails the start: try another.
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    if as_postgres "$bin/pg_ctl" -D "$dir/data" -w -t 30 -l "$dir/data/server.log" \
        -o "-p $port -k $dir/socket -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null 2>&1; then
      break
    fi
    port=""
  done
  [ -n "$port" ] || { echo "pg-test-server: the server did not start; its log:" >&2; cat "$dir/data/server.log" >&2; exit 1; }
  as_postgres "$bin/psql" -q -h "$dir/socket" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE lethe_auth LOGIN SUPERUSER PASSWORD '$auth_password'" >/dev/null
  cat >"$state" <<STATE
LETHE_TEST_PG_URL=postgresql://postgres@127.0.0.1:$port/postgres
LETHE_TEST_PG_AUTH_URL=postgresql://lethe_auth@127.0.0.1:$port/postgres
LETHE_TEST_PG_AUTH_PASSWORD=$auth_password
STATE
  cat "$state"
}

stop() {
  if [ -f "$dirfile" ]; then
    local dir
    dir=$(cat "$dirfile")
    if [ -d "$dir/data" ]; then
      as_postgres "$(bindir)/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    case "$dir" in /tmp/lethe-pg.*) rm -rf "$dir" ;; esac
    rm -f "$dirfile"
  fi
  rm -f "$state"
}

. "$(dirname "$0")/test-server-commands.sh"
test_server_main pg-test-server "$@"
