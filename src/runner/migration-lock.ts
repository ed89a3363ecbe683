import type pg from 'pg';
import { PlayLaterError } from '../errors.js';

/**
 * Runners exclude each other with a transaction-scoped advisory lock, taken inside each revision's
 * own transaction (design: README, "Running in production: locks, timeouts, PgBouncer"). It is released by COMMIT or ROLLBACK, so it is correct behind a transaction
 * pooler (PgBouncer), where a session-level lock would stay with a server connection that other
 * clients share. The key is fixed: advisory locks are per database.
 */
export const MIGRATION_LOCK_KEY = 7_261_913_405_118_202n;

/**
 * Takes the transaction-scoped lock: each try is a short transaction of its own (BEGIN, `prepare`,
 * pg_try_advisory_xact_lock), rolled back when the lock is busy, so a waiting runner never keeps a
 * transaction open. That matters: CREATE INDEX CONCURRENTLY (run by the holder) waits for every
 * older open transaction, and a waiter that kept one open would stall it until the wait ran out.
 * Gives up with E_LOCK_TIMEOUT after lockWaitMs; on success the transaction stays open.
 */
export function beginWithMigrationLock(client: pg.Client, lockWaitMs: number, prepare: () => Promise<void>): Promise<number> {
  return pollForLock(client, lockWaitMs, async () => {
    await client.query('BEGIN');
    try {
      await prepare();
      if (await tryLock(client, 'pg_try_advisory_xact_lock')) return true;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    await client.query('ROLLBACK');
    return false;
  });
}

/**
 * The session-level form of the same lock, for non-transactional revisions on a direct connection:
 * session and transaction advisory locks on one key exclude each other, so every other runner (even
 * one behind PgBouncer) waits while it is held. Released by releaseSessionMigrationLock, or by the
 * server when the connection ends (a killed runner).
 */
export function acquireSessionMigrationLock(client: pg.Client, lockWaitMs: number): Promise<number> {
  return pollForLock(client, lockWaitMs, () => tryLock(client, 'pg_try_advisory_lock'));
}

/** False when this session did not hold it: a sign that the connection goes through a pooler. */
export async function releaseSessionMigrationLock(client: pg.Client): Promise<boolean> {
  const result = await client.query<{ released: boolean }>('SELECT pg_advisory_unlock($1) AS released', [MIGRATION_LOCK_KEY.toString()]);
  return result.rows[0]?.released === true;
}

async function tryLock(client: pg.Client, tryFunction: 'pg_try_advisory_xact_lock' | 'pg_try_advisory_lock'): Promise<boolean> {
  const result = await client.query<{ locked: boolean }>(`SELECT ${tryFunction}($1) AS locked`, [MIGRATION_LOCK_KEY.toString()]);
  return result.rows[0]?.locked === true;
}

async function pollForLock(client: pg.Client, lockWaitMs: number, tryOnce: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  let pause = 25;
  for (;;) {
    if (await tryOnce()) return Date.now() - started;
    const waited = Date.now() - started;
    if (waited >= lockWaitMs) {
      const holder = await describeHolder(client);
      throw new PlayLaterError('E_LOCK_TIMEOUT', `Another runner held the migration lock for ${waited} ms${holder}; gave up after the configured wait (${lockWaitMs} ms).`, {
        hint: 'Let the other runner finish, then run again; or raise lockWaitMs (--lock-wait, PLAY_LATER_LOCK_WAIT_MS).',
        data: { waitedMs: waited },
      });
    }
    // Jitter, so that runners that woke together do not collide again.
    await sleep(Math.min(Math.round(pause * (0.5 + Math.random())), lockWaitMs - waited));
    pause = Math.min(pause * 2, 1_000);
  }
}

async function describeHolder(client: pg.Client): Promise<string> {
  const key = MIGRATION_LOCK_KEY;
  const result = await client
    .query<{ pid: number; application_name: string; state: string }>(
      `SELECT a.pid, a.application_name, a.state FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 LIMIT 1`,
      [Number(key >> 32n), Number(key & 0xffffffffn)],
    )
    .catch(() => undefined);
  const row = result?.rows[0];
  return row ? ` (server process ${row.pid}, ${row.application_name || 'no application name'}, ${row.state})` : '';
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
