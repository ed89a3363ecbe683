import type pg from 'pg';
import { assertBackgroundFinished, enqueueStatements } from '../background/background-migration.js';
import { INSUFFICIENT_PRIVILEGE, PlayLaterError, messageOf } from '../errors.js';
import { connectionLostError, describeConnection, isConnectionLost, keptOfNonTransactional } from './connection-lost.js';
import { LockedTransaction, type LockSettings } from './locked-transaction.js';
import { newLeaseHolder, takeLease } from './migration-lease.js';
import { sleep } from './migration-lock.js';
import { assertDirectUrlReachesSameDatabase, runNonTransactionalStep } from './non-transactional-step.js';
import { planSteps, type Direction, type PlannedStep, type Target } from './plan.js';
import type { RevisionContext } from './revision.js';
import type { RevisionGraph } from './revision-graph.js';
import { ensureHistoryTable, findInterrupted, historyInsertSql, markInterrupted, runnerHost, verifyChecksums } from './revision-history.js';
import { revisionRoleSql, type RoleNames } from '../security/roles.js';
import { kyselyOn } from './single-connection-kysely.js';
import { ensureVersionTable, readHeads, versionUpdateSql } from './version-table.js';

/** Role names (revision 013 and later run as the owner role): see src/security/roles.ts. */
export interface RunnerSettings extends LockSettings, Partial<RoleNames> {
  /** How many times a revision is tried again after hitting lock_timeout. */
  lockRetries: number;
  /**
   * How long the lease of a non-transactional revision outlives its last renewal (renewed every
   * fifth of it): after a runner dies, the next one waits this long before it recovers the run.
   */
  leaseTtlMs: number;
  /**
   * The longest a revision may stall a replica's replay: a run through a multi-host URL refuses to
   * start while a standby among its hosts could wait longer for a conflicting query (-1: no check).
   */
  maxReplayStallMs: number;
}

export interface StepDone {
  revision: string;
  direction: Direction;
  message: string;
  durationMs: number;
  /** How many times it hit lock_timeout before it went through. */
  retries: number;
  transactional: boolean;
}

export interface RunResult {
  before: string[];
  after: string[];
  done: StepDone[];
  /** Steps this runner planned at start that another runner applied while it waited. */
  doneByOthers: string[];
  /** Applied revisions found without history (e.g. migrated by the seed's Alembic) whose checksums were recorded. */
  adopted: string[];
}

export interface RunOptions {
  client: pg.Client;
  graph: RevisionGraph;
  target: Target;
  settings: RunnerSettings;
  /**
   * DIRECT_DATABASE_URL, only when configured (never DATABASE_URL again): a URL to PostgreSQL itself
   * on which non-transactional revisions run with the runner's session timeouts. Without it they run
   * on `client`, through a pooler or not; see non-transactional-step.ts.
   */
  directUrl?: string;
  /** All steps in one transaction: all or nothing. */
  singleTransaction?: boolean;
  /** Called as a step begins (with onStep as it ends): the Migrator's progress events. */
  onStepStart?: (step: PlannedStep) => void;
  onStep?: (step: StepDone) => void;
  log?: (message: string) => void;
}

const LOCK_NOT_AVAILABLE = '55P03';
const FIRST_RETRY_PAUSE_MS = 100;
const MAX_RETRY_PAUSE_MS = 10_000;

/**
 * Applies the steps from the database's state to the target. Each revision runs in its own
 * transaction with its version update and history row, under the migration lock, and the state is
 * re-read inside that transaction: a runner that waited for another one re-plans instead of
 * applying twice. A non-transactional revision runs under the migration lease, taken in that
 * transaction (see non-transactional-step.ts). A revision that hits lock_timeout is rolled back and
 * tried again after a growing pause, so it never queues behind a long transaction while blocking
 * the table's readers.
 */
export async function runToTarget(options: RunOptions): Promise<RunResult> {
  const { client, graph, target, settings } = options;
  const single = Boolean(options.singleTransaction);
  const host = runnerHost();
  const log = options.log ?? (() => undefined);
  const context: RevisionContext = { log, offline: false };
  const before = await readHeads(client);
  const initialSteps = planSteps(graph, graph.appliedFrom(before), target);
  const initialPlan = initialSteps.map((s) => s.revision.id);
  await checkBeforeRunning(options, initialSteps);
  const holder = newLeaseHolder(host);
  const transaction = new LockedTransaction(client, settings, holder, (blockedBy) => log(`Waiting for ${blockedBy}.`));
  const done: StepDone[] = [];
  const adopted: string[] = [];
  let retries = 0;

  const finish = (step: PlannedStep, durationMs: number): void => {
    const stepDone: StepDone = {
      revision: step.revision.id,
      direction: step.direction,
      message: step.revision.message,
      durationMs: Math.round(durationMs),
      retries,
      transactional: step.revision.transactional,
    };
    retries = 0;
    done.push(stepDone);
    options.onStep?.(stepDone);
  };

  try {
    if (single) await transaction.begin();
    for (;;) {
      if (!single) await transaction.begin();
      const heads = await readLockedState(client, graph, host, adopted, transaction.bookkeepingKnown);
      // One transaction throughout: what it created is there for the next step.
      if (single) transaction.bookkeepingKnown = true;
      const step = planSteps(graph, graph.appliedFrom(heads), target)[0];
      if (!step) break;
      if (!step.revision.transactional && single) {
        throw new PlayLaterError('E_USAGE', `Revision ${step.revision.id} is non-transactional; it cannot run inside --single-transaction.`, {
          hint: 'Run without --single-transaction, or stop before it (upgrade to its parent).',
        });
      }
      options.onStepStart?.(step);
      const started = performance.now();
      try {
        if (step.direction === 'up') await assertBackgroundFinished(client, step.revision.id, step.revision.requiresBackground);
        if (!step.revision.transactional) {
          const interrupted = await findInterrupted(client, step.revision.id);
          await markInterrupted(
            client,
            interrupted.map((run) => run.id),
          );
          // The new lease's journal starts with theirs: a crash during the recovery loses nothing.
          const journal = interrupted.flatMap((run) => run.journal ?? []);
          const leaseId = await takeLease(client, step.revision, step.direction, host, holder, journal, settings.leaseTtlMs);
          await transaction.commit();
          transaction.bookkeepingKnown = true;
          // Queues the revision's background migrations with its new head.
          const durationMs = await runNonTransactionalStep({ mainClient: client, directUrl: options.directUrl, graph, step, settings, holder, leaseId, interrupted, context });
          finish(step, durationMs);
          continue;
        }
        if (single) await client.query('SAVEPOINT play_later_step');
        // After the reads above (they run as the migrating user), before the revision: see roles.ts.
        await client.query(revisionRoleSql(settings, 'LOCAL'));
        await step.revision[step.direction](kyselyOn(client, { insideCallersTransaction: true }), context);
        const durationMs = performance.now() - started;
        // The step's bookkeeping in one round trip, with COMMIT (literal SQL: a simple query may hold several).
        const bookkeeping = [
          ...(step.direction === 'up' ? enqueueStatements(step.revision.id, step.revision.background) : []),
          ...versionUpdateSql(heads, graph.headsAfter(heads, step.revision.id, step.direction)),
          historyInsertSql({ revision: step.revision, direction: step.direction, host, durationMs }),
        ].join(';\n');
        if (single) await client.query(`${bookkeeping};\nRELEASE SAVEPOINT play_later_step`);
        else {
          await transaction.commit(bookkeeping);
          transaction.bookkeepingKnown = true;
        }
        finish(step, durationMs);
      } catch (error) {
        if (!(error instanceof PlayLaterError) && isConnectionLost(error)) throw connectionLostError(step, describeConnection(client, 'connection'), error);
        if ((error as { code?: string }).code !== LOCK_NOT_AVAILABLE || retries >= settings.lockRetries) {
          throw revisionFailed(step, error, retries, single);
        }
        retries += 1;
        if (single) await client.query('ROLLBACK TO SAVEPOINT play_later_step');
        else await transaction.rollback();
        const pause = retryPause(retries);
        log(`${step.revision.id}: lock_timeout (${settings.lockTimeoutMs} ms) hit, gave up its lock request; try ${retries + 1} of ${settings.lockRetries + 1} in ${pause} ms`);
        await sleep(pause);
      }
    }
    await transaction.commit();
  } catch (error) {
    await transaction.rollback();
    throw error;
  }
  const mine = new Set(done.map((step) => step.revision));
  return {
    before,
    after: await readHeads(client, { exists: true }), // the loop's last transaction ensured the table
    done,
    doneByOthers: initialPlan.filter((id) => !mine.has(id)),
    adopted: [...new Set(adopted)], // a rolled-back try adopts again in the next one
  };
}

/** 100 ms, 200 ms, 400 ms … at most 10 s. */
export function retryPause(retry: number): number {
  return Math.min(FIRST_RETRY_PAUSE_MS * 2 ** (retry - 1), MAX_RETRY_PAUSE_MS);
}

/**
 * What can be known before anything runs: a direct URL must reach the database being migrated, and
 * a revision that declares it needs a direct connection gets one or nothing runs.
 */
async function checkBeforeRunning(options: RunOptions, steps: readonly PlannedStep[]): Promise<void> {
  const needsDirect = steps.filter((step) => step.revision.needsDirectConnection).map((step) => step.revision.id);
  if (needsDirect.length > 0 && !options.directUrl) {
    throw new PlayLaterError('E_DIRECT_URL_REQUIRED', `Revision(s) ${needsDirect.join(', ')} declare needsDirectConnection (they rely on session state), and no direct URL is configured; nothing was run.`, {
      hint: 'Set DIRECT_DATABASE_URL (config key directDatabaseUrl) to a URL that reaches PostgreSQL itself, not a transaction pooler, and run again.',
      data: { revisions: needsDirect },
    });
  }
  if (options.directUrl && steps.some((step) => !step.revision.transactional)) await assertDirectUrlReachesSameDatabase(options.client, options.directUrl);
}

/**
 * Inside the locked transaction: bookkeeping tables exist, checksums match, and the heads as they are
 * now. `known`: an earlier transaction of this run committed the tables, so they are not checked again.
 */
async function readLockedState(client: pg.Client, graph: RevisionGraph, host: string, adopted: string[], known: boolean): Promise<string[]> {
  if (!known) {
    await ensureVersionTable(client);
    await ensureHistoryTable(client);
  }
  // The tables exist from here on (ensured above, or known): their existence is not asked again.
  const heads = await readHeads(client, { exists: true });
  adopted.push(...(await verifyChecksums(client, graph, graph.appliedFrom(heads), host, { exists: true })));
  return heads;
}

function revisionFailed(step: PlannedStep, error: unknown, retries: number, single: boolean): PlayLaterError {
  if (error instanceof PlayLaterError) return error;
  const { id } = step.revision;
  const pgError = error as { code?: string; detail?: string; position?: string; where?: string; constraint?: string };
  const parts = [messageOf(error)];
  if (pgError.detail) parts.push(`DETAIL: ${pgError.detail}`);
  if (pgError.where) parts.push(`WHERE: ${pgError.where}`);
  const lockHint =
    pgError.code === LOCK_NOT_AVAILABLE
      ? ` It could not get its locks after ${retries + 1} tries; a long transaction holds them (see pg_stat_activity), or raise lockRetries / lockTimeoutMs.`
      : '';
  const kept = single
    ? 'The database stays where it was before this run: nothing of this run was kept (--single-transaction).'
    : step.revision.transactional
    ? `The database stays at the revision before ${id}; nothing of ${id} was kept.`
    : keptOfNonTransactional(step);
  // 42501: the migrating role lacks a privilege (revision 013 needs CREATEROLE, and its DETAIL says what to run instead).
  const fix = pgError.code === INSUFFICIENT_PRIVILEGE
    ? ' The migrating role lacks a privilege this revision needs: grant it (what the DETAIL above says, as a superuser), or run as a role that has it (docs/roles-and-security.md); then run again.'
    : ' Fix the revision (or the data it trips on) and run again.';
  return new PlayLaterError('E_REVISION_FAILED', `Revision ${id} failed (${step.direction === 'up' ? 'upgrade' : 'downgrade'}): ${parts.join('\n')}`, {
    cause: error,
    hint: `${kept}${lockHint}${fix}`,
    data: { revision: id, direction: step.direction, sqlState: pgError.code, tries: retries + 1 },
  });
}
