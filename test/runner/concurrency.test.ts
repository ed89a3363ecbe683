/**
 * Item 2 of issue 3: ten runners at once, directly and through PgBouncer in transaction pooling
 * mode; E_LOCK_TIMEOUT after the configured wait; upgrade racing downgrade ends consistent.
 * Item 3 of issue 8: the project's real revisions through the real CLI with only DATABASE_URL set,
 * pointing at a PgBouncer with a pool of 3, against the same with a direct URL.
 */
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, disconnect } from '../../src/db/connect.js';
import { MIGRATION_LOCK_KEY } from '../../src/runner/migration-lock.js';
import { describeSchema } from '../../src/schema/describe-schema.js';
import { concurrentIndexFixture, projectRevisions, revisionsDirWith } from '../support/revision-fixtures.js';
import { runBin, type CliResult } from '../support/run-cli.js';
import { describeOnEachServer, describeWithSmallPool } from '../support/servers.js';
import { createTestDatabase, useTestDatabases, type TestDatabase } from '../support/test-database.js';

/** The project's own revisions: the fixtures below go after its head. */
const PROJECT = await projectRevisions();

const HEAD = '902_fixture_after_index';
const project = revisionsDirWith([]);
afterAll(() => project.cleanup());
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
    runBin(['--json', ...args], {
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
      const result = await cli(['--lock-wait', '400', 'downgrade', '-1', '--yes']);
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
      cli(['downgrade', 'base', '--yes']),
      cli(['upgrade', 'head']),
      cli(['downgrade', 'base', '--yes']),
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

/** Advisory locks held on a database, by anyone (read on the server itself, not through the pooler). */
async function advisoryLocksOn(adminUrl: string, database: string): Promise<number> {
  const admin = await connect(adminUrl);
  try {
    const result = await admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = $1`,
      [database],
    );
    return result.rows[0]!.n;
  } finally {
    await disconnect(admin);
  }
}

describeWithSmallPool('one DATABASE_URL, no direct URL, the project\'s revisions', (server) => {
  const testDatabase = useTestDatabases(server);
  const wallMs: Record<'direct' | 'pooled', number[]> = { direct: [], pooled: [] };

  for (const mode of ['direct', 'pooled'] as const) {
    let database: TestDatabase;
    let observer: pg.Client;
    const url = (): string => (mode === 'pooled' ? database.url : database.directUrl);

    /** n runners of each command at once; every one exits 0 and prints no warning; returns the wall time. */
    async function together(commands: string[][]): Promise<number> {
      const started = performance.now();
      const results = await Promise.all(commands.map((args) => runBin(args, { env: project.env(url()), timeoutMs: 360_000 })));
      const elapsed = performance.now() - started;
      for (const result of results) {
        expect(result.code, result.stderr).toBe(0);
        expect(result.stderr).not.toMatch(/WARNING/i);
      }
      wallMs[mode].push(elapsed);
      return elapsed;
    }

    /** Nothing left running or interrupted, no advisory lock held; the runs of each revision alternate up, down, up … */
    async function expectClean(): Promise<Map<string, string[]>> {
      const statuses = await observer.query(`SELECT status, count(*)::int AS n FROM play_later_revision_history GROUP BY status`);
      expect(statuses.rows).toEqual([{ status: 'done', n: expect.any(Number) }]);
      expect(await advisoryLocksOn(server.adminUrl, database.name)).toBe(0);
      const runs = await observer.query<{ revision: string; directions: string[] }>(
        `SELECT revision, array_agg(direction ORDER BY id) AS directions FROM play_later_revision_history GROUP BY revision`,
      );
      const byRevision = new Map(runs.rows.map((row) => [row.revision, row.directions]));
      for (const [revision, directions] of byRevision) {
        directions.forEach((direction, index) => expect(direction, `${revision}: ${directions.join(',')}`).toBe(index % 2 === 0 ? 'up' : 'down'));
      }
      return byRevision;
    }

    it(`${mode}: 10 concurrent upgrade head from empty run each revision exactly once`, { timeout: 480_000 }, async () => {
      database = await testDatabase('empty');
      observer = await connect(database.directUrl);
      await together(Array.from({ length: 10 }, () => ['upgrade', 'head']));
      const runs = await expectClean();
      expect([...runs.keys()].sort()).toEqual([...PROJECT.order].sort());
      for (const directions of runs.values()) expect(directions).toEqual(['up']);
      expect((await observer.query('SELECT version_num FROM alembic_version')).rows).toEqual([{ version_num: PROJECT.head }]);
    });

    it(`${mode}: 10 concurrent downgrade base revert each revision exactly once`, { timeout: 480_000 }, async () => {
      await together(Array.from({ length: 10 }, () => ['downgrade', 'base', '--yes']));
      const runs = await expectClean();
      for (const directions of runs.values()) expect(directions).toEqual(['up', 'down']);
      expect((await observer.query('SELECT version_num FROM alembic_version')).rows).toEqual([]);
    });

    it(`${mode}: 5 upgrade head racing 5 downgrade base end consistent, each run once`, { timeout: 480_000 }, async () => {
      await together(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? ['upgrade', 'head'] : ['downgrade', 'base', '--yes'])));
      const runs = await expectClean();
      const heads = (await observer.query<{ version_num: string }>('SELECT version_num FROM alembic_version')).rows.map((row) => row.version_num);
      expect([[], [PROJECT.head]]).toContainEqual(heads);
      for (const directions of runs.values()) expect(directions.at(-1)).toBe(heads.length === 0 ? 'down' : 'up');
      await disconnect(observer);
    });
  }

  it('the pooled wall time stays near the direct one (figures printed; loose bound, the machine is shared)', () => {
    const total = (mode: 'direct' | 'pooled'): number => wallMs[mode].reduce((sum, ms) => sum + ms, 0);
    const figures = (mode: 'direct' | 'pooled'): string => wallMs[mode].map((ms) => `${(ms / 1000).toFixed(1)} s`).join(' / ');
    console.log(
      `wall time (10 up from empty / 10 down to base / 5 up racing 5 down): direct ${figures('direct')}; pooled (PgBouncer, pool 3) ${figures('pooled')}; ratio ${(total('pooled') / total('direct')).toFixed(2)}`,
    );
    expect(wallMs.direct).toHaveLength(3);
    expect(wallMs.pooled).toHaveLength(3);
    expect(total('pooled')).toBeLessThan(total('direct') * 3 + 10_000);
  });
});
