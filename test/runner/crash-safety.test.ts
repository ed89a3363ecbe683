/**
 * Items 4 and 5 of issue 3: kill -9 of the runner in the middle of a revision, then a re-run.
 * Transactional: nothing of the revision stays, the killed backend stops (client_connection_check_interval)
 * and releases the lock, the re-run waits for it and reaches head. Non-transactional: the INVALID
 * index left by an interrupted CREATE INDEX CONCURRENTLY is recognized, dropped and built again.
 * Ctrl-C (SIGINT) in the same statement cancels it and releases the lease, so a waiting runner
 * recovers the revision at once instead of waiting for the lease to lapse.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concurrentIndexFixture, projectRevisions, revisionsDirWith } from '../support/revision-fixtures.js';
import { runCli, startCli } from '../support/run-cli.js';
import { describeOnEachServer } from '../support/servers.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';

/** The project's own revisions: the fixtures below go after its head. */
const PROJECT = await projectRevisions();

const fixtures = revisionsDirWith([
  {
    id: '901_fixture_long',
    parent: PROJECT.head,
    up: `await sql\`CREATE TABLE fixture_crash (id integer PRIMARY KEY)\`.execute(db);
  await sql\`INSERT INTO fixture_crash VALUES (1)\`.execute(db);
  context.log('fixture: long statement starts');
  await sql\`SELECT pg_sleep((SELECT seconds FROM fixture_sleep))\`.execute(db);`,
    down: `await sql\`DROP TABLE fixture_crash\`.execute(db);`,
  },
  concurrentIndexFixture('902_fixture_concurrent_index', '901_fixture_long', `context.log('fixture: creating the index');\n  `),
]);
afterAll(() => fixtures.cleanup());

describeOnEachServer('kill -9 or Ctrl-C of the runner', (server) => {
  let database: TestDatabase;
  let observer: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase({ from: 'head', server });
    observer = await database.connect();
    await observer.query('CREATE TABLE fixture_sleep (seconds integer NOT NULL)');
    await observer.query('INSERT INTO fixture_sleep VALUES (120)');
    // Revisions run as the owner role (revision 013): the fixture table is the owner's, as a revision would make it.
    await observer.query('ALTER TABLE fixture_sleep OWNER TO play_later_owner');
  });
  afterAll(async () => {
    await database?.drop();
  });

  // The non-transactional fixture needs a direct URL behind PgBouncer. A 3 s lease: the re-run after
  // kill -9 waits for the dead runner's lease to lapse (15 s by default).
  const env = (): NodeJS.ProcessEnv => fixtures.env(database.url, { DIRECT_DATABASE_URL: database.directUrl, PLAY_LATER_LEASE_TTL_MS: '3000' });

  async function versions(): Promise<string[]> {
    return (await observer.query<{ version_num: string }>('SELECT version_num FROM alembic_version')).rows.map((row) => row.version_num);
  }

  /** Whether the latest 'running' row of the revision holds a valid lease. */
  async function leaseLive(revision: string): Promise<boolean | undefined> {
    const result = await observer.query<{ live: boolean }>(
      `SELECT lease_expires_at > clock_timestamp() AS live FROM play_later_revision_history WHERE revision = $1 AND status = 'running' ORDER BY id DESC LIMIT 1`,
      [revision],
    );
    return result.rows[0]?.live;
  }

  /** Server backends of runners (the observer's own connection excluded). */
  async function runnerBackends(match: string): Promise<number> {
    const result = await observer.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE $1`,
      [match],
    );
    return result.rows[0]!.n;
  }

  it('in a long transactional revision: nothing half-applied, the backend stops, a re-run waits for the lock and reaches the revision', async () => {
    const runner = startCli(['upgrade', '901_fixture_long'], { env: env() });
    await runner.waitForStderr(/fixture: long statement starts/);
    await waitFor('the long statement to run', async () => (await runnerBackends('SELECT pg_sleep%')) === 1);
    runner.child.kill('SIGKILL');
    expect((await runner.result).signal).toBe('SIGKILL');
    await observer.query('UPDATE fixture_sleep SET seconds = 0');

    // Started at once: the killed runner's backend may still hold the lock until it notices.
    const rerun = runCli(['upgrade', '901_fixture_long'], { env: env() });
    // The statement would sleep 120 s; client_connection_check_interval stops it long before.
    await waitFor('the killed runner\'s backend to stop', async () => (await runnerBackends('SELECT pg_sleep((SELECT seconds FROM fixture_sleep))')) === 0 || undefined, 60_000);
    const result = await rerun;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Upgraded 1 revision in /);
    expect(await versions()).toEqual(['901_fixture_long']);
    expect((await observer.query('SELECT id FROM fixture_crash')).rows).toEqual([{ id: 1 }]);
    const runs = await observer.query(`SELECT direction, status FROM play_later_revision_history WHERE revision = '901_fixture_long'`);
    expect(runs.rows).toEqual([{ direction: 'up', status: 'done' }]);
  });

  it('in CREATE INDEX CONCURRENTLY: the next run names the interrupted revision, drops its INVALID index and builds it again', async () => {
    // An open writer makes CREATE INDEX CONCURRENTLY wait after it has created the (invalid) index.
    const writer = await database.connect();
    await writer.query('BEGIN');
    await writer.query('UPDATE games SET title = title WHERE false');
    const runner = startCli(['--lock-timeout', '60000', 'upgrade', 'head'], { env: env() });
    await runner.waitForStderr(/fixture: creating the index/);
    await waitFor('CREATE INDEX CONCURRENTLY to wait for the writer', async () => {
      const result = await observer.query(
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'CREATE INDEX CONCURRENTLY%'`,
      );
      return result.rowCount === 1;
    });
    runner.child.kill('SIGKILL');
    await runner.result;
    await waitFor('the killed runner\'s backend to stop', async () => (await runnerBackends('CREATE INDEX CONCURRENTLY%')) === 0, 60_000);
    await writer.query('ROLLBACK');

    const index = `SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('idx_fixture_games_created')`;
    expect((await observer.query(index)).rows).toEqual([{ indisvalid: false }]);
    expect(await versions()).toEqual(['901_fixture_long']);
    expect((await observer.query(`SELECT status FROM play_later_revision_history WHERE revision = '902_fixture_concurrent_index'`)).rows).toEqual([
      { status: 'running' },
    ]);
    // Once the dead runner's lease has lapsed, `current` names the run the next upgrade recovers.
    await waitFor('the lease to lapse', async () => (await leaseLive('902_fixture_concurrent_index')) === false, 30_000);
    const current = await runCli(['current'], { env: env() });
    expect(current.stdout).toMatch(/Interrupted: 902_fixture_concurrent_index \(upgrade, non-transactional\) started .* never finished; the next run that reaches it recovers it/);

    const result = await runCli(['upgrade', 'head'], { env: env() });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/WARNING: Revision 902_fixture_concurrent_index \(upgrade\) was interrupted: started .* and never finished/);
    expect(result.stderr).toMatch(/It left INVALID index\(es\) public\.idx_fixture_games_created: dropping them and running 902_fixture_concurrent_index again/);
    expect((await observer.query(index)).rows).toEqual([{ indisvalid: true }]);
    expect(await versions()).toEqual(['902_fixture_concurrent_index']);
    const runs = await observer.query(`SELECT direction, status FROM play_later_revision_history WHERE revision = '902_fixture_concurrent_index' ORDER BY id`);
    expect(runs.rows).toEqual([
      { direction: 'up', status: 'interrupted' },
      { direction: 'up', status: 'done' },
    ]);
  });

  it('Ctrl-C in CREATE INDEX CONCURRENTLY: the statement is cancelled and the lease released (exit 130, E_INTERRUPTED); a runner waiting meanwhile says for what, then recovers at once', async () => {
    await observer.query('DROP INDEX IF EXISTS idx_fixture_games_created');
    await observer.query(`UPDATE alembic_version SET version_num = '901_fixture_long'`);
    // A lease that would outlive the waiter's wait: only a released lease lets the waiter in.
    const slowLease = fixtures.env(database.url, { DIRECT_DATABASE_URL: database.directUrl, PLAY_LATER_LEASE_TTL_MS: '120000' });
    const writer = await database.connect();
    await writer.query('BEGIN');
    await writer.query('UPDATE games SET title = title WHERE false');
    const runner = startCli(['--lock-timeout', '60000', 'upgrade', 'head'], { env: slowLease });
    await runner.waitForStderr(/fixture: creating the index/);
    await waitFor('CREATE INDEX CONCURRENTLY to wait for the writer', async () => (await runnerBackends('CREATE INDEX CONCURRENTLY%')) === 1);
    const waiter = startCli(['--lock-wait', '30000', 'upgrade', 'head'], { env: slowLease, timeoutMs: 90_000 });
    await waiter.waitForStderr(/Waiting for the lease of 902_fixture_concurrent_index \(upgrade, non-transactional\), taken .* \(up to 30 s: lockWaitMs\)/);
    expect((await runCli(['current'], { env: slowLease })).stdout).toMatch(/Being applied now: 902_fixture_concurrent_index \(upgrade, non-transactional\) started .*, by another runner, whose lease runs until \S+ unless renewed/);

    runner.child.kill('SIGINT');
    const interrupted = await runner.result;
    expect(interrupted.code, interrupted.stderr).toBe(130);
    expect(interrupted.stderr).toContain('SIGINT: stopping 902_fixture_concurrent_index (cancelling its running statement)');
    expect(interrupted.stderr).toContain('error E_INTERRUPTED: Stopped by SIGINT during 902_fixture_concurrent_index (non-transactional)');
    expect(interrupted.stderr).toMatch(/^hint: Run the same command again: it recovers 902_fixture_concurrent_index at once/m);
    // Cancelled, not left running until the writer ends.
    const building = await observer.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE 'CREATE INDEX CONCURRENTLY%'`);
    expect(building.rowCount).toBe(0);
    await writer.query('ROLLBACK');
    await writer.end();

    const recovered = await waiter.result;
    expect(recovered.code, recovered.stderr).toBe(0);
    expect(recovered.stderr).toMatch(/WARNING: Revision 902_fixture_concurrent_index \(upgrade\) was interrupted/);
    expect((await observer.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('idx_fixture_games_created')`)).rows).toEqual([{ indisvalid: true }]);
    expect(await versions()).toEqual(['902_fixture_concurrent_index']);
  }, 120_000);
});
