import type pg from 'pg';
import { PlayLaterError, messageOf } from '../errors.js';
import { acquireMigrationLock, sleep } from './migration-lock.js';
import { planSteps, type Direction, type Target } from './plan.js';
import type { RevisionContext } from './revision.js';
import type { RevisionGraph } from './revision-graph.js';
import { kyselyOn } from './single-connection-kysely.js';
import { ensureVersionTable, readHeads, writeHeads } from './version-table.js';

export interface RunnerSettings {
  lockWaitMs: number;
  lockTimeoutMs: number;
  lockRetries: number;
  statementTimeoutMs: number;
}

export interface StepDone {
  revision: string;
  direction: Direction;
  message: string;
  durationMs: number;
  /** How many times it hit lock_timeout before it went through. */
  retries: number;
}

export interface RunResult {
  before: string[];
  after: string[];
  done: StepDone[];
  /** Steps this runner planned at start that another runner applied while it waited. */
  doneByOthers: string[];
}

export interface RunOptions {
  client: pg.Client;
  graph: RevisionGraph;
  target: Target;
  settings: RunnerSettings;
  /** All steps in one transaction: all or nothing. */
  singleTransaction?: boolean;
  onStep?: (step: StepDone) => void;
  log?: (message: string) => void;
}

const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Applies the steps from the database's state to the target. Each revision runs in its own
 * transaction with its version update, under the migration lock, and the state is re-read inside
 * that transaction: a runner that waited for another one re-plans instead of applying twice.
 */
export async function runToTarget(options: RunOptions): Promise<RunResult> {
  const { client, graph, target } = options;
  const before = await readHeads(client);
  const initialPlan = planSteps(graph, graph.appliedFrom(before), target).map((s) => s.revision.id);
  const done: StepDone[] = [];
  const log = options.log ?? (() => undefined);
  const context: RevisionContext = { log, offline: false };
  const db = kyselyOn(client);
  let inTransaction = false;

  const begin = async (): Promise<void> => {
    await client.query('BEGIN');
    inTransaction = true;
    await applySessionSettings(client, options.settings);
    await acquireMigrationLock(client, options.settings.lockWaitMs);
  };
  const rollback = async (): Promise<void> => {
    if (inTransaction) await client.query('ROLLBACK').catch(() => undefined);
    inTransaction = false;
  };

  try {
    if (options.singleTransaction) await begin();
    for (;;) {
      let retries = 0;
      let finished = false;
      for (;;) {
        if (!options.singleTransaction) await begin();
        if (done.length === 0) await ensureVersionTable(client);
        const heads = await readHeads(client);
        const step = planSteps(graph, graph.appliedFrom(heads), target)[0];
        if (!step) {
          finished = true;
          break;
        }
        const started = performance.now();
        try {
          if (options.singleTransaction) await client.query('SAVEPOINT play_later_step');
          await step.revision[step.direction](db, context);
          const applied = graph.appliedFrom(heads);
          if (step.direction === 'up') applied.add(step.revision.id);
          else applied.delete(step.revision.id);
          await writeHeads(client, heads, graph.headsOf(applied));
          if (options.singleTransaction) await client.query('RELEASE SAVEPOINT play_later_step');
          else {
            await client.query('COMMIT');
            inTransaction = false;
          }
        } catch (error) {
          const code = (error as { code?: string }).code;
          if (code === LOCK_NOT_AVAILABLE && retries < options.settings.lockRetries) {
            retries += 1;
            if (options.singleTransaction) await client.query('ROLLBACK TO SAVEPOINT play_later_step');
            else await rollback();
            const pause = Math.min(100 * 2 ** (retries - 1), 10_000);
            log(`${step.revision.id}: lock_timeout (${options.settings.lockTimeoutMs} ms) hit, try ${retries + 1} of ${options.settings.lockRetries + 1} in ${pause} ms`);
            await sleep(pause);
            continue;
          }
          throw revisionFailed(step.revision.id, step.direction, error, retries);
        }
        const stepDone: StepDone = {
          revision: step.revision.id,
          direction: step.direction,
          message: step.revision.message,
          durationMs: Math.round(performance.now() - started),
          retries,
        };
        done.push(stepDone);
        options.onStep?.(stepDone);
        break;
      }
      if (finished) break;
    }
    if (inTransaction) {
      await client.query('COMMIT');
      inTransaction = false;
    }
  } catch (error) {
    await rollback();
    throw error;
  }
  const mine = new Set(done.map((step) => step.revision));
  return {
    before,
    after: await readHeads(client),
    done,
    doneByOthers: initialPlan.filter((id) => !mine.has(id)),
  };
}

/** Timeouts are set per transaction (SET LOCAL): PgBouncer rejects them as startup parameters. */
async function applySessionSettings(client: pg.Client, settings: RunnerSettings): Promise<void> {
  await client.query(
    `SET LOCAL lock_timeout = ${Math.trunc(settings.lockTimeoutMs)};` +
      ` SET LOCAL statement_timeout = ${Math.trunc(settings.statementTimeoutMs)};` +
      ` SET LOCAL client_connection_check_interval = 1000`,
  );
}

function revisionFailed(id: string, direction: Direction, error: unknown, retries: number): PlayLaterError {
  if (error instanceof PlayLaterError) return error;
  const pgError = error as { code?: string; detail?: string; position?: string; where?: string; constraint?: string };
  const parts = [messageOf(error)];
  if (pgError.detail) parts.push(`DETAIL: ${pgError.detail}`);
  if (pgError.where) parts.push(`WHERE: ${pgError.where}`);
  const lockHint =
    pgError.code === LOCK_NOT_AVAILABLE
      ? ` It could not get its locks after ${retries + 1} tries; a long transaction holds them.`
      : '';
  return new PlayLaterError('E_REVISION_FAILED', `Revision ${id} failed (${direction === 'up' ? 'upgrade' : 'downgrade'}): ${parts.join('\n')}`, {
    cause: error,
    hint: `The database stays at the revision before ${id}; nothing of ${id} was kept.${lockHint} Fix the revision (or the data it trips on) and run again.`,
    data: { revision: id, direction, sqlState: pgError.code },
  });
}
