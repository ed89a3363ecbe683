#!/usr/bin/env bash
# Starts a throw-away high-availability PostgreSQL cluster for the tests: one etcd (v2 API) and
# three Patroni-managed PostgreSQL 15 nodes (a primary and two streaming replicas), on random free
# ports of 127.0.0.1 only, in a temp folder. Source it to get the variables in your shell (`.ci/run`
# does), in the style of start-test-servers.sh:
#
#   source scripts/ci/start-ha-cluster.sh      # exports the variables below
#   npx vitest run test/scale-out
#   scripts/ci/stop-ha-cluster.sh              # or let .ci/run's trap do it
#
# or run it and eval what it prints: eval "$(scripts/ci/start-ha-cluster.sh)".
#
# Exports
#   PLAY_LATER_TEST_CLUSTER_URLS     each node's direct superuser URL (database "postgres"), space
#                                    separated, node1 first (node1 bootstraps as the primary)
#   PLAY_LATER_TEST_CLUSTER_PATRONI  the patronictl configuration file (etcd, scope); each node's
#                                    REST endpoint is in PLAY_LATER_TEST_CLUSTER_REST
#   PLAY_LATER_TEST_CLUSTER_REST     each node's Patroni REST endpoint (http://127.0.0.1:port), same order
#   PLAY_LATER_TEST_CLUSTER_DIR      the folder (data, configuration, logs, and nodeN/start.sh that
#                                    restarts a stopped node's Patroni); the stop script removes it
#
# Everything runs as the `postgres` system user when run as root (Patroni and PostgreSQL refuse
# root), as you otherwise. Written to be sourced: no `set -e`, no `exit`; every step checks its
# own status, and a failed start stops what it had started.

plt_ha_log() { echo "== ha cluster: $*" >&2; }

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Starts a program in the background as the server user, detached from this shell, and records
# the program's own pid (not runuser's) in $pidfile.
plt_ha_spawn() {
  local pidfile=$1 logfile=$2
  shift 2
  # The log is opened by the server user, so that the node's start.sh can append to it later.
  plt_as_server_user setsid sh -c 'pidfile=$0 log=$1; shift; echo $$ >"$pidfile"; exec "$@" >>"$log" 2>&1' "$pidfile" "$logfile" "$@" </dev/null >/dev/null 2>&1 &
}

plt_ha_wait() {
  local what=$1 tries=$2
  shift 2
  local n=0
  until "$@" >/dev/null 2>&1; do
    n=$((n + 1))
    if [ $n -ge "$tries" ]; then plt_ha_log "$what: not ready in time"; return 1; fi
    sleep 0.5
  done
}

plt_ha_node_config() {
  local dir=$1 node=$2 pg_port=$3 rest_port=$4 etcd_port=$5 password=$6 replication_password=$7
  cat <<YAML
scope: plt
namespace: /play-later-test/
name: $node
log:
  level: INFO
restapi:
  listen: 127.0.0.1:$rest_port
  connect_address: 127.0.0.1:$rest_port
etcd:
  host: 127.0.0.1:$etcd_port
bootstrap:
  dcs:
    # Short so that a failover takes seconds in the tests (ttl >= loop_wait + 2 * retry_timeout).
    ttl: 20
    loop_wait: 2
    retry_timeout: 5
    maximum_lag_on_failover: 104857600
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        max_connections: 200
        wal_level: replica
        hot_standby: 'on'
        wal_log_hints: 'on'
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 1GB
        # Throw-away data: fsync off for speed. full_page_writes stays on: pg_rewind, which
        # brings a crashed primary back as a replica, refuses to run without it.
        fsync: 'off'
  initdb:
  - encoding: UTF8
  - locale: C.UTF-8
  - auth: scram-sha-256
postgresql:
  listen: 127.0.0.1:$pg_port
  connect_address: 127.0.0.1:$pg_port
  data_dir: $dir/$node/data
  # A node that cannot be rewound is cloned again from the primary rather than left apart.
  remove_data_directory_on_rewind_failure: true
  remove_data_directory_on_diverged_timelines: true
  bin_dir: /usr/lib/postgresql/15/bin
  pgpass: $dir/$node/pgpass
  authentication:
    superuser:
      username: postgres
      password: $password
    replication:
      username: replicator
      password: $replication_password
    rewind:
      username: postgres
      password: $password
  parameters:
    unix_socket_directories: $dir/$node
  pg_hba:
  - local all all scram-sha-256
  - host replication replicator 127.0.0.1/32 scram-sha-256
  - host all all 127.0.0.1/32 scram-sha-256
YAML
}

plt_start_ha_cluster() {
  plt_install_debian_packages plt_ha_log postgresql-15 etcd-server patroni || return 1
  local dir etcd_port etcd_peer_port password replication_password node i
  dir=$(mktemp -d "${TMPDIR:-/tmp}/plt-ha-cluster.XXXXXX") || return 1
  chmod 700 "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  export PLAY_LATER_TEST_CLUSTER_DIR="$dir"
  etcd_port=$(plt_free_port) && etcd_peer_port=$(plt_free_port) || return 1
  password=$(node -e "console.log(require('crypto').randomBytes(16).toString('hex'))") || return 1
  replication_password=$(node -e "console.log(require('crypto').randomBytes(16).toString('hex'))") || return 1

  plt_ha_spawn "$dir/etcd.pid" "$dir/etcd.log" etcd --name plt-etcd --data-dir "$dir/etcd" --enable-v2 \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster "plt-etcd=http://127.0.0.1:$etcd_peer_port"
  plt_ha_wait "etcd" 40 curl -fsS "http://127.0.0.1:$etcd_port/v2/keys" \
    || { tail -20 "$dir/etcd.log" >&2; return 1; }

  local urls=() rests=()
  for i in 1 2 3; do
    node="node$i"
    local pg_port rest_port
    pg_port=$(plt_free_port) && rest_port=$(plt_free_port) || return 1
    mkdir -p "$dir/$node" && chmod 700 "$dir/$node" || return 1
    plt_ha_node_config "$dir" "$node" "$pg_port" "$rest_port" "$etcd_port" "$password" "$replication_password" >"$dir/$node/patroni.yml" || return 1
    # Restarts this node's Patroni after a test stopped it (e.g. a hard failover).
    printf '#!/bin/sh\nsetsid sh -c %q >>%q 2>&1 </dev/null &\n' "echo \$\$ >$dir/$node/patroni.pid; exec patroni $dir/$node/patroni.yml" "$dir/$node/patroni.log" >"$dir/$node/start.sh"
    chmod 700 "$dir/$node/start.sh"
    chmod 600 "$dir/$node/patroni.yml"
    [ "$(id -u)" = 0 ] && chown -R postgres: "$dir/$node"
    urls+=("postgresql://postgres:$password@127.0.0.1:$pg_port/postgres")
    rests+=("http://127.0.0.1:$rest_port")
    plt_ha_spawn "$dir/$node/patroni.pid" "$dir/$node/patroni.log" patroni "$dir/$node/patroni.yml"
    # node1 bootstraps the cluster; the replicas are started once it leads, so it is the primary.
    if [ "$i" = 1 ]; then
      plt_ha_wait "node1 as primary" 120 curl -fsS "${rests[0]}/primary" || { tail -30 "$dir/$node/patroni.log" >&2; return 1; }
    fi
  done
  for i in 2 3; do
    plt_ha_wait "node$i streaming" 180 curl -fsS "${rests[$((i - 1))]}/replica?lag=16MB" \
      || { tail -30 "$dir/node$i/patroni.log" >&2; return 1; }
  done
  # patronictl's own configuration: the same etcd and scope as the nodes.
  printf 'scope: plt\nnamespace: /play-later-test/\netcd:\n  host: 127.0.0.1:%s\n' "$etcd_port" >"$dir/patronictl.yml"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir/patronictl.yml"

  export PLAY_LATER_TEST_CLUSTER_URLS="${urls[*]}"
  export PLAY_LATER_TEST_CLUSTER_REST="${rests[*]}"
  export PLAY_LATER_TEST_CLUSTER_PATRONI="$dir/patronictl.yml"
  plt_ha_log "etcd $(etcd --version | awk 'NR==1{print $3}') on 127.0.0.1:$etcd_port, $(patroni --version) with 3 PostgreSQL 15 nodes (${urls[*]//postgres:$password@/}), files in $dir"
}

if plt_start_ha_cluster; then
  if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    printf 'export %s=%q\n' PLAY_LATER_TEST_CLUSTER_DIR "$PLAY_LATER_TEST_CLUSTER_DIR" \
      PLAY_LATER_TEST_CLUSTER_URLS "$PLAY_LATER_TEST_CLUSTER_URLS" \
      PLAY_LATER_TEST_CLUSTER_REST "$PLAY_LATER_TEST_CLUSTER_REST" \
      PLAY_LATER_TEST_CLUSTER_PATRONI "$PLAY_LATER_TEST_CLUSTER_PATRONI"
  fi
  true
else
  plt_ha_log "start-up failed; stopping what was started"
  "$(dirname "${BASH_SOURCE[0]}")/stop-ha-cluster.sh" "${PLAY_LATER_TEST_CLUSTER_DIR:-}"
  unset PLAY_LATER_TEST_CLUSTER_DIR PLAY_LATER_TEST_CLUSTER_URLS PLAY_LATER_TEST_CLUSTER_REST PLAY_LATER_TEST_CLUSTER_PATRONI
  [ "${BASH_SOURCE[0]}" = "$0" ] && exit 1
  false
fi
