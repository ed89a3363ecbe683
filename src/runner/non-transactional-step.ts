import type pg from 'pg';
import { connect, disconnect } from '../db/connect.js';
import { connectionLostError, describeConnection, isConnectionLost } from './connection-lost.js';
import { PlayLaterError } from '../errors.js';
import { timeoutSettingsSql, type LockSettings } from './locked-transaction.js';
import { acquireSessionMigrationLock, releaseSessionMigrationLock } from './migration-lock.js';
import { offlineRevisionSql } from './offline-sql.js';
import { planSteps, type PlannedStep, type Target } from './plan.js';
import type { RevisionContext } from './revision.js';
import type { RevisionGraph } from './revision-graph.js';
import { findInterrupted, markInterrupted, recordFinished, recordStarted, type InterruptedRun } from './revision-history.js';
import { revisionRoleSql, type RoleNames } from '../security/roles.js';
import { kyselyOn } from './single-connection-kysely.js';
import { readHeads, writeHeads } from './version-table.js';

export interface NonTransactionalStepOptions {
  /** The runner's main connection: the direct one must reach the same database. */
  mainClient: pg.Client;
  /** A direct (not pooled) URL: the session lock below needs a real session. */
  directUrl: string | undefined;
  graph: RevisionGraph;
  target: Target;
  /** The step the caller planned; if another runner moved the database meanwhile, nothing runs. */
  step: PlannedStep;
  settings: LockSettings & Partial<RoleNames>;
  host: string;
  context: RevisionContext;
}

/**
 * Runs a revision declared `transactional = false` (CREATE/DROP INDEX CONCURRENTLY cannot run in a
 * transaction), so no transaction-scoped lock can cover it. It runs on its own direct connection
 * under the session-level form of the migration lock, with a 'running' history row committed first:
 * a crash in its middle is then recognized by the next run, which drops the INVALID indexes the
 * revision left behind and runs it again. Returns the duration, or undefined when another runner
 * changed the plan while this one waited (the caller re-plans).
 */
export async function runNonTransactionalStep(options: NonTransactionalStepOptions): Promise<number | undefined> {
  const { step, graph } = options;
  if (!options.directUrl) {
    throw new PlayLaterError('E_DIRECT_URL_REQUIRED', `Revision ${step.revision.id} is non-transactional and needs a direct database connection, and none is configured.`, {
      hint: 'Set DIRECT_DATABASE_URL (config key directDatabaseUrl) to a URL that reaches PostgreSQL itself, not PgBouncer.',
      data: { revision: step.revision.id },
    });
  }
  const client = await connect(options.directUrl, { applicationName: 'play-later-db (non-transactional)' });
  try {
    await assertSameDatabase(options.mainClient, client);
    await client.query(timeoutSettingsSql(options.settings, 'SESSION'));
    await client.query(revisionRoleSql(options.settings, 'SESSION'));
    await acquireSessionMigrationLock(client, options.settings.lockWaitMs);
    try {
      const heads = await readHeads(client);
      const next = planSteps(graph, graph.appliedFrom(heads), options.target)[0];
      if (next?.revision.id !== step.revision.id || next.direction !== step.direction) return undefined;
      await recoverInterrupted(client, step, options.context.log);
      const historyId = await recordStarted(client, step.revision, step.direction, options.host);
      const started = performance.now();
      // A failure leaves the 'running' row: the next try (or run) recovers as after a crash.
      await step.revision[step.direction](kyselyOn(client), options.context).catch((error: unknown) => {
        throw isConnectionLost(error) ? connectionLostError(step, describeConnection(client, 'direct connection'), error) : error;
      });
      const durationMs = performance.now() - started;
      await client.query('BEGIN');
      await writeHeads(client, heads, graph.headsAfter(heads, step.revision.id, step.direction));
      await recordFinished(client, historyId, durationMs);
      await client.query('COMMIT');
      return durationMs;
    } finally {
      const released = await releaseSessionMigrationLock(client).catch(() => true);
      if (!released) {
        options.context.log(
          'WARNING: the session migration lock was not held by this connection when released: DIRECT_DATABASE_URL seems to go through a pooler; point it at PostgreSQL itself.',
        );
      }
    }
  } finally {
    await disconnect(client);
  }
}

/**
 * A previous run of this revision started and never finished. What it completed stays (no
 * transaction); an interrupted CREATE or DROP INDEX CONCURRENTLY leaves an INVALID index, which a
 * retry with IF NOT EXISTS would silently keep. The invalid indexes the revision names are dropped
 * (concurrently) so that running it again is safe; others are not ours to touch.
 */
async function recoverInterrupted(client: pg.Client, step: PlannedStep, log: (message: string) => void): Promise<void> {
  const interrupted = await findInterrupted(client, step.revision.id);
  if (interrupted.length === 0) return;
  const invalid = await invalidIndexes(client);
  const named = new Set(
    (await offlineRevisionSql(step.revision, step.direction).catch(() => [] as string[])).flatMap((statement) =>
      [...statement.matchAll(/[A-Za-z_][A-Za-z0-9_$]*/g)].map((match) => match[0].toLowerCase()),
    ),
  );
  const ours = invalid.filter((index) => named.has(index.name.toLowerCase()));
  const others = invalid.filter((index) => !ours.includes(index));
  log(
    `WARNING: ${describeInterrupted(interrupted)}. ${ours.length > 0 ? `It left INVALID index(es) ${ours.map((i) => i.qualified).join(', ')}: dropping them and running ${step.revision.id} again.` : `No INVALID index of it was left; running ${step.revision.id} again.`}`,
  );
  if (others.length > 0) {
    log(`WARNING: INVALID index(es) not named by ${step.revision.id} were left alone: ${others.map((i) => i.qualified).join(', ')}. Drop them with DROP INDEX CONCURRENTLY when you know where they come from.`);
  }
  for (const index of ours) await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${index.qualified}`);
  await markInterrupted(
    client,
    interrupted.map((run) => run.id),
  );
}

/**
 * Advisory locks and the version table are per database: a direct URL that reaches another
 * database (or another server) would run the revision there, outside the other runners' lock.
 */
async function assertSameDatabase(main: pg.Client, direct: pg.Client): Promise<void> {
  const identify = async (client: pg.Client): Promise<string> => {
    const result = await client.query<{ id: string }>(
      `SELECT format('%s (oid %s) on %s', d.datname, d.oid, current_setting('server_version')) AS id FROM pg_database d WHERE d.datname = current_database()`,
    );
    return result.rows[0]!.id;
  };
  const [expected, found] = await Promise.all([identify(main), identify(direct)]);
  if (expected !== found) {
    throw new PlayLaterError('E_DIRECT_URL_REQUIRED', `DIRECT_DATABASE_URL reaches ${found}, not the database being migrated, ${expected}.`, {
      hint: 'Point DIRECT_DATABASE_URL (directDatabaseUrl) at the same database as DATABASE_URL, on PostgreSQL itself rather than PgBouncer.',
    });
  }
}

interface InvalidIndex {
  name: string;
  qualified: string;
}

async function invalidIndexes(client: pg.Client): Promise<InvalidIndex[]> {
  const result = await client.query<InvalidIndex>(
    `SELECT c.relname AS name, format('%I.%I', n.nspname, c.relname) AS qualified
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT i.indisvalid AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 2`,
  );
  return result.rows;
}

function describeInterrupted(runs: readonly InterruptedRun[]): string {
  const last = runs[runs.length - 1]!;
  return `Revision ${last.revision} (${last.direction === 'up' ? 'upgrade' : 'downgrade'}) was interrupted: started ${last.startedAt.toISOString()} by ${last.appliedBy}${last.host ? ` on ${last.host}` : ''} and never finished`;
}
