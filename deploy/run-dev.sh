#!/usr/bin/env bash
# Serves the site (HTTP + WebSockets) and runs a django-q2 worker beside it.
# Ctrl-C stops both: every process started here ends with this script.
# Settings: DJANGO_SETTINGS_MODULE, else openlab.settings.local (DEBUG off: `make run`);
# `make dev` sets openlab.settings.dev (DEBUG on).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

SETTINGS=${DJANGO_SETTINGS_MODULE:-openlab.settings.local}
export DJANGO_SETTINGS_MODULE=$SETTINGS
if [ "$SETTINGS" = openlab.settings.dev ]; then
  MODE="DEBUG on (make dev): Django's debug pages; never for visitors"
else
  MODE="DEBUG off ($SETTINGS): the site's own error pages; make dev for debugging"
fi

pids=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "Stopping OpenLab..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Stopped."
}
trap stop INT TERM EXIT

.venv/bin/uvicorn openlab.asgi:application --host "$HOST" --port "$PORT" \
  --ws-per-message-deflate false --log-level warning &
pids+=($!)
$PY manage.py qcluster &
pids+=($!)

cat <<MSG

  OpenLab is running at http://$HOST:$PORT/   ($MODE)
  Log in (all demo passwords: openlab-demo):
    facilitator (Wagtail admin): http://$HOST:$PORT/admin/   user: facilitator
    partner:                     http://$HOST:$PORT/accounts/login/   user: partner
    citizen / ambassador:        users: citizen / ambassador
  Health: http://$HOST:$PORT/healthz
  Press Ctrl-C to stop.

MSG
# Whichever process ends first (or Ctrl-C) stops the other.
wait -n
