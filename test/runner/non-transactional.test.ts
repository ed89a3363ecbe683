/**
 * Item 4 of issue 3 and item 3 of issue 8: non-transactional revisions run with one URL (no direct
 * one) under the migration lease, journaling what they send; what they cannot do safely is refused
 * before anything runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Migrator } from '../../src/runner/migrator.js';
import { readHeads } from '../../src/runner/version-table.js';
import { concurrentIndexFixture, projectRevisions, revisionsDirWith } from '../support/revision-fixtures.js';
import { runCli } from '../support/run-cli.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** The project's own revisions: the fixtures below go after its head. */
const PROJECT = await projectRevisions();

const fixtures = revisionsDirWith([concurrentIndexFixture('901_fixture_concurrent_index', PROJECT.head)]);
/** A transactional revision, then one that relies on session state. */
const sessionFixtures = revisionsDirWith([
  { id: '901_fixture_plain', parent: PROJECT.head, up: 'await sql`CREATE TABLE fixture_plain (id integer)`.execute(db);', down: 'await sql`DROP TABLE fixture_plain`.execute(db);' },
  {
    id: '902_fixture_session',
    parent: '901_fixture_plain',
    transactional: false,
    exports: 'export const needsDirectConnection = true;',
    up: "await sql`SET work_mem = '64MB'`.execute(db); await sql`CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_fixture_plain ON fixture_plain (id)`.execute(db);",
    down: 'await sql`DROP INDEX CONCURRENTLY IF EXISTS idx_fixture_plain`.execute(db);',
  },
]);
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase({ from: 'head' });
});
afterAll(async () => {
  await database?.drop();
  fixtures.cleanup();
  sessionFixtures.cleanup();
});

describe('non-transactional revisions', () => {
  it('run with one URL: no direct URL needed, every statement journaled in the history row before it was sent', async () => {
    const client = await database.connect();
    const migrator = new Migrator({ revisionsDir: fixtures.dir, client });
    const result = await migrator.upgrade('head');
    expect(result.steps.map((step) => step.revision)).toEqual(['901_fixture_concurrent_index']);
    expect(await readHeads(client)).toEqual(['901_fixture_concurrent_index']);
    const runs = await client.query(
      `SELECT status, journal, lease_expires_at FROM play_later_revision_history WHERE revision = '901_fixture_concurrent_index'`,
    );
    expect(runs.rows).toEqual([{ status: 'done', journal: ['CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_fixture_games_created ON games (created_at)'], lease_expires_at: null }]);
    await migrator.downgrade(PROJECT.head);
    expect(await readHeads(client)).toEqual([PROJECT.head]);
  });

  it('that need a direct connection are refused without DIRECT_DATABASE_URL (E_DIRECT_URL_REQUIRED) before anything runs', async () => {
    const result = await runCli(['upgrade', 'head'], { env: sessionFixtures.env(database.url) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error E_DIRECT_URL_REQUIRED: Revision(s) 902_fixture_session declare needsDirectConnection');
    const client = await database.connect();
    expect(await readHeads(client)).toEqual([PROJECT.head]);
    expect((await client.query(`SELECT to_regclass('fixture_plain') AS found`)).rows).toEqual([{ found: null }]);

    const direct = await runCli(['upgrade', 'head'], { env: sessionFixtures.env(database.url, { DIRECT_DATABASE_URL: database.directUrl }) });
    expect(direct.code, direct.stderr).toBe(0);
    expect(await readHeads(client)).toEqual(['902_fixture_session']);
    expect((await runCli(['downgrade', PROJECT.head], { env: sessionFixtures.env(database.url, { DIRECT_DATABASE_URL: database.directUrl }) })).code).toBe(0);
  });

  it('refuse a direct URL that reaches another database (E_DIRECT_URL_REQUIRED), before running anything', async () => {
    const other = await createTestDatabase({ from: 'empty' });
    try {
      const result = await runCli(['upgrade', 'head'], { env: fixtures.env(database.url, { DIRECT_DATABASE_URL: other.url }) });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`error E_DIRECT_URL_REQUIRED: DIRECT_DATABASE_URL reaches ${other.name} (oid`);
      expect(result.stderr).toContain(`not the database being migrated, ${database.name} (oid`);
    } finally {
      await other.drop();
    }
    const client = await database.connect();
    expect(await readHeads(client)).toEqual([PROJECT.head]);
  });

  it('cannot run inside --single-transaction (exit 2, nothing applied)', async () => {
    const result = await runCli(['upgrade', 'head', '--single-transaction'], { env: fixtures.env(database.url) });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error E_USAGE: Revision 901_fixture_concurrent_index is non-transactional; it cannot run inside --single-transaction/);
    const client = await database.connect();
    expect(await readHeads(client)).toEqual([PROJECT.head]);
  });
});
