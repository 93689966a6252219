# shellcheck shell=bash
# The one way to find or start NATS (with JetStream) and PostgreSQL, for scripts/test-services,
# scripts/stack, services/api/schemathesis.sh and services/api/bench.sh (and, through
# scripts/test-services, the Rust tests' `tiqets_testkit::ensure_services`).
#
# Source it after setting (all optional):
#   root          the repository (default: two folders up from this file)
#   stack         where started servers keep their files (TIQETS_STACK_DIR, default $root/.stack)
#   nats_url      NATS_URL, default nats://127.0.0.1:4222
#   database_url  DATABASE_URL, default postgres://postgres@127.0.0.1:5432/tiqets
#   services_who  the name messages start with (default test-services)
#
# Shared servers: `ensure_services` (start_nats, start_postgres) reuses whatever answers at
# nats_url / database_url, otherwise starts the server from the machine's packages
# (apt-get install when missing) with its files under $stack, and leaves it running;
# `stop_services` stops only what was started so. `with_services_lock CMD…` runs CMD holding
# $stack/services.lock, so parallel callers do not race.
# Private servers of one script: `free_port`, `private_nats DIR` (a nats-server -js of its
# own on a free port: private_nats_url, private_nats_pid), `scratch_database PREFIX` (a
# fresh database on the shared server: scratch_server_url, scratch_db, scratch_database_url)
# and `drop_scratch_database`.

root=${root:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
stack=${stack:-${TIQETS_STACK_DIR:-$root/.stack}}
nats_url=${nats_url:-${NATS_URL:-nats://127.0.0.1:4222}}
database_url=${database_url:-${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tiqets}}

say() { echo "${services_who:-test-services}: $*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

apt_install() {
  say "installing $* with apt-get"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

reachable() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

wait_reachable() { # host port what
  for _ in $(seq 1 300); do reachable "$1" "$2" && return 0; sleep 0.1; done
  say "$3 did not come up on $1:$2"; return 1
}

# nats://[user:pass@]host:port[,...] -> "host port"
nats_hostport() {
  local u=${1%%,*}; u=${u#*://}; u=${u##*@}; u=${u%%/*}
  local host=${u%:*} port=${u##*:}
  [ "$host" = "$u" ] && port=4222
  echo "${host:-127.0.0.1} ${port:-4222}"
}

# postgres://[user[:pass]@]host[:port]/db -> "user host port db"
pg_parts() {
  local u=${1#*://} user=postgres
  if [[ $u == *@* ]]; then user=${u%%@*}; user=${user%%:*}; u=${u#*@}; fi
  local hostport=${u%%/*} db=${u#*/}; db=${db%%\?*}
  local host=${hostport%:*} port=${hostport##*:}
  [ "$host" = "$hostport" ] && port=5432
  echo "${user:-postgres} ${host:-127.0.0.1} ${port:-5432} ${db:-tiqets}"
}

pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

# Runs a PostgreSQL binary as the postgres user when we are root (it refuses root).
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start_nats() {
  local host port
  read -r host port < <(nats_hostport "$nats_url")
  if reachable "$host" "$port"; then say "NATS answers on $host:$port"; return; fi
  command -v nats-server >/dev/null || apt_install nats-server
  mkdir -p "$stack/nats"
  say "starting nats-server -js on $host:$port (store $stack/nats)"
  # 9>&-: the server must not inherit with_services_lock's lock, or it holds it forever.
  nohup nats-server -js -a "$host" -p "$port" -sd "$stack/nats" \
    >"$stack/nats.log" 2>&1 </dev/null 9>&- &
  echo $! >"$stack/nats.pid"
  wait_reachable "$host" "$port" "nats-server (see $stack/nats.log)"
}

start_postgres() {
  local user host port db
  read -r user host port db < <(pg_parts "$database_url")
  if ! reachable "$host" "$port"; then
    local bin
    bin=$(pg_bindir) || { apt_install postgresql; bin=$(pg_bindir); }
    # Installing the package may itself have started a cluster on the default port.
    if ! reachable "$host" "$port"; then
      local data="$stack/pg"
      mkdir -p "$stack"
      if [ ! -f "$data/PG_VERSION" ]; then
        mkdir -p "$data"
        [ "$(id -u)" = 0 ] && chown postgres: "$data"
        say "initdb $data"
        as_pg "$bin/initdb" -D "$data" -U "$user" -A trust -E UTF8 >/dev/null
      fi
      [ "$(id -u)" = 0 ] && chown postgres: "$stack"
      say "starting PostgreSQL on $host:$port (data $data)"
      as_pg "$bin/pg_ctl" -D "$data" -l "$stack/postgres.log" -w \
        -o "-p $port -h $host -k $stack" start >/dev/null 9>&-
      touch "$stack/pg.started"
    fi
  else
    say "PostgreSQL answers on $host:$port"
  fi
  if command -v psql >/dev/null; then
    local exists
    exists=$(psql -h "$host" -p "$port" -U "$user" -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = '$db'" 2>/dev/null || true)
    if [ "$exists" != 1 ]; then
      say "creating database $db"
      psql -h "$host" -p "$port" -U "$user" -d postgres -qc "CREATE DATABASE \"$db\"" >/dev/null
    fi
  fi
}

stop_all() {
  if [ -f "$stack/nats.pid" ]; then
    kill "$(cat "$stack/nats.pid")" 2>/dev/null || true
    rm -f "$stack/nats.pid"
    say "stopped nats-server"
  fi
  if [ -f "$stack/pg.started" ]; then
    local bin; bin=$(pg_bindir)
    as_pg "$bin/pg_ctl" -D "$stack/pg" -m fast stop >/dev/null || true
    rm -f "$stack/pg.started"
    say "stopped PostgreSQL"
  fi
}

# The shared servers, found or started.
ensure_services() { start_nats; start_postgres; }

stop_services() { stop_all; }

# Runs "$@" holding $stack/services.lock (one caller at a time starts servers).
with_services_lock() {
  mkdir -p "$stack"
  if command -v flock >/dev/null; then
    (
      flock -w 300 9 || { say "could not lock $stack/services.lock"; exit 1; }
      "$@"
    ) 9>"$stack/services.lock"
  else
    "$@"
  fi
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# A nats-server with JetStream of the caller's own on a free port, its store and log in $1.
private_nats() {
  command -v nats-server >/dev/null || apt_install nats-server
  local port; port=$(free_port)
  mkdir -p "$1"
  nats-server -js -a 127.0.0.1 -p "$port" -sd "$1/nats" >"$1/nats.log" 2>&1 &
  private_nats_pid=$!
  private_nats_url=nats://127.0.0.1:$port
  wait_reachable 127.0.0.1 "$port" "nats-server (see $1/nats.log)"
}

# A fresh database <prefix>_<random> on the shared PostgreSQL server.
scratch_database() {
  scratch_server_url=${database_url%/*}
  scratch_db=$1_$RANDOM$RANDOM
  scratch_database_url=$scratch_server_url/$scratch_db
  psql -q "$scratch_server_url/postgres" -c "CREATE DATABASE $scratch_db" >/dev/null
}

drop_scratch_database() {
  [ -n "${scratch_db:-}" ] || return 0
  psql -q "$scratch_server_url/postgres" -c "DROP DATABASE IF EXISTS $scratch_db WITH (FORCE)" >/dev/null 2>&1 || true
}
