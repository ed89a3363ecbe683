/**
 * Issue 8, item 2: a transactional revision cannot end the runner's transaction. Its
 * db.transaction() is a savepoint, a raw COMMIT is refused before it is sent; with --single-transaction
 * and in lint's capture too. Fixtures: test/fixtures/revisions-nested-transaction.
 */
import type pg from 'pg';
import { expect, it } from 'vitest';
import { connect, disconnect } from '../../src/db/connect.js';
import { captureRevisionSql } from '../../src/lint/capture-revision-sql.js';
import { loadRevisions } from '../../src/runner/load-revisions.js';
import { MIGRATION_LOCK_KEY } from '../../src/runner/migration-lock.js';
import { RevisionGraph } from '../../src/runner/revision-graph.js';
import { readHeads } from '../../src/runner/version-table.js';
import { expectCliError } from '../support/expect-cli.js';
import { fixtureDir } from '../support/revision-folders.js';
import { runCli, startCli } from '../support/run-cli.js';
import { describeOnEachServer } from '../support/servers.js';
import { useTestDatabases, type TestDatabase } from '../support/test-database.js';

const FOLDER = fixtureDir('revisions-nested-transaction');
/** The advisory lock 002_nested_throws waits for after its nested transaction. */
const NESTED_GATE_KEY = 4_242_001;

describeOnEachServer('a transactional revision cannot end the runner\'s transaction', (server) => {
  const testDatabase = useTestDatabases(server);
  const env = (database: TestDatabase): NodeJS.ProcessEnv => ({ DATABASE_URL: database.url, PLAY_LATER_REVISIONS_DIR: FOLDER });

  async function exists(client: pg.Client, table: string): Promise<boolean> {
    return (await client.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [table])).rows[0]!.found;
  }

  async function migrationLockHolders(client: pg.Client): Promise<number> {
    const result = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = $1 AND objid = $2 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [Number(MIGRATION_LOCK_KEY >> 32n), Number(MIGRATION_LOCK_KEY & 0xffffffffn)],
    );
    return result.rows[0]!.n;
  }

  for (const single of [false, true]) {
    const mode = single ? ' (--single-transaction)' : '';
    it(`db.transaction() then a throw${mode}: no second runner enters meanwhile, nothing stays, the hint says so`, async () => {
      const database = await testDatabase('empty');
      const observer = await database.connect();
      if (!single) expect((await runCli(['upgrade', '001_before'], { env: env(database) })).code).toBe(0);
      // The gate is a session lock: it goes straight to PostgreSQL, never through the pooler.
      const gate = await connect(database.directUrl);
      try {
        await gate.query('SELECT pg_advisory_lock($1)', [NESTED_GATE_KEY]);
        const first = startCli(['--lock-timeout', '0', 'upgrade', '002_nested_throws', ...(single ? ['--single-transaction'] : [])], { env: env(database) });
        await first.waitForStderr(/waiting at the gate/);

        // Inside the revision, after its nested transaction: the lock is still held, the table not committed.
        expect(await migrationLockHolders(observer)).toBe(1);
        expect(await exists(observer, 'nested_created')).toBe(false);
        const second = await runCli(['--json', '--lock-wait', '500', 'upgrade', '002_nested_throws'], { env: env(database) });
        expectCliError(second, 'E_LOCK_TIMEOUT', 1);

        await gate.query('SELECT pg_advisory_unlock($1)', [NESTED_GATE_KEY]);
        const result = await first.result;
        expectCliError(result, 'E_REVISION_FAILED', 1);
        expect(result.stderr).toContain('fixture: failing after the nested transaction');
        expect(result.stderr).toContain(
          single ? 'nothing of this run was kept (--single-transaction)' : 'The database stays at the revision before 002_nested_throws; nothing of 002_nested_throws was kept.',
        );
      } finally {
        await disconnect(gate);
      }
      expect(await exists(observer, 'nested_created')).toBe(false);
      expect(await exists(observer, 'nested_before')).toBe(!single);
      expect(await readHeads(observer)).toEqual(single ? [] : ['001_before']);
      if (!single) {
        const runs = await observer.query(`SELECT revision FROM play_later_revision_history WHERE direction = 'up' ORDER BY id`);
        expect(runs.rows).toEqual([{ revision: '001_before' }]);
      }
    });
  }

  it('a raw COMMIT in a multi-statement string is refused before it is sent', async () => {
    const database = await testDatabase('empty');
    const observer = await database.connect();
    const result = await runCli(['--json', 'upgrade', '003_raw_commit'], { env: env(database) });
    expectCliError(result, 'E_REVISION_FAILED', 1);
    expect(result.stderr).toContain('COMMIT refused before it was sent');
    expect(await exists(observer, 'raw_commit_created')).toBe(false);
    expect(await readHeads(observer)).toEqual(['001_before']);
  });

  it("in lint's capture: the nested transaction is a savepoint, rolled back with the failing revision", async () => {
    const database = await testDatabase('empty');
    const observer = await database.connect();
    const graph = new RevisionGraph(await loadRevisions(FOLDER));
    const client = await connect(database.url);
    try {
      await expect(captureRevisionSql(client, graph)).rejects.toMatchObject({
        code: 'E_LINT',
        message: expect.stringContaining('Revision 002_nested_throws failed on an empty scratch database'),
      });
    } finally {
      await disconnect(client);
    }
    expect(await exists(observer, 'nested_before')).toBe(true);
    expect(await exists(observer, 'nested_created')).toBe(false);
  });
});
