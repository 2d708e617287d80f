#!/usr/bin/env bash
# A private PostgreSQL 15 server for the run-store tests, on 127.0.0.1 only; the machine's default cluster is never
# touched. Usage:
#   eval "$(bash .ci/postgres.sh start)"   # installs the server if missing, starts it, prints the export line
#   bash .ci/postgres.sh stop              # stops it and deletes its data
# Environment: PIPEWRIGHT_PG_PORT (default 55432), PIPEWRIGHT_PG_DIR (default /tmp/pipewright-postgres).
# The server runs as the postgres user (initdb and postgres refuse root), with trust authentication on 127.0.0.1 and
# fsync off: a throwaway test server, never a real one. Standard output carries only the export line.
set -euo pipefail

port="${PIPEWRIGHT_PG_PORT:-55432}"
base="${PIPEWRIGHT_PG_DIR:-/tmp/pipewright-postgres}"
data="$base/data"
sock="$base/sock"
url="jdbc:postgresql://127.0.0.1:$port/pipewright?user=postgres"

find_bin() {
  local dir
  for dir in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    [[ -x "$dir/pg_ctl" ]] && { echo "$dir"; return 0; }
  done
  return 1
}

as_postgres() {
  if [[ "$(id -un)" == postgres ]]; then
    bash -c "$1"
  else
    su postgres -s /bin/bash -c "$1"
  fi
}

start() {
  local bin
  if ! bin="$(find_bin)"; then
    echo "postgres.sh: installing the PostgreSQL server (Debian package postgresql)" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
    bin="$(find_bin)" || { echo "postgres.sh: no PostgreSQL server after installing it" >&2; exit 1; }
  fi
  if [[ -f "$data/postmaster.pid" ]] && as_postgres "'$bin/pg_ctl' -D '$data' status" >/dev/null 2>&1; then
    echo "postgres.sh: already running on port $port" >&2
  else
    rm -rf "$base"
    mkdir -p "$data" "$sock"
    chown -R postgres:postgres "$base"
    chmod 700 "$data"
    as_postgres "'$bin/initdb' -D '$data' -U postgres -A trust -E UTF8 --no-locale" >/dev/null
    as_postgres "'$bin/pg_ctl' -D '$data' -l '$base/server.log' -w -o \"-p $port -k '$sock' \
      -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
      -c max_connections=200\" start" >&2
  fi
  if ! as_postgres "'$bin/psql' -h 127.0.0.1 -p $port -U postgres -d postgres -tAc \
      \"select 1 from pg_database where datname = 'pipewright'\"" | grep -q 1; then
    as_postgres "'$bin/createdb' -h 127.0.0.1 -p $port -U postgres pipewright" >&2
  fi
  echo "$url" > "$base/url"
  echo "export PIPEWRIGHT_TEST_POSTGRES='$url'"
}

stop() {
  local bin
  if bin="$(find_bin)" && [[ -d "$data" ]]; then
    as_postgres "'$bin/pg_ctl' -D '$data' -m fast -w stop" >&2 || true
  fi
  rm -rf "$base"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac
