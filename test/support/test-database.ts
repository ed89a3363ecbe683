import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { afterAll } from 'vitest';
import { connect, disconnect } from '../../src/db/connect.js';
import { withDatabase as urlWith } from '../../src/db/database-url.js';
import { embeddedServer, type TestServer } from './servers.js';
import { HEAD_TEMPLATE, SEED_REVISION, SEED_TEMPLATE } from './template-databases.js';

/** Runs `work` on a connection of its own to `url`, closed afterwards whatever happens. */
export async function withConnection<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connect(url);
  try {
    return await work(client);
  } finally {
    await disconnect(client);
  }
}

export interface TestDatabase {
  name: string;
  /** What clients use: through PgBouncer on the pgbouncer server, else direct. */
  url: string;
  /** Direct to the PostgreSQL server (a superuser session), whatever the server kind. */
  directUrl: string;
  server: TestServer;
  /** Opens a connection through `url`; closed by drop(). */
  connect(): Promise<pg.Client>;
  drop(): Promise<void>;
}

/** Where a test database starts: head, the seed's last revision (005) exactly, or empty. */
export type TestDatabaseStart = 'head' | typeof SEED_REVISION | 'empty';

const TEMPLATES: Record<TestDatabaseStart, string> = {
  head: HEAD_TEMPLATE,
  [SEED_REVISION]: SEED_TEMPLATE,
  empty: 'template0',
};

/**
 * A database of the test's own: a clone of a template (head, or the seed's 005), or an empty one.
 * Tests only ever create and drop databases like this one.
 */
export async function createTestDatabase(
  options: { from?: TestDatabaseStart; server?: TestServer } = {},
): Promise<TestDatabase> {
  const server = options.server ?? embeddedServer();
  const name = `plt_test_${randomBytes(5).toString('hex')}`;
  const admin = await connect(server.adminUrl);
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATES[options.from ?? 'head']}`);
  } finally {
    await disconnect(admin);
  }
  const url = urlWith(server.clientUrl, name);
  const clients: pg.Client[] = [];
  return {
    name,
    url,
    directUrl: urlWith(server.adminUrl, name),
    server,
    async connect() {
      const client = await connect(url);
      clients.push(client);
      return client;
    },
    async drop() {
      await Promise.all(clients.map((client) => disconnect(client)));
      const adminClient = await connect(server.adminUrl);
      try {
        // FORCE also ends PgBouncer's pooled sessions on it.
        await adminClient.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await disconnect(adminClient);
      }
    },
  };
}

/**
 * For a suite that makes many databases on one server: `create` makes one, and every one made is
 * dropped after the suite.
 */
export function useTestDatabases(server: TestServer | (() => TestServer)): (from?: 'head' | 'empty') => Promise<TestDatabase> {
  const made: TestDatabase[] = [];
  afterAll(async () => {
    await Promise.all(made.map((database) => database.drop()));
  });
  return async (from = 'head') => {
    const database = await createTestDatabase({ from, server: typeof server === 'function' ? server() : server });
    made.push(database);
    return database;
  };
}
