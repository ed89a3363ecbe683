import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { enqueueBackgroundMigrations } from '../../src/background/background-migration.js';
import { DEFAULT_THROTTLE, nextBatchSize, runBackgroundMigrations } from '../../src/background/run-batches.js';
import { connect, disconnect } from '../../src/db/connect.js';
import { expectCliError, jsonResult } from '../support/expect-cli.js';
import { projectRevisions, revisionsDirWith, type FixtureProject } from '../support/revision-fixtures.js';
import { runCli, startCli } from '../support/run-cli.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

interface Status {
  migrations: Array<{ name: string; status: string; rowsDone: number; batchesDone: number; lastKey: string[] | null; throttledMs: number }>;
}

/**
 * A revision declares a batched background migration; `background` runs it in batches (resumable,
 * pausable, throttled), and a later revision that requires it is refused until it is finished.
 */
describe('batched background migrations', () => {
  const rows = 50;
  let database: TestDatabase;
  let project: FixtureProject;
  const cli = (...args: string[]) => runCli(args, { env: project.env(database.url) });
  // The project's own (revision 016's, finished at once on the empty catalogue) are left out.
  const status = async () =>
    jsonResult<Status>(await cli('background', 'status', '--json')).migrations.filter((migration) => migration.name === 'priority_backfill');

  beforeAll(async () => {
    database = await createTestDatabase();
    const { head } = await projectRevisions();
    project = revisionsDirWith([
      {
        id: '901_declare_priority_backfill',
        parent: head,
        exports: `export const background = [{ name: 'priority_backfill', table: 'user_game_collection', keyColumns: ['user_id', 'id'], set: 'priority = 3', where: 't.priority IS NULL', batchSize: 7 }];`,
        up: `await sql\`COMMENT ON COLUMN user_game_collection.priority IS 'backfilled to 3 in the background'\`.execute(db);`,
        down: `await sql\`COMMENT ON COLUMN user_game_collection.priority IS NULL\`.execute(db);`,
      },
      {
        id: '902_priority_not_null',
        parent: '901_declare_priority_backfill',
        exports: `export const requiresBackground = 'priority_backfill';`,
        up: `await sql\`ALTER TABLE user_game_collection ADD CONSTRAINT ck_priority_set CHECK (priority IS NOT NULL) NOT VALID\`.execute(db);
  await sql\`ALTER TABLE user_game_collection VALIDATE CONSTRAINT ck_priority_set\`.execute(db);`,
        down: `await sql\`ALTER TABLE user_game_collection DROP CONSTRAINT ck_priority_set\`.execute(db);`,
      },
    ]);
    const client = await database.connect();
    await client.query(`INSERT INTO games (title, igdb_id) VALUES ('Celeste', 1)`);
    await client.query(
      `INSERT INTO user_game_collection (user_id, game_id, platform, acquisition_type, acquired_at)
       SELECT 'user-' || (i % 9), (SELECT id FROM games), 'P' || i, 'DIGITAL', now() - interval '1 day' FROM generate_series(1, $1::integer) i`,
      [rows],
    );
  });
  afterAll(async () => {
    project?.cleanup();
    await database?.drop();
  });

  it('the declaring revision records it; the requiring revision is refused while it is not finished', async () => {
    const upgrade = await cli('upgrade', 'heads', '--json');
    expectCliError(upgrade, 'E_BACKGROUND_PENDING', 1);
    expect(upgrade.stdout).toContain('priority_backfill (queued, 0 rows done)');
    expect(await status()).toMatchObject([{ name: 'priority_backfill', status: 'queued', rowsDone: 0, batchesDone: 0, lastKey: null }]);
    // Queued on an empty table (the test's template, made before any game), one is finished at once.
    const all = jsonResult<Status>(await cli('background', 'status', '--json')).migrations;
    expect(all.find((migration) => migration.name === 'games_search_class')).toMatchObject({ status: 'finished', rowsDone: 0, batchesDone: 0 });
  });

  it('runs in batches that commit their progress: a stopped run resumes after the last committed batch', async () => {
    // --batch-ms 0: the declared size (7) every time, so the counts below do not depend on speed.
    expect((await cli('background', 'run', '--batches', '2', '--batch-ms', '0')).code).toBe(0);
    const [after2] = await status();
    expect(after2).toMatchObject({ status: 'running', rowsDone: 14, batchesDone: 2 });
    const client = await database.connect();
    const { rows: keys } = await client.query(`SELECT user_id, id::text FROM user_game_collection ORDER BY user_id, id LIMIT 1 OFFSET 13`);
    expect(after2!.lastKey).toEqual([keys[0].user_id, keys[0].id]);
    expect(Number((await client.query(`SELECT count(*) FROM user_game_collection WHERE priority = 3`)).rows[0].count)).toBe(14);
  });

  it('pause stops it, resume lets it finish; then the requiring revision applies', async () => {
    expect((await cli('background', 'pause', 'priority_backfill')).code).toBe(0);
    expect((await cli('background', 'run')).code).toBe(0);
    expect((await status())[0]).toMatchObject({ status: 'paused', batchesDone: 2 });
    expect((await cli('background', 'resume', 'priority_backfill')).code).toBe(0);
    const human = await cli('background', 'run', '--batch-ms', '0');
    expect(human.stdout).toMatch(/^priority_backfill\s+finished\s+50 rows in 8 batches/m);
    expect((await cli('upgrade', 'heads')).code).toBe(0);
  });

  it('waits while the primary is busier than --max-active, and counts the time throttled', async () => {
    const client = await database.connect();
    await client.query(`UPDATE play_later_background_migrations SET status = 'queued', last_key = NULL, finished_at = NULL WHERE name = 'priority_backfill'`);
    const busy = await connect(database.url);
    const busyPid = (await busy.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const sleeping = busy.query('SELECT pg_sleep(60)').catch(() => undefined);
    try {
      const running = startCli(['background', 'run', '--max-active', '0', '--batches', '1'], { env: project.env(database.url) });
      await running.waitForStderr(/priority_backfill: waiting 250 ms \(\d+ active sessions > 0\)/);
      await client.query('SELECT pg_cancel_backend($1)', [busyPid]);
      await sleeping;
      expect((await running.result).code).toBe(0);
    } finally {
      await disconnect(busy);
    }
    expect((await status())[0]!.throttledMs).toBeGreaterThan(0);
  });

  it('batches do not block the app: its writes to the table (lock_timeout 200 ms) all commit while a run goes', async () => {
    expect((await cli('downgrade', '901_declare_priority_backfill')).code).toBe(0);
    const client = await database.connect();
    await client.query(`UPDATE play_later_background_migrations SET status = 'queued', last_key = NULL, finished_at = NULL, batch_size = 1 WHERE name = 'priority_backfill'`);
    await client.query(`UPDATE user_game_collection SET priority = NULL`);
    const app = await connect(database.url);
    try {
      await app.query(`SET lock_timeout = '200ms'`);
      const running = startCli(['background', 'run', '--sleep-coef', '0'], { env: project.env(database.url) });
      let writes = 0;
      const done = running.result.then(() => true);
      while (!(await Promise.race([done, new Promise<false>((resolve) => setTimeout(() => resolve(false), 20))]))) {
        await app.query(`UPDATE user_game_collection SET notes = 'app write ' || $1 WHERE user_id = 'user-' || ($1::int % 9)`, [writes]);
        writes += 1;
      }
      expect((await running.result).code).toBe(0);
      expect(writes).toBeGreaterThan(0);
    } finally {
      await disconnect(app);
    }
    expect(Number((await client.query(`SELECT count(*) FROM user_game_collection WHERE priority IS NULL`)).rows[0].count)).toBe(0);
  });

  it('status of an unknown migration and pause without a name are user errors', async () => {
    expectCliError(await cli('background', 'pause', 'nope'), 'E_NOT_FOUND', 1);
    expectCliError(await cli('background', 'pause'), 'E_USAGE', 2);
  });
  it('the SET list and the condition may name the key columns (no clash with the batch\'s own columns)', async () => {
    const client = await database.connect();
    await client.query(`CREATE TABLE keyed_rows (id integer PRIMARY KEY, score integer)`);
    await client.query(`INSERT INTO keyed_rows (id) SELECT g FROM generate_series(1, 10) g`);
    await enqueueBackgroundMigrations(client, 'keyed_fixture', [{ name: 'keyed_fill', table: 'keyed_rows', keyColumns: ['id'], set: 'score = id * 2', where: 'id > 3', batchSize: 4 }]);
    const states = await runBackgroundMigrations(client, 'keyed_fill', { throttle: { ...DEFAULT_THROTTLE, batchTimeMs: 0 } });
    expect(states.find((state) => state.name === 'keyed_fill')).toMatchObject({ status: 'finished', rowsDone: 7, batchesDone: 3 });
    const { rows: scored } = await client.query<{ id: number; score: number | null }>('SELECT id, score FROM keyed_rows ORDER BY id');
    expect(scored).toEqual(Array.from({ length: 10 }, (_, i) => ({ id: i + 1, score: i + 1 > 3 ? (i + 1) * 2 : null })));
  });
  /** Table `<prefix>_rows` of 6 rows and the background migration `<prefix>_fill` over it, each row taking 100 ms. */
  async function slowRowsMigration(prefix: string, batchSize: number): Promise<pg.Client> {
    const client = await database.connect();
    await client.query(`CREATE TABLE ${prefix}_rows (id integer PRIMARY KEY, score integer)`);
    await client.query(`INSERT INTO ${prefix}_rows (id) SELECT g FROM generate_series(1, 6) g`);
    const spec = { name: `${prefix}_fill`, table: `${prefix}_rows`, keyColumns: ['id'], set: 'score = length(pg_sleep(0.1)::text)', where: 't.score IS NULL', batchSize };
    await enqueueBackgroundMigrations(client, `${prefix}_fixture`, [spec]);
    return client;
  }
  it('rests after each batch --sleep-coef times as long as the batch took; a bad coefficient is a usage error', async () => {
    // Three batches of two rows, each at least 200 ms (pg_sleep per row), then an empty one.
    const client = await slowRowsMigration('slow', 2);
    expectCliError(await cli('background', 'run', 'slow_fill', '--sleep-coef', '-1'), 'E_USAGE', 2);
    const started = Date.now();
    const result = await cli('background', 'run', 'slow_fill', '--sleep-coef', '2', '--batch-ms', '0');
    expect(result.code, result.stderr).toBe(0);
    // A lower bound only (a slow machine can only add to it): 3 × 200 ms of batches + 3 × 400 ms of rest.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_800);
    expect(Number((await client.query('SELECT count(score) AS n FROM slow_rows')).rows[0].n)).toBe(6);
  });
  it('sizes each batch to take about --batch-ms, never above the declared size; a bad value is a usage error', async () => {
    // Every row takes at least 100 ms (pg_sleep), so against a 50 ms target the first batch (the
    // declared 4 rows) is followed by batches of one row, however fast the machine: 4, 1, 1, empty.
    await slowRowsMigration('sized', 4);
    expectCliError(await cli('background', 'run', 'sized_fill', '--batch-ms', 'fast'), 'E_USAGE', 2);
    const result = await cli('background', 'run', 'sized_fill', '--batch-ms', '50', '--sleep-coef', '0');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^sized_fill\s+finished\s+6 rows in 4 batches/m);
  });
  it('the next batch size follows the measured rate, between 1 and the declared size', () => {
    const sizer = {};
    expect(nextBatchSize(sizer, 1000, 100, 20, 1000)).toBe(200); // 10 rows/ms × 20 ms
    expect(nextBatchSize(sizer, 200, 10, 20, 1000)).toBe(300); // the average of 10 and 20 rows/ms
    expect(nextBatchSize(sizer, 300, 1, 20, 1000)).toBe(1000); // fast: capped at the declared size
    expect(nextBatchSize({}, 1, 5000, 20, 1000)).toBe(1); // very slow: one row, never zero
    expect(nextBatchSize({}, 10, 5000, 0, 1000)).toBe(1000); // 0: always the declared size
  });
});
