#!/usr/bin/env bash
# Azurite (the Azure Storage emulator), blob service only, for the Azure Blob datastore's tests.
#
#   bash .ci/azurite.sh start   installs azurite@3.35.0 into the cache folder if absent, starts azurite-blob on
#                               127.0.0.1 (a free port, in-memory, telemetry off) and prints one line:
#                               PIPEWRIGHT_TEST_AZURITE=http://127.0.0.1:PORT/devstoreaccount1
#   bash .ci/azurite.sh stop    stops the Azurite this script started (by its recorded process id)
#
# Use: line=$(bash .ci/azurite.sh start); export "$line"; trap 'bash .ci/azurite.sh stop' EXIT
# Folders: AZURITE_CACHE (default ~/.cache/pipewright/azurite-3.35.0) holds the npm install; AZURITE_STATE (default
# ${TMPDIR:-/tmp}/pipewright-azurite-$UID) holds the process id and the log. Needs Node 20 and npm.
set -euo pipefail

version=3.35.0 # 3.37 needs Node 22
cache=${AZURITE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pipewright/azurite-$version}
state=${AZURITE_STATE:-${TMPDIR:-/tmp}/pipewright-azurite-$(id -u)}
pidfile=$state/azurite.pid
log=$state/azurite.log

stop() {
  if [[ -f $pidfile ]]; then
    local pid
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  fi
}

start() {
  local bin=$cache/node_modules/.bin/azurite-blob
  if [[ ! -x $bin ]]; then
    mkdir -p "$cache"
    echo "installing azurite@$version into $cache" >&2
    npm install --no-audit --no-fund --loglevel=error --prefix "$cache" "azurite@$version" >&2
  fi
  mkdir -p "$state"
  stop # one Azurite per state folder: a leftover from an earlier run goes first
  : >"$log"
  # Its own session, so that it outlives this script; stopped by its process id. Run in the state folder: anything it
  # writes to its working folder lands there.
  (cd "$state" && exec setsid "$bin" --blobHost 127.0.0.1 --blobPort 0 --inMemoryPersistence --skipApiVersionCheck \
    --disableTelemetry --silent >"$log" 2>&1 </dev/null) &
  echo $! >"$pidfile"
  local port=""
  for _ in $(seq 300); do
    port=$(sed -n 's#.*successfully listens on http://127\.0\.0\.1:\([0-9][0-9]*\).*#\1#p' "$log" | head -n 1)
    [[ -n $port ]] && break
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "azurite-blob exited before listening; its log ($log):" >&2
      cat "$log" >&2
      exit 1
    fi
    sleep 0.1
  done
  if [[ -z $port ]]; then
    echo "azurite-blob did not listen within 30 s; its log ($log):" >&2
    cat "$log" >&2
    stop
    exit 1
  fi
  echo "PIPEWRIGHT_TEST_AZURITE=http://127.0.0.1:$port/devstoreaccount1"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
