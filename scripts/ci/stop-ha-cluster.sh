#!/usr/bin/env bash
# Stops what start-ha-cluster.sh started (each node's Patroni, any PostgreSQL left running, then
# etcd) and removes its folder. Safe to call twice or when start-up failed half-way.
dir="${1:-${PLAY_LATER_TEST_CLUSTER_DIR:-}}"
[ -n "$dir" ] && [ -d "$dir" ] || exit 0
case "$(basename "$dir")" in plt-ha-cluster.*) ;; *) echo "refusing to remove $dir" >&2; exit 1 ;; esac

as_server_user() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

stop_pid_file() {
  local file=$1 pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null
}

# Patroni stops its PostgreSQL on SIGTERM; the nodes in parallel.
for node in "$dir"/node*; do stop_pid_file "$node/patroni.pid" & done
wait
for data in "$dir"/node*/data; do
  [ -f "$data/postmaster.pid" ] && as_server_user /usr/lib/postgresql/15/bin/pg_ctl -D "$data" -m immediate -w stop >/dev/null 2>&1
done
stop_pid_file "$dir/etcd.pid"
rm -rf "$dir"
