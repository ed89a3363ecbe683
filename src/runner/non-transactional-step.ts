import type pg from 'pg';
import { enqueueBackgroundMigrations } from '../background/background-migration.js';
import { connect, disconnect, urlOf } from '../db/connect.js';
import { PlayLaterError } from '../errors.js';
import { revisionRoleSql } from '../security/roles.js';
import { connectionLostError, describeConnection, isConnectionLost } from './connection-lost.js';
import type { RunnerSettings } from './executor.js';
import { inLockedTransaction, timeoutSettingsSql } from './locked-transaction.js';
import { LeaseKeeper } from './migration-lease.js';
import { StepInterrupt } from './step-interrupt.js';
import type { PlannedStep } from './plan.js';
import type { RevisionContext } from './revision.js';
import type { RevisionGraph } from './revision-graph.js';
import { recordFinished, type InterruptedRun } from './revision-history.js';
import { kyselyOn } from './single-connection-kysely.js';
import { readHeads, writeHeads } from './version-table.js';

export interface NonTransactionalStepOptions {
  /** The runner's connection (DATABASE_URL, through a pooler or not), with no transaction open. */
  mainClient: pg.Client;
  /** DIRECT_DATABASE_URL when configured: the revision then runs on a session of its own. */
  directUrl: string | undefined;
  graph: RevisionGraph;
  step: PlannedStep;
  /** The runner's settings; lock-timeout retries are the caller's business. */
  settings: Omit<RunnerSettings, 'lockRetries' | 'maxReplayStallMs'>;
  /** This run's lease holder id, and the lease (the 'running' history row) the caller took. */
  holder: string;
  leaseId: string;
  /** Earlier runs of the revision that never finished, found when the lease was taken. */
  interrupted: readonly InterruptedRun[];
  context: RevisionContext;
}

/**
 * Runs a revision declared `transactional = false` (CREATE/DROP INDEX CONCURRENTLY cannot run in a
 * transaction) under the migration lease the caller took: every statement is sent in autocommit or
 * in a short transaction of the revision's own, so it works through a transaction pooler. Each
 * statement is journaled in the lease's history row before it is sent; a run that dies midway is
 * recognized by the next one, which drops the INVALID indexes the journal names and runs the
 * revision again. Timeouts: with DIRECT_DATABASE_URL the revision's session gets the runner's
 * timeouts; otherwise each of the revision's transactions gets them (SET LOCAL), and a statement it
 * sends on its own (CREATE INDEX CONCURRENTLY, a DO block) runs with the server's settings for the
 * role and database. Returns the duration.
 */
export async function runNonTransactionalStep(options: NonTransactionalStepOptions): Promise<number> {
  const { step, graph, settings, mainClient } = options;
  const direct = options.directUrl ? await connect(options.directUrl, { applicationName: 'play-later-db (non-transactional)' }) : undefined;
  let leaseClient: pg.Client | undefined;
  try {
    leaseClient = direct ? mainClient : await connect(mainUrl(mainClient), { applicationName: 'play-later-db (lease)' });
    const lease = new LeaseKeeper(leaseClient, options.leaseId, options.holder, settings.leaseTtlMs);
    lease.start();
    const client = direct ?? mainClient;
    const interrupt = new StepInterrupt(client, step.revision.id, options.context.log, settings.leaseTtlMs);
    try {
      if (direct) await direct.query(timeoutSettingsSql(settings, 'SESSION'));
      await recoverInterrupted(client, step, options.interrupted, options.context.log);
      const started = performance.now();
      const db = kyselyOn(client, {
        // As the owner role (revision 013) in each of the revision's transactions, SET LOCAL only: a
        // session-wide SET ROLE would stay on a pooled server connection (a "direct" URL may be one).
        // A statement sent on its own runs as the migrating user, a member of the owner role.
        afterBegin: () =>
          client.query(`${direct ? '' : `${timeoutSettingsSql(settings, 'LOCAL')}; `}${revisionRoleSql(settings, 'LOCAL')}`).then(() => undefined),
        beforeStatement: (statement) => {
          interrupt.check();
          return lease.journal(statement);
        },
      });
      await step.revision[step.direction](db, options.context).catch((error: unknown) => {
        throw isConnectionLost(error) ? connectionLostError(step, describeConnection(client, direct ? 'direct connection' : 'connection'), error) : error;
      });
      interrupt.revisionFinished();
      const durationMs = performance.now() - started;
      // Renewed until the end: the lock may take a moment, and a lapsed lease would be recovered.
      await inLockedTransaction(
        mainClient,
        settings,
        async () => {
          const heads = await readHeads(mainClient);
          await writeHeads(mainClient, heads, graph.headsAfter(heads, step.revision.id, step.direction));
          await recordFinished(mainClient, options.leaseId, durationMs);
          // With the new head, in the same transaction (a crash cannot lose them), and as the owner
          // role, as a transactional revision queues them: the table is then the owner's either way.
          if (step.direction === 'up' && step.revision.background.length > 0) {
            await mainClient.query(revisionRoleSql(settings, 'LOCAL'));
            await enqueueBackgroundMigrations(mainClient, step.revision.id, step.revision.background);
          }
        },
        options.holder,
      );
      await lease.stop();
      // A signal during the bookkeeping: the step is recorded, the run stops here.
      interrupt.check();
      return durationMs;
    } catch (error) {
      // The 'running' row stays: the next try (or run) recovers it as after a crash, at once.
      const released = await lease.release().then(
        () => true,
        () => false,
      );
      // After Ctrl-C, whatever the cancelled statement threw (or a server stopped with it) is the interruption.
      throw interrupt.errorFor(error, released);
    } finally {
      interrupt.dispose();
    }
  } finally {
    if (leaseClient !== mainClient) await disconnect(leaseClient);
    await disconnect(direct);
  }
}

function mainUrl(client: pg.Client): string {
  const url = urlOf(client);
  if (url === undefined) {
    throw new PlayLaterError('E_DIRECT_URL_REQUIRED', 'A non-transactional revision needs a second connection for its lease, and the runner\'s connection was not opened by connect().', {
      hint: 'Open the connection with connect() (src/db/connect.ts), or pass directUrl.',
    });
  }
  return url;
}

/**
 * Earlier runs of this revision started and never finished. What they completed stays (no
 * transaction); an interrupted CREATE or DROP INDEX CONCURRENTLY leaves an INVALID index, which a
 * retry with IF NOT EXISTS would silently keep. The INVALID indexes that the runs' journals name
 * are dropped (concurrently) so that running it again is safe; others are not ours to touch.
 */
async function recoverInterrupted(client: pg.Client, step: PlannedStep, interrupted: readonly InterruptedRun[], log: (message: string) => void): Promise<void> {
  if (interrupted.length === 0) return;
  const invalid = await invalidIndexes(client);
  const named = new Set(
    interrupted.flatMap((run) => run.journal ?? []).flatMap((statement) => [...statement.matchAll(/[A-Za-z_][A-Za-z0-9_$]*/g)].map((match) => match[0].toLowerCase())),
  );
  const ours = invalid.filter((index) => named.has(index.name.toLowerCase()));
  const others = invalid.filter((index) => !ours.includes(index));
  log(
    `WARNING: ${describeInterrupted(interrupted)}. ${ours.length > 0 ? `It left INVALID index(es) ${ours.map((i) => i.qualified).join(', ')}: dropping them and running ${step.revision.id} again.` : `No INVALID index of it was left; running ${step.revision.id} again.`}`,
  );
  const unjournaled = interrupted.some((run) => run.journal === null);
  if (others.length > 0) {
    log(
      `WARNING: INVALID index(es) not named in the journal of ${step.revision.id} were left alone: ${others.map((i) => i.qualified).join(', ')}.${unjournaled ? ' (An interrupted run predates the journal, so it names nothing.)' : ''} Drop them with DROP INDEX CONCURRENTLY when you know where they come from.`,
    );
  }
  for (const index of ours) await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${index.qualified}`);
}

/**
 * Advisory locks, the lease and the version table are per database: a direct URL that reaches
 * another database (or another server) would run revisions there, outside the other runners' lock.
 * Checked before anything runs.
 */
export async function assertDirectUrlReachesSameDatabase(main: pg.Client, directUrl: string): Promise<void> {
  const direct = await connect(directUrl, { applicationName: 'play-later-db (non-transactional)' });
  try {
    const identify = async (client: pg.Client): Promise<string> => {
      const result = await client.query<{ id: string }>(
        `SELECT format('%s (oid %s) on %s', d.datname, d.oid, current_setting('server_version')) AS id FROM pg_database d WHERE d.datname = current_database()`,
      );
      return result.rows[0]!.id;
    };
    const [expected, found] = await Promise.all([identify(main), identify(direct)]);
    if (expected !== found) {
      throw new PlayLaterError('E_DIRECT_URL_REQUIRED', `DIRECT_DATABASE_URL reaches ${found}, not the database being migrated, ${expected}.`, {
        hint: 'Point DIRECT_DATABASE_URL (directDatabaseUrl) at the same database as DATABASE_URL, on PostgreSQL itself rather than PgBouncer; or unset it: one URL works, through a pooler too.',
      });
    }
  } finally {
    await disconnect(direct);
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
