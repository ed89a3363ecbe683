/**
 * Item 2 of issue 3: ten runners at once, directly and through PgBouncer in transaction pooling
 * mode; E_LOCK_TIMEOUT after the configured wait; upgrade racing downgrade ends consistent.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATION_LOCK_KEY } from '../../src/runner/migration-lock.js';
import { describeSchema } from '../../src/schema/describe-schema.js';
import { concurrentIndexFixture, projectRevisions, revisionsDirWith } from '../support/revision-fixtures.js';
import { runCli, type CliResult } from '../support/run-cli.js';
import { describeOnEachServer } from '../support/servers.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** The project's own revisions: the fixtures below go after its head. */
const PROJECT = await projectRevisions();

const HEAD = '902_fixture_after_index';
const fixtures = revisionsDirWith([
  concurrentIndexFixture('901_fixture_concurrent_index', PROJECT.head),
  {
    id: HEAD,
    parent: '901_fixture_concurrent_index',
    up: `await sql\`CREATE TABLE fixture_counter (id integer PRIMARY KEY)\`.execute(db); await sql\`INSERT INTO fixture_counter VALUES (1)\`.execute(db);`,
    down: `await sql\`DROP TABLE fixture_counter\`.execute(db);`,
  },
]);
afterAll(() => fixtures.cleanup());

describeOnEachServer('concurrent runners', (server) => {
  let database: TestDatabase;
  let client: pg.Client;
  const cli = (args: string[]): Promise<CliResult> =>
    runCli(['--json', ...args], {
      // Behind PgBouncer the non-transactional fixture needs the direct URL; elsewhere DATABASE_URL is direct.
      env: fixtures.env(database.url, { DIRECT_DATABASE_URL: server.kind === 'pgbouncer' ? database.directUrl : undefined }),
      timeoutMs: 120_000,
    });

  beforeAll(async () => {
    database = await createTestDatabase({ from: 'empty', server });
    client = await database.connect();
  });
  afterAll(async () => database?.drop());

  it('10 runners at once: each revision applied exactly once, all exit 0 and say who did what', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => cli(['upgrade', 'head'])));
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const reports = results.map((result) => JSON.parse(result.stdout) as { steps: { revision: string }[]; doneByOthers: string[]; after: string[] });
    const applied = reports.flatMap((report) => report.steps.map((step) => step.revision)).sort();
    expect(applied).toEqual([...PROJECT.order, '901_fixture_concurrent_index', HEAD].sort());
    for (const report of reports) expect(report.after).toEqual([HEAD]);
    // Runners that waited say that another runner applied what they had planned.
    expect(reports.filter((report) => report.doneByOthers.length > 0).length).toBeGreaterThan(0);
    const history = await client.query<{ revision: string; runs: string }>(
      `SELECT revision, count(*) AS runs FROM play_later_revision_history WHERE direction = 'up' GROUP BY revision ORDER BY revision`,
    );
    expect(history.rows.map((row) => [row.revision, Number(row.runs)])).toEqual(applied.map((id) => [id, 1]));
    expect((await client.query('SELECT version_num FROM alembic_version')).rows).toEqual([{ version_num: HEAD }]);
    expect((await client.query('SELECT count(*)::int AS n FROM fixture_counter')).rows).toEqual([{ n: 1 }]);
    const index = await client.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'idx_fixture_games_created'::regclass`);
    expect(index.rows).toEqual([{ indisvalid: true }]);
  });

  it('waits for a runner that holds the lock at most --lock-wait, then fails with E_LOCK_TIMEOUT', async () => {
    const holder = await database.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    try {
      const result = await cli(['--lock-wait', '400', 'downgrade', '-1']);
      expect(result.code).toBe(1);
      expect(JSON.parse(result.stdout).error.code).toBe('E_LOCK_TIMEOUT');
      expect(result.stderr).toMatch(/error E_LOCK_TIMEOUT: Another runner held the migration lock .*gave up after the configured wait \(400 ms\)/);
    } finally {
      await holder.query('ROLLBACK');
    }
    expect((await client.query('SELECT version_num FROM alembic_version')).rows).toEqual([{ version_num: HEAD }]);
  });

  it('upgrade racing downgrade ends in a consistent state: the version table matches the schema', async () => {
    const headSchema = await describeSchema(client);
    const results = await Promise.all([
      cli(['downgrade', 'base']),
      cli(['upgrade', 'head']),
      cli(['downgrade', 'base']),
      cli(['upgrade', 'head']),
    ]);
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const heads = (await client.query<{ version_num: string }>('SELECT version_num FROM alembic_version')).rows.map((row) => row.version_num);
    expect([[], [HEAD]]).toContainEqual(heads);
    expect(await describeSchema(client)).toBe(heads.length === 0 ? '\n' : headSchema);
    // Every run is in the history, and ups and downs alternate for each revision.
    const runs = await client.query<{ revision: string; directions: string[] }>(
      `SELECT revision, array_agg(direction ORDER BY id) AS directions FROM play_later_revision_history GROUP BY revision`,
    );
    for (const row of runs.rows) {
      row.directions.forEach((direction, index) => expect(direction, `${row.revision}: ${row.directions.join(',')}`).toBe(index % 2 === 0 ? 'up' : 'down'));
      expect(row.directions.at(-1)).toBe(heads.length === 0 ? 'down' : 'up');
    }
  });
});
