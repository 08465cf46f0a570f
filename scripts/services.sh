#!/usr/bin/env bash
# A private PostgreSQL cluster and Redis server on loopback, in a scratch folder,
# for the second test pass and the two-host test. Nothing is installed as a
# system service and nothing listens beyond 127.0.0.1.
#
#   scripts/services.sh run CMD...     start both, run CMD with DATABASE_URL and
#                                      REDIS_URL set, stop both (even on failure)
#   scripts/services.sh start DIR      start both under DIR; writes DIR/env
#   scripts/services.sh stop DIR       stop both
#   scripts/services.sh pg-restart DIR | redis-stop DIR | redis-start DIR
#                                      (the chaos steps of tests/cluster)
#
# A service that cannot start fails the run with the reason; it never skips.
set -euo pipefail

die() { echo "services.sh: $*" >&2; exit 1; }

pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return; }
  done
  command -v initdb >/dev/null && { dirname "$(command -v initdb)"; return; }
  return 1
}

# Debian's packages, installed on a new machine the way `make browser` installs chromium.
ensure_packages() {
  local missing=()
  pg_bin >/dev/null || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
  [ ${#missing[@]} -eq 0 ] && return
  echo "Installing Debian's ${missing[*]} for the PostgreSQL/Redis test pass…"
  local sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null \
    || die "could not install ${missing[*]} with apt-get (needed for the PostgreSQL/Redis pass)"
  pg_bin >/dev/null || die "PostgreSQL is installed but initdb was not found"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# PostgreSQL refuses to run as root: run its tools as the postgres user then.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
  local dir=$1 bin port
  bin=$(pg_bin)
  port=$(cat "$dir/pg.port")
  as_pg "$bin/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w -t 30 \
    -o "-p $port -k $dir/pgsock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { tail -20 "$dir/pg.log" >&2; die "PostgreSQL did not start on 127.0.0.1:$port (log above)"; }
}

pg_stop() {
  local dir=$1
  [ -f "$dir/pg/postmaster.pid" ] || return 0
  as_pg "$(pg_bin)/pg_ctl" -D "$dir/pg" -m fast -w -t 30 stop >/dev/null || true
}

redis_start() {
  local dir=$1 port
  port=$(cat "$dir/redis.port")
  (cd "$dir" && redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
     --dir "$dir" --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log") \
    || die "redis-server did not start on 127.0.0.1:$port"
  for _ in $(seq 50); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  tail -20 "$dir/redis.log" >&2
  die "redis-server on 127.0.0.1:$port does not answer PING (log above)"
}

redis_stop() {
  local dir=$1 pid
  [ -f "$dir/redis.pid" ] || return 0
  pid=$(cat "$dir/redis.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$dir/redis.pid"
}

start() {
  local dir=$1 bin pgport redisport password
  ensure_packages
  bin=$(pg_bin)
  mkdir -p "$dir/pg" "$dir/pgsock"
  chmod 755 "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir/pg" "$dir/pgsock"
  pgport=$(free_port); echo "$pgport" > "$dir/pg.port"
  redisport=$(free_port); echo "$redisport" > "$dir/redis.port"
  password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
  as_pg "$bin/initdb" -D "$dir/pg" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { tail -20 "$dir/initdb.log" >&2; die "initdb failed in $dir/pg (log above)"; }
  touch "$dir/pg.log"; [ "$(id -u)" = 0 ] && chown postgres "$dir/pg.log"
  pg_start "$dir"
  # CREATEDB: pytest-django creates and drops its own test database.
  as_pg "$bin/psql" -h "$dir/pgsock" -p "$pgport" -U postgres -q -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE studio LOGIN CREATEDB PASSWORD '$password'" -c "CREATE DATABASE studio OWNER studio" \
    >/dev/null || die "could not create the studio role and database"
  redis_start "$dir"
  cat > "$dir/env" <<ENV
export DATABASE_URL=postgres://studio:$password@127.0.0.1:$pgport/studio
export REDIS_URL=redis://127.0.0.1:$redisport/0
ENV
  echo "PostgreSQL on 127.0.0.1:$pgport and Redis on 127.0.0.1:$redisport (in $dir)"
}

stop() {
  local dir=$1
  redis_stop "$dir"
  pg_stop "$dir"
}

cmd=${1:-}; shift || true
case "$cmd" in
  run)
    [ $# -gt 0 ] || die "usage: $0 run CMD..."
    dir=$(mktemp -d "${TMPDIR:-/tmp}/studio-services.XXXXXX")
    trap 'stop "$dir"; rm -rf "$dir"' EXIT
    trap 'exit 130' INT TERM
    start "$dir"
    # shellcheck disable=SC1091
    . "$dir/env"
    export STUDIO_SERVICES_DIR=$dir
    "$@"
    ;;
  start) start "${1:?DIR}" ;;
  stop) stop "${1:?DIR}" ;;
  pg-restart) pg_stop "${1:?DIR}"; pg_start "$1" ;;
  pg-stop) pg_stop "${1:?DIR}" ;;
  pg-start) pg_start "${1:?DIR}" ;;
  redis-stop) redis_stop "${1:?DIR}" ;;
  redis-start) redis_start "${1:?DIR}" ;;
  *) die "usage: $0 run CMD... | start|stop|pg-restart|pg-stop|pg-start|redis-stop|redis-start DIR" ;;
esac
