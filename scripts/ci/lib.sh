#!/usr/bin/env bash
# Shell helpers shared by start-test-servers.sh and start-ha-cluster.sh (sourced by both, and by
# .ci/run). Written to be sourced: no `set -e`, no `exit`.

# Runs a command as the `postgres` system user when we are root (PostgreSQL, PgBouncer, Patroni and
# etcd's data all refuse root or should not belong to it), as the caller otherwise.
plt_as_server_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

plt_free_port() {
  node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# The Debian packages a test server needs, each with the file that shows it is installed.
plt_package_present() {
  case "$1" in
    postgresql-15) [ -x /usr/lib/postgresql/15/bin/initdb ] ;;
    pgbouncer) command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] ;;
    etcd-server) command -v etcd >/dev/null ;;
    patroni) command -v patroni >/dev/null ;;
    *) return 1 ;;
  esac
}

# Installs the packages of "$@" that are missing, in one apt-get call, and never upgrades one that
# is installed: an upgrade of postgresql-15 under a running test server replaces its libraries
# (plpgsql.so of 15.20 in a 15.18 postmaster fails with "undefined symbol"). .ci/run calls it once
# with every package before it starts anything. As another user than root it names what to install.
plt_install_debian_packages() {
  local log=$1 missing=() package
  shift
  for package in "$@"; do plt_package_present "$package" || missing+=("$package"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    "$log" "missing ${missing[*]}: install them (sudo apt-get install -y ${missing[*]}) and run again"
    return 1
  fi
  "$log" "installing ${missing[*]}"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-upgrade "${missing[@]}"; } >&2 || return 1
  for package in "${missing[@]}"; do
    plt_package_present "$package" || { "$log" "$package: installed, but its program is not where expected"; return 1; }
  done
}
