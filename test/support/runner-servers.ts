import { withDatabase as urlWith } from '../../src/db/database-url.js';
import { EXTERNAL_SERVER_VARIABLES, REQUIRE_ALL_SERVERS, embeddedServer, externalServer, type TestServer } from './servers.js';

/** A way to reach PostgreSQL for runner tests: the server itself, or PgBouncer in front of PG15. */
export interface RunnerTarget {
  name: string;
  /** Where test databases are created (always a direct connection). */
  server: TestServer | undefined;
  /** The URL the runner gets for a database: direct, or through PgBouncer. */
  runnerUrl(database: string): string;
  /** DIRECT_DATABASE_URL for that database, when the runner URL is pooled. */
  directUrl(database: string): string | undefined;
  /** Set when the target is not configured: the variable to set. */
  missing: string | undefined;
}

/** The embedded PG18, Debian's PG15 and PgBouncer (transaction pooling) in front of PG15. */
export function runnerTargets(): RunnerTarget[] {
  const embedded = embeddedServer();
  const pg15 = externalServer('pg15');
  const pgbouncer = externalServer('pgbouncer');
  return [
    { name: embedded.name, server: embedded, runnerUrl: (db) => urlWith(embedded.adminUrl, db), directUrl: () => undefined, missing: undefined },
    {
      name: 'pg15',
      server: pg15,
      runnerUrl: (db) => urlWith(pg15!.adminUrl, db),
      directUrl: () => undefined,
      missing: pg15 ? undefined : EXTERNAL_SERVER_VARIABLES.pg15,
    },
    {
      name: 'pgbouncer (transaction pooling) -> pg15',
      server: pg15,
      runnerUrl: (db) => urlWith(pgbouncer!.adminUrl, db),
      directUrl: (db) => urlWith(pg15!.adminUrl, db),
      missing: !pgbouncer ? EXTERNAL_SERVER_VARIABLES.pgbouncer : !pg15 ? EXTERNAL_SERVER_VARIABLES.pg15 : undefined,
    },
  ];
}

/** Skipped with the variable to set, except under CI=true, where a missing server fails. */
export function skipReason(target: RunnerTarget): string | undefined {
  if (!target.missing || REQUIRE_ALL_SERVERS) return undefined;
  return `set ${target.missing} to run these tests on ${target.name}`;
}
