#!/usr/bin/env bash
# Stops what start-test-servers.sh started (the two PgBouncers, then the PostgreSQL 15 cluster) and removes
# its folder. Safe to call twice or when start-up failed half-way.
dir="${1:-${PLAY_LATER_TEST_SERVERS_DIR:-}}"
[ -n "$dir" ] && [ -d "$dir" ] || exit 0
case "$(basename "$dir")" in plt-test-servers.*) ;; *) echo "refusing to remove $dir" >&2; exit 1 ;; esac

as_server_user() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

for pidfile in "$dir/pgbouncer.pid" "$dir/pgbouncer-small-pool.pid"; do
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
done
if [ -f "$dir/pg15/postmaster.pid" ]; then
  as_server_user /usr/lib/postgresql/15/bin/pg_ctl -D "$dir/pg15" -m immediate -w stop >/dev/null 2>&1
fi
rm -rf "$dir"
