#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for CI and local test runs.
#
#   scripts/ci-postgres.sh check   exit 0 if initdb/pg_ctl are available (prints their directory)
#   scripts/ci-postgres.sh start   initdb a fresh cluster in a temp dir, start it on 127.0.0.1:$CI_PG_PORT with
#                                  trust auth, create database $CI_PG_DB, print DATABASE_URL_TEST=...
#   scripts/ci-postgres.sh stop    stop the cluster started by `start` and delete its directory (no-op if none)
#   scripts/ci-postgres.sh halt    stop the server of that cluster but keep its data (fault injection: `npm run chaos`)
#   scripts/ci-postgres.sh resume  start the halted server again on the same port with the same data
#
# As root, the cluster belongs to the `postgres` user (PostgreSQL refuses to run as root); otherwise to the caller.
# Environment: CI_PG_PORT (55432), CI_PG_DB (points_test), PG_BINDIR (directory holding initdb/pg_ctl).
# Durability is switched off (fsync etc.): the data is thrown away; isolation and locking behave as usual.
set -euo pipefail

PORT="${CI_PG_PORT:-55432}"
DB="${CI_PG_DB:-points_test}"
STATE_FILE="${TMPDIR:-/tmp}/ci-postgres-${PORT}.dir"

log() { echo "[ci-postgres] $*" >&2; }

find_bindir() {
  local d
  for d in "${PG_BINDIR:-}" /usr/lib/postgresql/15/bin; do
    [[ -n "$d" && -x "$d/initdb" && -x "$d/pg_ctl" ]] && { echo "$d"; return 0; }
  done
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4,4nr); do
    [[ -x "$d/initdb" && -x "$d/pg_ctl" ]] && { echo "$d"; return 0; }
  done
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(command -v pg_ctl)"; return 0
  fi
  return 1
}

# Runs a command as the cluster owner.
as_owner() {
  if [[ "$(id -u)" == 0 ]]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

stop_cluster() {
  [[ -f "$STATE_FILE" ]] || { log "no cluster recorded in $STATE_FILE; nothing to stop"; return 0; }
  local dir bindir
  dir="$(cat "$STATE_FILE")"
  if [[ -f "$dir/data/postmaster.pid" ]] && bindir="$(find_bindir)"; then
    log "stopping cluster in $dir"
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >&2 || log "pg_ctl stop failed"
  fi
  case "$dir" in
    */ci-postgres.*) rm -rf -- "$dir" ;;
    *) log "refusing to delete unexpected directory '$dir'" ;;
  esac
  rm -f -- "$STATE_FILE"
}

run_server() {
  local bindir="$1" dir="$2"
  log "starting on 127.0.0.1:$PORT"
  if ! as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >&2; then
    cat "$dir/server.log" >&2 || true
    exit 1
  fi
}

# The directory of the cluster started by `start`, or exit 1.
recorded_dir() {
  [[ -f "$STATE_FILE" ]] || { log "no cluster recorded in $STATE_FILE"; exit 1; }
  cat "$STATE_FILE"
}

halt_server() {
  local dir bindir
  dir="$(recorded_dir)"
  bindir="$(find_bindir)" || exit 1
  log "halting the server of $dir (data kept)"
  as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >&2
}

resume_server() {
  local dir bindir
  dir="$(recorded_dir)"
  bindir="$(find_bindir)" || exit 1
  run_server "$bindir" "$dir"
}

start_cluster() {
  local bindir dir owner
  bindir="$(find_bindir)" || { log "initdb/pg_ctl not found (install the postgresql package or set PG_BINDIR)"; exit 1; }
  stop_cluster # a leftover cluster from an earlier run on the same port
  if [[ "$(id -u)" == 0 ]]; then
    id postgres >/dev/null 2>&1 || { log "user 'postgres' does not exist"; exit 1; }
    owner=postgres
  else
    owner="$(id -un)"
  fi

  dir="$(mktemp -d "${TMPDIR:-/tmp}/ci-postgres.XXXXXX")"
  echo "$dir" >"$STATE_FILE"
  chmod 700 "$dir"
  [[ "$(id -u)" == 0 ]] && chown postgres: "$dir"
  log "initdb ($("$bindir/postgres" --version)) in $dir/data as $owner"
  as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }

  run_server "$bindir" "$dir"

  "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres -d postgres \
    -c "CREATE DATABASE \"$DB\"" >&2
  log "database $DB ready"
  echo "DATABASE_URL_TEST=postgresql://postgres@127.0.0.1:$PORT/$DB"
}

case "${1:-}" in
  check) find_bindir ;;
  start) start_cluster ;;
  stop) stop_cluster ;;
  halt) halt_server ;;
  resume) resume_server ;;
  *) echo "usage: $0 check|start|stop|halt|resume" >&2; exit 2 ;;
esac
