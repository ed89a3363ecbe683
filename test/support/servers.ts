/**
 * The PostgreSQL servers the tests run against. The embedded PostgreSQL 18 is always there (started
 * by global-setup.ts); Debian's PostgreSQL 15 and a PgBouncer in transaction mode are used where
 * their URLs are set (scripts/ci/start-test-servers.sh sets both). Under CI=true a missing URL is a
 * failing test naming the variable to set; elsewhere it is a skipped test saying the same.
 */
import { describe, inject, it } from 'vitest';

export type ServerKind = 'embedded' | 'pg15' | 'pgbouncer';

export interface TestServer {
  kind: ServerKind;
  name: string;
  /**
   * Direct superuser URL (database "postgres") of the PostgreSQL server itself: tests create and
   * drop databases of their own through it (CREATE DATABASE … TEMPLATE needs a direct session).
   */
  adminUrl: string;
  /** The URL clients use, database "postgres": through PgBouncer for the pgbouncer server. */
  clientUrl: string;
}

export const EXTERNAL_SERVER_VARIABLES = {
  pg15: 'PLAY_LATER_TEST_PG15_URL',
  pgbouncer: 'PLAY_LATER_TEST_PGBOUNCER_URL',
} as const;
type ExternalKind = keyof typeof EXTERNAL_SERVER_VARIABLES;

/** Whether the suite must fail rather than skip when a server is missing. */
export const REQUIRE_ALL_SERVERS = process.env.CI === 'true';

export function embeddedServer(): TestServer {
  const url = inject('embeddedAdminUrl');
  return { kind: 'embedded', name: 'embedded PostgreSQL 18', adminUrl: url, clientUrl: url };
}

/**
 * An external server from the environment, or undefined when a variable it needs is not set.
 * PgBouncer's admin URL is PostgreSQL 15's, the server behind it (as in CI): creating a database
 * from a template through the pooler would leave pooled sessions on the template behind.
 */
export function externalServer(kind: ExternalKind, env: NodeJS.ProcessEnv = process.env): TestServer | undefined {
  const direct = env[EXTERNAL_SERVER_VARIABLES.pg15];
  if (!direct) return undefined;
  if (kind === 'pg15') return { kind, name: 'PostgreSQL 15', adminUrl: direct, clientUrl: direct };
  const pooled = env[EXTERNAL_SERVER_VARIABLES.pgbouncer];
  return pooled ? { kind, name: 'PgBouncer (transaction pooling)', adminUrl: direct, clientUrl: pooled } : undefined;
}

/** The variable(s) a server still needs. */
function missingVariables(kind: ExternalKind, env: NodeJS.ProcessEnv = process.env): string {
  const needed = kind === 'pg15' ? ['pg15' as const] : ['pgbouncer' as const, 'pg15' as const];
  return needed
    .map((k) => EXTERNAL_SERVER_VARIABLES[k])
    .filter((name) => !env[name])
    .join(' and ');
}

/** A second PgBouncer (transaction pooling, 3 server connections per database) in front of PostgreSQL 15. */
export const SMALL_POOL_VARIABLE = 'PLAY_LATER_TEST_PGBOUNCER_SMALL_POOL_URL';

/** The small-pool PgBouncer (its admin URL is PostgreSQL 15's), or undefined when not configured. */
export function smallPoolServer(env: NodeJS.ProcessEnv = process.env): TestServer | undefined {
  const direct = env[EXTERNAL_SERVER_VARIABLES.pg15];
  const pooled = env[SMALL_POOL_VARIABLE];
  return direct && pooled ? { kind: 'pgbouncer', name: 'PgBouncer (transaction pooling, pool size 3)', adminUrl: direct, clientUrl: pooled } : undefined;
}

/** Runs `suite` against the small-pool PgBouncer; missing, it is skipped (or fails under CI=true), naming the variables. */
export function describeWithSmallPool(title: string, suite: (server: TestServer) => void): void {
  const server = smallPoolServer();
  if (server) {
    describe(`${title} [${server.name}]`, () => suite(server));
    return;
  }
  const reason = `${title}: set ${SMALL_POOL_VARIABLE} and ${EXTERNAL_SERVER_VARIABLES.pg15} to run it (scripts/ci/start-test-servers.sh sets both)`;
  if (REQUIRE_ALL_SERVERS) {
    it(reason, () => {
      throw new Error(`Not set, and CI=true requires every test server. ${reason}.`);
    });
  } else {
    it.skip(reason, () => undefined);
  }
}

/** Every configured external server (used by the global setup, which has no inject()). */
export function configuredExternalServers(env: NodeJS.ProcessEnv = process.env): TestServer[] {
  return (Object.keys(EXTERNAL_SERVER_VARIABLES) as ExternalKind[]).flatMap((kind) => externalServer(kind, env) ?? []);
}

/** The servers a suite runs on; a missing one carries the variable to set. */
export function testServers(): Array<{ kind: ServerKind; server: TestServer } | { kind: ExternalKind; missing: string }> {
  return [
    { kind: 'embedded', server: embeddedServer() },
    ...(Object.keys(EXTERNAL_SERVER_VARIABLES) as ExternalKind[]).map((kind) => {
      const server = externalServer(kind);
      return server ? { kind, server } : { kind, missing: missingVariables(kind) };
    }),
  ];
}

/**
 * Runs `suite` once per server, inside a describe named after it. A server that is not configured
 * becomes one skipped test (or, under CI=true, one failing test) that names the variable to set.
 */
export function describeOnEachServer(
  title: string,
  suite: (server: TestServer) => void,
  options: { kinds?: readonly ServerKind[] } = {},
): void {
  for (const entry of testServers()) {
    if (options.kinds && !options.kinds.includes(entry.kind)) continue;
    if ('server' in entry) {
      describe(`${title} [${entry.server.name}]`, () => suite(entry.server));
      continue;
    }
    describeMissing(`${title} [${entry.kind}]`, entry.missing, 'README, "Testing against PostgreSQL 15 and PgBouncer"');
  }
}

/**
 * What a suite whose server is not configured becomes: one skipped test naming the variable(s) to
 * set, or, under CI=true, one failing test saying the same.
 */
export function describeMissing(title: string, missing: string, see: string): void {
  const reason = `${title}: set ${missing} to run it (see ${see})`;
  if (REQUIRE_ALL_SERVERS) {
    it(reason, () => {
      throw new Error(`${missing} not set, and CI=true requires every test server. ${reason}.`);
    });
  } else {
    it.skip(reason, () => undefined);
  }
}
