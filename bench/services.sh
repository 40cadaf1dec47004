# PostgreSQL and Redis on 127.0.0.1, installed and started when they are not running.
# Sourced (bash) by .ci/run and by `make bench`; defines functions and PG_PORT/REDIS_PORT.
# ensure_postgres sets PG_PORT to the port it found or started (5432, else 5433).

PG_PORT=5432
REDIS_PORT=6379

log() { printf '\n=== %s ===\n' "$*"; }

apt_install() {
    command -v apt-get >/dev/null || { echo "apt-get not found: cannot install $*" >&2; return 1; }
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# psql and redis-cli are how the two checks below talk to the servers.
ensure_service_tools() {
    if ! command -v psql >/dev/null || ! command -v redis-cli >/dev/null; then
        apt_install postgresql-client redis-tools postgresql redis-server || true
    fi
}

postgres_works() {
    command -v psql >/dev/null \
        && psql -h 127.0.0.1 -p "$1" -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1
}

ensure_postgres() {
    if postgres_works 5432; then PG_PORT=5432; return 0; fi
    if postgres_works 5433; then PG_PORT=5433; return 0; fi
    # A cluster of the machine's own that is only stopped: start it.
    if command -v pg_ctlcluster >/dev/null && ls /etc/postgresql/*/main >/dev/null 2>&1; then
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | tail -n1)" main start \
            >/dev/null 2>&1 || true
        sleep 2
        if postgres_works 5432; then PG_PORT=5432; return 0; fi
    fi
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_install postgresql || return 1
    local bin; bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
    log "starting a throw-away PostgreSQL on 127.0.0.1:5433"
    rm -rf /tmp/threadline-pg && mkdir -p /tmp/threadline-pg && chown postgres /tmp/threadline-pg
    su postgres -c "$bin/initdb -D /tmp/threadline-pg/data -A trust -U postgres" >/dev/null \
        && su postgres -c "$bin/pg_ctl -D /tmp/threadline-pg/data -l /tmp/threadline-pg/log \
            -o '-p 5433 -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off' -w start" >/dev/null \
        || return 1
    PG_PORT=5433
    postgres_works 5433
}

redis_works() { command -v redis-cli >/dev/null && redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null | grep -q PONG; }

ensure_redis() {
    if redis_works 6379; then return 0; fi
    command -v redis-server >/dev/null || apt_install redis-server || return 1
    log "starting Redis on 127.0.0.1:6379"
    redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save '' --appendonly no \
        --dir /tmp >/dev/null
    for _ in $(seq 50); do redis_works 6379 && return 0; sleep 0.2; done
    return 1
}
