import type pg from 'pg';
import { PlayLaterError } from '../errors.js';
import { BACKGROUND_TABLE, ensureBackgroundTable, listBackgroundMigrations, quoteName, unknownMigration, type BackgroundMigration } from './background-migration.js';

export interface ThrottleSettings {
  /** Pause while any replica's replay_lag (pg_stat_replication on the primary) is above this. */
  maxReplayLagMs: number;
  /** Pause while more than this many other client sessions are active on the primary. */
  maxActiveSessions: number;
  /** How long a throttled runner waits before it looks again. */
  pauseMs: number;
  /**
   * After each batch, rest this many times as long as the batch took (pt-archiver's --sleep-coef):
   * 1 leaves the server to the app half of the time, 3 (the default) three quarters, whatever the
   * batch costs on this machine.
   */
  sleepCoefficient: number;
  /**
   * Size each batch to take about this long (pt-online-schema-change's --chunk-time): the next
   * batch's size is the rows per millisecond measured so far times this, never above the
   * migration's declared batch size; 0 always uses the declared size. Short batches keep each
   * burst of work (and of WAL for the replicas to replay) short, which is what the app's tail
   * latency feels, while the sleep coefficient sets the share of time the backfill takes.
   */
  batchTimeMs: number;
}

export const DEFAULT_THROTTLE: ThrottleSettings = { maxReplayLagMs: 1_000, maxActiveSessions: 16, pauseMs: 250, sleepCoefficient: 3, batchTimeMs: 5 };

/**
 * The next batch's size: the rows per millisecond of the batches so far (a moving average that
 * gives the last batch half the weight, so one slow batch does not collapse the size) times the
 * target time, between 1 and the declared size.
 */
export function nextBatchSize(sizer: { rowsPerMs?: number }, rows: number, tookMs: number, targetMs: number, declared: number): number {
  if (targetMs <= 0) return declared;
  const rate = rows / Math.max(tookMs, 0.1);
  sizer.rowsPerMs = sizer.rowsPerMs === undefined ? rate : (sizer.rowsPerMs + rate) / 2;
  return Math.max(1, Math.min(declared, Math.round(sizer.rowsPerMs * targetMs)));
}

export interface RunBatchesOptions {
  throttle?: ThrottleSettings;
  /** Stop after this many batches (the rest stays queued); default: until finished. */
  maxBatches?: number;
  log?: (message: string) => void;
}

/** Why the runner would wait now, or undefined when a batch may go. */
export async function throttleReason(client: pg.Client, throttle: ThrottleSettings): Promise<string | undefined> {
  const { rows } = await client.query<{ lag_ms: number | null; active: number }>(
    `SELECT (SELECT max(extract(epoch FROM replay_lag) * 1000) FROM pg_stat_replication)::float8 AS lag_ms,
            (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND state = 'active' AND pid <> pg_backend_pid())::int AS active`,
  );
  const { lag_ms: lag, active } = rows[0]!;
  if (lag !== null && lag > throttle.maxReplayLagMs) return `replica replay lag ${Math.round(lag)} ms > ${throttle.maxReplayLagMs} ms`;
  if (active > throttle.maxActiveSessions) return `${active} active sessions > ${throttle.maxActiveSessions}`;
  return undefined;
}

/**
 * One batch, in one transaction: the next `size` keys after last_key (at most the declared
 * batch_size), the UPDATE of those that still match `where`, and the progress row, committed
 * together. `more` is false when the key walk reached the end (the migration is then finished) or
 * the migration is no longer runnable; `scanned` and `declared` feed the next batch's size.
 */
async function runOneBatch(client: pg.Client, name: string, size: number | undefined): Promise<{ more: boolean; scanned: number; declared: number }> {
  await client.query('BEGIN');
  try {
    // Row lock on the progress row: a second runner of the same migration waits for this batch.
    const { rows } = await client.query(`SELECT * FROM ${BACKGROUND_TABLE} WHERE name = $1 FOR UPDATE`, [name]);
    const current = rows[0] as { status: string; table_name: string; key_columns: string[]; set_list: string; where_clause: string; batch_size: number; last_key: string[] | null } | undefined;
    if (!current || current.status === 'paused' || current.status === 'finished') {
      await client.query('ROLLBACK');
      return { more: false, scanned: 0, declared: current?.batch_size ?? 0 };
    }
    const limit = Math.min(size ?? current.batch_size, current.batch_size);
    // Short: a batch never waits long behind the app's row locks, nor holds its own for long.
    await client.query(`SET LOCAL lock_timeout = '2s'; SET LOCAL statement_timeout = '30s'`);
    const keys = current.key_columns.map(quoteName);
    const keyList = keys.join(', ');
    const table = quoteName(current.table_name);
    const after = current.last_key ? `WHERE (${keyList}) > (${keys.map((_, i) => `$${i + 2}`).join(', ')})` : '';
    // The batch's keys under names of their own, so that the SET list and the condition may name
    // any column of the table, the key columns included (`score = id % 7`), without ambiguity.
    const batchKeys = keys.map((_, i) => `batch_key_${i + 1}`);
    const result = await client.query<{ scanned: number; changed: number; last_key: string[] | null }>(
      `WITH batch AS (SELECT ${keys.map((key, i) => `${key} AS ${batchKeys[i]}`).join(', ')} FROM ${table} ${after} ORDER BY ${keyList} LIMIT $1),
            changed AS (UPDATE ${table} AS t SET ${current.set_list} FROM batch
                         WHERE (${keys.map((key) => `t.${key}`).join(', ')}) = (${batchKeys.map((key) => `batch.${key}`).join(', ')}) AND (${current.where_clause})
                         RETURNING 1)
       SELECT (SELECT count(*) FROM batch)::int AS scanned, (SELECT count(*) FROM changed)::int AS changed,
              (SELECT ARRAY[${batchKeys.map((key) => `${key}::text`).join(', ')}] FROM batch ORDER BY ${batchKeys.map((key) => `${key} DESC`).join(', ')} LIMIT 1) AS last_key`,
      [limit, ...(current.last_key ?? [])],
    );
    const { scanned, changed, last_key: lastKey } = result.rows[0]!;
    const finished = scanned < limit;
    await client.query(
      `UPDATE ${BACKGROUND_TABLE}
          SET last_key = COALESCE($2, last_key), rows_done = rows_done + $3, batches_done = batches_done + 1, updated_at = now(),
              status = CASE WHEN $4 THEN 'finished' ELSE 'running' END, finished_at = CASE WHEN $4 THEN now() END
        WHERE name = $1`,
      [name, lastKey, changed, finished],
    );
    await client.query('COMMIT');
    return { more: !finished, scanned, declared: current.batch_size };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * Runs the named background migration (or every unfinished one, in order) batch by batch until
 * finished, paused, or maxBatches; waits while the throttle says so. Returns the final states.
 */
export async function runBackgroundMigrations(client: pg.Client, name: string | undefined, options: RunBatchesOptions = {}): Promise<BackgroundMigration[]> {
  const throttle = options.throttle ?? DEFAULT_THROTTLE;
  const log = options.log ?? (() => undefined);
  await ensureBackgroundTable(client);
  const all = await listBackgroundMigrations(client);
  if (name && !all.some((migration) => migration.name === name)) throw unknownMigration(name);
  const targets = all.filter((migration) => (name ? migration.name === name : migration.status !== 'finished' && migration.status !== 'paused'));
  let batches = 0;
  for (const target of targets) {
    const sizer: { rowsPerMs?: number } = {};
    let size: number | undefined;
    for (;;) {
      if (options.maxBatches !== undefined && batches >= options.maxBatches) break;
      const reason = await throttleReason(client, throttle);
      if (reason) {
        log(`${target.name}: waiting ${throttle.pauseMs} ms (${reason})`);
        await client.query(`UPDATE ${BACKGROUND_TABLE} SET throttled_ms = throttled_ms + $2 WHERE name = $1`, [target.name, throttle.pauseMs]);
        await new Promise((resolve) => setTimeout(resolve, throttle.pauseMs));
        continue;
      }
      batches += 1;
      const started = performance.now();
      const batch = await runOneBatch(client, target.name, size);
      if (!batch.more) break;
      const tookMs = performance.now() - started;
      size = nextBatchSize(sizer, batch.scanned, tookMs, throttle.batchTimeMs, batch.declared);
      const rest = tookMs * throttle.sleepCoefficient;
      if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
    }
  }
  return listBackgroundMigrations(client);
}

/** A flag's whole number ≥ 0, or `fallback` when the flag is absent. */
export function parseWholeNumber(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new PlayLaterError('E_USAGE', `${flag} must be a whole number ≥ 0, not "${value}".`, { hint: `E.g. ${flag} 1000.` });
  return parsed;
}

export function parseThrottle(flags: { maxLagMs?: string; maxActive?: string; sleepCoef?: string; batchMs?: string }): ThrottleSettings {
  return {
    maxReplayLagMs: parseWholeNumber(flags.maxLagMs, DEFAULT_THROTTLE.maxReplayLagMs, '--max-lag-ms'),
    maxActiveSessions: parseWholeNumber(flags.maxActive, DEFAULT_THROTTLE.maxActiveSessions, '--max-active'),
    pauseMs: DEFAULT_THROTTLE.pauseMs,
    sleepCoefficient: parseCoefficient(flags.sleepCoef),
    batchTimeMs: parseWholeNumber(flags.batchMs, DEFAULT_THROTTLE.batchTimeMs, '--batch-ms'),
  };
}

function parseCoefficient(value: string | undefined): number {
  if (value === undefined) return DEFAULT_THROTTLE.sleepCoefficient;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0 || parsed > 100) {
    throw new PlayLaterError('E_USAGE', `--sleep-coef must be a number from 0 to 100, not "${value}".`, { hint: 'E.g. --sleep-coef 1 (rest as long as each batch took), 0 for no rest.' });
  }
  return parsed;
}
