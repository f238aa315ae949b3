# The command line both test-server scripts share (sourced by scripts/s3-test-server.sh and
# scripts/pg-test-server.sh after they define `start`, `stop`, `running` and `state`):
#   NAME start|stop|env|run COMMAND…
# test_server_main NAME ARG…: runs the command the arguments name.
test_server_main() {
  local name="$1"; shift
  case "${1:-}" in
    start) start ;;
    stop) stop ;;
    env)
      running || { echo "$name: not running; run 'scripts/$name.sh start'" >&2; exit 1; }
      sed 's/^/export /' "$state" ;;
    run)
      shift
      [ $# -gt 0 ] || { echo "usage: scripts/$name.sh run COMMAND [ARG…]" >&2; exit 64; }
      start >/dev/null
      trap stop EXIT
      set -a; . "$state"; set +a
      set +e; "$@"; status=$?; set -e
      exit $status ;;
    *) echo "usage: scripts/$name.sh start|stop|env|run COMMAND…" >&2; exit 64 ;;
  esac
}
