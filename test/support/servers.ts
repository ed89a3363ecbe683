/**
 * The PostgreSQL servers the tests run against. The embedded PostgreSQL 18 is always there (started
 * by global-setup.ts); Debian's PostgreSQL 15 and a PgBouncer in transaction mode are used where
 * their URLs are set. Under CI=true a missing URL is a failure, never a silent skip.
 */
import { inject } from 'vitest';

export interface TestServer {
  name: string;
  /** Admin URL (database "postgres"): tests create and drop databases of their own through it. */
  adminUrl: string;
}

export const EXTERNAL_SERVER_VARIABLES = {
  pg15: 'PLAY_LATER_TEST_PG15_URL',
  pgbouncer: 'PLAY_LATER_TEST_PGBOUNCER_URL',
} as const;

export function embeddedServer(): TestServer {
  return { name: 'embedded-pg18', adminUrl: inject('embeddedAdminUrl') };
}

/** An external server by its variable, or undefined (with the reason) when it is not configured. */
export function externalServer(kind: keyof typeof EXTERNAL_SERVER_VARIABLES): TestServer | undefined {
  const url = process.env[EXTERNAL_SERVER_VARIABLES[kind]];
  return url ? { name: kind, adminUrl: url } : undefined;
}

/** Whether the suite must fail rather than skip when a server is missing. */
export const REQUIRE_ALL_SERVERS = process.env.CI === 'true';

/** For it.skipIf: skip only when the server is not configured and CI does not require it. */
export function skipWithoutServer(kind: keyof typeof EXTERNAL_SERVER_VARIABLES): boolean {
  return externalServer(kind) === undefined && !REQUIRE_ALL_SERVERS;
}

/** The configured server; when it is missing (under CI=true) the test that needs it fails, saying which variable to set. */
export function requireExternalServer(kind: keyof typeof EXTERNAL_SERVER_VARIABLES): TestServer {
  const server = externalServer(kind);
  if (!server) throw new Error(`${EXTERNAL_SERVER_VARIABLES[kind]} is not set, and CI=true requires the ${kind} server.`);
  return server;
}
