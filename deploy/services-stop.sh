#!/usr/bin/env bash
# Stop what deploy/services.sh started (it records that under
# $OPENLAB_STATE_DIR/started, default /run/openlab-services/started):
#   Elasticsearch by its pid file, Redis by `redis-cli shutdown nosave`,
#   PostgreSQL by `pg_ctlcluster <version> main stop`.
# Services this script did not start are left alone, unless --all is given
# (then PostgreSQL, Redis and the Elasticsearch started from
# $OPENLAB_SERVICES_DATA are stopped whoever started them).
# Idempotent: nothing running is not an error.
set -uo pipefail

STATE_DIR="${OPENLAB_STATE_DIR:-/run/openlab-services}"
REDIS_HOST=127.0.0.1
REDIS_PORT=6379
ALL=0

case "${1:-}" in
    --all) ALL=1 ;;
    "") ;;
    *) echo "usage: $0 [--all]" >&2; exit 2 ;;
esac

log() { echo "[services-stop] $*" >&2; }

started() { [ "$ALL" -eq 1 ] || [ -f "$STATE_DIR/started/$1" ]; }
forget() { rm -f "$STATE_DIR/started/$1"; }

# ---------------------------------------------------------------- Elasticsearch

stop_es_pid() {
    local pid="$1" i
    if ! kill -0 "$pid" 2>/dev/null || ! grep -qa elasticsearch "/proc/$pid/cmdline" 2>/dev/null; then
        return 0
    fi
    log "Elasticsearch: stopping pid ${pid}"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || { log "Elasticsearch stopped"; return 0; }
        sleep 1
    done
    log "Elasticsearch: pid ${pid} still alive after 60s, sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
}

if started elasticsearch; then
    pidfiles=("$STATE_DIR/elasticsearch/elasticsearch.pid")
    if [ -f "$STATE_DIR/started/elasticsearch" ]; then
        recorded="$(awk '{print $2}' "$STATE_DIR/started/elasticsearch")"
        [ -n "$recorded" ] && pidfiles=("$recorded")
    fi
    stopped_any=0
    for pf in "${pidfiles[@]}"; do
        if [ -s "$pf" ]; then
            stop_es_pid "$(cat "$pf")"
            rm -f "$pf"
            stopped_any=1
        fi
    done
    [ "$stopped_any" -eq 1 ] || log "Elasticsearch: not running"
    forget elasticsearch
fi

# ---------------------------------------------------------------- Redis

if started redis; then
    if command -v redis-cli >/dev/null 2>&1 &&
        [ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]; then
        log "Redis: shutdown nosave"
        redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
        for i in $(seq 1 20); do
            [ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ] || break
            sleep 0.5
        done
    else
        log "Redis: not running"
    fi
    rm -f "$STATE_DIR/redis.pid"
    forget redis
fi

# ---------------------------------------------------------------- PostgreSQL

if started postgresql; then
    if [ -f "$STATE_DIR/started/postgresql" ]; then
        read -r pg_version pg_cluster <"$STATE_DIR/started/postgresql" || true
    fi
    pg_version="${pg_version:-$(ls -1 /usr/lib/postgresql/ 2>/dev/null | sort -n | tail -n 1)}"
    pg_cluster="${pg_cluster:-main}"
    if [ -n "$pg_version" ] && command -v pg_ctlcluster >/dev/null 2>&1 &&
        pg_ctlcluster --skip-systemctl-redirect "$pg_version" "$pg_cluster" status >/dev/null 2>&1; then
        log "PostgreSQL ${pg_version}/${pg_cluster}: stopping"
        pg_ctlcluster --skip-systemctl-redirect -m fast "$pg_version" "$pg_cluster" stop ||
            log "PostgreSQL: pg_ctlcluster stop failed"
    else
        log "PostgreSQL: not running"
    fi
    forget postgresql
fi

log "done"
exit 0
