/**
 * The runner's public API: the one way anything migrates. The CLI, deploy, the schema check and
 * autogenerate, the scripts, the benchmarks and the test helpers all call it; so does an app, from
 * the package (`import { Migrator } from 'play-later-db'`). See docs/runner-api.md.
 *
 * It loads only what a call needs: the revision files are read and hashed, their declarations come
 * from a manifest (load-revisions.ts), and kysely, the executor and a revision's module are
 * imported only when a step runs. A call that finds nothing to do still checks the checksums of
 * the applied revisions against their files, and refuses an edited one, as a run does.
 */
import type pg from 'pg';
import { PlayLaterError } from '../errors.js';
import type { RunnerSettings, StepDone } from './executor.js';
import { inLockedTransaction } from './locked-transaction.js';
import { loadRevisions } from './load-revisions.js';
import { planSteps, resolveDowngradeTarget, resolveUpgradeTarget, singleHead, type Direction, type PlannedStep, type Target } from './plan.js';
import { RevisionGraph } from './revision-graph.js';
import { checksumMismatch, compareChecksums, ensureHistoryTable, readHistoryForStatus, recordedChecksums, recordHistory, runnerHost, type ChecksumState, type UnfinishedRun } from './revision-history.js';
import { DEFAULT_RUNNER_SETTINGS } from './settings.js';
import { ensureVersionTable, readHeads, writeHeads } from './version-table.js';

export type { Direction, PlannedStep, Target } from './plan.js';
export type { RunnerSettings, StepDone } from './executor.js';
export type { UnfinishedRun } from './revision-history.js';
export type { Revision, RevisionContext, RevisionModule } from './revision.js';
export { RevisionGraph } from './revision-graph.js';
export { DEFAULT_RUNNER_SETTINGS } from './settings.js';

export interface MigratorOptions {
  /** The folder of revision files (e.g. `migrations`). Give this or `graph`. */
  revisionsDir?: string;
  /** Revisions already loaded (loadRevisionGraph): a command that needs the graph before it migrates. */
  graph?: RevisionGraph;
  /** The database: a libpq URL (a connection is opened for each call and closed after it)… */
  databaseUrl?: string;
  /** …or a connection you own (left open). Give one of the two, except for renderSql. */
  client?: pg.Client;
  /**
   * Optional: a direct (not pooled) URL of the same database. Non-transactional revisions run on
   * the main connection under the migration lease, which works through a transaction pooler;
   * with a direct URL they run there with the runner's session timeouts, and a revision that
   * declares needsDirectConnection requires one (docs/pooling-and-locks.md).
   */
  directUrl?: string;
  /** Lock wait, lock_timeout, retries, statement_timeout; each defaults to DEFAULT_RUNNER_SETTINGS. */
  settings?: Partial<RunnerSettings>;
  /** Progress, as it happens (the CLI renders these lines). */
  onEvent?: (event: MigratorEvent) => void;
  /** Each connection the migrator opens, before it is used (the CLI's --echo-sql hooks in here). */
  onConnect?: (client: pg.Client) => void;
}

export type MigratorEvent =
  | { type: 'step-started'; revision: string; direction: Direction; message: string; transactional: boolean }
  | { type: 'step-done'; step: StepDone }
  /** Applied revisions found without history (the seed's Alembic, a stamp): their checksums were recorded. */
  | { type: 'adopted'; revisions: string[] }
  /** Steps this runner had planned that another runner applied while it waited for the lock. */
  | { type: 'done-by-others'; revisions: string[] }
  /** What the runner or a revision reports (lock_timeout retries, crash recovery, context.log). */
  | { type: 'log'; message: string };

export interface MigrationStatus {
  /** What the version table holds ([] at base). */
  heads: string[];
  /** The heads of the revision files. */
  revisionHeads: string[];
  applied: string[];
  /** Not applied, in the order an upgrade to heads runs them. */
  pending: string[];
  atHead: boolean;
  /** Applied revisions whose file changed since it was applied: upgrade and downgrade refuse them. */
  edited: { revision: string; file: string }[];
  /** Applied revisions without a recorded checksum: the next upgrade or downgrade adopts them. */
  unrecorded: string[];
  /** false when this role may not read the history table (the app role): edited and unfinished are then unknown, left empty. */
  historyRead: boolean;
  /** Non-transactional runs started and not finished: another runner's at work, or interrupted ones the next run recovers. */
  unfinished: UnfinishedRun[];
}

export interface MigrationResult {
  direction: Direction;
  /** The target as given: head, heads, +N, -N, base, an id or a unique prefix. */
  target: string;
  before: string[];
  after: string[];
  steps: StepDone[];
  doneByOthers: string[];
  adopted: string[];
  durationMs: number;
}

export interface OfflinePlan {
  /** The heads the plan starts from. */
  from: string[];
  /** The target as given (the right side of a range). */
  to: string;
  target: Target;
  steps: PlannedStep[];
}

export interface StampResult {
  before: string[];
  after: string[];
}

export interface AcceptedChecksum {
  revision: string;
  file: string;
  checksum: string;
}

/** The revision files of a folder as a graph; no revision module is imported (see load-revisions.ts). */
export async function loadRevisionGraph(revisionsDir: string): Promise<RevisionGraph> {
  return new RevisionGraph(await loadRevisions(revisionsDir));
}

export class Migrator {
  private graphLoaded: Promise<RevisionGraph> | undefined;
  private readonly settings: RunnerSettings;

  constructor(private readonly options: MigratorOptions) {
    if (!options.revisionsDir && !options.graph) {
      throw new PlayLaterError('E_USAGE', 'A Migrator needs the revisions: give revisionsDir (or graph).', { hint: "new Migrator({ revisionsDir: 'migrations', databaseUrl })" });
    }
    this.settings = { ...DEFAULT_RUNNER_SETTINGS, ...options.settings };
    if (options.graph) this.graphLoaded = Promise.resolve(options.graph);
  }

  /** The revisions, loaded once per Migrator. */
  revisions(): Promise<RevisionGraph> {
    return (this.graphLoaded ??= loadRevisionGraph(this.options.revisionsDir!));
  }

  /** Where the database stands, read without the lock and without changing anything. */
  /** The steps an upgrade or downgrade to `reference` would run on the database as it is now (nothing runs). */
  async stepsFromHere(direction: Direction, reference: string): Promise<PlannedStep[]> {
    const graph = await this.revisions();
    return this.withConnection(async (client) => {
      const applied = graph.appliedFrom(await readHeads(client));
      const target = direction === 'up' ? resolveUpgradeTarget(graph, reference, applied) : resolveDowngradeTarget(graph, reference, applied);
      return planSteps(graph, applied, target);
    });
  }

  async status(): Promise<MigrationStatus> {
    const graph = await this.revisions();
    return this.withConnection(async (client) => {
      const heads = await readHeads(client);
      const applied = graph.appliedFrom(heads); // fails clearly on a revision no file defines
      // The app role may read the version table but not the history: status still answers.
      const history = await readHistoryForStatus(client);
      const checksums = history ? compareChecksums(graph, applied, history.checksums) : { mismatched: [], unrecorded: [] };
      const pending = graph.order.filter((r) => !applied.has(r.id)).map((r) => r.id);
      return {
        heads,
        revisionHeads: [...graph.heads],
        applied: graph.order.filter((r) => applied.has(r.id)).map((r) => r.id),
        pending,
        atHead: pending.length === 0,
        edited: checksums.mismatched.map((r) => ({ revision: r.id, file: r.file })),
        unrecorded: checksums.unrecorded.map((r) => r.id),
        historyRead: history !== undefined,
        unfinished: history?.unfinished ?? [],
      };
    });
  }

  /** Applies revisions up to `target`: head (the default), heads, +N, a revision id or a unique prefix. */
  upgrade(target = 'head', options: { singleTransaction?: boolean } = {}): Promise<MigrationResult> {
    return this.run('up', target, options);
  }

  /** Reverts revisions down to `target`: -N, base, a revision id or a unique prefix. */
  downgrade(target: string, options: { singleTransaction?: boolean } = {}): Promise<MigrationResult> {
    return this.run('down', target, options);
  }

  /** Up or down, whichever reaches `target` (a revision id, head, heads or base): a test's set-up. */
  migrateTo(target: string): Promise<MigrationResult> {
    return this.run('auto', target, {});
  }

  /** Records `target` in the version table without running any revision (head, heads, base, ids separated by commas). */
  async stamp(target: string): Promise<StampResult> {
    const graph = await this.revisions();
    const heads = target === 'base' ? [] : headsNamed(graph, target);
    const applied = new Set(heads.flatMap((id) => [...graph.ancestors(id)]));
    const after = graph.headsOf(applied);
    if (after.length !== heads.length) {
      throw new PlayLaterError('E_REVISION_RANGE', `Cannot stamp ${target}: one of these revisions is an ancestor of another.`, {
        hint: 'Stamp only the heads you want recorded.',
      });
    }
    return this.withConnection(async (client) => {
      const before = await inLockedTransaction(client, this.settings, async () => {
        await ensureVersionTable(client);
        const current = await readHeads(client);
        await writeHeads(client, current, after);
        return current;
      });
      return { before, after };
    });
  }

  /**
   * Records the current checksum of applied revisions whose files were edited on purpose (a comment,
   * a formatting change): upgrade and downgrade accept them from then on. The old checksum stays in
   * the history.
   */
  async acceptChecksums(references: readonly string[]): Promise<AcceptedChecksum[]> {
    const graph = await this.revisions();
    const revisions = references.map((reference) => graph.resolve(reference));
    await this.withConnection((client) =>
      inLockedTransaction(client, this.settings, async () => {
        await ensureVersionTable(client);
        await ensureHistoryTable(client);
        const applied = graph.appliedFrom(await readHeads(client));
        const notApplied = revisions.filter((revision) => !applied.has(revision.id));
        if (notApplied.length > 0) {
          throw new PlayLaterError('E_REVISION_RANGE', `Not applied, so there is no checksum to accept: ${notApplied.map((r) => r.id).join(', ')}.`, {
            hint: 'Only the files of applied revisions are checked; see `play-later-db current`.',
          });
        }
        for (const revision of revisions) await recordHistory(client, { revision, direction: 'accept', host: runnerHost(), durationMs: 0 });
      }),
    );
    return revisions.map((r) => ({ revision: r.id, file: r.file, checksum: r.checksum }));
  }

  /**
   * The steps an upgrade or downgrade would run, without contacting any database. The starting point
   * is given, not read (Alembic's way): `from:to`, or base for an upgrade and the heads of the
   * revision files for a downgrade.
   */
  async plan(direction: Direction, reference: string): Promise<OfflinePlan> {
    const graph = await this.revisions();
    const range = /^([^:]*):([^:]+)$/.exec(reference);
    const from = range ? startingHeads(graph, range[1]!) : direction === 'up' ? [] : [...graph.heads];
    const to = range ? range[2]! : reference;
    const applied = graph.appliedFrom(from);
    const target = direction === 'up' ? resolveUpgradeTarget(graph, to, applied) : resolveDowngradeTarget(graph, to, applied);
    return { from, to, target, steps: planSteps(graph, applied, target) };
  }

  /** The SQL script of plan(direction, reference), for psql; nothing is executed. */
  async renderSql(direction: Direction, reference: string): Promise<{ from: string[]; target: string; sql: string }> {
    const [graph, plan] = await Promise.all([this.revisions(), this.plan(direction, reference)]);
    const { renderOfflineSql } = await import('./offline-sql.js');
    const sql = await renderOfflineSql({ graph, fromHeads: plan.from, target: plan.target, log: (message) => this.emit({ type: 'log', message }) });
    return { from: plan.from, target: plan.to, sql };
  }

  private async run(direction: Direction | 'auto', reference: string, options: { singleTransaction?: boolean }): Promise<MigrationResult> {
    const graph = await this.revisions();
    const started = performance.now();
    return this.withConnection(async (client, directUrl) => {
      const state = await readState(client, graph);
      const resolvedDirection = direction === 'auto' ? directionTo(graph, reference, state.applied) : direction;
      const target =
        resolvedDirection === 'up' ? resolveUpgradeTarget(graph, reference, state.applied) : resolveDowngradeTarget(graph, reference, state.applied);
      const result = (run: { before: string[]; after: string[]; done: StepDone[]; doneByOthers: string[]; adopted: string[] }): MigrationResult => ({
        direction: resolvedDirection,
        target: reference,
        before: run.before,
        after: run.after,
        steps: run.done,
        doneByOthers: run.doneByOthers,
        adopted: run.adopted,
        durationMs: Math.round(performance.now() - started),
      });
      // Nothing to do and nothing to record: answered from what was read, without the lock, the
      // executor or kysely. An edited applied revision is refused here exactly as a run refuses it.
      if (planSteps(graph, state.applied, target).length === 0 && state.checksums.unrecorded.length === 0) {
        if (state.checksums.mismatched.length > 0) throw checksumMismatch(state.checksums.mismatched);
        return result({ before: state.heads, after: state.heads, done: [], doneByOthers: [], adopted: [] });
      }
      // A revision's locks are replayed on every replica: refuse before anything runs when one could stall its replay past the bound.
      const { checkReplicaDelays } = await import('./replica-delay.js');
      await checkReplicaDelays(client, this.settings.maxReplayStallMs, (message) => this.emit({ type: 'log', message }));
      const { runToTarget } = await import('./executor.js');
      const run = await runToTarget({
        client,
        graph,
        target,
        settings: this.settings,
        directUrl,
        singleTransaction: options.singleTransaction,
        log: (message) => this.emit({ type: 'log', message }),
        onStepStart: (step) =>
          this.emit({ type: 'step-started', revision: step.revision.id, direction: step.direction, message: step.revision.message, transactional: step.revision.transactional }),
        onStep: (step) => this.emit({ type: 'step-done', step }),
      });
      if (run.adopted.length > 0) this.emit({ type: 'adopted', revisions: run.adopted });
      if (run.doneByOthers.length > 0) this.emit({ type: 'done-by-others', revisions: run.doneByOthers });
      return result(run);
    });
  }

  private emit(event: MigratorEvent): void {
    this.options.onEvent?.(event);
  }

  private async withConnection<T>(work: (client: pg.Client, directUrl: string | undefined) => Promise<T>): Promise<T> {
    const { client, databaseUrl } = this.options;
    const { directUrl } = this.options;
    if (client) return work(client, directUrl);
    if (!databaseUrl) {
      throw new PlayLaterError('E_USAGE', 'This Migrator has no database: give databaseUrl or client.', {
        hint: 'new Migrator({ revisionsDir, databaseUrl: process.env.DATABASE_URL })',
      });
    }
    // Imported here: renderSql and the revision graph never load pg.
    const { connect, disconnect } = await import('../db/connect.js');
    const connection = await connect(databaseUrl);
    try {
      this.options.onConnect?.(connection);
      return await work(connection, directUrl);
    } finally {
      await disconnect(connection);
    }
  }
}

interface DatabaseState {
  heads: string[];
  applied: Set<string>;
  checksums: ChecksumState;
}

async function readState(client: pg.Client, graph: RevisionGraph): Promise<DatabaseState> {
  const heads = await readHeads(client);
  const applied = graph.appliedFrom(heads); // fails clearly on a revision no file defines
  return { heads, applied, checksums: compareChecksums(graph, applied, await recordedChecksums(client)) };
}

/** Down when the target is base or an applied revision with applied descendants, else up. */
function directionTo(graph: RevisionGraph, reference: string, applied: ReadonlySet<string>): Direction {
  if (reference === 'base') return 'down';
  if (reference === 'head' || reference === 'heads') return 'up';
  const { id } = graph.resolve(reference);
  return [...graph.descendants(id)].some((other) => other !== id && applied.has(other)) ? 'down' : 'up';
}

/** head, heads, or revision ids separated by commas. */
function headsNamed(graph: RevisionGraph, reference: string): string[] {
  if (reference === 'heads') return [...graph.heads];
  if (reference === 'head') return [singleHead(graph)];
  return reference.split(',').map((part) => graph.resolve(part.trim()).id);
}

/** The "from" side of a range: base, or heads named as for stamp (each means it and its ancestors applied). */
function startingHeads(graph: RevisionGraph, from: string): string[] {
  return from === '' || from === 'base' ? [] : headsNamed(graph, from);
}
