import type pg from 'pg';
import { PlayLaterError } from '../errors.js';
import { describeLease, leaseOfAnotherRun } from './migration-lease.js';

/**
 * Runners exclude each other with a transaction-scoped advisory lock, taken inside each revision's
 * own transaction, and, while a non-transactional revision runs outside any transaction, with the
 * migration lease (migration-lease.ts) that every lock taker checks. Both end with a transaction
 * or a timer, never with a session, so they are correct behind a transaction pooler (PgBouncer),
 * where a session-level lock would stay with a server connection that other clients share.
 * Design: docs/pooling-and-locks.md. The key is fixed: advisory locks are per database.
 */
export const MIGRATION_LOCK_KEY = 7_261_913_405_118_202n;

/** A wait longer than this is reported (onWait): a runner that says nothing for 15 s looks hung. */
const REPORT_WAIT_AFTER_MS = 1_000;

/**
 * Takes the transaction-scoped lock: each try is a short transaction of its own (BEGIN with
 * `prepareSql` in one round trip, pg_try_advisory_xact_lock, the lease check), rolled back when the
 * lock is busy or another run holds the lease, so a waiting runner never keeps a transaction open.
 * That matters: CREATE INDEX CONCURRENTLY (run by the lease holder) waits for every older open
 * transaction, and a waiter that kept one open would stall it until the wait ran out. `holder` is
 * the caller's lease holder id: its own lease does not keep it out. `bookkeepingKnown`: the history
 * table is known to have its lease columns (this run committed them already), so their catalog
 * check is skipped. Gives up with E_LOCK_TIMEOUT after lockWaitMs; on success the transaction
 * stays open.
 */
export async function beginWithMigrationLock(
  client: pg.Client,
  lockWaitMs: number,
  prepareSql: string,
  holder?: string,
  bookkeepingKnown = false,
  /** Told once, when the wait passes a second: what keeps this runner out. */
  onWait?: (blockedBy: string) => void,
): Promise<number> {
  const started = Date.now();
  let pause = 25;
  let told = false;
  for (;;) {
    const blockedBy = await tryOnce(client, prepareSql, holder, bookkeepingKnown);
    if (blockedBy === undefined) return Date.now() - started;
    const waited = Date.now() - started;
    if (onWait && !told && waited >= REPORT_WAIT_AFTER_MS && waited < lockWaitMs) {
      told = true;
      onWait(`${blockedBy === 'lock' ? `the migration lock, held by another runner${await describeHolder(client)}` : blockedBy} (up to ${Math.round(lockWaitMs / 1000)} s: lockWaitMs)`);
    }
    if (waited >= lockWaitMs) {
      const holderText = blockedBy === 'lock' ? await describeHolder(client) : ` (${blockedBy})`;
      throw new PlayLaterError('E_LOCK_TIMEOUT', `Another runner held the migration lock for ${waited} ms${holderText}; gave up after the configured wait (${lockWaitMs} ms).`, {
        hint: 'Let the other runner finish, then run again; or raise lockWaitMs (--lock-wait, PLAY_LATER_LOCK_WAIT_MS).',
        data: { waitedMs: waited },
      });
    }
    // Jitter, so that runners that woke together do not collide again.
    await sleep(Math.min(Math.round(pause * (0.5 + Math.random())), lockWaitMs - waited));
    pause = Math.min(pause * 2, 1_000);
  }
}

/** undefined: locked, transaction open; otherwise what kept it out ('lock', or the lease's description). */
async function tryOnce(client: pg.Client, prepareSql: string, holder: string | undefined, bookkeepingKnown: boolean): Promise<string | undefined> {
  let blockedBy: string | undefined = 'lock';
  try {
    // One simple query: the transaction stays open after it. The lease is read by a later statement
    // than the lock (below), so with a snapshot taken after the lock was granted: a lease committed
    // by the run that held the lock a moment ago is seen.
    await client.query(`BEGIN; ${prepareSql}`);
    const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [MIGRATION_LOCK_KEY.toString()]);
    if (result.rows[0]?.locked === true) {
      const lease = await leaseOfAnotherRun(client, holder, bookkeepingKnown);
      blockedBy = lease && describeLease(lease);
    }
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  if (blockedBy !== undefined) await client.query('ROLLBACK');
  return blockedBy;
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
