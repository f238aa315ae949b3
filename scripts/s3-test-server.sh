#!/usr/bin/env bash
# Starts and stops the S3-compatible test servers (moto) the offsite-store tests run against.
#
#   scripts/s3-test-server.sh start    # start both servers, write the state file, print it
#   scripts/s3-test-server.sh env      # print `export` lines for the running servers
#   scripts/s3-test-server.sh stop     # stop them and remove the state file
#   scripts/s3-test-server.sh run CMD… # start, run CMD with the variables set, stop; CMD's exit status
#
# Two servers on loopback, each on a free port:
# - the plain one (LETHE_TEST_S3_ENDPOINT): moto accepts any credentials there;
# - the IAM one (LETHE_TEST_S3_AUTH_*): started with INITIAL_NO_AUTH_ACTION_COUNT=3, so that
#   the first three requests (create an IAM user, its access key, an s3:* policy) pass
#   unauthenticated and every later request must carry a valid Signature V4 by that key. The
#   tests use it to prove our signatures are right and that a wrong secret is refused.
#   A separate server keeps this global switch away from the plain server's tests.
# State: $LETHE_MOTO_STATE (default ${TMPDIR:-/tmp}/lethe-moto.env), KEY=VALUE lines.
set -euo pipefail

state="${LETHE_MOTO_STATE:-${TMPDIR:-/tmp}/lethe-moto.env}"
pids="$state.pids"
logdir="${TMPDIR:-/tmp}"

ensure_moto() {
  if ! python3 -c 'import moto.server, flask_cors, boto3' >/dev/null 2>&1; then
    echo "s3-test-server: installing moto[server]" >&2
    python3 -m pip install -q 'moto[server]'
  fi
}

# start_server LOGFILE [ENV=VALUE…]: starts moto on a free port; prints "PID PORT".
start_server() {
  local log="$1"; shift
  env "$@" python3 -m moto.server -H 127.0.0.1 -p 0 >"$log" 2>&1 &
  local pid=$!
  local port=""
  for _ in $(seq 1 100); do
    port=$(sed -n 's|.*Running on http://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p' "$log" | head -n1)
    [ -n "$port" ] && break
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "s3-test-server: moto exited at start; its log ($log):" >&2; cat "$log" >&2; exit 1
    fi
    sleep 0.1
  done
  if [ -z "$port" ]; then
    kill "$pid" 2>/dev/null || true
    echo "s3-test-server: moto printed no 'Running on' line within 10 s; see $log" >&2; exit 1
  fi
  echo "$pid $port"
}

running() {
  [ -f "$pids" ] || return 1
  local pid
  for pid in $(cat "$pids"); do kill -0 "$pid" 2>/dev/null || return 1; done
  return 0
}

start() {
  if running && [ -f "$state" ]; then cat "$state"; return 0; fi
  stop >/dev/null 2>&1 || true
  ensure_moto
  read -r plain_pid plain_port < <(start_server "$logdir/lethe-moto.log")
  echo "$plain_pid" >"$pids"
  read -r auth_pid auth_port < <(start_server "$logdir/lethe-moto-auth.log" INITIAL_NO_AUTH_ACTION_COUNT=3)
  echo "$auth_pid" >>"$pids"
  # The three unauthenticated requests: an IAM user, its access key, a policy allowing s3:*.
  local keys
  keys=$(ENDPOINT="http://127.0.0.1:$auth_port" python3 - <<'PY'
import json, os, boto3
iam = boto3.client("iam", endpoint_url=os.environ["ENDPOINT"], region_name="us-east-1",
                   aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
iam.create_user(UserName="lethe-test")
key = iam.create_access_key(UserName="lethe-test")["AccessKey"]
iam.put_user_policy(UserName="lethe-test", PolicyName="s3-all", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
print(key["AccessKeyId"], key["SecretAccessKey"])
PY
  )
  read -r access secret <<<"$keys"
  cat >"$state" <<STATE
LETHE_TEST_S3_ENDPOINT=http://127.0.0.1:$plain_port
LETHE_TEST_S3_AUTH_ENDPOINT=http://127.0.0.1:$auth_port
LETHE_TEST_S3_AUTH_ACCESS_KEY=$access
LETHE_TEST_S3_AUTH_SECRET=$secret
STATE
  cat "$state"
}

stop() {
  if [ -f "$pids" ]; then
    local pid
    for pid in $(cat "$pids"); do kill "$pid" 2>/dev/null || true; done
    rm -f "$pids"
  fi
  rm -f "$state"
}

. "$(dirname "$0")/test-server-commands.sh"
test_server_main s3-test-server "$@"
