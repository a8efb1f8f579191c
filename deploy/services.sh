#!/usr/bin/env bash
# Provision and start the services OpenLab uses in production and CI:
# PostgreSQL (127.0.0.1:5432), Redis (127.0.0.1:6379) and Elasticsearch 8.19
# (127.0.0.1:9200). Idempotent: anything already installed is reused and
# anything already answering is left alone.
#
#   bash deploy/services.sh          install/start, progress on stderr,
#                                    the `export NAME=value` lines on stdout
#   bash deploy/services.sh --env    only print the export lines
#   eval "$(bash deploy/services.sh --env)"
#
# Needs root for installing and starting (apt-get, pg_ctlcluster, a system
# user for Elasticsearch). Without root it only succeeds when all three
# services already answer.
#
# Tunables (environment):
#   OPENLAB_ES_VERSION           preferred Elasticsearch version (default 8.19.9)
#   OPENLAB_ES_FALLBACK_VERSION  used when the preferred one does not resolve (8.19.0)
#   OPENLAB_ES_HEAP              heap for -Xms/-Xmx (default 512m)
#   OPENLAB_SERVICES_HOME        Elasticsearch installs and downloads (/opt/openlab)
#   OPENLAB_SERVICES_DATA        Elasticsearch data and logs (/var/lib/openlab)
#   OPENLAB_STATE_DIR            what this script started, pid files (/run/openlab-services)
#   OPENLAB_WAIT_SECONDS         per-service start timeout (default 180)
set -euo pipefail

PG_HOST=127.0.0.1
PG_PORT=5432
PG_MAX_CONNECTIONS=${PG_MAX_CONNECTIONS:-300}
PG_USER=openlab
PG_PASSWORD=openlab
PG_DB=openlab
REDIS_HOST=127.0.0.1
REDIS_PORT=6379
ES_HOST=127.0.0.1
ES_PORT=9200

print_env() {
    echo "export DATABASE_URL=postgres://${PG_USER}:${PG_PASSWORD}@${PG_HOST}:${PG_PORT}/${PG_DB}"
    echo "export REDIS_URL=redis://${REDIS_HOST}:${REDIS_PORT}/0"
    echo "export ELASTICSEARCH_URL=http://${ES_HOST}:${ES_PORT}"
}

case "${1:-}" in
    --env) print_env; exit 0 ;;
    "") ;;
    -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: $0 [--env]" >&2; exit 2 ;;
esac

# From here on stdout is reserved for the export lines: everything else,
# including the output of the tools we call, goes to stderr.
exec 3>&1 1>&2

ES_VERSION_PREFERRED="${OPENLAB_ES_VERSION:-8.19.9}"
ES_VERSION_FALLBACK="${OPENLAB_ES_FALLBACK_VERSION:-8.19.0}"
ES_HEAP="${OPENLAB_ES_HEAP:-512m}"
SERVICES_HOME="${OPENLAB_SERVICES_HOME:-/opt/openlab}"
SERVICES_DATA="${OPENLAB_SERVICES_DATA:-/var/lib/openlab}"
STATE_DIR="${OPENLAB_STATE_DIR:-/run/openlab-services}"
WAIT_SECONDS="${OPENLAB_WAIT_SECONDS:-180}"
ES_USER=elasticsearch

log() { echo "[services] $*" >&2; }
die() { echo "[services] ERROR: $*" >&2; exit 1; }

# die_with_log SERVICE LOGFILE MESSAGE
die_with_log() {
    local service="$1" logfile="$2" msg="$3"
    echo "[services] ERROR: ${service}: ${msg}" >&2
    if [ -n "$logfile" ] && [ -r "$logfile" ]; then
        echo "[services] ---- last lines of ${logfile} ----" >&2
        tail -n 40 "$logfile" >&2 || true
        echo "[services] ---- end of ${logfile} ----" >&2
    else
        echo "[services] (no log file found at ${logfile:-<unknown>})" >&2
    fi
    exit 1
}

# ---------------------------------------------------------------- probes

pg_answers() {
    command -v pg_isready >/dev/null 2>&1 &&
        pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 2
}

redis_answers() {
    command -v redis-cli >/dev/null 2>&1 &&
        [ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]
}

# The integ-test-zip distribution has no rest-root module: GET / and HEAD /
# (the clients' info() and ping()) answer 405. Ask the nodes API instead,
# which works on every distribution and also reports the version.
es_version() {
    command -v curl >/dev/null 2>&1 &&
        curl -fsS --max-time 5 \
            "http://${ES_HOST}:${ES_PORT}/_nodes/_local?filter_path=nodes.*.version" 2>/dev/null |
        grep -o '"version":"[^"]*"' | head -n 1 | cut -d'"' -f4
}

es_answers() {
    [ -n "$(es_version)" ]
}

# wait_for SERVICE PROBE LOGFILE
wait_for() {
    local service="$1" probe="$2" logfile="$3" waited=0
    while ! "$probe"; do
        if [ "$waited" -ge "$WAIT_SECONDS" ]; then
            die_with_log "$service" "$logfile" "did not answer within ${WAIT_SECONDS}s"
        fi
        sleep 2
        waited=$((waited + 2))
    done
    log "${service} answers (after ~${waited}s)"
}

# mark_started SERVICE DETAILS: remember that this script is responsible for
# SERVICE, so that services-stop.sh stops it (and only it).
mark_started() {
    mkdir -p "$STATE_DIR/started"
    printf '%s\n' "$2" >"$STATE_DIR/started/$1"
}

# ---------------------------------------------------------------- fast path

if [ "$(id -u)" -ne 0 ] && pg_answers && redis_answers && es_answers; then
    log "not root, but PostgreSQL, Redis and Elasticsearch already answer"
    print_env >&3
    exit 0
fi

[ "$(id -u)" -eq 0 ] || die "run as root (installs packages and starts services), e.g. sudo $0"

# ---------------------------------------------------------------- packages

APT_UPDATED=0
INSTALLED_NOW=" "

pkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# apt_ensure PKG...: install the packages that are missing (apt-get update once).
apt_ensure() {
    local missing=() p
    for p in "$@"; do
        pkg_installed "$p" || missing+=("$p")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    export DEBIAN_FRONTEND=noninteractive
    if [ "$APT_UPDATED" -eq 0 ]; then
        log "apt-get update"
        apt-get update -qq
        APT_UPDATED=1
    fi
    log "apt-get install ${missing[*]}"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    INSTALLED_NOW+="${missing[*]} "
}

need=(postgresql redis-server)
command -v curl >/dev/null 2>&1 || need+=(curl ca-certificates)
apt_ensure "${need[@]}"

# ---------------------------------------------------------------- PostgreSQL

start_postgresql() {
    local v cluster=main logfile
    v="$(ls -1 /usr/lib/postgresql/ 2>/dev/null | sort -n | tail -n 1)"
    [ -n "$v" ] || die "PostgreSQL: no server found under /usr/lib/postgresql"
    logfile="/var/log/postgresql/postgresql-${v}-${cluster}.log"

    if [ ! -d "/etc/postgresql/${v}/${cluster}" ]; then
        log "PostgreSQL ${v}: creating cluster ${cluster} on port ${PG_PORT}"
        pg_createcluster -p "$PG_PORT" "$v" "$cluster" >/dev/null
    fi
    local port
    port="$(pg_conftool -s "$v" "$cluster" show port 2>/dev/null || echo "$PG_PORT")"
    if [ "$port" != "$PG_PORT" ]; then
        log "PostgreSQL ${v}/${cluster}: moving from port ${port} to ${PG_PORT}"
        pg_conftool "$v" "$cluster" set port "$PG_PORT"
        pg_ctlcluster --skip-systemctl-redirect "$v" "$cluster" stop >/dev/null 2>&1 || true
    fi

    # The concurrency tests open 100+ connections at once, besides the test runner's.
    local max_connections
    max_connections="$(pg_conftool -s "$v" "$cluster" show max_connections 2>/dev/null || echo 100)"
    if [ "$max_connections" != "$PG_MAX_CONNECTIONS" ]; then
        log "PostgreSQL ${v}/${cluster}: max_connections ${max_connections} -> ${PG_MAX_CONNECTIONS}"
        pg_conftool "$v" "$cluster" set max_connections "$PG_MAX_CONNECTIONS"
        pg_ctlcluster --skip-systemctl-redirect "$v" "$cluster" stop >/dev/null 2>&1 || true
    fi

    if pg_answers; then
        log "PostgreSQL already answers on ${PG_HOST}:${PG_PORT}"
        case "$INSTALLED_NOW" in *" postgresql "*) mark_started postgresql "$v $cluster" ;; esac
    else
        if pg_ctlcluster --skip-systemctl-redirect "$v" "$cluster" status >/dev/null 2>&1; then
            log "PostgreSQL ${v}/${cluster} is running, waiting for it to accept connections"
        else
            log "PostgreSQL ${v}/${cluster}: starting"
            pg_ctlcluster --skip-systemctl-redirect "$v" "$cluster" start ||
                die_with_log PostgreSQL "$logfile" "pg_ctlcluster ${v} ${cluster} start failed"
        fi
        mark_started postgresql "$v $cluster"
        wait_for PostgreSQL pg_answers "$logfile"
    fi

    # Role and database (idempotent).
    local psql_admin=(runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres)
    "${psql_admin[@]}" <<SQL
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${PG_USER}') THEN
        CREATE ROLE ${PG_USER} LOGIN CREATEDB PASSWORD '${PG_PASSWORD}';
    END IF;
END
\$\$;
ALTER ROLE ${PG_USER} WITH LOGIN CREATEDB PASSWORD '${PG_PASSWORD}';
SQL
    if [ "$("${psql_admin[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = '${PG_DB}'")" != "1" ]; then
        log "PostgreSQL: creating database ${PG_DB} owned by ${PG_USER}"
        runuser -u postgres -- createdb -p "$PG_PORT" -O "$PG_USER" "$PG_DB"
    fi
    PGPASSWORD="$PG_PASSWORD" psql -X -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" \
        -tAc 'SELECT 1' >/dev/null ||
        die_with_log PostgreSQL "$logfile" "cannot log in as ${PG_USER} over TCP"
    log "PostgreSQL ${v}: role ${PG_USER} and database ${PG_DB} ready"
}

# ---------------------------------------------------------------- Redis

start_redis() {
    local logfile="$STATE_DIR/redis.log"
    if redis_answers; then
        log "Redis already answers on ${REDIS_HOST}:${REDIS_PORT}"
        case "$INSTALLED_NOW" in *" redis-server "*) mark_started redis "$REDIS_PORT" ;; esac
        return 0
    fi
    mkdir -p "$STATE_DIR/redis"
    log "Redis: starting on ${REDIS_HOST}:${REDIS_PORT}"
    redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" \
        --pidfile "$STATE_DIR/redis.pid" --logfile "$logfile" \
        --dir "$STATE_DIR/redis" --save '' --appendonly no ||
        die_with_log Redis "$logfile" "redis-server failed to start"
    mark_started redis "$REDIS_PORT"
    wait_for Redis redis_answers "$logfile"
}

# ---------------------------------------------------------------- Elasticsearch

# es_fetch VERSION: make sure $SERVICES_HOME/elasticsearch-VERSION exists
# (download the integ-test-zip from Maven Central with mvn, then unzip).
es_fetch() {
    local v="$1" dest="$SERVICES_HOME/elasticsearch-$1"
    local zip="$SERVICES_HOME/downloads/elasticsearch-$1.zip"
    [ -x "$dest/bin/elasticsearch" ] && return 0
    mkdir -p "$SERVICES_HOME/downloads"
    if [ ! -s "$zip" ]; then
        log "Elasticsearch ${v}: fetching org.elasticsearch.distribution.integ-test-zip:elasticsearch:${v}:zip with mvn"
        if ! mvn -q -B dependency:copy \
            "-Dartifact=org.elasticsearch.distribution.integ-test-zip:elasticsearch:${v}:zip" \
            "-DoutputDirectory=$SERVICES_HOME/downloads" >"$SERVICES_HOME/downloads/mvn-${v}.log" 2>&1; then
            log "Elasticsearch ${v}: not available ($(grep -m1 -o 'Could not find artifact[^ ]* [^ ]*' \
                "$SERVICES_HOME/downloads/mvn-${v}.log" || echo "see $SERVICES_HOME/downloads/mvn-${v}.log"))"
            rm -f "$zip"
            return 1
        fi
    fi
    log "Elasticsearch ${v}: unzipping into ${dest}"
    local tmp
    tmp="$(mktemp -d "$SERVICES_HOME/.unzip.XXXXXX")"
    unzip -q "$zip" -d "$tmp" || { rm -rf "$tmp"; die "Elasticsearch ${v}: cannot unzip ${zip}"; }
    [ -x "$tmp/elasticsearch-${v}/bin/elasticsearch" ] ||
        { rm -rf "$tmp"; die "Elasticsearch ${v}: unexpected layout in ${zip}"; }
    mv "$tmp/elasticsearch-${v}" "$dest"
    rm -rf "$tmp"
}

start_elasticsearch() {
    if es_answers; then
        log "Elasticsearch $(es_version) already answers on ${ES_HOST}:${ES_PORT}"
        return 0
    fi

    # Prerequisites for fetching and running Elasticsearch.
    local need=()
    command -v unzip >/dev/null 2>&1 || need+=(unzip)
    command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
    command -v mvn >/dev/null 2>&1 || need+=(maven)
    [ "${#need[@]}" -eq 0 ] || apt_ensure "${need[@]}"

    local v
    if es_fetch "$ES_VERSION_PREFERRED"; then
        v="$ES_VERSION_PREFERRED"
    elif es_fetch "$ES_VERSION_FALLBACK"; then
        v="$ES_VERSION_FALLBACK"
    else
        die "Elasticsearch: neither ${ES_VERSION_PREFERRED} nor ${ES_VERSION_FALLBACK} could be fetched from Maven Central"
    fi
    local es_home="$SERVICES_HOME/elasticsearch-$v"
    local es_var="$SERVICES_DATA/elasticsearch-$v"
    local pid_dir="$STATE_DIR/elasticsearch"
    local pidfile="$pid_dir/elasticsearch.pid"
    local logfile="$es_var/logs/openlab.log"

    if ! id "$ES_USER" >/dev/null 2>&1; then
        log "creating system user ${ES_USER} (Elasticsearch refuses to run as root)"
        useradd --system --user-group --home-dir "$SERVICES_DATA" --no-create-home \
            --shell /usr/sbin/nologin "$ES_USER"
    fi
    mkdir -p "$es_var/data" "$es_var/logs" "$pid_dir"
    # ES writes its keystore into config/, so the whole install belongs to the user.
    chown -R "$ES_USER:$ES_USER" "$es_home" "$es_var" "$pid_dir"

    if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null &&
        grep -qa elasticsearch "/proc/$(cat "$pidfile")/cmdline" 2>/dev/null; then
        log "Elasticsearch is running (pid $(cat "$pidfile")), waiting for it to answer"
    else
        rm -f "$pidfile"
        # Bootstrap checks (vm.max_map_count etc.) are not enforced with
        # single-node discovery on loopback; raise the limit anyway when we can.
        if [ "$(sysctl -n vm.max_map_count 2>/dev/null || echo 0)" -lt 262144 ]; then
            sysctl -q -w vm.max_map_count=262144 >/dev/null 2>&1 ||
                log "note: cannot raise vm.max_map_count (fine for single-node on 127.0.0.1)"
        fi
        local java_bin java_home
        java_bin="$(readlink -f "$(command -v java)")" || die "Elasticsearch: java not found"
        java_home="${java_bin%/bin/java}"
        log "Elasticsearch ${v}: starting as ${ES_USER} (heap ${ES_HEAP}, java ${java_home})"
        if ! (cd "$es_home" && { ulimit -n 65535 2>/dev/null || true; } && runuser -u "$ES_USER" -- env \
            ES_JAVA_HOME="$java_home" \
            ES_JAVA_OPTS="-Xms${ES_HEAP} -Xmx${ES_HEAP}" \
            "$es_home/bin/elasticsearch" -d -p "$pidfile" \
            -E cluster.name=openlab \
            -E node.name=openlab-1 \
            -E discovery.type=single-node \
            -E network.host="$ES_HOST" \
            -E http.port="$ES_PORT" \
            -E path.data="$es_var/data" \
            -E path.logs="$es_var/logs" \
            -E xpack.security.enabled=false \
            -E cluster.routing.allocation.disk.threshold_enabled=false \
            >"$STATE_DIR/elasticsearch-start.log" 2>&1); then
            cat "$STATE_DIR/elasticsearch-start.log" >&2 || true
            die_with_log Elasticsearch "$logfile" "bin/elasticsearch -d failed"
        fi
        mark_started elasticsearch "$v $pidfile"
    fi
    wait_for Elasticsearch es_answers "$logfile"
    # Wait for the (empty) cluster to be usable too.
    curl -fsS --max-time 70 \
        "http://${ES_HOST}:${ES_PORT}/_cluster/health?wait_for_status=yellow&timeout=60s" >/dev/null ||
        die_with_log Elasticsearch "$logfile" "cluster did not reach yellow"
    log "Elasticsearch $(es_version) ready on ${ES_HOST}:${ES_PORT}"
}

# ---------------------------------------------------------------- main

mkdir -p "$STATE_DIR"
start_postgresql
start_redis
start_elasticsearch
log "all services ready; environment:"
print_env >&2
print_env >&3
