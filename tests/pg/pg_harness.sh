#!/usr/bin/env bash
# A throwaway PostgreSQL server for the ledger tests (ctest fixture edict_pg).
#
#   pg_harness.sh start STATE_DIR   initdb in a new temporary directory, start the server on
#                                   127.0.0.1 at a free port (its unix socket in that directory,
#                                   not in /var/run), create database edict_test, and write the
#                                   connection URL to STATE_DIR/pg_url
#   pg_harness.sh stop STATE_DIR    stop that server and remove its directory
#
# PostgreSQL refuses to run as root: as root, initdb and the server run as the `postgres` system
# user (created by the Debian package) in a directory it owns. A server left behind by a run that
# crashed is stopped by the next `start` in the same build tree, and a watchdog stops any server
# after two hours whatever happens to ctest. Exit 77 (ctest SKIP_RETURN_CODE) with a line
# "SKIPPED: …" when PostgreSQL is not installed. EDICT_PG_BINDIR names the one directory of
# initdb/pg_ctl to use instead of the newest /usr/lib/postgresql/*/bin.
set -euo pipefail
cmd="${1:?usage: pg_harness.sh start|stop STATE_DIR}"
state="${2:?usage: pg_harness.sh start|stop STATE_DIR}"
mkdir -p "$state"

find_bin() {
  local d
  if [ -n "${EDICT_PG_BINDIR:-}" ]; then  # only this one (e.g. another version; or a test of the skip)
    if [ -x "$EDICT_PG_BINDIR/initdb" ] && [ -x "$EDICT_PG_BINDIR/pg_ctl" ]; then
      echo "$EDICT_PG_BINDIR"; return 0
    fi
    return 1
  fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  if command -v initdb > /dev/null && command -v pg_ctl > /dev/null; then
    dirname "$(command -v initdb)"; return 0
  fi
  return 1
}

as_owner() {  # runs a PostgreSQL program as the user that owns the data directory
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop_server() {
  [ -f "$state/pg_dir" ] || return 0
  local dir bin
  dir="$(cat "$state/pg_dir")"
  bin="$(cat "$state/pg_bin" 2>/dev/null || true)"
  if [ -f "$state/pg_watchdog" ]; then  # its own process group (setsid): the sleep goes too
    local w
    w="$(cat "$state/pg_watchdog")"
    kill -- "-$w" 2>/dev/null || kill "$w" 2>/dev/null || true
  fi
  if [ -n "$bin" ] && [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop > /dev/null 2>&1 || true
  fi
  case "$dir" in
    */edict-pg.*) rm -rf "$dir" ;;  # only a directory this script made
  esac
  rm -f "$state/pg_dir" "$state/pg_bin" "$state/pg_url" "$state/pg_watchdog"
}

case "$cmd" in
  stop)
    stop_server
    echo "pg_harness: stopped"
    ;;
  start)
    stop_server  # a server of a crashed run in this build tree
    if ! bin="$(find_bin)"; then
      echo "SKIPPED: PostgreSQL is not installed (no initdb/pg_ctl in /usr/lib/postgresql/*/bin" \
           "or on PATH); the PostgreSQL ledger tests are skipped. Install it with" \
           "scripts/install-deps.sh, or set EDICT_TEST_PG_URL to use a running server."
      exit 77
    fi
    if [ "$(id -u)" -eq 0 ] && ! id postgres > /dev/null 2>&1; then
      echo "pg_harness: running as root, and there is no \`postgres\` user to run the server as" >&2
      exit 1
    fi
    dir="$(mktemp -d /tmp/edict-pg.XXXXXX)"
    chmod 700 "$dir"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
    echo "$dir" > "$state/pg_dir"
    echo "$bin" > "$state/pg_bin"
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    if ! as_owner "$bin/initdb" -D "$dir/data" -U edict --auth=trust -E UTF8 --locale=C.UTF-8 \
           > "$dir/initdb.log" 2>&1; then
      echo "pg_harness: initdb failed:" >&2; cat "$dir/initdb.log" >&2; stop_server; exit 1
    fi
    opts="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir"
    opts="$opts -c max_connections=100 -c shared_buffers=32MB"
    if ! as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$opts" -w -t 60 start \
           > /dev/null; then
      echo "pg_harness: the server did not start:" >&2; cat "$dir/server.log" >&2; stop_server
      exit 1
    fi
    # The watchdog: stops the server after two hours, whatever happened to this test run (even
    # if the build tree is gone, so it names the server's directory, not the state files).
    runas=""
    if [ "$(id -u)" -eq 0 ]; then runas="runuser -u postgres --"; fi
    nohup setsid bash -c "sleep 7200; $runas $(printf '%q' "$bin/pg_ctl") -D $(printf '%q' "$dir/data") \
      -m immediate stop; rm -rf $(printf '%q' "$dir")" > /dev/null 2>&1 &
    echo $! > "$state/pg_watchdog"
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U edict edict_test
    echo "postgresql://edict@127.0.0.1:$port/edict_test" > "$state/pg_url"
    echo "pg_harness: PostgreSQL $("$bin/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port," \
         "data in $dir, URL in $state/pg_url"
    ;;
  *)
    echo "usage: pg_harness.sh start|stop STATE_DIR" >&2
    exit 2
    ;;
esac
