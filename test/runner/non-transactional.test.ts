/** Item 4 of issue 3: how non-transactional revisions refuse what they cannot do safely. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Migrator } from '../../src/runner/migrator.js';
import { readHeads } from '../../src/runner/version-table.js';
import { concurrentIndexFixture, projectRevisions, revisionsDirWith } from '../support/revision-fixtures.js';
import { runCli } from '../support/run-cli.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** The project's own revisions: the fixtures below go after its head. */
const PROJECT = await projectRevisions();

const fixtures = revisionsDirWith([concurrentIndexFixture('901_fixture_concurrent_index', PROJECT.head)]);
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase({ from: 'head' });
});
afterAll(async () => {
  await database?.drop();
  fixtures.cleanup();
});

describe('non-transactional revisions', () => {
  it('need a direct URL: without one the runner stops before them with E_DIRECT_URL_REQUIRED', async () => {
    const client = await database.connect();
    await expect(new Migrator({ revisionsDir: fixtures.dir, client }).upgrade('head')).rejects.toMatchObject({
      code: 'E_DIRECT_URL_REQUIRED',
      message: expect.stringContaining('Revision 901_fixture_concurrent_index is non-transactional'),
    });
    expect(await readHeads(client)).toEqual([PROJECT.head]);
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
