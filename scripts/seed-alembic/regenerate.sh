#!/usr/bin/env bash
# Builds the seed's five revisions once with the real Alembic and regenerates the fixtures that
# prove our 001–005 faithful to it:
#   test/fixtures/seed-alembic/schema-005.sql      our describe-schema output of the Alembic-built database
#   test/fixtures/seed-alembic/alembic-005-dump.sql a plain pg_dump of it: the schema, its alembic_version row
#                                                   and the materialized view's REFRESH (it holds no other rows)
# Needs Debian's python3-alembic python3-sqlalchemy python3-psycopg2 and a PostgreSQL (default:
# Debian's 15, as docs/seed-notes.md used) whose initdb/pg_ctl/pg_dump are in PG_BIN. It runs a
# throw-away cluster in a temporary folder on a free port and removes it afterwards.
#   scripts/seed-alembic/regenerate.sh        (from the project root; as root the cluster runs as `postgres`)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PYTHON="${PYTHON:-/usr/bin/python3}"   # Debian's interpreter, which has the Debian packages
OUT="$ROOT/test/fixtures/seed-alembic"
DATABASE='play-later-db'               # the seed's name: its dashes exercise identifier quoting

for tool in initdb pg_ctl pg_dump; do
  [[ -x "$PG_BIN/$tool" ]] || { echo "error: $PG_BIN/$tool not found; set PG_BIN to a PostgreSQL bin folder" >&2; exit 1; }
done
"$PYTHON" -c 'import alembic, sqlalchemy, psycopg2' 2>/dev/null || {
  echo "error: $PYTHON lacks alembic/sqlalchemy/psycopg2; apt-get install python3-alembic python3-sqlalchemy python3-psycopg2" >&2
  exit 1
}

WORK="$(mktemp -d /tmp/seed-alembic-XXXXXX)"
PORT="$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
as_owner() { if [[ "$(id -u)" == 0 ]]; then chown -R postgres: "$WORK"; su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
cleanup() { as_owner "'$PG_BIN/pg_ctl' -D '$WORK/data' -m immediate stop" >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

as_owner "'$PG_BIN/initdb' -D '$WORK/data' -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8" >"$WORK/initdb.log"
as_owner "'$PG_BIN/pg_ctl' -D '$WORK/data' -w -l '$WORK/server.log' \
  -o '-p $PORT -c listen_addresses=localhost -c unix_socket_directories=$WORK -c fsync=off' start" >/dev/null
URL="postgresql://postgres@localhost:$PORT"
"$PG_BIN/psql" -q "$URL/postgres" -c "CREATE DATABASE \"$DATABASE\""

# The seed's Alembic, from its own folder (alembic.ini's script_location is relative).
(cd "$HERE" && PYTHONDONTWRITEBYTECODE=1 SEED_ALEMBIC_DATABASE_URL="postgresql+psycopg2://postgres@localhost:$PORT/$DATABASE" \
  "$PYTHON" -m alembic -c alembic.ini upgrade head)

mkdir -p "$OUT"
# The whole database, not --schema-only: it holds no application rows, and a full dump also carries
# the alembic_version row (as INSERT) and `REFRESH MATERIALIZED VIEW user_game_stats`, so a restore
# is populated like the database Alembic left (REFRESH … CONCURRENTLY fails on an unpopulated one).
# --no-owner/--no-privileges: the dump loads into a server whatever its roles. pg_dump 15.14+ writes
# psql-only \restrict/\unrestrict lines with a random key (CVE-2025-8714): they are dropped so the
# fixture is plain SQL any client can run and stays identical from one run to the next.
"$PG_BIN/pg_dump" --inserts --no-owner --no-privileges "$URL/$DATABASE" \
  | grep -v -E '^\\(un)?restrict ' >"$OUT/alembic-005-dump.sql"

(cd "$ROOT" && npx tsx scripts/dump-schema.ts --describe "$URL/$DATABASE" --out "$OUT/schema-005.sql")
echo "Regenerated $OUT (Alembic at $("$PG_BIN/psql" -tA "$URL/$DATABASE" -c 'SELECT version_num FROM alembic_version'))"
