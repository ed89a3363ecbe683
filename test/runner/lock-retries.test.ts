/**
 * Item 3 of issue 3: a revision that cannot get its lock gives it up (lock_timeout) instead of
 * queueing, so the table's readers keep going; it retries with growing pauses and succeeds once the
 * long transaction ends, or fails clearly after its last try.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRevisions, revisionsDirWith } from '../support/revision-fixtures.js';
import { runCli, startCli } from '../support/run-cli.js';
import { describeOnEachServer } from '../support/servers.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';

/** The project's own revisions: the fixtures below go after its head. */
const PROJECT = await projectRevisions();

const fixtures = revisionsDirWith([
  {
    id: '901_fixture_alter_games',
    parent: PROJECT.head,
    up: `await sql\`ALTER TABLE games ADD COLUMN fixture_note text\`.execute(db);`,
    down: `await sql\`ALTER TABLE games DROP COLUMN fixture_note\`.execute(db);`,
  },
]);
afterAll(() => fixtures.cleanup());

describeOnEachServer('lock_timeout with retries', (server) => {
  let database: TestDatabase;
  let observer: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase({ from: 'head', server });
    observer = await database.connect();
  });
  afterAll(async () => {
    await database?.drop();
  });

  function env(retries: number): NodeJS.ProcessEnv {
    return fixtures.env(database.url, { PLAY_LATER_LOCK_RETRIES: String(retries) });
  }

  async function hasColumn(): Promise<boolean> {
    const result = await observer.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'games' AND column_name = 'fixture_note'`);
    return result.rowCount === 1;
  }

  /** The backend of the runner while its ALTER TABLE waits for a lock. */
  function runnerWaitingForLock(): Promise<number> {
    return waitFor('the revision to wait for its lock on games', async () => {
      const result = await observer.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'ALTER TABLE games%'`,
      );
      return result.rows[0]?.pid;
    });
  }

  it('gives up its lock request so that later readers of games get through, then succeeds once the long transaction ends', async () => {
    const longTransaction = await database.connect();
    await longTransaction.query('BEGIN');
    await longTransaction.query('SELECT count(*) FROM games'); // holds ACCESS SHARE on games until COMMIT
    const runner = startCli(['--lock-timeout', '1000', 'upgrade', 'head'], { env: env(30) });
    const runnerPid = await runnerWaitingForLock();

    // A reader that arrives now queues behind the waiting ALTER TABLE (ACCESS EXCLUSIVE)...
    const reader = await database.connect();
    const readerPid = (await reader.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    let readerDone = false;
    const read = reader.query('SELECT count(*) FROM games').then(() => (readerDone = true));
    const blockedByRunner = await waitFor('the reader to be blocked by the revision, or done', async () => {
      const blockers = await observer.query<{ pids: number[] }>('SELECT pg_blocking_pids($1) AS pids', [readerPid]);
      return blockers.rows[0]!.pids.includes(runnerPid) ? 'blocked' : readerDone ? 'done' : undefined;
    });
    expect(blockedByRunner).toBe('blocked');
    // ...and completes once the revision gives up (lock_timeout), while the long transaction is still open.
    await read;
    expect((await observer.query<{ state: string }>('SELECT state FROM pg_stat_activity WHERE pid = $1', [await backendPid(longTransaction)])).rows[0]?.state).toBe(
      'idle in transaction',
    );
    await runner.waitForStderr(/901_fixture_alter_games: lock_timeout \(1000 ms\) hit, gave up its lock request; try 2 of 31/);
    expect(await hasColumn()).toBe(false);

    await longTransaction.query('COMMIT');
    const result = await runner.result;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/Running upgrade 901_fixture_alter_games, .*after \d+ lock retr(y|ies)\)/);
    expect(await hasColumn()).toBe(true);
    expect((await runCli(['downgrade', '-1', '--yes'], { env: env(3) })).code).toBe(0);
  });

  it('fails clearly after the last try, leaving the database at the revision before', async () => {
    const longTransaction = await database.connect();
    await longTransaction.query('BEGIN');
    await longTransaction.query('SELECT count(*) FROM games');
    try {
      const result = await runCli(['--lock-timeout', '200', 'upgrade', 'head'], { env: env(2) });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/error E_REVISION_FAILED: Revision 901_fixture_alter_games failed \(upgrade\): canceling statement due to lock timeout/);
      expect(result.stderr).toMatch(/It could not get its locks after 3 tries/);
      expect(result.stderr).toMatch(/try 3 of 3/);
    } finally {
      await longTransaction.query('ROLLBACK');
    }
    expect(await hasColumn()).toBe(false);
    expect((await observer.query('SELECT version_num FROM alembic_version')).rows).toEqual([{ version_num: PROJECT.head }]);
  });
});

async function backendPid(client: pg.Client): Promise<number> {
  return (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
}
