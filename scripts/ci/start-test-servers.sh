#!/usr/bin/env bash
# Starts a throw-away PostgreSQL 15 cluster and a PgBouncer (transaction pooling) in front of it, for
# the tests. Source it to get the variables in your shell (`.ci/run` does):
#
#   source scripts/ci/start-test-servers.sh      # exports the variables below
#   npm test
#   scripts/ci/stop-test-servers.sh              # or let .ci/run's trap do it
#
# or run it and eval what it prints: eval "$(scripts/ci/start-test-servers.sh)".
#
# Exports PLAY_LATER_TEST_PG15_URL (superuser, direct: tests CREATE/DROP DATABASE … TEMPLATE through
# it), PLAY_LATER_TEST_PGBOUNCER_URL (same user, through PgBouncer),
# PLAY_LATER_TEST_PGBOUNCER_SMALL_POOL_URL (a second PgBouncer, transaction pooling with 3 server
# connections per database: what most teams run, for the one-URL concurrency tests) and
# PLAY_LATER_TEST_SERVERS_DIR (cluster, configuration and logs; the stop script removes it).
#
# As root (CI), it installs Debian's postgresql and pgbouncer when missing and runs both as the
# `postgres` system user, because both refuse to run as root. As another user it runs them as you.
# Written to be sourced: no `set -e`, no `exit`; every step checks its own status.

plt_servers_log() { echo "== test servers: $*" >&2; }

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

plt_pg15_bindir() {
  local dir=/usr/lib/postgresql/15/bin
  [ -x "$dir/initdb" ] && echo "$dir"
}

plt_start_test_servers() {
  plt_install_debian_packages plt_servers_log postgresql-15 pgbouncer || return 1
  local bindir pgbouncer_bin dir pg_port bouncer_port small_pool_port password
  bindir=$(plt_pg15_bindir)
  pgbouncer_bin=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
  dir=$(mktemp -d "${TMPDIR:-/tmp}/plt-test-servers.XXXXXX") || return 1
  chmod 700 "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  pg_port=$(plt_free_port) && bouncer_port=$(plt_free_port) && small_pool_port=$(plt_free_port) || return 1
  password=$(node -e "console.log(require('crypto').randomBytes(16).toString('hex'))") || return 1

  # SCRAM everywhere (PostgreSQL 15's default), so the test of auth matches production.
  printf '%s\n' "$password" >"$dir/pwfile"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir/pwfile"
  chmod 600 "$dir/pwfile"
  plt_as_server_user "$bindir/initdb" -D "$dir/pg15" -U postgres --auth=scram-sha-256 \
    --pwfile="$dir/pwfile" --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { plt_servers_log "initdb failed, see $dir/initdb.log"; cat "$dir/initdb.log" >&2; return 1; }
  rm -f "$dir/pwfile"

  # fsync off: the cluster is thrown away after the run. max_connections leaves room for the
  # concurrency tests (10 runners) next to parallel test files and PgBouncer's pools.
  plt_as_server_user "$bindir/pg_ctl" -D "$dir/pg15" -l "$dir/pg15.log" -w -t 60 start \
    -o "-p $pg_port -c listen_addresses=127.0.0.1 -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    >/dev/null || { plt_servers_log "PostgreSQL 15 did not start, see $dir/pg15.log"; tail -20 "$dir/pg15.log" >&2; return 1; }

  # Transaction pooling, every database reachable (`* =`), SCRAM auth from a userlist. The plain
  # password in the userlist lets PgBouncer answer the client's SCRAM exchange and log in to the
  # server with SCRAM itself; the file lives only in this throw-away folder (mode 600).
  # The tests' login users of the app and read-only roles (test/support/role-logins.ts) share the
  # password, so the tests can log in as them through PgBouncer too.
  printf '"%s" "%s"\n' postgres "$password" plt_test_app "$password" plt_test_readonly "$password" >"$dir/userlist.txt"
  cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$pg_port

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir = $dir
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
pool_mode = transaction
max_client_conn = 500
default_pool_size = 40
max_db_connections = 0
admin_users = postgres
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
  # The small pool: the same, 3 server connections per database and user.
  sed -e "s/^listen_port = .*/listen_port = $small_pool_port/" -e 's/^default_pool_size = .*/default_pool_size = 3/' \
    -e "s|^logfile = .*|logfile = $dir/pgbouncer-small-pool.log|" -e "s|^pidfile = .*|pidfile = $dir/pgbouncer-small-pool.pid|" "$dir/pgbouncer.ini" >"$dir/pgbouncer-small-pool.ini"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir/userlist.txt" "$dir/pgbouncer.ini" "$dir/pgbouncer-small-pool.ini"
  chmod 600 "$dir/userlist.txt"
  local ini
  for ini in pgbouncer pgbouncer-small-pool; do
    plt_as_server_user "$pgbouncer_bin" -d "$dir/$ini.ini" >"$dir/$ini.stderr" 2>&1 \
      || { plt_servers_log "PgBouncer ($ini) did not start"; cat "$dir/$ini.stderr" "$dir/$ini.log" >&2; return 1; }
  done

  export PLAY_LATER_TEST_SERVERS_DIR="$dir"
  export PLAY_LATER_TEST_PG15_URL="postgresql://postgres:$password@127.0.0.1:$pg_port/postgres"
  export PLAY_LATER_TEST_PGBOUNCER_URL="postgresql://postgres:$password@127.0.0.1:$bouncer_port/postgres"
  export PLAY_LATER_TEST_PGBOUNCER_SMALL_POOL_URL="postgresql://postgres:$password@127.0.0.1:$small_pool_port/postgres"

  # Wait until PgBouncer answers a real query through to the server.
  local tries port
  for port in "$bouncer_port" "$small_pool_port"; do
    tries=0
    until PGPASSWORD="$password" PGCONNECT_TIMEOUT=2 "$bindir/psql" -qAtX -h 127.0.0.1 -p "$port" -U postgres -d postgres -c 'SELECT 1' >/dev/null 2>&1; do
      tries=$((tries + 1))
      if [ $tries -ge 50 ]; then plt_servers_log "PgBouncer on port $port does not answer, see the pgbouncer*.log files in $dir"; return 1; fi
      sleep 0.2
    done
  done
  plt_servers_log "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port, $("$pgbouncer_bin" --version | head -1) (transaction pooling) on 127.0.0.1:$bouncer_port, and with a pool of 3 on 127.0.0.1:$small_pool_port, files in $dir"
}

if plt_start_test_servers; then
  # Executed rather than sourced: print the variables for eval.
  if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    printf 'export %s=%q\n' PLAY_LATER_TEST_SERVERS_DIR "$PLAY_LATER_TEST_SERVERS_DIR" \
      PLAY_LATER_TEST_PG15_URL "$PLAY_LATER_TEST_PG15_URL" \
      PLAY_LATER_TEST_PGBOUNCER_URL "$PLAY_LATER_TEST_PGBOUNCER_URL" \
      PLAY_LATER_TEST_PGBOUNCER_SMALL_POOL_URL "$PLAY_LATER_TEST_PGBOUNCER_SMALL_POOL_URL"
  fi
  true
else
  plt_servers_log "start-up failed"
  [ "${BASH_SOURCE[0]}" = "$0" ] && exit 1
  false
fi
